import { afterAll, describe, expect, it } from 'vitest';
import { isRotakitError, type Logger, type TargetSession, type UserSyncRequest } from '@rotakit/core';
import { describeTargetConformance } from '@rotakit/testkit/conformance';
import { mysqlTarget } from '../src/index.js';
import { expectNoSecret, ident, introspect, loginTo, logsIn, SAMPLE_DB, thrown, useInspect, useSampleServer } from './helpers.js';

const db = useSampleServer();
const inspect = useInspect(db);

describeTargetConformance('mysql (MariaDB)', async () => {
  const target = mysqlTarget({ tls: 'disable' });
  return {
    target,
    admin: db.server.admin,
    login: (username, password) => loginTo(db.server, username, password),
    unreachable: { username: 'nobody', password: 'unreachable-password', host: '127.0.0.1', port: 1, tls: 'disable' },
    createUser: (username, password) => db.admin.createUser(username, password),
    grant: (username, which) => db.admin.grant(username, which),
    revoke: (username, which) => db.admin.revoke(username, which),
    dropUser: (username) => db.admin.dropUser(username),
    introspect: () => introspect(db.server),
    close: async () => undefined,
  };
});

describe('mysql target on MariaDB', () => {
  const target = mysqlTarget({ tls: 'disable' });
  const sessions: TargetSession[] = [];
  const asAdmin = async (): Promise<TargetSession> => {
    const session = await target.connect(loginTo(db.server, db.server.admin.username, db.server.admin.password));
    sessions.push(session);
    return session;
  };
  const canLogIn = (user: string, password: string): Promise<boolean> => logsIn(target, db.server, user, password);

  afterAll(async () => {
    for (const session of sessions) await session.close();
  });

  it('copies every host entry of the source and drops the alternate\'s other entries', async () => {
    await db.admin.createUser('mh_src', 'Source-pw-1', 'localhost');
    await db.admin.createUser('mh_src', 'Source-pw-1', '10.0.0.%');
    await db.admin.grant('mh_src', 'a', 'localhost');
    await db.admin.grant('mh_src', 'b', '10.0.0.%');
    await db.admin.createUser('mh_src_clone', 'Old-pw-1', '%');
    const session = await asAdmin();
    await session.syncUser({ source: 'mh_src', user: 'mh_src_clone', password: 'Clone-pw-1' });
    const hosts = (await db.admin.run('SELECT Host AS host FROM mysql.user WHERE User = ? ORDER BY Host', ['mh_src_clone'])) as {
      host: string;
    }[];
    expect(hosts.map((row) => row.host)).toEqual(['10.0.0.%', 'localhost']);
    const source = await inspect('mh_src');
    expect(source?.privileges).toEqual([
      `10.0.0.%: SELECT ON \`${SAMPLE_DB}\`.\`b\``,
      `localhost: SELECT ON \`${SAMPLE_DB}\`.\`a\``,
    ]);
    expect(await inspect('mh_src_clone')).toEqual({ ...source, username: 'mh_src_clone' });
    // 127.0.0.1 is resolved to `localhost`, so the clone's localhost entry answers with the new password.
    expect(await canLogIn('mh_src_clone', 'Clone-pw-1')).toBe(true);
  });

  it('sets its own password on the account it logged in as, whatever its host', async () => {
    await db.admin.createUser('own_host', 'Own-pw-1', 'localhost');
    await db.admin.createUser('own_host', 'Other-host-pw-1', '192.0.2.1');
    const session = await target.connect(loginTo(db.server, 'own_host', 'Own-pw-1'));
    await session.setOwnPassword('Own-pw-2');
    await session.close();
    expect(await canLogIn('own_host', 'Own-pw-2')).toBe(true);
    const [other] = (await db.admin.run(
      "SELECT authentication_string AS auth FROM mysql.user WHERE User = 'own_host' AND Host = '192.0.2.1'",
    )) as { auth: string }[];
    const [expected] = (await db.admin.run("SELECT PASSWORD('Other-host-pw-1') AS auth")) as { auth: string }[];
    expect(other?.auth).toBe(expected?.auth);
  });

  it('copies GRANT OPTION, roles, the default role and the TLS requirement, and re-syncs them', async () => {
    await db.admin.run('CREATE ROLE IF NOT EXISTS rk_reader');
    await db.admin.run('CREATE ROLE IF NOT EXISTS rk_writer');
    await db.admin.run(`GRANT SELECT ON ${SAMPLE_DB}.* TO rk_reader`);
    await db.admin.createUser('rl_src', 'Source-pw-1');
    await db.admin.run(`GRANT SELECT, INSERT ON ${SAMPLE_DB}.* TO rl_src WITH GRANT OPTION`);
    await db.admin.run(`GRANT SELECT (id) ON ${SAMPLE_DB}.a TO rl_src`);
    await db.admin.run('GRANT rk_reader TO rl_src');
    await db.admin.run('GRANT rk_writer TO rl_src WITH ADMIN OPTION');
    await db.admin.run("SET DEFAULT ROLE rk_reader FOR rl_src");
    await db.admin.run("ALTER USER rl_src REQUIRE SUBJECT '/CN=app' AND ISSUER '/CN=it''s CA'");
    const session = await asAdmin();
    await session.syncUser({ source: 'rl_src', user: 'rl_src_clone', password: 'Clone-pw-1' });
    const source = await inspect('rl_src');
    expect(source?.roles).toEqual(['DEFAULT ROLE `rk_reader`', '`rk_reader`', '`rk_writer` WITH ADMIN OPTION']);
    expect(source?.privileges).toContain(`GRANT OPTION ON \`${SAMPLE_DB}\`.*`);
    expect(source?.privileges).toContain(`SELECT (\`id\`) ON \`${SAMPLE_DB}\`.\`a\``);
    expect(source?.tls).toBe("ISSUER '/CN=it''s CA' AND SUBJECT '/CN=app'");
    expect(await inspect('rl_src_clone')).toEqual({ ...source, username: 'rl_src_clone' });

    // The source loses its GRANT OPTION, a role, its default role and its TLS requirement; the clone follows.
    await db.admin.run(`REVOKE GRANT OPTION ON ${SAMPLE_DB}.* FROM rl_src`);
    await db.admin.run(`REVOKE SELECT (id) ON ${SAMPLE_DB}.a FROM rl_src`);
    await db.admin.run('REVOKE rk_writer FROM rl_src');
    await db.admin.run('SET DEFAULT ROLE NONE FOR rl_src');
    await db.admin.run('ALTER USER rl_src REQUIRE NONE');
    await session.syncUser({ source: 'rl_src', user: 'rl_src_clone', password: 'Clone-pw-2' });
    const after = await inspect('rl_src');
    expect(after).toEqual({ username: 'rl_src', privileges: [`INSERT ON \`${SAMPLE_DB}\`.*`, `SELECT ON \`${SAMPLE_DB}\`.*`], roles: ['`rk_reader`'], tls: 'NONE' });
    expect(await inspect('rl_src_clone')).toEqual({ ...after, username: 'rl_src_clone' });
    expect(await canLogIn('rl_src_clone', 'Clone-pw-2')).toBe(true);
  });

  it('skips a grant the privileged account may not give, with a logged reason', async () => {
    await db.admin.run('CREATE DATABASE IF NOT EXISTS rk_other');
    await db.admin.createUser('limited_admin', 'Limited-pw-1');
    await db.admin.run('GRANT CREATE USER ON *.* TO limited_admin');
    await db.admin.run('GRANT SELECT, UPDATE ON mysql.* TO limited_admin');
    await db.admin.run(`GRANT SELECT ON ${SAMPLE_DB}.* TO limited_admin WITH GRANT OPTION`);
    await db.admin.createUser('sk_src', 'Source-pw-1');
    await db.admin.run(`GRANT SELECT ON ${SAMPLE_DB}.* TO sk_src`);
    await db.admin.run('GRANT SELECT ON rk_other.* TO sk_src');
    const warnings: { object: object; message?: string }[] = [];
    const logger: Logger = {
      debug: () => undefined,
      info: () => undefined,
      error: () => undefined,
      warn: (object: object | string, message?: string) => {
        if (typeof object === 'object') warnings.push(message === undefined ? { object } : { object, message });
      },
    };
    const limitedTarget = mysqlTarget({ tls: 'disable', logger });
    const session = await limitedTarget.connect(loginTo(db.server, 'limited_admin', 'Limited-pw-1'));
    sessions.push(session);
    await session.syncUser({ source: 'sk_src', user: 'sk_src_clone', password: 'Clone-pw-1' });
    expect((await inspect('sk_src_clone'))?.privileges).toEqual([`SELECT ON \`${SAMPLE_DB}\`.*`]);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.message).toBe('skipped a grant the privileged account is not allowed to give');
    expect(JSON.stringify(warnings[0]?.object)).toContain('rk_other');
    expect(JSON.stringify(warnings)).not.toContain('Clone-pw-1');
  });

  it('refuses to sync from a user that does not exist, naming it and not the password', async () => {
    const session = await asAdmin();
    const error = await thrown(session.syncUser({ source: 'no_such_src', user: 'no_such_src_clone', password: 'Secret-pw-9' }));
    expect(isRotakitError(error, 'StepFailed')).toBe(true);
    expect(error.message).toContain('no_such_src');
    expectNoSecret(error, ['Secret-pw-9']);
  });

  it('quotes names and passwords correctly with and without NO_BACKSLASH_ESCAPES', async () => {
    const user = `q'\\"u\`se;r`;
    const passwords = [`p'\\'; --`, `\\'\\\\x'' \\0`, `end\\`];
    await db.admin.createUser('qb_src', 'Source-pw-1');
    await db.admin.grant('qb_src', 'a');
    const [{ mode } = { mode: '' }] = (await db.admin.run('SELECT @@GLOBAL.sql_mode AS mode')) as { mode: string }[];
    try {
      for (const noBackslashEscapes of [false, true]) {
        await db.admin.run('SET GLOBAL sql_mode = ?', [noBackslashEscapes ? `${mode},NO_BACKSLASH_ESCAPES` : mode]);
        await db.admin.dropUser(user);
        const session = await asAdmin();
        for (const password of passwords) {
          await session.syncUser({ source: 'qb_src', user, password });
          expect(await canLogIn(user, password)).toBe(true);
          const own = await target.connect(loginTo(db.server, user, password));
          await own.setOwnPassword(`${password}!`);
          await own.close();
          expect(await canLogIn(user, `${password}!`)).toBe(true);
          expect(await canLogIn(user, password)).toBe(false);
        }
        expect((await inspect(user))?.privileges).toEqual((await inspect('qb_src'))?.privileges);
      }
    } finally {
      await db.admin.run('SET GLOBAL sql_mode = ?', [mode]);
    }
  });

  it('asks for TLS from a db.server that offers none and gets TlsRequired, never plaintext', async () => {
    await db.admin.createUser('tls_none', 'Tls-pw-1');
    for (const mode of ['verify', 'require'] as const) {
      const error = await thrown(mysqlTarget().connect(loginTo(db.server, 'tls_none', 'Tls-pw-1', mode)));
      expect(isRotakitError(error, 'TlsRequired')).toBe(true);
      expectNoSecret(error, ['Tls-pw-1']);
    }
  });

  it('refuses an empty or missing password or name with a typed error naming it, before any statement', async () => {
    await db.admin.createUser('bad_in_src', 'Source-pw-1');
    await db.admin.grant('bad_in_src', 'a');
    const session = await asAdmin();
    const requests: [Record<string, unknown>, string, string][] = [
      [{ source: 'bad_in_src', user: 'bad_in_clone', password: '' }, 'password', 'InvalidSecretValue'],
      [{ source: 'bad_in_src', user: 'bad_in_clone' }, 'password', 'InvalidSecretValue'],
      [{ source: 'bad_in_src', user: '', password: 'Fine-pw-1' }, 'user', 'InvalidOptions'],
      [{ source: 42, user: 'bad_in_clone', password: 'Fine-pw-1' }, 'source', 'InvalidOptions'],
    ];
    for (const [request, field, code] of requests) {
      const error = await thrown(session.syncUser(request as unknown as UserSyncRequest));
      expect(isRotakitError(error, code as 'InvalidOptions')).toBe(true);
      expect((error as { field?: string }).field).toBe(field);
      expectNoSecret(error, ['Fine-pw-1']);
    }
    await db.admin.createUser('bad_in_own', 'Own-pw-1');
    const own = await target.connect(loginTo(db.server, 'bad_in_own', 'Own-pw-1'));
    sessions.push(own);
    const error = await thrown(own.setOwnPassword(''));
    expect(isRotakitError(error, 'InvalidSecretValue')).toBe(true);
    expect((error as { field?: string }).field).toBe('password');
    const created = await db.admin.run("SELECT User FROM mysql.user WHERE User IN ('bad_in_clone', '')");
    expect(created).toEqual([]);
    expect(await canLogIn('bad_in_own', 'Own-pw-1')).toBe(true);
  });

  it('wraps statement errors without the password or the statement', async () => {
    await db.admin.createUser('weak_user', 'Weak-pw-1');
    await db.admin.createUser('weak_src', 'Weak-src-pw-1');
    // weak_user may read the grant tables, so the statement that fails is CREATE USER, which holds a password.
    await db.admin.run('GRANT SELECT ON mysql.* TO weak_user');
    const session = await target.connect(loginTo(db.server, 'weak_user', 'Weak-pw-1'));
    sessions.push(session);
    const error = await thrown(session.syncUser({ source: 'weak_src', user: 'weak_user_clone', password: 'Never-shown-1' }));
    expect(isRotakitError(error, 'StepFailed')).toBe(true);
    expectNoSecret(error, ['Never-shown-1', 'Weak-pw-1']);
    expect(error.message).not.toContain('IDENTIFIED');
    expect(error.message).toContain('could not create');
    expect(await db.admin.run("SELECT User FROM mysql.user WHERE User = 'weak_user_clone'")).toEqual([]);
    const [row] = (await db.admin.run(`SHOW GRANTS FOR ${ident('weak_user')}@'%'`)) as Record<string, string>[];
    expect(Object.values(row ?? {})[0]).toMatch(/^GRANT USAGE ON \*\.\*/);
  });
});
