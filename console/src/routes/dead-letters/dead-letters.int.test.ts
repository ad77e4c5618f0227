// Dead letters: list newest first with filters and keyset cursor pages, payload preview, counts per code;
// a second organization never sees the first one's rows, and rows without a tenant are never shown.
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, memberClient, seedOrg, type Harness } from '../../testing/harness.js';

let h: Harness;
let A: Awaited<ReturnType<typeof seedOrg>>;
let B: Awaited<ReturnType<typeof seedOrg>>;
let dev1: string;
let dev2: string;
let devB: string;
const now = Date.now();
let seq = 0;

async function insertDeadLetter(
  tenant: string | null,
  device: string | null,
  agoMs: number,
  code: string,
  payload: Buffer | null,
  reason = `refused ${code}`,
  at?: Date,
) {
  seq += 1;
  await h.tdb.database.query(
    'INSERT INTO dead_letters (received_at, tenant_id, device_id, channel, code, reason, payload, stream_seq, position) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)',
    [at ?? new Date(now - agoMs), tenant, device, 'logs', code, reason, payload, seq, -1],
  );
}

interface Item {
  id: number;
  receivedAt: string;
  tenantId: string;
  deviceId: string | null;
  deviceName: string | null;
  channel: string;
  code: string;
  reason: string;
  payloadPreview: string | null;
  payloadBytes: number;
}

beforeAll(async () => {
  h = await createHarness();
  A = await seedOrg(h, 'Alpha');
  B = await seedOrg(h, 'Beta');
  dev1 = (await A.client.json('POST', '/api/devices', { tenantId: A.tenantId, name: 'dev-1' }, 201)).device
    .id;
  dev2 = (await A.client.json('POST', '/api/devices', { tenantId: A.tenantId, name: 'dev-2' }, 201)).device
    .id;
  devB = (await B.client.json('POST', '/api/devices', { tenantId: B.tenantId, name: 'dev-b' }, 201)).device
    .id;
  // A: 25 rows over the last 25 minutes (dev1: payload.json, dev2: payload.type), one old row (3 days)
  for (let i = 0; i < 25; i++) {
    const dev = i % 2 === 0 ? dev1 : dev2;
    await insertDeadLetter(
      A.tenantId,
      dev,
      (25 - i) * 60_000,
      dev === dev1 ? 'payload.json' : 'payload.type',
      Buffer.from(`{"n": ${i}, bad`),
    );
  }
  await insertDeadLetter(A.tenantId, dev1, 3 * 86400_000, 'payload.time', Buffer.from('old'));
  // three rows with the same received_at: the cursor must still split them by id
  const same = new Date(now - 30 * 60_000);
  for (let i = 0; i < 3; i++)
    await insertDeadLetter(A.tenantId, null, 0, 'envelope.invalid', null, `same time ${i}`, same);
  // B: its own rows; and rows with no tenant at all
  await insertDeadLetter(B.tenantId, devB, 60_000, 'payload.json', Buffer.from('beta secret payload'));
  await insertDeadLetter(null, null, 60_000, 'auth.unknown', Buffer.from('no tenant'));
});
afterAll(async () => {
  await h?.close();
});

describe('GET /api/dead-letters', () => {
  it('lists newest first with device names, preview and size', async () => {
    const page = await A.client.json<{ items: Item[]; nextCursor: string | null }>(
      'GET',
      '/api/dead-letters?limit=5',
      undefined,
      200,
    );
    expect(page.items).toHaveLength(5);
    expect(page.nextCursor).toBeTruthy();
    const first = page.items[0]!;
    expect(first).toMatchObject({
      tenantId: A.tenantId,
      deviceId: dev1,
      deviceName: 'dev-1',
      channel: 'logs',
      code: 'payload.json',
      reason: 'refused payload.json',
      payloadPreview: '{"n": 24, bad',
      payloadBytes: Buffer.byteLength('{"n": 24, bad'),
    });
    const times = page.items.map((i) => Date.parse(i.receivedAt));
    expect([...times].sort((a, b) => b - a)).toEqual(times);
  });

  it('pages through everything with the cursor, no duplicates, ties split by id', async () => {
    const seen: Item[] = [];
    let cursor: string | null = null;
    for (let n = 0; n < 20; n++) {
      const qs: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : '';
      const page: { items: Item[]; nextCursor: string | null } = await A.client.json(
        'GET',
        `/api/dead-letters?limit=4${qs}`,
        undefined,
        200,
      );
      seen.push(...page.items);
      cursor = page.nextCursor;
      if (!cursor) break;
    }
    expect(seen).toHaveLength(29);
    expect(new Set(seen.map((i) => i.id)).size).toBe(29);
    expect(seen.filter((i) => i.code === 'envelope.invalid')).toHaveLength(3);
    expect(seen.every((i) => i.tenantId === A.tenantId)).toBe(true);
    expect(seen.at(-1)?.code).toBe('payload.time');
  });

  it('filters by code, device, tenant and time', async () => {
    const byCode = await A.client.json('GET', '/api/dead-letters?code=payload.type', undefined, 200);
    expect(byCode.items).toHaveLength(12);
    expect(byCode.items.every((i: Item) => i.code === 'payload.type' && i.deviceId === dev2)).toBe(true);
    const byDevice = await A.client.json('GET', `/api/dead-letters?deviceId=${dev1}`, undefined, 200);
    expect(byDevice.items).toHaveLength(14);
    const from = new Date(now - 10.5 * 60_000).toISOString();
    const to = new Date(now - 4.5 * 60_000).toISOString();
    const ranged = await A.client.json(
      'GET',
      `/api/dead-letters?from=${from}&to=${to}&deviceId=${dev1}`,
      undefined,
      200,
    );
    expect(ranged.items.map((i: Item) => i.payloadPreview)).toEqual([
      '{"n": 20, bad',
      '{"n": 18, bad',
      '{"n": 16, bad',
    ]);
    const tenant = await A.client.json('GET', `/api/dead-letters?tenantId=${A.tenantId}`, undefined, 200);
    expect(tenant.items).toHaveLength(29);
    expect((await A.client.req('GET', '/api/dead-letters?from=yesterday')).status).toBe(400);
    expect((await A.client.req('GET', '/api/dead-letters?cursor=nonsense')).status).toBe(400);
  });

  it('previews only the first 512 bytes, invalid UTF-8 as replacement characters', async () => {
    const big = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.alloc(2000, 'x')]);
    await insertDeadLetter(A.tenantId, dev2, 1000, 'payload.too_big', big);
    const res = await A.client.json('GET', '/api/dead-letters?code=payload.too_big', undefined, 200);
    const item: Item = res.items[0];
    expect(item.payloadBytes).toBe(2002);
    expect(item.payloadPreview).toBe('\uFFFD\uFFFD' + 'x'.repeat(510));
  });

  it('a viewer limited to another tenant sees nothing of this one', async () => {
    const t2 = await h.sql.one<{ id: string }>(
      sql`INSERT INTO tenants (organization_id, name, slug) VALUES (${A.orgId}::uuid, 'Alpha other', 'other') RETURNING id`,
    );
    const viewer = await memberClient(h, A.orgId, 'viewer', [t2!.id]);
    const res = await viewer.client.json('GET', '/api/dead-letters', undefined, 200);
    expect(res.items).toHaveLength(0);
  });

  it('another organization never sees them; rows without a tenant are never shown', async () => {
    const b = await B.client.json('GET', '/api/dead-letters', undefined, 200);
    expect(b.items).toHaveLength(1);
    expect(b.items[0]).toMatchObject({ tenantId: B.tenantId, deviceName: 'dev-b' });
    const spy = await B.client.json('GET', `/api/dead-letters?tenantId=${A.tenantId}`, undefined, 200);
    expect(spy.items).toHaveLength(0);
    const spyDev = await B.client.json('GET', `/api/dead-letters?deviceId=${dev1}`, undefined, 200);
    expect(spyDev.items).toHaveLength(0);
    const a = await A.client.json('GET', '/api/dead-letters?limit=500', undefined, 200);
    expect(JSON.stringify(a)).not.toContain('beta secret');
    expect(JSON.stringify(a)).not.toContain('no tenant');
    expect(a.items.some((i: Item) => i.code === 'auth.unknown')).toBe(false);
  });
});

describe('GET /api/dead-letters/codes', () => {
  it('counts per code over the last 24 h, in scope only', async () => {
    const res = await A.client.json('GET', '/api/dead-letters/codes', undefined, 200);
    const counts = Object.fromEntries(
      res.items.map((i: { code: string; count: number }) => [i.code, i.count]),
    );
    expect(counts['payload.json']).toBe(13);
    expect(counts['payload.type']).toBe(12);
    expect(counts['envelope.invalid']).toBe(3);
    expect(counts['payload.time']).toBeUndefined(); // 3 days old
    expect(counts['auth.unknown']).toBeUndefined(); // no tenant
    expect(res.items[0].code).toBe('payload.json');
    expect(res.total).toBe(res.items.reduce((n: number, i: { count: number }) => n + i.count, 0));
    const dev = await A.client.json('GET', `/api/dead-letters/codes?deviceId=${dev2}`, undefined, 200);
    expect(dev.items.map((i: { code: string }) => i.code).sort()).toEqual([
      'payload.too_big',
      'payload.type',
    ]);

    const b = await B.client.json('GET', '/api/dead-letters/codes', undefined, 200);
    expect(b.items).toEqual([{ code: 'payload.json', count: 1, lastAt: expect.any(String) }]);
    expect(b.total).toBe(1);
  });
});
