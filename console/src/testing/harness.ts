// Test harness: a fresh migrated database, a real NATS connection with a private subject prefix, the app,
// and a cookie-keeping client. Used by the *.int.test.ts files (real services, no mocks).
import { randomBytes } from 'node:crypto';
import { createTestDatabase, type TestDatabase } from '@iotlog/drizzle/testing';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { pino } from 'pino';
import { createApp } from '../app.js';
import { createSql, type Sql } from '../db/sql.js';
import { defaultConfig, type ConsoleConfig } from '../deps.js';
import { natsBus } from '../lib/bus.js';
import { addMember, createOrganization } from '../routes/members/members.service.js';
import { sql } from 'drizzle-orm';

export const NATS_URL = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';

export interface Harness {
  app: ReturnType<typeof createApp>;
  tdb: TestDatabase;
  sql: Sql;
  nc: NatsConnection;
  prefix: string;
  close(): Promise<void>;
}

export async function createHarness(config: Partial<ConsoleConfig> = {}): Promise<Harness> {
  const tdb = await createTestDatabase();
  const nc = await connect({ servers: NATS_URL, name: 'console-test' });
  const prefix = `t_${randomBytes(4).toString('hex')}`;
  const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
  const app = createApp({
    db: tdb.database.db,
    bus: natsBus(nc, logger),
    logger,
    config: { ...defaultConfig, natsPrefix: prefix, tailHeartbeatMs: 2000, ...config },
  });
  return {
    app,
    tdb,
    sql: createSql(tdb.database.db),
    nc,
    prefix,
    async close() {
      await nc.close();
      await tdb.drop();
    },
  };
}

/** A browser-like client: keeps cookies, sends the CSRF header on unsafe methods, optional org header. */
export class Client {
  cookies = new Map<string, string>();
  csrf: string | null = null;
  orgId: string | null = null;
  bearer: string | null = null;
  constructor(readonly h: Harness) {}

  async req(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<Response> {
    const h: Record<string, string> = { ...headers };
    if (this.cookies.size > 0) h.cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    if (this.csrf && method !== 'GET' && !('x-csrf-token' in h)) h['x-csrf-token'] = this.csrf;
    if (this.orgId && !('x-org-id' in h)) h['x-org-id'] = this.orgId;
    if (this.bearer) h.authorization = `Bearer ${this.bearer}`;
    if (body !== undefined) h['content-type'] = 'application/json';
    const res = await this.h.app.request(path, {
      method,
      headers: h,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const i = pair?.indexOf('=') ?? -1;
      if (!pair || i < 0) continue;
      const name = pair.slice(0, i);
      const value = pair.slice(i + 1);
      if (value === '' || /max-age=0/i.test(c)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return res;
  }

  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests assert response bodies by value
  async json<T = any>(method: string, path: string, body?: unknown, expectStatus?: number): Promise<T> {
    const res = await this.req(method, path, body);
    const text = await res.text();
    if (expectStatus !== undefined && res.status !== expectStatus) {
      throw new Error(`${method} ${path}: expected ${expectStatus}, got ${res.status}: ${text}`);
    }
    return (text ? JSON.parse(text) : null) as T;
  }

  async login(email: string, password: string): Promise<void> {
    const me = await this.json<{ csrfToken: string }>('POST', '/api/auth/login', { email, password }, 200);
    this.csrf = me.csrfToken;
  }
}

export const PASSWORD = 'correct horse battery';

/** An organization with one tenant and a signed-in member of the given role. */
export async function seedOrg(
  h: Harness,
  name: string,
  role: 'owner' | 'admin' | 'operator' | 'viewer' = 'owner',
) {
  const slug = `${name.toLowerCase()}-${randomBytes(3).toString('hex')}`;
  const org = await createOrganization(h.sql, name, slug);
  const email = `${role}@${slug}.test`;
  const { userId } = await addMember(h.sql, { orgId: org.id, email, role, password: PASSWORD });
  const tenant = await h.sql.one<{ id: string }>(
    sql`INSERT INTO tenants (organization_id, name, slug) VALUES (${org.id}::uuid, ${name + ' main'}, 'main') RETURNING id`,
  );
  const client = new Client(h);
  await client.login(email, PASSWORD);
  return { orgId: org.id, tenantId: tenant!.id, userId, email, client };
}

/** Add another member with `role` to an org and return a signed-in client. */
export async function memberClient(
  h: Harness,
  orgId: string,
  role: 'owner' | 'admin' | 'operator' | 'viewer',
  tenantIds?: string[],
) {
  const email = `${role}-${randomBytes(3).toString('hex')}@example.test`;
  const { userId } = await addMember(h.sql, {
    orgId,
    email,
    role,
    password: PASSWORD,
    tenantIds: tenantIds ?? null,
  });
  const client = new Client(h);
  await client.login(email, PASSWORD);
  return { client, userId, email };
}

/** Poll until fn returns a truthy value (generous deadline for a loaded machine). */
export async function waitFor<T>(
  fn: () => T | Promise<T>,
  what: string,
  timeoutMs = 20_000,
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A response body as JSON, for assertions. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests assert response bodies by value
export const bodyOf = async (res: Response): Promise<any> => res.json();
