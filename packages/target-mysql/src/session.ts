import { randomBytes } from 'node:crypto';
import {
  checkNewPassword,
  checkUserSyncRequest,
  InvalidOptionsError,
  markChangedNothing,
  refuseAdministrativeSource,
  refuseOwnAccount,
  StepFailedError,
  type Logger,
  type SessionIdentity,
  type TargetSession,
  type UserSyncRequest,
} from '@rotakit/core';
import { text, type AccountCatalog } from './catalog.js';
import { errnoOf, grantDenied, refusedByServer, statementError } from './errors.js';
import { administrativeRights, grantChanges, type AccountGrants, type GrantChange } from './grants.js';
import { checkSyncNames, sameMysqlUser, userOfAccount } from './names.js';
import {
  accountName,
  createUserStatement,
  defaultRoleStatement,
  dropUserStatement,
  grantChangeStatement,
  hasRoles,
  identityQuery,
  requireStatement,
  setOwnPasswordStatement,
  setPasswordStatement,
  type Account,
  type SqlDialect,
  type Statement,
  type TlsRequirement,
} from './sql.js';

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

/** A logged-in mysql2 connection as a rotakit `TargetSession`. */
export class MysqlSession implements TargetSession {
  /** The connection and its catalog reads; its redactor knows every password this session has seen. */
  readonly #catalog: AccountCatalog;
  /** The user name of the account the server matched at login (`CURRENT_USER()`). */
  readonly #user: string;
  readonly #logger: Logger;
  /** Whether a write of the changing call in progress may have reached the database. */
  #wrote = false;

  /** `user` is the user part of `CURRENT_USER()`: the account the server matched at login. */
  constructor(catalog: AccountCatalog, user: string, logger: Logger) {
    this.#catalog = catalog;
    this.#user = user;
    this.#logger = logger;
  }

  get #dialect(): SqlDialect {
    return this.#catalog.dialect;
  }

  /** Asks the server which server it is and which account this is (see `identityQuery`); no privilege needed. */
  async identity(): Promise<SessionIdentity> {
    const [row] = await this.#catalog.select<{ server: unknown; account: unknown }>(
      identityQuery(this.#dialect.server),
      [],
      'ask the server which server and account this is',
    );
    const server = text(row?.server);
    if (server === '') throw new StepFailedError('the server did not say which server it is', false);
    return { server, user: userOfAccount(text(row?.account)) };
  }

  /** Runs `SELECT 1`. */
  async ping(): Promise<void> {
    await this.#catalog.run({ sql: 'SELECT 1', purpose: 'ping', secret: false });
  }

  /** `SET PASSWORD = …`: the account the server matched at login, whatever its host; other host entries keep theirs. */
  async setOwnPassword(newPassword: string): Promise<void> {
    await this.#changing(async () => {
      checkNewPassword(newPassword);
      this.#catalog.redactor.add(newPassword);
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
    this.#catalog.redactor.add(request.password);
    checkSyncNames(request);
    refuseOwnAccount(this.#user, request, sameMysqlUser);
    if (sameMysqlUser(request.source, request.user)) {
      throw new InvalidOptionsError('the alternate user must differ from the source user', { field: 'user' });
    }
    const sourceHosts = await this.#catalog.hosts(request.source);
    if (sourceHosts.length === 0) {
      throw new StepFailedError(`the source user ${request.source} does not exist on the server`, false);
    }
    const source = new Map<string, SourceEntry>();
    for (const host of sourceHosts) {
      const account = { user: request.source, host };
      source.set(host, { grants: await this.#catalog.grants(account), tls: await this.#catalog.tlsRequirement(account) });
    }
    refuseAdministrativeSource(request, await this.#administrativeRights([...source.values()].map((entry) => entry.grants)));
    return { source, existing: await this.#catalog.hosts(request.user) };
  }

  async #applySync(request: UserSyncRequest, plan: SyncPlan): Promise<void> {
    for (const [host, wanted] of plan.source) {
      const account = { user: request.user, host };
      if (!plan.existing.includes(host)) {
        // Created with a throwaway password: until the sync is done, the pending password does not log in.
        const throwaway = randomBytes(24).toString('base64url');
        this.#catalog.redactor.add(throwaway);
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
      const roleGrants = await this.#catalog.readGrants({ sql: `SHOW GRANTS FOR ${role}`, purpose: `read the grants of role ${role}`, secret: false });
      rights.push(...administrativeRights(roleGrants).map((right) => `${right} through ${held}`));
      queue.push(...[...roleGrants.roles.keys()].map((below) => ({ role: below, held })));
    }
    return rights;
  }

  /** Closes the connection; safe to call twice. */
  async close(): Promise<void> {
    await this.#catalog.close();
  }

  async #copyAccount(source: SourceEntry, target: Account): Promise<void> {
    await this.#write(requireStatement(this.#dialect, target, source.tls));
    const held = await this.#catalog.grants(target);
    for (const change of grantChanges(source.grants, held)) await this.#applyChange(target, change);
    if (hasRoles(this.#dialect.server)) {
      const wantedDefaults = source.grants.defaultRoles ?? [];
      const heldDefaults = (await this.#catalog.grants(target)).defaultRoles ?? [];
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
      if (!grantDenied(error)) throw statementError(error, statement, this.#catalog.redactor);
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

  /** Runs a statement that changes the database, wrapping its failure like the catalog's `run`. */
  async #write(statement: Statement): Promise<void> {
    try {
      await this.#executeWrite(statement);
    } catch (error) {
      throw statementError(error, statement, this.#catalog.redactor);
    }
  }

  /** Runs a changing statement and notes whether it may have applied (anything but the server's refusal). */
  async #executeWrite(statement: Statement): Promise<void> {
    try {
      await this.#catalog.execute(statement);
    } catch (error) {
      if (!refusedByServer(error)) this.#wrote = true;
      throw error;
    }
    this.#wrote = true;
  }
}
