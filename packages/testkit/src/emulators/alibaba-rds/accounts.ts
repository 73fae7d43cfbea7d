import { KmsError } from '../alibaba/errors.js';

/** RDS engines the emulator models, as far as their account rules differ. */
export type RdsEmulatorEngine = 'MySQL' | 'MariaDB' | 'SQLServer' | 'PostgreSQL';

/** An account as the emulator stores it (the password included: the emulator is for tests). */
export interface RdsAccountState {
  name: string;
  password: string;
  type: 'Normal' | 'Super' | 'Sysadmin';
  status: 'Available' | 'Unavailable';
  description: string;
  /** Database name → privilege (`ReadWrite`, `ReadOnly`, `DDLOnly`, `DMLOnly`, `DBOwner`, or `Custom`). */
  privileges: Record<string, string>;
}

/** An instance's role, as DescribeDBInstances reports it in `DBInstanceType`. */
export type RdsInstanceRole = 'Primary' | 'Readonly' | 'Guard' | 'Temp';

/** An instance to seed. */
export interface AlibabaRdsInstanceSeed {
  id: string;
  engine?: RdsEmulatorEngine;
  /** `5.6`, `5.7`, `8.0`, …; sets MySQL's account-name limit. */
  engineVersion?: string;
  databases?: string[];
  accounts?: Array<Partial<RdsAccountState> & { name: string; password: string }>;
  /** Default `cn-hangzhou`: DescribeDBInstances lists an instance only in its region. */
  regionId?: string;
  /** Default `<regionId>-b`. */
  zoneId?: string;
  /** Default `Running`. */
  status?: string;
  /** Default `Primary`; a `Readonly` instance names its primary in `masterInstanceId`. */
  role?: RdsInstanceRole;
  masterInstanceId?: string | undefined;
  /** The internal endpoint; default `<id>.<engine>.rds.aliyuncs.com` (e.g. `rm-1.mysql.rds.aliyuncs.com`). */
  connectionString?: string;
  description?: string;
}

/** One instance in {@link RdsEmulatorState}. */
export interface RdsInstanceState {
  id: string;
  engine: RdsEmulatorEngine;
  engineVersion: string;
  databases: string[];
  accounts: RdsAccountState[];
  regionId: string;
  zoneId: string;
  status: string;
  role: RdsInstanceRole;
  masterInstanceId: string | undefined;
  connectionString: string;
  description: string;
  /** When the emulator learnt of it, `YYYY-MM-DDTHH:mm:ssZ`. */
  createTime: string;
}

/** The emulator's whole state. */
export interface RdsEmulatorState {
  instances: RdsInstanceState[];
}

/**
 * RDS account errors. The statuses and messages of the codes the reference marks as recalled
 * rather than documented are the emulator's best knowledge.
 */
export const RDS_ERRORS = {
  'InvalidDBInstanceId.NotFound': { status: 404, message: 'The specified instance is not found.' },
  'InvalidAccountName.NotFound': { status: 404, message: 'The specified account is not found.' },
  'InvalidDBName.NotFound': { status: 404, message: 'The specified database is not found.' },
  'InvalidAccountName.Duplicate': { status: 400, message: 'The specified account name already exists.' },
  'InvalidAccountName.Malformed': { status: 400, message: 'The specified parameter AccountName is not valid.' },
  'InvalidAccountPassword.Malformed': { status: 400, message: 'The specified parameter AccountPassword is not valid.' },
  'InvalidAccountPrivilege.Malformed': { status: 400, message: 'The specified parameter AccountPrivilege is not valid.' },
  'InvalidAccountType.Malformed': { status: 400, message: 'The specified parameter AccountType is not valid.' },
  InvalidParameter: { status: 400, message: 'The specified parameter is not valid.' },
  'Throttling.User': { status: 400, message: 'Request was denied due to user flow control.' },
  InternalError: { status: 500, message: 'The request processing has failed due to some unknown error.' },
  'InvalidAction.NotFound': { status: 404, message: 'Specified api is not found, please check your url and method.' },
} as const satisfies Record<string, { status: number; message: string }>;

/** A code of {@link RDS_ERRORS}. */
export type RdsErrorCode = keyof typeof RDS_ERRORS;

/** The RDS error `code` with its status and message. */
export function rdsError(code: RdsErrorCode): KmsError {
  const { status, message } = RDS_ERRORS[code];
  return new KmsError(code, status, message);
}

/** Privileges each engine's GrantAccountPrivilege takes. */
const GRANTABLE: Record<RdsEmulatorEngine, readonly string[]> = {
  MySQL: ['ReadWrite', 'ReadOnly', 'DDLOnly', 'DMLOnly'],
  MariaDB: ['ReadWrite', 'ReadOnly', 'DDLOnly', 'DMLOnly'],
  SQLServer: ['ReadWrite', 'ReadOnly', 'DBOwner'],
  PostgreSQL: ['DBOwner'],
};

/** What DescribeAccounts reports as AccountPrivilegeDetail, per privilege (MySQL family). */
export const PRIVILEGE_DETAILS: Readonly<Record<string, string>> = {
  ReadWrite:
    'SELECT,INSERT,UPDATE,DELETE,CREATE,DROP,REFERENCES,INDEX,ALTER,CREATE TEMPORARY TABLES,LOCK TABLES,EXECUTE,CREATE VIEW,SHOW VIEW,CREATE ROUTINE,ALTER ROUTINE,EVENT,TRIGGER',
  ReadOnly: 'SELECT,LOCK TABLES,SHOW VIEW',
  DDLOnly: 'CREATE,DROP,INDEX,ALTER,CREATE TEMPORARY TABLES,LOCK TABLES,CREATE VIEW,SHOW VIEW,CREATE ROUTINE,ALTER ROUTINE,EVENT,TRIGGER',
  DMLOnly: 'SELECT,INSERT,UPDATE,DELETE,CREATE TEMPORARY TABLES,LOCK TABLES,EXECUTE,SHOW VIEW,EVENT,TRIGGER',
  DBOwner: 'ALL',
};

/** The documented account-name limits. */
function nameLimit(engine: RdsEmulatorEngine, version: string): number {
  if (engine === 'MySQL') return version === '5.6' ? 16 : 32;
  if (engine === 'MariaDB') return 16;
  if (engine === 'SQLServer') return 64;
  return 63;
}

/** The host label each engine's endpoints carry. */
const ENDPOINT_LABEL: Record<RdsEmulatorEngine, string> = { MySQL: 'mysql', MariaDB: 'mariadb', SQLServer: 'sqlserver', PostgreSQL: 'pg' };

/** An instance as the emulator holds it. */
export interface Instance extends Omit<RdsInstanceState, 'databases' | 'accounts'> {
  databases: Set<string>;
  accounts: Map<string, RdsAccountState>;
}

/** The instances of one emulated region and the account rules of the RDS API. */
export class RdsAccounts {
  readonly #instances = new Map<string, Instance>();

  /** Adds or replaces instances. */
  seed(seeds: readonly AlibabaRdsInstanceSeed[]): void {
    for (const seed of seeds) {
      if (typeof seed.id !== 'string' || seed.id === '') throw new Error('seed: every instance needs an id');
      const engine = seed.engine ?? 'MySQL';
      const regionId = seed.regionId ?? 'cn-hangzhou';
      const role = seed.role ?? 'Primary';
      if (role === 'Readonly' && !seed.masterInstanceId) throw new Error(`seed: the read-only instance ${seed.id} needs a masterInstanceId`);
      const instance: Instance = {
        id: seed.id,
        engine,
        engineVersion: seed.engineVersion ?? '8.0',
        databases: new Set(seed.databases ?? []),
        accounts: new Map(),
        regionId,
        zoneId: seed.zoneId ?? `${regionId}-b`,
        status: seed.status ?? 'Running',
        role,
        masterInstanceId: seed.masterInstanceId,
        connectionString: seed.connectionString ?? `${seed.id}.${ENDPOINT_LABEL[engine]}.rds.aliyuncs.com`,
        description: seed.description ?? seed.id,
        createTime: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
      };
      for (const account of seed.accounts ?? []) {
        instance.accounts.set(account.name, {
          type: 'Normal',
          status: 'Available',
          description: '',
          privileges: {},
          ...account,
        });
      }
      this.#instances.set(seed.id, instance);
    }
  }

  /** Every instance, passwords included. */
  snapshot(): RdsEmulatorState {
    return {
      instances: [...this.#instances.values()].map((instance) => ({
        ...instance,
        databases: [...instance.databases],
        accounts: [...instance.accounts.values()].map((account) => ({ ...account, privileges: { ...account.privileges } })),
      })),
    };
  }

  /** Every instance, in the order they were seeded. */
  instances(): Instance[] {
    return [...this.#instances.values()];
  }

  instance(id: string): Instance {
    const instance = this.#instances.get(id);
    if (!instance) throw rdsError('InvalidDBInstanceId.NotFound');
    return instance;
  }

  account(instance: Instance, name: string): RdsAccountState {
    const account = instance.accounts.get(name);
    if (!account) throw rdsError('InvalidAccountName.NotFound');
    return account;
  }

  create(instance: Instance, input: { name: string; password: string; type: string; description: string }): void {
    checkName(instance, input.name);
    checkPassword(input.password);
    const types = instance.engine === 'SQLServer' ? ['Normal', 'Super', 'Sysadmin'] : ['Normal', 'Super'];
    if (!types.includes(input.type)) throw rdsError('InvalidAccountType.Malformed');
    // Names differing only in case clash on MySQL (the documented rule for privileged accounts, applied to all).
    const clash = [...instance.accounts.keys()].some((name) => name.toLowerCase() === input.name.toLowerCase());
    if (clash) throw rdsError('InvalidAccountName.Duplicate');
    instance.accounts.set(input.name, {
      name: input.name,
      password: input.password,
      type: input.type as RdsAccountState['type'],
      status: 'Available',
      description: input.description,
      privileges: {},
    });
  }

  resetPassword(instance: Instance, name: string, password: string): void {
    const account = this.account(instance, name);
    checkPassword(password);
    account.password = password;
  }

  /** One privilege per database; granting on a database replaces what the account had there. */
  grant(instance: Instance, name: string, dbNames: string[], privileges: string[]): void {
    const account = this.account(instance, name);
    if (dbNames.length === 0 || dbNames.length !== privileges.length) throw rdsError('InvalidParameter');
    for (const db of dbNames) if (!instance.databases.has(db)) throw rdsError('InvalidDBName.NotFound');
    for (const privilege of privileges) {
      if (!GRANTABLE[instance.engine].includes(privilege)) throw rdsError('InvalidAccountPrivilege.Malformed');
    }
    dbNames.forEach((db, i) => {
      account.privileges[db] = privileges[i] as string;
    });
  }

  revoke(instance: Instance, name: string, dbNames: string[]): void {
    const account = this.account(instance, name);
    if (dbNames.length === 0) throw rdsError('InvalidParameter');
    for (const db of dbNames) if (!instance.databases.has(db)) throw rdsError('InvalidDBName.NotFound');
    for (const db of dbNames) delete account.privileges[db];
  }
}

/** Letters, digits, underscores (upper case only on MySQL/MariaDB), a letter first, a letter or digit last. */
function checkName(instance: Instance, name: string): void {
  const upper = instance.engine === 'MySQL' || instance.engine === 'MariaDB';
  const pattern = upper ? /^[A-Za-z](?:[A-Za-z0-9_]*[A-Za-z0-9])?$/ : /^[a-z](?:[a-z0-9_]*[a-z0-9])?$/;
  if (name.length < 2 || name.length > nameLimit(instance.engine, instance.engineVersion) || !pattern.test(name)) {
    throw rdsError('InvalidAccountName.Malformed');
  }
}

/** 8 to 32 characters, three of four classes, specials only from `! @ # $ % ^ & * ( ) _ + - =`. */
function checkPassword(password: string): void {
  const classes = [/[A-Z]/, /[a-z]/, /[0-9]/, /[!@#$%^&*()_+\-=]/].filter((c) => c.test(password)).length;
  if (password.length < 8 || password.length > 32 || classes < 3 || !/^[A-Za-z0-9!@#$%^&*()_+\-=]+$/.test(password)) {
    throw rdsError('InvalidAccountPassword.Malformed');
  }
}
