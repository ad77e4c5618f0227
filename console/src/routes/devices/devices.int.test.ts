// Devices, credentials and CSV import: behaviour, control events on NATS, isolation from a second organization.
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, memberClient, seedOrg, waitFor, type Harness } from '../../testing/harness.js';

let h: Harness;
let A: Awaited<ReturnType<typeof seedOrg>>;
let B: Awaited<ReturnType<typeof seedOrg>>;
const control: { type: string; deviceId: string; credentialId?: string }[] = [];

beforeAll(async () => {
  h = await createHarness();
  A = await seedOrg(h, 'Alpha');
  B = await seedOrg(h, 'Beta');
  h.nc.subscribe(`${h.prefix}.ctl.device`, {
    callback: (_err, msg) => {
      control.push(JSON.parse(new TextDecoder().decode(msg.data)));
    },
  });
  await h.nc.flush();
});
afterAll(async () => {
  await h?.close();
});

const sha = (s: string) => createHash('sha256').update(s).digest('hex');

describe('devices', () => {
  it('create shows the token once and stores only its sha256', async () => {
    const r = await A.client.json(
      'POST',
      '/api/devices',
      { tenantId: A.tenantId, name: 'pump-1', labels: { site: 'berlin' } },
      201,
    );
    expect(r.token).toMatch(/^iot_[A-Za-z0-9_-]{43}$/);
    expect(r.device).toMatchObject({
      name: 'pump-1',
      labels: { site: 'berlin' },
      online: false,
      disabled: false,
      tenantId: A.tenantId,
    });
    const rows = await h.tdb.database.query<{ secret_hash: string }>(
      'SELECT secret_hash FROM device_credentials WHERE device_id = $1',
      [r.device.id],
    );
    expect(rows).toEqual([{ secret_hash: sha(r.token) }]);
    const creds = await A.client.json('GET', `/api/devices/${r.device.id}/credentials`, undefined, 200);
    expect(JSON.stringify(creds)).not.toContain(r.token);
    expect(
      (await A.client.req('POST', '/api/devices', { tenantId: A.tenantId, name: 'pump-1' })).status,
    ).toBe(409);
    expect(
      (await A.client.req('POST', '/api/devices', { tenantId: A.tenantId, name: 'has space' })).status,
    ).toBe(400);
  });

  it('lists with filters, labels and cursor pages', async () => {
    for (const n of ['list-a', 'list-b', 'list-c']) {
      await A.client.json(
        'POST',
        '/api/devices',
        { tenantId: A.tenantId, name: n, labels: { group: n === 'list-b' ? 'two' : 'one' } },
        201,
      );
    }
    const p1 = await A.client.json('GET', '/api/devices?q=list-&limit=2', undefined, 200);
    expect(p1.items.map((d: { name: string }) => d.name)).toEqual(['list-a', 'list-b']);
    const p2 = await A.client.json(
      'GET',
      `/api/devices?q=list-&limit=2&cursor=${p1.nextCursor}`,
      undefined,
      200,
    );
    expect(p2.items.map((d: { name: string }) => d.name)).toEqual(['list-c']);
    expect(p2.nextCursor).toBeNull();
    const two = await A.client.json('GET', '/api/devices?labels=group%3Dtwo', undefined, 200);
    expect(two.items.map((d: { name: string }) => d.name)).toEqual(['list-b']);
    expect(two.items[0].messagesPerMinute).toBe(0);
  });

  it('label, disable (control event), enable, delete (control event)', async () => {
    const { device } = await A.client.json(
      'POST',
      '/api/devices',
      { tenantId: A.tenantId, name: 'cycle' },
      201,
    );
    const labelled = await A.client.json(
      'PATCH',
      `/api/devices/${device.id}`,
      { labels: { env: 'prod' } },
      200,
    );
    expect(labelled.labels).toEqual({ env: 'prod' });
    const disabled = await A.client.json('POST', `/api/devices/${device.id}/disable`, undefined, 200);
    expect(disabled.disabled).toBe(true);
    await waitFor(
      () => control.find((e) => e.type === 'device.disabled' && e.deviceId === device.id),
      'device.disabled event',
    );
    expect(
      (await A.client.json('GET', '/api/devices?status=disabled', undefined, 200)).items.map(
        (d: { id: string }) => d.id,
      ),
    ).toContain(device.id);
    const enabled = await A.client.json('POST', `/api/devices/${device.id}/enable`, undefined, 200);
    expect(enabled.disabled).toBe(false);
    expect((await A.client.req('DELETE', `/api/devices/${device.id}`)).status).toBe(204);
    await waitFor(
      () => control.find((e) => e.type === 'device.deleted' && e.deviceId === device.id),
      'device.deleted event',
    );
    expect((await A.client.req('GET', `/api/devices/${device.id}`)).status).toBe(404);
  });

  it('viewers cannot change devices', async () => {
    const viewer = await memberClient(h, A.orgId, 'viewer');
    expect(
      (await viewer.client.req('POST', '/api/devices', { tenantId: A.tenantId, name: 'nope' })).status,
    ).toBe(403);
    expect((await viewer.client.json('GET', '/api/devices', undefined, 200)).items.length).toBeGreaterThan(0);
  });

  it('isolation: B never lists, reads, creates in, changes or deletes A devices', async () => {
    const { device } = await A.client.json(
      'POST',
      '/api/devices',
      { tenantId: A.tenantId, name: 'secret-a' },
      201,
    );
    expect((await B.client.json('GET', '/api/devices', undefined, 200)).items).toEqual([]);
    expect((await B.client.json('GET', `/api/devices?tenantId=${A.tenantId}`, undefined, 200)).items).toEqual(
      [],
    );
    expect((await B.client.req('GET', `/api/devices/${device.id}`)).status).toBe(404);
    expect(
      (await B.client.req('POST', '/api/devices', { tenantId: A.tenantId, name: 'intruder' })).status,
    ).toBe(404);
    expect((await B.client.req('PATCH', `/api/devices/${device.id}`, { labels: { x: 'y' } })).status).toBe(
      404,
    );
    expect((await B.client.req('POST', `/api/devices/${device.id}/disable`)).status).toBe(404);
    expect((await B.client.req('POST', `/api/devices/${device.id}/enable`)).status).toBe(404);
    expect((await B.client.req('DELETE', `/api/devices/${device.id}`)).status).toBe(404);
    const still = await A.client.json('GET', `/api/devices/${device.id}`, undefined, 200);
    expect(still).toMatchObject({ name: 'secret-a', disabled: false, labels: {} });
  });
});

describe('credentials', () => {
  it('issue, rotate (old stays until revoked), revoke publishes credential.revoked', async () => {
    const { device, credentialId } = await A.client.json(
      'POST',
      '/api/devices',
      { tenantId: A.tenantId, name: 'cred-dev' },
      201,
    );
    const issued = await A.client.json(
      'POST',
      `/api/devices/${device.id}/credentials`,
      { kind: 'token', label: 'spare' },
      201,
    );
    expect(issued.token).toMatch(/^iot_/);
    const x509 = await A.client.json(
      'POST',
      `/api/devices/${device.id}/credentials`,
      { kind: 'x509', fingerprint: 'AB:'.repeat(31) + 'AB' },
      201,
    );
    expect(x509.credential.fingerprint).toBe('ab'.repeat(32));
    expect(
      (
        await A.client.req('POST', `/api/devices/${device.id}/credentials`, {
          kind: 'x509',
          fingerprint: 'zz',
        })
      ).status,
    ).toBe(400);
    const rotated = await A.client.json(
      'POST',
      `/api/devices/${device.id}/credentials/rotate`,
      { revokeOthers: false },
      201,
    );
    await waitFor(
      () => control.find((e) => e.type === 'credential.rotated' && e.credentialId === rotated.credential.id),
      'rotated event',
    );
    let list = (await A.client.json('GET', `/api/devices/${device.id}/credentials`, undefined, 200)).items;
    expect(list.filter((c: { revokedAt: string | null }) => c.revokedAt === null)).toHaveLength(4);
    const revoked = await A.client.json(
      'DELETE',
      `/api/devices/${device.id}/credentials/${credentialId}`,
      undefined,
      200,
    );
    expect(revoked.revokedAt).not.toBeNull();
    await waitFor(
      () => control.find((e) => e.type === 'credential.revoked' && e.credentialId === credentialId),
      'revoked event',
    );
    await A.client.json('POST', `/api/devices/${device.id}/credentials/rotate`, { revokeOthers: true }, 201);
    list = (await A.client.json('GET', `/api/devices/${device.id}/credentials`, undefined, 200)).items;
    expect(
      list.filter(
        (c: { kind: string; revokedAt: string | null }) => c.kind === 'token' && c.revokedAt === null,
      ),
    ).toHaveLength(1);
  });

  it('isolation: B never lists, issues, rotates or revokes A credentials', async () => {
    const { device, credentialId } = await A.client.json(
      'POST',
      '/api/devices',
      { tenantId: A.tenantId, name: 'cred-iso' },
      201,
    );
    expect((await B.client.req('GET', `/api/devices/${device.id}/credentials`)).status).toBe(404);
    expect(
      (await B.client.req('POST', `/api/devices/${device.id}/credentials`, { kind: 'token' })).status,
    ).toBe(404);
    expect((await B.client.req('POST', `/api/devices/${device.id}/credentials/rotate`, {})).status).toBe(404);
    expect(
      (await B.client.req('DELETE', `/api/devices/${device.id}/credentials/${credentialId}`)).status,
    ).toBe(404);
    const bDev = await B.client.json('POST', '/api/devices', { tenantId: B.tenantId, name: 'b-dev' }, 201);
    // an A credential id under a B device path is not found either
    expect(
      (await B.client.req('DELETE', `/api/devices/${bDev.device.id}/credentials/${credentialId}`)).status,
    ).toBe(404);
    const list = (await A.client.json('GET', `/api/devices/${device.id}/credentials`, undefined, 200)).items;
    expect(list).toHaveLength(1);
    expect(list[0].revokedAt).toBeNull();
  });
});

describe('CSV import', () => {
  it('creates rows and reports each failure', async () => {
    const csv =
      'name,labels\nimp-1,site=berlin;model=x2\n"imp-2",site=paris\nbad name,\nimp-1,\nimp-3,nolabel\n';
    const r = await A.client.json('POST', '/api/devices/import', { tenantId: A.tenantId, csv }, 200);
    expect(r.created).toBe(2);
    expect(r.failed).toBe(3);
    expect(r.rows.map((x: { line: number; ok: boolean }) => [x.line, x.ok])).toEqual([
      [2, true],
      [3, true],
      [4, false],
      [5, false],
      [6, false],
    ]);
    expect(r.rows[0].token).toMatch(/^iot_/);
    expect(r.rows[3].error).toMatch(/already exists/);
    const d = await A.client.json('GET', '/api/devices?q=imp-1', undefined, 200);
    expect(d.items[0].labels).toEqual({ site: 'berlin', model: 'x2' });
    expect(
      (await A.client.req('POST', '/api/devices/import', { tenantId: A.tenantId, csv: 'foo\nbar' })).status,
    ).toBe(400);
  });
  it('isolation: B cannot import into an A tenant', async () => {
    expect(
      (await B.client.req('POST', '/api/devices/import', { tenantId: A.tenantId, csv: 'name\nsneaky' }))
        .status,
    ).toBe(404);
    expect((await A.client.json('GET', '/api/devices?q=sneaky', undefined, 200)).items).toEqual([]);
  });
});
