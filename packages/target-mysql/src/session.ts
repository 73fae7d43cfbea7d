import { randomBytes } from 'node:crypto';
import type { EventEmitter } from 'node:events';
import { connect as netConnect } from 'node:net';
import {
  checkNewPassword,
  checkUserSyncRequest,
  InvalidOptionsError,
  refuseAdministrativeSource,
  refuseOwnAccount,
  StepFailedError,
  TLS_MODES,
  TlsRequiredError,
  type ConnectContext,
  type Logger,
  type Login,
  type SessionIdentity,
  type Target,
  type TargetSession,
  type TlsMode,
  type UserProfile,
  type UsernameUse,
  type UserSyncRequest,
  markChangedNothing,
  Redactor,
} from '@rotakit/core';
import { createConnection, type Connection, type ConnectionOptions } from 'mysql2/promise';
import { connectError, errnoOf, grantDenied, refusedByServer, statementError } from './errors.js';
import {
  administrativeRights,
  describeGrants,
  grantChanges,
  parseGrants,
  type AccountGrants,
  type GrantChange,
} from './grants.js';
import { checkCatalogUsername, checkSyncNames, sameMysqlUser, userOfAccount } from './names.js';
import { resolveOptions, type MysqlTargetOptions, type ResolvedMysqlOptions } from './options.js';
import {
  accountName,
  quoteIdentifier,
  type SqlDialect,
  type Statement,
  createUserStatement,
  DEFAULT_ROLES_QUERY,
  defaultRoleStatement,
  dropUserStatement,
  grantChangeStatement,
  hasRoles,
  hostEntriesQuery,
  identityQuery,
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

  /** Alternating users: refuses a name the utf8mb3 account catalog cannot keep (4-byte UTF-8 characters). */
  checkUsername(username: string, use?: UsernameUse): void {
    checkCatalogUsername(username, use?.synced === true);
  }

  /** The server's own comparison: trailing spaces do not count, case does. */
  sameUser(a: string, b: string): boolean {
    return sameMysqlUser(a, b);
  }

  async connect(login: Login, context?: ConnectContext): Promise<TargetSession> {
    if (!TLS_MODES.includes(login.tls)) {
      throw new InvalidOptionsError(`login tls must be one of ${TLS_MODES.join(', ')}`, { field: 'tls' });
    }
    const host = login.host ?? 'localhost';
    const port = login.port ?? DEFAULT_MYSQL_PORT;
    const where = `${host}:${port}`;
    const redactor = new Redactor();
    redactor.add(login.password);
    const options = this.#connectionOptions(login, host, port);
    let connection: Connection;
    try {
      connection = await createConnection(options);
    } catch (error) {
      const classified = connectError(error, login, where, redactor);
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
      const [rows] = await connection.query(
        'SELECT VERSION() AS version, @@version_comment AS comment, @@SESSION.sql_mode AS sqlMode, CURRENT_USER() AS account',
      );
      const row = (rows as ServerRow[])[0];
      if (!row) throw new Error('the server answered no row to SELECT VERSION()');
      const dialect: SqlDialect = {
        server: parseServerVersion(String(row.version), String(row.comment ?? '')),
        noBackslashEscapes: String(row.sqlMode ?? '').toUpperCase().split(',').includes('NO_BACKSLASH_ESCAPES'),
      };
      const user = userOfAccount(text(row.account));
      return new MysqlSession(connection, dialect, user, redactor, context?.logger ?? this.#options.logger);
    } catch (error) {
      connection.destroy();
      throw statementError(error, { sql: '', purpose: 'read the server version', secret: false }, redactor);
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
  account: unknown;
}

/** What a sync copies from one host entry of the source, read before the first write. */
interface SourceEntry {
  readonly grants: AccountGrants;
  readonly tls: TlsRequirement;
}

/** What `syncUser` found before writing: the source's entries by host, and the user's existing hosts. */
interface SyncPlan {
  readonly source: ReadonlyMap<string, SourceEntry>;
  readonly existing: readonly string[];
}

interface HostRow {
  host: unknown;
  [column: string]: unknown;
}

const text = (value: unknown): string => (Buffer.isBuffer(value) ? value.toString('utf8') : String(value ?? ''));

class MysqlSession implements TargetSession {
  readonly #connection: Connection;
  readonly #dialect: SqlDialect;
  /** The user name of the account the server matched at login (`CURRENT_USER()`). */
  readonly #user: string;
  /** Knows every password this session has seen, and scrubs them from whatever it throws. */
  readonly #redactor: Redactor;
  readonly #logger: Logger;
  #closed = false;
  /** Whether a write of the changing call in progress may have reached the database. */
  #wrote = false;

  constructor(connection: Connection, dialect: SqlDialect, user: string, redactor: Redactor, logger: Logger) {
    this.#connection = connection;
    this.#dialect = dialect;
    this.#user = user;
    this.#redactor = redactor;
    this.#logger = logger;
  }

  /** Asks the server which server it is and which account this is (see `identityQuery`); no privilege needed. */
  async identity(): Promise<SessionIdentity> {
    const [row] = await this.#select<{ server: unknown; account: unknown }>(
      identityQuery(this.#dialect.server),
      [],
      'ask the server which server and account this is',
    );
    const server = text(row?.server);
    if (server === '') throw new StepFailedError('the server did not say which server it is', false);
    return { server, user: userOfAccount(text(row?.account)) };
  }

  async ping(): Promise<void> {
    await this.#run({ sql: 'SELECT 1', purpose: 'ping', secret: false });
  }

  async setOwnPassword(newPassword: string): Promise<void> {
    await this.#changing(async () => {
      checkNewPassword(newPassword);
      this.#redactor.add(newPassword);
      await this.#write(setOwnPasswordStatement(this.#dialect, newPassword));
    });
  }

  /**
   * Makes `request.user` a copy of `request.source`: one host entry per host entry of the source
   * (extra ones dropped), each with the source entry's grants, roles, default roles and TLS
   * requirement. Everything is checked and the source read before the first write: the request,
   * that neither name is this session's own account, that the source holds no administrative
   * right (unless allowed). The password is set last, so credentials that log in mean a finished sync.
   */
  async syncUser(request: UserSyncRequest): Promise<void> {
    await this.#changing(async () => {
      const plan = await this.#planSync(request);
      await this.#applySync(request, plan);
    });
  }

  /** The checks and reads of `syncUser`, none of which writes. */
  async #planSync(request: UserSyncRequest): Promise<SyncPlan> {
    checkUserSyncRequest(request);
    this.#redactor.add(request.password);
    checkSyncNames(request);
    refuseOwnAccount(this.#user, request, sameMysqlUser);
    if (sameMysqlUser(request.source, request.user)) {
      throw new InvalidOptionsError('the alternate user must differ from the source user', { field: 'user' });
    }
    const sourceHosts = await this.#hosts(request.source);
    if (sourceHosts.length === 0) {
      throw new StepFailedError(`the source user ${request.source} does not exist on the server`, false);
    }
    const source = new Map<string, SourceEntry>();
    for (const host of sourceHosts) {
      const account = { user: request.source, host };
      source.set(host, { grants: await this.#grants(account), tls: await this.#tlsRequirement(account) });
    }
    refuseAdministrativeSource(request, await this.#administrativeRights([...source.values()].map((entry) => entry.grants)));
    return { source, existing: await this.#hosts(request.user) };
  }

  async #applySync(request: UserSyncRequest, plan: SyncPlan): Promise<void> {
    for (const [host, wanted] of plan.source) {
      const account = { user: request.user, host };
      if (!plan.existing.includes(host)) {
        // Created with a throwaway password: until the sync is done, the pending password does not log in.
        const throwaway = randomBytes(24).toString('base64url');
        this.#redactor.add(throwaway);
        await this.#write(createUserStatement(this.#dialect, account, throwaway));
      }
      await this.#copyAccount(wanted, account);
    }
    for (const host of plan.existing.filter((entry) => !plan.source.has(entry))) {
      this.#logger.info({ user: request.user, host }, 'dropping a host entry the source user does not have');
      await this.#write(dropUserStatement({ user: request.user, host }));
    }
    for (const host of plan.source.keys()) {
      await this.#write(setPasswordStatement(this.#dialect, { user: request.user, host }, request.password));
    }
  }

  /**
   * The administrative rights in `grants` and in every role they hold, directly or through other
   * roles (a member may `SET ROLE` to any of them). A right held through a role names the role the
   * user holds, whichever role below it carries the right (MariaDB's SHOW GRANTS for a role lists
   * the grants of the roles below it too; MySQL's does not).
   */
  async #administrativeRights(grants: readonly AccountGrants[]): Promise<string[]> {
    const rights = grants.flatMap(administrativeRights);
    const queue = grants.flatMap((entry) => [...entry.roles.keys()].map((role) => ({ role, held: role })));
    const seen = new Set<string>();
    for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
      const { role, held } = next;
      if (seen.has(role)) continue;
      seen.add(role);
      // The role is re-issued as the server printed it in SHOW GRANTS: its own quoting.
      const roleGrants = await this.#readGrants({ sql: `SHOW GRANTS FOR ${role}`, purpose: `read the grants of role ${role}`, secret: false });
      rights.push(...administrativeRights(roleGrants).map((right) => `${right} through ${held}`));
      queue.push(...[...roleGrants.roles.keys()].map((below) => ({ role: below, held })));
    }
    return rights;
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

  async #copyAccount(source: SourceEntry, target: Account): Promise<void> {
    await this.#write(requireStatement(this.#dialect, target, source.tls));
    const held = await this.#grants(target);
    for (const change of grantChanges(source.grants, held)) await this.#applyChange(target, change);
    if (hasRoles(this.#dialect.server)) {
      const wantedDefaults = source.grants.defaultRoles ?? [];
      const heldDefaults = (await this.#grants(target)).defaultRoles ?? [];
      if (wantedDefaults.join(',') !== heldDefaults.join(',')) {
        await this.#write(defaultRoleStatement(this.#dialect, target, wantedDefaults));
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
      await this.#write(statement);
      return;
    }
    try {
      await this.#executeWrite(statement);
      return;
    } catch (error) {
      if (!grantDenied(error)) throw statementError(error, statement, this.#redactor);
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
    const grants = await this.#readGrants(showGrantsStatement(account));
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

  /** Runs a `SHOW GRANTS` statement and parses its lines. */
  async #readGrants(statement: Statement): Promise<AccountGrants> {
    const lines = await this.#run(statement).then((rows) => (rows as unknown[][]).map((row) => text(row[0])));
    try {
      return parseGrants(lines, !this.#dialect.noBackslashEscapes);
    } catch (error) {
      throw new StepFailedError(`could not ${statement.purpose}: ${(error as Error).message}`, false);
    }
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
      throw statementError(error, { sql, purpose, secret: false }, this.#redactor);
    }
  }

  /** Runs a statement whose literals are already quoted; rows come back as arrays. */
  async #run(statement: Statement): Promise<unknown> {
    try {
      return await this.#execute(statement);
    } catch (error) {
      throw statementError(error, statement, this.#redactor);
    }
  }

  /**
   * Runs a changing call (`setOwnPassword`, `syncUser`). An error thrown before any of its writes
   * may have reached the database (a check, a refusal, a read, a write the server refused) says
   * `changedNothing`, so that core can withdraw the pending value of a rotation that failed for good.
   */
  async #changing(call: () => Promise<void>): Promise<void> {
    this.#wrote = false;
    try {
      await call();
    } catch (error) {
      // The error was made for this call (a check's or a wrapped driver error); marking it loses nothing.
      throw this.#wrote ? error : markChangedNothing(error);
    }
  }

  /** Runs a statement that changes the database, wrapping its failure like `#run`. */
  async #write(statement: Statement): Promise<void> {
    try {
      await this.#executeWrite(statement);
    } catch (error) {
      throw statementError(error, statement, this.#redactor);
    }
  }

  /** Runs a changing statement and notes whether it may have applied (anything but the server's refusal). */
  async #executeWrite(statement: Statement): Promise<void> {
    try {
      await this.#execute(statement);
    } catch (error) {
      if (!refusedByServer(error)) this.#wrote = true;
      throw error;
    }
    this.#wrote = true;
  }

  async #execute(statement: Statement): Promise<unknown> {
    const [rows] = await this.#connection.query({ sql: statement.sql, rowsAsArray: true });
    return rows;
  }
}
