// Rules CRUD (nonsense refused), alerts list/ack/silence/SSE, commands with reply and timeout, desired config.
// The device side of commands is played on NATS by a responder with the broker's contract
// (`{p}.cmd.{t}.{d}` in, `{p}.reply.{t}.{d}` out); e2e/alerting-commands.int.test.ts runs the real broker.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, memberClient, seedOrg, waitFor, type Harness } from '../../testing/harness.js';

let h: Harness;
let A: Awaited<ReturnType<typeof seedOrg>>;
let B: Awaited<ReturnType<typeof seedOrg>>;
let deviceId: string;
const SECRET = 'console-webhook-secret-123';

beforeAll(async () => {
  h = await createHarness();
  A = await seedOrg(h, 'Alpha');
  B = await seedOrg(h, 'Beta');
  deviceId = (await A.client.json('POST', '/api/devices', { tenantId: A.tenantId, name: 'valve-1' }, 201))
    .device.id;
});
afterAll(async () => {
  await h?.close();
});

const thresholdRule = {
  name: 'too hot',
  condition: { type: 'threshold', metric: 'temp', op: '>', value: 80, forSeconds: 10, hysteresis: 2 },
  webhook: { url: 'http://127.0.0.1:9/hook', secret: SECRET },
  actions: [{ type: 'command', name: 'fan-on', data: { speed: 3 } }],
};

describe('rules', () => {
  it('creates, reads, updates and deletes a rule; the webhook secret is never returned', async () => {
    const created = await A.client.json(
      'POST',
      '/api/rules',
      { tenantId: A.tenantId, ...thresholdRule },
      201,
    );
    expect(created).toMatchObject({
      name: 'too hot',
      enabled: true,
      severity: 'warning',
      webhook: { url: thresholdRule.webhook.url, secretSet: true },
    });
    expect(created.condition).toEqual(thresholdRule.condition);
    expect(JSON.stringify(created)).not.toContain(SECRET);
    const list = await A.client.json('GET', `/api/rules?tenantId=${A.tenantId}`, undefined, 200);
    expect(list.items.map((r: { id: string }) => r.id)).toContain(created.id);
    expect((await B.client.json('GET', '/api/rules', undefined, 200)).items).toHaveLength(0);
    expect((await B.client.req('GET', `/api/rules/${created.id}`)).status).toBe(404);

    const { tenantId: _t, ...input } = { tenantId: 1, ...thresholdRule };
    const updated = await A.client.json(
      'PUT',
      `/api/rules/${created.id}`,
      { ...input, severity: 'critical', webhook: { url: 'http://127.0.0.1:9/other' } },
      200,
    );
    expect(updated).toMatchObject({
      severity: 'critical',
      webhook: { url: 'http://127.0.0.1:9/other', secretSet: true },
    });
    const [row] = await h.tdb.database.query<{ webhook_secret: string }>(
      'SELECT webhook_secret FROM alert_rules WHERE id = $1',
      [created.id],
    );
    expect(row?.webhook_secret).toBe(SECRET);

    expect((await A.client.req('DELETE', `/api/rules/${created.id}`)).status).toBe(204);
    expect((await A.client.req('GET', `/api/rules/${created.id}`)).status).toBe(404);
  });

  it('refuses nonsense with a clear 400', async () => {
    const cases: [unknown, RegExp][] = [
      [{ type: 'median', metric: 't' }, /condition.type must be one of threshold, log_match, no_data/],
      [
        { type: 'threshold', metric: 't', op: '>', value: 1, forSeconds: -1 },
        /forSeconds must not be negative/,
      ],
      [{ type: 'log_match', pattern: '([a-z' }, /invalid pattern/],
      [{ type: 'no_data', afterSeconds: 'soon' }, /afterSeconds must be a number/],
    ];
    for (const [condition, message] of cases) {
      const res = await A.client.req('POST', '/api/rules', { tenantId: A.tenantId, name: 'bad', condition });
      expect(res.status).toBe(400);
      const p = (await res.json()) as { code: string; detail: string; errors: unknown[] };
      expect(p.code).toBe('request.invalid');
      expect(p.detail).toMatch(message);
      expect(p.errors.length).toBeGreaterThan(0);
    }
    const viewer = await memberClient(h, A.orgId, 'viewer');
    expect(
      (await viewer.client.req('POST', '/api/rules', { tenantId: A.tenantId, ...thresholdRule })).status,
    ).toBe(403);
  });
});

describe('alerts', () => {
  it('lists with filters, acknowledges, silences and streams changes over SSE', async () => {
    const rule = await A.client.json(
      'POST',
      '/api/rules',
      { tenantId: A.tenantId, ...thresholdRule, name: 'hot 2' },
      201,
    );
    const [alert] = await h.tdb.database.query<{ id: string }>(
      `INSERT INTO alerts (rule_id, tenant_id, device_id, state, value, message, fired_at) VALUES ($1, $2, $3, 'firing', 91, 'temp > 80', now()) RETURNING id`,
      [rule.id, A.tenantId, deviceId],
    );
    const res = await A.client.req('GET', `/api/alerts/stream?tenantId=${A.tenantId}`);
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const reader = res.body!.getReader();
    let text = '';
    const read = async (until: string) => {
      await waitFor(async () => {
        const { value } = await reader.read();
        text += new TextDecoder().decode(value);
        return text.includes(until);
      }, `SSE ${until}`);
    };
    await read('event: ready');

    const open = await A.client.json('GET', `/api/alerts?state=open&deviceId=${deviceId}`, undefined, 200);
    expect(open.items).toHaveLength(1);
    expect(open.items[0]).toMatchObject({
      id: alert!.id,
      state: 'firing',
      ruleName: 'hot 2',
      deviceName: 'valve-1',
      acknowledgedAt: null,
    });
    expect((await A.client.json('GET', '/api/alerts?state=resolved', undefined, 200)).items).toHaveLength(0);
    expect((await B.client.json('GET', '/api/alerts', undefined, 200)).items).toHaveLength(0);

    const acked = await A.client.json('POST', `/api/alerts/${alert!.id}/ack`, {}, 200);
    expect(acked.acknowledgedBy).toBe(`user:${A.email}`);
    await read('"event":"acknowledged"');

    const silenced = await A.client.json('POST', `/api/alerts/${alert!.id}/silence`, { minutes: 30 }, 200);
    expect(Date.parse(silenced.silencedUntil) - Date.now()).toBeGreaterThan(29 * 60_000);
    expect(
      (await A.client.json('POST', `/api/alerts/${alert!.id}/silence`, { untilResolved: true }, 200))
        .silencedUntil,
    ).toBe('infinity');
    expect((await A.client.req('POST', `/api/alerts/${alert!.id}/silence`, { minutes: -5 })).status).toBe(
      400,
    );
    expect(
      (await A.client.json('DELETE', `/api/alerts/${alert!.id}/silence`, undefined, 200)).silencedUntil,
    ).toBeNull();
    await reader.cancel();

    const detail = await A.client.json('GET', `/api/alerts/${alert!.id}`, undefined, 200);
    expect(detail.deliveries).toEqual([]);
  });
});

describe('commands and desired configuration', () => {
  it('sends a command and returns the reply with the same id; times out with 504', async () => {
    // broker + device stand-in: answers "ping" commands, ignores "hang"
    const sub = h.nc.subscribe(`${h.prefix}.cmd.${A.tenantId}.${deviceId}`, {
      callback: (_err, m) => {
        const cmd = m.json<{ id: string; name: string; data: unknown }>();
        if (cmd.name !== 'ping') return;
        h.nc.publish(
          `${h.prefix}.reply.${A.tenantId}.${deviceId}`,
          JSON.stringify({ id: 'someone-else', ok: false }),
        );
        h.nc.publish(
          `${h.prefix}.reply.${A.tenantId}.${deviceId}`,
          JSON.stringify({ id: cmd.id, ok: true, data: { pong: cmd.data } }),
        );
      },
    });
    await h.nc.flush();
    const reply = await A.client.json(
      'POST',
      `/api/devices/${deviceId}/commands`,
      { name: 'ping', data: 42 },
      200,
    );
    expect(reply).toMatchObject({ ok: true, data: { pong: 42 } });
    const res = await A.client.req('POST', `/api/devices/${deviceId}/commands`, {
      name: 'hang',
      timeoutMs: 300,
    });
    expect(res.status).toBe(504);
    expect(((await res.json()) as { code: string }).code).toBe('command.timeout');
    expect((await A.client.req('POST', `/api/devices/${deviceId}/commands`, { name: '../etc' })).status).toBe(
      400,
    );
    expect((await B.client.req('POST', `/api/devices/${deviceId}/commands`, { name: 'ping' })).status).toBe(
      404,
    );
    sub.unsubscribe();
  });

  it('stores desired configuration with a version and publishes it retained for the broker', async () => {
    const seen: Record<string, unknown>[] = [];
    const sub = h.nc.subscribe(`${h.prefix}.cmd.${A.tenantId}.${deviceId}`, {
      callback: (_e, m) => void seen.push(m.json()),
    });
    await h.nc.flush();
    const empty = await A.client.json('GET', `/api/devices/${deviceId}/config`, undefined, 200);
    expect(empty).toMatchObject({ desired: { version: 0, config: null }, reported: null, inSync: false });
    const v1 = await A.client.json(
      'PUT',
      `/api/devices/${deviceId}/config`,
      { config: { logLevel: 'debug' } },
      200,
    );
    expect(v1.desired).toEqual({ version: 1, config: { logLevel: 'debug' } });
    const msg = await waitFor(() => seen[0], 'retained config message');
    expect(msg).toMatchObject({
      name: '_config',
      retain: true,
      data: { version: 1, config: { logLevel: 'debug' } },
    });
    expect((await A.client.req('PUT', `/api/devices/${deviceId}/config`, { config: [1, 2] })).status).toBe(
      400,
    );

    // the device reports it (stored by the processor): in sync
    await h.tdb.database.query(
      `UPDATE devices SET reported_config = $2, reported_config_at = now() WHERE id = $1`,
      [deviceId, JSON.stringify({ version: 1, config: { logLevel: 'debug' } })],
    );
    expect((await A.client.json('GET', `/api/devices/${deviceId}/config`, undefined, 200)).inSync).toBe(true);
    sub.unsubscribe();
  });
});
