// The engine on the real pipeline pieces: NATS JetStream + KV, a TimescaleDB test database, a local webhook receiver.
import { Kvm } from '@nats-io/kv';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAlertingEngine, type AlertingEngine } from './engine.js';
import { createWorld, startWebhookReceiver, waitFor, type World } from './testing.js';

const SECRET = 'a-webhook-secret-of-some-length';
let world: World;
let hook: Awaited<ReturnType<typeof startWebhookReceiver>>;
const engines: AlertingEngine[] = [];

beforeAll(async () => {
  world = await createWorld();
  // the 2nd request fails with 500: the retry must deliver it anyway
  hook = await startWebhookReceiver(SECRET, (n) => (n === 2 ? 500 : 200));
  const logger = pino({ level: 'silent' });
  // two replicas on one consumer and bucket: every step must still happen exactly once
  for (let i = 0; i < 2; i++) {
    const e = createAlertingEngine({
      nc: world.nc,
      db: world.db.database,
      logger,
      config: {
        prefix: world.prefix,
        stream: world.subjects.stream,
        consumer: 'alerting',
        bucket: world.bucket,
        ruleRefreshMs: 200,
        tickMs: 200,
        seenFlushMs: 200,
        webhook: { baseDelayMs: 100 },
      },
    });
    engines.push(e);
  }
});

afterAll(async () => {
  for (const e of engines) await e.stop();
  await hook?.close();
  await world?.close();
});

type AlertRow = { id: string; state: string; fired_at: Date | null; resolved_at: Date | null };
const alertsOf = (ruleId: string) =>
  world.db.database.query<AlertRow>(
    'SELECT id, state, fired_at, resolved_at FROM alerts WHERE rule_id = $1 ORDER BY started_at',
    [ruleId],
  );

describe('alerting engine', () => {
  it('threshold: fires once, webhook signed and retried, resolves past the hysteresis', async () => {
    const dev = await world.addDevice('boiler-1', { site: 'a' });
    const other = await world.addDevice('boiler-2', { site: 'b' });
    const ruleId = await world.addRule({
      name: 'too hot',
      labels: { site: 'a' },
      condition: { type: 'threshold', metric: 'temp', op: '>', value: 80, hysteresis: 5 },
      webhook: { url: hook.url, secret: SECRET },
    });
    for (const e of engines) await e.start();

    await world.send(other, 'telemetry', [{ metrics: { temp: 99 } }]); // not selected by the label
    await world.send(dev, 'telemetry', [{ metrics: { temp: 70 } }]);
    await world.send(dev, 'telemetry', [{ metrics: { temp: 85 } }, { metrics: { temp: 90 } }]);
    await world.send(dev, 'telemetry', [{ metrics: { temp: 91 } }]);
    const fired = await waitFor('firing webhook', () => hook.received.find((h) => h.json.event === 'firing'));
    expect(fired.validSignature).toBe(true);
    expect(fired.json.alert.deviceId).toBe(dev);
    expect(fired.json.rule.id).toBe(ruleId);

    await world.send(dev, 'telemetry', [{ metrics: { temp: 78 } }]); // inside the hysteresis: still firing
    await world.send(dev, 'telemetry', [{ metrics: { temp: 74 } }]);
    // the resolved webhook is the 2nd request: its first attempt gets a 500 and is retried
    const resolved = await waitFor('resolved webhook', () =>
      hook.received.find((h) => h.json.event === 'resolved'),
    );
    expect(resolved.validSignature).toBe(true);
    expect(resolved.json.alert.id).toBe(fired.json.alert.id);

    const rows = await alertsOf(ruleId);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ state: 'resolved' });
    expect(hook.received.filter((h) => h.json.rule.id === ruleId)).toHaveLength(2);
    // the row of an attempt is written after its response: wait for the third
    const deliveries = await waitFor('three delivery rows', async () => {
      const rows = await world.db.database.query<{ attempt: number; status_code: number }>(
        'SELECT attempt, status_code FROM notification_deliveries WHERE alert_id = $1 ORDER BY id',
        [fired.json.alert.id],
      );
      return rows.length >= 3 ? rows : undefined;
    });
    expect(deliveries.map((d) => [d.attempt, d.status_code])).toEqual([
      [1, 200],
      [1, 500],
      [2, 200],
    ]);
  });

  it('log_match: N matching logs within the window fire one alert, published on iot.alert', async () => {
    const dev = await world.addDevice('gateway-1');
    const ruleId = await world.addRule({
      name: 'disk errors',
      condition: { type: 'log_match', minSeverity: 'error', pattern: 'disk', count: 3, windowSeconds: 60 },
    });
    const events: { event: string; alert: { ruleId: string } }[] = [];
    const sub = world.nc.subscribe(world.subjects.alert(world.tenantId), {
      callback: (_err, m) => {
        events.push(m.json());
      },
    });
    await world.send(dev, 'logs', [
      { severity: 'error', message: 'disk full' },
      { severity: 'debug', message: 'disk ok' },
    ]);
    await world.send(dev, 'logs', [{ severity: 'crit', message: 'disk gone' }]);
    await world.send(dev, 'logs', [{ severity: 'error', message: 'net down' }]);
    // the rule may still be loading: repeat the matching logs until the alert fires (still exactly one row)
    await waitFor('log_match alert', async () => {
      await world.send(dev, 'logs', [{ severity: 'err', message: 'disk error' }]);
      return (await alertsOf(ruleId)).some((a) => a.state === 'firing');
    });
    await world.send(dev, 'logs', [{ severity: 'err', message: 'disk error again' }]);
    await waitFor('alert event', () => events.some((e) => e.alert.ruleId === ruleId && e.event === 'firing'));
    sub.unsubscribe();
    expect(await alertsOf(ruleId)).toHaveLength(1);
  });

  it('forSeconds: pending first, then firing once held (also on the leader clock); silence suppresses notifications', async () => {
    const dev = await world.addDevice('press-1');
    const ruleId = await world.addRule({
      name: 'pressure held',
      condition: { type: 'threshold', metric: 'bar', op: '>=', value: 10, forSeconds: 1 },
      webhook: { url: hook.url, secret: SECRET },
    });
    const hooksFor = () => hook.received.filter((h) => h.json.rule.id === ruleId);
    // one breaching sample only: the rule may still be loading, so repeat it until the alert is pending
    await waitFor('pending alert', async () => {
      await world.send(dev, 'telemetry', [{ metrics: { bar: 12 } }]);
      return (await alertsOf(ruleId)).some((a) => a.state === 'pending' || a.state === 'firing');
    });
    const firing = await waitFor('firing by the clock', async () =>
      (await alertsOf(ruleId)).find((a) => a.state === 'firing'),
    );
    await waitFor('firing webhook', () => hooksFor().find((h) => h.json.event === 'firing'));

    // silenced until resolved: the resolve is not notified
    await world.db.database.query(`UPDATE alerts SET silenced_until = 'infinity' WHERE id = $1`, [firing.id]);
    await world.send(dev, 'telemetry', [{ metrics: { bar: 3 } }]);
    await waitFor('resolved', async () => (await alertsOf(ruleId)).every((a) => a.state === 'resolved'));

    // a timed silence on the last alert carries over to the next alert of the same rule and device
    await world.db.database.query(
      `UPDATE alerts SET silenced_until = now() + interval '1 hour' WHERE id = $1`,
      [firing.id],
    );
    await world.send(dev, 'telemetry', [{ metrics: { bar: 15 } }]);
    await waitFor(
      'second alert firing',
      async () => (await alertsOf(ruleId)).filter((a) => a.state === 'firing').length === 1,
    );
    const [again] = await world.db.database.query<{ silenced: boolean }>(
      `SELECT silenced_until > now() AS silenced FROM alerts WHERE rule_id = $1 AND state = 'firing'`,
      [ruleId],
    );
    expect(again?.silenced).toBe(true);
    expect(hooksFor().map((h) => h.json.event)).toEqual(['firing']);
    expect(await alertsOf(ruleId)).toHaveLength(2);
  });

  it('a database outage during a step: the redelivered message repairs the alert row and notifies once', async () => {
    const dev = await world.addDevice('tank-1');
    const ruleId = await world.addRule({
      name: 'tank low',
      condition: { type: 'threshold', metric: 'level', op: '<', value: 10 },
      webhook: { url: hook.url, secret: SECRET },
    });
    const hooksFor = () => hook.received.filter((h) => h.json.rule.id === ruleId);
    // wait for the rule to be loaded (a harmless sample creates no state)
    await waitFor('rule loaded', async () => {
      await world.send(dev, 'telemetry', [{ metrics: { level: 50 } }]);
      await world.send(dev, 'telemetry', [{ metrics: { level: 5 } }]);
      return (await alertsOf(ruleId)).length > 0;
    });
    await world.send(dev, 'telemetry', [{ metrics: { level: 50 } }]);
    await waitFor('resolved', async () => (await alertsOf(ruleId)).every((a) => a.state === 'resolved'));
    const earlier = new Set((await alertsOf(ruleId)).map((a) => a.id));

    await world.db.database.query('ALTER TABLE alerts RENAME TO alerts_away');
    try {
      await world.send(dev, 'telemetry', [{ metrics: { level: 2 } }]);
      // the state step is taken (KV), its effects fail and the message is redelivered
      await waitFor('state firing in KV', async () => {
        const kv = await new Kvm(world.nc).open(world.bucket);
        return (await kv.get(`r.${ruleId}.${dev}`))?.json<{ status: string }>().status === 'firing';
      });
      await new Promise((r) => setTimeout(r, 500));
    } finally {
      await world.db.database.query('ALTER TABLE alerts_away RENAME TO alerts');
    }
    await waitFor('repaired firing alert', async () =>
      (await alertsOf(ruleId)).some((a) => a.state === 'firing'),
    );
    const fresh = () => hooksFor().filter((h) => !earlier.has(h.json.alert.id));
    await waitFor('firing webhook after the outage', () => fresh().length > 0);
    expect(fresh().map((h) => h.json.event)).toEqual(['firing']);
    expect((await alertsOf(ruleId)).filter((a) => a.state === 'firing')).toHaveLength(1);
  });
});
