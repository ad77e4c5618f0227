// bench/ingest-raw: raw insert ceiling of the `logs` table (see bench/ingest-raw). Run through that wrapper.
import { randomUUID } from 'node:crypto';
import { copyLogs, generateLogRows, insertLogsUnnest } from '@iotlog/drizzle/ingest';
import { createTestDatabase, type TestDatabaseOptions } from '@iotlog/drizzle/testing';

const num = (name: string, fallback: number): number => {
  const v = process.env[name];
  const n = v === undefined ? fallback : Number(v);
  if (!Number.isFinite(n) || n < 0) throw new Error(`${name}=${v} must be a non-negative number`);
  return n;
};
const ROWS = num('ROWS', 1_000_000);
const CASE_SECONDS = num('CASE_SECONDS', 45);
const PGLITE_ROWS = num('PGLITE_ROWS', 10_000);

type Method = 'unnest' | 'copy';
interface Case {
  mode: 'timescaledb' | 'postgres' | 'pglite';
  options: TestDatabaseOptions;
  method: Method;
  batch: number;
  rows: number;
}

const cases: Case[] = [];
for (const [mode, options] of [
  ['timescaledb', { timescale: true }],
  ['postgres', { timescale: false }],
] as const) {
  for (const method of ['unnest', 'copy'] as const) {
    for (const batch of [1_000, 10_000]) cases.push({ mode, options, method, batch, rows: ROWS });
  }
}
if (PGLITE_ROWS > 0) {
  for (const batch of [1_000, 10_000])
    cases.push({ mode: 'pglite', options: { pglite: true }, method: 'unnest', batch, rows: PGLITE_ROWS });
}

async function run(c: Case): Promise<number> {
  const t = await createTestDatabase(c.options);
  try {
    const deviceIds = Array.from({ length: 100 }, () => randomUUID());
    const tenantId = randomUUID();
    const start = new Date(Date.now() - c.rows * 10);
    const wallStart = performance.now();
    let done = 0;
    let dbMs = 0;
    while (done < c.rows && performance.now() - wallStart < CASE_SECONDS * 1000) {
      const rows = generateLogRows(Math.min(c.batch, c.rows - done), {
        deviceIds,
        tenantId,
        start,
        offset: done,
      });
      const t0 = performance.now();
      if (c.method === 'unnest') await insertLogsUnnest(t.database, rows);
      else await copyLogs(t.database.pool!, rows);
      dbMs += performance.now() - t0;
      done += rows.length;
    }
    const [stored] = await t.database.query<{ n: number }>('SELECT count(*)::int AS n FROM logs');
    if (stored?.n !== done) throw new Error(`stored ${stored?.n} rows, inserted ${done}`);
    const rate = Math.round(done / (dbMs / 1000));
    const capped = done < c.rows ? ' capped_by_time=1' : '';
    console.log(
      `case mode=${c.mode} method=${c.method} batch=${c.batch} rows=${done} db_seconds=${(dbMs / 1000).toFixed(2)} rows_per_s=${rate}${capped}`,
    );
    return rate;
  } finally {
    await t.drop();
  }
}

// Whole-run budget so the bench stays bounded (about 4 minutes on a quiet machine) even when it is busy.
const TOTAL_SECONDS = num('TOTAL_SECONDS', 400);
const began = performance.now();
let best = 0;
for (const c of cases) {
  if (performance.now() - began > TOTAL_SECONDS * 1000) {
    console.log(`case mode=${c.mode} method=${c.method} batch=${c.batch} skipped_by_total_budget=1`);
    continue;
  }
  const rate = await run(c);
  if (c.mode === 'timescaledb' && c.method === 'unnest') best = Math.max(best, rate);
}
console.log(`raw_rows_per_s=${best}`);
