// Device state (last_seen_at, online, reported configuration), coalesced in memory and written in batches:
// one UPDATE ... FROM unnest(...) per kind and flush, never one UPDATE per message.
import type { SqlQueryable } from '../store/sql.js';

export interface DeviceStateBuffer {
  /** The device sent something received at `atMs`. */
  seen(deviceId: string, atMs: number): void;
  /** Presence from the broker; the latest `atMs` per device wins. */
  presence(deviceId: string, online: boolean, atMs: number): void;
  /** A reported configuration document; the highest version per device wins. */
  reportConfig(deviceId: string, version: number, config: Record<string, unknown>, atMs: number): void;
  /** Devices waiting to be written. */
  readonly size: number;
  /** Writes and clears what is buffered; on failure the entries are merged back for the next flush. */
  flush(db: SqlQueryable): Promise<void>;
}

const UPDATE_SEEN = `UPDATE devices AS d SET last_seen_at = GREATEST(d.last_seen_at, to_timestamp(u.t / 1000.0))
FROM unnest($1::uuid[], $2::float8[]) AS u(id, t) WHERE d.id = u.id`;

const UPDATE_ONLINE = `UPDATE devices AS d SET online = u.o, last_seen_at = GREATEST(d.last_seen_at, to_timestamp(u.t / 1000.0))
FROM unnest($1::uuid[], $2::bool[], $3::float8[]) AS u(id, o, t) WHERE d.id = u.id`;

const UPDATE_CONFIG = `UPDATE devices AS d SET reported_config = u.c, reported_config_at = to_timestamp(u.t / 1000.0)
FROM unnest($1::uuid[], $2::jsonb[], $3::float8[]) AS u(id, c, t) WHERE d.id = u.id`;

interface Presence {
  online: boolean;
  at: number;
}
interface Config {
  version: number;
  config: Record<string, unknown>;
  at: number;
}

export function createDeviceStateBuffer(): DeviceStateBuffer {
  let seen = new Map<string, number>();
  let presence = new Map<string, Presence>();
  let configs = new Map<string, Config>();

  const mergeSeen = (id: string, at: number) => {
    const prev = seen.get(id);
    if (prev === undefined || at > prev) seen.set(id, at);
  };
  const mergePresence = (id: string, p: Presence) => {
    const prev = presence.get(id);
    if (prev === undefined || p.at >= prev.at) presence.set(id, p);
  };
  const mergeConfig = (id: string, c: Config) => {
    const prev = configs.get(id);
    if (prev === undefined || c.version >= prev.version) configs.set(id, c);
  };

  return {
    seen: mergeSeen,
    presence: (id, online, at) => mergePresence(id, { online, at }),
    reportConfig: (id, version, config, at) => mergeConfig(id, { version, config, at }),
    get size() {
      return seen.size + presence.size + configs.size;
    },
    async flush(db) {
      const s = seen;
      const p = presence;
      const c = configs;
      seen = new Map();
      presence = new Map();
      configs = new Map();
      try {
        // sorted ids: replicas lock device rows in the same order, so concurrent flushes cannot deadlock
        if (s.size > 0) {
          const ids = [...s.keys()].sort();
          await db.query(UPDATE_SEEN, [ids, ids.map((id) => s.get(id))]);
        }
        if (p.size > 0) {
          const ids = [...p.keys()].sort();
          await db.query(UPDATE_ONLINE, [
            ids,
            ids.map((id) => p.get(id)?.online),
            ids.map((id) => p.get(id)?.at),
          ]);
        }
        if (c.size > 0) {
          const ids = [...c.keys()].sort();
          const docs = ids.map((id) => {
            const v = c.get(id) as Config;
            return JSON.stringify({ version: v.version, config: v.config });
          });
          await db.query(UPDATE_CONFIG, [ids, docs, ids.map((id) => c.get(id)?.at)]);
        }
      } catch (err) {
        for (const [id, at] of s) mergeSeen(id, at);
        for (const [id, v] of p) mergePresence(id, v);
        for (const [id, v] of c) mergeConfig(id, v);
        throw err;
      }
    },
  };
}
