// The caller and its scope: which organization, which role, which tenants. Every query goes through it.
import { sql, type SQL } from 'drizzle-orm';
import { ForbiddenError } from '../errors.js';

export const roles = ['owner', 'admin', 'operator', 'viewer'] as const;
export type Role = (typeof roles)[number];

const rank: Record<Role, number> = { owner: 4, admin: 3, operator: 2, viewer: 1 };

/** What each role may do (README "Roles"). */
export type Permission =
  | 'read' // everything readable in scope: tenants, devices, logs, telemetry, fleet
  | 'devices.write' // create/label/disable/enable/delete devices, import, credentials
  | 'tenants.write' // create/rename/delete tenants (needs access to all tenants)
  | 'members.write' // invite, change role, remove members; API tokens of the org
  | 'audit.read';

const minimumRole: Record<Permission, Role> = {
  read: 'viewer',
  'devices.write': 'operator',
  'tenants.write': 'admin',
  'members.write': 'admin',
  'audit.read': 'admin',
};

export function roleAtLeast(role: Role, min: Role): boolean {
  return rank[role] >= rank[min];
}

/** The lesser of two roles (an API token never exceeds its creator's membership). */
export function minRole(a: Role, b: Role): Role {
  return rank[a] <= rank[b] ? a : b;
}

export interface Caller {
  userId: string;
  email: string;
  via: 'session' | 'token';
  tokenId?: string;
}

export class Scope {
  constructor(
    readonly caller: Caller,
    readonly orgId: string,
    readonly role: Role,
    /** null = every tenant of the organization. */
    readonly tenantIds: readonly string[] | null,
    /** The tenant ids of the organization this caller may see, resolved when the request started. */
    readonly visibleTenantIds?: readonly string[],
  ) {}

  /** Who did it, for the audit log. */
  get actor(): string {
    return this.caller.via === 'token' ? `token:${this.caller.tokenId}` : `user:${this.caller.email}`;
  }

  can(permission: Permission): boolean {
    if (permission === 'tenants.write' && this.tenantIds !== null) return false;
    return roleAtLeast(this.role, minimumRole[permission]);
  }

  require(permission: Permission): void {
    if (!this.can(permission)) {
      const limited =
        permission === 'tenants.write' && this.tenantIds !== null ? ' with access to all tenants' : '';
      throw new ForbiddenError(
        `role ${this.role} may not ${permission}; needs ${minimumRole[permission]}${limited}`,
      );
    }
  }

  /**
   * SQL predicate: `column` is a tenant id this caller may see. The ids are resolved once per request (the
   * middleware passes them) so the planner sees `tenant_id = ANY(constant array)` and can use tenant indexes.
   */
  tenantPredicate(column: SQL): SQL {
    if (this.visibleTenantIds !== undefined) {
      if (this.visibleTenantIds.length === 0) return sql`false`;
      return sql`${column} = ANY(${uuidArray(this.visibleTenantIds)})`;
    }
    const limit = this.tenantIds === null ? sql`` : sql` AND t.id = ANY(${uuidArray(this.tenantIds)})`;
    return sql`${column} IN (SELECT t.id FROM tenants t WHERE t.organization_id = ${this.orgId}::uuid${limit})`;
  }
}

/** A uuid[] parameter. */
export function uuidArray(ids: readonly string[]): SQL {
  return sql`${sql.param(`{${ids.join(',')}}`)}::uuid[]`;
}

/** A text[] parameter (values are quoted as array literal elements). */
export function textArray(values: readonly string[]): SQL {
  const lit = values.map((v) => `"${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`).join(',');
  return sql`${sql.param(`{${lit}}`)}::text[]`;
}
