// No-data alerts with the leader lease: two engines in child processes, the leader is SIGKILLed while a device
// is silent, the other takes the lease over and fires the alert exactly once.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Kvm } from '@nats-io/kv';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { LeaseValue } from './lease.js';
import { createWorld, NATS_URL, startWebhookReceiver, waitFor, type World } from './testing.js';

const SECRET = 'nodata-webhook-secret-0123456789';
let world: World;
let hook: Awaited<ReturnType<typeof startWebhookReceiver>>;
const children: ChildProcess[] = [];

function startEngine(instanceId: string): Promise<ChildProcess> {
  const config = {
    prefix: world.prefix,
    stream: world.subjects.stream,
    bucket: world.bucket,
    instanceId,
    ruleRefreshMs: 300,
    tickMs: 250,
    leaseTtlMs: 1_500,
    seenFlushMs: 250,
  };
  const script = fileURLToPath(new URL('./engine-process.ts', import.meta.url));
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', script, JSON.stringify({ databaseUrl: world.db.url, natsUrl: NATS_URL, config })],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  children.push(child);
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('ready')) resolve(child);
    });
    child.once('exit', (code) =>
      reject(new Error(`engine ${instanceId} exited with ${code} before it was ready`)),
    );
  });
}

beforeAll(async () => {
  world = await createWorld();
  hook = await startWebhookReceiver(SECRET);
});

afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await hook?.close();
  await world?.close();
});

it(
  'a silent device fires one no-data alert, also when the leader is killed meanwhile',
  { timeout: 120_000 },
  async () => {
    const engines = new Map<string, ChildProcess>();
    engines.set('engine-a', await startEngine('engine-a'));
    engines.set('engine-b', await startEngine('engine-b'));
    const kv = await new Kvm(world.nc).open(world.bucket);
    const holder = async () => (await kv.get('lease.nodata'))?.json<LeaseValue>().holder;
    const leader = await waitFor('a leader', holder);
    // device and rule only now: a device never heard of counts as silent since its (or the rule's) creation
    const dev = await world.addDevice('pump-1');
    const ruleId = await world.addRule({
      name: 'pump silent',
      // long enough that the first message is recorded as seen before the silence could count, on a loaded machine
      condition: { type: 'no_data', afterSeconds: 10 },
      webhook: { url: hook.url, secret: SECRET },
    });

    // the device talks, then goes silent; the leader dies during the silence
    // the device talks until the engines (which load rules every 300 ms) recorded it as seen
    let silentSince = 0;
    await waitFor('last-seen flushed', async () => {
      silentSince = Date.now(); // the message gets a later receive time
      await world.send(dev, 'telemetry', [{ metrics: { rpm: 1000 } }]);
      await new Promise((r) => setTimeout(r, 100));
      return (await kv.get(`s.${dev}`))?.operation === 'PUT';
    });
    engines.get(leader)!.kill('SIGKILL');
    const next = await waitFor('lease taken over', async () => {
      const h = await holder();
      return h && h !== leader ? h : undefined;
    });
    expect(next).not.toBe(leader);

    const fired = await waitFor(
      'no-data webhook',
      () => hook.received.find((h) => h.json.event === 'firing'),
      45_000,
    );
    expect(fired.validSignature).toBe(true);
    expect(fired.json.alert.deviceId).toBe(dev);
    expect(fired.at - silentSince).toBeGreaterThanOrEqual(10_000); // never early

    // several more leader ticks: still one alert, one notification
    const ticks = Date.now() + 2_000;
    await waitFor('more ticks', () => Date.now() > ticks);
    const rows = await world.db.database.query<{ state: string }>(
      'SELECT state FROM alerts WHERE rule_id = $1',
      [ruleId],
    );
    expect(rows).toEqual([{ state: 'firing' }]);
    expect(hook.received.filter((h) => h.json.event === 'firing')).toHaveLength(1);

    // the device talks again: the new leader resolves the alert
    await world.send(dev, 'telemetry', [{ metrics: { rpm: 900 } }]);
    const resolved = await waitFor('resolved webhook', () =>
      hook.received.find((h) => h.json.event === 'resolved'),
    );
    expect(resolved.json.alert.id).toBe(fired.json.alert.id);

    const survivor = engines.get(next)!;
    survivor.kill('SIGTERM');
    await new Promise((r) => survivor.once('exit', r));
  },
);
