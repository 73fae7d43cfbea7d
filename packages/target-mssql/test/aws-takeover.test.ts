import {
  alternatingUsers,
  MemorySecretStore,
  rotate,
  singleUser,
  type Strategy,
} from '@rotakit/core';
import { awsSchema } from './aws-schema.js';
import { MssqlFake } from '@rotakit/testkit';
import type sql from 'mssql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mssqlTarget } from '../src/index.js';
import { openMssqlIntrospection } from '../src/internal.js';
import { createContainedUser, createLogin, createUserForLogin, quoteIdentifier } from '../src/sql.js';
import { officialRotation, type OfficialSecret } from './aws-official.js';
import { adminPool, execute } from './support.js';

const ADMIN = { username: 'rdsadmin_master', password: 'Takeover-master-password-1' };
const target = mssqlTarget({ tls: { mode: 'disable' } });
let fake: MssqlFake;
const pools: sql.ConnectionPool[] = [];

beforeAll(async () => {
  fake = await MssqlFake.start();
  fake.catalog.addLogin(ADMIN.username, ADMIN.password, { sysadmin: true });
  fake.catalog.addDatabase('orders', { tables: ['dbo.orders', 'sales.invoices'] });
  fake.catalog.addDatabase('contained_orders', { contained: true, tables: ['dbo.orders'] });
});

afterAll(async () => {
  for (const pool of pools) await pool.close();
  await fake.close();
});

async function adminOf(database: string): Promise<sql.ConnectionPool> {
  const pool = await adminPool({ host: fake.host, port: fake.port, database, admin: ADMIN, tls: 'disable' });
  pools.push(pool);
  return pool;
}

const run = (pool: sql.ConnectionPool, text: string) => execute(pool, { text, parameters: {} });

function secretOf(database: string, username: string, password: string): OfficialSecret {
  return { engine: 'sqlserver', host: fake.host, port: fake.port, dbname: database, username, password, masterarn: 'master' };
}

function storeWith(secret: OfficialSecret): MemorySecretStore {
  const store = new MemorySecretStore();
  store.putSecret('master', { username: ADMIN.username, password: ADMIN.password, engine: 'sqlserver', host: fake.host, port: fake.port });
  store.putSecret('app', secret);
  return store;
}

function currentOf(store: MemorySecretStore): OfficialSecret {
  return JSON.parse(store.valueAt('app', 'current') ?? 'null') as OfficialSecret;
}

/** What the current user may do, as the server's catalog says: its permissions and role memberships in the secret's database (server-wide in master). */
async function rightsOfCurrent(store: MemorySecretStore): Promise<{ privileges: readonly string[]; roles: readonly string[] }> {
  const current = currentOf(store);
  const introspection = await openMssqlIntrospection(target, { ...ADMIN, host: fake.host, port: fake.port, database: current.dbname, tls: 'disable' });
  try {
    const profile = await introspection.inspectUser(current.username);
    if (!profile) throw new Error(`${current.username} does not exist`);
    return { privileges: profile.privileges, roles: profile.roles };
  } finally {
    await introspection.close();
  }
}

/** The current credentials log in and run the official test step's query. */
async function currentLogsIn(store: MemorySecretStore): Promise<void> {
  const current = currentOf(store);
  const session = await target.connect({ username: current.username, password: current.password, host: fake.host, port: fake.port, database: current.dbname, tls: 'disable' });
  await session.ping();
  await session.close();
}

const rotakit = (store: MemorySecretStore, strategy: Strategy) => rotate({ store, target, strategy, schema: awsSchema, secretId: 'app' });

describe('taking over from AWS\'s official SQL Server rotation functions (multi user)', () => {
  it('in a user database: rotakit rotates users the official statements made and rotated, rights unchanged, and the official statements rotate after rotakit', async () => {
    const admin = await adminOf('orders');
    await run(admin, "CREATE LOGIN [orders_app] WITH PASSWORD = N'Orders-app-password-1'");
    await execute(admin, createUserForLogin('orders_app'));
    await run(admin, 'ALTER ROLE [db_datareader] ADD MEMBER [orders_app]');
    await run(admin, 'GRANT INSERT ON OBJECT::[sales].[invoices] TO [orders_app] WITH GRANT OPTION');
    await run(admin, 'GRANT UPDATE ON OBJECT::[dbo].[orders] ([name]) TO [orders_app]');
    await run(admin, 'DENY DELETE ON SCHEMA::[sales] TO [orders_app]');
    const store = storeWith(secretOf('orders', 'orders_app', 'Orders-app-password-1'));

    // Two official rotations: the clone is made (rights copied once), then the original comes back.
    await officialRotation(store, 'app', 'multi-user');
    await officialRotation(store, 'app', 'multi-user');
    // The DBA grants the current user more; the official functions never copy it to the clone.
    await run(admin, 'GRANT SELECT ON OBJECT::[sales].[invoices] TO [orders_app]');
    const before = await rightsOfCurrent(store);
    expect(currentOf(store).username).toBe('orders_app');

    for (const expected of ['orders_app_clone', 'orders_app']) {
      await rotakit(store, alternatingUsers());
      expect(currentOf(store).username).toBe(expected);
      expect(await rightsOfCurrent(store)).toEqual(before);
      await currentLogsIn(store);
    }

    await rotakit(store, alternatingUsers());
    await officialRotation(store, 'app', 'multi-user');
    expect(currentOf(store).username).toBe('orders_app');
    expect(await rightsOfCurrent(store)).toEqual(before);
    await currentLogsIn(store);
  });

  it('in master: server permissions the official statements copied (and server roles they did not) rotate with rights unchanged', async () => {
    const admin = await adminOf('master');
    await execute(admin, createLogin('server_app', 'Server-app-password-1', { checkPolicy: true, checkExpiration: false }));
    await run(admin, 'GRANT VIEW SERVER STATE TO [server_app]');
    await run(admin, 'GRANT VIEW ANY DEFINITION TO [server_app] WITH GRANT OPTION');
    await run(admin, 'ALTER SERVER ROLE [processadmin] ADD MEMBER [server_app]');
    const store = storeWith(secretOf('master', 'server_app', 'Server-app-password-1'));

    await officialRotation(store, 'app', 'multi-user');
    const before = await rightsOfCurrent(store);
    expect(currentOf(store).username).toBe('server_app_clone');

    for (const expected of ['server_app', 'server_app_clone']) {
      await rotakit(store, alternatingUsers());
      expect(currentOf(store).username).toBe(expected);
      expect(await rightsOfCurrent(store)).toEqual(before);
      await currentLogsIn(store);
    }

    await officialRotation(store, 'app', 'multi-user');
    expect(await rightsOfCurrent(store)).toEqual(before);
    await currentLogsIn(store);
  });

  it('in a contained database: contained users the official statements made rotate with rights unchanged, and back', async () => {
    const admin = await adminOf('contained_orders');
    await execute(admin, createContainedUser('report', 'Report-password-1'));
    await run(admin, 'ALTER ROLE [db_datareader] ADD MEMBER [report]');
    await run(admin, 'GRANT UPDATE ON OBJECT::[dbo].[orders] TO [report]');
    const store = storeWith(secretOf('contained_orders', 'report', 'Report-password-1'));

    await officialRotation(store, 'app', 'multi-user');
    const before = await rightsOfCurrent(store);

    for (const expected of ['report', 'report_clone']) {
      await rotakit(store, alternatingUsers());
      expect(currentOf(store).username).toBe(expected);
      expect(await rightsOfCurrent(store)).toEqual(before);
      await currentLogsIn(store);
    }

    await officialRotation(store, 'app', 'multi-user');
    expect(await rightsOfCurrent(store)).toEqual(before);
    await currentLogsIn(store);
  });
});

describe('taking over from AWS\'s official SQL Server rotation functions (single user)', () => {
  it.each([
    ['a login', 'orders'],
    ['a contained user', 'contained_orders'],
  ])('rotakit rotates %s the official statements rotated, and the official statements rotate after rotakit', async (_kind, database) => {
    const admin = await adminOf(database);
    const name = `single_${database}`;
    if (database === 'orders') {
      await run(admin, `CREATE LOGIN ${quoteIdentifier(name)} WITH PASSWORD = N'Single-password-1'`);
      await execute(admin, createUserForLogin(name));
    } else {
      await execute(admin, createContainedUser(name, 'Single-password-1'));
    }
    await run(admin, `GRANT SELECT ON OBJECT::[dbo].[orders] TO ${quoteIdentifier(name)}`);
    const store = storeWith(secretOf(database, name, 'Single-password-1'));
    const { masterarn: _none, ...single } = currentOf(store);
    store.putSecret('app', single);

    await officialRotation(store, 'app', 'single-user');
    const before = await rightsOfCurrent(store);
    await rotakit(store, singleUser());
    await currentLogsIn(store);
    await officialRotation(store, 'app', 'single-user');
    await currentLogsIn(store);
    expect(currentOf(store)).toMatchObject({ username: name });
    expect(await rightsOfCurrent(store)).toEqual(before);
  });
});
