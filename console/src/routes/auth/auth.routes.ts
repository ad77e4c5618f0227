// Setup of the first owner, sign in/out, the current user, password change.
import { createRoute, z } from '@hono/zod-openapi';
import { sql } from 'drizzle-orm';
import { clearSessionCookies, sessionCookie, setSessionCookies } from '../../auth/cookies.js';
import { sha256Hex } from '../../auth/secrets.js';
import { assertPasswordStrength, hashPassword, verifyPassword } from '../../auth/password.js';
import { writeAudit } from '../../audit.js';
import { BadCredentialsError, ConflictError, RateLimitedError, UnauthenticatedError } from '../../errors.js';
import { body, errorResponses, json, slugify } from '../../lib/schemas.js';
import { clientAddress } from '../../lib/client.js';
import { router } from '../../lib/router.js';
import type { Services } from '../../services.js';
import { addMember, countUsers, createOrganization } from '../members/members.service.js';
import { LoginBody, Me, PasswordBody, SetupBody } from './auth.schemas.js';
import { createSession, deleteSession, myOrganizations, userById } from './auth.service.js';
import type { Context } from 'hono';
import type { AppEnv } from '../../app-env.js';

async function meOf(
  c: Context<AppEnv>,
  s: Services,
  userId: string,
  via: 'session' | 'token',
  csrf: string | null,
) {
  const user = await userById(s.sql, userId);
  if (!user) throw new UnauthenticatedError('user no longer exists');
  const scope = c.get('scope') ?? null;
  const organizations = await myOrganizations(s.sql, userId);
  // after login/setup there is no scope yet: the default is the first organization (as the middleware picks)
  const first = organizations[0];
  const current = scope
    ? { orgId: scope.orgId, role: scope.role, tenantIds: scope.tenantIds ? [...scope.tenantIds] : null }
    : first
      ? { orgId: first.id, role: first.role, tenantIds: first.tenantIds }
      : null;
  return { user, via, csrfToken: csrf, organizations, current };
}

export function authRoutes(s: Services) {
  return router()
    .openapi(
      createRoute({
        method: 'get',
        path: '/setup',
        tags: ['auth'],
        summary: 'Whether the first owner must still be created',
        responses: { 200: json(z.object({ needed: z.boolean() })) },
      }),
      async (c) => c.json({ needed: (await countUsers(s.sql)) === 0 }, 200),
    )
    .openapi(
      createRoute({
        method: 'post',
        path: '/setup',
        tags: ['auth'],
        summary:
          'First run: create the organization and its first owner (only while no user exists); signs in',
        request: { body: body(SetupBody) },
        responses: { 200: json(Me), ...errorResponses },
      }),
      async (c) => {
        const input = c.req.valid('json');
        assertPasswordStrength(input.password);
        const userId = await s.sql.tx(async (tx) => {
          await tx.rows(sql`SELECT pg_advisory_xact_lock(hashtext('iotlog.console.setup'))`);
          if ((await countUsers(tx)) > 0) {
            throw new ConflictError(
              'setup.done',
              'setup is already done; sign in, or ask an owner to invite you',
            );
          }
          const org = await createOrganization(tx, input.organization, slugify(input.organization));
          const { userId } = await addMember(tx, {
            orgId: org.id,
            email: input.email,
            name: input.name,
            role: 'owner',
            password: input.password,
          });
          await writeAudit(
            tx,
            { orgId: org.id, actor: `user:${input.email}` },
            {
              action: 'setup.owner_created',
              targetType: 'user',
              targetId: userId,
              details: { organization: input.organization, email: input.email },
            },
          );
          return userId;
        });
        const session = await createSession(s.sql, userId, s.deps.config.sessionTtlSeconds);
        setSessionCookies(c, s.deps.config, session.cookie, session.csrf);
        return c.json(await meOf(c, s, userId, 'session', session.csrf), 200);
      },
    )
    .openapi(
      createRoute({
        method: 'post',
        path: '/auth/login',
        tags: ['auth'],
        summary:
          'Sign in with email and password (rate-limited per client address + email); sets the session cookie',
        request: { body: body(LoginBody) },
        responses: { 200: json(Me), ...errorResponses, 429: errorResponses[403] },
      }),
      async (c) => {
        const { email, password } = c.req.valid('json');
        const key = `${clientAddress(c, s.deps.config.trustProxy)}|${email}`;
        const seen = await s.loginLimiter.get(key);
        if (seen && seen.consumedPoints >= s.deps.config.loginMaxAttempts) {
          throw new RateLimitedError(Math.ceil(seen.msBeforeNext / 1000));
        }
        const user = await s.sql.one<{ id: string; password_hash: string | null }>(
          sql`SELECT id, password_hash FROM users WHERE email = ${email}`,
        );
        if (!(await verifyPassword(user?.password_hash, password)) || !user) {
          await s.loginLimiter.consume(key).catch((err: unknown) => {
            // rate-limiter-flexible rejects with a RateLimiterRes (not an Error) once the limit is
            // reached: that is expected, the next attempt gets 429. Real errors propagate.
            if (err instanceof Error) throw err;
          });
          throw new BadCredentialsError();
        }
        await s.loginLimiter.delete(key);
        const session = await createSession(s.sql, user.id, s.deps.config.sessionTtlSeconds);
        setSessionCookies(c, s.deps.config, session.cookie, session.csrf);
        return c.json(await meOf(c, s, user.id, 'session', session.csrf), 200);
      },
    )
    .openapi(
      createRoute({
        method: 'post',
        path: '/auth/logout',
        tags: ['auth'],
        summary: 'Sign out: deletes the session',
        responses: { 204: { description: 'Signed out' }, ...errorResponses },
      }),
      async (c) => {
        const cookie = sessionCookie(c);
        if (cookie !== undefined) await deleteSession(s.sql, cookie);
        clearSessionCookies(c);
        return c.body(null, 204);
      },
    )
    .openapi(
      createRoute({
        method: 'get',
        path: '/auth/me',
        tags: ['auth'],
        summary:
          'The signed-in user, CSRF token, organizations and current scope (x-org-id header or ?orgId=)',
        responses: { 200: json(Me), ...errorResponses },
      }),
      async (c) => {
        const caller = c.get('caller');
        return c.json(await meOf(c, s, caller.userId, caller.via, c.get('csrf')), 200);
      },
    )
    .openapi(
      createRoute({
        method: 'post',
        path: '/auth/password',
        tags: ['auth'],
        summary: 'Change my password (signs out my other sessions)',
        request: { body: body(PasswordBody) },
        responses: { 204: { description: 'Changed' }, ...errorResponses },
      }),
      async (c) => {
        const input = c.req.valid('json');
        const caller = c.get('caller');
        const row = await s.sql.one<{ password_hash: string | null }>(
          sql`SELECT password_hash FROM users WHERE id = ${caller.userId}::uuid`,
        );
        if (!(await verifyPassword(row?.password_hash, input.currentPassword)))
          throw new BadCredentialsError();
        const hash = await hashPassword(input.newPassword);
        const cookie = sessionCookie(c);
        const keep = cookie === undefined ? '' : sha256Hex(cookie);
        await s.sql.tx(async (tx) => {
          await tx.rows(sql`UPDATE users SET password_hash = ${hash} WHERE id = ${caller.userId}::uuid`);
          await tx.rows(
            sql`DELETE FROM console_sessions WHERE user_id = ${caller.userId}::uuid AND id <> ${keep}`,
          );
          const scope = c.get('scope');
          if (scope)
            await writeAudit(tx, scope, {
              action: 'user.password_changed',
              targetType: 'user',
              targetId: caller.userId,
            });
        });
        return c.body(null, 204);
      },
    );
}
