// Decides a CONNECT: username = device id, password = token (sha256 compared in constant time) or a client
// certificate whose fingerprint is a credential of the device. Failed attempts are rate-limited per device
// id and per source address. Throws AuthError with the CONNACK code; never logs or keeps the secret.
import { createHash, timingSafeEqual } from 'node:crypto';
import { AuthError, BrokerError, ConnackCode } from '../errors.js';
import type { AuthCredential, AuthRecord, AuthStore } from '../ports.js';
import { FailCounter } from './fail-counter.js';

export type ConnectAttempt = {
  username: string | undefined;
  password: Buffer | undefined;
  clientId: string;
  /** sha256 of the verified client certificate's DER, lower-case hex, when the connection has one. */
  certFingerprint: string | undefined;
  remoteAddress: string;
};

export type DeviceSession = { deviceId: string; tenantId: string; credentialId: string };

export type AuthReason =
  | 'rate_limited'
  | 'missing_credentials'
  | 'unknown_device'
  | 'bad_credentials'
  | 'revoked'
  | 'expired'
  | 'disabled'
  | 'client_id'
  | 'store_unavailable';

const returnCodes: Record<AuthReason, number> = {
  rate_limited: ConnackCode.notAuthorized,
  missing_credentials: ConnackCode.badCredentials,
  unknown_device: ConnackCode.badCredentials,
  bad_credentials: ConnackCode.badCredentials,
  revoked: ConnackCode.notAuthorized,
  expired: ConnackCode.notAuthorized,
  disabled: ConnackCode.notAuthorized,
  client_id: ConnackCode.notAuthorized,
  store_unavailable: ConnackCode.serverUnavailable,
};

export function refuse(reason: AuthReason, cause?: unknown): AuthError {
  return new AuthError(`auth.${reason}`, returnCodes[reason], `connect refused: ${reason}`, { cause });
}

export function sha256Hex(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

function hexEqual(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === y.length && x.length > 0 && timingSafeEqual(x, y);
}

export function clientIdBelongs(deviceId: string, clientId: string): boolean {
  return clientId === deviceId || clientId.startsWith(`${deviceId}:`);
}

export interface Authenticator {
  authenticate(attempt: ConnectAttempt): Promise<DeviceSession>;
  /**
   * The same decision without waiting when it needs no store lookup (refused before it, or the device is
   * in the store's cache): the session, or the AuthError to refuse with; undefined when `authenticate`
   * must look the device up.
   */
  decideNow(attempt: ConnectAttempt): DeviceSession | AuthError | undefined;
}

/** An AuthStore that may answer from memory (the cache): undefined when it would have to look up. */
type PeekableStore = AuthStore & { peek?(deviceId: string): AuthRecord | null | undefined };

export function createAuthenticator(deps: {
  store: PeekableStore;
  failLimitPerMin: number;
  now?: () => number;
}): Authenticator {
  const now = deps.now ?? Date.now;
  const failures = new FailCounter(deps.failLimitPerMin, 60_000, now);

  function fail(keys: string[], reason: AuthReason, cause?: unknown): AuthError {
    for (const key of keys) failures.fail(key);
    return refuse(reason, cause);
  }

  function usable(c: AuthCredential, t: number): 'ok' | 'revoked' | 'expired' {
    if (c.revokedAt && c.revokedAt.getTime() <= t) return 'revoked';
    if (c.expiresAt && c.expiresAt.getTime() <= t) return 'expired';
    return 'ok';
  }

  /** Checks before the lookup: the keys to count failures on, or the refusal. */
  function before(a: ConnectAttempt): string[] | AuthError {
    const ipKey = `ip:${a.remoteAddress}`;
    const username = a.username ?? '';
    const devKey = `dev:${username}`;
    if (failures.blocked(ipKey) || (username && failures.blocked(devKey))) return refuse('rate_limited');
    const keys = username ? [ipKey, devKey] : [ipKey];
    if (!username || (!a.password && !a.certFingerprint)) return fail(keys, 'missing_credentials');
    return keys;
  }

  /** The decision once the device's record is known. */
  function decide(a: ConnectAttempt, keys: string[], record: AuthRecord | null): DeviceSession | AuthError {
    if (!record) return fail(keys, 'unknown_device');
    let kind: AuthCredential['kind'];
    let hash: string;
    if (a.password && a.password.length > 0) {
      kind = 'token';
      hash = sha256Hex(a.password);
    } else {
      kind = 'x509';
      hash = a.certFingerprint ?? '';
    }
    const matched = record.credentials.find((c) => c.kind === kind && hexEqual(c.secretHash, hash));
    if (!matched) return fail(keys, 'bad_credentials');
    const state = usable(matched, now());
    if (state !== 'ok') return fail(keys, state);
    if (record.disabled) return fail(keys, 'disabled');
    if (!clientIdBelongs(record.deviceId, a.clientId)) return fail(keys, 'client_id');
    return { deviceId: record.deviceId, tenantId: record.tenantId, credentialId: matched.id };
  }

  const settle = (r: DeviceSession | AuthError): DeviceSession => {
    if (r instanceof AuthError) throw r;
    return r;
  };

  return {
    decideNow(a) {
      const keys = before(a);
      if (keys instanceof AuthError) return keys;
      const record = deps.store.peek?.(a.username ?? '');
      return record === undefined ? undefined : decide(a, keys, record);
    },
    async authenticate(a) {
      const keys = before(a);
      if (keys instanceof AuthError) throw keys;
      let record;
      try {
        record = await deps.store.lookup(a.username ?? '');
      } catch (err) {
        throw refuse(
          'store_unavailable',
          new BrokerError('auth.store_unavailable', 'auth store lookup failed', { cause: err }),
        );
      }
      return settle(decide(a, keys, record));
    },
  };
}
