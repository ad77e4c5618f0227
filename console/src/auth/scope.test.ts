import { describe, expect, it } from 'vitest';
import { minRole, roleAtLeast, Scope } from './scope.js';

const caller = { userId: 'u', email: 'a@b.test', via: 'session' as const };

describe('Scope', () => {
  it('maps roles to permissions', () => {
    const of = (role: 'owner' | 'admin' | 'operator' | 'viewer', tenants: string[] | null = null) =>
      new Scope(caller, 'o', role, tenants);
    expect(of('viewer').can('read')).toBe(true);
    expect(of('viewer').can('devices.write')).toBe(false);
    expect(of('operator').can('devices.write')).toBe(true);
    expect(of('operator').can('tenants.write')).toBe(false);
    expect(of('admin').can('tenants.write')).toBe(true);
    expect(of('admin', ['t1']).can('tenants.write')).toBe(false);
    expect(of('admin').can('members.write')).toBe(true);
    expect(() => of('viewer').require('audit.read')).toThrow(/needs admin/);
  });
  it('orders roles', () => {
    expect(roleAtLeast('owner', 'admin')).toBe(true);
    expect(roleAtLeast('viewer', 'operator')).toBe(false);
    expect(minRole('owner', 'viewer')).toBe('viewer');
  });
  it('names the actor', () => {
    expect(new Scope(caller, 'o', 'owner', null).actor).toBe('user:a@b.test');
    expect(new Scope({ ...caller, via: 'token', tokenId: 'tk' }, 'o', 'owner', null).actor).toBe('token:tk');
  });
});
