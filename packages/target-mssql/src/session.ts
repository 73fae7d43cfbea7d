import {
  checkNewPassword,
  checkUserSyncRequest,
  InvalidOptionsError,
  isRotakitError,
  markChangedNothing,
  refuseAdministrativeSource,
  refuseOwnAccount,
  StepFailedError,
  type Login,
  type Redactor,
  type SessionIdentity,
  type TargetSession,
  type UserIntrospection,
  type UserSyncRequest,
} from '@rotakit/core';
import sql from 'mssql';
import { Catalog, isMaster, type Grantee, type Row } from './catalog.js';
import { refusedByServer, statementError } from './errors.js';
import type { ResolvedMssqlOptions } from './options.js';
import {
  applyPermission,
  catalogQuery,
  changeOwnPassword,
  createContainedUser,
  createLogin,
  createUserForLogin,
  MAX_PASSWORD_LENGTH,
  revokePermission,
  roleMembership,
  sameLogin,
  setContainedUserPassword,
  setLoginPassword,
  type Permission,
  type Statement,
} from './sql.js';

/**
 * How far a changing session call got: nothing written, a write whose outcome is unknown (the
 * connection failed under it), or something written. Each statement is atomic: one SQL Server
 * refuses leaves the database as it was.
 */
interface Progress {
  state: 'unchanged' | 'uncertain' | 'changed';
}

/**
 * A session on SQL Server over a one-connection mssql pool, as a login or a contained user. Every
 * driver message it reports goes through its `Redactor`, which knows every password it has seen.
 */
export class MssqlSession implements TargetSession {
  readonly #pool: sql.ConnectionPool;
  readonly #config: sql.config;
  readonly #options: ResolvedMssqlOptions;
  readonly #redactor: Redactor;
  readonly #catalog = new Catalog((statement) => this.#run(statement, 'read the catalog'));
  readonly #username: string;
  /** The password this session logged in with: the OLD_PASSWORD of a self-change. */
  #loginPassword: string;
  #closed = false;

  /**
   * `pool` is open and logged in as `login` with `config` (mssql keeps the object, not a copy);
   * `redactor` already knows the login's password.
   */
  constructor(pool: sql.ConnectionPool, config: sql.config, login: Login, options: ResolvedMssqlOptions, redactor: Redactor) {
    this.#pool = pool;
    this.#config = config;
    this.#username = login.username;
    this.#loginPassword = login.password;
    this.#options = options;
    this.#redactor = redactor;
  }

  async ping(): Promise<void> {
    await this.#run(catalogQuery('version'), 'ping');
  }

  async setOwnPassword(newPassword: string): Promise<void> {
    await changing(async (progress) => {
      checkNewPassword(newPassword, { maxPasswordLength: MAX_PASSWORD_LENGTH });
      this.#redactor.add(newPassword);
      const kind = (await this.#catalog.isContainedUser(await this.#catalog.context(), this.#username)) ? 'contained-user' : 'login';
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
      this.#redactor.add(request.password);
      if (sameLogin(request.source, request.user)) {
        throw new InvalidOptionsError('syncUser needs two different users', { field: 'user' });
      }
      refuseOwnAccount((await this.identity()).user, request, sameLogin);
      const catalog = this.#catalog;
      const context = await catalog.context();
      if (await catalog.isContainedUser(context, request.source)) {
        // A contained user holds no server rights: there is nothing administrative to refuse.
        const exists = await catalog.isContainedUser(context, request.user);
        await this.#run(exists ? setContainedUserPassword(request.user, request.password) : createContainedUser(request.user, request.password), 'set the user\'s password', progress);
        await this.#syncGrants({ scope: 'database', name: request.source }, { scope: 'database', name: request.user }, progress);
        return;
      }
      const source = await catalog.sqlLogin(request.source);
      if (!source) throw new StepFailedError(`the source ${request.source} is neither a SQL Server login nor a contained user of ${context.database}`, false);
      refuseAdministrativeSource(request, await catalog.administrativeRights(request.source));
      const exists = (await catalog.sqlLogin(request.user)) !== undefined;
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
      const sourceUser = await catalog.userOfLogin(request.source);
      let alternateUser = await catalog.userOfLogin(request.user);
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

  /** See {@link Catalog.identity}: any login or contained user may ask it. */
  async identity(): Promise<SessionIdentity> {
    return this.#catalog.identity();
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#pool.close();
  }

  /**
   * This session's catalog reads as the `UserIntrospection` port (`./internal`): the profiles
   * the conformance suites compare. Closing it closes the session.
   */
  introspection(): UserIntrospection {
    return { inspectUser: (username) => this.#catalog.profile(username), close: () => this.close() };
  }

  /** Makes `alternate`'s role memberships and permissions equal to `source`'s (none if absent). */
  async #syncGrants(source: Grantee | undefined, alternate: Grantee, progress: Progress): Promise<void> {
    const catalog = this.#catalog;
    const wantedRoles = source ? await catalog.roles(source) : [];
    const haveRoles = await catalog.roles(alternate);
    const lower = (names: string[]): Set<string> => new Set(names.map((name) => name.toLowerCase()));
    const wantedSet = lower(wantedRoles);
    const haveSet = lower(haveRoles);
    for (const role of wantedRoles.filter((r) => !haveSet.has(r.toLowerCase()))) {
      await this.#run(roleMembership(alternate.scope, role, alternate.name, 'ADD'), 'add a role member', progress);
    }
    for (const role of haveRoles.filter((r) => !wantedSet.has(r.toLowerCase()))) {
      await this.#run(roleMembership(alternate.scope, role, alternate.name, 'DROP'), 'drop a role member', progress);
    }
    const wanted = new Map((source ? await catalog.permissions(source) : []).map((p) => [permissionKey(p), p]));
    const have = new Map((await catalog.permissions(alternate)).map((p) => [permissionKey(p), p]));
    for (const [key, permission] of have) {
      if (wanted.get(key)?.state !== permission.state) await this.#run(revokePermission(permission, alternate.name), 'revoke a permission', progress);
    }
    for (const [key, permission] of wanted) {
      if (have.get(key)?.state !== permission.state) await this.#run(applyPermission(permission, alternate.name), 'grant a permission', progress);
    }
  }

  /**
   * Runs `statement`; a failure names what was being done and SQL Server's error, with no secret.
   * A write notes its outcome in `progress`: one SQL Server refused changed nothing.
   */
  async #run(statement: Statement, doing: string, progress?: Progress): Promise<Row[]> {
    if (this.#closed) throw new StepFailedError('the SQL Server session is closed', false);
    const before = progress?.state;
    if (progress && before === 'unchanged') progress.state = 'uncertain';
    const request = this.#pool.request();
    for (const [name, value] of Object.entries(statement.parameters)) request.input(name, sql.NVarChar, value);
    try {
      const result = await request.query<Row>(statement.text);
      if (progress) progress.state = 'changed';
      return result.recordset ?? [];
    } catch (error) {
      if (progress && before !== undefined && refusedByServer(error)) progress.state = before;
      throw statementError(error, doing, this.#redactor);
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

/** A permission's identity, whatever its state: what the alternate has and the source has are matched by it. */
function permissionKey(permission: Permission): string {
  return `${permission.permission} ${JSON.stringify(permission.on)}`.toLowerCase();
}
