import type { Connection } from 'mysql2/promise';
import { StepFailedError, type Redactor, type UserProfile } from '@rotakit/core';
import { statementError } from './errors.js';
import { describeGrants, parseGrants, type AccountGrants } from './grants.js';
import {
  accountName,
  DEFAULT_ROLES_QUERY,
  hostEntriesQuery,
  quoteIdentifier,
  requireClause,
  showGrantsStatement,
  TLS_REQUIREMENT_QUERY,
  type Account,
  type SqlDialect,
  type Statement,
  type TlsRequirement,
} from './sql.js';
import { atLeast } from './version.js';

interface HostRow {
  host: unknown;
  [column: string]: unknown;
}

/** A column's value as text: mysql2 returns the catalog's binary-collated columns as Buffers. */
export const text = (value: unknown): string => (Buffer.isBuffer(value) ? value.toString('utf8') : String(value ?? ''));

/**
 * One open connection and the reads of the server's account catalog (`mysql.user`, `SHOW GRANTS`,
 * `mysql.default_roles`): what a session plans a sync from, and what the introspection describes.
 * Every failure is wrapped by `statementError`, with the secrets `redactor` knows removed.
 */
export class AccountCatalog {
  readonly #connection: Connection;
  /** The server's version and the session's quoting rule, read at login. */
  readonly dialect: SqlDialect;
  /** Every secret the connection has seen; `.add()` each new one before it is sent. */
  readonly redactor: Redactor;
  #closed = false;

  constructor(connection: Connection, dialect: SqlDialect, redactor: Redactor) {
    this.#connection = connection;
    this.dialect = dialect;
    this.redactor = redactor;
  }

  /** The host entries of `user`, in order (roles left out). */
  async hosts(user: string): Promise<string[]> {
    const rows = await this.select<HostRow>(hostEntriesQuery(this.dialect.server), [user], `list the host entries of ${user}`);
    return rows.map((row) => text(row.host));
  }

  /** An account's grants, with its default roles read from `mysql.default_roles` where SHOW GRANTS omits them (MySQL 8). */
  async grants(account: Account): Promise<AccountGrants> {
    const grants = await this.readGrants(showGrantsStatement(account));
    if (atLeast(this.dialect.server, 'mysql', 8)) {
      const rows = await this.select<HostRow & { user: unknown }>(
        DEFAULT_ROLES_QUERY,
        [account.user, account.host],
        `read the default roles of ${accountName(account.user, account.host)}`,
      );
      grants.defaultRoles = rows.map((row) => `${quoteIdentifier(text(row.user))}@${quoteIdentifier(text(row.host))}`);
    }
    return grants;
  }

  /** Runs a `SHOW GRANTS` statement and parses its lines. */
  async readGrants(statement: Statement): Promise<AccountGrants> {
    const lines = await this.run(statement).then((rows) => (rows as unknown[][]).map((row) => text(row[0])));
    try {
      return parseGrants(lines, !this.dialect.noBackslashEscapes);
    } catch (error) {
      throw new StepFailedError(`could not ${statement.purpose}: ${(error as Error).message}`, false);
    }
  }

  /** An account's TLS requirement as `mysql.user` stores it. */
  async tlsRequirement(account: Account): Promise<TlsRequirement> {
    const [row] = await this.select<Record<string, unknown>>(
      TLS_REQUIREMENT_QUERY,
      [account.user, account.host],
      `read the TLS requirement of ${accountName(account.user, account.host)}`,
    );
    return {
      sslType: text(row?.ssl_type),
      cipher: text(row?.ssl_cipher),
      issuer: text(row?.x509_issuer),
      subject: text(row?.x509_subject),
    };
  }

  /**
   * Describes a user: privileges as `SELECT ON \`db\`.*`, roles as the server prints them (plus
   * `DEFAULT ROLE …`), the TLS requirement as its `REQUIRE` clause without the keyword. A user with
   * several host entries gets each item prefixed with its host. Undefined when it does not exist.
   */
  async describeUser(username: string): Promise<UserProfile | undefined> {
    const hosts = await this.hosts(username);
    if (hosts.length === 0) return undefined;
    const profiles: { host: string; privileges: string[]; roles: string[]; tls: string }[] = [];
    for (const host of hosts) {
      const account = { user: username, host };
      const { privileges, roles } = describeGrants(await this.grants(account));
      const tls = requireClause(this.dialect, await this.tlsRequirement(account)).replace(/^REQUIRE /, '');
      profiles.push({ host, privileges, roles, tls });
    }
    const [only] = profiles;
    if (profiles.length === 1 && only) return { username, privileges: only.privileges, roles: only.roles, tls: only.tls };
    // Several host entries: each item says which entry it belongs to.
    const tagged = (pick: (profile: (typeof profiles)[number]) => string[]): string[] =>
      profiles.flatMap((profile) => pick(profile).map((item) => `${profile.host}: ${item}`)).sort();
    const tlsValues = new Set(profiles.map((profile) => profile.tls));
    return {
      username,
      privileges: tagged((profile) => profile.privileges),
      roles: tagged((profile) => profile.roles),
      tls: tlsValues.size === 1 ? (only?.tls ?? 'NONE') : profiles.map((profile) => `${profile.host}: ${profile.tls}`).join('; '),
    };
  }

  /** A query with values bound server-side (a prepared statement), immune to the session's sql_mode. */
  async select<Row extends Record<string, unknown>>(sql: string, values: string[], purpose: string): Promise<Row[]> {
    try {
      const [rows] = await this.#connection.execute(sql, values);
      return rows as Row[];
    } catch (error) {
      throw statementError(error, { sql, purpose, secret: false }, this.redactor);
    }
  }

  /** Runs a statement whose literals are already quoted, wrapping its failure; rows come back as arrays. */
  async run(statement: Statement): Promise<unknown> {
    try {
      return await this.execute(statement);
    } catch (error) {
      throw statementError(error, statement, this.redactor);
    }
  }

  /** Runs a statement whose literals are already quoted; its failure is the driver's own error. */
  async execute(statement: Statement): Promise<unknown> {
    const [rows] = await this.#connection.query({ sql: statement.sql, rowsAsArray: true });
    return rows;
  }

  /** Closes the connection (destroying it when the server does not answer the goodbye); safe to call twice. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    try {
      await this.#connection.end();
    } catch {
      this.#connection.destroy();
    }
  }
}
