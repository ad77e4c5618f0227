import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createTestDatabase, reserveTestDatabaseUrl } from '@iotlog/drizzle/testing';
import { runCli } from './lib/testing.js';

describe('iotlog migrate', { timeout: 180_000 }, () => {
  const cleanup: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const f of cleanup) await f();
  });

  it('creates a missing database, applies the migrations, reports TimescaleDB hypertables, then is idempotent', async () => {
    const reserved = reserveTestDatabaseUrl();
    cleanup.push(() => reserved.drop());
    const env = { DATABASE_URL: reserved.url };
    const first = await runCli(['migrate'], env);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toContain(`created database`);
    expect(first.stdout).toMatch(
      /applied 4 migration\(s\): 0000_extensions, 0001_schema, 0002_timescaledb, 0003_dead_letters_natural_key/,
    );
    expect(first.stdout).toContain(
      'storage: timescaledb (apache edition), hypertables: events, logs, telemetry',
    );

    const second = await runCli(['migrate', '--json'], env);
    expect(second.code).toBe(0);
    expect(JSON.parse(second.stdout)).toMatchObject({
      created: false,
      applied: [],
      storage: { mode: 'timescaledb', edition: 'apache', hypertables: ['events', 'logs', 'telemetry'] },
    });
  });

  it('reports plain PostgreSQL where TimescaleDB is opted out', async () => {
    const t = await createTestDatabase({ timescale: false, migrate: false });
    cleanup.push(() => t.drop());
    const r = await runCli(['migrate'], { DATABASE_URL: t.url });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('storage: postgres');
  });

  it('migrates a PGlite directory', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'iotlog-cli-pglite-'));
    cleanup.push(async () => rmSync(dir, { recursive: true, force: true }));
    const r = await runCli(['migrate'], { DATABASE_URL: `pglite:${dir}` });
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain('storage: pglite');
  });

  it('fails in one line with exit code 2 when the database is unreachable or the URL is wrong', async () => {
    const down = await runCli(['migrate'], { DATABASE_URL: 'postgres://postgres@127.0.0.1:1/x' });
    expect(down.code).toBe(2);
    expect(down.stderr.trim().split('\n')).toHaveLength(1);
    expect(down.stderr).toMatch(/^iotlog: cannot connect .*DATABASE_URL/);
    const bad = await runCli(['migrate'], { DATABASE_URL: 'mysql://x' });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^iotlog: unsupported database URL/);
  });
});
