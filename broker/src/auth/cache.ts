// A caching AuthStore: entries live `ttlMs`; concurrent lookups of one device share one query (connect
// storms); a stale entry stays usable while the backing store is unreachable (ingest must not stop when
// PostgreSQL does); `invalidate` drops an entry at once (control events).
import type { Logger } from 'pino';
import type { AuthRecord, AuthStore } from '../ports.js';

type Entry = { record: AuthRecord | null; at: number };

export interface CachedAuthStore extends AuthStore {
  /** The fresh cached record (null: known not to exist), undefined when `lookup` would query. */
  peek(deviceId: string): AuthRecord | null | undefined;
  invalidate(deviceId: string): void;
  size(): number;
}

export function createCachedAuthStore(deps: {
  store: AuthStore;
  ttlMs: number;
  logger: Logger;
  now?: () => number;
  maxEntries?: number;
}): CachedAuthStore {
  const { store, ttlMs, logger } = deps;
  const now = deps.now ?? Date.now;
  const maxEntries = deps.maxEntries ?? 200_000;
  const entries = new Map<string, Entry>();
  const inflight = new Map<string, Promise<AuthRecord | null>>();
  // Bumped by invalidate: a lookup started before an invalidation must not repopulate the cache.
  const generation = new Map<string, number>();

  async function load(deviceId: string, stale: Entry | undefined): Promise<AuthRecord | null> {
    const gen = generation.get(deviceId) ?? 0;
    try {
      const record = await store.lookup(deviceId);
      if ((generation.get(deviceId) ?? 0) === gen) {
        if (entries.size >= maxEntries) {
          const oldest = entries.keys().next();
          if (!oldest.done) entries.delete(oldest.value);
        }
        entries.set(deviceId, { record, at: now() });
      }
      return record;
    } catch (err) {
      if (stale) {
        logger.warn({ err, deviceId }, 'auth store unreachable, using the last known entry');
        return stale.record;
      }
      throw err;
    }
  }

  return {
    peek(deviceId) {
      const hit = entries.get(deviceId);
      return hit && now() - hit.at < ttlMs ? hit.record : undefined;
    },
    lookup(deviceId) {
      const hit = entries.get(deviceId);
      if (hit && now() - hit.at < ttlMs) return Promise.resolve(hit.record);
      const pending = inflight.get(deviceId);
      if (pending) return pending;
      const p = load(deviceId, hit).finally(() => inflight.delete(deviceId));
      inflight.set(deviceId, p);
      return p;
    },
    invalidate(deviceId) {
      generation.set(deviceId, (generation.get(deviceId) ?? 0) + 1);
      entries.delete(deviceId);
      inflight.delete(deviceId);
    },
    size: () => entries.size,
  };
}
