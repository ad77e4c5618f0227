// Logs: search (text query, filters, cursor pages), histogram, export, live tail over SSE from real NATS.
import { encodeEnvelope, encodeRecords } from '@iotlog/edge-sdk/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, seedOrg, waitFor, type Harness } from '../../testing/harness.js';

let h: Harness;
let A: Awaited<ReturnType<typeof seedOrg>>;
let B: Awaited<ReturnType<typeof seedOrg>>;
let dev1: string;
let dev2: string;
let devB: string;
const now = Date.now();

async function insertLog(
  tenant: string,
  device: string,
  seq: number,
  agoMs: number,
  severity: number,
  message: string,
) {
  await h.tdb.database.query(
    'INSERT INTO logs (time, tenant_id, device_id, seq, severity, message, attrs) VALUES ($1, $2, $3, $4, $5, $6, $7)',
    [new Date(now - agoMs), tenant, device, seq, severity, message, JSON.stringify({ n: seq })],
  );
}

beforeAll(async () => {
  h = await createHarness({ tailQueueMax: 20 });
  A = await seedOrg(h, 'Alpha');
  B = await seedOrg(h, 'Beta');
  dev1 = (
    await A.client.json(
      'POST',
      '/api/devices',
      { tenantId: A.tenantId, name: 'dev-1', labels: { site: 'berlin' } },
      201,
    )
  ).device.id;
  dev2 = (
    await A.client.json(
      'POST',
      '/api/devices',
      { tenantId: A.tenantId, name: 'dev-2', labels: { site: 'paris' } },
      201,
    )
  ).device.id;
  devB = (await B.client.json('POST', '/api/devices', { tenantId: B.tenantId, name: 'dev-b' }, 201)).device
    .id;
  // 30 lines per device over the last 30 minutes; a few with distinctive text
  for (let i = 0; i < 30; i++) {
    await insertLog(
      A.tenantId,
      dev1,
      i,
      (30 - i) * 60_000,
      i % 8,
      i % 10 === 0 ? `pump overheated at ${i}` : `tick ${i} ok`,
    );
    await insertLog(A.tenantId, dev2, i, (30 - i) * 60_000, 6, i === 5 ? 'valve stuck open' : `tick ${i} ok`);
  }
  await insertLog(A.tenantId, dev1, 1000, 3 * 3600_000, 3, 'old pump overheated');
  await insertLog(B.tenantId, devB, 1, 60_000, 3, 'pump overheated in beta');
});
afterAll(async () => {
  await h?.close();
});

describe('search', () => {
  it.each([
    ['', 60],
    ['&q=tick', 56],
  ])('newest first with cursor pages and no duplicates (%s)', async (extra, total) => {
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const q: string = `/api/logs/search?since=1h&limit=7${extra}${cursor ? `&cursor=${cursor}` : ''}`;
      const page: { items: { time: string; deviceId: string; seq: number }[]; nextCursor: string | null } =
        await A.client.json('GET', q, undefined, 200);
      seen.push(...page.items.map((l) => `${l.time}|${l.deviceId}|${l.seq}`));
      cursor = page.nextCursor;
      pages++;
    } while (cursor && pages < 20);
    expect(seen).toHaveLength(total);
    expect(new Set(seen).size).toBe(total);
    const times = seen.map((s) => Date.parse(s.split('|')[0]!));
    expect([...times].sort((a, b) => b - a)).toEqual(times);
  });

  it('words, "phrases" and -negation', async () => {
    const words = await A.client.json('GET', '/api/logs/search?since=1h&q=pump%20overheated', undefined, 200);
    expect(words.items.map((l: { message: string }) => l.message)).toEqual([
      'pump overheated at 20',
      'pump overheated at 10',
      'pump overheated at 0',
    ]);
    const phrase = await A.client.json(
      'GET',
      '/api/logs/search?since=1h&q=%22stuck%20open%22',
      undefined,
      200,
    );
    expect(phrase.items).toHaveLength(1);
    expect(phrase.items[0]).toMatchObject({
      deviceId: dev2,
      deviceName: 'dev-2',
      message: 'valve stuck open',
    });
    const neg = await A.client.json(
      'GET',
      '/api/logs/search?since=1h&q=overheated%20-%2220%22',
      undefined,
      200,
    );
    expect(neg.items).toHaveLength(2);
    const wide = await A.client.json('GET', '/api/logs/search?since=24h&q=overheated', undefined, 200);
    expect(wide.items).toHaveLength(4);
  });

  it('filters by device, severity, labels and absolute range', async () => {
    const d = await A.client.json(
      'GET',
      `/api/logs/search?since=1h&deviceIds=${dev2}&limit=100`,
      undefined,
      200,
    );
    expect(d.items.every((l: { deviceId: string }) => l.deviceId === dev2)).toBe(true);
    expect(d.items).toHaveLength(30);
    const sev = await A.client.json(
      'GET',
      '/api/logs/search?since=1h&maxSeverity=warning&limit=100',
      undefined,
      200,
    );
    expect(sev.items.every((l: { severity: number }) => l.severity <= 4)).toBe(true);
    expect(sev.items.length).toBeGreaterThan(0);
    const exact = await A.client.json(
      'GET',
      '/api/logs/search?since=1h&severity=err,7&limit=100',
      undefined,
      200,
    );
    expect(new Set(exact.items.map((l: { severity: number }) => l.severity))).toEqual(new Set([3, 7]));
    const lab = await A.client.json(
      'GET',
      '/api/logs/search?since=1h&labels=site%3Dparis&limit=100',
      undefined,
      200,
    );
    expect(lab.items.every((l: { deviceId: string }) => l.deviceId === dev2)).toBe(true);
    const from = new Date(now - 5.5 * 60_000).toISOString();
    const to = new Date(now - 2.5 * 60_000).toISOString();
    const abs = await A.client.json(
      'GET',
      `/api/logs/search?from=${from}&to=${to}&deviceIds=${dev1}`,
      undefined,
      200,
    );
    expect(abs.items.map((l: { seq: number }) => l.seq)).toEqual([27, 26, 25]);
  });

  it('bad input is 400', async () => {
    expect((await A.client.req('GET', '/api/logs/search?since=forever')).status).toBe(400);
    expect((await A.client.req('GET', '/api/logs/search?severity=loud')).status).toBe(400);
    expect((await A.client.req('GET', '/api/logs/search?cursor=garbage')).status).toBe(400);
    expect((await A.client.req('GET', '/api/logs/search?deviceIds=nope')).status).toBe(400);
    expect(
      (
        await A.client.req(
          'GET',
          `/api/logs/search?from=${new Date(now).toISOString()}&to=${new Date(now - 1000).toISOString()}`,
        )
      ).status,
    ).toBe(400);
  });

  it('isolation: B never finds A logs, even naming A devices or tenants', async () => {
    const all = await B.client.json('GET', '/api/logs/search?since=24h&q=overheated', undefined, 200);
    expect(all.items.map((l: { message: string }) => l.message)).toEqual(['pump overheated in beta']);
    const named = await B.client.json(
      'GET',
      `/api/logs/search?since=24h&deviceIds=${dev1}&tenantId=${A.tenantId}`,
      undefined,
      200,
    );
    expect(named.items).toEqual([]);
  });
});

describe('histogram', () => {
  it('counts matches per bucket chosen from the range', async () => {
    const hst = await A.client.json('GET', '/api/logs/histogram?since=1h&buckets=12', undefined, 200);
    expect(hst.bucketSeconds).toBe(300);
    expect(hst.total).toBe(60);
    expect(hst.buckets.reduce((a: number, b: { count: number }) => a + b.count, 0)).toBe(60);
    const q = await A.client.json('GET', '/api/logs/histogram?since=24h&q=overheated', undefined, 200);
    expect(q.total).toBe(4);
  });
  it('isolation: B histogram never counts A logs', async () => {
    const q = await B.client.json(
      'GET',
      `/api/logs/histogram?since=24h&q=overheated&deviceIds=${dev1},${devB}`,
      undefined,
      200,
    );
    expect(q.total).toBe(1);
  });
});

describe('export', () => {
  it('streams NDJSON and CSV of the matches', async () => {
    const nd = await A.client.req('GET', '/api/logs/export?since=1h&format=ndjson');
    expect(nd.status).toBe(200);
    expect(nd.headers.get('content-disposition')).toMatch(/attachment; filename="logs-.*\.ndjson"/);
    const lines = (await nd.text())
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines).toHaveLength(60);
    const csv = await A.client.req('GET', '/api/logs/export?since=24h&format=csv&q=overheated');
    expect(csv.headers.get('content-type')).toContain('text/csv');
    const rows = (await csv.text()).trim().split('\n');
    expect(rows[0]).toBe('time,received_at,tenant_id,device_id,device_name,seq,severity,message,attrs');
    expect(rows).toHaveLength(5);
    expect(rows[1]).toContain('"{""n"":20}"');
    expect((await A.client.req('GET', '/api/logs/export?format=xml')).status).toBe(400);
  });
  it('isolation: B exports never contain A logs', async () => {
    const nd = await B.client.req('GET', `/api/logs/export?since=24h&deviceIds=${dev1},${dev2}`);
    expect((await nd.text()).trim()).toBe('');
  });
});

/** Opens the SSE tail and collects events until `until` says stop. */
async function tail(client: typeof A.client, query: string) {
  const res = await client.req('GET', `/api/logs/tail?${query}`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toContain('text/event-stream');
  const reader = res.body!.getReader();
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- SSE payloads are asserted by value
  const events: { event: string; data: any }[] = [];
  let buf = '';
  let done = false;
  const pump = (async () => {
    const dec = new TextDecoder();
    for (;;) {
      const r = await reader.read();
      if (r.done) break;
      buf += dec.decode(r.value, { stream: true });
      let i;
      while ((i = buf.indexOf('\n\n')) >= 0) {
        const block = buf.slice(0, i);
        buf = buf.slice(i + 2);
        const ev = /^event: (.*)$/m.exec(block)?.[1];
        const data = /^data: (.*)$/m.exec(block)?.[1];
        if (ev && data) events.push({ event: ev, data: JSON.parse(data) });
      }
    }
    done = true;
  })();
  await waitFor(() => events.find((e) => e.event === 'ready'), 'tail ready');
  return {
    events,
    logs: () => events.filter((e) => e.event === 'log').map((e) => e.data),
    async close() {
      await reader.cancel();
      await pump;
      return done;
    },
  };
}

function publishLogs(tenantId: string, deviceId: string, records: object[]) {
  const payload = encodeRecords(records as never);
  const env = encodeEnvelope({
    channel: 'logs',
    tenantId,
    deviceId,
    messages: [{ receivedAtMs: Date.now(), payload }],
  });
  h.nc.publish(`${h.prefix}.ingest.${tenantId}.${deviceId}.logs`, env);
}

describe('live tail', () => {
  it('streams new matching lines from NATS and filters by text, severity and device', async () => {
    const t = await tail(A.client, `q=alarm&maxSeverity=warning&deviceIds=${dev1}`);
    publishLogs(A.tenantId, dev1, [
      { seq: 1, severity: 'error', message: 'alarm: pressure high' },
      { seq: 2, severity: 'info', message: 'alarm but only info' },
      { seq: 3, severity: 'error', message: 'nothing to see' },
    ]);
    publishLogs(A.tenantId, dev2, [{ seq: 4, severity: 'error', message: 'alarm on another device' }]);
    publishLogs(A.tenantId, dev1, [{ seq: 5, severity: 'crit', message: 'alarm again' }]);
    await waitFor(() => t.logs().length >= 2, 'two tail lines');
    expect(t.logs().map((l) => l.message)).toEqual(['alarm: pressure high', 'alarm again']);
    expect(t.logs()[0]).toMatchObject({
      deviceId: dev1,
      deviceName: 'dev-1',
      tenantId: A.tenantId,
      severity: 3,
      seq: 1,
    });
    await t.close();
  });

  it('bounds the queue: an overflow is reported as dropped lines', async () => {
    const t = await tail(A.client, `q=flood&deviceIds=${dev2}`);
    publishLogs(
      A.tenantId,
      dev2,
      Array.from({ length: 50 }, (_, i) => ({ seq: 100 + i, message: `flood ${i}` })),
    );
    await waitFor(() => t.events.find((e) => e.event === 'dropped'), 'dropped event');
    expect(t.logs()).toHaveLength(20);
    expect(t.events.find((e) => e.event === 'dropped')?.data).toEqual({ count: 30 });
    await t.close();
  });

  it('sends heartbeats while idle', async () => {
    const res = await A.client.req('GET', '/api/logs/tail');
    const reader = res.body!.getReader();
    const dec = new TextDecoder();
    let text = '';
    await waitFor(async () => {
      const r = await reader.read();
      text += dec.decode(r.value);
      return text.includes(': heartbeat');
    }, 'heartbeat');
    await reader.cancel();
  });

  it('isolation: B never receives A lines, even asking for A tenant or devices', async () => {
    const bad = await B.client.req('GET', `/api/logs/tail?tenantId=${A.tenantId}`);
    expect(bad.status).toBe(400);
    const t = await tail(B.client, `deviceIds=${dev1}`);
    const all = await tail(B.client, '');
    publishLogs(A.tenantId, dev1, [{ seq: 10, message: 'secret of alpha' }]);
    publishLogs(B.tenantId, devB, [{ seq: 11, message: 'beta line' }]);
    await waitFor(() => all.logs().length >= 1, 'beta line');
    expect(all.logs().map((l) => l.message)).toEqual(['beta line']);
    expect(t.logs()).toEqual([]);
    await t.close();
    await all.close();
  });
});
