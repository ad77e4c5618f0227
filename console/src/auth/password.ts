// Human passwords: argon2id (@node-rs/argon2 defaults to Argon2id).
import { hash, verify } from '@node-rs/argon2';
import { ValidationError } from '../errors.js';

const options = { memoryCost: 19456, timeCost: 2, parallelism: 1 } as const;
let dummyHash: Promise<string> | undefined;

export function assertPasswordStrength(password: string): void {
  if (password.length < 10) throw new ValidationError('password must have at least 10 characters');
}

export function hashPassword(password: string): Promise<string> {
  return hash(password, options);
}

/** Verify; with no stored hash, still spends the same time (no user enumeration by timing). */
export async function verifyPassword(stored: string | null | undefined, password: string): Promise<boolean> {
  if (!stored) {
    dummyHash ??= hash('not-a-password-at-all', options);
    await verify(await dummyHash, password);
    return false;
  }
  return verify(stored, password);
}
