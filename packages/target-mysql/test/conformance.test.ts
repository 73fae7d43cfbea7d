import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isRotakitError, type Logger, type TargetSession } from '@rotakit/core';
import { describeTargetConformance, startMariaDb, type MariaDbServer } from '@rotakit/testkit';
import { mysqlTarget } from '../src/index.js';
import { Admin, adminConnection, expectNoSecret, ident, loginTo, SAMPLE_DB, thrown } from './helpers.js';

let server: MariaDbServer;
let admin: Admin;

beforeAll(async () => {
  server = await startMariaDb();
  admin = new Admin(await adminConnection(server));
  await admin.prepareSamples();
});

afterAll(async () => {
  await admin?.connection.end();
  await server?.close();
});

describeTargetConformance('mysql (MariaDB)', async () => {
  const target = mysqlTarget({ tls: 'disable' });
  return {
    target,
    admin: server.admin,
    login: (username, password) => loginTo(server, username, password),
    unreachable: { username: 'nobody', password: 'unreachable-password', host: '127.0.0.1', port: 1, tls: 'disable' },
    createUser: (username, password) => admin.createUser(username, password),
    grant: (username, which) => admin.grant(username, which),
    revoke: (username, which) => admin.revoke(username, which),
    dropUser: (username) => admin.dropUser(username),
    close: async () => undefined,
  };
});

describe('mysql target on MariaDB', () => {
  const target = mysqlTarget({ tls: 'disable' });
  const sessions: TargetSession[] = [];
  const asAdmin = async (): Promise<TargetSession> => {
    const session = await target.connect(loginTo(server, server.admin.username, server.admin.password));
    sessions.push(session);
    return session;
  };
  const logsIn = async (user: string, password: string): Promise<boolean> => {
    try {
      await (await target.connect(loginTo(server, user, password))).close();
      return true;
    } catch (error) {
      if (isRotakitError(error, 'TargetAuthFailed')) return false;
      throw error;
    }
  };

  afterAll(async () => {
    for (const session of sessions) await session.close();
  });

  it('copies every host entry of the source and drops the alternate\'s other entries', async () => {
    await admin.createUser('mh_src', 'Source-pw-1', 'localhost');
    await admin.createUser('mh_src', 'Source-pw-1', '10.0.0.%');
    await admin.grant('mh_src', 'a', 'localhost');
    await admin.grant('mh_src', 'b', '10.0.0.%');
    await admin.createUser('mh_src_clone', 'Old-pw-1', '%');
    const session = await asAdmin();
    await session.syncUser({ source: 'mh_src', user: 'mh_src_clone', password: 'Clone-pw-1' });
    const hosts = (await admin.run('SELECT Host AS host FROM mysql.user WHERE User = ? ORDER BY Host', ['mh_src_clone'])) as {
      host: string;
    }[];
    expect(hosts.map((row) => row.host)).toEqual(['10.0.0.%', 'localhost']);
    const source = await session.inspectUser('mh_src');
    expect(source?.privileges).toEqual([
      `10.0.0.%: SELECT ON \`${SAMPLE_DB}\`.\`b\``,
      `localhost: SELECT ON \`${SAMPLE_DB}\`.\`a\``,
    ]);
    expect(await session.inspectUser('mh_src_clone')).toEqual({ ...source, username: 'mh_src_clone' });
    // 127.0.0.1 is resolved to `localhost`, so the clone's localhost entry answers with the new password.
    expect(await logsIn('mh_src_clone', 'Clone-pw-1')).toBe(true);
  });

  it('sets its own password on the account it logged in as, whatever its host', async () => {
    await admin.createUser('own_host', 'Own-pw-1', 'localhost');
    await admin.createUser('own_host', 'Other-host-pw-1', '192.0.2.1');
    const session = await target.connect(loginTo(server, 'own_host', 'Own-pw-1'));
    await session.setOwnPassword('Own-pw-2');
    await session.close();
    expect(await logsIn('own_host', 'Own-pw-2')).toBe(true);
    const [other] = (await admin.run(
      "SELECT authentication_string AS auth FROM mysql.user WHERE User = 'own_host' AND Host = '192.0.2.1'",
    )) as { auth: string }[];
    const [expected] = (await admin.run("SELECT PASSWORD('Other-host-pw-1') AS auth")) as { auth: string }[];
    expect(other?.auth).toBe(expected?.auth);
  });

  it('copies GRANT OPTION, roles, the default role and the TLS requirement, and re-syncs them', async () => {
    await admin.run('CREATE ROLE IF NOT EXISTS rk_reader');
    await admin.run('CREATE ROLE IF NOT EXISTS rk_writer');
    await admin.run(`GRANT SELECT ON ${SAMPLE_DB}.* TO rk_reader`);
    await admin.createUser('rl_src', 'Source-pw-1');
    await admin.run(`GRANT SELECT, INSERT ON ${SAMPLE_DB}.* TO rl_src WITH GRANT OPTION`);
    await admin.run(`GRANT SELECT (id) ON ${SAMPLE_DB}.a TO rl_src`);
    await admin.run('GRANT rk_reader TO rl_src');
    await admin.run('GRANT rk_writer TO rl_src WITH ADMIN OPTION');
    await admin.run("SET DEFAULT ROLE rk_reader FOR rl_src");
    await admin.run("ALTER USER rl_src REQUIRE SUBJECT '/CN=app' AND ISSUER '/CN=it''s CA'");
    const session = await asAdmin();
    await session.syncUser({ source: 'rl_src', user: 'rl_src_clone', password: 'Clone-pw-1' });
    const source = await session.inspectUser('rl_src');
    expect(source?.roles).toEqual(['DEFAULT ROLE `rk_reader`', '`rk_reader`', '`rk_writer` WITH ADMIN OPTION']);
    expect(source?.privileges).toContain(`GRANT OPTION ON \`${SAMPLE_DB}\`.*`);
    expect(source?.privileges).toContain(`SELECT (\`id\`) ON \`${SAMPLE_DB}\`.\`a\``);
    expect(source?.tls).toBe("ISSUER '/CN=it''s CA' AND SUBJECT '/CN=app'");
    expect(await session.inspectUser('rl_src_clone')).toEqual({ ...source, username: 'rl_src_clone' });

    // The source loses its GRANT OPTION, a role, its default role and its TLS requirement; the clone follows.
    await admin.run(`REVOKE GRANT OPTION ON ${SAMPLE_DB}.* FROM rl_src`);
    await admin.run(`REVOKE SELECT (id) ON ${SAMPLE_DB}.a FROM rl_src`);
    await admin.run('REVOKE rk_writer FROM rl_src');
    await admin.run('SET DEFAULT ROLE NONE FOR rl_src');
    await admin.run('ALTER USER rl_src REQUIRE NONE');
    await session.syncUser({ source: 'rl_src', user: 'rl_src_clone', password: 'Clone-pw-2' });
    const after = await session.inspectUser('rl_src');
    expect(after).toEqual({ username: 'rl_src', privileges: [`INSERT ON \`${SAMPLE_DB}\`.*`, `SELECT ON \`${SAMPLE_DB}\`.*`], roles: ['`rk_reader`'], tls: 'NONE' });
    expect(await session.inspectUser('rl_src_clone')).toEqual({ ...after, username: 'rl_src_clone' });
    expect(await logsIn('rl_src_clone', 'Clone-pw-2')).toBe(true);
  });

  it('skips a grant the privileged account may not give, with a logged reason', async () => {
    await admin.run('CREATE DATABASE IF NOT EXISTS rk_other');
    await admin.createUser('limited_admin', 'Limited-pw-1');
    await admin.run('GRANT CREATE USER ON *.* TO limited_admin');
    await admin.run('GRANT SELECT, UPDATE ON mysql.* TO limited_admin');
    await admin.run(`GRANT SELECT ON ${SAMPLE_DB}.* TO limited_admin WITH GRANT OPTION`);
    await admin.createUser('sk_src', 'Source-pw-1');
    await admin.run(`GRANT SELECT ON ${SAMPLE_DB}.* TO sk_src`);
    await admin.run('GRANT SELECT ON rk_other.* TO sk_src');
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
    const session = await limitedTarget.connect(loginTo(server, 'limited_admin', 'Limited-pw-1'));
    sessions.push(session);
    await session.syncUser({ source: 'sk_src', user: 'sk_src_clone', password: 'Clone-pw-1' });
    expect((await session.inspectUser('sk_src_clone'))?.privileges).toEqual([`SELECT ON \`${SAMPLE_DB}\`.*`]);
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
    await admin.createUser('qb_src', 'Source-pw-1');
    await admin.grant('qb_src', 'a');
    const [{ mode } = { mode: '' }] = (await admin.run('SELECT @@GLOBAL.sql_mode AS mode')) as { mode: string }[];
    try {
      for (const noBackslashEscapes of [false, true]) {
        await admin.run('SET GLOBAL sql_mode = ?', [noBackslashEscapes ? `${mode},NO_BACKSLASH_ESCAPES` : mode]);
        await admin.dropUser(user);
        const session = await asAdmin();
        for (const password of passwords) {
          await session.syncUser({ source: 'qb_src', user, password });
          expect(await logsIn(user, password)).toBe(true);
          const own = await target.connect(loginTo(server, user, password));
          await own.setOwnPassword(`${password}!`);
          await own.close();
          expect(await logsIn(user, `${password}!`)).toBe(true);
          expect(await logsIn(user, password)).toBe(false);
        }
        expect((await session.inspectUser(user))?.privileges).toEqual((await session.inspectUser('qb_src'))?.privileges);
      }
    } finally {
      await admin.run('SET GLOBAL sql_mode = ?', [mode]);
    }
  });

  it('asks for TLS from a server that offers none and gets TlsRequired, never plaintext', async () => {
    await admin.createUser('tls_none', 'Tls-pw-1');
    for (const mode of ['verify', 'require'] as const) {
      const error = await thrown(mysqlTarget().connect(loginTo(server, 'tls_none', 'Tls-pw-1', mode)));
      expect(isRotakitError(error, 'TlsRequired')).toBe(true);
      expectNoSecret(error, ['Tls-pw-1']);
    }
  });

  it('wraps statement errors without the password or the statement', async () => {
    await admin.createUser('weak_user', 'Weak-pw-1');
    const session = await target.connect(loginTo(server, 'weak_user', 'Weak-pw-1'));
    sessions.push(session);
    const error = await thrown(session.syncUser({ source: 'weak_user', user: 'weak_user_clone', password: 'Never-shown-1' }));
    expect(isRotakitError(error, 'StepFailed')).toBe(true);
    expectNoSecret(error, ['Never-shown-1', 'Weak-pw-1']);
    expect(error.message).not.toContain('IDENTIFIED');
    const [row] = (await admin.run(`SHOW GRANTS FOR ${ident('weak_user')}@'%'`)) as Record<string, string>[];
    expect(Object.values(row ?? {})[0]).toMatch(/^GRANT USAGE ON \*\.\*/);
  });
});
