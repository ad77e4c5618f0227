// Device credentials: list, issue (token shown once, or an x509 fingerprint), rotate, revoke.
// Revocation and rotation publish `iot.ctl.device` so every broker replica drops the live session.
import { createRoute, z } from '@hono/zod-openapi';
import { sql } from 'drizzle-orm';
import { scopeOf } from '../../auth/middleware.js';
import { writeAudit } from '../../audit.js';
import { NotFoundError } from '../../errors.js';
import { router } from '../../lib/router.js';
import { body, errorResponses, IdParam, iso, json } from '../../lib/schemas.js';
import type { Services } from '../../services.js';
import { deviceInScope, issueToken, publishControl, type ControlEvent } from './devices.repo.js';

export const Credential = z
  .object({
    id: z.uuid(),
    deviceId: z.uuid(),
    kind: z.enum(['token', 'x509']),
    label: z.string().nullable(),
    createdAt: z.string(),
    expiresAt: z.string().nullable(),
    revokedAt: z.string().nullable(),
    lastUsedAt: z.string().nullable(),
    fingerprint: z.string().nullable().openapi({ description: 'x509 only: sha256 of the certificate DER' }),
  })
  .openapi('Credential');

type CredRow = {
  id: string;
  device_id: string;
  kind: 'token' | 'x509';
  label: string | null;
  secret_hash: string;
  created_at: Date;
  expires_at: Date | null;
  revoked_at: Date | null;
  last_used_at: Date | null;
};
const toCredential = (r: CredRow) => ({
  id: r.id,
  deviceId: r.device_id,
  kind: r.kind,
  label: r.label,
  createdAt: iso(r.created_at) ?? '',
  expiresAt: iso(r.expires_at),
  revokedAt: iso(r.revoked_at),
  lastUsedAt: iso(r.last_used_at),
  fingerprint: r.kind === 'x509' ? r.secret_hash : null,
});
const credColumns = sql`id, device_id, kind, label, secret_hash, created_at, expires_at, revoked_at, last_used_at`;

const Issue = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('token'), label: z.string().max(200).optional() }),
  z.object({
    kind: z.literal('x509'),
    label: z.string().max(200).optional(),
    fingerprint: z
      .string()
      .transform((f) => f.replace(/:/g, '').toLowerCase())
      .pipe(z.string().regex(/^[0-9a-f]{64}$/, 'sha256 fingerprint: 64 hex digits (colons allowed)')),
  }),
]);
const Rotate = z.object({
  revokeOthers: z
    .boolean()
    .default(false)
    .openapi({ description: 'revoke every other active token now (else they stay valid until revoked)' }),
});
const Issued = z.object({
  credential: Credential,
  token: z.string().nullable().openapi({ description: 'shown once' }),
});
const CredParams = IdParam.extend({
  credentialId: z.uuid().openapi({ param: { name: 'credentialId', in: 'path' } }),
});

export function credentialsRoutes(s: Services) {
  const load = async (id: string) => {
    const r = await s.sql.one<CredRow>(
      sql`SELECT ${credColumns} FROM device_credentials WHERE id = ${id}::uuid`,
    );
    if (!r) throw new NotFoundError('credential', id);
    return toCredential(r);
  };
  return router()
    .openapi(
      createRoute({
        method: 'get',
        path: '/{id}/credentials',
        tags: ['credentials'],
        summary: 'Credentials of a device (secrets are never returned)',
        request: { params: IdParam },
        responses: { 200: json(z.object({ items: z.array(Credential) })), ...errorResponses },
      }),
      async (c) => {
        const { id } = c.req.valid('param');
        await deviceInScope(s.sql, scopeOf(c), id);
        const rows = await s.sql.rows<CredRow>(
          sql`SELECT ${credColumns} FROM device_credentials WHERE device_id = ${id}::uuid ORDER BY created_at, id`,
        );
        return c.json({ items: rows.map(toCredential) }, 200);
      },
    )
    .openapi(
      createRoute({
        method: 'post',
        path: '/{id}/credentials',
        tags: ['credentials'],
        summary: 'Issue a credential (operator+): a new token (shown once) or an x509 fingerprint',
        request: { params: IdParam, body: body(Issue) },
        responses: { 201: json(Issued, 'Issued'), ...errorResponses },
      }),
      async (c) => {
        const scope = scopeOf(c);
        scope.require('devices.write');
        const { id } = c.req.valid('param');
        const input = c.req.valid('json');
        const out = await s.sql.tx(async (tx) => {
          const d = await deviceInScope(tx, scope, id);
          let credentialId: string;
          let token: string | null = null;
          if (input.kind === 'token') {
            ({ credentialId, token } = await issueToken(tx, id, input.label ?? null));
          } else {
            const r = await tx.one<{
              id: string;
            }>(sql`INSERT INTO device_credentials (device_id, kind, secret_hash, label)
              VALUES (${id}::uuid, 'x509', ${input.fingerprint}, ${input.label ?? null}) RETURNING id`);
            if (!r) throw new Error('insert into device_credentials returned no row');
            credentialId = r.id;
          }
          await writeAudit(tx, scope, {
            action: 'credential.issue',
            targetType: 'credential',
            targetId: credentialId,
            tenantId: d.tenant_id,
            details: { deviceId: id, kind: input.kind },
          });
          return { credentialId, token };
        });
        return c.json({ credential: await load(out.credentialId), token: out.token }, 201);
      },
    )
    .openapi(
      createRoute({
        method: 'post',
        path: '/{id}/credentials/rotate',
        tags: ['credentials'],
        summary: 'Rotate (operator+): issue a new token; optionally revoke all other tokens at once',
        request: { params: IdParam, body: body(Rotate) },
        responses: { 201: json(Issued, 'Rotated'), ...errorResponses },
      }),
      async (c) => {
        const scope = scopeOf(c);
        scope.require('devices.write');
        const { id } = c.req.valid('param');
        const input = c.req.valid('json');
        const out = await s.sql.tx(async (tx) => {
          const d = await deviceInScope(tx, scope, id);
          const issued = await issueToken(tx, id, 'rotated');
          const revoked = input.revokeOthers
            ? await tx.rows<{ id: string }>(sql`UPDATE device_credentials SET revoked_at = now()
                WHERE device_id = ${id}::uuid AND kind = 'token' AND revoked_at IS NULL AND id <> ${issued.credentialId}::uuid RETURNING id`)
            : [];
          await writeAudit(tx, scope, {
            action: 'credential.rotate',
            targetType: 'credential',
            targetId: issued.credentialId,
            tenantId: d.tenant_id,
            details: { deviceId: id, revoked: revoked.map((r) => r.id) },
          });
          const events: ControlEvent[] = [
            { type: 'credential.rotated', deviceId: id, credentialId: issued.credentialId },
            ...revoked.map((r) => ({
              type: 'credential.revoked' as const,
              deviceId: id,
              credentialId: r.id,
            })),
          ];
          return { ...issued, events };
        });
        await publishControl(s, out.events);
        return c.json({ credential: await load(out.credentialId), token: out.token }, 201);
      },
    )
    .openapi(
      createRoute({
        method: 'delete',
        path: '/{id}/credentials/{credentialId}',
        tags: ['credentials'],
        summary: 'Revoke a credential (operator+); the broker disconnects sessions that used it',
        request: { params: CredParams },
        responses: { 200: json(Credential, 'Revoked'), ...errorResponses },
      }),
      async (c) => {
        const scope = scopeOf(c);
        scope.require('devices.write');
        const { id, credentialId } = c.req.valid('param');
        await s.sql.tx(async (tx) => {
          const d = await deviceInScope(tx, scope, id);
          const r = await tx.rows(sql`UPDATE device_credentials SET revoked_at = coalesce(revoked_at, now())
            WHERE id = ${credentialId}::uuid AND device_id = ${id}::uuid RETURNING id`);
          if (r.length === 0) throw new NotFoundError('credential', credentialId);
          await writeAudit(tx, scope, {
            action: 'credential.revoke',
            targetType: 'credential',
            targetId: credentialId,
            tenantId: d.tenant_id,
            details: { deviceId: id },
          });
        });
        await publishControl(s, [{ type: 'credential.revoked', deviceId: id, credentialId }]);
        return c.json(await load(credentialId), 200);
      },
    );
}
