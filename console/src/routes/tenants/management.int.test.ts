// Organizations, tenants, members, API tokens: behaviour, roles, and isolation from a second organization.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  Client,
  createHarness,
  memberClient,
  PASSWORD,
  seedOrg,
  type Harness,
} from '../../testing/harness.js';
import { bodyOf } from '../../testing/harness.js';

let h: Harness;
let A: Awaited<ReturnType<typeof seedOrg>>;
let B: Awaited<ReturnType<typeof seedOrg>>;
beforeAll(async () => {
  h = await createHarness();
  A = await seedOrg(h, 'Alpha');
  B = await seedOrg(h, 'Beta');
});
afterAll(async () => {
  await h?.close();
});

describe('organizations', () => {
  it('lists only mine', async () => {
    const { items } = await A.client.json('GET', '/api/orgs', undefined, 200);
    expect(items.map((o: { id: string }) => o.id)).toEqual([A.orgId]);
  });
  it('x-org-id of an organization I do not belong to is 403', async () => {
    const res = await A.client.req('GET', '/api/tenants', undefined, { 'x-org-id': B.orgId });
    expect(res.status).toBe(403);
  });
});

describe('tenants', () => {
  it('CRUD in my organization, audited', async () => {
    const t = await A.client.json('POST', '/api/tenants', { name: 'Plant North' }, 201);
    expect(t).toMatchObject({
      name: 'Plant North',
      slug: 'plant-north',
      organizationId: A.orgId,
      deviceCount: 0,
    });
    expect((await A.client.req('POST', '/api/tenants', { name: 'Plant North' })).status).toBe(409);
    const got = await A.client.json('GET', `/api/tenants/${t.id}`, undefined, 200);
    expect(got.id).toBe(t.id);
    const renamed = await A.client.json('PATCH', `/api/tenants/${t.id}`, { name: 'Plant N' }, 200);
    expect(renamed.name).toBe('Plant N');
    const { items } = await A.client.json('GET', '/api/tenants', undefined, 200);
    expect(items.map((x: { id: string }) => x.id)).toContain(t.id);
    expect((await A.client.req('DELETE', `/api/tenants/${t.id}`)).status).toBe(204);
    expect((await A.client.req('GET', `/api/tenants/${t.id}`)).status).toBe(404);
    const audit = await A.client.json('GET', '/api/audit?action=tenant.', undefined, 200);
    expect(audit.items.map((e: { action: string }) => e.action)).toEqual([
      'tenant.delete',
      'tenant.update',
      'tenant.create',
    ]);
  });
  it('a tenant with devices cannot be deleted', async () => {
    await A.client.json('POST', '/api/devices', { tenantId: A.tenantId, name: 'keeper' }, 201);
    const res = await A.client.req('DELETE', `/api/tenants/${A.tenantId}`);
    expect(res.status).toBe(409);
    expect((await bodyOf(res)).code).toBe('tenant.not_empty');
  });
  it('invalid ids and bodies are 400', async () => {
    expect((await A.client.req('GET', '/api/tenants/not-a-uuid')).status).toBe(400);
    expect((await A.client.req('POST', '/api/tenants', { name: '' })).status).toBe(400);
    expect((await A.client.req('POST', '/api/tenants', { name: 'x', slug: 'Bad Slug' })).status).toBe(400);
  });
  it('isolation: B never lists, reads, renames or deletes A tenants', async () => {
    const { items } = await B.client.json('GET', '/api/tenants', undefined, 200);
    expect(items.map((x: { id: string }) => x.id)).toEqual([B.tenantId]);
    expect((await B.client.req('GET', `/api/tenants/${A.tenantId}`)).status).toBe(404);
    expect((await B.client.req('PATCH', `/api/tenants/${A.tenantId}`, { name: 'pwned' })).status).toBe(404);
    expect((await B.client.req('DELETE', `/api/tenants/${A.tenantId}`)).status).toBe(404);
    const still = await A.client.json('GET', `/api/tenants/${A.tenantId}`, undefined, 200);
    expect(still.name).toBe('Alpha main');
  });
  it('roles: operator and viewer cannot write tenants; tenant-limited admin sees only its tenants', async () => {
    const op = await memberClient(h, A.orgId, 'operator');
    expect((await op.client.req('POST', '/api/tenants', { name: 'nope' })).status).toBe(403);
    const viewer = await memberClient(h, A.orgId, 'viewer');
    expect((await viewer.client.req('POST', '/api/tenants', { name: 'nope' })).status).toBe(403);
    const other = await A.client.json('POST', '/api/tenants', { name: 'Hidden' }, 201);
    const limited = await memberClient(h, A.orgId, 'admin', [A.tenantId]);
    const { items } = await limited.client.json('GET', '/api/tenants', undefined, 200);
    expect(items.map((x: { id: string }) => x.id)).toEqual([A.tenantId]);
    expect((await limited.client.req('GET', `/api/tenants/${other.id}`)).status).toBe(404);
    expect((await limited.client.req('POST', '/api/tenants', { name: 'nope' })).status).toBe(403);
  });
});

describe('members', () => {
  it('invites a new user with a one-time password, changes role, removes', async () => {
    const inv = await A.client.json(
      'POST',
      '/api/members',
      { email: 'New.Person@example.test', role: 'operator' },
      201,
    );
    expect(inv.member).toMatchObject({ email: 'new.person@example.test', role: 'operator', tenantIds: null });
    expect(inv.oneTimePassword).toEqual(expect.any(String));
    const c = new Client(h);
    await c.login('new.person@example.test', inv.oneTimePassword);
    const changed = await A.client.json(
      'PATCH',
      `/api/members/${inv.member.userId}`,
      { role: 'viewer', tenantIds: [A.tenantId] },
      200,
    );
    expect(changed).toMatchObject({ role: 'viewer', tenantIds: [A.tenantId] });
    const { items } = await A.client.json('GET', '/api/members', undefined, 200);
    expect(items.map((m: { email: string }) => m.email)).toContain('new.person@example.test');
    expect((await A.client.req('DELETE', `/api/members/${inv.member.userId}`)).status).toBe(204);
    expect((await c.req('GET', '/api/tenants')).status).toBe(403);
    expect((await A.client.req('POST', '/api/members', { email: A.email, role: 'viewer' })).status).toBe(409);
  });
  it('admins cannot grant owner; the last owner stays', async () => {
    const admin = await memberClient(h, A.orgId, 'admin');
    expect(
      (await admin.client.req('POST', '/api/members', { email: 'x1@example.test', role: 'owner' })).status,
    ).toBe(403);
    expect((await admin.client.req('PATCH', `/api/members/${A.userId}`, { role: 'viewer' })).status).toBe(
      403,
    );
    const last = await A.client.req('PATCH', `/api/members/${A.userId}`, { role: 'admin' });
    expect(last.status).toBe(409);
    expect((await bodyOf(last)).code).toBe('member.last_owner');
    const viewer = await memberClient(h, A.orgId, 'viewer');
    expect(
      (await viewer.client.req('POST', '/api/members', { email: 'x2@example.test', role: 'viewer' })).status,
    ).toBe(403);
  });
  it('isolation: B never lists, changes or removes A members, nor limits to A tenants', async () => {
    const { items } = await B.client.json('GET', '/api/members', undefined, 200);
    expect(items.map((m: { email: string }) => m.email)).toEqual([B.email]);
    expect((await B.client.req('PATCH', `/api/members/${A.userId}`, { role: 'viewer' })).status).toBe(404);
    expect((await B.client.req('DELETE', `/api/members/${A.userId}`)).status).toBe(404);
    expect(
      (
        await B.client.req('POST', '/api/members', {
          email: 'y@example.test',
          role: 'viewer',
          tenantIds: [A.tenantId],
        })
      ).status,
    ).toBe(404);
  });
});

describe('API tokens', () => {
  it('create (shown once), use as Bearer without CSRF, revoke', async () => {
    const created = await A.client.json('POST', '/api/tokens', { name: 'ci', role: 'operator' }, 201);
    expect(created.token).toMatch(/^iotc_/);
    const bot = new Client(h);
    bot.bearer = created.token;
    const t = await bot.json('POST', '/api/tenants', { name: 'by bot' });
    expect(t.code).toBe('auth.forbidden'); // operator token cannot create tenants
    const dev = await bot.json('POST', '/api/devices', { tenantId: A.tenantId, name: 'bot-device' }, 201);
    expect(dev.device.name).toBe('bot-device');
    const { items } = await A.client.json('GET', '/api/tokens', undefined, 200);
    expect(items.find((x: { id: string }) => x.id === created.apiToken.id).lastUsedAt).not.toBeNull();
    expect(JSON.stringify(items)).not.toContain(created.token);
    expect((await A.client.req('DELETE', `/api/tokens/${created.apiToken.id}`)).status).toBe(204);
    expect((await bot.req('GET', '/api/devices')).status).toBe(401);
    const audit = await A.client.json('GET', '/api/audit?q=bot-device', undefined, 200);
    expect(audit.items[0].actor).toBe(`token:${created.apiToken.id}`);
  });
  it('a token never exceeds its role, and a viewer cannot mint an admin token', async () => {
    const viewer = await memberClient(h, A.orgId, 'viewer');
    expect((await viewer.client.req('POST', '/api/tokens', { name: 'x', role: 'admin' })).status).toBe(403);
  });
  it('isolation: B never lists or revokes A tokens, and A tokens do not open B', async () => {
    const created = await A.client.json('POST', '/api/tokens', { name: 'a-only', role: 'viewer' }, 201);
    const { items } = await B.client.json('GET', '/api/tokens', undefined, 200);
    expect(items).toEqual([]);
    expect((await B.client.req('DELETE', `/api/tokens/${created.apiToken.id}`)).status).toBe(404);
    const bot = new Client(h);
    bot.bearer = created.token;
    expect((await bot.req('GET', '/api/tenants', undefined, { 'x-org-id': B.orgId })).status).toBe(403);
    const own = await bot.json('GET', '/api/tenants', undefined, 200);
    expect(own.items.every((t: { organizationId: string }) => t.organizationId === A.orgId)).toBe(true);
  });
});

describe('audit', () => {
  it('searchable by words and -negation, admin+ only, isolated', async () => {
    await A.client.json('POST', '/api/tenants', { name: 'Audit Me' }, 201);
    const hit = await A.client.json('GET', '/api/audit?q=%22Audit%20Me%22', undefined, 200);
    expect(hit.items.length).toBeGreaterThan(0);
    const none = await A.client.json('GET', '/api/audit?q=%22Audit%20Me%22%20-tenant', undefined, 200);
    expect(none.items).toEqual([]);
    const page = await A.client.json('GET', '/api/audit?limit=1', undefined, 200);
    expect(page.nextCursor).toBeTruthy();
    const next = await A.client.json('GET', `/api/audit?limit=1&cursor=${page.nextCursor}`, undefined, 200);
    expect(next.items[0].id).toBeLessThan(page.items[0].id);
    const viewer = await memberClient(h, A.orgId, 'viewer');
    expect((await viewer.client.req('GET', '/api/audit')).status).toBe(403);
    const b = await B.client.json('GET', '/api/audit?q=Audit', undefined, 200);
    expect(b.items).toEqual([]);
  });
});

it('the password login of a member uses argon2id', async () => {
  const rows = await h.tdb.database.query<{ password_hash: string }>(
    'SELECT password_hash FROM users LIMIT 1',
  );
  expect(rows[0]?.password_hash).toMatch(/^\$argon2id\$/);
  expect(PASSWORD.length).toBeGreaterThan(9);
});
