/**
 * Last time each device (and each metric watched by a no_data rule) was heard from, shared by the replicas in
 * NATS KV key `s.{deviceId}` = `{ t, m: { metric: ms } }`. A replica notes messages in memory and merges them
 * into KV every `flushMs` with compare-and-set (max of both), so the KV write rate is per device and second, not
 * per message; the no-data leader therefore allows `flushMs` of slack before it calls a device silent.
 */
import type { JsonKv } from './state-store.js';

export type SeenValue = { t: number; m: Record<string, number> };

export const seenKey = (deviceId: string): string => `s.${deviceId}`;

export interface SeenTracker {
  note(deviceId: string, at: number, metrics: Iterable<string>): void;
  flush(): Promise<void>;
  get(deviceId: string): Promise<SeenValue | null>;
}

export function createSeenTracker(kv: JsonKv): SeenTracker {
  let pending = new Map<string, SeenValue>();
  const add = (deviceId: string, at: number, metrics: Iterable<[string, number]>) => {
    let v = pending.get(deviceId);
    if (!v) pending.set(deviceId, (v = { t: at, m: {} }));
    v.t = Math.max(v.t, at);
    for (const [name, t] of metrics) v.m[name] = Math.max(v.m[name] ?? 0, t);
  };
  const merge = (deviceId: string, v: SeenValue) =>
    kv.mutate<SeenValue, { next?: SeenValue }>(seenKey(deviceId), (cur) => {
      if (!cur) return { next: v };
      const m = { ...cur.m };
      let newer = v.t > cur.t;
      for (const [k, t] of Object.entries(v.m)) {
        if (t > (m[k] ?? 0)) {
          m[k] = t;
          newer = true;
        }
      }
      return newer ? { next: { t: Math.max(cur.t, v.t), m } } : {};
    });
  return {
    note(deviceId, at, metrics) {
      add(
        deviceId,
        at,
        [...metrics].map((name) => [name, at] as [string, number]),
      );
    },
    async flush() {
      const entries = [...pending];
      pending = new Map();
      for (let i = 0; i < entries.length; i++) {
        const [deviceId, v] = entries[i]!;
        try {
          await merge(deviceId, v);
        } catch (err) {
          // keep what was not written for the next flush
          for (const [d, rest] of entries.slice(i)) add(d, rest.t, Object.entries(rest.m));
          throw err;
        }
      }
    },
    async get(deviceId) {
      return (await kv.get<SeenValue>(seenKey(deviceId)))?.value ?? null;
    },
  };
}
