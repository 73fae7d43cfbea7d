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
} from '../src/statements.js';

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
export async function conformanceFixture(address: ServerAddress, target: Target, stop: () => Promise<void>): Promise<TargetConformanceFixture> {
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
