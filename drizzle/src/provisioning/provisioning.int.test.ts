import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../testing.js';
import {
  addX509Fingerprint,
  createDevice,
  createOrganization,
  createTenant,
  deleteDevice,
  disableDevice,
  enableDevice,
  findCredentialForAuth,
  findTenant,
  hashSecret,
  listDevices,
  ProvisioningError,
  revokeCredential,
  revokeDeviceTokens,
  rotateToken,
} from './index.js';

const code = (p: Promise<unknown>) =>
  p.then(
    () => 'resolved',
    (e: unknown) => (e instanceof ProvisioningError ? e.code : String(e)),
  );

describe.each([
  { mode: 'postgres (TimescaleDB)', pglite: false },
  { mode: 'pglite', pglite: true },
])('provisioning on $mode', ({ pglite }) => {
  let t: TestDatabase;
  const audit = async () =>
    (await t.database.query<{ action: string }>('SELECT action FROM audit_log ORDER BY id')).map(
      (r) => r.action,
    );

  beforeAll(async () => {
    t = await createTestDatabase({ pglite });
  });
  afterAll(async () => {
    await t?.drop();
  });

  it('creates organization -> tenant -> device with a token stored only as sha256', async () => {
    const org = await createOrganization(t.database.db, { name: 'Acme Corp.', actor: 'test' });
    expect(org.slug).toBe('acme-corp');
    const tenant = await createTenant(t.database.db, { organization: 'acme-corp', name: 'Plant 1' });
    expect(tenant.slug).toBe('plant-1');
    expect((await findTenant(t.database.db, 'acme-corp/plant-1')).id).toBe(tenant.id);
    expect((await findTenant(t.database.db, tenant.id)).id).toBe(tenant.id);

    const { device, token, credentialId } = await createDevice(t.database.db, {
      tenant: tenant.id,
      name: 'pump-1',
    });
    expect(token).toMatch(/^iot_[A-Za-z0-9_-]{43}$/);
    const stored = await t.database.query<{ secret_hash: string }>(
      'SELECT secret_hash FROM device_credentials WHERE device_id = $1',
      [device.id],
    );
    expect(stored).toEqual([{ secret_hash: hashSecret(token) }]);
    expect(JSON.stringify(await t.database.query('SELECT * FROM device_credentials'))).not.toContain(token);

    const auth = await findCredentialForAuth(t.database.db, device.id, hashSecret(token));
    expect(auth).toMatchObject({
      device: { id: device.id, tenantId: tenant.id, disabledAt: null },
      tenant: { id: tenant.id, organizationId: org.id },
      credential: { id: credentialId, kind: 'token', revokedAt: null },
    });
    expect(await findCredentialForAuth(t.database.db, device.id, hashSecret('wrong'))).toBeNull();
    expect(await findCredentialForAuth(t.database.db, 'not-a-uuid', hashSecret(token))).toBeNull();
    expect(await audit()).toEqual(['organization.create', 'tenant.create', 'device.create']);

    const list = await listDevices(t.database.db, 'plant-1');
    expect(list).toMatchObject([{ id: device.id, name: 'pump-1', activeCredentials: 1 }]);
  });

  it('refuses duplicate and invalid names and unknown references, writing nothing', async () => {
    const before = await audit();
    expect(await code(createOrganization(t.database.db, { name: 'ACME corp' }))).toBe(
      'provisioning.duplicate',
    );
    expect(await code(createOrganization(t.database.db, { name: '!!!' }))).toBe('provisioning.invalid_name');
    expect(await code(createOrganization(t.database.db, { name: '  ' }))).toBe('provisioning.invalid_name');
    expect(await code(createTenant(t.database.db, { organization: 'nope', name: 'x' }))).toBe(
      'provisioning.not_found',
    );
    expect(await code(createTenant(t.database.db, { organization: 'acme-corp', name: 'Plant 1' }))).toBe(
      'provisioning.duplicate',
    );
    expect(await code(createDevice(t.database.db, { tenant: 'plant-1', name: 'pump-1' }))).toBe(
      'provisioning.duplicate',
    );
    expect(await code(createDevice(t.database.db, { tenant: 'plant-1', name: 'bad name/#' }))).toBe(
      'provisioning.invalid_name',
    );
    expect(await code(createDevice(t.database.db, { tenant: 'nowhere', name: 'x' }))).toBe(
      'provisioning.not_found',
    );
    expect(await code(disableDevice(t.database.db, '00000000-0000-4000-8000-000000000000'))).toBe(
      'provisioning.not_found',
    );
    expect(await code(disableDevice(t.database.db, 'pump-1'))).toBe('provisioning.invalid_input');
    expect(await audit()).toEqual(before);
    const [n] = await t.database.query<{ n: number }>('SELECT count(*)::int AS n FROM devices');
    expect(n?.n).toBe(1);
  });

  it('rotates: the new token works and the old one stays valid until revoked', async () => {
    const { device, token: first } = await createDevice(t.database.db, {
      tenant: 'acme-corp/plant-1',
      name: 'rot-1',
    });
    const rotated = await rotateToken(t.database.db, 'rot-1', { tenant: 'plant-1' });
    expect(rotated.token).not.toBe(first);
    expect(rotated.events).toEqual([
      { type: 'credential.rotated', deviceId: device.id, credentialId: rotated.credentialId },
    ]);
    expect(
      (await findCredentialForAuth(t.database.db, device.id, hashSecret(first)))?.credential.revokedAt,
    ).toBeNull();
    expect(
      (await findCredentialForAuth(t.database.db, device.id, hashSecret(rotated.token)))?.credential.id,
    ).toBe(rotated.credentialId);

    const old = await findCredentialForAuth(t.database.db, device.id, hashSecret(first));
    const revoked = await revokeCredential(t.database.db, old!.credential.id);
    expect(revoked.events).toEqual([
      { type: 'credential.revoked', deviceId: device.id, credentialId: old!.credential.id },
    ]);
    expect(
      (await findCredentialForAuth(t.database.db, device.id, hashSecret(first)))?.credential.revokedAt,
    ).toBeInstanceOf(Date);
    expect((await revokeCredential(t.database.db, old!.credential.id)).events).toEqual([]);
  });

  it('rotates with a grace period: old tokens expire, revoke-all revokes every token', async () => {
    const { device, token: first } = await createDevice(t.database.db, { tenant: 'plant-1', name: 'rot-2' });
    const rotated = await rotateToken(t.database.db, device.id, { graceSeconds: 0 });
    const old = await findCredentialForAuth(t.database.db, device.id, hashSecret(first));
    expect(old?.credential.expiresAt).toBeInstanceOf(Date);
    expect(
      (await listDevices(t.database.db, 'plant-1')).find((d) => d.id === device.id)?.activeCredentials,
    ).toBe(1);

    const all = await revokeDeviceTokens(t.database.db, device.id, { actor: 'cli:test' });
    expect(all.credentialIds).toHaveLength(2);
    expect(all.events.map((e) => e.type)).toEqual(['credential.revoked', 'credential.revoked']);
    expect(
      (await findCredentialForAuth(t.database.db, device.id, hashSecret(rotated.token)))?.credential
        .revokedAt,
    ).toBeInstanceOf(Date);
    const [row] = await t.database.query<{ actor: string; details: { credentialIds: string[] } }>(
      `SELECT actor, details FROM audit_log WHERE action = 'credential.revoke' ORDER BY id DESC LIMIT 1`,
    );
    expect(row?.actor).toBe('cli:test');
    expect(row?.details.credentialIds).toHaveLength(2);
  });

  it('disables, enables and deletes devices with control events', async () => {
    const { device, token } = await createDevice(t.database.db, { tenant: 'plant-1', name: 'dis-1' });
    const disabled = await disableDevice(t.database.db, device.id);
    expect(disabled.events).toEqual([{ type: 'device.disabled', deviceId: device.id }]);
    expect(
      (await findCredentialForAuth(t.database.db, device.id, hashSecret(token)))?.device.disabledAt,
    ).toBeInstanceOf(Date);
    await enableDevice(t.database.db, device.id);
    expect(
      (await findCredentialForAuth(t.database.db, device.id, hashSecret(token)))?.device.disabledAt,
    ).toBeNull();

    const fp = 'AB:'.repeat(31) + 'AB';
    const x509 = await addX509Fingerprint(t.database.db, device.id, fp);
    expect(
      (await findCredentialForAuth(t.database.db, device.id, 'ab'.repeat(32)))?.credential,
    ).toMatchObject({ id: x509.credentialId, kind: 'x509' });
    expect(await code(addX509Fingerprint(t.database.db, device.id, fp))).toBe('provisioning.duplicate');
    expect(await code(addX509Fingerprint(t.database.db, device.id, 'xyz'))).toBe(
      'provisioning.invalid_input',
    );

    const deleted = await deleteDevice(t.database.db, device.id);
    expect(deleted.events).toEqual([{ type: 'device.deleted', deviceId: device.id }]);
    expect(await findCredentialForAuth(t.database.db, device.id, hashSecret(token))).toBeNull();
    expect(await audit()).toEqual(
      expect.arrayContaining(['device.disable', 'device.enable', 'credential.add_x509', 'device.delete']),
    );
  });
});
