// Decides a CONNECT: username = device id, password = token (sha256 compared in constant time) or a client
// certificate whose fingerprint is a credential of the device. Failed attempts are rate-limited per device
// id and per source address. Throws AuthError with the CONNACK code; never logs or keeps the secret.
import { createHash, timingSafeEqual } from 'node:crypto';
import { RateLimiterMemory } from 'rate-limiter-flexible';
import { AuthError, BrokerError, ConnackCode } from '../errors.js';
import type { AuthCredential, AuthStore } from '../ports.js';

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
}

export function createAuthenticator(deps: {
  store: AuthStore;
  failLimitPerMin: number;
  now?: () => number;
}): Authenticator {
  const now = deps.now ?? Date.now;
  const limiter = new RateLimiterMemory({ points: deps.failLimitPerMin, duration: 60 });

  async function blocked(key: string): Promise<boolean> {
    const res = await limiter.get(key);
    return res !== null && res.consumedPoints >= deps.failLimitPerMin;
  }

  async function fail(keys: string[], reason: AuthReason, cause?: unknown): Promise<never> {
    for (const key of keys) {
      // consume rejects (with a RateLimiterRes, not an Error) once over the limit: that is expected here
      await limiter.consume(key).catch(() => undefined);
    }
    throw refuse(reason, cause);
  }

  function usable(c: AuthCredential, t: number): 'ok' | 'revoked' | 'expired' {
    if (c.revokedAt && c.revokedAt.getTime() <= t) return 'revoked';
    if (c.expiresAt && c.expiresAt.getTime() <= t) return 'expired';
    return 'ok';
  }

  return {
    async authenticate(a) {
      const ipKey = `ip:${a.remoteAddress}`;
      const username = a.username ?? '';
      const devKey = `dev:${username}`;
      if ((await blocked(ipKey)) || (username && (await blocked(devKey)))) throw refuse('rate_limited');
      const keys = username ? [ipKey, devKey] : [ipKey];
      if (!username || (!a.password && !a.certFingerprint)) return fail(keys, 'missing_credentials');

      let record;
      try {
        record = await deps.store.lookup(username);
      } catch (err) {
        throw refuse(
          'store_unavailable',
          new BrokerError('auth.store_unavailable', 'auth store lookup failed', { cause: err }),
        );
      }
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
    },
  };
}
