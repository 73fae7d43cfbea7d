import {
  checkNewPassword,
  checkUserSyncRequest,
  InvalidOptionsError,
  isRotakitError,
  REDACTED,
  refuseAdministrativeSource,
  refuseOwnAccount,
  StepFailedError,
  type Login,
  type PasswordConstraints,
  type SessionIdentity,
  type Target,
  type TargetSession,
  type UserProfile,
  type UserSyncRequest,
  markChangedNothing,
} from '@rotakit/core';
import sql from 'mssql';
import { openPool, type OpenPool } from './prelogin.js';
import { resolveOptions, type MssqlTargetOptions, type ResolvedMssqlOptions } from './options.js';
import {
  applyPermission,
  catalogQuery,
  changeOwnPassword,
  createContainedUser,
  createLogin,
  createUserForLogin,
  describePermission,
  revokePermission,
  roleMembership,
  setContainedUserPassword,
  setLoginPassword,
  type Permission,
  type PermissionTarget,
  type Statement,
} from './sql.js';

/** SQL Server's longest password for a SQL login or contained user. */
const MAX_PASSWORD_LENGTH = 128;

/**
 * SQL Server has no per-login TLS requirement (Force Encryption is server-wide), so every profile
 * reports the same word and the alternate user can never differ from its source there.
 */
const NO_PER_LOGIN_TLS = 'NONE';

/** The administrative rights a source may not hold unless allowed, by the column that reports each. */
const ADMINISTRATIVE_RIGHTS = [
  { column: 'sysadmin', right: 'sysadmin' },
  { column: 'securityadmin', right: 'securityadmin' },
  { column: 'control_server', right: 'CONTROL SERVER' },
] as const;

/**
 * Whether two names are one SQL Server login or user, as the default (case-insensitive) collation
 * compares them: case aside, and trailing spaces ignored (`N'sa ' = N'sa'`). On a case-sensitive
 * server this takes more names for one than the server does, which only ever refuses more.
 */
export function sameLogin(a: string, b: string): boolean {
  const key = (name: string): string => name.replace(/ +$/, '').toLowerCase();
  return key(a) === key(b);
}

/**
 * The SQL Server target: server logins (`ALTER LOGIN`) or, in a contained database, database
 * users with passwords (`ALTER USER`), through the `mssql` driver.
 */
export function mssqlTarget(options: MssqlTargetOptions = {}): Target {
  const resolved = resolveOptions(options);
  const constraints: PasswordConstraints = { maxLength: MAX_PASSWORD_LENGTH };
  return {
    engine: 'mssql',
    maxUsernameLength: resolved.maxUsernameLength,
    tls: resolved.tls.mode,
    passwordConstraints: constraints,
    sameUser: sameLogin,
    async connect(login: Login): Promise<TargetSession> {
      return new MssqlSession(await openPool(login, resolved), login, resolved);
    },
  };
}

type Row = Record<string, unknown>;

/** Where the session is: the database, and whether its users have their own passwords. */
interface SessionContext {
  readonly database: string;
  readonly contained: boolean;
}

/** Whom grants are read from and written to: a server login (in master) or a database user. */
type Grantee = { readonly scope: 'server'; readonly name: string } | { readonly scope: 'database'; readonly name: string };

/**
 * How far a changing session call got: nothing written, a write whose outcome is unknown (the
 * connection failed under it), or something written. Each statement is atomic: one SQL Server
 * refuses leaves the database as it was.
 */
interface Progress {
  state: 'unchanged' | 'uncertain' | 'changed';
}

class MssqlSession implements TargetSession {
  readonly #pool: sql.ConnectionPool;
  readonly #config: sql.config;
  readonly #options: ResolvedMssqlOptions;
  readonly #username: string;
  /** The password this session logged in with: the OLD_PASSWORD of a self-change. */
  #loginPassword: string;
  #closed = false;

  constructor(open: OpenPool, login: Login, options: ResolvedMssqlOptions) {
    this.#pool = open.pool;
    this.#config = open.config;
    this.#username = login.username;
    this.#loginPassword = login.password;
    this.#options = options;
  }

  async ping(): Promise<void> {
    await this.#run(catalogQuery('version'), 'ping');
  }

  async setOwnPassword(newPassword: string): Promise<void> {
    await changing(async (progress) => {
      checkNewPassword(newPassword, { maxPasswordLength: MAX_PASSWORD_LENGTH });
      const kind = (await this.#isContainedUser(await this.#context(), this.#username)) ? 'contained-user' : 'login';
      await this.#run(changeOwnPassword(kind, newPassword, this.#loginPassword), 'change its own password', progress);
    });
    this.#loginPassword = newPassword;
    // Should the pool reconnect, it must log in with the password the login has now.
    this.#config.password = newPassword;
  }

  /**
   * Refuses, before its first write, to change or copy the account this session is logged in as
   * (as the server names it, compared as the server compares names), and to clone a source that
   * holds sysadmin, securityadmin or CONTROL SERVER unless the request allows it.
   */
  async syncUser(request: UserSyncRequest): Promise<void> {
    await changing(async (progress) => {
      checkUserSyncRequest(request, { maxUsernameLength: this.#options.maxUsernameLength, maxPasswordLength: MAX_PASSWORD_LENGTH });
      if (sameLogin(request.source, request.user)) {
        throw new InvalidOptionsError('syncUser needs two different users', { field: 'user' });
      }
      refuseOwnAccount((await this.identity()).user, request, sameLogin);
      const context = await this.#context();
      if (await this.#isContainedUser(context, request.source)) {
        // A contained user holds no server rights: there is nothing administrative to refuse.
        const exists = (await this.#rows(catalogQuery('containedUser', request.user))).length > 0;
        await this.#run(exists ? setContainedUserPassword(request.user, request.password) : createContainedUser(request.user, request.password), 'set the user\'s password', progress);
        await this.#syncGrants({ scope: 'database', name: request.source }, { scope: 'database', name: request.user }, progress);
        return;
      }
      const [source] = await this.#rows(catalogQuery('sqlLogin', request.source));
      if (!source) throw new StepFailedError(`the source ${request.source} is neither a SQL Server login nor a contained user of ${context.database}`, false);
      refuseAdministrativeSource(request, await this.#administrativeRights(request.source));
      const exists = (await this.#rows(catalogQuery('sqlLogin', request.user))).length > 0;
      await this.#run(
        exists
          ? setLoginPassword(request.user, request.password)
          : createLogin(request.user, request.password, { checkPolicy: source['is_policy_checked'] === 1, checkExpiration: source['is_expiration_checked'] === 1 }),
        'set the login\'s password',
        progress,
      );
      if (isMaster(context)) {
        await this.#syncGrants({ scope: 'server', name: request.source }, { scope: 'server', name: request.user }, progress);
        return;
      }
      const sourceUser = await this.#userOfLogin(request.source);
      let alternateUser = await this.#userOfLogin(request.user);
      if (sourceUser !== undefined && alternateUser === undefined) {
        await this.#run(createUserForLogin(request.user), 'create the database user', progress);
        alternateUser = request.user;
      }
      if (alternateUser !== undefined) {
        // A source without a user in this database has no grants here: the alternate loses its own.
        await this.#syncGrants(sourceUser === undefined ? undefined : { scope: 'database', name: sourceUser }, { scope: 'database', name: alternateUser }, progress);
      }
    });
  }

  /**
   * The server as it names itself, `SERVERPROPERTY('ServerName')` (machine and instance), with
   * its start (`tempdb`'s `create_date`), and the session's login (a contained user's own name).
   */
  async identity(): Promise<SessionIdentity> {
    const [row] = await this.#rows(catalogQuery('identity'));
    const [server, started, user] = [row?.['server_name'], row?.['server_started'], row?.['account_name']];
    if (typeof server !== 'string' || typeof started !== 'string' || typeof user !== 'string') {
      throw new StepFailedError('SQL Server did not say which server it is and whom the session is logged in as', false);
    }
    return { server: `${server} started ${started}`, user };
  }

  async inspectUser(username: string): Promise<UserProfile | undefined> {
    const context = await this.#context();
    let grantee: Grantee | undefined;
    if (await this.#isContainedUser(context, username)) {
      grantee = { scope: 'database', name: username };
    } else {
      if ((await this.#rows(catalogQuery('sqlLogin', username))).length === 0) return undefined;
      const user = isMaster(context) ? username : await this.#userOfLogin(username);
      grantee = user === undefined ? undefined : { scope: isMaster(context) ? 'server' : 'database', name: user };
    }
    const roles = grantee ? await this.#roles(grantee) : [];
    const permissions = grantee ? await this.#permissions(grantee) : [];
    return { username, privileges: permissions.map(describePermission).sort(), roles: roles.sort(), tls: NO_PER_LOGIN_TLS };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#pool.close();
  }

  /** Makes `alternate`'s role memberships and permissions equal to `source`'s (none if absent). */
  async #syncGrants(source: Grantee | undefined, alternate: Grantee, progress: Progress): Promise<void> {
    const wantedRoles = source ? await this.#roles(source) : [];
    const haveRoles = await this.#roles(alternate);
    const lower = (names: string[]): Set<string> => new Set(names.map((name) => name.toLowerCase()));
    const wantedSet = lower(wantedRoles);
    const haveSet = lower(haveRoles);
    for (const role of wantedRoles.filter((r) => !haveSet.has(r.toLowerCase()))) {
      await this.#run(roleMembership(alternate.scope, role, alternate.name, 'ADD'), 'add a role member', progress);
    }
    for (const role of haveRoles.filter((r) => !wantedSet.has(r.toLowerCase()))) {
      await this.#run(roleMembership(alternate.scope, role, alternate.name, 'DROP'), 'drop a role member', progress);
    }
    const wanted = new Map((source ? await this.#permissions(source) : []).map((p) => [permissionKey(p), p]));
    const have = new Map((await this.#permissions(alternate)).map((p) => [permissionKey(p), p]));
    for (const [key, permission] of have) {
      if (wanted.get(key)?.state !== permission.state) await this.#run(revokePermission(permission, alternate.name), 'revoke a permission', progress);
    }
    for (const [key, permission] of wanted) {
      if (have.get(key)?.state !== permission.state) await this.#run(applyPermission(permission, alternate.name), 'grant a permission', progress);
    }
  }

  async #roles(grantee: Grantee): Promise<string[]> {
    const rows = await this.#rows(catalogQuery(grantee.scope === 'server' ? 'serverRoles' : 'databaseRoles', grantee.name));
    return rows.map((row) => String(row['role_name']));
  }

  async #permissions(grantee: Grantee): Promise<Permission[]> {
    const server = grantee.scope === 'server';
    const rows = await this.#rows(catalogQuery(server ? 'serverPermissions' : 'databasePermissions', grantee.name));
    return rows.map((row) => ({
      state: permissionState(row['state_desc']),
      permission: String(row['permission_name']),
      on: server ? serverSecurable(row) : databaseSecurable(row),
    }));
  }

  /** The administrative rights `login` holds, in SQL Server's words, most powerful first. */
  async #administrativeRights(login: string): Promise<string[]> {
    const [row] = await this.#rows(catalogQuery('administrativeRights', login));
    if (!row) throw new StepFailedError(`SQL Server did not say which administrative rights ${login} holds`, false);
    return ADMINISTRATIVE_RIGHTS.filter(({ column }) => row[column] === 1).map(({ right }) => right);
  }

  async #userOfLogin(login: string): Promise<string | undefined> {
    const [row] = await this.#rows(catalogQuery('userOfLogin', login));
    return row === undefined ? undefined : String(row['name']);
  }

  async #context(): Promise<SessionContext> {
    const [row] = await this.#rows(catalogQuery('context'));
    if (!row) throw new StepFailedError('SQL Server did not describe the current database', false);
    return { database: String(row['database_name']), contained: row['containment'] === 1 };
  }

  /** Whether `name` is a user with its own password in this (contained) database, not a login. */
  async #isContainedUser(context: SessionContext, name: string): Promise<boolean> {
    return context.contained && (await this.#rows(catalogQuery('containedUser', name))).length > 0;
  }

  async #rows(statement: Statement): Promise<Row[]> {
    return (await this.#run(statement, 'read the catalog')) as Row[];
  }

  /**
   * Runs `statement`; a failure names what was being done and SQL Server's error, with no secret.
   * A write notes its outcome in `progress`: one SQL Server refused changed nothing.
   */
  async #run(statement: Statement, doing: string, progress?: Progress): Promise<unknown[]> {
    if (this.#closed) throw new StepFailedError('the SQL Server session is closed', false);
    const before = progress?.state;
    if (progress && before === 'unchanged') progress.state = 'uncertain';
    const request = this.#pool.request();
    for (const [name, value] of Object.entries(statement.parameters)) request.input(name, sql.NVarChar, value);
    try {
      const result = await request.query(statement.text);
      if (progress) progress.state = 'changed';
      return result.recordset ?? [];
    } catch (error) {
      if (progress && before !== undefined && refusedByServer(error)) progress.state = before;
      const secrets = [this.#loginPassword, ...Object.entries(statement.parameters).filter(([name]) => /password/i.test(name)).map(([, value]) => value)];
      throw new StepFailedError(`SQL Server could not ${doing}: ${describeDriverError(error, secrets)}`, isTransient(error));
    }
  }
}

/**
 * Runs a changing session call; what it throws before anything was written (a check, a refusal,
 * a read, a write SQL Server refused) says so with `changedNothing`, for core to withdraw the
 * pending version of a failure that changed nothing.
 */
async function changing(call: (progress: Progress) => Promise<void>): Promise<void> {
  const progress: Progress = { state: 'unchanged' };
  try {
    await call(progress);
  } catch (error) {
    throw progress.state === 'unchanged' ? withChangedNothing(error) : error;
  }
}

/**
 * `error` saying it changed nothing: a rotakit error is marked (core's `markChangedNothing`);
 * anything else becomes a StepFailedError with the flag.
 */
function withChangedNothing(error: unknown): unknown {
  if (isRotakitError(error)) return markChangedNothing(error);
  const message = error instanceof Error ? error.message : 'a non-error value was thrown';
  return new StepFailedError(message, false, { changedNothing: true, cause: error });
}

/** Whether SQL Server itself answered the statement with an error (it then ran none of it), not the connection failing. */
function refusedByServer(error: unknown): boolean {
  return typeof (error as { number?: unknown }).number === 'number';
}

function isMaster(context: SessionContext): boolean {
  return context.database.toLowerCase() === 'master';
}

function permissionKey(permission: Permission): string {
  return `${permission.permission} ${JSON.stringify(permission.on)}`.toLowerCase();
}

function permissionState(value: unknown): Permission['state'] {
  if (value === 'GRANT' || value === 'GRANT_WITH_GRANT_OPTION' || value === 'DENY') return value;
  throw new StepFailedError(`unexpected permission state in the catalog: ${String(value)}`, false);
}

function text(row: Row, column: string): string {
  const value = row[column];
  if (typeof value !== 'string') throw new StepFailedError(`the catalog gave no ${column} for a permission`, false);
  return value;
}

/** `sys.database_permissions.class`: 0 database, 1 object or column, 3 schema; others are refused. */
function databaseSecurable(row: Row): PermissionTarget {
  switch (row['class']) {
    case 0:
      return { class: 'DATABASE' };
    case 1: {
      const column = row['column_name'];
      return typeof column === 'string'
        ? { class: 'OBJECT', schema: text(row, 'schema_name'), object: text(row, 'object_name'), column }
        : { class: 'OBJECT', schema: text(row, 'schema_name'), object: text(row, 'object_name') };
    }
    case 3:
      return { class: 'SCHEMA', schema: text(row, 'schema_name') };
    default:
      throw new StepFailedError(`database permissions of class ${String(row['class'])} cannot be copied by rotakit yet`, false);
  }
}

/** `sys.server_permissions.class`: 100 server, 101 login, 105 endpoint; others are refused. */
function serverSecurable(row: Row): PermissionTarget {
  switch (row['class']) {
    case 100:
      return { class: 'SERVER' };
    case 101:
      return { class: 'LOGIN', name: text(row, 'principal_name') };
    case 105:
      return { class: 'ENDPOINT', name: text(row, 'endpoint_name') };
    default:
      throw new StepFailedError(`server permissions of class ${String(row['class'])} cannot be copied by rotakit yet`, false);
  }
}

/** SQL Server's error number and message, with every known secret cut out. */
function describeDriverError(error: unknown, secrets: readonly string[]): string {
  const info = error as { number?: unknown; message?: unknown; code?: unknown };
  let message = typeof info.message === 'string' ? info.message : 'unknown error';
  for (const secret of secrets.filter((s) => s.length > 0).sort((a, b) => b.length - a.length)) {
    message = message.split(secret).join(REDACTED);
  }
  return typeof info.number === 'number' ? `error ${info.number}: ${message}` : `${String(info.code ?? 'error')}: ${message}`;
}

function isTransient(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return code === 'ETIMEOUT' || code === 'ESOCKET' || code === 'ECONNCLOSED';
}
