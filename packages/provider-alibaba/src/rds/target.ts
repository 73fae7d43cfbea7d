import * as $Rds from '@alicloud/rds20140815';
import {
  alternatingUsers,
  InvalidOptionsError,
  InvalidSecretValueError,
  PASSWORD_CHARACTER_CLASSES,
  PrivilegedSecretInvalidError,
  refuseAdministrativeSource,
  StepFailedError,
  TargetAuthFailedError,
  type Login,
  type PasswordConstraints,
  type RotakitError,
  type SessionIdentity,
  type Strategy,
  type Target,
  type TargetSession,
  type TlsMode,
  type UserIntrospection,
  type UserProfile,
  type UserSyncRequest,
} from '@rotakit/core';
import { ALTERNATE_SUFFIX as KMS_ALTERNATE_SUFFIX } from '../conventions.js';
import { rdsError } from '../errors.js';
import type { AlibabaClientOptions } from '../client.js';
import { createRdsClient, type RdsClient } from './client.js';

/** ApsaraDB RDS engines, as far as their account-name limits differ. */
export type RdsEngine = 'MySQL' | 'MySQL 5.6' | 'MariaDB' | 'SQLServer' | 'PostgreSQL' | 'PostgreSQL local disk';

/** Longest account name per engine (RDS CreateAccount rules); MySQL means 5.7 and 8.0. */
export const RDS_ACCOUNT_NAME_LIMITS: Readonly<Record<RdsEngine, number>> = {
  MySQL: 32,
  'MySQL 5.6': 16,
  MariaDB: 16,
  SQLServer: 64,
  PostgreSQL: 63,
  'PostgreSQL local disk': 16,
};

/** The limit used when no engine is named: the strictest one, as Alibaba's own rotation function uses. */
export const DEFAULT_RDS_ACCOUNT_NAME_LIMIT = 16;

/** The only special characters an RDS account password may contain. */
export const RDS_PASSWORD_SPECIALS = '!@#$%^&*()_+-=';

/**
 * Account types with administrative rights on the instance: the high-privilege account (`Super`)
 * and SQL Server's system administrator (`Sysadmin`). Alternating users never change one, and
 * clone one only with `allowAdministrativeSource`.
 */
export const RDS_ADMINISTRATIVE_ACCOUNT_TYPES: readonly string[] = ['Super', 'Sysadmin'];

/**
 * The `user` of the privileged session's identity on an instance without an administrative
 * account: the function's RAM role acts, and no account name can equal this one.
 */
export const RDS_API_PRINCIPAL = '(RAM role)';

/** RDS password limits, for the password generator: 8 to 32 characters, only RDS's specials. */
export const RDS_PASSWORD_CONSTRAINTS: PasswordConstraints = {
  minLength: 8,
  maxLength: 32,
  excludeCharacters: [...PASSWORD_CHARACTER_CLASSES.punctuation].filter((c) => !RDS_PASSWORD_SPECIALS.includes(c)).join(''),
};

/** Privileges the RDS API can grant, per engine family. */
const GRANTABLE: Readonly<Record<'mysql' | 'sqlserver' | 'postgresql', readonly string[]>> = {
  mysql: ['ReadWrite', 'ReadOnly', 'DDLOnly', 'DMLOnly'],
  sqlserver: ['ReadWrite', 'ReadOnly', 'DBOwner'],
  postgresql: ['DBOwner'],
};

/** Options of {@link RdsAccountTarget}. */
export type RdsAccountTargetOptions = ({ readonly client: RdsClient } | AlibabaClientOptions) & {
  /** The instance whose accounts rotate, e.g. `rm-uf6wjk5xxxxxxx`. */
  readonly dbInstanceId: string;
  /** Sets the account-name limit and the grantable privileges; without it the strictest (16) applies. */
  readonly engine?: RdsEngine;
  /** Overrides the engine's account-name limit. */
  readonly maxUsernameLength?: number;
};

interface AccountPrivilege {
  readonly dbName: string;
  readonly privilege: string;
}

interface Account {
  readonly name: string;
  /** The instance the API says the account is on. */
  readonly instanceId: string;
  readonly type: string;
  readonly status: string;
  readonly privileges: readonly AccountPrivilege[];
}

/** How a call's failure is reported: `beforeFirstWrite` marks it as having changed nothing. */
interface CallOptions {
  readonly beforeFirstWrite?: boolean;
}

/** DescribeAccounts' page size, the largest it takes. */
const ACCOUNTS_PAGE_SIZE = 200;

const INSTANCE_ID = /^[a-z][a-z0-9-]{2,63}$/;

/**
 * A `Target` that rotates ApsaraDB RDS accounts through the RDS account API (DescribeAccounts,
 * CreateAccount, ResetAccountPassword, GrantAccountPrivilege, RevokeAccountPrivilege): no SQL and
 * no privileged secret; the function's RAM role is the privileged party.
 *
 * What a login proves here: `connect` finds the account on the instance and checks it is
 * `Available`; the API cannot check a password, so neither can `connect` or `ping`. Rotate with
 * {@link rdsDualAccount}, which never takes "the account exists" for "the password works".
 */
export class RdsAccountTarget implements Target {
  readonly engine: string;
  readonly maxUsernameLength: number;
  /** The RDS API is always HTTPS; a secret's `SSL` concerns database logins, which this target makes none of. */
  readonly tls: TlsMode = 'verify';
  readonly passwordConstraints = RDS_PASSWORD_CONSTRAINTS;
  /** The account API sees whether an account exists, never whether a password works. */
  readonly verifiesPasswords = false;
  readonly dbInstanceId: string;
  readonly #client: RdsClient;
  readonly #family: keyof typeof GRANTABLE;
  readonly #upperCaseNames: boolean;

  constructor(options: RdsAccountTargetOptions) {
    if (typeof options.dbInstanceId !== 'string' || !INSTANCE_ID.test(options.dbInstanceId)) {
      throw new InvalidOptionsError('dbInstanceId must be an RDS instance id such as rm-uf6wjk5xxxxxxx', {
        field: 'dbInstanceId',
      });
    }
    if (options.engine !== undefined && !(options.engine in RDS_ACCOUNT_NAME_LIMITS)) {
      throw new InvalidOptionsError(`engine must be one of ${Object.keys(RDS_ACCOUNT_NAME_LIMITS).join(', ')}`, {
        field: 'engine',
      });
    }
    const limit = options.maxUsernameLength ?? (options.engine ? RDS_ACCOUNT_NAME_LIMITS[options.engine] : DEFAULT_RDS_ACCOUNT_NAME_LIMIT);
    if (!Number.isInteger(limit) || limit < 2) {
      throw new InvalidOptionsError('maxUsernameLength must be a whole number of at least 2', { field: 'maxUsernameLength' });
    }
    this.dbInstanceId = options.dbInstanceId;
    this.engine = `rds${options.engine ? ` ${options.engine}` : ''}`;
    this.maxUsernameLength = limit;
    this.#client = 'client' in options ? options.client : createRdsClient(options);
    const engine = options.engine ?? 'MySQL';
    this.#family = engine.startsWith('SQLServer') ? 'sqlserver' : engine.startsWith('PostgreSQL') ? 'postgresql' : 'mysql';
    this.#upperCaseNames = this.#family === 'mysql';
  }

  /**
   * Throws `InvalidSecretValueError` (field `AccountName`) unless `name` is an account name RDS
   * accepts: letters, digits and underscores (upper case only on MySQL and MariaDB), starting with a
   * letter, ending with a letter or digit, within the engine's length. Core calls it in `create`, so
   * a name RDS would refuse is caught before KMS is written.
   */
  checkUsername(name: string): void {
    const pattern = this.#upperCaseNames ? /^[A-Za-z](?:[A-Za-z0-9_]*[A-Za-z0-9])?$/ : /^[a-z](?:[a-z0-9_]*[a-z0-9])?$/;
    if (typeof name !== 'string' || name.length < 2 || name.length > this.maxUsernameLength || !pattern.test(name)) {
      throw new InvalidSecretValueError(
        `AccountName must be 2 to ${this.maxUsernameLength} ${this.#upperCaseNames ? 'letters' : 'lower-case letters'}, digits or underscores, starting with a letter and ending with a letter or digit`,
        { field: 'AccountName', changedNothing: true },
      );
    }
  }

  /** Opens a session for an existing, available account (see the class comment for what that proves). */
  async connect(login: Login): Promise<TargetSession> {
    const account = await this.describe(login.username);
    if (!account || account.status !== 'Available') {
      throw new TargetAuthFailedError(
        `account ${login.username} ${account ? 'is not available' : 'does not exist'} on RDS instance ${this.dbInstanceId}`,
      );
    }
    return new RdsAccountSession(this, login.username);
  }

  /** A session with the function's own RAM permissions to create accounts and grant privileges. */
  async connectPrivileged(): Promise<TargetSession> {
    return new RdsAccountSession(this, undefined);
  }

  /**
   * The instance's accounts seen through core's `UserIntrospection` port, with the function's own
   * RAM permissions (DescribeAccounts): how tests compare two accounts after a sync.
   */
  async introspect(): Promise<UserIntrospection> {
    return new RdsAccountSession(this, undefined);
  }

  /** The grantable privileges of this target's engine. */
  grantable(): readonly string[] {
    return GRANTABLE[this.#family];
  }

  /** DescribeAccounts for one account; undefined when it does not exist. */
  async describe(accountName: string, options: CallOptions = {}): Promise<Account | undefined> {
    const request = new $Rds.DescribeAccountsRequest({ DBInstanceId: this.dbInstanceId, accountName });
    const response = await this.call('DescribeAccounts', () => this.#client.describeAccounts(request), options);
    const found = (response.body?.accounts?.DBInstanceAccount ?? []).find((a) => a.accountName === accountName);
    return found === undefined ? undefined : this.#account(found);
  }

  /** Every account of the instance (DescribeAccounts, every page). */
  async accounts(): Promise<readonly Account[]> {
    const accounts: Account[] = [];
    for (let page = 1; ; page += 1) {
      const request = new $Rds.DescribeAccountsRequest({ DBInstanceId: this.dbInstanceId, pageNumber: page, pageSize: ACCOUNTS_PAGE_SIZE });
      const response = await this.call('DescribeAccounts', () => this.#client.describeAccounts(request));
      const listed = response.body?.accounts?.DBInstanceAccount ?? [];
      accounts.push(...listed.map((found) => this.#account(found)));
      if (listed.length === 0 || accounts.length >= (response.body?.totalRecordCount ?? 0)) return accounts;
    }
  }

  #account(found: $Rds.DescribeAccountsResponseBodyAccountsDBInstanceAccount): Account {
    return {
      name: found.accountName ?? '',
      instanceId: found.DBInstanceId ?? this.dbInstanceId,
      type: found.accountType ?? 'Normal',
      status: found.accountStatus ?? 'Available',
      privileges: (found.databasePrivileges?.databasePrivilege ?? []).map((p) => ({
        dbName: p.DBName ?? '',
        privilege: p.accountPrivilege ?? '',
      })),
    };
  }

  /** The RDS client, for the session. */
  get client(): RdsClient {
    return this.#client;
  }

  /**
   * Runs one RDS call and turns a failure into rotakit's typed error: throttling, 5xx and no answer
   * (after the SDK's retries) are `TargetUnreachableError`, anything else a non-retryable
   * `StepFailedError`; with `beforeFirstWrite` the error says nothing was changed. The SDK's
   * message is dropped: the request carries `AccountPassword`.
   */
  async call<T>(action: string, call: () => Promise<T>, options: CallOptions = {}): Promise<T> {
    try {
      return await call();
    } catch (error) {
      throw rdsError(error, action, this.dbInstanceId, options.beforeFirstWrite === true ? { changedNothing: true } : {});
    }
  }
}

class RdsAccountSession implements TargetSession, UserIntrospection {
  readonly #target: RdsAccountTarget;
  /** The account the session was opened for; undefined for the privileged session. */
  readonly #account: string | undefined;

  constructor(target: RdsAccountTarget, account: string | undefined) {
    this.#target = target;
    this.#account = account;
  }

  /** Proves the API answers for the instance and, for an account's session, that it still exists. */
  async ping(): Promise<void> {
    if (this.#account === undefined) {
      const target = this.#target;
      const request = new $Rds.DescribeAccountsRequest({ DBInstanceId: target.dbInstanceId });
      await target.call('DescribeAccounts', () => target.client.describeAccounts(request));
      return;
    }
    if (!(await this.#target.describe(this.#account))) {
      throw new TargetAuthFailedError(`account ${this.#account} no longer exists on ${this.#target.dbInstanceId}`);
    }
  }

  /**
   * Which server and which account, as the RDS API says: the server is the instance id (from
   * DescribeAccounts' answer); the user is the session's account, or for the privileged session the
   * instance's administrative account (`Super`, or SQL Server's `Sysadmin`), or
   * {@link RDS_API_PRINCIPAL} when it has none.
   */
  async identity(): Promise<SessionIdentity> {
    const target = this.#target;
    if (this.#account !== undefined) {
      const account = await target.describe(this.#account);
      if (!account) throw new TargetAuthFailedError(`account ${this.#account} no longer exists on ${target.dbInstanceId}`);
      return { server: account.instanceId, user: account.name };
    }
    const accounts = await target.accounts();
    const administrative = accounts.find((a) => RDS_ADMINISTRATIVE_ACCOUNT_TYPES.includes(a.type));
    return { server: accounts[0]?.instanceId ?? target.dbInstanceId, user: administrative?.name ?? RDS_API_PRINCIPAL };
  }

  async setOwnPassword(): Promise<void> {
    throw new InvalidOptionsError(
      'the RDS account target rotates dual accounts only: use the rdsDualAccount() strategy',
      { field: 'strategy' },
    );
  }

  /**
   * Creates `user` with the source's account type (or resets its password), then makes its database
   * privileges equal to the source's: revokes what the source lacks, grants what the user lacks.
   * Every check comes before the first write, and its error says nothing was changed: names and
   * password rules, the source's existence, an administrative source (`Super`, `Sysadmin`: refused
   * with `AdministrativeSourceError` unless `allowAdministrativeSource`), its privileges, an
   * administrative user (never changed: `PrivilegedSecretInvalidError`, field `user`) and the
   * account types.
   */
  async syncUser(request: UserSyncRequest): Promise<void> {
    const target = this.#target;
    if (this.#account !== undefined) {
      throw new InvalidOptionsError('only the privileged session of the RDS account target manages accounts', {
        field: 'strategy',
        changedNothing: true,
      });
    }
    target.checkUsername(request.user);
    checkRdsPassword(request.password);
    const source = await target.describe(request.source, { beforeFirstWrite: true });
    if (!source) {
      throw new TargetAuthFailedError(`account ${request.source} does not exist on RDS instance ${target.dbInstanceId}`, {
        changedNothing: true,
      });
    }
    refuseAdministrativeSource(request, RDS_ADMINISTRATIVE_ACCOUNT_TYPES.includes(source.type) ? [source.type] : []);
    const ungrantable = source.privileges.filter((p) => !target.grantable().includes(p.privilege));
    if (ungrantable.length > 0) {
      throw new StepFailedError(
        `account ${request.source} holds privileges the RDS API cannot grant (${ungrantable.map((p) => `${p.privilege} on ${p.dbName}`).join(', ')}); copy them with SQL instead`,
        false,
        { changedNothing: true },
      );
    }
    const existing = await target.describe(request.user, { beforeFirstWrite: true });
    if (existing && RDS_ADMINISTRATIVE_ACCOUNT_TYPES.includes(existing.type)) {
      throw new PrivilegedSecretInvalidError(
        `account ${request.user} is the instance's ${existing.type} account; alternating users never change an administrative account`,
        { field: 'user', changedNothing: true },
      );
    }
    if (existing && existing.type !== source.type) {
      throw new StepFailedError(
        `account ${request.user} is of type ${existing.type} and ${request.source} of type ${source.type}; the RDS API cannot change an account's type`,
        false,
        { changedNothing: true },
      );
    }
    const base = { DBInstanceId: target.dbInstanceId, accountName: request.user, accountPassword: request.password };
    let held = existing?.privileges ?? [];
    if (existing) {
      await target.call('ResetAccountPassword', () => target.client.resetAccountPassword(new $Rds.ResetAccountPasswordRequest(base)));
    } else {
      held = await this.#create(base, source.type);
    }
    const wanted = new Map(source.privileges.map((p) => [p.dbName, p.privilege]));
    const revoke = held.filter((p) => wanted.get(p.dbName) !== p.privilege).map((p) => p.dbName);
    const grant = source.privileges.filter((p) => !held.some((h) => h.dbName === p.dbName && h.privilege === p.privilege));
    const names = { DBInstanceId: target.dbInstanceId, accountName: request.user };
    if (revoke.length > 0) {
      const revokeRequest = new $Rds.RevokeAccountPrivilegeRequest({ ...names, DBName: revoke.join(',') });
      await target.call('RevokeAccountPrivilege', () => target.client.revokeAccountPrivilege(revokeRequest));
    }
    if (grant.length > 0) {
      const grantRequest = new $Rds.GrantAccountPrivilegeRequest({
        ...names,
        DBName: grant.map((p) => p.dbName).join(','),
        accountPrivilege: grant.map((p) => p.privilege).join(','),
      });
      await target.call('GrantAccountPrivilege', () => target.client.grantAccountPrivilege(grantRequest));
    }
  }

  /**
   * CreateAccount; when a retried create finds the account made by its first attempt, its password
   * is reset instead. Returns the privileges the account holds afterwards.
   */
  async #create(
    base: { DBInstanceId: string; accountName: string; accountPassword: string },
    accountType: string,
  ): Promise<readonly AccountPrivilege[]> {
    const target = this.#target;
    try {
      await target.call('CreateAccount', () =>
        target.client.createAccount(new $Rds.CreateAccountRequest({ ...base, accountType })),
      );
      return [];
    } catch (error) {
      if ((error as RotakitError).cause !== 'InvalidAccountName.Duplicate') throw error;
      await target.call('ResetAccountPassword', () => target.client.resetAccountPassword(new $Rds.ResetAccountPasswordRequest(base)));
      return (await target.describe(base.accountName))?.privileges ?? [];
    }
  }

  /**
   * The account as rotakit compares accounts: privileges as `<privilege> on <database>`, and the
   * account type (Normal, Super, Sysadmin) as its only role. The RDS API says nothing of TLS.
   */
  async inspectUser(username: string): Promise<UserProfile | undefined> {
    const account = await this.#target.describe(username);
    if (!account) return undefined;
    return {
      username,
      privileges: account.privileges.map((p) => `${p.privilege} on ${p.dbName}`).sort(),
      roles: [account.type],
      tls: 'UNKNOWN',
    };
  }

  async close(): Promise<void> {
    // Nothing is held open: every call is one HTTPS request.
  }
}

/**
 * Throws `InvalidSecretValueError` (field `AccountPassword`) unless RDS accepts the password:
 * 8 to 32 characters, at least three of upper case, lower case, digits and RDS's specials, and no
 * other character.
 */
export function checkRdsPassword(password: string): void {
  if (typeof password !== 'string') {
    throw new InvalidSecretValueError('AccountPassword must be a string', { field: 'AccountPassword', changedNothing: true });
  }
  const classes = [/[A-Z]/, /[a-z]/, /[0-9]/, /[!@#$%^&*()_+\-=]/].filter((c) => c.test(password)).length;
  const allowed = /^[A-Za-z0-9!@#$%^&*()_+\-=]*$/.test(password);
  if (password.length < 8 || password.length > 32 || classes < 3 || !allowed) {
    throw new InvalidSecretValueError(
      `AccountPassword must be 8 to 32 characters with three of upper case, lower case, digits and ${RDS_PASSWORD_SPECIALS}, and nothing else`,
      { field: 'AccountPassword', changedNothing: true },
    );
  }
}

/** Options of {@link rdsDualAccount}. */
export interface RdsDualAccountOptions {
  /** The suffix of the other account; default `_rt`, Alibaba's convention. */
  readonly suffix?: string;
}

/**
 * Core's alternating-users strategy with Alibaba's `_rt` suffix. The target makes it fit the
 * account API through core's own rules: `verifiesPasswords: false` keeps the set step from taking
 * an existing account for a working password, so the API always sets the pending password (which
 * is idempotent); `checkUsername` checks the other account's name in `create`, before KMS is
 * written; and its `connectPrivileged` (the function's RAM role) is used, any `MasterSecret` ignored.
 */
export function rdsDualAccount(options: RdsDualAccountOptions = {}): Strategy {
  return alternatingUsers({ suffix: options.suffix ?? KMS_ALTERNATE_SUFFIX });
}
