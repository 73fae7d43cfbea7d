import {
  checkNewPassword,
  checkUserSyncRequest,
  InvalidOptionsError,
  REDACTED,
  StepFailedError,
  type Login,
  type PasswordConstraints,
  type Target,
  type TargetSession,
  type UserProfile,
  type UserSyncRequest,
} from '@rotakit/core';
import sql from 'mssql';
import { openPool, type OpenPool } from './connection.js';
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
} from './statements.js';

/** SQL Server's longest password for a SQL login or contained user. */
const MAX_PASSWORD_LENGTH = 128;

/**
 * SQL Server has no per-login TLS requirement (Force Encryption is server-wide), so every profile
 * reports the same word and the alternate user can never differ from its source there.
 */
const NO_PER_LOGIN_TLS = 'NONE';

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
    checkNewPassword(newPassword, { maxPasswordLength: MAX_PASSWORD_LENGTH });
    const kind = (await this.#isContainedUser(await this.#context(), this.#username)) ? 'contained-user' : 'login';
    await this.#run(changeOwnPassword(kind, newPassword, this.#loginPassword), 'change its own password');
    this.#loginPassword = newPassword;
    // Should the pool reconnect, it must log in with the password the login has now.
    this.#config.password = newPassword;
  }

  async syncUser(request: UserSyncRequest): Promise<void> {
    checkUserSyncRequest(request, { maxUsernameLength: this.#options.maxUsernameLength, maxPasswordLength: MAX_PASSWORD_LENGTH });
    if (request.source.toLowerCase() === request.user.toLowerCase()) {
      throw new InvalidOptionsError('syncUser needs two different users', { field: 'user' });
    }
    const context = await this.#context();
    if (await this.#isContainedUser(context, request.source)) {
      const exists = (await this.#rows(catalogQuery('containedUser', request.user))).length > 0;
      await this.#run(exists ? setContainedUserPassword(request.user, request.password) : createContainedUser(request.user, request.password), 'set the user\'s password');
      await this.#syncGrants({ scope: 'database', name: request.source }, { scope: 'database', name: request.user });
      return;
    }
    const [source] = await this.#rows(catalogQuery('sqlLogin', request.source));
    if (!source) throw new StepFailedError(`the source ${request.source} is neither a SQL Server login nor a contained user of ${context.database}`, false);
    const exists = (await this.#rows(catalogQuery('sqlLogin', request.user))).length > 0;
    await this.#run(
      exists
        ? setLoginPassword(request.user, request.password)
        : createLogin(request.user, request.password, { checkPolicy: source['is_policy_checked'] === 1, checkExpiration: source['is_expiration_checked'] === 1 }),
      'set the login\'s password',
    );
    if (isMaster(context)) {
      await this.#syncGrants({ scope: 'server', name: request.source }, { scope: 'server', name: request.user });
      return;
    }
    const sourceUser = await this.#userOfLogin(request.source);
    let alternateUser = await this.#userOfLogin(request.user);
    if (sourceUser !== undefined && alternateUser === undefined) {
      await this.#run(createUserForLogin(request.user), 'create the database user');
      alternateUser = request.user;
    }
    if (alternateUser !== undefined) {
      // A source without a user in this database has no grants here: the alternate loses its own.
      await this.#syncGrants(sourceUser === undefined ? undefined : { scope: 'database', name: sourceUser }, { scope: 'database', name: alternateUser });
    }
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
  async #syncGrants(source: Grantee | undefined, alternate: Grantee): Promise<void> {
    const wantedRoles = source ? await this.#roles(source) : [];
    const haveRoles = await this.#roles(alternate);
    const lower = (names: string[]): Set<string> => new Set(names.map((name) => name.toLowerCase()));
    const wantedSet = lower(wantedRoles);
    const haveSet = lower(haveRoles);
    for (const role of wantedRoles.filter((r) => !haveSet.has(r.toLowerCase()))) {
      await this.#run(roleMembership(alternate.scope, role, alternate.name, 'ADD'), 'add a role member');
    }
    for (const role of haveRoles.filter((r) => !wantedSet.has(r.toLowerCase()))) {
      await this.#run(roleMembership(alternate.scope, role, alternate.name, 'DROP'), 'drop a role member');
    }
    const wanted = new Map((source ? await this.#permissions(source) : []).map((p) => [permissionKey(p), p]));
    const have = new Map((await this.#permissions(alternate)).map((p) => [permissionKey(p), p]));
    for (const [key, permission] of have) {
      if (wanted.get(key)?.state !== permission.state) await this.#run(revokePermission(permission, alternate.name), 'revoke a permission');
    }
    for (const [key, permission] of wanted) {
      if (have.get(key)?.state !== permission.state) await this.#run(applyPermission(permission, alternate.name), 'grant a permission');
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

  /** Runs `statement`; a failure names what was being done and SQL Server's error, with no secret. */
  async #run(statement: Statement, doing: string): Promise<unknown[]> {
    if (this.#closed) throw new StepFailedError('the SQL Server session is closed', false);
    const request = this.#pool.request();
    for (const [name, value] of Object.entries(statement.parameters)) request.input(name, sql.NVarChar, value);
    try {
      const result = await request.query(statement.text);
      return result.recordset ?? [];
    } catch (error) {
      const secrets = [this.#loginPassword, ...Object.entries(statement.parameters).filter(([name]) => /password/i.test(name)).map(([, value]) => value)];
      throw new StepFailedError(`SQL Server could not ${doing}: ${describeDriverError(error, secrets)}`, isTransient(error));
    }
  }
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
