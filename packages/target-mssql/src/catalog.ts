import { StepFailedError, type SessionIdentity, type UserProfile } from '@rotakit/core';
import { catalogQuery, describePermission, type Permission, type PermissionTarget, type Statement } from './sql.js';

/**
 * SQL Server has no per-login TLS requirement (Force Encryption is server-wide), so every profile
 * reports the same word and the alternate user can never differ from its source there.
 */
export const NO_PER_LOGIN_TLS = 'NONE';

/** The administrative rights a source may not hold unless allowed, by the column that reports each. */
const ADMINISTRATIVE_RIGHTS = [
  { column: 'sysadmin', right: 'sysadmin' },
  { column: 'securityadmin', right: 'securityadmin' },
  { column: 'control_server', right: 'CONTROL SERVER' },
] as const;

/** One row of a catalog query, by column name. */
export type Row = Record<string, unknown>;

/** Runs one catalog query and returns its rows: how a catalog reaches its server. */
export type ReadRows = (statement: Statement) => Promise<Row[]>;

/** Where a session is: the database, and whether its users have their own passwords. */
export interface SessionContext {
  readonly database: string;
  readonly contained: boolean;
}

/** Whom grants are read from and written to: a server login (in master) or a database user. */
export interface Grantee {
  readonly scope: 'server' | 'database';
  readonly name: string;
}

/** Whether the session's database is `master`, where a login's rights are server-wide. */
export function isMaster(context: SessionContext): boolean {
  return context.database.toLowerCase() === 'master';
}

/**
 * What the catalog says about principals, read through the session's connection: the answers
 * syncUser acts on and the profiles its introspection reports.
 */
export class Catalog {
  readonly #rows: ReadRows;

  constructor(rows: ReadRows) {
    this.#rows = rows;
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

  /** The session's database and whether it is contained. */
  async context(): Promise<SessionContext> {
    const [row] = await this.#rows(catalogQuery('context'));
    if (!row) throw new StepFailedError('SQL Server did not describe the current database', false);
    return { database: String(row['database_name']), contained: row['containment'] === 1 };
  }

  /** Whether `name` is a user with its own password in this (contained) database, not a login. */
  async isContainedUser(context: SessionContext, name: string): Promise<boolean> {
    return context.contained && (await this.#rows(catalogQuery('containedUser', name))).length > 0;
  }

  /** The SQL login `name` with its password checks, or undefined when there is none. */
  async sqlLogin(name: string): Promise<Row | undefined> {
    const [row] = await this.#rows(catalogQuery('sqlLogin', name));
    return row;
  }

  /** The name of `login`'s user in the session's database, if it has one. */
  async userOfLogin(login: string): Promise<string | undefined> {
    const [row] = await this.#rows(catalogQuery('userOfLogin', login));
    return row === undefined ? undefined : String(row['name']);
  }

  /** The roles `grantee` is a member of, server or database roles by its scope. */
  async roles(grantee: Grantee): Promise<string[]> {
    const rows = await this.#rows(catalogQuery(grantee.scope === 'server' ? 'serverRoles' : 'databaseRoles', grantee.name));
    return rows.map((row) => String(row['role_name']));
  }

  /** The permissions granted or denied to `grantee`; a class rotakit cannot copy is refused. */
  async permissions(grantee: Grantee): Promise<Permission[]> {
    const rows = await this.#rows(catalogQuery(grantee.scope === 'server' ? 'serverPermissions' : 'databasePermissions', grantee.name));
    return rows.map((row) => permissionOfRow(row, grantee.scope));
  }

  /** The administrative rights `login` holds, in SQL Server's words, most powerful first. */
  async administrativeRights(login: string): Promise<string[]> {
    const [row] = await this.#rows(catalogQuery('administrativeRights', login));
    if (!row) throw new StepFailedError(`SQL Server did not say which administrative rights ${login} holds`, false);
    return ADMINISTRATIVE_RIGHTS.filter(({ column }) => row[column] === 1).map(({ right }) => right);
  }

  /**
   * `username` as the engine-neutral profile: its permissions (`STATE PERMISSION on SECURABLE`)
   * and role names where the session is (server-wide in master, else its database user's), or
   * undefined when it is neither a login nor a contained user.
   */
  async profile(username: string): Promise<UserProfile | undefined> {
    const context = await this.context();
    let grantee: Grantee | undefined;
    if (await this.isContainedUser(context, username)) {
      grantee = { scope: 'database', name: username };
    } else {
      if ((await this.sqlLogin(username)) === undefined) return undefined;
      const user = isMaster(context) ? username : await this.userOfLogin(username);
      grantee = user === undefined ? undefined : { scope: isMaster(context) ? 'server' : 'database', name: user };
    }
    const roles = grantee ? await this.roles(grantee) : [];
    const permissions = grantee ? await this.permissions(grantee) : [];
    return { username, privileges: permissions.map(describePermission).sort(), roles: roles.sort(), tls: NO_PER_LOGIN_TLS };
  }
}

/** A row of `sys.server_permissions` or `sys.database_permissions` (by `scope`) as a permission. */
export function permissionOfRow(row: Row, scope: Grantee['scope']): Permission {
  return {
    state: permissionState(row['state_desc']),
    permission: String(row['permission_name']),
    on: scope === 'server' ? serverSecurable(row) : databaseSecurable(row),
  };
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
