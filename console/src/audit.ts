// The audit log: one row per change, written in the same transaction as the change.
import { sql } from 'drizzle-orm';
import type { Sql } from './db/sql.js';

export interface AuditEntry {
  action: string; // dotted verb, e.g. `device.create`
  targetType: string;
  targetId: string;
  tenantId?: string | null;
  details?: Record<string, unknown>;
}

export async function writeAudit(
  db: Sql,
  who: { orgId: string; actor: string },
  e: AuditEntry,
): Promise<void> {
  await db.rows(sql`
    INSERT INTO audit_log (organization_id, tenant_id, actor, action, target_type, target_id, details)
    VALUES (${who.orgId}::uuid, ${e.tenantId ?? null}::uuid, ${who.actor}, ${e.action}, ${e.targetType},
            ${e.targetId}, ${JSON.stringify(e.details ?? {})}::jsonb)`);
}
