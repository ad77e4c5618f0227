// The authenticator and the cache against an in-memory AuthStore port (no I/O; the PostgreSQL adapter is
// covered by the integration tests).
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { AuthRecord, AuthStore } from '../ports.js';
import { createAuthenticator, sha256Hex } from './authenticator.js';
import { createCachedAuthStore } from './cache.js';

const DEV = '6f1c8f5e-6a7e-4c1e-9a53-1d6c0e1f2a3b';
const token = 'iot_secret-token';
const record = (over: Partial<AuthRecord> = {}): AuthRecord => ({
  deviceId: DEV,
  tenantId: 't1',
  disabled: false,
  credentials: [{ id: 'c1', kind: 'token', secretHash: sha256Hex(token), expiresAt: null, revokedAt: null }],
  ...over,
});
const store = (r: AuthRecord | null): AuthStore => ({ lookup: async () => r });
const attempt = (over = {}) => ({
  username: DEV,
  password: Buffer.from(token),
  clientId: DEV,
  certFingerprint: undefined,
  remoteAddress: '10.0.0.1',
  ...over,
});

describe('authenticator', () => {
  it('accepts the token and returns the session', async () => {
    const a = createAuthenticator({ store: store(record()), failLimitPerMin: 5 });
    await expect(a.authenticate(attempt())).resolves.toEqual({
      deviceId: DEV,
      tenantId: 't1',
      credentialId: 'c1',
    });
  });

  it('maps every refusal to its code and CONNACK return code', async () => {
    const cases: [AuthRecord | null, object, string, number][] = [
      [null, {}, 'auth.unknown_device', 4],
      [record(), { password: Buffer.from('nope') }, 'auth.bad_credentials', 4],
      [record(), { password: undefined }, 'auth.missing_credentials', 4],
      [record({ disabled: true }), {}, 'auth.disabled', 5],
      [record(), { clientId: 'someone-else' }, 'auth.client_id', 5],
      [
        record({
          credentials: [
            {
              id: 'c1',
              kind: 'token',
              secretHash: sha256Hex(token),
              expiresAt: new Date(1),
              revokedAt: null,
            },
          ],
        }),
        {},
        'auth.expired',
        5,
      ],
      [
        record({
          credentials: [
            {
              id: 'c1',
              kind: 'token',
              secretHash: sha256Hex(token),
              expiresAt: null,
              revokedAt: new Date(1),
            },
          ],
        }),
        {},
        'auth.revoked',
        5,
      ],
    ];
    for (const [r, over, code, rc] of cases) {
      const a = createAuthenticator({ store: store(r), failLimitPerMin: 100 });
      await expect(a.authenticate(attempt(over)), code).rejects.toMatchObject({ code, returnCode: rc });
    }
  });

  it('rate-limits failed attempts per address', async () => {
    const a = createAuthenticator({ store: store(record()), failLimitPerMin: 3 });
    for (let i = 0; i < 3; i++)
      await expect(a.authenticate(attempt({ password: Buffer.from('x') }))).rejects.toMatchObject({
        code: 'auth.bad_credentials',
      });
    await expect(a.authenticate(attempt())).rejects.toMatchObject({
      code: 'auth.rate_limited',
      returnCode: 5,
    });
  });

  it('answers 3 when the store fails and nothing is cached', async () => {
    const a = createAuthenticator({
      store: { lookup: () => Promise.reject(new Error('db down')) },
      failLimitPerMin: 3,
    });
    await expect(a.authenticate(attempt())).rejects.toMatchObject({
      code: 'auth.store_unavailable',
      returnCode: 3,
    });
  });
});

describe('cached auth store', () => {
  const logger = pino({ level: 'silent' });

  it('shares one lookup between concurrent callers, expires entries, serves stale while the store fails', async () => {
    let t = 0;
    let calls = 0;
    let fail = false;
    const backing: AuthStore = {
      lookup: async () => {
        calls++;
        if (fail) throw new Error('down');
        return record();
      },
    };
    const cache = createCachedAuthStore({ store: backing, ttlMs: 1000, logger, now: () => t });
    await Promise.all([cache.lookup(DEV), cache.lookup(DEV), cache.lookup(DEV)]);
    expect(calls).toBe(1);
    t = 2000;
    fail = true;
    await expect(cache.lookup(DEV)).resolves.toMatchObject({ deviceId: DEV });
    expect(calls).toBe(2);
    cache.invalidate(DEV);
    await expect(cache.lookup(DEV)).rejects.toThrow('down');
  });
});

describe('decideNow (the CONNECT path without waiting)', () => {
  const logger = pino({ level: 'silent' });

  it('decides from the cache alone, and defers to authenticate when the device is not cached', async () => {
    let t = 0;
    const cache = createCachedAuthStore({ store: store(record()), ttlMs: 1000, logger, now: () => t });
    const a = createAuthenticator({ store: cache, failLimitPerMin: 5, now: () => t });
    expect(a.decideNow(attempt())).toBeUndefined();
    await a.authenticate(attempt());
    expect(a.decideNow(attempt())).toEqual({ deviceId: DEV, tenantId: 't1', credentialId: 'c1' });
    expect(a.decideNow(attempt({ password: Buffer.from('nope') }))).toMatchObject({
      code: 'auth.bad_credentials',
      returnCode: 4,
    });
    t = 1000; // expired entry: a lookup again
    expect(a.decideNow(attempt())).toBeUndefined();
  });

  it('refuses without a lookup when credentials are missing or the source is rate limited', () => {
    const a = createAuthenticator({ store: store(record()), failLimitPerMin: 2 });
    expect(a.decideNow(attempt({ password: undefined }))).toMatchObject({ code: 'auth.missing_credentials' });
    expect(a.decideNow(attempt({ password: undefined }))).toMatchObject({ code: 'auth.missing_credentials' });
    expect(a.decideNow(attempt())).toMatchObject({ code: 'auth.rate_limited', returnCode: 5 });
  });
});
