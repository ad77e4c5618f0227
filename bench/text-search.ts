// bench/text-search: pg_trgm GIN vs full-text GIN for searching logs.message (docs/text-search.md).
import { randomUUID } from 'node:crypto';
import { copyLogs, generateLogRows, insertLogsUnnest } from '@iotlog/drizzle/ingest';
import { createTestDatabase } from '@iotlog/drizzle/testing';

const ROWS = Number(process.env.ROWS ?? 1_000_000);
const INSERT_ROWS = 20_000;
const t = await createTestDatabase({ timescale: false });
const q = t.database;
const ms = async (fn: () => Promise<unknown>) => {
  const t0 = performance.now();
  await fn();
  return Math.round(performance.now() - t0);
};
const out: string[] = [];
const line = (s: string) => {
  console.log(s);
  out.push(s);
};

try {
  await q.query('DROP INDEX logs_message_trgm_idx');
  const deviceIds = Array.from({ length: 100 }, () => randomUUID());
  const tenantId = randomUUID();
  const start = new Date(Date.now() - (ROWS + INSERT_ROWS * 3) * 10);
  let offset = 0;
  const loadMs = await ms(async () => {
    for (; offset < ROWS; offset += 10_000) {
      await copyLogs(
        q.pool!,
        generateLogRows(Math.min(10_000, ROWS - offset), { deviceIds, tenantId, start, offset }),
      );
    }
  });
  await q.query('VACUUM ANALYZE logs');
  line(`loaded rows=${ROWS} ms=${loadMs}`);

  const queries = {
    rare_substring: `SELECT count(*) FROM logs WHERE message ILIKE '%failed code=42%'`,
    word_1_in_997: `SELECT count(*) FROM logs WHERE message ILIKE '%error%'`,
    two_words_latest_50: `SELECT time FROM (SELECT time FROM logs WHERE message ILIKE '%firmware%' AND message ILIKE '%overflow%') s ORDER BY time DESC LIMIT 50`,
  };
  const fts = {
    rare_substring: `SELECT count(*) FROM logs WHERE to_tsvector('simple', message) @@ phraseto_tsquery('simple', 'failed code=42')`,
    word_1_in_997: `SELECT count(*) FROM logs WHERE to_tsvector('simple', message) @@ to_tsquery('simple', 'error')`,
    two_words_latest_50: `SELECT time FROM logs WHERE to_tsvector('simple', message) @@ to_tsquery('simple', 'firmware & overflow') ORDER BY time DESC LIMIT 50`,
  };
  const runQueries = async (label: string, set: Record<string, string>) => {
    for (const [name, sql] of Object.entries(set)) {
      await q.query(sql); // warm
      const best = Math.min(await ms(() => q.query(sql)), await ms(() => q.query(sql)));
      line(`query index=${label} ${name} ms=${best}`);
    }
  };
  const insertRate = async (label: string) => {
    const rows = generateLogRows(INSERT_ROWS, { deviceIds, tenantId, start, offset });
    offset += INSERT_ROWS;
    let took = 0;
    for (let i = 0; i < rows.length; i += 1000)
      took += await ms(() => insertLogsUnnest(q, rows.slice(i, i + 1000)));
    line(
      `insert index=${label} rows=${INSERT_ROWS} batch=1000 rows_per_s=${Math.round(INSERT_ROWS / (took / 1000))}`,
    );
  };
  const size = async (name: string) =>
    (await q.query<{ s: string }>(`SELECT pg_size_pretty(pg_relation_size('${name}')) AS s`))[0]?.s;

  await runQueries('none', queries);
  await insertRate('none');

  const trgmMs = await ms(() =>
    q.query('CREATE INDEX logs_message_trgm_idx ON logs USING gin (message gin_trgm_ops)'),
  );
  line(`build index=pg_trgm ms=${trgmMs} size=${await size('logs_message_trgm_idx')}`);
  await runQueries('pg_trgm', queries);
  await insertRate('pg_trgm');
  await q.query('DROP INDEX logs_message_trgm_idx');

  const ftsMs = await ms(() =>
    q.query(`CREATE INDEX logs_message_fts_idx ON logs USING gin (to_tsvector('simple', message))`),
  );
  line(`build index=fts ms=${ftsMs} size=${await size('logs_message_fts_idx')}`);
  await runQueries('fts', fts);
  await insertRate('fts');
  line(`table_size=${await size('logs')}`);
} finally {
  await t.drop();
}
