// The console in real headless Chromium against the real API and a real database: first-run setup, sign out
// and in, tenant, device with its token shown once and copied, pages rendered (screenshots in console/artifacts/).
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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

  beforeAll(async () => {
    const staticDir = await buildWebApp();
    stack = await startStack({ staticDir });
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1360, height: 860 }, baseURL: stack.consoleUrl });
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: stack.consoleUrl });
    page = await context.newPage();
    page.setDefaultTimeout(20_000);
  }, 120_000);

  afterAll(async () => {
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
    await expect.poll(() => page.getByTestId('error').textContent()).toContain('auth.');
    await screenshot(page, '02-sign-in-error');
    await page.locator('input[name="password"]').fill(OWNER.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Fleet overview' }).waitFor();
    await expect.poll(() => page.getByTestId('fleet').textContent()).toContain('Storage');
    await screenshot(page, '03-fleet');
  });

  it('creates a tenant', async () => {
    await page.getByRole('link', { name: 'Tenants' }).click();
    await page.getByTestId('empty').waitFor();
    await page.getByRole('button', { name: 'New tenant' }).click();
    await page.locator('input[name="tenant-name"]').fill('Berlin plant');
    await page.getByRole('button', { name: 'Create tenant' }).click();
    await page.getByTestId('tenants').getByText('Berlin plant').waitFor();
    await expect.poll(() => page.getByTestId('tenant-switcher').locator('option:checked').textContent()).toBe('Berlin plant');
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

  it('renders the logs, telemetry, audit and access pages', async () => {
    await page.getByRole('link', { name: 'Logs' }).click();
    await page.getByTestId('empty').or(page.getByTestId('log-table')).first().waitFor();
    await screenshot(page, '08-logs');
    await page.getByRole('link', { name: 'Telemetry' }).click();
    await page.getByTestId('metric-picker').waitFor();
    await screenshot(page, '09-telemetry');
    await page.getByRole('link', { name: 'Audit log' }).click();
    await page.getByTestId('audit').getByText('device.create').waitFor();
    await screenshot(page, '10-audit');
    await page.getByRole('link', { name: 'Members & tokens' }).click();
    await page.getByTestId('members').getByText(OWNER.email).waitFor();
    await screenshot(page, '11-access');
    void waitFor;
    void deviceId;
  });
});
