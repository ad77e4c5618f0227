// `iotlog up` end to end with no server: an MQTT client publishes QoS1 through the broker, the in-process bus
// carries it, the processor stores it in PGlite; data survives a restart; a taken port is a clear error.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDatabase } from '@iotlog/drizzle';
import mqtt from 'mqtt';
import { afterAll, expect, it } from 'vitest';
import type { Embedded } from '../cli/embedded/start.js';
import { startUp, waitFor } from './embedded-fixture.js';

const dataDir = mkdtempSync(join(tmpdir(), 'iotlog-up-'));
let up: Embedded | undefined;

afterAll(async () => {
  await up?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

it(
  'stores what a device publishes over MQTT, keeps it across a restart, and names the variable of a taken port',
  { timeout: 180_000 },
  async () => {
    up = await startUp({ DATA_DIR: dataDir });
    expect(up.bus).toBe('in-process');
    expect(up.storage.mode).toBe('pglite');
    const demo = up.demo!;
    expect(demo.created).toBe(true);
    expect(demo.token).toMatch(/^iot_/);

    const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${up.ports.mqtt}`, {
      clientId: demo.deviceId,
      username: demo.deviceId,
      password: demo.token!,
      reconnectPeriod: 0,
    });
    await client.publishAsync(`d/${demo.deviceId}/logs`, 'hello', { qos: 1 });
    await client.publishAsync(
      `d/${demo.deviceId}/logs`,
      JSON.stringify({
        v: 1,
        records: [
          { seq: 1, message: 'one' },
          { seq: 2, message: 'two', severity: 'warn' },
        ],
      }),
      { qos: 1 },
    );
    await client.publishAsync(`d/${demo.deviceId}/telemetry`, JSON.stringify({ temp: 21.5 }), { qos: 1 });
    await client.endAsync();
    await up.close();
    up = undefined;

    // everything the broker PUBACKed was stored before shutdown; open the database directly to check
    const database = await createDatabase(`pglite:${join(dataDir, 'db')}`);
    try {
      const logs = await database.query<{ message: string; severity: number }>(
        `SELECT message, severity FROM logs WHERE device_id = $1 ORDER BY message`,
        [demo.deviceId],
      );
      expect(logs).toEqual([
        { message: 'hello', severity: 6 },
        { message: 'one', severity: 6 },
        { message: 'two', severity: 4 },
      ]);
      const telemetry = await database.query<{ metric: string; value: number }>(
        `SELECT metric, value FROM telemetry WHERE device_id = $1`,
        [demo.deviceId],
      );
      expect(telemetry).toEqual([{ metric: 'temp', value: 21.5 }]);
    } finally {
      await database.close();
    }

    // restart on the same data: the demo is found (no new token), the rows are still there, new data flows
    up = await startUp({ DATA_DIR: dataDir });
    expect(up.demo).toMatchObject({ created: false, deviceId: demo.deviceId });
    expect(up.demo?.token).toBeUndefined();
    const again = await mqtt.connectAsync(`mqtt://127.0.0.1:${up.ports.mqtt}`, {
      clientId: demo.deviceId,
      username: demo.deviceId,
      password: demo.token!,
      reconnectPeriod: 0,
    });
    await again.publishAsync(`d/${demo.deviceId}/logs`, 'after restart', { qos: 1 });
    await again.endAsync();
    await waitFor(
      async () => (await fetch(`http://127.0.0.1:${up!.ports.processorHttp}/readyz`)).ok,
      'processor ready',
    );
    await up.close();
    up = undefined;
    const reopened = await createDatabase(`pglite:${join(dataDir, 'db')}`);
    try {
      const n = await reopened.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM logs WHERE device_id = $1`,
        [demo.deviceId],
      );
      expect(n[0]?.n).toBe(4);
    } finally {
      await reopened.close();
    }

    // a port that is already taken: the error names the variable to change
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const taken = (blocker.address() as { port: number }).port;
    try {
      await expect(
        startUp({ DATA_DIR: mkdtempSync(join(tmpdir(), 'iotlog-up-port-')), MQTT_PORT: String(taken) }),
      ).rejects.toThrow(new RegExp(`port ${taken} on 127.0.0.1 is already in use: set MQTT_PORT`));
    } finally {
      blocker.close();
    }
  },
);
