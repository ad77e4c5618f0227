// bench/console-queries: see the header of bench/console-queries (the executable).
import { createHash, randomBytes } from 'node:crypto';
import { cpus, loadavg } from 'node:os';
import { createTestDatabase } from '@iotlog/drizzle/testing';
import { encodeEnvelope, encodeRecords } from '@iotlog/edge-sdk/protocol';
import { connect } from '@nats-io/transport-node';
import { pino } from 'pino';
import { defaultConfig, natsBus, startConsole } from '@iotlog/console';

const num = (name: string, def: number) => {
  const v = process.env[name];
  const n = v === undefined || v === '' ? def : Number(v.replace(/_/g, ''));
  if (!Number.isFinite(n) || n < 0) throw new Error(`${name} must be a non-negative number`);
  return Math.floor(n);
};
const ROWS = num('ROWS', 10_000_000);
const SEARCH_RUNS = num('SEARCH_RUNS', 40);
const CHART_RUNS = num('CHART_RUNS', 20);
const TAIL_MESSAGES = num('TAIL_MESSAGES', 300);
const SEED_SECONDS = num('SEED_SECONDS', 240);
const DEVICES = 100;
const log = (line: string) => process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${line}\n`);
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] ?? NaN;
};
const ms = (n: number) => Math.round(n * 10) / 10;

const tdb = await createTestDatabase();
const q = tdb.database.query.bind(tdb.database);
const nc = await connect({ servers: process.env.NATS_URL ?? 'nats://127.0.0.1:4222' });
const prefix = `bench_${randomBytes(3).toString('hex')}`;
const logger = pino({ level: 'warn' });
let server: Awaited<ReturnType<typeof startConsole>> | undefined;
try {
  // --- identities: one organization, three tenants, 100 devices in the first, an API token
  const [org] = await q<{ id: string }>(
    `INSERT INTO organizations (name, slug) VALUES ('Bench', 'bench') RETURNING id`,
  );
  const tenants = await q<{ id: string }>(
    `INSERT INTO tenants (organization_id, name, slug) SELECT $1, 'T' || g, 't' || g FROM generate_series(1, 3) g RETURNING id`,
    [org!.id],
  );
  const tenant = tenants[0]!.id;
  const devices = await q<{ id: string }>(
    `INSERT INTO devices (tenant_id, name) SELECT $1, 'dev-' || lpad(g::text, 3, '0') FROM generate_series(1, $2::int) g RETURNING id`,
    [tenant, DEVICES],
  );
  const ids = devices.map((d) => d.id);
  const [user] = await q<{ id: string }>(
    `INSERT INTO users (email, name) VALUES ('bench@bench.test', 'bench') RETURNING id`,
  );
  await q(`INSERT INTO memberships (user_id, organization_id, role) VALUES ($1, $2, 'owner')`, [
    user!.id,
    org!.id,
  ]);
  const token = `iotc_${randomBytes(32).toString('base64url')}`;
  await q(
    `INSERT INTO api_tokens (organization_id, user_id, name, token_hash, role) VALUES ($1, $2, 'bench', $3, 'viewer')`,
    [org!.id, user!.id, createHash('sha256').update(token).digest('hex')],
  );

  // --- seed logs inside PostgreSQL: ROWS over 30 days, newest = now; 1 in 10 rows says "retry", 1 in 1000 "overheat"
  const seedStart = performance.now();
  const chunk = 500_000;
  let seededRows = 0;
  for (let done = 0; done < ROWS; done += chunk) {
    if ((performance.now() - seedStart) / 1000 > SEED_SECONDS) {
      log(
        `seed time budget (SEED_SECONDS=${SEED_SECONDS}) used: stopping at ${done} rows (the newest ${((done / ROWS) * 30).toFixed(1)} of 30 days, at the density of ROWS=${ROWS})`,
      );
      break;
    }
    const n = Math.min(chunk, ROWS - done);
    await q(
      `INSERT INTO logs (time, received_at, tenant_id, device_id, seq, severity, message, attrs)
       SELECT t, t, $1, ($2::uuid[])[1 + g % ${DEVICES}], g, (g * 7) % 8,
              'sensor ' || (g % 997) || ' reading ' || (ARRAY['ok','nominal','steady','normal'])[1 + g % 4]
                || CASE WHEN g % 1000 = 7 THEN ' overheat detected' WHEN g % 10 = 3 THEN ' retry scheduled' ELSE '' END,
              NULL
       FROM generate_series($3::bigint, $4::bigint) g,
            LATERAL (SELECT now() - ((g::double precision / $5) * 30) * interval '1 day') x(t)`,
      [tenant, `{${ids.join(',')}}`, done + 1, done + n, ROWS],
    );
    seededRows = done + n;
    log(
      `seeded ${done + n}/${ROWS} log rows (${Math.round((done + n) / ((performance.now() - seedStart) / 1000))} rows/s)`,
    );
  }
  // a little traffic in the other tenants, so scoping has something to exclude
  await q(
    `INSERT INTO logs (time, tenant_id, device_id, seq, severity, message)
     SELECT now() - g * interval '1 second', $1, gen_random_uuid(), g, 6, 'other tenant retry overheat' FROM generate_series(1, 10000) g`,
    [tenants[1]!.id],
  );
  // telemetry: one device, one sample per minute for 30 days (43,200 rows)
  await q(
    `INSERT INTO telemetry (time, tenant_id, device_id, metric, value)
     SELECT now() - g * interval '1 minute', $1, $2, 'temp', 20 + 5 * sin(g / 60.0) FROM generate_series(0, 30 * 1440 - 1) g`,
    [tenant, ids[0]],
  );
  await q('ANALYZE logs');
  await q('ANALYZE telemetry');
  const [{ count: seeded } = { count: '0' }] = await q<{ count: string }>(
    'SELECT count(*)::text AS count FROM logs WHERE tenant_id = $1',
    [tenant],
  );
  const seedSeconds = (performance.now() - seedStart) / 1000;
  console.log(
    `case seed rows=${seeded} planned_rows=${ROWS} days_covered=${((seededRows / ROWS) * 30).toFixed(1)} devices=${DEVICES} tenants=3 seconds=${seedSeconds.toFixed(1)}`,
  );

  // --- the console over HTTP
  server = await startConsole({
    db: tdb.database.db,
    bus: natsBus(nc, logger),
    logger,
    config: { ...defaultConfig, natsPrefix: prefix },
    port: 0,
    host: '127.0.0.1',
  });
  const get = async (path: string) => {
    const t0 = performance.now();
    const res = await fetch(server!.url + path, { headers: { authorization: `Bearer ${token}` } });
    const body = (await res.json()) as { items?: unknown[]; series?: { points: unknown[] }[] };
    if (res.status !== 200) throw new Error(`${path}: ${res.status} ${JSON.stringify(body)}`);
    return { ms: performance.now() - t0, body };
  };

  const searchCase = async (word: string) => {
    const times: number[] = [];
    let items = 0;
    for (let i = 0; i < SEARCH_RUNS; i++) {
      const r = await get(
        `/api/logs/search?tenantId=${tenant}&since=24h&limit=100&q=${encodeURIComponent(word)}`,
      );
      times.push(r.ms);
      items = r.body.items?.length ?? 0;
    }
    console.log(
      `case search word=${word} runs=${SEARCH_RUNS} items=${items} p50_ms=${ms(pct(times, 50))} p95_ms=${ms(pct(times, 95))}`,
    );
    return pct(times, 95);
  };
  // the cost of any authenticated request on this machine right now (auth middleware + one small query)
  const baseline: number[] = [];
  for (let i = 0; i < SEARCH_RUNS; i++) baseline.push((await get('/api/orgs')).ms);
  console.log(
    `case baseline request=GET_/api/orgs runs=${SEARCH_RUNS} p50_ms=${ms(pct(baseline, 50))} p95_ms=${ms(pct(baseline, 95))} loadavg_1m=${loadavg()[0]?.toFixed(1)} cores=${cpus().length}`,
  );
  await get(`/api/logs/search?tenantId=${tenant}&since=24h&limit=100&q=warmup`);
  const common = await searchCase('retry');
  const rare = await searchCase('overheat');

  const chartTimes: number[] = [];
  let points = 0;
  for (let i = 0; i < CHART_RUNS; i++) {
    const r = await get(`/api/telemetry/series?deviceIds=${ids[0]}&metric=temp&since=30d`);
    chartTimes.push(r.ms);
    points = r.body.series?.[0]?.points.length ?? 0;
  }
  const chart = pct(chartTimes, 50);
  console.log(
    `case chart device=1 days=30 samples=43200 points=${points} runs=${CHART_RUNS} p50_ms=${ms(chart)} p95_ms=${ms(pct(chartTimes, 95))}`,
  );

  // --- live tail: publish envelopes on core NATS, an SSE client over HTTP measures publish -> event
  const ac = new AbortController();
  const res = await fetch(`${server.url}/api/logs/tail?tenantId=${tenant}&q=tailbench`, {
    headers: { authorization: `Bearer ${token}` },
    signal: ac.signal,
  });
  const reader = res.body!.getReader();
  const latencies: number[] = [];
  let ready!: () => void;
  const isReady = new Promise<void>((r) => (ready = r));
  const reading = (async () => {
    const dec = new TextDecoder();
    let buf = '';
    for (;;) {
      const r = await reader.read().catch(() => ({ done: true as const, value: undefined }));
      if (r.done) return;
      buf += dec.decode(r.value, { stream: true });
      let i;
      while ((i = buf.indexOf('\n\n')) >= 0) {
        const block = buf.slice(0, i);
        buf = buf.slice(i + 2);
        if (block.startsWith('event: ready')) ready();
        const data = /^data: (.*)$/m.exec(block)?.[1];
        if (block.startsWith('event: log') && data) {
          const sent = Number((JSON.parse(data) as { message: string }).message.split(' ')[1]);
          latencies.push(Date.now() - sent);
        }
      }
    }
  })();
  await isReady;
  for (let i = 0; i < TAIL_MESSAGES; i++) {
    const device = ids[i % DEVICES]!;
    const payload = encodeRecords([{ seq: i, message: `tailbench ${Date.now()} line ${i}` }]);
    nc.publish(
      `${prefix}.ingest.${tenant}.${device}.logs`,
      encodeEnvelope({
        channel: 'logs',
        tenantId: tenant,
        deviceId: device,
        messages: [{ receivedAtMs: Date.now(), payload }],
      }),
    );
    await new Promise((r) => setTimeout(r, 10));
  }
  const deadline = Date.now() + 20_000;
  while (latencies.length < TAIL_MESSAGES && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 50));
  ac.abort();
  await reading;
  const tail = pct(latencies, 99);
  console.log(
    `case tail messages=${TAIL_MESSAGES} received=${latencies.length} p50_ms=${pct(latencies, 50)} p99_ms=${tail} max_ms=${Math.max(...latencies)}`,
  );
  console.log(`search_p95_ms=${ms(Math.max(common, rare))} chart_ms=${ms(chart)} tail_p99_ms=${tail}`);
} finally {
  await server?.close();
  await nc.close();
  await tdb.drop();
}
