import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  alternatingUsers,
  MemorySecretStore,
  rotate,
  type TargetSession,
  type UserIntrospection,
  type UserSyncRequest,
} from '@rotakit/core';
import { awsSchema } from './aws-schema.js';
import { startPostgres, type PostgresFixture } from '@rotakit/testkit';
import { postgresTarget } from '@rotakit/target-postgres';
import { openPostgresIntrospection } from '../src/internal.js';
import { catalog, expectNoPasswordIn, failsWith, loginOn, logsIn, thrown } from './helpers.js';

const ROTATOR_PASSWORD = 'Rotator-password-1';
const APP_PASSWORD = 'Boundary-app-password-1';
const CLONE_PASSWORD = 'Boundary-clone-password-1';

/** The rights that make a role an administrator, as `CREATE ROLE` spells them. */
const ADMINISTRATIVE = ['SUPERUSER', 'CREATEROLE', 'BYPASSRLS', 'REPLICATION'] as const;

describe('privilege boundaries of the privileged session', () => {
  let server: PostgresFixture;
  let rotator: TargetSession;
  /** What the privileged account sees of the roles. */
  let users: UserIntrospection;
  const target = postgresTarget({ tls: { mode: 'disable' } });

  beforeAll(async () => {
    server = await startPostgres({ allowExternal: false });
    for (const statement of [
      // A privileged account of its own, not the bootstrap superuser (which the server protects anyway).
      `CREATE ROLE rotator LOGIN SUPERUSER PASSWORD '${ROTATOR_PASSWORD}'`,
      `CREATE ROLE app LOGIN PASSWORD '${APP_PASSWORD}'`,
      'CREATE TABLE public.boundary_sample (id int)',
      'GRANT SELECT ON public.boundary_sample TO app',
    ]) {
      await server.query(statement);
    }
    rotator = await target.connect(loginOn(server, 'rotator', ROTATOR_PASSWORD));
    users = await openPostgresIntrospection(target, loginOn(server, 'rotator', ROTATOR_PASSWORD));
  });
  afterAll(async () => {
    await rotator?.close();
    await users?.close();
    await server?.close();
  });

  /** Runs `call` and asserts that the catalog (every role, verifier, membership and ACL) is as it was. */
  const changesNothing = async (call: () => Promise<unknown>): Promise<void> => {
    const before = await catalog(server, []);
    await call();
    expect(await catalog(server, [])).toBe(before);
  };

  describe('its own login, neither as user nor as source', () => {
    it.each([
      ['user', { source: 'app', user: 'rotator', password: CLONE_PASSWORD }],
      ['source', { source: 'rotator', user: 'rotator_clone', password: CLONE_PASSWORD }],
    ] as const)('refuses its own login as %s, before any statement that writes', async (field, request) => {
      await changesNothing(async () => {
        const error = await failsWith(rotator.syncUser(request), 'PrivilegedSecretInvalid');
        expect(error).toMatchObject({ field, changedNothing: true });
      });
      await logsIn(target, loginOn(server, 'rotator', ROTATOR_PASSWORD));
    });
  });

  describe('administrative sources', () => {
    it.each(ADMINISTRATIVE)('refuses a source that holds %s, before its first write', async (right) => {
      const source = `admin_${right.toLowerCase()}`;
      await server.query(`CREATE ROLE ${source} LOGIN ${right}`);
      await changesNothing(async () => {
        const error = await failsWith(
          rotator.syncUser({ source, user: `${source}_clone`, password: CLONE_PASSWORD }),
          'AdministrativeSource',
        );
        expect(error).toMatchObject({ field: 'source', right, changedNothing: true });
        expect(error.message).toContain(right);
      });
    });

    it.each(ADMINISTRATIVE)('refuses a source that may SET ROLE to a role with %s, through two memberships', async (right) => {
      const holder = `holds_${right.toLowerCase()}`;
      const source = `member_of_${right.toLowerCase()}`;
      for (const statement of [
        `CREATE ROLE ${holder} NOLOGIN ${right}`,
        `CREATE ROLE ${holder}_middle NOLOGIN`,
        `GRANT ${holder} TO ${holder}_middle`,
        `CREATE ROLE ${source} LOGIN`,
        `GRANT ${holder}_middle TO ${source}`,
      ]) {
        await server.query(statement);
      }
      await changesNothing(async () => {
        const error = await failsWith(
          rotator.syncUser({ source, user: `${source}_clone`, password: CLONE_PASSWORD }),
          'AdministrativeSource',
        );
        expect(error).toMatchObject({ field: 'source', right: `${right} (through ${holder})`, changedNothing: true });
      });
    });

    it('clones a source that is a member of an administrative role it may not SET ROLE to', async () => {
      // PostgreSQL 16+: without SET the member cannot become the role, and attributes are never inherited.
      await server.query('CREATE ROLE no_set_admin NOLOGIN CREATEROLE');
      await server.query('CREATE ROLE no_set_member LOGIN');
      await server.query('GRANT no_set_admin TO no_set_member WITH SET FALSE');
      await rotator.syncUser({ source: 'no_set_member', user: 'no_set_member_clone', password: CLONE_PASSWORD });
      expect((await users.inspectUser('no_set_member_clone'))?.roles).toEqual(['no_set_admin (noset)']);
    });

    it.each(ADMINISTRATIVE)('clones a source that holds %s when allowAdministrativeSource is set', async (right) => {
      const source = `admin_${right.toLowerCase()}`;
      await rotator.syncUser({ source, user: `${source}_clone`, password: CLONE_PASSWORD, allowAdministrativeSource: true });
      expect((await users.inspectUser(`${source}_clone`))?.privileges).toContain(`attribute ${right}`);
      await logsIn(target, loginOn(server, `${source}_clone`, CLONE_PASSWORD));
    });

    it('clones a source that reaches CREATEROLE through a membership when allowAdministrativeSource is set', async () => {
      await rotator.syncUser({ source: 'member_of_createrole', user: 'member_of_createrole_clone', password: CLONE_PASSWORD, allowAdministrativeSource: true });
      expect((await users.inspectUser('member_of_createrole_clone'))?.roles).toEqual(['holds_createrole_middle']);
    });

    it('through rotate(): the refusal withdraws the pending version, so the next rotation is not wedged', async () => {
      const store = new MemorySecretStore();
      store.putSecret('privileged', { username: 'rotator', password: ROTATOR_PASSWORD });
      const secret = { engine: 'postgres', host: server.host, port: server.port, dbname: server.database, masterarn: 'privileged' };
      await server.query(`CREATE ROLE app_admin LOGIN CREATEROLE PASSWORD '${APP_PASSWORD}'`);
      store.putSecret('app_admin', { ...secret, username: 'app_admin', password: APP_PASSWORD });
      await failsWith(rotate({ secretId: 'app_admin', store, target, strategy: alternatingUsers(), schema: awsSchema }), 'AdministrativeSource');
      expect(store.stages('app_admin').pending).toBeUndefined();
      expect(await users.inspectUser('app_admin_clone')).toBeUndefined();
      await rotate({ secretId: 'app_admin', store, target, strategy: alternatingUsers({ allowAdministrativeUsers: true }), schema: awsSchema });
      expect(JSON.parse(store.valueAt('app_admin', 'current') ?? '{}')).toMatchObject({ username: 'app_admin_clone' });
    });
  });

  describe('errors that changed nothing say so', () => {
    it.each([
      ['an empty password', { source: 'app', user: 'app_clone', password: '' }, 'InvalidSecretValue'],
      ['a missing source', { user: 'app_clone', password: CLONE_PASSWORD }, 'InvalidOptions'],
      ['the source as user', { source: 'app', user: 'app', password: CLONE_PASSWORD }, 'InvalidOptions'],
      ['a name over 63 bytes', { source: 'app', user: `${'é'.repeat(31)}_x`, password: CLONE_PASSWORD }, 'UsernameTooLong'],
      ['an unknown source', { source: 'ghost', user: 'ghost_clone', password: CLONE_PASSWORD }, 'StepFailed'],
    ] as const)('syncUser refused before its first write: %s', async (_name, request, code) => {
      await changesNothing(async () => {
        const error = await failsWith(rotator.syncUser(request as unknown as UserSyncRequest), code);
        expect(error).toMatchObject({ changedNothing: true });
      });
    });

    it('setOwnPassword refused before its first write: an empty password', async () => {
      const own = await target.connect(loginOn(server, 'app', APP_PASSWORD));
      try {
        await changesNothing(async () => {
          expect(await failsWith(own.setOwnPassword(''), 'InvalidSecretValue')).toMatchObject({ changedNothing: true });
        });
      } finally {
        await own.close();
      }
    });

    it('syncUser rolled back: a statement the privileged account may not run, after the alternate was created', async () => {
      // A CREATEROLE account (as on RDS) may create the alternate but not give it SUPERUSER.
      await server.query(`CREATE ROLE creator LOGIN CREATEROLE PASSWORD '${ROTATOR_PASSWORD}'`);
      const creator = await target.connect(loginOn(server, 'creator', ROTATOR_PASSWORD));
      try {
        await changesNothing(async () => {
          const error = await failsWith(
            creator.syncUser({ source: 'admin_superuser', user: 'rolled_back_clone', password: CLONE_PASSWORD, allowAdministrativeSource: true }),
            'StepFailed',
          );
          expect(error).toMatchObject({ changedNothing: true });
          expect(error.message).toMatch(/permission denied|42501/);
        });
      } finally {
        await creator.close();
      }
    });

    it('syncUser rolled back: the roles could not be brought in step', async () => {
      for (const statement of [
        'CREATE ROLE third_grantor NOLOGIN',
        'CREATE TABLE public.third_ledger (id int)',
        'GRANT SELECT ON public.third_ledger TO third_grantor WITH GRANT OPTION',
        'CREATE ROLE stuck_clone LOGIN',
      ]) {
        await server.query(statement);
      }
      // A grant by another grantor survives a superuser's REVOKE.
      await server.query('DO $$ BEGIN SET LOCAL ROLE third_grantor; GRANT SELECT ON public.third_ledger TO stuck_clone; END $$');
      await changesNothing(async () => {
        const error = await failsWith(rotator.syncUser({ source: 'app', user: 'stuck_clone', password: CLONE_PASSWORD }), 'StepFailed');
        expect(error).toMatchObject({ changedNothing: true });
        expect(error.message).toContain('extra: SELECT on TABLE "public"."third_ledger"');
      });
    });
  });

  it('no error thrown in this file contains a password', () => {
    expectNoPasswordIn(thrown, [ROTATOR_PASSWORD, APP_PASSWORD, CLONE_PASSWORD]);
  });
});
