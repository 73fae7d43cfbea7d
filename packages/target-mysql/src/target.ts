import { randomBytes } from 'node:crypto';
import type { EventEmitter } from 'node:events';
import { connect as netConnect } from 'node:net';
import {
  checkNewPassword,
  checkUserSyncRequest,
  InvalidOptionsError,
  StepFailedError,
  TLS_MODES,
  TlsRequiredError,
  type ConnectContext,
  type Logger,
  type Login,
  type Target,
  type TargetSession,
  type TlsMode,
  type UserProfile,
  type UserSyncRequest,
} from '@rotakit/core';
import { createConnection, type Connection, type ConnectionOptions } from 'mysql2/promise';
import { connectError, errnoOf, GRANT_DENIED, statementError } from './errors.js';
import { describeGrants, grantChanges, parseGrants, type AccountGrants, type GrantChange } from './grants.js';
import { resolveOptions, type MysqlTargetOptions, type ResolvedMysqlOptions } from './options.js';
import { accountName, quoteIdentifier, type SqlDialect, type Statement } from './sql.js';
import {
  createUserStatement,
  DEFAULT_ROLES_QUERY,
  defaultRoleStatement,
  dropUserStatement,
  grantChangeStatement,
  hasRoles,
  hostEntriesQuery,
  requireClause,
  requireStatement,
  setOwnPasswordStatement,
  setPasswordStatement,
  showGrantsStatement,
  TLS_REQUIREMENT_QUERY,
  type Account,
  type TlsRequirement,
} from './statements.js';
import { atLeast, parseServerVersion } from './version.js';

/** The port MySQL listens on unless the login says otherwise. */
export const DEFAULT_MYSQL_PORT = 3306;

/**
 * A rotakit `Target` for MySQL 5.6, 5.7, 8.x, 9.x and MariaDB over mysql2. Options are validated
 * here, before anything connects; an unknown or bad option throws `InvalidOptionsError` naming it.
 */
export function mysqlTarget(options: MysqlTargetOptions = {}): Target {
  return new MysqlTarget(resolveOptions(options));
}

class MysqlTarget implements Target {
  readonly engine = 'mysql';
  readonly maxUsernameLength: number;
  readonly tls: TlsMode;
  readonly #options: ResolvedMysqlOptions;

  constructor(options: ResolvedMysqlOptions) {
    this.#options = options;
    this.maxUsernameLength = options.maxUsernameLength;
    this.tls = options.tls.mode;
  }

  /** MySQL and MariaDB measure account names in characters. */
  usernameLength(username: string): number {
    return [...username].length;
  }

  async connect(login: Login, context?: ConnectContext): Promise<TargetSession> {
    if (!TLS_MODES.includes(login.tls)) {
      throw new InvalidOptionsError(`login tls must be one of ${TLS_MODES.join(', ')}`, { field: 'tls' });
    }
    const host = login.host ?? 'localhost';
    const port = login.port ?? DEFAULT_MYSQL_PORT;
    const where = `${host}:${port}`;
    const secrets = [login.password];
    const options = this.#connectionOptions(login, host, port);
    let connection: Connection;
    try {
      connection = await createConnection(options);
    } catch (error) {
      const classified = connectError(error, where, login.username, secrets);
      if (classified.code === 'TargetAuthFailed' && login.tls === 'disable' && (await this.#loginNeedsTls(options))) {
        throw new TlsRequiredError(
          `the server at ${where} refuses this login in plaintext but accepts it over TLS; the login has tls: disable`,
        );
      }
      throw classified;
    }
    // A fatal error while no query runs is emitted as an event; without a listener it would crash the process.
    (connection as unknown as EventEmitter).on('error', () => undefined);
    try {
      const [rows] = await connection.query('SELECT VERSION() AS version, @@version_comment AS comment, @@SESSION.sql_mode AS sqlMode');
      const row = (rows as ServerRow[])[0];
      if (!row) throw new Error('the server answered no row to SELECT VERSION()');
      const dialect: SqlDialect = {
        server: parseServerVersion(String(row.version), String(row.comment ?? '')),
        noBackslashEscapes: String(row.sqlMode ?? '').toUpperCase().split(',').includes('NO_BACKSLASH_ESCAPES'),
      };
      return new MysqlSession(connection, dialect, secrets, context?.logger ?? this.#options.logger);
    } catch (error) {
      connection.destroy();
      throw statementError(error, { sql: '', purpose: 'read the server version', secret: false }, secrets);
    }
  }

  /**
   * MariaDB answers a plaintext login refused by `require_secure_transport` (or an account's
   * `REQUIRE SSL`) with the same error as a wrong password. Trying the same login over TLS tells
   * the two apart; the password is no more exposed than by the plaintext attempt just made.
   */
  async #loginNeedsTls(options: ConnectionOptions): Promise<boolean> {
    try {
      const probe = await createConnection({ ...options, ssl: { rejectUnauthorized: false, verifyIdentity: false } });
      await probe.end().catch(() => probe.destroy());
      return true;
    } catch {
      return false;
    }
  }

  #connectionOptions(login: Login, host: string, port: number): ConnectionOptions {
    const options: ConnectionOptions = {
      host,
      port,
      user: login.username,
      password: login.password,
      connectTimeout: this.#options.connectTimeoutMs,
      multipleStatements: false,
      charset: 'UTF8MB4_UNICODE_CI',
    };
    if (login.database !== undefined) options.database = login.database;
    if (login.tls === 'require') options.ssl = { rejectUnauthorized: false, verifyIdentity: false };
    if (login.tls === 'verify') {
      // A fresh object per login: mysql2 keys its TLS session cache on it, and a resumed session skips verification.
      const { ca, servername } = this.#options.tls;
      options.ssl = { rejectUnauthorized: true, verifyIdentity: true, ...(ca === undefined ? {} : { ca }) };
      if (servername !== undefined) {
        // mysql2 checks the certificate against `host`; to check another name, it gets that name and a socket to the real address.
        options.host = servername;
        options.stream = () => netConnect({ host, port });
      }
    }
    return options;
  }
}

interface ServerRow {
  version: unknown;
  comment: unknown;
  sqlMode: unknown;
}

interface HostRow {
  host: unknown;
  [column: string]: unknown;
}

const text = (value: unknown): string => (Buffer.isBuffer(value) ? value.toString('utf8') : String(value ?? ''));

class MysqlSession implements TargetSession {
  readonly #connection: Connection;
  readonly #dialect: SqlDialect;
  /** Every password this session has seen, scrubbed from whatever it throws. */
  readonly #secrets: string[];
  readonly #logger: Logger;
  #closed = false;

  constructor(connection: Connection, dialect: SqlDialect, secrets: string[], logger: Logger) {
    this.#connection = connection;
    this.#dialect = dialect;
    this.#secrets = secrets;
    this.#logger = logger;
  }

  async ping(): Promise<void> {
    await this.#run({ sql: 'SELECT 1', purpose: 'ping', secret: false });
  }

  async setOwnPassword(newPassword: string): Promise<void> {
    checkNewPassword(newPassword);
    this.#secrets.push(newPassword);
    await this.#run(setOwnPasswordStatement(this.#dialect, newPassword));
  }

  /**
   * Makes `request.user` a copy of `request.source`: one host entry per host entry of the source
   * (extra ones dropped), each with the source entry's grants, roles, default roles and TLS
   * requirement. The password is set last, so credentials that log in mean a finished sync.
   */
  async syncUser(request: UserSyncRequest): Promise<void> {
    checkUserSyncRequest(request);
    this.#secrets.push(request.password);
    if (request.source === request.user) {
      throw new InvalidOptionsError('the alternate user must differ from the source user', { field: 'user' });
    }
    const sourceHosts = await this.#hosts(request.source);
    if (sourceHosts.length === 0) {
      throw new StepFailedError(`the source user ${request.source} does not exist on the server`, false);
    }
    const existing = await this.#hosts(request.user);
    for (const host of sourceHosts) {
      const account = { user: request.user, host };
      if (!existing.includes(host)) {
        // Created with a throwaway password: until the sync is done, the pending password does not log in.
        const throwaway = randomBytes(24).toString('base64url');
        this.#secrets.push(throwaway);
        await this.#run(createUserStatement(this.#dialect, account, throwaway));
      }
      await this.#copyAccount({ user: request.source, host }, account);
    }
    for (const host of existing.filter((entry) => !sourceHosts.includes(entry))) {
      this.#logger.info({ user: request.user, host }, 'dropping a host entry the source user does not have');
      await this.#run(dropUserStatement({ user: request.user, host }));
    }
    for (const host of sourceHosts) {
      await this.#run(setPasswordStatement(this.#dialect, { user: request.user, host }, request.password));
    }
  }

  async inspectUser(username: string): Promise<UserProfile | undefined> {
    const hosts = await this.#hosts(username);
    if (hosts.length === 0) return undefined;
    const profiles: { host: string; privileges: string[]; roles: string[]; tls: string }[] = [];
    for (const host of hosts) {
      const account = { user: username, host };
      const { privileges, roles } = describeGrants(await this.#grants(account));
      const tls = requireClause(this.#dialect, await this.#tlsRequirement(account)).replace(/^REQUIRE /, '');
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

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    try {
      await this.#connection.end();
    } catch {
      this.#connection.destroy();
    }
  }

  async #copyAccount(source: Account, target: Account): Promise<void> {
    await this.#run(requireStatement(this.#dialect, target, await this.#tlsRequirement(source)));
    const wanted = await this.#grants(source);
    const held = await this.#grants(target);
    for (const change of grantChanges(wanted, held)) await this.#applyChange(target, change);
    if (hasRoles(this.#dialect.server)) {
      const wantedDefaults = wanted.defaultRoles ?? [];
      const heldDefaults = (await this.#grants(target)).defaultRoles ?? [];
      if (wantedDefaults.join(',') !== heldDefaults.join(',')) {
        await this.#run(defaultRoleStatement(this.#dialect, target, wantedDefaults));
      }
    }
  }

  /**
   * Runs one grant change. A grant the privileged account may not give (it lacks the privilege or
   * its GRANT OPTION, e.g. a dynamic privilege like XA_RECOVER_ADMIN on a managed server) is retried
   * one privilege at a time, and what still fails is skipped with a warning; a failed revoke throws.
   */
  async #applyChange(target: Account, change: GrantChange): Promise<void> {
    const statement = grantChangeStatement(target, change);
    const skippable = change.kind === 'grant' || change.kind === 'grant-role';
    if (!skippable) {
      await this.#run(statement);
      return;
    }
    try {
      await this.#execute(statement);
      return;
    } catch (error) {
      if (!GRANT_DENIED.has(errnoOf(error) ?? 0)) throw statementError(error, statement, this.#secrets);
      if (change.kind === 'grant' && change.privileges.length > 1) {
        for (const privilege of change.privileges) await this.#applyChange(target, { ...change, privileges: [privilege] });
        return;
      }
      this.#logger.warn(
        { account: accountName(target.user, target.host), grant: statement.purpose, errno: errnoOf(error) },
        'skipped a grant the privileged account is not allowed to give',
      );
    }
  }

  async #hosts(user: string): Promise<string[]> {
    const rows = await this.#select<HostRow>(hostEntriesQuery(this.#dialect.server), [user], `list the host entries of ${user}`);
    return rows.map((row) => text(row.host));
  }

  async #grants(account: Account): Promise<AccountGrants> {
    const statement = showGrantsStatement(account);
    const lines = await this.#run(statement).then((rows) => (rows as unknown[][]).map((row) => text(row[0])));
    let grants: AccountGrants;
    try {
      grants = parseGrants(lines, !this.#dialect.noBackslashEscapes);
    } catch (error) {
      throw new StepFailedError(`could not ${statement.purpose}: ${(error as Error).message}`, false);
    }
    if (atLeast(this.#dialect.server, 'mysql', 8)) {
      const rows = await this.#select<HostRow & { user: unknown }>(
        DEFAULT_ROLES_QUERY,
        [account.user, account.host],
        `read the default roles of ${accountName(account.user, account.host)}`,
      );
      grants.defaultRoles = rows.map((row) => `${quoteIdentifier(text(row.user))}@${quoteIdentifier(text(row.host))}`);
    }
    return grants;
  }

  async #tlsRequirement(account: Account): Promise<TlsRequirement> {
    const [row] = await this.#select<Record<string, unknown>>(
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

  /** A query with values bound server-side (a prepared statement), immune to the session's sql_mode. */
  async #select<Row extends Record<string, unknown>>(sql: string, values: string[], purpose: string): Promise<Row[]> {
    try {
      const [rows] = await this.#connection.execute(sql, values);
      return rows as Row[];
    } catch (error) {
      throw statementError(error, { sql, purpose, secret: false }, this.#secrets);
    }
  }

  /** Runs a statement whose literals are already quoted; rows come back as arrays. */
  async #run(statement: Statement): Promise<unknown> {
    try {
      return await this.#execute(statement);
    } catch (error) {
      throw statementError(error, statement, this.#secrets);
    }
  }

  async #execute(statement: Statement): Promise<unknown> {
    const [rows] = await this.#connection.query({ sql: statement.sql, rowsAsArray: true });
    return rows;
  }
}
