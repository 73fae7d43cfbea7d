import { checkServerIdentity, type ConnectionOptions } from 'node:tls';
import pg from 'pg';
import { Redactor, type Login, type PasswordConstraints, type Target, type TargetSession, type TlsMode } from '@rotakit/core';
import { classifyConnectError, statementError } from './errors.js';
import { resolveOptions, type PostgresTargetOptions, type ResolvedPostgresOptions } from './options.js';
import { PostgresSession } from './session.js';
import { MAX_PASSWORD_BYTES } from './scram.js';
import { identifierLength } from './sql.js';

/** The PostgreSQL `Target` as `postgresTarget` returns it. */
export interface PostgresTarget extends Target {
  readonly engine: 'postgres';
  /** The validated options with their defaults. */
  readonly options: ResolvedPostgresOptions;
}

// A NUL cannot be stored in a PostgreSQL string; libpq and the server's SASLprep refuse passwords over 1024 bytes.
const PASSWORD_CONSTRAINTS: PasswordConstraints = { maxLength: MAX_PASSWORD_BYTES, excludeCharacters: '\0' };

/**
 * Creates the PostgreSQL target (driver `pg`). Options are validated here, before anything
 * connects: an unknown key or a bad value throws `InvalidOptionsError` naming the field.
 */
export function postgresTarget(options: PostgresTargetOptions = {}): PostgresTarget {
  const resolved = resolveOptions(options);
  return {
    engine: 'postgres',
    options: resolved,
    maxUsernameLength: resolved.maxUsernameLength,
    usernameLength: identifierLength,
    tls: resolved.tls.mode,
    passwordConstraints: PASSWORD_CONSTRAINTS,
    connect: (login) => connect(login, resolved),
  };
}

function sslOf(mode: TlsMode, options: ResolvedPostgresOptions): false | ConnectionOptions {
  if (mode === 'disable') return false;
  if (mode === 'require') return { rejectUnauthorized: false };
  const { ca, servername } = options.tls;
  return {
    rejectUnauthorized: true,
    ...(ca === undefined ? {} : { ca }),
    // pg sets the SNI name from the host itself, so a configured name is checked explicitly.
    ...(servername === undefined ? {} : { checkServerIdentity: (_host, cert) => checkServerIdentity(servername, cert) }),
  };
}

/** A logged-in `pg` client, with what the server said about it and a redactor that knows the login's password. */
export interface PostgresConnection {
  readonly client: pg.Client;
  /** `server_version_num`, e.g. 160004. */
  readonly version: number;
  /** `session_user`: the role the connection logged in as. */
  readonly sessionUser: string;
  readonly redactor: Redactor;
}

async function connect(login: Login, options: ResolvedPostgresOptions): Promise<TargetSession> {
  return new PostgresSession(await openConnection(login, options), options);
}

/**
 * Logs in as `login` with the target's options (TLS as `login.tls` asks, never a plaintext
 * fallback) and asks the server its version and the session user; a failed login is classified.
 */
export async function openConnection(login: Login, options: ResolvedPostgresOptions): Promise<PostgresConnection> {
  const host = login.host ?? 'localhost';
  const port = login.port ?? options.defaultPort;
  const where = `${host}:${port}`;
  const redactor = new Redactor();
  redactor.add(login.password);
  const client = new pg.Client({
    host,
    port,
    database: login.database ?? options.defaultDatabase,
    user: login.username,
    password: login.password,
    ssl: sslOf(login.tls, options),
    connectionTimeoutMillis: options.connectTimeoutMs,
    application_name: 'rotakit',
  });
  // A connection dropped by the server while idle must not crash the process; the next query reports it.
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (error) {
    await client.end().catch(() => undefined);
    throw classifyConnectError(error, login, where, redactor);
  }
  try {
    const about = await client.query<{ version: string; user: string }>(
      `SELECT current_setting('server_version_num') AS version, session_user AS "user"`,
    );
    const row = about.rows[0];
    return { client, version: Number(row?.version ?? 0), sessionUser: row?.user ?? login.username, redactor };
  } catch (error) {
    await client.end().catch(() => undefined);
    throw statementError(error, 'reading the server version and the session user', redactor);
  }
}
