import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, createHarness, PASSWORD, seedOrg, type Harness } from '../../testing/harness.js';
import { bodyOf } from '../../testing/harness.js';

let h: Harness;
beforeAll(async () => {
  h = await createHarness({ loginMaxAttempts: 3 });
});
afterAll(async () => {
  await h?.close();
});

describe('setup, login, sessions, CSRF', () => {
  it('creates the first owner once, then refuses setup', async () => {
    const c = new Client(h);
    expect(await c.json('GET', '/api/setup', undefined, 200)).toEqual({ needed: true });
    const me = await c.json(
      'POST',
      '/api/setup',
      { organization: 'Acme Corp', email: 'Root@Acme.test', password: PASSWORD },
      200,
    );
    expect(me.user.email).toBe('root@acme.test');
    expect(me.organizations).toHaveLength(1);
    expect(me.organizations[0].role).toBe('owner');
    expect(me.current.role).toBe('owner');
    expect(c.cookies.get('iotlog_session')).toBeTruthy();
    const again = await new Client(h).req('POST', '/api/setup', {
      organization: 'Evil',
      email: 'x@evil.test',
      password: PASSWORD,
    });
    expect(again.status).toBe(409);
    expect(again.headers.get('content-type')).toContain('application/problem+json');
    expect((await bodyOf(again)).code).toBe('setup.done');
    expect(await c.json('GET', '/api/setup', undefined, 200)).toEqual({ needed: false });
  });

  it('sets an httpOnly SameSite=Lax session cookie and stores only its sha256', async () => {
    const a = await seedOrg(h, 'Cookie');
    const res = await new Client(h).req('POST', '/api/auth/login', { email: a.email, password: PASSWORD });
    const cookies = res.headers.getSetCookie();
    const session = cookies.find((c) => c.startsWith('iotlog_session='))!;
    expect(session).toMatch(/HttpOnly/i);
    expect(session).toMatch(/SameSite=Lax/i);
    const value = session.split(';')[0]!.split('=')[1]!;
    const rows = await h.tdb.database.query<{ id: string }>('SELECT id FROM console_sessions');
    expect(rows.some((r) => r.id === value)).toBe(false);
    expect(rows.every((r) => /^[0-9a-f]{64}$/.test(r.id))).toBe(true);
  });

  it('rejects wrong passwords and unknown users alike', async () => {
    const a = await seedOrg(h, 'Wrong');
    for (const body of [
      { email: a.email, password: 'nope-nope-nope' },
      { email: 'ghost@nowhere.test', password: PASSWORD },
    ]) {
      const res = await new Client(h).req('POST', '/api/auth/login', body);
      expect(res.status).toBe(401);
      expect((await bodyOf(res)).code).toBe('auth.bad_credentials');
    }
  });

  it('rate-limits login attempts per address + email', async () => {
    const a = await seedOrg(h, 'Limit');
    const c = new Client(h);
    for (let i = 0; i < 3; i++) {
      expect(
        (await c.req('POST', '/api/auth/login', { email: a.email, password: 'bad-password-x' })).status,
      ).toBe(401);
    }
    const limited = await c.req('POST', '/api/auth/login', { email: a.email, password: PASSWORD });
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBeTruthy();
    expect((await bodyOf(limited)).code).toBe('auth.rate_limited');
    // another email from the same address is not limited
    const b = await seedOrg(h, 'Other');
    expect(
      (await new Client(h).req('POST', '/api/auth/login', { email: b.email, password: PASSWORD })).status,
    ).toBe(200);
  });

  it('requires the CSRF header on unsafe methods with a cookie session', async () => {
    const a = await seedOrg(h, 'Csrf');
    const noHeader = await a.client.req('POST', '/api/tenants', { name: 'x' }, { 'x-csrf-token': '' });
    expect(noHeader.status).toBe(403);
    expect((await bodyOf(noHeader)).code).toBe('auth.csrf');
    const wrong = await a.client.req('POST', '/api/tenants', { name: 'x' }, { 'x-csrf-token': 'forged' });
    expect(wrong.status).toBe(403);
    expect((await a.client.req('POST', '/api/tenants', { name: 'ok' })).status).toBe(201);
  });

  it('401 without a session; logout ends the session', async () => {
    expect((await new Client(h).req('GET', '/api/tenants')).status).toBe(401);
    const a = await seedOrg(h, 'Logout');
    const me = await a.client.json('GET', '/api/auth/me', undefined, 200);
    expect(me.csrfToken).toBe(a.client.csrf);
    const stolen = new Map(a.client.cookies);
    expect((await a.client.req('POST', '/api/auth/logout')).status).toBe(204);
    const replay = new Client(h);
    replay.cookies = stolen;
    expect((await replay.req('GET', '/api/auth/me')).status).toBe(401);
  });

  it('changes the password with the current one', async () => {
    const a = await seedOrg(h, 'Pw');
    const bad = await a.client.req('POST', '/api/auth/password', {
      currentPassword: 'wrong-wrong',
      newPassword: 'another long pw',
    });
    expect(bad.status).toBe(401);
    expect(
      (
        await a.client.req('POST', '/api/auth/password', {
          currentPassword: PASSWORD,
          newPassword: 'another long pw',
        })
      ).status,
    ).toBe(204);
    await new Client(h).login(a.email, 'another long pw');
  });

  it('validation errors are 400 problem JSON', async () => {
    const res = await new Client(h).req('POST', '/api/auth/login', { email: 'not-an-email' });
    expect(res.status).toBe(400);
    const p = await bodyOf(res);
    expect(p).toMatchObject({ status: 400, code: 'request.invalid', title: 'Bad Request' });
    expect(p.type).toContain('request.invalid');
    expect(p.detail).toMatch(/email/);
  });

  it('serves /healthz and the OpenAPI document without a session', async () => {
    expect((await h.app.request('/healthz')).status).toBe(200);
    const doc = await bodyOf(await h.app.request('/api/openapi.json'));
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/api/devices',
        '/api/logs/search',
        '/api/tenants/{id}',
        '/api/logs/tail',
        '/api/logs/export',
      ]),
    );
  });

  it('an unknown /api route is a 404 problem', async () => {
    const a = await seedOrg(h, 'NotFound');
    const res = await a.client.req('GET', '/api/nope');
    expect(res.status).toBe(404);
  });
});
