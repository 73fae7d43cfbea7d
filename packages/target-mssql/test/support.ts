import { createServer, type AddressInfo } from 'node:net';
import type { Login, Target, TlsMode } from '@rotakit/core';
import type { TargetConformanceFixture } from '@rotakit/testkit/conformance';
import sql from 'mssql';
import {
  applyPermission,
  catalogQuery,
  createContainedUser,
  createLogin,
  createUserForLogin,
  quoteIdentifier,
  revokePermission,
  type Permission,
  type Statement,
} from '../src/sql.js';
import { openMssqlIntrospection } from '../src/internal.js';
import type { MssqlTarget } from '../src/index.js';
import type { BoundaryFixture } from './privilege-boundaries.js';

/** Where a SQL Server (the fake or a real one) listens, and as whom to administer it. */
export interface ServerAddress {
  readonly host: string;
  readonly port: number;
  readonly database: string;
  readonly admin: { readonly username: string; readonly password: string };
  readonly tls: TlsMode;
  readonly ca?: string;
  readonly servername?: string;
}

/** Tables the fixture grants on: privilege `a` is SELECT on the first, `b` on the second. */
export const SAMPLE_TABLES = ['rotakit_sample_a', 'rotakit_sample_b'] as const;

/** How users are made in the fixture's database. */
type Mode = 'login-and-user' | 'server-login' | 'contained-user';

/** A port where nothing listens (it was free a moment ago). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** An mssql pool for the administrator, for fixture statements. */
export async function adminPool(address: ServerAddress): Promise<sql.ConnectionPool> {
  const pool = new sql.ConnectionPool({
    server: address.host,
    port: address.port,
    user: address.admin.username,
    password: address.admin.password,
    database: address.database,
    pool: { min: 0, max: 1 },
    options: {
      encrypt: address.tls !== 'disable',
      trustServerCertificate: address.tls === 'require',
      ...(address.servername ? { serverName: address.servername } : {}),
      ...(address.ca ? { cryptoCredentialsDetails: { ca: address.ca } } : {}),
    },
  });
  await pool.connect();
  return pool;
}

/** Runs a statement on `pool` with its parameters bound. */
export async function execute(pool: sql.ConnectionPool, statement: Statement): Promise<Record<string, unknown>[]> {
  const request = pool.request();
  for (const [name, value] of Object.entries(statement.parameters)) request.input(name, sql.NVarChar, value);
  return (await request.query(statement.text)).recordset ?? [];
}

const plain = (text: string): Statement => ({ text, parameters: {} });

function samplePermission(mode: Mode, which: 'a' | 'b'): Permission {
  if (mode === 'server-login') {
    return { state: 'GRANT', permission: which === 'a' ? 'VIEW SERVER STATE' : 'VIEW ANY DEFINITION', on: { class: 'SERVER' } };
  }
  return { state: 'GRANT', permission: 'SELECT', on: { class: 'OBJECT', schema: 'dbo', object: SAMPLE_TABLES[which === 'a' ? 0 : 1] } };
}

/**
 * The conformance fixture for a SQL Server at `address`: users are server logins (in master),
 * logins with a database user (in a user database) or contained users, as the database calls for.
 */
export async function conformanceFixture(address: ServerAddress, target: MssqlTarget, stop: () => Promise<void>): Promise<TargetConformanceFixture> {
  const pool = await adminPool(address);
  const [context] = await execute(pool, catalogQuery('context'));
  const mode: Mode = context?.['containment'] === 1 ? 'contained-user' : String(context?.['database_name']).toLowerCase() === 'master' ? 'server-login' : 'login-and-user';
  if (mode !== 'server-login') {
    for (const table of SAMPLE_TABLES) {
      await execute(pool, plain(`DROP TABLE IF EXISTS [dbo].${quoteIdentifier(table)}`));
      await execute(pool, plain(`CREATE TABLE [dbo].${quoteIdentifier(table)} (id int)`));
    }
  }
  const login = (username: string, password: string): Login => ({
    username,
    password,
    host: address.host,
    port: address.port,
    database: address.database,
    tls: address.tls,
  });
  return {
    target,
    admin: address.admin,
    login,
    unreachable: { ...login('nobody', 'Nobody-password-1'), port: await closedPort() },
    async createUser(username, password) {
      if (mode === 'contained-user') {
        await execute(pool, createContainedUser(username, password));
        return;
      }
      await execute(pool, createLogin(username, password, { checkPolicy: false, checkExpiration: false }));
      if (mode === 'login-and-user') await execute(pool, createUserForLogin(username));
    },
    async grant(username, which) {
      await execute(pool, applyPermission(samplePermission(mode, which), username));
    },
    async revoke(username, which) {
      await execute(pool, revokePermission(samplePermission(mode, which), username));
    },
    async dropUser(username) {
      if (mode !== 'server-login') await execute(pool, plain(`DROP USER IF EXISTS ${quoteIdentifier(username)}`));
      if (mode !== 'contained-user' && (await execute(pool, catalogQuery('sqlLogin', username))).length > 0) {
        await execute(pool, plain(`DROP LOGIN ${quoteIdentifier(username)}`));
      }
    },
    introspect: () => openMssqlIntrospection(target, login(address.admin.username, address.admin.password)),
    async close() {
      await pool.close();
      await stop();
    },
  };
}

/** Reads `MSSQL_URL` (`mssql://user:password@host:port/database?tls=verify|require|disable`). */
export function addressFromUrl(url: string): ServerAddress {
  const parsed = new URL(url);
  const tls = (parsed.searchParams.get('tls') ?? 'require') as TlsMode;
  return {
    host: parsed.hostname,
    port: parsed.port ? Number(parsed.port) : 1433,
    database: decodeURIComponent(parsed.pathname.slice(1)) || 'master',
    admin: { username: decodeURIComponent(parsed.username), password: decodeURIComponent(parsed.password) },
    tls,
  };
}

/** What every account looks like to the administrator of a real server, for before/after comparisons. */
const SNAPSHOT_QUERIES = [
  'SELECT p.name AS principal, p.type, CONVERT(nvarchar(max), l.password_hash, 1) AS password_hash, CAST(l.is_policy_checked AS int) AS policy, CAST(l.is_disabled AS int) AS disabled FROM sys.server_principals AS p LEFT JOIN sys.sql_logins AS l ON l.principal_id = p.principal_id ORDER BY p.name',
  'SELECT r.name AS role_name, m.name AS member_name FROM sys.server_role_members AS x JOIN sys.server_principals AS r ON r.principal_id = x.role_principal_id JOIN sys.server_principals AS m ON m.principal_id = x.member_principal_id ORDER BY r.name, m.name',
  'SELECT g.name AS grantee, CAST(p.class AS int) AS class, p.major_id, p.permission_name, p.state FROM sys.server_permissions AS p JOIN sys.server_principals AS g ON g.principal_id = p.grantee_principal_id ORDER BY g.name, p.class, p.major_id, p.permission_name',
  'SELECT name AS principal, type, CAST(authentication_type AS int) AS authentication_type, modify_date FROM sys.database_principals ORDER BY name',
  'SELECT r.name AS role_name, m.name AS member_name FROM sys.database_role_members AS x JOIN sys.database_principals AS r ON r.principal_id = x.role_principal_id JOIN sys.database_principals AS m ON m.principal_id = x.member_principal_id ORDER BY r.name, m.name',
  'SELECT g.name AS grantee, CAST(p.class AS int) AS class, p.major_id, p.minor_id, p.permission_name, p.state FROM sys.database_permissions AS p JOIN sys.database_principals AS g ON g.principal_id = p.grantee_principal_id ORDER BY g.name, p.class, p.major_id, p.minor_id, p.permission_name',
];

/** Every account of a real server as the administrator sees it (the fake has `catalog.snapshot()`). */
export async function serverSnapshot(pool: sql.ConnectionPool): Promise<unknown> {
  const answers: unknown[] = [];
  for (const text of SNAPSHOT_QUERIES) answers.push(await execute(pool, plain(text)));
  return answers;
}

/**
 * The privilege-boundary fixture for a SQL Server at `address`; `snapshot` reads every account
 * (the fake's catalog, or {@link serverSnapshot} on a real server).
 */
export async function boundaryFixture(
  address: ServerAddress,
  target: Target,
  snapshot: ((pool: sql.ConnectionPool) => Promise<unknown>) | undefined,
  stop: () => Promise<void>,
): Promise<BoundaryFixture> {
  const pool = await adminPool(address);
  const master = await adminPool({ ...address, database: 'master' });
  const inMaster = address.database.toLowerCase() === 'master';
  return {
    target,
    admin: address.admin,
    login: (username, password) => ({ username, password, host: address.host, port: address.port, database: address.database, tls: address.tls }),
    async run(text, where = 'database') {
      await execute(where === 'master' ? master : pool, plain(text));
    },
    async createLogin(name, password, options = {}) {
      const checkPolicy = options.checkPolicy ?? false;
      await execute(pool, createLogin(name, password, { checkPolicy, checkExpiration: false }));
      if (!inMaster) await execute(pool, createUserForLogin(name));
    },
    async dropLogin(name) {
      if (!inMaster) await execute(pool, plain(`DROP USER IF EXISTS ${quoteIdentifier(name)}`));
      if ((await execute(pool, catalogQuery('sqlLogin', name))).length > 0) await execute(pool, plain(`DROP LOGIN ${quoteIdentifier(name)}`));
    },
    snapshot: () => (snapshot ?? serverSnapshot)(pool),
    async close() {
      await pool.close();
      await master.close();
      await stop();
    },
  };
}
