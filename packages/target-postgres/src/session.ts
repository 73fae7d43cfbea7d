import type pg from 'pg';
import {
  checkNewPassword,
  checkUserSyncRequest,
  InvalidOptionsError,
  refuseAdministrativeSource,
  refuseOwnAccount,
  StepFailedError,
  UsernameTooLongError,
  type SessionIdentity,
  type TargetSession,
  type UserSyncRequest,
  markChangedNothing,
  type Redactor,
} from '@rotakit/core';
import {
  DEFAULT_ATTRIBUTES,
  describePrivilege,
  readAdministrativeRights,
  readRole,
  type RoleState,
} from './catalog.js';
import { statementError, unchangedUnlessLost } from './errors.js';
import { entriesOf, ownGrants, reachOf, sameOptions, type Grants } from './grants.js';
import type { ResolvedPostgresOptions } from './options.js';
import type { PostgresConnection } from './target.js';
import { scramSha256Verifier } from './scram.js';
import {
  attributesStatement,
  grantMembershipStatement,
  grantPrivilegeStatement,
  identifierLength,
  loginRoleStatement,
  MAX_IDENTIFIER_BYTES,
  passwordStatement,
  privilegeOn,
  revokeMembershipStatements,
  revokePrivilegeStatement,
} from './sql.js';

// What names the server, readable by any login (RDS too): its port and the postmaster's start
// time, to the microsecond and in UTC whatever the session's TimeZone and DateStyle. The system
// identifier is not (pg_control_system() is for superusers) and a streaming replica shares it.
const SERVER_SQL = `
SELECT current_setting('port') AS port,
       to_char(pg_postmaster_start_time() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS started`;

/** An authenticated `pg` connection as a rotakit `TargetSession`. */
export class PostgresSession implements TargetSession {
  readonly #client: pg.Client;
  readonly #options: ResolvedPostgresOptions;
  /** Every password this session has seen (its login's, each one it sets), kept out of its errors. */
  readonly #redactor: Redactor;
  readonly #version: number;
  readonly #sessionUser: string;
  #closed = false;

  /** Takes over `connection` (its redactor knows the login's password already). */
  constructor(connection: PostgresConnection, options: ResolvedPostgresOptions) {
    this.#client = connection.client;
    this.#options = options;
    this.#redactor = connection.redactor;
    this.#version = connection.version;
    this.#sessionUser = connection.sessionUser;
  }

  async ping(): Promise<void> {
    await this.#run('the ping', 'SELECT 1');
  }

  /**
   * The server as its port and start time (`port=5432 started=2024-05-01T10:00:00.123456Z`), and
   * the login's role name. Two sessions on one server agree whatever host string they dialled.
   */
  async identity(): Promise<SessionIdentity> {
    try {
      const result = await this.#client.query<{ port: string; started: string }>(SERVER_SQL);
      const row = result.rows[0];
      if (!row) throw new StepFailedError('the server did not say which server it is', false);
      return { server: `port=${row.port} started=${row.started}`, user: this.#sessionUser };
    } catch (error) {
      throw statementError(error, 'asking the server which server it is', this.#redactor);
    }
  }

  async setOwnPassword(newPassword: string): Promise<void> {
    try {
      checkNewPassword(newPassword);
    } catch (error) {
      throw markChangedNothing(error);
    }
    try {
      await this.#setPassword(undefined, newPassword, 'changing the session user\'s own password');
    } catch (error) {
      throw unchangedUnlessLost(error);
    }
  }

  /**
   * In one transaction: creates or updates `request.user` from `request.source`. Refuses, before
   * anything is written, a request that names the session's own login (as user or source) or a
   * source with administrative rights (unless `allowAdministrativeSource`). An error thrown before
   * the first write or after the rollback carries `changedNothing`.
   */
  async syncUser(request: UserSyncRequest): Promise<void> {
    try {
      this.#checkSyncRequest(request);
      await this.#run('starting the transaction', 'BEGIN');
    } catch (error) {
      throw markChangedNothing(error);
    }
    try {
      await this.#syncInTransaction(request);
    } catch (error) {
      // Rolled back; if the connection is gone, the server drops the open transaction itself.
      await this.#client.query('ROLLBACK').catch(() => undefined);
      throw markChangedNothing(error);
    }
    try {
      await this.#run('committing', 'COMMIT');
    } catch (error) {
      throw unchangedUnlessLost(error);
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#client.end().catch(() => undefined);
  }

  async #read(role: string): Promise<RoleState | undefined> {
    try {
      return await readRole(this.#client, this.#version, role);
    } catch (error) {
      throw statementError(error, `reading the role ${role}`, this.#redactor);
    }
  }

  async #require(role: string, what: string): Promise<RoleState> {
    const state = await this.#read(role);
    if (!state) throw new StepFailedError(`the ${what} role ${role} does not exist`, false);
    return state;
  }

  async #run(action: string, text: string): Promise<void> {
    try {
      await this.#client.query(text);
    } catch (error) {
      throw statementError(error, action, this.#redactor);
    }
  }

  /** Everything that can be refused without asking the server. */
  #checkSyncRequest(request: UserSyncRequest): void {
    checkUserSyncRequest(request);
    if (request.source === request.user) {
      throw new InvalidOptionsError('the alternate user must differ from the source user', { field: 'user' });
    }
    for (const name of [request.source, request.user]) {
      if (identifierLength(name) > MAX_IDENTIFIER_BYTES) {
        // The server would silently truncate it and act on another role.
        throw new UsernameTooLongError(`a PostgreSQL role name is at most ${MAX_IDENTIFIER_BYTES} bytes`, {
          field: 'username',
          limit: MAX_IDENTIFIER_BYTES,
        });
      }
    }
    // Role names are compared exactly: every statement quotes them, so no case folding applies.
    refuseOwnAccount(this.#sessionUser, request);
  }

  async #syncInTransaction(request: UserSyncRequest): Promise<void> {
    const { source, user, password } = request;
    const sourceState = await this.#require(source, 'source');
    refuseAdministrativeSource(request, await this.#administrativeRights(source));
    let userState = await this.#read(user);
    const exists = userState !== undefined;
    await this.#run(exists ? `allowing ${user} to log in` : `creating the role ${user}`, loginRoleStatement(user, exists));
    userState ??= { name: user, attributes: DEFAULT_ATTRIBUTES, memberships: [], privileges: [] };
    await this.#setPassword(user, password, `setting the password of ${user}`);
    const attributes = attributesStatement(user, sourceState.attributes, userState.attributes);
    if (attributes !== undefined) await this.#run(`copying role attributes to ${user}`, attributes);
    // What the source can do; when it inherits the alternate's rights, those are the source's too.
    const wanted = reachOf(sourceState, userState, this.#version);
    if (await this.#revokeBeyond(user, ownGrants(userState, source), wanted)) {
      userState = await this.#require(user, 'alternate');
    }
    // What the alternate holds; when it inherits the source's rights (AWS's clone), those too.
    await this.#grantMissing(user, reachOf(userState, sourceState, this.#version), wanted);
    await this.#requireInStep(source, user);
  }

  async #administrativeRights(role: string): Promise<string[]> {
    try {
      return await readAdministrativeRights(this.#client, this.#version, role);
    } catch (error) {
      throw statementError(error, `reading the administrative rights of ${role}`, this.#redactor);
    }
  }

  /**
   * `ALTER ROLE … PASSWORD` takes no bind parameter, so the value is an escape-string literal
   * (correct whatever `standard_conforming_strings` says), sent through the extended protocol,
   * which refuses a second statement in the same text. By default the value is the SCRAM
   * verifier, never the password itself. `role` undefined: the session's own login.
   */
  async #setPassword(role: string | undefined, password: string, action: string): Promise<void> {
    const value = this.#options.passwordEncoding === 'scram-sha-256' ? scramSha256Verifier(password) : password;
    this.#redactor.add(password, value);
    const config = { text: passwordStatement(role, value), queryMode: 'extended' };
    try {
      await this.#client.query(config as pg.QueryConfig);
    } catch (error) {
      throw statementError(error, action, this.#redactor, false);
    }
  }

  /**
   * Revokes the alternate's own memberships, privileges and grant options that `wanted` lacks;
   * true when it revoked anything.
   */
  async #revokeBeyond(user: string, own: Grants, wanted: Grants): Promise<boolean> {
    let revoked = false;
    for (const membership of own.memberships.values()) {
      const target = wanted.memberships.get(membership.role);
      if (target && sameOptions(target, membership)) continue;
      // Extra, or granted with other options: revoke every grantor's grant; it is granted anew if wanted.
      for (const statement of revokeMembershipStatements(user, membership, this.#version)) {
        await this.#run(`revoking ${membership.role} from ${user}`, statement);
      }
      revoked = true;
    }
    for (const [key, privilege] of own.privileges) {
      const target = wanted.privileges.get(key);
      if (!target) {
        await this.#run(`revoking ${describePrivilege(privilege)} from ${user}`, revokePrivilegeStatement(user, privilege));
        revoked = true;
      } else if (privilege.grantable && !target.grantable) {
        await this.#run(
          `revoking the grant option of ${privilegeOn(privilege)} from ${user}`,
          revokePrivilegeStatement(user, privilege, true),
        );
        revoked = true;
      }
    }
    return revoked;
  }

  /** Grants the alternate what `wanted` has and `held` (what it holds already) lacks. */
  async #grantMissing(user: string, held: Grants, wanted: Grants): Promise<void> {
    for (const membership of wanted.memberships.values()) {
      const has = held.memberships.get(membership.role);
      if (has && sameOptions(has, membership)) continue;
      await this.#run(`granting ${membership.role} to ${user}`, grantMembershipStatement(user, membership, this.#version));
    }
    for (const [key, privilege] of wanted.privileges) {
      const has = held.privileges.get(key);
      if (has && (has.grantable || !privilege.grantable)) continue;
      await this.#run(`granting ${describePrivilege(privilege)} to ${user}`, grantPrivilegeStatement(user, privilege));
    }
  }

  /**
   * Compares what the two roles can do (grants of their own, and through a membership between
   * them); a grant by a third grantor survives a REVOKE, so refuse to commit a user not in step.
   */
  async #requireInStep(source: string, user: string): Promise<void> {
    const [sourceState, userState] = [await this.#require(source, 'source'), await this.#require(user, 'alternate')];
    const wanted = entriesOf(sourceState, reachOf(sourceState, userState, this.#version));
    const got = entriesOf(userState, reachOf(userState, sourceState, this.#version));
    const missing = wanted.filter((entry) => !got.includes(entry));
    const extra = got.filter((entry) => !wanted.includes(entry));
    if (missing.length > 0 || extra.length > 0) {
      throw new StepFailedError(
        `${user} could not be brought in step with ${source} (missing: ${missing.join('; ') || 'none'}; ` +
          `extra: ${extra.join('; ') || 'none'}); nothing was changed`,
        false,
      );
    }
  }
}
