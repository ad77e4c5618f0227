import { auditLog } from '../schema/index.js';
import type { Tx } from './tx.js';

export interface AuditEntry {
  organizationId: string;
  tenantId?: string | null;
  actor: string;
  action: string;
  targetType: string;
  targetId: string;
  details?: Record<string, unknown>;
}

/** Appends one audit_log row inside the caller's transaction. */
export async function writeAudit(tx: Tx, entry: AuditEntry): Promise<void> {
  await tx.insert(auditLog).values({
    organizationId: entry.organizationId,
    tenantId: entry.tenantId ?? null,
    actor: entry.actor,
    action: entry.action,
    targetType: entry.targetType,
    targetId: entry.targetId,
    details: entry.details ?? null,
  });
}
