// `iotlog processor` and `iotlog up` refuse bad starts with one clear line and exit code 2.
import { createServer } from 'node:net';
import { createTestDatabase } from '@iotlog/drizzle/testing';
import { expect, it } from 'vitest';
import { runCli } from './lib/testing.js';

it.each([
  ['processor', { HTTP_PORT: '0' }],
  ['broker', { MQTT_PORT: '0', HTTP_PORT: '0' }],
  ['console', { CONSOLE_PORT: '0' }],
])('iotlog %s refuses an unmigrated database', { timeout: 120_000 }, async (command, ports) => {
  const t = await createTestDatabase({ migrate: false });
  try {
    const r = await runCli([command], { DATABASE_URL: t.url, LOG_LEVEL: 'silent', ...ports });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^iotlog: database schema is not up to date .*run `iotlog migrate`/);
  } finally {
    await t.drop();
  }
});

it('iotlog processor reports a bad variable', { timeout: 60_000 }, async () => {
  const r = await runCli(['processor'], { BATCH_SIZE: 'many' });
  expect(r.code).toBe(2);
  expect(r.stderr).toContain('BATCH_SIZE');
});

it('iotlog up names the variable of a port that is already taken', { timeout: 60_000 }, async () => {
  const blocker = createServer();
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  const port = (blocker.address() as { port: number }).port;
  try {
    const r = await runCli(['up'], {
      MQTT_PORT: '0',
      BROKER_HTTP_PORT: '0',
      PROCESSOR_HTTP_PORT: '0',
      CONSOLE_PORT: String(port),
      DATA_DIR: '/nonexistent/never-created',
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      `port ${port} on 127.0.0.1 is already in use: set CONSOLE_PORT to a free port`,
    );
  } finally {
    blocker.close();
  }
});
