// `iotlog user create` as a child process against a fresh test database.
import { createTestDatabase, type TestDatabase } from '@iotlog/drizzle/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './lib/testing.js';

let tdb: TestDatabase;
beforeAll(async () => {
  tdb = await createTestDatabase();
  await tdb.database.query(`INSERT INTO organizations (name, slug) VALUES ('Acme', 'acme')`);
});
afterAll(async () => {
  await tdb?.drop();
});

describe('iotlog user create', () => {
  it('creates the first owner with a one-time password (argon2id stored) and audits it', async () => {
    const r = await runCli(['user', 'create', '--org', 'acme', '--email', 'Boss@Acme.test', '--json'], {
      DATABASE_URL: tdb.url,
    });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ email: 'boss@acme.test', role: 'owner', created: true });
    expect(out.password).toEqual(expect.any(String));
    const users = await tdb.database.query<{ password_hash: string; role: string }>(
      `SELECT u.password_hash, m.role FROM users u JOIN memberships m ON m.user_id = u.id WHERE u.email = 'boss@acme.test'`,
    );
    expect(users[0]?.password_hash).toMatch(/^\$argon2id\$/);
    expect(users[0]?.role).toBe('owner');
    const audit = await tdb.database.query<{ actor: string }>(
      `SELECT actor FROM audit_log WHERE action = 'member.invite'`,
    );
    expect(audit[0]?.actor).toMatch(/^cli/);
  });

  it('refuses an unknown organization, a bad role and a duplicate member with one line, exit 2', async () => {
    const unknown = await runCli(['user', 'create', '--org', 'nope', '--email', 'a@b.test'], {
      DATABASE_URL: tdb.url,
    });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/iotlog org create/);
    const role = await runCli(['user', 'create', '--org', 'acme', '--email', 'a@b.test', '--role', 'god'], {
      DATABASE_URL: tdb.url,
    });
    expect(role.code).toBe(2);
    expect(role.stderr).toMatch(/--role must be one of/);
    const dup = await runCli(['user', 'create', '--org', 'acme', '--email', 'boss@acme.test'], {
      DATABASE_URL: tdb.url,
    });
    expect(dup.code).toBe(2);
    expect(dup.stderr).toMatch(/already a member/);
  });
});
