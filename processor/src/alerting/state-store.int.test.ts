// Compare-and-set on NATS KV (real server): concurrent read-modify-write from two connections loses no update,
// and the leader lease is exclusive, renewable, taken over after expiry and released.
import { randomBytes } from 'node:crypto';
import { Kvm, type KV } from '@nats-io/kv';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLease } from './lease.js';
import { createJsonKv, type JsonKv } from './state-store.js';
import { NATS_URL } from './testing.js';

const bucket = `alerting_kv_${randomBytes(4).toString('hex')}`;
let ncs: NatsConnection[] = [];
let raw: KV;
let a: JsonKv;
let b: JsonKv;

beforeAll(async () => {
  ncs = [await connect({ servers: NATS_URL }), await connect({ servers: NATS_URL })];
  raw = await new Kvm(ncs[0]!).create(bucket, { history: 1 });
  a = createJsonKv(raw);
  b = createJsonKv(await new Kvm(ncs[1]!).open(bucket));
});
afterAll(async () => {
  await raw?.destroy();
  for (const nc of ncs) await nc.close();
});

describe('compare-and-set', () => {
  it('loses no update under concurrent read-modify-write from two clients', async () => {
    const inc = (kv: JsonKv) =>
      kv.mutate<{ n: number }, { next: { n: number } }>('counter', (cur) => ({
        next: { n: (cur?.n ?? 0) + 1 },
      }));
    await Promise.all(Array.from({ length: 40 }, (_, i) => inc(i % 2 ? a : b)));
    expect((await a.get<{ n: number }>('counter'))?.value).toEqual({ n: 40 });
  });

  it('cas refuses a stale revision and creates only absent keys', async () => {
    const r1 = await a.cas('k', { v: 1 }, 0);
    expect(r1).toBeGreaterThan(0);
    expect(await b.cas('k', { v: 2 }, 0)).toBeNull();
    const r2 = await b.cas('k', { v: 2 }, r1!);
    expect(r2).toBeGreaterThan(r1!);
    expect(await a.cas('k', { v: 3 }, r1!)).toBeNull();
    await raw.delete('k');
    expect(await a.get('k')).toBeNull();
    expect(
      await a.mutate<{ v: number }, { next: { v: number } }>('k', (cur) => ({
        next: { v: (cur?.v ?? 10) + 1 },
      })),
    ).toEqual({ next: { v: 11 } });
  });
});

describe('leader lease', () => {
  it('is held by one, renewed by its holder, taken over after expiry, released', async () => {
    const one = createLease({ kv: a, key: 'lease.test', holder: 'one', ttlMs: 1_000 });
    const two = createLease({ kv: b, key: 'lease.test', holder: 'two', ttlMs: 1_000 });
    const t = Date.now();
    expect(await one.acquire(t)).toBe(true);
    expect(await two.acquire(t + 10)).toBe(false);
    expect(await one.acquire(t + 900)).toBe(true); // renewed until t + 1900
    expect(await two.acquire(t + 1_500)).toBe(false);
    expect(await two.acquire(t + 2_000)).toBe(true); // one died: expired, taken over
    expect(await one.acquire(t + 2_010)).toBe(false);
    await two.release();
    expect(await one.acquire(Date.now())).toBe(true);
  });
});
