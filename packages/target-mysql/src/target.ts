import type { EventEmitter } from 'node:events';
import { connect as netConnect } from 'node:net';
import {
  InvalidOptionsError,
  Redactor,
  TLS_MODES,
  TlsRequiredError,
  type ConnectContext,
  type Login,
  type Target,
  type TargetSession,
} from '@rotakit/core';
import { createConnection as createCoreConnection } from 'mysql2';
import { createConnection, type Connection, type ConnectionOptions } from 'mysql2/promise';
import { AccountCatalog, text } from './catalog.js';
import { connectError, statementError } from './errors.js';
import { checkCatalogUsername, sameMysqlUser, userOfAccount } from './names.js';
import { resolveOptions, type MysqlTargetOptions, type ResolvedMysqlOptions } from './options.js';
import { MysqlSession } from './session.js';
import type { SqlDialect } from './sql.js';
import { parseServerVersion } from './version.js';

/** The handshake's capability flag of a server that offers TLS (`CLIENT_SSL` in the MySQL protocol). */
const CLIENT_SSL = 0x800;

/** The port MySQL listens on unless the login says otherwise. */
export const DEFAULT_MYSQL_PORT = 3306;

/** The MySQL `Target` as `mysqlTarget` returns it. */
export interface MysqlTarget extends Target {
  readonly engine: 'mysql';
  /** The validated options with their defaults. */
  readonly options: ResolvedMysqlOptions;
}

/**
 * Creates the target for MySQL 5.6, 5.7, 8.x, 9.x and MariaDB (driver `mysql2`). Options are
 * validated here, before anything connects: an unknown key or a bad value throws
 * `InvalidOptionsError` naming the field.
 */
export function mysqlTarget(options: MysqlTargetOptions = {}): MysqlTarget {
  const resolved = resolveOptions(options);
  return {
    engine: 'mysql',
    tls: resolved.tls.mode,
    options: resolved,
    maxUsernameLength: resolved.maxUsernameLength,
    // MySQL and MariaDB measure account names in characters.
    usernameLength: (username) => [...username].length,
    // Alternating users: a name the utf8mb3 account catalog cannot keep (4-byte UTF-8 characters) is refused.
    checkUsername: (username, use) => checkCatalogUsername(username, use?.synced === true),
    // The server's own comparison: trailing spaces do not count, case does.
    sameUser: sameMysqlUser,
    connect: (login, context) => connect(login, resolved, context),
  };
}

async function connect(login: Login, options: ResolvedMysqlOptions, context?: ConnectContext): Promise<TargetSession> {
  const { catalog, user } = await openCatalog(login, options);
  return new MysqlSession(catalog, user, context?.logger ?? options.logger);
}

interface ServerRow {
  version: unknown;
  comment: unknown;
  sqlMode: unknown;
  account: unknown;
}

/**
 * Logs in as `login` and reads the server's version, the session's sql_mode and the account the
 * server matched: the catalog of that connection (its redactor knowing the login's password), and
 * the user part of `CURRENT_USER()`. A failed login is classified by `connectError`.
 */
export async function openCatalog(login: Login, options: ResolvedMysqlOptions): Promise<{ catalog: AccountCatalog; user: string }> {
  if (!TLS_MODES.includes(login.tls)) {
    throw new InvalidOptionsError(`login tls must be one of ${TLS_MODES.join(', ')}`, { field: 'tls' });
  }
  const host = login.host ?? 'localhost';
  const port = login.port ?? DEFAULT_MYSQL_PORT;
  const where = `${host}:${port}`;
  const redactor = new Redactor();
  redactor.add(login.password);
  const connectionOptions = connectionOptionsOf(login, host, port, options);
  let connection: Connection;
  const attempt = loginAttempt(connectionOptions);
  try {
    connection = await attempt.connected;
  } catch (error) {
    const classified = connectError(error, login, where, redactor);
    if (classified.code === 'TargetAuthFailed' && login.tls === 'disable' && attempt.serverOffersTls() && (await loginNeedsTls(connectionOptions))) {
      throw new TlsRequiredError(
        `the server at ${where} refuses this login in plaintext but accepts it over TLS; the login has tls: disable`,
      );
    }
    throw classified;
  }
  // A fatal error while no query runs is emitted as an event; without a listener it would crash the process.
  (connection as unknown as EventEmitter).on('error', () => undefined);
  try {
    const [rows] = await connection.query(
      'SELECT VERSION() AS version, @@version_comment AS comment, @@SESSION.sql_mode AS sqlMode, CURRENT_USER() AS account',
    );
    const row = (rows as ServerRow[])[0];
    if (!row) throw new Error('the server answered no row to SELECT VERSION()');
    const dialect: SqlDialect = {
      server: parseServerVersion(String(row.version), String(row.comment ?? '')),
      noBackslashEscapes: String(row.sqlMode ?? '').toUpperCase().split(',').includes('NO_BACKSLASH_ESCAPES'),
    };
    return { catalog: new AccountCatalog(connection, dialect, redactor), user: userOfAccount(text(row.account)) };
  } catch (error) {
    connection.destroy();
    throw statementError(error, { sql: '', purpose: 'read the server version', secret: false }, redactor);
  }
}

/**
 * One login, as `mysql2/promise`'s `createConnection` makes it, keeping the handshake's word on
 * whether the server offers TLS: a refused login is worth retrying over TLS only on such a server.
 * When the driver does not say (no handshake flags), the server is taken to offer TLS.
 */
function loginAttempt(options: ConnectionOptions): { connected: Promise<Connection>; serverOffersTls: () => boolean } {
  const core = createCoreConnection(options);
  const connected = new Promise<Connection>((resolve, reject) => {
    core.once('connect', () => resolve(core.promise() as unknown as Connection));
    core.once('error', reject);
  });
  const serverOffersTls = (): boolean => {
    const flags = (core as unknown as { serverCapabilityFlags?: unknown }).serverCapabilityFlags;
    return typeof flags !== 'number' || flags === 0 || (flags & CLIENT_SSL) !== 0;
  };
  return { connected, serverOffersTls };
}

/**
 * MariaDB answers a plaintext login refused by `require_secure_transport` (or an account's
 * `REQUIRE SSL`) with the same error as a wrong password. Trying the same login over TLS tells
 * the two apart; the password is no more exposed than by the plaintext attempt just made. Only a
 * server whose handshake offers TLS gets the retry: on another, it could only fail.
 */
async function loginNeedsTls(options: ConnectionOptions): Promise<boolean> {
  try {
    const probe = await createConnection({ ...options, ssl: { rejectUnauthorized: false, verifyIdentity: false } });
    await probe.end().catch(() => probe.destroy());
    return true;
  } catch {
    return false;
  }
}

function connectionOptionsOf(login: Login, host: string, port: number, options: ResolvedMysqlOptions): ConnectionOptions {
  const connection: ConnectionOptions = {
    host,
    port,
    user: login.username,
    password: login.password,
    connectTimeout: options.connectTimeoutMs,
    multipleStatements: false,
    charset: 'UTF8MB4_UNICODE_CI',
  };
  if (login.database !== undefined) connection.database = login.database;
  if (login.tls === 'require') connection.ssl = { rejectUnauthorized: false, verifyIdentity: false };
  if (login.tls === 'verify') {
    // A fresh object per login: mysql2 keys its TLS session cache on it, and a resumed session skips verification.
    const { ca, servername } = options.tls;
    connection.ssl = { rejectUnauthorized: true, verifyIdentity: true, ...(ca === undefined ? {} : { ca }) };
    if (servername !== undefined) {
      // mysql2 checks the certificate against `host`; to check another name, it gets that name and a socket to the real address.
      connection.host = servername;
      connection.stream = () => netConnect({ host, port });
    }
  }
  return connection;
}
