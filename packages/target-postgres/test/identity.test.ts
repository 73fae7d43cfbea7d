import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  alternatingUsers,
  MemorySecretStore,
  rotate,
  type SessionIdentity,
} from '@rotakit/core';
import { awsSchema } from './aws-schema.js';
import { startPostgres, type PostgresFixture } from '@rotakit/testkit';
import { postgresTarget, type PostgresTarget } from '@rotakit/target-postgres';
import { expectNoPasswordIn, failsWith, loginOn, thrown } from './helpers.js';

const APP_PASSWORD = 'Identity-app-password-1';
const PLAIN_PASSWORD = 'Identity-plain-password-1';

/** Asks the server named by `login` who the session is, as core does before the privileged account acts. */
async function identityOf(target: PostgresTarget, login: Parameters<PostgresTarget['connect']>[0]): Promise<SessionIdentity> {
  const session = await target.connect(login);
  try {
    expect(session.identity, 'the session must implement identity()').toBeTypeOf('function');
    return await (session.identity as () => Promise<SessionIdentity>)();
  } finally {
    await session.close();
  }
}

describe('identity(): the server and the login, as the server itself names them', () => {
  let first: PostgresFixture;
  let second: PostgresFixture;
  const target = postgresTarget({ tls: { mode: 'disable' } });

  beforeAll(async () => {
    [first, second] = [await startPostgres({ allowExternal: false }), await startPostgres({ allowExternal: false })];
    for (const server of [first, second]) {
      await server.query(`CREATE ROLE app LOGIN PASSWORD '${APP_PASSWORD}'`);
      // No privilege beyond PUBLIC's CONNECT: identity() must work for the least a login can be.
      await server.query(`CREATE ROLE "Plain ""Quoted"" Login" LOGIN PASSWORD '${PLAIN_PASSWORD}'`);
    }
  });
  afterAll(async () => {
    await first?.close();
    await second?.close();
  });

  it('two sessions to one server through different host strings agree on the server', async () => {
    const byAddress = await identityOf(target, loginOn(first, 'app', APP_PASSWORD));
    const byName = await identityOf(target, { ...loginOn(first, 'app', APP_PASSWORD), host: 'localhost' });
    const asAdmin = await identityOf(target, { ...loginOn(first, first.admin.username, first.admin.password), host: 'localhost' });
    expect(byAddress.server).not.toBe('');
    expect(byName.server).toBe(byAddress.server);
    expect(asAdmin.server).toBe(byAddress.server);
  });

  it('two servers started on one machine differ', async () => {
    const one = await identityOf(target, loginOn(first, 'app', APP_PASSWORD));
    const other = await identityOf(target, loginOn(second, 'app', APP_PASSWORD));
    expect(other.server).not.toBe(one.server);
  });

  it('an unprivileged login may ask, and its user is the role name only, exactly as the server spells it', async () => {
    const plain = await identityOf(target, loginOn(first, 'Plain "Quoted" Login', PLAIN_PASSWORD));
    expect(plain.user).toBe('Plain "Quoted" Login');
    expect(plain.server).toBe((await identityOf(target, loginOn(first, 'app', APP_PASSWORD))).server);
    expect((await identityOf(target, loginOn(first, first.admin.username, first.admin.password))).user).toBe(first.admin.username);
  });

  it('lets core accept a privileged secret that names the server by another host string', async () => {
    const store = new MemorySecretStore();
    store.putSecret('privileged', { ...first.admin, host: 'localhost', port: first.port });
    const secret = { engine: 'postgres', host: first.host, port: first.port, dbname: first.database, masterarn: 'privileged' };
    store.putSecret('app', { ...secret, username: 'app', password: APP_PASSWORD });
    await rotate({ secretId: 'app', store, target, strategy: alternatingUsers(), schema: awsSchema });
    expect(JSON.parse(store.valueAt('app', 'current') ?? '{}')).toMatchObject({ username: 'app_clone' });
  });

  it('lets core refuse a privileged secret for another server on the same machine', async () => {
    const store = new MemorySecretStore();
    store.putSecret('privileged', { ...second.admin, host: second.host, port: second.port });
    const secret = { engine: 'postgres', host: first.host, port: first.port, dbname: first.database, masterarn: 'privileged' };
    store.putSecret('app', { ...secret, username: 'app', password: APP_PASSWORD });
    const error = await failsWith(
      rotate({ secretId: 'app', store, target, strategy: alternatingUsers(), schema: awsSchema }),
      'PrivilegedSecretInvalid',
    );
    expect(error.message).toContain('another database server');
    expect(await second.query("SELECT 1 FROM pg_roles WHERE rolname = 'app_clone'")).toMatchObject({ rowCount: 0 });
  });

  it('no error thrown in this file contains a password', () => {
    expectNoPasswordIn(thrown, [APP_PASSWORD, PLAIN_PASSWORD, first.admin.password, second.admin.password]);
  });
});
