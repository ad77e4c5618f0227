/**
 * Rule state per rule and device in a NATS KV bucket, changed ONLY with compare-and-set on the entry's revision:
 * any number of engine replicas may evaluate the same device; a replica that lost the race re-reads and
 * re-evaluates, so each lifecycle step is taken exactly once. Keys: `r.{ruleId}.{deviceId}`.
 */
import { JetStreamApiCodes, JetStreamApiError } from '@nats-io/jetstream';
import type { KV } from '@nats-io/kv';
import { AlertingError } from './errors.js';
import { OK, type RuleState, type Step } from './evaluate.js';

export const stateKey = (ruleId: string, deviceId: string): string => `r.${ruleId}.${deviceId}`;

/** True when a KV create/update lost a compare-and-set race. */
export function isConflict(err: unknown): boolean {
  return (
    err instanceof JetStreamApiError &&
    (err.code === JetStreamApiCodes.StreamWrongLastSequence ||
      err.code === JetStreamApiCodes.StreamWrongLastSequenceUnknown)
  );
}

export interface Versioned<T> {
  value: T;
  /** 0 when the key does not exist (or was deleted). */
  revision: number;
}

export interface JsonKv {
  get<T>(key: string): Promise<Versioned<T> | null>;
  /** Writes `value` only if the key is still at `revision` (0 = absent). Returns the new revision, or null on conflict. */
  cas(key: string, value: unknown, revision: number): Promise<number | null>;
  /**
   * Read-modify-write with compare-and-set, retried on conflict. `fn` gets the current value (or null) and
   * returns the new value, or undefined to leave it as it is. Returns what `fn` returned on the winning try.
   */
  mutate<T, R extends { next?: T }>(key: string, fn: (current: T | null) => R): Promise<R>;
  keys(filter: string): Promise<string[]>;
}

const MAX_TRIES = 50;

export function createJsonKv(kv: KV): JsonKv {
  // a deleted key keeps a revision (its delete marker) and has no value
  const read = async <T>(key: string): Promise<{ value: T | null; revision: number } | null> => {
    const e = await kv.get(key);
    if (!e) return null;
    return { value: e.operation === 'PUT' && e.length > 0 ? e.json<T>() : null, revision: e.revision };
  };
  const cas = async (key: string, value: unknown, revision: number): Promise<number | null> => {
    const data = JSON.stringify(value);
    try {
      return revision > 0 ? await kv.update(key, data, revision) : await kv.create(key, data);
    } catch (err) {
      if (isConflict(err)) return null;
      throw err;
    }
  };
  return {
    get: async <T>(key: string) => {
      const v = await read<T>(key);
      return v && v.value !== null ? { value: v.value, revision: v.revision } : null;
    },
    cas,
    async mutate<T, R extends { next?: T }>(key: string, fn: (current: T | null) => R): Promise<R> {
      for (let i = 0; i < MAX_TRIES; i++) {
        const cur = await read<T>(key);
        const current = cur?.value ?? null;
        const r = fn(current);
        if (r.next === undefined || r.next === current) return r;
        const rev = await cas(key, r.next, cur?.revision ?? 0);
        if (rev !== null) return r;
      }
      throw new AlertingError(
        'alerting.contention',
        `gave up on ${key} after ${MAX_TRIES} compare-and-set conflicts`,
      );
    },
    async keys(filter) {
      const out: string[] = [];
      for await (const k of await kv.keys(filter)) out.push(k);
      return out;
    },
  };
}

/** Runs one lifecycle step of a rule on a device: reads the state, applies `step`, writes it back with CAS. */
export async function stepState(store: JsonKv, key: string, step: (s: RuleState) => Step): Promise<Step> {
  let state: RuleState = OK;
  const r = await store.mutate<RuleState, { next?: RuleState; change?: Step['change'] }>(key, (cur) => {
    const s = cur ?? OK;
    const out = step(s);
    state = out.next;
    return out.next === s ? { change: out.change } : out;
  });
  return { next: state, ...(r.change ? { change: r.change } : {}) };
}
