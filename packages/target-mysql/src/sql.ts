/**
 * Quoting and the statements the target sends: every account name, literal and statement text is
 * built here, by the server's version and the session's sql_mode.
 */
import type { GrantChange } from './grants.js';
import { atLeast, type ServerVersion } from './version.js';

/** What statement text depends on: the server's version and how its session reads string literals. */
export interface SqlDialect {
  readonly server: ServerVersion;
  /** `NO_BACKSLASH_ESCAPES` is in the session's sql_mode: a backslash in a literal is an ordinary character. */
  readonly noBackslashEscapes: boolean;
}

/** One statement to run, with whether its text holds a secret (then its errors never echo it). */
export interface Statement {
  readonly sql: string;
  /** What the statement does, for error messages and logs (never a secret). */
  readonly purpose: string;
  readonly secret: boolean;
}

/** Quotes an identifier with backticks, doubling any backtick inside; no sql_mode changes how it reads. */
export function quoteIdentifier(name: string): string {
  return `\`${name.replaceAll('`', '``')}\``;
}

/**
 * Quotes a string literal by the session's rule: quotes are always doubled; backslashes are
 * doubled (and NUL written `\0`) only when backslash escapes are on, since under
 * `NO_BACKSLASH_ESCAPES` a doubled backslash would be two characters of the value.
 */
export function quoteString(value: string, noBackslashEscapes: boolean): string {
  const quoted = value.replaceAll("'", "''");
  if (noBackslashEscapes) return `'${quoted}'`;
  return `'${quoted.replaceAll('\\', '\\\\').replaceAll('\0', '\\0')}'`;
}

/** An account name `user@host`, both parts quoted as identifiers. */
export function accountName(user: string, host: string): string {
  return `${quoteIdentifier(user)}@${quoteIdentifier(host)}`;
}

/** An account's TLS requirement, as `mysql.user` stores it. */
export interface TlsRequirement {
  /** `''` (none), `ANY` (SSL), `X509` or `SPECIFIED`. */
  readonly sslType: string;
  readonly cipher: string;
  readonly issuer: string;
  readonly subject: string;
}

/** An account (`user@host`) as the builders take it. */
export interface Account {
  readonly user: string;
  readonly host: string;
}

/**
 * Whether the server still has `PASSWORD()` and takes `SET PASSWORD … = PASSWORD(…)`: MariaDB
 * always, MySQL before 5.7.6. MySQL 5.7.6 takes a plain literal and 8.0 removed `PASSWORD()` —
 * a test on "8.x" alone would send 9.x down the removed branch.
 */
export function usesPasswordFunction(server: ServerVersion): boolean {
  return server.flavor === 'mariadb' || !atLeast(server, 'mysql', 5, 7, 6);
}

/** Whether `ALTER USER … REQUIRE` exists (MySQL 5.7.6, MariaDB 10.2); before, `GRANT USAGE … REQUIRE`. */
export function hasAlterUserRequire(server: ServerVersion): boolean {
  return atLeast(server, 'mysql', 5, 7, 6) || atLeast(server, 'mariadb', 10, 2);
}

/** Whether the server has roles (MariaDB 10.0.5, MySQL 8.0). */
export function hasRoles(server: ServerVersion): boolean {
  return atLeast(server, 'mariadb', 10, 0, 5) || atLeast(server, 'mysql', 8);
}

function passwordValue(dialect: SqlDialect, password: string): string {
  const literal = quoteString(password, dialect.noBackslashEscapes);
  return usesPasswordFunction(dialect.server) ? `PASSWORD(${literal})` : literal;
}

/** Changes the password of the session's own account (`CURRENT_USER()`, whatever its host). */
export function setOwnPasswordStatement(dialect: SqlDialect, password: string): Statement {
  return { sql: `SET PASSWORD = ${passwordValue(dialect, password)}`, purpose: 'change the own password', secret: true };
}

/** Changes another account's password. */
export function setPasswordStatement(dialect: SqlDialect, account: Account, password: string): Statement {
  return {
    sql: `SET PASSWORD FOR ${accountName(account.user, account.host)} = ${passwordValue(dialect, password)}`,
    purpose: `set the password of ${accountName(account.user, account.host)}`,
    secret: true,
  };
}

/** Creates an account with a password (a plain literal in every version). */
export function createUserStatement(dialect: SqlDialect, account: Account, password: string): Statement {
  return {
    sql: `CREATE USER ${accountName(account.user, account.host)} IDENTIFIED BY ${quoteString(password, dialect.noBackslashEscapes)}`,
    purpose: `create ${accountName(account.user, account.host)}`,
    secret: true,
  };
}

/** Drops an account (a host entry the source user no longer has). */
export function dropUserStatement(account: Account): Statement {
  const name = accountName(account.user, account.host);
  return { sql: `DROP USER ${name}`, purpose: `drop ${name}`, secret: false };
}

/** The `REQUIRE …` clause of a TLS requirement. */
export function requireClause(dialect: SqlDialect, requirement: TlsRequirement): string {
  switch (requirement.sslType.toUpperCase()) {
    case '':
      return 'REQUIRE NONE';
    case 'ANY':
      return 'REQUIRE SSL';
    case 'X509':
      return 'REQUIRE X509';
    case 'SPECIFIED': {
      const parts = (
        [
          ['CIPHER', requirement.cipher],
          ['ISSUER', requirement.issuer],
          ['SUBJECT', requirement.subject],
        ] as const
      )
        .filter(([, value]) => value !== '')
        .map(([name, value]) => `${name} ${quoteString(value, dialect.noBackslashEscapes)}`);
      return parts.length === 0 ? 'REQUIRE SSL' : `REQUIRE ${parts.join(' AND ')}`;
    }
    default:
      throw new Error(`unknown ssl_type ${JSON.stringify(requirement.sslType)}`);
  }
}

/** Sets an account's TLS requirement: `ALTER USER … REQUIRE`, or `GRANT USAGE … REQUIRE` where that is missing. */
export function requireStatement(dialect: SqlDialect, account: Account, requirement: TlsRequirement): Statement {
  const name = accountName(account.user, account.host);
  const clause = requireClause(dialect, requirement);
  return {
    sql: hasAlterUserRequire(dialect.server) ? `ALTER USER ${name} ${clause}` : `GRANT USAGE ON *.* TO ${name} ${clause}`,
    purpose: `set the TLS requirement of ${name}`,
    secret: false,
  };
}

/** The statement that carries out one grant change on `account`. */
export function grantChangeStatement(account: Account, change: GrantChange): Statement {
  const name = accountName(account.user, account.host);
  switch (change.kind) {
    case 'revoke': {
      const sql = `REVOKE ${change.privileges.join(', ')} ON ${change.object} FROM ${name}`;
      return { sql, purpose: `revoke ${change.privileges.join(', ')} ON ${change.object} from ${name}`, secret: false };
    }
    case 'revoke-grant-option':
      return {
        sql: `REVOKE GRANT OPTION ON ${change.object} FROM ${name}`,
        purpose: `revoke GRANT OPTION ON ${change.object} from ${name}`,
        secret: false,
      };
    case 'grant': {
      const option = change.grantOption ? ' WITH GRANT OPTION' : '';
      const sql = `GRANT ${change.privileges.join(', ')} ON ${change.object} TO ${name}${option}`;
      return { sql, purpose: `grant ${change.privileges.join(', ')} ON ${change.object}${option} to ${name}`, secret: false };
    }
    case 'revoke-role':
      return { sql: `REVOKE ${change.role} FROM ${name}`, purpose: `revoke role ${change.role} from ${name}`, secret: false };
    case 'grant-role': {
      const option = change.admin ? ' WITH ADMIN OPTION' : '';
      return { sql: `GRANT ${change.role} TO ${name}${option}`, purpose: `grant role ${change.role} to ${name}`, secret: false };
    }
  }
}

/**
 * Sets an account's default roles (already quoted as the server prints them): MariaDB has one,
 * `SET DEFAULT ROLE r FOR acct`; MySQL 8 any number, `SET DEFAULT ROLE r1, r2 TO acct`.
 */
export function defaultRoleStatement(dialect: SqlDialect, account: Account, roles: readonly string[]): Statement {
  const name = accountName(account.user, account.host);
  const list = roles.length === 0 ? 'NONE' : roles.join(', ');
  const sql =
    dialect.server.flavor === 'mariadb' ? `SET DEFAULT ROLE ${list} FOR ${name}` : `SET DEFAULT ROLE ${list} TO ${name}`;
  return { sql, purpose: `set the default role of ${name}`, secret: false };
}

/** Lists a user's host entries; MariaDB's `mysql.user` also lists roles, which are left out. */
export function hostEntriesQuery(server: ServerVersion): string {
  const notRole = atLeast(server, 'mariadb', 10, 0, 5) ? " AND is_role = 'N'" : '';
  return `SELECT Host AS host FROM mysql.user WHERE User = ?${notRole} ORDER BY Host`;
}

/** Reads an account's TLS requirement. */
export const TLS_REQUIREMENT_QUERY =
  'SELECT ssl_type, ssl_cipher, x509_issuer, x509_subject FROM mysql.user WHERE User = ? AND Host = ?';

/** Reads an account's default roles where `SHOW GRANTS` does not show them (MySQL 8 and later). */
export const DEFAULT_ROLES_QUERY =
  'SELECT DEFAULT_ROLE_USER AS user, DEFAULT_ROLE_HOST AS host FROM mysql.default_roles WHERE USER = ? AND HOST = ? ORDER BY DEFAULT_ROLE_USER, DEFAULT_ROLE_HOST';

/** Lists an account's grants. */
export function showGrantsStatement(account: Account): Statement {
  const name = accountName(account.user, account.host);
  return { sql: `SHOW GRANTS FOR ${name}`, purpose: `read the grants of ${name}`, secret: false };
}

/**
 * What `identity()` asks, readable by any login (no privilege needed, on RDS too): MySQL names
 * each server by `@@server_uuid`. MariaDB has none, so it is named by host name, port and start
 * time; the start time is `UNIX_TIMESTAMP()` less `Uptime`, both taken at the statement's start,
 * so every session computes the same second.
 */
export function identityQuery(server: ServerVersion): string {
  const name =
    server.flavor === 'mysql'
      ? "CONCAT('mysql:', @@server_uuid)"
      : "CONCAT_WS(':', 'mariadb', @@hostname, @@port, UNIX_TIMESTAMP() - (SELECT CAST(VARIABLE_VALUE AS SIGNED) FROM information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME = 'UPTIME'))";
  return `SELECT ${name} AS server, CURRENT_USER() AS account`;
}
