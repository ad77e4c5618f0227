// The console in real headless Chromium against the real API, database, broker and processor: first-run setup,
// sign out and in, tenant, device with its token shown once and copied; a real MQTT client publishes with that
// token through the broker: the line shows in the live tail and in search, the chart draws; revoking the
// credential disconnects the client. Screenshots of the main pages go to console/artifacts/.
import mqtt, { type MqttClient } from 'mqtt';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildWebApp, launchChromium, screenshot, waitFor } from './browser.js';
import { startStack, type Stack } from './stack.js';

const OWNER = { organization: 'Acme Water', email: 'owner@acme.test', password: 'correct horse battery' };

describe('console in Chromium', () => {
  let stack: Stack;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let deviceToken = '';
  let deviceId = '';
  let tailMs = 0;
  let second = { id: '', token: '' };

  beforeAll(async () => {
    const staticDir = await buildWebApp();
    stack = await startStack({ staticDir });
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1360, height: 860 }, baseURL: stack.consoleUrl });
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: stack.consoleUrl });
    page = await context.newPage();
    page.setDefaultTimeout(20_000);
  }, 120_000);

  let device: MqttClient | undefined;

  afterEach(async (ctx) => {
    if (ctx.task.result?.state === 'fail' && page)
      await screenshot(page, `failed-${ctx.task.name.replace(/\W+/g, '-')}`);
  });

  afterAll(async () => {
    await device?.endAsync(true);
    await context?.close();
    await browser?.close();
    await stack?.close();
  });

  it('creates the first owner on first run, signs out and signs in again', async () => {
    await page.goto('/');
    await page.getByRole('heading', { name: 'Set up your console' }).waitFor();
    await screenshot(page, '01-setup');
    await page.locator('input[name="organization"]').fill(OWNER.organization);
    await page.locator('input[name="email"]').fill(OWNER.email);
    await page.locator('input[name="password"]').fill(OWNER.password);
    await page.getByRole('button', { name: 'Create owner' }).click();
    await page.getByRole('heading', { name: 'Fleet overview' }).waitFor();

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await page.locator('input[name="email"]').fill(OWNER.email);
    await page.locator('input[name="password"]').fill('wrong password!!');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByTestId('error').textContent(), { timeout: 20_000 }).toContain('auth.');
    await screenshot(page, '02-sign-in-error');
    await page.locator('input[name="password"]').fill(OWNER.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Fleet overview' }).waitFor();
    await expect
      .poll(() => page.getByTestId('fleet').textContent(), { timeout: 20_000 })
      .toContain('Storage');
    await screenshot(page, '03-fleet');
  });

  it('creates a tenant', async () => {
    await page.getByRole('link', { name: 'Tenants' }).click();
    await page.getByTestId('empty').waitFor();
    await page.getByRole('button', { name: 'New tenant' }).click();
    await page.locator('input[name="tenant-name"]').fill('Berlin plant');
    await page.getByRole('button', { name: 'Create tenant' }).click();
    await page.getByTestId('tenants').getByText('Berlin plant').waitFor();
    await expect
      .poll(() => page.getByTestId('tenant-switcher').locator('option:checked').textContent())
      .toBe('Berlin plant');
    await screenshot(page, '04-tenants');
  });

  it('creates a device whose token is shown once and copied to the clipboard', async () => {
    await page.getByRole('link', { name: 'Devices' }).click();
    await page.getByRole('button', { name: 'New device' }).click();
    await page.locator('input[name="device-name"]').fill('pump-07');
    await page.locator('input[name="device-labels"]').fill('site=berlin, line=2');
    await page.getByRole('button', { name: 'Create device' }).click();
    const secret = page.getByTestId('secret');
    await secret.waitFor();
    deviceToken = (await secret.textContent())?.trim() ?? '';
    deviceId = (await page.getByTestId('device-id').textContent())?.trim() ?? '';
    expect(deviceToken).toMatch(/^iot_[A-Za-z0-9_-]{43}$/);
    expect(deviceId).toMatch(/^[0-9a-f-]{36}$/);
    await screenshot(page, '05-device-token');

    await page.getByTestId('copy').click();
    await page.getByRole('button', { name: 'Copied ✓' }).waitFor();
    expect(await page.evaluate('navigator.clipboard.readText()')).toBe(deviceToken);

    await page.getByRole('button', { name: 'Done' }).click();
    const row = page.locator('tr[data-device="pump-07"]');
    await row.waitFor();
    expect(await row.textContent()).toContain('site=berlin');
    expect(await row.textContent()).toContain('offline');
    // shown once: nowhere on the page any more, and not in the device dialog
    await row.getByRole('button', { name: 'Manage' }).click();
    await page.getByTestId('credentials').getByText('active').waitFor();
    expect(await page.content()).not.toContain(deviceToken);
    await screenshot(page, '06-device-detail');
    await page.getByRole('button', { name: 'Close' }).click();
    await screenshot(page, '07-devices');
  });

  it('shows API problems clearly', async () => {
    await page.getByRole('button', { name: 'New device' }).click();
    await page.locator('input[name="device-name"]').fill('pump-07');
    await page.getByRole('button', { name: 'Create device' }).click();
    const err = page.getByRole('dialog').getByTestId('error');
    await err.waitFor();
    expect(await err.textContent()).toContain('device.duplicate');
    await page.getByRole('button', { name: 'Cancel' }).click();
  });

  it('imports devices from CSV with a per-row report, filters, disables and rotates', async () => {
    await page.getByRole('button', { name: 'Import CSV' }).click();
    await page
      .locator('textarea[name="csv"]')
      .fill('name,labels\nvalve-01,site=berlin;kind=valve\nvalve-02,site=paris\nbad name!,\n');
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    const report = page.getByTestId('import-report');
    await report.waitFor();
    expect(await page.getByRole('dialog').textContent()).toMatch(/2 created.*1 failed/s);
    expect(await report.locator('tr', { hasText: 'bad name!' }).textContent()).toContain('failed');
    await screenshot(page, '07b-import-report');
    // the tokens of the new devices are offered once, as a CSV download
    const href = (await page.getByRole('link', { name: /Download tokens/ }).getAttribute('href')) ?? '';
    const tokensCsv = String(await page.evaluate(`fetch(${JSON.stringify(href)}).then((r) => r.text())`));
    const valve01 =
      tokensCsv
        .split('\n')
        .find((l) => l.startsWith('valve-01,'))
        ?.split(',') ?? [];
    second = { id: valve01[1] ?? '', token: valve01[2] ?? '' };
    expect(second.token).toMatch(/^iot_/);
    await page.getByRole('button', { name: 'Done' }).click();
    await page.locator('tr[data-device="valve-02"]').waitFor();

    await page.getByPlaceholder('Filter by name, id or label').fill('site=paris');
    await expect.poll(() => page.locator('tr[data-device]').count(), { timeout: 20_000 }).toBe(1);
    await page.getByPlaceholder('Filter by name, id or label').fill('');

    await page.locator('tr[data-device="valve-02"]').getByRole('button', { name: 'Manage' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Disable' }).click();
    await page.getByRole('dialog').getByText('disabled', { exact: true }).waitFor();
    await page.getByRole('button', { name: 'Issue new token' }).click();
    expect(await page.getByRole('dialog').getByTestId('secret').textContent()).toMatch(/^iot_/);
    await expect
      .poll(() => page.getByTestId('credentials').locator('tbody tr').count(), { timeout: 20_000 })
      .toBe(2);
    await page
      .locator('input[name="x509-fingerprint"]')
      .fill(Array.from({ length: 32 }, () => 'AB').join(':'));
    await page.getByRole('button', { name: 'Add certificate' }).click();
    await expect
      .poll(() => page.getByTestId('credentials').locator('tbody tr', { hasText: 'x509' }).count(), {
        timeout: 20_000,
      })
      .toBe(1);
    await page.getByRole('button', { name: 'Close' }).click();
    expect(await page.locator('tr[data-device="valve-02"]').textContent()).toContain('disabled');
    await screenshot(page, '07c-devices-after-import');
  });

  it('renders the logs, telemetry, audit and access pages', async () => {
    await page.getByRole('link', { name: 'Logs' }).click();
    await page.getByTestId('empty').or(page.getByTestId('log-table')).first().waitFor();
    await screenshot(page, '08-logs');
    await page.getByRole('link', { name: 'Telemetry' }).click();
    await page.getByTestId('metric-picker').waitFor();
    await screenshot(page, '09-telemetry');
    await page.getByRole('link', { name: 'Audit log' }).click();
    await page.getByTestId('audit').getByText('device.create').first().waitFor();
    await page.getByPlaceholder('Search actor, action, target').fill('disable');
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await expect
      .poll(() => page.getByTestId('audit').textContent(), { timeout: 20_000 })
      .not.toContain('tenant.create');
    expect(await page.getByTestId('audit').textContent()).toContain('device.disable');
    await screenshot(page, '10-audit');
    await page.getByRole('link', { name: 'Members & tokens' }).click();
    await page.getByTestId('members').getByText(OWNER.email).waitFor();
    await page.getByRole('button', { name: 'Add member' }).click();
    await page.getByRole('dialog').getByLabel('Email').fill('ops@acme.test');
    await page.getByRole('dialog').getByLabel('Berlin plant').check();
    await page.getByRole('dialog').getByRole('button', { name: 'Add', exact: true }).click();
    expect(
      (await page.getByRole('dialog').getByTestId('secret').textContent())?.trim().length,
    ).toBeGreaterThanOrEqual(10);
    await page.getByRole('dialog').getByRole('button', { name: 'Done' }).click();
    await page.getByTestId('members').getByText('ops@acme.test').waitFor();
    expect(
      await page.getByTestId('members').locator('tr', { hasText: 'ops@acme.test' }).textContent(),
    ).toContain('Berlin plant');
    await page.getByPlaceholder('grafana').fill('grafana');
    await page.getByRole('button', { name: 'Create token' }).click();
    const apiToken = (await page.getByTestId('secret').textContent())?.trim() ?? '';
    expect(apiToken.length).toBeGreaterThan(20);
    await page.getByTestId('api-tokens').getByText('grafana').waitFor();
    await screenshot(page, '11-access');
    // the API token works as a Bearer token outside the browser session
    const res = await fetch(`${stack.consoleUrl}/api/tenants`, {
      headers: { authorization: `Bearer ${apiToken}` },
    });
    expect(res.status).toBe(200);
  });

  it('shows a log published over MQTT in the live tail, then in search and export', async () => {
    const word = `leak${Date.now().toString(36)}`;
    await page.getByRole('link', { name: 'Logs' }).click();
    await page.getByTestId('match-count').waitFor(); // the first search is done: the tail follows its filters
    await page.getByTestId('live-toggle').check();
    await expect.poll(() => page.getByTestId('tail-state').textContent(), { timeout: 20_000 }).toBe('live');

    device = await mqtt.connectAsync(stack.mqttUrl, {
      clientId: deviceId,
      username: deviceId,
      password: deviceToken,
      protocolVersion: 4,
      reconnectPeriod: 0,
      connectTimeout: 10_000,
    });
    const published = Date.now();
    await device.publishAsync(
      `d/${deviceId}/logs`,
      JSON.stringify({
        seq: 1,
        severity: 4,
        message: `pressure drop: ${word} at valve 3`,
        attrs: { valve: 3 },
      }),
      { qos: 1 },
    );
    const line = page.getByTestId('log-table').locator('tr', { hasText: word });
    await line.waitFor({ timeout: 20_000 });
    tailMs = Date.now() - published;
    expect(await line.textContent()).toContain('warning');
    expect(await line.textContent()).toContain('pump-07');
    await screenshot(page, '12-logs-live-tail');

    // stored by the processor: a fresh search (live tail off) finds it by word, and a negation hides it
    await page.getByTestId('live-toggle').uncheck();
    await page.locator('input[name="q"]').fill(`${word} -nothing`);
    await waitFor(
      async () => {
        await page.getByRole('button', { name: 'Search', exact: true }).click();
        await page.waitForLoadState('networkidle');
        return (await page.getByTestId('match-count').textContent()) === '1';
      },
      'the log line to be searchable',
      20_000,
      300,
    );
    await line.waitFor();
    await screenshot(page, '13-logs-search');
    const ndjson = await page.evaluate(
      async (href) => (await fetch(href)).text(),
      (await page.getByRole('link', { name: 'Export NDJSON' }).getAttribute('href')) ?? '',
    );
    expect(ndjson).toContain(word);
    await page.locator('input[name="q"]').fill(`${word} -valve`);
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await expect.poll(() => page.getByTestId('match-count').textContent(), { timeout: 20_000 }).toBe('0');
  });

  it('shows a payload the system refused on the dead letters page', async () => {
    if (!device) throw new Error('the MQTT client of the previous test is missing');
    const marker = `notjson${Date.now().toString(36)}`;
    // telemetry must be a JSON object of numbers: a text line is refused by the processor with a reason
    await device.publishAsync(`d/${deviceId}/telemetry`, `temp=21 ${marker}`, { qos: 1 });
    await waitFor(
      async () => {
        await page.getByRole('link', { name: 'Dead letters' }).click();
        await page.waitForLoadState('networkidle');
        return (await page.locator('tr', { hasText: marker }).count()) > 0;
      },
      'the refused payload on the dead letters page',
      20_000,
      500,
    );
    const row = page.locator('tr', { hasText: marker }).first();
    expect(await row.textContent()).toContain('protocol.');
    expect(await row.textContent()).toContain('telemetry');
    await screenshot(page, '15d-dead-letters');
  });

  it('charts telemetry published over MQTT and shows the device online', async () => {
    if (!device) throw new Error('the MQTT client of the previous test is missing');
    const now = Date.now();
    for (let i = 10; i >= 0; i--) {
      const sample = {
        seq: 100 + i,
        ts: now - i * 60_000,
        metrics: { temp: 20 + (i % 4), pressure: 3 + i / 10 },
      };
      await device.publishAsync(`d/${deviceId}/telemetry`, JSON.stringify(sample), { qos: 1 });
    }
    // a second device (from the CSV import) on the same chart
    const other = await mqtt.connectAsync(stack.mqttUrl, {
      clientId: second.id,
      username: second.id,
      password: second.token,
      protocolVersion: 4,
      reconnectPeriod: 0,
      connectTimeout: 10_000,
    });
    for (let i = 10; i >= 0; i--) {
      await other.publishAsync(
        `d/${second.id}/telemetry`,
        JSON.stringify({ seq: 200 + i, ts: now - i * 60_000, metrics: { temp: 25 - (i % 3) } }),
        { qos: 1 },
      );
    }
    await other.endAsync();
    // wait until the processor stored both devices' samples (checked through the API, as the page would)
    for (const id of [deviceId, second.id]) {
      const latestUrl = `/api/telemetry/latest?deviceId=${id}`;
      await waitFor(
        async () =>
          String(await page.evaluate(`fetch(${JSON.stringify(latestUrl)}).then((r) => r.text())`)).includes(
            '"temp"',
          ),
        `the telemetry of ${id} to be stored`,
        20_000,
        250,
      );
    }
    await page.getByRole('link', { name: 'Telemetry' }).click();
    await page
      .getByTestId('metric-picker')
      .locator('option', { hasText: 'temp' })
      .waitFor({ state: 'attached' });
    await page.getByTestId('metric-picker').selectOption('temp');
    const canvas = page.getByTestId('chart').locator('canvas');
    await canvas.waitFor();
    // the canvas has drawn pixels (the series line), not just an empty frame
    const painted = await waitFor(async () => {
      const n = await canvas.evaluate((c) => {
        const el = c as unknown as {
          width: number;
          height: number;
          getContext(t: '2d'): {
            getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray };
          };
        };
        const data = el.getContext('2d').getImageData(0, 0, el.width, el.height).data;
        let count = 0;
        for (let i = 3; i < data.length; i += 4) if ((data[i] ?? 0) > 0) count++;
        return count;
      });
      return n > 200 ? n : 0;
    }, 'the chart to draw');
    expect(painted).toBeGreaterThan(200);
    await page.getByTestId('device-picker').locator('summary').click();
    await page.getByTestId('device-picker').getByLabel('valve-01').check();
    await page.getByTestId('device-picker').locator('summary').click();
    await expect
      .poll(() => page.getByTestId('chart').textContent(), { timeout: 20_000 })
      .toContain('valve-01 · temp');
    expect(await page.getByTestId('chart').textContent()).toContain('pump-07 · temp');
    await expect
      .poll(() => page.getByTestId('last-values').textContent(), { timeout: 20_000 })
      .toContain('valve-01');
    expect(await page.getByTestId('last-values').textContent()).toContain('temp');
    await screenshot(page, '14-telemetry-chart');

    await page.getByRole('link', { name: 'Devices' }).click();
    const row = page.locator('tr[data-device="pump-07"]');
    await waitFor(
      async () => {
        await page.reload();
        await row.waitFor();
        return (await row.textContent())?.includes('online');
      },
      'the device to show online',
      20_000,
      500,
    );
    await screenshot(page, '15-devices-online');
    await page.getByRole('link', { name: 'Fleet overview' }).click();
    await expect
      .poll(() => page.getByTestId('per-tenant').textContent(), { timeout: 20_000 })
      .toContain('Berlin plant');
    await screenshot(page, '15a-fleet-with-data');
  });

  it('lists alert rules and alerts, and acknowledges an alert', async () => {
    const [dev] = await stack.db.database.query<{ tenant_id: string }>(
      'SELECT tenant_id FROM devices WHERE id = $1',
      [deviceId],
    );
    const tenantId = dev?.tenant_id ?? '';
    // a rule through the API as the signed-in operator (cookie session + CSRF header, as the web app sends it)
    const rule = {
      tenantId,
      name: 'too hot',
      condition: { type: 'threshold', metric: 'temp', op: '>', value: 80, forSeconds: 10 },
    };
    const created = await page.evaluate(
      `fetch('/api/rules', { method: 'POST', headers: { 'content-type': 'application/json', 'x-csrf-token': decodeURIComponent(document.cookie.match(/iotlog_csrf=([^;]+)/)[1]) }, body: ${JSON.stringify(JSON.stringify(rule))} }).then((r) => r.json())`,
    );
    const ruleId = (created as { id?: string }).id ?? '';
    expect(ruleId).toMatch(/^[0-9a-f-]{36}$/);
    // an alert as the alerting engine stores it
    await stack.db.database.query(
      `INSERT INTO alerts (rule_id, tenant_id, device_id, state, value, message, fired_at) VALUES ($1, $2, $3, 'firing', 91, 'temp > 80', now())`,
      [ruleId, tenantId, deviceId],
    );
    await page.getByRole('link', { name: 'Alerts' }).click();
    await page.getByTestId('rules').getByText('too hot').waitFor();
    const row = page.getByTestId('alerts').locator('tr', { hasText: 'pump-07' });
    await row.waitFor();
    expect(await row.textContent()).toContain('firing');
    await row.getByRole('button', { name: 'Acknowledge' }).click();
    await expect.poll(() => row.textContent(), { timeout: 20_000 }).toContain(`ack by`);
    await screenshot(page, '15b-alerts');
  });

  it('sends desired configuration and a command to the device, and shows its reply', async () => {
    const client = device;
    if (!client) throw new Error('the MQTT client of the previous test is missing');
    const configs: { version: number; config: Record<string, unknown> }[] = [];
    client.on('message', (topic, payload) => {
      const msg = JSON.parse(payload.toString()) as {
        id?: string;
        name?: string;
        version?: number;
        config?: Record<string, unknown>;
      };
      if (topic === `d/${deviceId}/cmd/_config`)
        configs.push({ version: msg.version ?? 0, config: msg.config ?? {} });
      else if (topic.startsWith(`d/${deviceId}/cmd/`)) {
        void client.publishAsync(
          `d/${deviceId}/reply`,
          JSON.stringify({ id: msg.id, ok: true, data: { did: msg.name } }),
          { qos: 1 },
        );
      }
    });
    await client.subscribeAsync(`d/${deviceId}/cmd/#`, { qos: 1 });

    await page.getByRole('link', { name: 'Devices' }).click();
    await page.locator('tr[data-device="pump-07"]').getByRole('button', { name: 'Manage' }).click();
    await page.getByText('Configuration and commands').click();
    await page.getByLabel('Desired configuration').fill('{ "logLevel": "debug" }');
    await page.getByRole('button', { name: 'Save and send' }).click();
    await page.getByRole('dialog').getByText('v1').waitFor();
    await waitFor(
      () => configs.find((c) => c.version === 1 && c.config.logLevel === 'debug'),
      'the device to receive its desired configuration',
    );

    await page.locator('input[name="command-name"]').fill('reboot');
    await page.locator('input[name="command-data"]').fill('{"delay": 1}');
    await page.getByRole('button', { name: 'Send', exact: true }).click();
    await expect
      .poll(() => page.getByTestId('command-reply').textContent(), { timeout: 20_000 })
      .toContain('reboot');
    await screenshot(page, '15c-device-config-command');
    await page.getByRole('button', { name: 'Close' }).click();

    // the device applies it and reports back: the console shows it in sync
    await client.publishAsync(
      `d/${deviceId}/config/reported`,
      JSON.stringify({ version: 1, config: { logLevel: 'debug' } }),
      { qos: 1 },
    );
    const configUrl = `/api/devices/${deviceId}/config`;
    await waitFor(
      async () =>
        String(await page.evaluate(`fetch(${JSON.stringify(configUrl)}).then((r) => r.text())`)).includes(
          '"inSync":true',
        ),
      'the reported configuration to be stored',
      20_000,
      250,
    );
    await page.locator('tr[data-device="pump-07"]').getByRole('button', { name: 'Manage' }).click();
    await page.getByText('Configuration and commands').click();
    await expect
      .poll(() => page.getByTestId('config-sync').textContent(), { timeout: 20_000 })
      .toBe('in sync');
    await page.getByRole('button', { name: 'Close' }).click();
  });

  it('revokes the credential in the UI and the broker disconnects the client', async () => {
    const client = device;
    if (!client) throw new Error('the MQTT client of the previous test is missing');
    expect(client.connected).toBe(true);
    const closed = new Promise<void>((resolve) => client.once('close', () => resolve()));
    page.once('dialog', (d) => void d.accept());
    await page.getByRole('link', { name: 'Devices' }).click();
    await page.locator('tr[data-device="pump-07"]').getByRole('button', { name: 'Manage' }).click();
    await page.getByTestId('credentials').getByRole('button', { name: 'Revoke' }).click();
    await page.getByTestId('credentials').getByText('revoked').waitFor();
    await screenshot(page, '16-credential-revoked');
    await waitFor(async () => {
      await Promise.race([closed, new Promise((r) => setTimeout(r, 500))]);
      return !client.connected;
    }, 'the broker to disconnect the revoked device');
    // and the revoked token no longer connects
    await expect(
      mqtt.connectAsync(stack.mqttUrl, {
        clientId: deviceId,
        username: deviceId,
        password: deviceToken,
        protocolVersion: 4,
        reconnectPeriod: 0,
        connectTimeout: 10_000,
      }),
    ).rejects.toThrow();
    await page.getByRole('button', { name: 'Close' }).click();

    // a session that ends (expired, signed out elsewhere) brings the sign-in page back instead of errors
    await context.clearCookies();
    await page.getByRole('link', { name: 'Fleet overview' }).click();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    console.info(`console-ui: live tail publish->browser ${tailMs} ms (informational, not asserted)`);
  });
});
