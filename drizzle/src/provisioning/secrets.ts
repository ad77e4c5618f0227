import { createHash, randomBytes } from 'node:crypto';
import { ProvisioningError } from './errors.js';

/** A device token: `iot_` + 32 random bytes base64url (256 bits). Shown once; only its sha256 is stored. */
export function generateDeviceToken(): string {
  return `iot_${randomBytes(32).toString('base64url')}`;
}

/** sha256 hex of a token, as stored in device_credentials.secret_hash and looked up by the broker. */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/** Normalises an X.509 sha256 fingerprint to lower-case hex without colons ("AB:CD:..." accepted). */
export function normalizeFingerprint(input: string): string {
  const hex = input.replace(/[:\s]/g, '').toLowerCase();
  if (!/^[0-9a-f]{64}$/.test(hex)) {
    throw new ProvisioningError(
      'provisioning.invalid_input',
      `"${input}" is not a sha256 fingerprint: give 64 hex digits (e.g. openssl x509 -noout -fingerprint -sha256 -in cert.pem)`,
    );
  }
  return hex;
}
