import { afterAll, beforeAll, expect } from 'vitest';
import { createConnection, type Connection } from 'mysql2/promise';
import { isRotakitError, type Login, type Target, type UserIntrospection, type UserProfile } from '@rotakit/core';
import { startMariaDb, type MariaDbServer } from '@rotakit/testkit';
import { mysqlTarget } from '../src/index.js';
import { openMysqlIntrospection } from '../src/internal.js';

/** The database and tables the sample grants `a` and `b` are on. */
export const SAMPLE_DB = 'rotakit_sample';

/** A plain admin connection to the fixture's server, for arranging and checking tests. */
export async function adminConnection(server: MariaDbServer): Promise<Connection> {
  return createConnection({
    host: server.host,
    port: server.port,
    user: server.admin.username,
    password: server.admin.password,
    multipleStatements: false,
    // The tests' own admin link: encrypted when the server has TLS; the target's verification is what is under test.
    ...(server.ca === undefined ? {} : { ssl: { rejectUnauthorized: false } }),
  });
}

/** Quotes an identifier (test-side, independent of the target's own quoting). */
export const ident = (name: string): string => '`' + name.replaceAll('`', '``') + '`';

/** The admin-side operations the tests need, over one admin connection. */
export class Admin {
  constructor(readonly connection: Connection) {}

  async run(sql: string, values: unknown[] = []): Promise<unknown[]> {
    const [rows] = await this.connection.query(sql, values);
    return rows as unknown[];
  }

  async prepareSamples(): Promise<void> {
    await this.run(`CREATE DATABASE IF NOT EXISTS ${SAMPLE_DB}`);
    await this.run(`CREATE TABLE IF NOT EXISTS ${SAMPLE_DB}.a (id INT)`);
    await this.run(`CREATE TABLE IF NOT EXISTS ${SAMPLE_DB}.b (id INT)`);
  }

  /**
   * Creates `user@host` with `password`. MariaDB binds no placeholder in IDENTIFIED BY, so the hash
   * is computed with the password bound server-side and the account made from the (hex) hash.
   */
  async createUser(user: string, password: string, host = '%'): Promise<void> {
    const [rows] = await this.connection.execute('SELECT PASSWORD(?) AS hash', [password]);
    const [{ hash } = { hash: '' }] = rows as { hash: string }[];
    if (!/^\*[0-9A-F]{40}$/.test(hash)) throw new Error('unexpected password hash format');
    await this.run(`CREATE USER ${ident(user)}@${ident(host)} IDENTIFIED BY PASSWORD '${hash}'`);
  }

  async grant(user: string, which: 'a' | 'b', host = '%'): Promise<void> {
    await this.run(`GRANT SELECT ON ${SAMPLE_DB}.${which} TO ${ident(user)}@${ident(host)}`);
  }

  async revoke(user: string, which: 'a' | 'b', host = '%'): Promise<void> {
    await this.run(`REVOKE SELECT ON ${SAMPLE_DB}.${which} FROM ${ident(user)}@${ident(host)}`);
  }

  async dropUser(user: string): Promise<void> {
    const rows = (await this.run('SELECT Host AS host FROM mysql.user WHERE User = ?', [user])) as { host: string }[];
    for (const { host } of rows) await this.run(`DROP USER ${ident(user)}@${ident(host)}`);
  }

  /** Every account with its grants and TLS requirement, keyed `user@host`; for proving nothing else changed. */
  async catalog(except: (user: string) => boolean = () => false): Promise<Map<string, string>> {
    const accounts = (await this.run(
      'SELECT User AS user, Host AS host, ssl_type AS sslType, authentication_string AS auth FROM mysql.user ORDER BY User, Host',
    )) as { user: string; host: string; sslType: string; auth: string }[];
    const catalog = new Map<string, string>();
    for (const { user, host, sslType, auth } of accounts) {
      if (except(user)) continue;
      // MariaDB lists roles in mysql.user with an empty host; SHOW GRANTS names them without one.
      const account = host === '' ? ident(user) : `${ident(user)}@${ident(host)}`;
      const grants = (await this.run(`SHOW GRANTS FOR ${account}`)) as Record<string, string>[];
      catalog.set(`${user}@${host}`, JSON.stringify({ sslType, auth, grants: grants.map((row) => Object.values(row)[0]) }));
    }
    return catalog;
  }
}

/** A login to the fixture's server. */
export function loginTo(server: MariaDbServer, username: string, password: string, tls: Login['tls'] = 'disable'): Login {
  return { username, password, host: server.host, port: server.port, tls };
}

/** Settles `promise` and returns what it threw (failing the test if it did not throw). */
export async function thrown(promise: Promise<unknown>): Promise<Error> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, 'expected a rejection').toBeInstanceOf(Error);
  return error as Error;
}

/** Asserts that no secret appears in an error's message, stack, or its causes'. */
export function expectNoSecret(error: unknown, secrets: readonly string[]): void {
  let current: unknown = error;
  while (current instanceof Error) {
    for (const secret of secrets) {
      expect(current.message).not.toContain(secret);
      expect(current.stack ?? '').not.toContain(secret);
      expect(JSON.stringify(current)).not.toContain(secret);
    }
    current = current.cause;
  }
}

/** A plain MariaDB server with the sample tables, and an admin link to it. */
export interface SampleServer {
  readonly server: MariaDbServer;
  readonly admin: Admin;
}

/** Starts a plain MariaDB server with the sample tables before the calling test file, and stops it after. */
export function useSampleServer(): SampleServer {
  const context = {} as { server: MariaDbServer; admin: Admin };
  beforeAll(async () => {
    context.server = await startMariaDb();
    context.admin = new Admin(await adminConnection(context.server));
    await context.admin.prepareSamples();
  });
  afterAll(async () => {
    await context.admin?.connection.end();
    await context.server?.close();
  });
  return context;
}

/** Whether `user` logs in with `password` (plaintext); an error other than refused credentials fails. */
export async function logsIn(target: Target, server: MariaDbServer, user: string, password: string): Promise<boolean> {
  try {
    await (await target.connect(loginTo(server, user, password))).close();
    return true;
  } catch (error) {
    if (isRotakitError(error, 'TargetAuthFailed')) return false;
    throw error;
  }
}

/** Opens the target's introspection of `server` as its admin, in plaintext. */
export function introspect(server: MariaDbServer): Promise<UserIntrospection> {
  return openMysqlIntrospection(mysqlTarget({ tls: 'disable' }), loginTo(server, server.admin.username, server.admin.password));
}

/**
 * `inspectUser` of the sample server's introspection: opened at the calling test file's first
 * call, closed after the file.
 */
export function useInspect(db: SampleServer): (username: string) => Promise<UserProfile | undefined> {
  let introspection: UserIntrospection | undefined;
  afterAll(async () => {
    await introspection?.close();
  });
  return async (username) => {
    introspection ??= await introspect(db.server);
    return introspection.inspectUser(username);
  };
}
