import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TargetSession, UserIntrospection, UserSyncRequest } from '@rotakit/core';
import { startPostgres, type PostgresFixture } from '@rotakit/testkit';
import { postgresTarget } from '@rotakit/target-postgres';
import { openPostgresIntrospection } from '../src/internal.js';
import { expectNoPasswordIn, failsWith, loginOn, logsIn, thrown } from './helpers.js';

describe('syncUser keeps the alternate role in step with its source', () => {
  let server: PostgresFixture;
  let admin: TargetSession;
  let users: UserIntrospection;
  const target = postgresTarget({ tls: { mode: 'disable' } });

  beforeAll(async () => {
    server = await startPostgres({ allowExternal: false });
    for (const statement of [
      "CREATE ROLE app LOGIN PASSWORD 'App-password-1'",
      'CREATE ROLE readers NOLOGIN',
      'CREATE ROLE writers NOLOGIN',
      'CREATE ROLE auditors NOLOGIN',
      'CREATE SCHEMA shop',
      'CREATE TABLE shop.orders (id serial PRIMARY KEY, note text)',
      'CREATE TABLE shop.items (id int)',
      'CREATE FUNCTION shop.total(a integer, b integer) RETURNS integer LANGUAGE sql AS $$ SELECT a + b $$',
      'REVOKE ALL ON DATABASE postgres FROM PUBLIC',
      'GRANT CONNECT, TEMPORARY ON DATABASE postgres TO app',
      'GRANT USAGE, CREATE ON SCHEMA shop TO app',
      'GRANT SELECT, INSERT ON shop.orders TO app WITH GRANT OPTION',
      'GRANT USAGE ON SEQUENCE shop.orders_id_seq TO app',
      'GRANT EXECUTE ON FUNCTION shop.total(integer, integer) TO app',
      'GRANT readers TO app',
      'GRANT writers TO app WITH ADMIN OPTION',
      'ALTER ROLE app CONNECTION LIMIT 7 CREATEDB',
    ]) {
      await server.query(statement);
    }
    admin = await target.connect(loginOn(server, server.admin.username, server.admin.password));
    users = await openPostgresIntrospection(target, loginOn(server, server.admin.username, server.admin.password));
  });
  afterAll(async () => {
    await admin?.close();
    await users?.close();
    await server?.close();
  });

  it('copies database, schema, table, sequence and routine privileges, grant options, memberships and attributes', async () => {
    await admin.syncUser({ source: 'app', user: 'app_clone', password: 'Clone-password-1' });
    const source = await users.inspectUser('app');
    const clone = await users.inspectUser('app_clone');
    expect(source?.privileges).toEqual([
      'CONNECT on DATABASE "postgres"',
      'CREATE on SCHEMA "shop"',
      'EXECUTE on ROUTINE "shop"."total"(a integer, b integer)',
      'INSERT on TABLE "shop"."orders" with grant option',
      'SELECT on TABLE "shop"."orders" with grant option',
      'TEMPORARY on DATABASE "postgres"',
      'USAGE on SCHEMA "shop"',
      'USAGE on SEQUENCE "shop"."orders_id_seq"',
      'attribute CONNECTION LIMIT 7',
      'attribute CREATEDB',
    ]);
    expect(source?.roles).toEqual(['readers', 'writers (admin)']);
    expect(source?.tls).toBe('n/a');
    expect(clone).toEqual({ ...source, username: 'app_clone' });
    await logsIn(target, loginOn(server, 'app_clone', 'Clone-password-1'));
  });

  it('re-syncs: grants what the source gained, revokes what it lost and what the alternate had extra', async () => {
    for (const statement of [
      'REVOKE INSERT ON shop.orders FROM app',
      'REVOKE GRANT OPTION FOR SELECT ON shop.orders FROM app',
      'GRANT SELECT ON shop.items TO app',
      'REVOKE CREATE ON SCHEMA shop FROM app',
      'REVOKE writers FROM app',
      'GRANT writers TO app',
      'REVOKE readers FROM app',
      'GRANT auditors TO app',
      'ALTER ROLE app CONNECTION LIMIT -1 NOCREATEDB',
      // Extras on the alternate alone.
      'GRANT DELETE ON shop.items TO app_clone',
      'GRANT readers TO app_clone',
    ]) {
      await server.query(statement);
    }
    await admin.syncUser({ source: 'app', user: 'app_clone', password: 'Clone-password-2' });
    const source = await users.inspectUser('app');
    expect(source?.roles).toEqual(['auditors', 'writers']);
    expect(source?.privileges).toContain('SELECT on TABLE "shop"."items"');
    expect(source?.privileges).toContain('SELECT on TABLE "shop"."orders"');
    expect(await users.inspectUser('app_clone')).toEqual({ ...source, username: 'app_clone' });
    await logsIn(target, loginOn(server, 'app_clone', 'Clone-password-2'));
    await failsWith(target.connect(loginOn(server, 'app_clone', 'Clone-password-1')), 'TargetAuthFailed');
  });

  it('refuses, and changes nothing, when a grant by another grantor cannot be revoked', async () => {
    for (const statement of [
      'CREATE ROLE middle NOLOGIN',
      'CREATE TABLE shop.ledger (id int)',
      'GRANT USAGE ON SCHEMA shop TO middle',
      'GRANT SELECT ON shop.ledger TO middle WITH GRANT OPTION',
    ]) {
      await server.query(statement);
    }
    // `middle` grants to the alternate; a superuser's REVOKE acts for the owner and leaves it.
    await server.query('DO $$ BEGIN SET LOCAL ROLE middle; GRANT SELECT ON shop.ledger TO app_clone; END $$');
    const error = await failsWith(
      admin.syncUser({ source: 'app', user: 'app_clone', password: 'Clone-password-3' }),
      'StepFailed',
    );
    expect(error.message).toContain('extra: SELECT on TABLE "shop"."ledger"');
    await logsIn(target, loginOn(server, 'app_clone', 'Clone-password-2'));
    await server.query('DO $$ BEGIN SET LOCAL ROLE middle; REVOKE SELECT ON shop.ledger FROM app_clone; END $$');
  });

  it('refuses a name over 63 bytes before touching anything (the server would truncate it)', async () => {
    const user = `${'é'.repeat(31)}_x`; // 64 bytes, 33 characters
    await failsWith(admin.syncUser({ source: 'app', user, password: 'Clone-password-4' }), 'UsernameTooLong');
  });

  it('refuses an empty or missing password or name with a typed error naming it, and writes nothing', async () => {
    const requests: [Record<string, unknown>, string, 'InvalidSecretValue' | 'InvalidOptions'][] = [
      [{ source: 'app', user: 'empty_clone', password: '' }, 'password', 'InvalidSecretValue'],
      [{ source: 'app', user: 'empty_clone' }, 'password', 'InvalidSecretValue'],
      [{ source: 'app', user: '', password: 'Clone-password-5' }, 'user', 'InvalidOptions'],
      [{ user: 'empty_clone', password: 'Clone-password-5' }, 'source', 'InvalidOptions'],
    ];
    for (const [request, field, code] of requests) {
      const error = await failsWith(admin.syncUser(request as unknown as UserSyncRequest), code);
      expect((error as { field?: string }).field).toBe(field);
    }
    expect(await users.inspectUser('empty_clone')).toBeUndefined();
    await server.query("CREATE ROLE own_empty LOGIN PASSWORD 'Own-password-1'");
    await server.query('GRANT CONNECT ON DATABASE postgres TO own_empty');
    const own = await target.connect(loginOn(server, 'own_empty', 'Own-password-1'));
    try {
      const error = await failsWith(own.setOwnPassword(''), 'InvalidSecretValue');
      expect((error as { field?: string }).field).toBe('password');
    } finally {
      await own.close();
    }
    await logsIn(target, loginOn(server, 'own_empty', 'Own-password-1'));
  });

  it('refuses an unknown source and leaves no alternate behind', async () => {
    await failsWith(admin.syncUser({ source: 'ghost', user: 'ghost_clone', password: 'Ghost-password-1' }), 'StepFailed');
    expect(await users.inspectUser('ghost_clone')).toBeUndefined();
  });

  it('a non-privileged session cannot sync, and says so without the password', async () => {
    const session = await target.connect(loginOn(server, 'app', 'App-password-1'));
    try {
      // Not its own role as source: that is refused before the server is asked (boundaries.test.ts).
      const error = await failsWith(session.syncUser({ source: 'readers', user: 'app_evil', password: 'Evil-password-1' }), 'StepFailed');
      expect(error.message).toMatch(/permission denied|42501/);
    } finally {
      await session.close();
    }
  });

  describe('a membership between the two alternating users', () => {
    it('the alternate a member of the source (AWS\'s clone): kept, and only what it holds beyond the source is revoked', async () => {
      for (const statement of [
        'CREATE ROLE linked LOGIN',
        'GRANT CONNECT ON DATABASE postgres TO linked',
        'GRANT USAGE ON SCHEMA shop TO linked',
        'GRANT SELECT ON shop.items TO linked',
        'GRANT readers TO linked',
        'CREATE ROLE linked_clone LOGIN',
        'GRANT linked TO linked_clone',
        'GRANT DELETE ON shop.items TO linked_clone',
        'GRANT SELECT ON shop.items TO linked_clone WITH GRANT OPTION',
        'GRANT auditors TO linked_clone',
      ]) {
        await server.query(statement);
      }
      await admin.syncUser({ source: 'linked', user: 'linked_clone', password: 'Clone-password-6' });
      // Everything through the membership, as AWS's function left it: no grant of its own is added.
      expect(await users.inspectUser('linked_clone')).toEqual({
        username: 'linked_clone',
        privileges: ['SELECT on TABLE "shop"."items"'],
        roles: ['linked'],
        tls: 'n/a',
      });
      const rights = await server.query<{ select: boolean; delete: boolean; grant: boolean; readers: boolean; auditors: boolean }>(
        `SELECT has_table_privilege('linked_clone', 'shop.items', 'SELECT') AS select,
                has_table_privilege('linked_clone', 'shop.items', 'DELETE') AS delete,
                has_table_privilege('linked_clone', 'shop.items', 'SELECT WITH GRANT OPTION') AS grant,
                pg_has_role('linked_clone', 'readers', 'USAGE') AS readers,
                pg_has_role('linked_clone', 'auditors', 'USAGE') AS auditors`,
      );
      expect(rights.rows).toEqual([{ select: true, delete: false, grant: false, readers: true, auditors: false }]);
    });

    it('the source a member of the alternate: the alternate keeps what the source holds through it, and gains its own grants', async () => {
      await server.query('GRANT INSERT ON shop.items TO linked_clone');
      await admin.syncUser({ source: 'linked_clone', user: 'linked', password: 'Clone-password-7' });
      const linked = await users.inspectUser('linked');
      expect(linked?.privileges).toEqual([
        'CONNECT on DATABASE "postgres"',
        'INSERT on TABLE "shop"."items"',
        'SELECT on TABLE "shop"."items"',
        'USAGE on SCHEMA "shop"',
      ]);
      expect(linked?.roles).toEqual(['readers']);
      expect((await users.inspectUser('linked_clone'))?.roles).toEqual(['linked']);
      await logsIn(target, loginOn(server, 'linked', 'Clone-password-7'));
    });

    it('a membership that does not inherit is left as it is, and the grants are copied', async () => {
      for (const statement of [
        'CREATE ROLE solo LOGIN',
        'GRANT SELECT ON shop.items TO solo',
        'CREATE ROLE solo_clone LOGIN',
        'GRANT solo TO solo_clone WITH INHERIT FALSE',
      ]) {
        await server.query(statement);
      }
      await admin.syncUser({ source: 'solo', user: 'solo_clone', password: 'Clone-password-8' });
      expect(await users.inspectUser('solo_clone')).toMatchObject({ privileges: ['SELECT on TABLE "shop"."items"'], roles: ['solo (noinherit)'] });
    });
  });

  it('no error thrown in this file contains a password', () => {
    expectNoPasswordIn(thrown, ['Clone-password-1', 'Clone-password-2', 'Clone-password-3', 'Clone-password-4', 'Clone-password-5', 'Evil-password-1', 'Ghost-password-1', 'Clone-password-6', 'Clone-password-7', 'Clone-password-8']);
  });
});
