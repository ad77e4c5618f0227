// The AuthStore over the drizzle schema (devices + device_credentials); works on PostgreSQL and PGlite.
import type { Queryable } from '@iotlog/drizzle';
import type { AuthRecord, AuthStore } from '../ports.js';

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

type Row = {
  id: string;
  tenant_id: string;
  disabled_at: Date | string | null;
  cid: string | null;
  kind: 'token' | 'x509' | null;
  secret_hash: string | null;
  expires_at: Date | string | null;
  revoked_at: Date | string | null;
};

const toDate = (v: Date | string | null): Date | null =>
  v === null ? null : v instanceof Date ? v : new Date(v);

export function createPgAuthStore(db: Queryable): AuthStore {
  return {
    async lookup(deviceId) {
      if (!UUID_RE.test(deviceId)) return null; // ids are UUIDs: anything else cannot exist
      const rows = await db.query<Row>(
        `SELECT d.id, d.tenant_id, d.disabled_at, c.id AS cid, c.kind, c.secret_hash, c.expires_at, c.revoked_at
           FROM devices d LEFT JOIN device_credentials c ON c.device_id = d.id
          WHERE d.id = $1`,
        [deviceId],
      );
      const first = rows[0];
      if (!first) return null;
      const record: AuthRecord = {
        deviceId: first.id,
        tenantId: first.tenant_id,
        disabled: first.disabled_at !== null,
        credentials: [],
      };
      for (const r of rows) {
        if (r.cid === null || r.kind === null || r.secret_hash === null) continue;
        record.credentials.push({
          id: r.cid,
          kind: r.kind,
          secretHash: r.secret_hash.toLowerCase(),
          expiresAt: toDate(r.expires_at),
          revokedAt: toDate(r.revoked_at),
        });
      }
      return record;
    },
  };
}
