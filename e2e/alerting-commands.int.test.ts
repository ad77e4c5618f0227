// Commands and desired configuration through the real broker and the edge SDK:
// sendCommand -> iot.cmd -> broker -> d/{id}/cmd/{name} -> SDK handler -> d/{id}/reply -> iot.reply -> matched by id;
// a desired configuration set while the device is offline reaches it (retained) when it connects, and the SDK's
// reported configuration goes up on d/{id}/config/reported into the ingest stream (the processor stores it).
import { connect as connectDevice, type EdgeClient } from '@iotlog/edge-sdk';
import {
  CommandTimeoutError,
  natsCommandBus,
  publishDesiredConfig,
  sendCommand,
  setDesiredConfig,
} from '@iotlog/processor/alerting';
import { decodeEnvelope } from '@iotlog/edge-sdk/protocol';
import type { ConfigDocument } from '@iotlog/edge-sdk/protocol';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startStack, waitFor, type Stack } from './alerting-fixture.js';

let stack: Stack;
const devices: EdgeClient[] = [];

beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  for (const d of devices) await d.close().catch(() => undefined);
  await stack?.close();
});

function device(id: string, token: string): EdgeClient {
  const d = connectDevice({
    url: stack.mqttUrl,
    deviceId: id,
    token,
    buffer: 'memory',
    reconnect: { minDelayMs: 100, maxDelayMs: 1000 },
  });
  devices.push(d);
  return d;
}

it('a command round trip with reply, and one with timeout', async () => {
  const { deviceId, token } = await stack.addDevice('valve-1');
  const d = device(deviceId, token);
  d.onCommand('set-level', (data) => ({ level: (data as { level: string }).level, applied: true }));
  await waitFor('device connected', () => d.status().connected);
  const bus = natsCommandBus(stack.nc);
  // the SDK subscribes right after CONNACK: retry the first command until it is there
  const reply = await waitFor('reply', () =>
    sendCommand(bus, stack.subjects, {
      tenantId: stack.tenantId,
      deviceId,
      name: 'set-level',
      data: { level: 'debug' },
      timeoutMs: 2_000,
    }).catch((err: unknown) => (err instanceof CommandTimeoutError ? undefined : Promise.reject(err))),
  );
  expect(reply).toMatchObject({ ok: true, data: { level: 'debug', applied: true } });

  const offline = await stack.addDevice('valve-2');
  await expect(
    sendCommand(bus, stack.subjects, {
      tenantId: stack.tenantId,
      deviceId: offline.deviceId,
      name: 'set-level',
      timeoutMs: 500,
    }),
  ).rejects.toMatchObject({
    code: 'command.timeout',
  });
});

it('desired configuration reaches a device that was offline when it changed', async () => {
  const { deviceId, token } = await stack.addDevice('valve-3');
  const reported: unknown[] = [];
  const sub = stack.nc.subscribe(stack.subjects.ingest(stack.tenantId, deviceId, 'config'), {
    callback: (_err, m) => {
      for (const msg of decodeEnvelope(m.data).messages)
        reported.push(JSON.parse(new TextDecoder().decode(msg.payload)));
    },
  });
  await stack.nc.flush();

  const cfg = await setDesiredConfig(stack.db.database, deviceId, { logLevel: 'debug', sampleMs: 250 });
  await publishDesiredConfig(natsCommandBus(stack.nc), stack.subjects, {
    tenantId: stack.tenantId,
    deviceId,
    version: cfg.desired.version,
    config: { logLevel: 'debug', sampleMs: 250 },
  });
  await stack.nc.flush();

  // the device connects only now
  const got: ConfigDocument[] = [];
  const d = device(deviceId, token);
  d.onConfig((_config, doc) => {
    got.push(doc);
  });
  const doc = await waitFor('retained desired config', () => got[0]);
  expect(doc).toEqual({ version: 1, config: { logLevel: 'debug', sampleMs: 250 } });
  expect(await waitFor('reported config in the ingest stream', () => reported[0])).toMatchObject({
    version: 1,
    config: { logLevel: 'debug', sampleMs: 250 },
  });
  sub.unsubscribe();
});
