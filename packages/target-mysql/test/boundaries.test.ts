import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  alternatingUsers,
  isRotakitError,
  MemorySecretStore,
  rotate,
  singleUser,
  type RotakitError,
  type TargetSession,
  type UserSyncRequest,
} from '@rotakit/core';
import { awsSchema } from './aws-schema.js';
import { mysqlTarget } from '../src/index.js';
import { expectNoSecret, loginTo, logsIn, SAMPLE_DB, thrown, useInspect, useSampleServer } from './helpers.js';

const db = useSampleServer();
const inspect = useInspect(db);
const target = mysqlTarget({ tls: 'disable' });
const CLONE_PASSWORD = 'Clone-pw-1';

/** A privileged account of its own, so that a sync that wrongly acts on itself harms no other test. */
const OWN_ADMIN = { username: 'own_admin', password: 'Own-admin-pw-1' };

describe('privilege boundaries of syncUser on MariaDB', () => {
  const sessions: TargetSession[] = [];
  const connectAs = async (username: string, password: string): Promise<TargetSession> => {
    const session = await target.connect(loginTo(db.server, username, password));
    sessions.push(session);
    return session;
  };
  const asAdmin = (): Promise<TargetSession> => connectAs(db.server.admin.username, db.server.admin.password);

  /** Runs a sync that must fail having changed nothing: the error, with every account's grants and password unchanged. */
  async function refusedSync(session: TargetSession, request: UserSyncRequest): Promise<RotakitError> {
    const before = await db.admin.catalog();
    const error = (await thrown(session.syncUser(request))) as RotakitError;
    expect(error.changedNothing, `${error.name}: ${error.message}`).toBe(true);
    expectNoSecret(error, [request.password].filter((password) => password !== ''));
    expect(await db.admin.catalog()).toEqual(before);
    return error;
  }

  beforeAll(async () => {
    await db.admin.createUser(OWN_ADMIN.username, OWN_ADMIN.password);
    await db.admin.run(`GRANT ALL PRIVILEGES ON *.* TO ${OWN_ADMIN.username} WITH GRANT OPTION`);
    await db.admin.createUser('own_src', 'Source-pw-1');
    await db.admin.grant('own_src', 'a');
  });
  afterAll(async () => {
    for (const session of sessions) await session.close();
  });

  it('refuses to sync the login it is connected as, as user or as source, before any write', async () => {
    const session = await connectAs(OWN_ADMIN.username, OWN_ADMIN.password);
    for (const request of [
      { source: 'own_src', user: OWN_ADMIN.username, password: CLONE_PASSWORD },
      { source: OWN_ADMIN.username, user: 'own_admin_clone', password: CLONE_PASSWORD },
      // MariaDB compares account names with trailing spaces ignored: `own_admin ` is the same account.
      { source: 'own_src', user: `${OWN_ADMIN.username} `, password: CLONE_PASSWORD },
    ]) {
      const error = await refusedSync(session, request);
      expect(isRotakitError(error, 'PrivilegedSecretInvalid'), `${error.name}: ${error.message}`).toBe(true);
      expect(error.field).toBe(request.source === 'own_src' ? 'user' : 'source');
    }
    expect(await logsIn(target, db.server, OWN_ADMIN.username, OWN_ADMIN.password)).toBe(true);
  });

  it('takes names that differ only by trailing spaces as one account', async () => {
    expect(target.sameUser?.('app', 'app  ')).toBe(true);
    expect(target.sameUser?.('app', 'App')).toBe(false);
    expect(target.sameUser?.(' app', 'app')).toBe(false);
    const session = await asAdmin();
    const error = await refusedSync(session, { source: 'own_src', user: 'own_src ', password: CLONE_PASSWORD });
    expect(isRotakitError(error, 'InvalidOptions')).toBe(true);
    expect(error.field).toBe('user');
  });

  describe('administrative sources', () => {
    const rights: [string, string, string][] = [
      ['adm_grant_option', 'GRANT USAGE ON *.* TO adm_grant_option WITH GRANT OPTION', 'GRANT OPTION ON *.*'],
      ['adm_create_user', 'GRANT CREATE USER ON *.* TO adm_create_user', 'CREATE USER ON *.*'],
      ['adm_super', 'GRANT SUPER ON *.* TO adm_super', 'SUPER ON *.*'],
      ['adm_all', 'GRANT ALL PRIVILEGES ON *.* TO adm_all', 'ALL PRIVILEGES ON *.*'],
      ['adm_by_role', 'GRANT rk_admin_role TO adm_by_role', 'CREATE USER ON *.* through `rk_admin_role`'],
      ['adm_by_nested_role', 'GRANT rk_outer_role TO adm_by_nested_role', 'CREATE USER ON *.* through `rk_outer_role`'],
    ];

    beforeAll(async () => {
      await db.admin.run('CREATE ROLE IF NOT EXISTS rk_admin_role');
      await db.admin.run('GRANT CREATE USER ON *.* TO rk_admin_role');
      await db.admin.run('CREATE ROLE IF NOT EXISTS rk_outer_role');
      await db.admin.run('GRANT rk_admin_role TO rk_outer_role');
      for (const [user, grant] of rights) {
        await db.admin.createUser(user, 'Admin-src-pw-1');
        await db.admin.grant(user, 'a');
        await db.admin.run(grant);
      }
    });

    it.each(rights)('refuses to clone %s, naming the right, before any write', async (user, _grant, right) => {
      const session = await asAdmin();
      const error = await refusedSync(session, { source: user, user: `${user}_clone`, password: CLONE_PASSWORD });
      expect(isRotakitError(error, 'AdministrativeSource'), `${error.name}: ${error.message}`).toBe(true);
      expect(error.right).toBe(right);
      expect(error.field).toBe('source');
    });

    it('clones an administrative source when the request allows it', async () => {
      const session = await asAdmin();
      for (const [user] of rights) {
        await session.syncUser({ source: user, user: `${user}_clone`, password: CLONE_PASSWORD, allowAdministrativeSource: true });
        expect(await inspect(`${user}_clone`)).toEqual({ ...(await inspect(user)), username: `${user}_clone` });
      }
    });

    it('does not take a grant option on one database, or a role without administrative rights, for administrative', async () => {
      await db.admin.createUser('adm_not', 'Not-admin-pw-1');
      await db.admin.run(`GRANT SELECT ON ${SAMPLE_DB}.* TO adm_not WITH GRANT OPTION`);
      await db.admin.run('CREATE ROLE IF NOT EXISTS rk_plain_role');
      await db.admin.run(`GRANT SELECT ON ${SAMPLE_DB}.b TO rk_plain_role`);
      await db.admin.run('GRANT rk_plain_role TO adm_not');
      const session = await asAdmin();
      await session.syncUser({ source: 'adm_not', user: 'adm_not_clone', password: CLONE_PASSWORD });
      expect(await logsIn(target, db.server, 'adm_not_clone', CLONE_PASSWORD)).toBe(true);
    });

    it('fails a rotation of an administrative user in set and withdraws its pending version', async () => {
      const store = new MemorySecretStore();
      const base = { host: db.server.host, port: db.server.port, engine: 'mysql', ssl: false };
      store.putSecret('adm-master', { ...base, username: db.server.admin.username, password: db.server.admin.password });
      store.putSecret('adm', { ...base, username: 'adm_super', password: 'Admin-src-pw-1', masterarn: 'adm-master' });
      const error = (await thrown(rotate({ store, target, secretId: 'adm', schema: awsSchema, strategy: alternatingUsers({ suffix: '_rk' }) }))) as RotakitError;
      expect(isRotakitError(error, 'AdministrativeSource')).toBe(true);
      expect(store.stages('adm').pending).toBeUndefined();
      await rotate({ store, target, secretId: 'adm', schema: awsSchema, strategy: alternatingUsers({ suffix: '_rk', allowAdministrativeUsers: true }) });
      expect(JSON.parse(store.valueAt('adm', 'current') as string)).toMatchObject({ username: 'adm_super_rk' });
    });
  });

  describe('changedNothing', () => {
    it('is set on a request refused by its checks', async () => {
      const session = await asAdmin();
      const error = await refusedSync(session, { source: 'own_src', user: 'own_src_clone', password: '' });
      expect(isRotakitError(error, 'InvalidSecretValue')).toBe(true);
      const own = await connectAs('own_src', 'Source-pw-1');
      const ownError = (await thrown(own.setOwnPassword(''))) as RotakitError;
      expect(ownError.changedNothing).toBe(true);
    });

    it('is set when the server refuses the first write, and not once a write was made', async () => {
      await db.admin.createUser('cn_weak', 'Weak-pw-1');
      await db.admin.run('GRANT SELECT ON mysql.* TO cn_weak');
      const weak = await connectAs('cn_weak', 'Weak-pw-1');
      // cn_weak may read the grant tables but not create users: CREATE USER, the first write, is refused.
      const error = await refusedSync(weak, { source: 'own_src', user: 'cn_new', password: CLONE_PASSWORD });
      expect(isRotakitError(error, 'StepFailed')).toBe(true);

      // cn_partial may alter accounts but not revoke the extra grant the clone holds: the revoke fails after a write.
      await db.admin.createUser('cn_partial', 'Partial-pw-1');
      await db.admin.run('GRANT CREATE USER ON *.* TO cn_partial');
      await db.admin.run('GRANT SELECT ON mysql.* TO cn_partial');
      await db.admin.createUser('own_src_cn', 'Clone-old-pw-1');
      await db.admin.grant('own_src_cn', 'b');
      const partial = await connectAs('cn_partial', 'Partial-pw-1');
      const afterWrite = (await thrown(partial.syncUser({ source: 'own_src', user: 'own_src_cn', password: CLONE_PASSWORD }))) as RotakitError;
      expect(isRotakitError(afterWrite, 'StepFailed'), `${afterWrite.name}: ${afterWrite.message}`).toBe(true);
      expect(afterWrite.changedNothing).toBeUndefined();
    });
  });

  describe('usernames outside the Basic Multilingual Plane', () => {
    const store = new MemorySecretStore();
    const base = (): Record<string, unknown> => ({ host: db.server.host, port: db.server.port, engine: 'mysql', ssl: false });

    beforeAll(async () => {
      // MariaDB takes the emoji in a string literal (and stores it as '?'), not in a backtick identifier.
      await db.admin.run('SET NAMES utf8mb4');
      await db.admin.run("CREATE USER ?@'%' IDENTIFIED BY 'Emoji-pw-1'", ['emo😀x']);
      await db.admin.run(`GRANT SELECT ON ${SAMPLE_DB}.a TO ?@'%'`, ['emo😀x']);
      store.putSecret('emo-master', { ...base(), username: db.server.admin.username, password: db.server.admin.password });
    });

    it('refuses alternating users in create, before anything is written', async () => {
      store.putSecret('emo', { ...base(), username: 'emo😀x', password: 'Emoji-pw-1', masterarn: 'emo-master' });
      const before = await db.admin.catalog();
      const error = (await thrown(rotate({ store, target, secretId: 'emo', schema: awsSchema, strategy: alternatingUsers() }))) as RotakitError;
      expect(isRotakitError(error, 'InvalidSecretValue'), `${error.name}: ${error.message}`).toBe(true);
      expect(error.field).toBe('username');
      expect(store.stages('emo').pending).toBeUndefined();
      expect(Object.keys(store.describe('emo').versions)).toHaveLength(1);
      expect(await db.admin.catalog()).toEqual(before);
    });

    it('rotates a single user with such a name', async () => {
      store.putSecret('emo-single', { ...base(), username: 'emo😀x', password: 'Emoji-pw-1' });
      await rotate({ store, target, secretId: 'emo-single', schema: awsSchema, strategy: singleUser() });
      const current = JSON.parse(store.valueAt('emo-single', 'current') as string) as { username: string; password: string };
      expect(current.username).toBe('emo😀x');
      expect(await logsIn(target, db.server, current.username, current.password)).toBe(true);
    });

    it('refuses such a name in a direct syncUser before any statement', async () => {
      const session = await asAdmin();
      for (const [request, field] of [
        [{ source: 'own_src', user: 'emo🙂x', password: CLONE_PASSWORD }, 'user'],
        [{ source: 'emo😀x', user: 'emo_plain', password: CLONE_PASSWORD }, 'source'],
      ] as const) {
        const error = await refusedSync(session, request);
        expect(isRotakitError(error, 'InvalidOptions'), `${error.name}: ${error.message}`).toBe(true);
        expect(error.field).toBe(field);
      }
    });
  });
});
