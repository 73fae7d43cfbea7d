import { Redactor, type Login, type PasswordConstraints, type Target } from '@rotakit/core';
import sql from 'mssql';
import { classifyConnectError } from './errors.js';
import { DEFAULT_PORT, resolveOptions, type MssqlTargetOptions, type ResolvedMssqlOptions } from './options.js';
import { guardedConnector, type ConnectionWatch } from './prelogin.js';
import { MssqlSession } from './session.js';
import { MAX_PASSWORD_LENGTH, sameLogin } from './sql.js';

/** The SQL Server `Target` as `mssqlTarget` returns it. */
export interface MssqlTarget extends Target {
  readonly engine: 'mssql';
  /** The validated options with their defaults. */
  readonly options: ResolvedMssqlOptions;
}

const PASSWORD_CONSTRAINTS: PasswordConstraints = { maxLength: MAX_PASSWORD_LENGTH };

/** How long the session's one connection may idle before mssql closes it. */
const SESSION_IDLE_MS = 10 * 60_000;

/**
 * The SQL Server target: server logins (`ALTER LOGIN`) or, in a contained database, database
 * users with passwords (`ALTER USER`), through the `mssql` driver. Options are validated here,
 * before anything connects: an unknown key or a bad value throws `InvalidOptionsError` naming the
 * field. Names compare as SQL Server's default collation compares them (`sameUser`).
 */
export function mssqlTarget(options: MssqlTargetOptions = {}): MssqlTarget {
  const resolved = resolveOptions(options);
  return {
    engine: 'mssql',
    options: resolved,
    tls: resolved.tls.mode,
    sameUser: sameLogin,
    maxUsernameLength: resolved.maxUsernameLength,
    passwordConstraints: PASSWORD_CONSTRAINTS,
    connect: (login) => connect(login, resolved),
  };
}

/** The mssql config of a one-connection pool for `login`; `watch` learns whether the guard hung up. */
function poolConfig(login: Login, options: ResolvedMssqlOptions, watch: ConnectionWatch): sql.config {
  const encrypt = login.tls !== 'disable';
  const { ca, servername } = options.tls;
  return {
    server: login.host ?? 'localhost',
    port: login.port ?? DEFAULT_PORT,
    user: login.username,
    password: login.password,
    ...(login.database === undefined ? {} : { database: login.database }),
    connectionTimeout: options.connectTimeoutMs,
    requestTimeout: options.requestTimeoutMs,
    // One connection, kept while the session lives: mssql's connect() logs in once to probe and
    // then opens the session's connection on the first request.
    pool: { min: 0, max: 1, idleTimeoutMillis: SESSION_IDLE_MS },
    options: {
      encrypt,
      trustServerCertificate: login.tls === 'require',
      appName: 'rotakit',
      ...(servername === undefined ? {} : { serverName: servername }),
      ...(ca === undefined || login.tls !== 'verify' ? {} : { cryptoCredentialsDetails: { ca } }),
      connector: guardedConnector(encrypt, watch),
    } as sql.config['options'],
  };
}

/**
 * Opens a session as `login`: a one-connection mssql pool, its failure a typed rotakit error
 * (TargetAuthFailed, TlsRequired, TargetUnreachable). The session's `Redactor` starts here, with
 * the login's password.
 */
export async function connect(login: Login, options: ResolvedMssqlOptions): Promise<MssqlSession> {
  const redactor = new Redactor();
  redactor.add(login.password);
  const watch: ConnectionWatch = { refusedPlaintext: false };
  const config = poolConfig(login, options, watch);
  const pool = new sql.ConnectionPool(config);
  // The pool reports connection errors as events too; the awaited promise below carries them.
  pool.on('error', () => undefined);
  try {
    await pool.connect();
  } catch (error) {
    await pool.close().catch(() => undefined);
    throw classifyConnectError(error, login, redactor, watch.refusedPlaintext);
  }
  return new MssqlSession(pool, config, login, options, redactor);
}
