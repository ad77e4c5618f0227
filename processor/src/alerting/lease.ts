/**
 * A leader lease in NATS KV: one key holding `{ holder, expiresAt }`, taken with create (absent key) or
 * compare-and-set update (expired, or already ours). The holder renews it well before `ttlMs`; when the holder
 * dies the lease expires and the next contender takes it over. nats-server 2.9 has no per-key TTL, so expiry is
 * the `expiresAt` in the value (replicas share a clock closely enough for leases of seconds).
 */
import type { JsonKv } from './state-store.js';

export type LeaseValue = { holder: string; expiresAt: number; since: number };

export interface Lease {
  /** Takes or renews the lease; true while this holder leads. */
  acquire(now?: number): Promise<boolean>;
  /** Gives the lease up (on clean shutdown), so another replica takes over at once. */
  release(): Promise<void>;
  readonly holder: string;
}

export function createLease(deps: { kv: JsonKv; key: string; holder: string; ttlMs: number }): Lease {
  const { kv, key, holder, ttlMs } = deps;
  return {
    holder,
    async acquire(now = Date.now()) {
      const cur = await kv.get<LeaseValue>(key);
      if (cur && cur.value.holder !== holder && cur.value.expiresAt > now) return false;
      const since = cur && cur.value.holder === holder ? cur.value.since : now;
      const rev = await kv.cas(
        key,
        { holder, expiresAt: now + ttlMs, since } satisfies LeaseValue,
        cur?.revision ?? 0,
      );
      return rev !== null;
    },
    async release() {
      const cur = await kv.get<LeaseValue>(key);
      if (cur && cur.value.holder === holder)
        await kv.cas(key, { holder, expiresAt: 0, since: cur.value.since }, cur.revision);
    },
  };
}
