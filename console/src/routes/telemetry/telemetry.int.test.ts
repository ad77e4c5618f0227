// Telemetry (metrics, latest, series on time_bucket / date_bin) and the fleet overview, with isolation.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '@iotlog/drizzle/testing';
import { pino } from 'pino';
import { createApp } from '../../app.js';
import { defaultConfig } from '../../deps.js';
import { Client, createHarness, seedOrg, type Harness } from '../../testing/harness.js';

let h: Harness;
let A: Awaited<ReturnType<typeof seedOrg>>;
let B: Awaited<ReturnType<typeof seedOrg>>;
let dev1: string;
let dev2: string;
const hour = Math.floor(Date.now() / 3600_000) * 3600_000;

beforeAll(async () => {
  h = await createHarness();
  A = await seedOrg(h, 'Alpha');
  B = await seedOrg(h, 'Beta');
  dev1 = (await A.client.json('POST', '/api/devices', { tenantId: A.tenantId, name: 't-1' }, 201)).device.id;
  dev2 = (await A.client.json('POST', '/api/devices', { tenantId: A.tenantId, name: 't-2' }, 201)).device.id;
  // one sample per minute over the last 2 hours (ending at the last full hour), temp = minute index
  await h.tdb.database.query(
    `INSERT INTO telemetry (time, tenant_id, device_id, metric, value)
     SELECT to_timestamp($1::double precision / 1000) - make_interval(mins => g), $2, d, m, g + (CASE WHEN d = $3::uuid THEN 0 ELSE 1000 END)
     FROM generate_series(1, 120) g, unnest(ARRAY[$3::uuid, $4::uuid]) d, unnest(ARRAY['temp', 'rpm']) m`,
    [hour, A.tenantId, dev1, dev2],
  );
  await h.tdb.database.query('UPDATE devices SET online = true, last_seen_at = now() WHERE id = $1', [dev1]);
});
afterAll(async () => {
  await h?.close();
});

describe('telemetry', () => {
  it('lists metrics and last values of a device', async () => {
    const m = await A.client.json('GET', `/api/telemetry/metrics?deviceId=${dev1}`, undefined, 200);
    expect(m.items.map((x: { metric: string }) => x.metric)).toEqual(['rpm', 'temp']);
    const last = await A.client.json('GET', `/api/telemetry/latest?deviceId=${dev1}`, undefined, 200);
    expect(last.items).toEqual([
      { metric: 'rpm', time: new Date(hour - 60_000).toISOString(), value: 1 },
      { metric: 'temp', time: new Date(hour - 60_000).toISOString(), value: 1 },
    ]);
  });

  it('series for several devices with the bucket chosen from the range (time_bucket on TimescaleDB)', async () => {
    const from = new Date(hour - 2 * 3600_000).toISOString();
    const to = new Date(hour).toISOString();
    const s = await A.client.json(
      'GET',
      `/api/telemetry/series?deviceIds=${dev1},${dev2}&metric=temp&from=${from}&to=${to}&points=12`,
      undefined,
      200,
    );
    expect(s.bucketSeconds).toBe(600);
    expect(s.bucketFunction).toBe('time_bucket');
    expect(s.series.map((x: { deviceName: string }) => x.deviceName)).toEqual(['t-1', 't-2']);
    const p = s.series[0].points;
    expect(p).toHaveLength(12);
    expect(p.reduce((a: number, x: { count: number }) => a + x.count, 0)).toBe(120);
    expect(p[p.length - 1]).toMatchObject({ min: 1, max: 10, avg: 5.5, count: 10 });
    expect(s.series[1].points[0].min).toBeGreaterThan(1000);
    expect(
      (await A.client.req('GET', `/api/telemetry/series?deviceIds=${dev1}&metric=temp&points=1`)).status,
    ).toBe(400);
  });

  it('isolation: B never reads A metrics, last values or series', async () => {
    expect((await B.client.req('GET', `/api/telemetry/metrics?deviceId=${dev1}`)).status).toBe(404);
    expect((await B.client.req('GET', `/api/telemetry/latest?deviceId=${dev1}`)).status).toBe(404);
    expect((await B.client.req('GET', `/api/telemetry/series?deviceIds=${dev1}&metric=temp`)).status).toBe(
      404,
    );
  });
});

describe('fleet', () => {
  it('counts devices, online state, and the storage mode', async () => {
    const f = await A.client.json('GET', '/api/fleet', undefined, 200);
    expect(f).toMatchObject({ tenants: 1, devices: 2, online: 1, offline: 1, disabled: 0 });
    expect(f.storage.mode).toBe('timescaledb');
    expect(f.storage.edition).toBe('apache');
    const list = await A.client.json('GET', '/api/devices', undefined, 200);
    expect(list.items.find((d: { id: string }) => d.id === dev1)).toMatchObject({ online: true });
  });
  it('isolation: B fleet never counts A devices', async () => {
    const f = await B.client.json('GET', '/api/fleet', undefined, 200);
    expect(f).toMatchObject({ tenants: 1, devices: 0, online: 0 });
  });
});

const noBus = { publish() {}, subscribe: () => ({ unsubscribe() {} }) };

it('plain PostgreSQL: series use date_bin and the fleet says postgres', async () => {
  const tdb = await createTestDatabase({ timescale: false });
  try {
    const app = createApp({
      db: tdb.database.db,
      bus: noBus,
      logger: pino({ level: 'silent' }),
      config: defaultConfig,
    });
    const c = new Client({ ...h, app });
    await c.json(
      'POST',
      '/api/setup',
      { organization: 'Plain', email: 'p@plain.test', password: 'plain password' },
      200,
    );
    const me = await c.json('GET', '/api/auth/me', undefined, 200);
    c.csrf = me.csrfToken;
    const t = await c.json('POST', '/api/tenants', { name: 'T' }, 201);
    const d = await c.json('POST', '/api/devices', { tenantId: t.id, name: 'd' }, 201);
    await tdb.database.query(
      `INSERT INTO telemetry (time, tenant_id, device_id, metric, value) VALUES (now() - interval '1 minute', $1, $2, 'temp', 21.5)`,
      [t.id, d.device.id],
    );
    const s = await c.json(
      'GET',
      `/api/telemetry/series?deviceIds=${d.device.id}&metric=temp&since=1h`,
      undefined,
      200,
    );
    expect(s.bucketFunction).toBe('date_bin');
    expect(s.series[0].points[0].avg).toBe(21.5);
    const f = await c.json('GET', '/api/fleet', undefined, 200);
    expect(f.storage).toEqual({ mode: 'postgres', edition: null, hypertables: [] });
  } finally {
    await tdb.drop();
  }
});

it('PGlite (embedded): setup, devices, search and series work', async () => {
  const tdb = await createTestDatabase({ pglite: true });
  try {
    const app = createApp({
      db: tdb.database.db,
      bus: noBus,
      logger: pino({ level: 'silent' }),
      config: defaultConfig,
    });
    const c = new Client({ ...h, app });
    const me = await c.json(
      'POST',
      '/api/setup',
      { organization: 'Lite', email: 'l@lite.test', password: 'lite password' },
      200,
    );
    c.csrf = me.csrfToken;
    const t = await c.json('POST', '/api/tenants', { name: 'T' }, 201);
    const d = await c.json('POST', '/api/devices', { tenantId: t.id, name: 'd' }, 201);
    await tdb.database.query(
      `INSERT INTO telemetry (time, tenant_id, device_id, metric, value) VALUES (now() - interval '1 minute', $1, $2, 'temp', 21.5)`,
      [t.id, d.device.id],
    );
    await tdb.database.query(
      `INSERT INTO logs (time, tenant_id, device_id, seq, severity, message) VALUES (now() - interval '1 minute', $1, $2, 1, 3, 'lite alarm')`,
      [t.id, d.device.id],
    );
    const s = await c.json(
      'GET',
      `/api/telemetry/series?deviceIds=${d.device.id}&metric=temp&since=1h`,
      undefined,
      200,
    );
    expect(s.series[0].points[0].avg).toBe(21.5);
    const found = await c.json('GET', '/api/logs/search?q=alarm', undefined, 200);
    expect(found.items.map((l: { message: string }) => l.message)).toEqual(['lite alarm']);
    const hist = await c.json('GET', '/api/logs/histogram?q=alarm', undefined, 200);
    expect(hist.total).toBe(1);
    const list = await c.json('GET', '/api/devices', undefined, 200);
    expect(list.items).toHaveLength(1);
  } finally {
    await tdb.drop();
  }
});
