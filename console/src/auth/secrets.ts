// Random secrets and their stored hashes. Only sha256 of session cookies, API tokens and device tokens
// is stored; argon2id is for human passwords only (auth/password.ts).
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export function randomSecret(prefix = '', bytes = 32): string {
  return prefix + randomBytes(bytes).toString('base64url');
}

export function sha256Hex(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}

export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** A device token (ARCHITECTURE.md "Identity"): `iot_` + 32 random bytes base64url. */
export const newDeviceToken = (): string => randomSecret('iot_');
/** A console API token for automation (Bearer). */
export const newApiToken = (): string => randomSecret('iotc_');
