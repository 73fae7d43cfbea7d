/**
 * Every statement the SQL Server target sends, built by pure functions. Identifiers are quoted
 * the way QUOTENAME quotes them (`[` … `]`, a `]` doubled); passwords are never pasted into SQL
 * text: they travel as bound `sp_executesql` parameters.
 *
 * T-SQL takes no variable where CREATE/ALTER LOGIN and CREATE/ALTER USER want a password, so
 * those statements are assembled on the server from the bound parameters and run with `EXEC`:
 * the name through `QUOTENAME(@name)`, the password through `REPLACE(@password, '''', '''''')`
 * inside `N'…'`. QUOTENAME is not used for passwords because it returns NULL for input over 128
 * characters, and `EXEC (NULL)` silently does nothing; REPLACE has no such limit.
 */

import { StepFailedError } from '@rotakit/core';

/** SQL Server's identifier limit (`sysname` is nvarchar(128)). */
export const SQL_SERVER_MAX_IDENTIFIER = 128;

/** SQL Server's longest password for a SQL login or contained user. */
export const MAX_PASSWORD_LENGTH = 128;

/** A statement with its bound parameters (all NVARCHAR). */
export interface Statement {
  readonly text: string;
  readonly parameters: Readonly<Record<string, string>>;
}

/** Quotes an identifier as QUOTENAME does: `[name]` with every `]` doubled. */
export function quoteIdentifier(name: string): string {
  return `[${name.replaceAll(']', ']]')}]`;
}

/**
 * Whether two names are one SQL Server login or user, as the default (case-insensitive) collation
 * compares them: case aside, and trailing spaces ignored (`N'sa ' = N'sa'`). On a case-sensitive
 * server this takes more names for one than the server does, which only ever refuses more.
 */
export function sameLogin(a: string, b: string): boolean {
  const key = (name: string): string => name.replace(/ +$/, '').toLowerCase();
  return key(a) === key(b);
}

/** `N'…'` around a bound variable, with its quotes doubled, as a piece of a dynamic-SQL expression. */
function quotedVariable(variable: string): string {
  return `N'N''' + REPLACE(${variable}, N'''', N'''''') + N''''`;
}

/** Runs the dynamic statement built by `expression` (a T-SQL string expression). */
function dynamic(expression: string, parameters: Record<string, string>): Statement {
  return { text: `DECLARE @sql nvarchar(max) = ${expression}; EXEC (@sql)`, parameters };
}

/** The session's own login or contained user, changing its password with the one it logged in with. */
export function changeOwnPassword(kind: 'login' | 'contained-user', password: string, oldPassword: string): Statement {
  const self = kind === 'login' ? `N'ALTER LOGIN ' + QUOTENAME(SUSER_SNAME())` : `N'ALTER USER ' + QUOTENAME(USER_NAME())`;
  return dynamic(`${self} + N' WITH PASSWORD = ' + ${quotedVariable('@password')} + N' OLD_PASSWORD = ' + ${quotedVariable('@oldPassword')}`, {
    password,
    oldPassword,
  });
}

/** Password checks of a new login (copied from the source login). */
export interface LoginPolicy {
  readonly checkPolicy: boolean;
  readonly checkExpiration: boolean;
}

/** `CREATE LOGIN [name] WITH PASSWORD = N'…', CHECK_POLICY = …, CHECK_EXPIRATION = …`. */
export function createLogin(name: string, password: string, policy: LoginPolicy): Statement {
  const onOff = (value: boolean): string => (value ? 'ON' : 'OFF');
  return dynamic(
    `N'CREATE LOGIN ' + QUOTENAME(@name) + N' WITH PASSWORD = ' + ${quotedVariable('@password')} + N', CHECK_POLICY = ${onOff(policy.checkPolicy)}, CHECK_EXPIRATION = ${onOff(policy.checkExpiration)}'`,
    { name, password },
  );
}

/** `ALTER LOGIN [name] WITH PASSWORD = N'…'`, as a login allowed to alter any login. */
export function setLoginPassword(name: string, password: string): Statement {
  return dynamic(`N'ALTER LOGIN ' + QUOTENAME(@name) + N' WITH PASSWORD = ' + ${quotedVariable('@password')}`, { name, password });
}

/** `CREATE USER [name] WITH PASSWORD = N'…'` in a contained database. */
export function createContainedUser(name: string, password: string): Statement {
  return dynamic(`N'CREATE USER ' + QUOTENAME(@name) + N' WITH PASSWORD = ' + ${quotedVariable('@password')}`, { name, password });
}

/** `ALTER USER [name] WITH PASSWORD = N'…'` in a contained database. */
export function setContainedUserPassword(name: string, password: string): Statement {
  return dynamic(`N'ALTER USER ' + QUOTENAME(@name) + N' WITH PASSWORD = ' + ${quotedVariable('@password')}`, { name, password });
}

/** `CREATE USER [name] FOR LOGIN [name]`: the alternate login's user in the current database. */
export function createUserForLogin(name: string): Statement {
  return { text: `CREATE USER ${quoteIdentifier(name)} FOR LOGIN ${quoteIdentifier(name)}`, parameters: {} };
}

/** `ALTER [SERVER] ROLE [role] ADD|DROP MEMBER [member]`. */
export function roleMembership(scope: 'server' | 'database', role: string, member: string, action: 'ADD' | 'DROP'): Statement {
  const keyword = scope === 'server' ? 'ALTER SERVER ROLE' : 'ALTER ROLE';
  return { text: `${keyword} ${quoteIdentifier(role)} ${action} MEMBER ${quoteIdentifier(member)}`, parameters: {} };
}

/** A permission as the catalog states it, with what it is on. */
export interface Permission {
  readonly state: 'GRANT' | 'GRANT_WITH_GRANT_OPTION' | 'DENY';
  readonly permission: string;
  readonly on: PermissionTarget;
}

/** What a permission is on, by `sys.*_permissions.class`. */
export type PermissionTarget =
  | { readonly class: 'DATABASE' }
  | { readonly class: 'OBJECT'; readonly schema: string; readonly object: string; readonly column?: string }
  | { readonly class: 'SCHEMA'; readonly schema: string }
  | { readonly class: 'SERVER' }
  | { readonly class: 'LOGIN'; readonly name: string }
  | { readonly class: 'ENDPOINT'; readonly name: string };

/** The `ON …` clause of a permission, empty for database- and server-wide permissions. */
export function securableClause(on: PermissionTarget): string {
  switch (on.class) {
    case 'DATABASE':
    case 'SERVER':
      return '';
    case 'OBJECT':
      return ` ON OBJECT::${quoteIdentifier(on.schema)}.${quoteIdentifier(on.object)}${on.column === undefined ? '' : ` (${quoteIdentifier(on.column)})`}`;
    case 'SCHEMA':
      return ` ON SCHEMA::${quoteIdentifier(on.schema)}`;
    case 'LOGIN':
      return ` ON LOGIN::${quoteIdentifier(on.name)}`;
    case 'ENDPOINT':
      return ` ON ENDPOINT::${quoteIdentifier(on.name)}`;
  }
}

/** Permission names are keywords (`SELECT`, `VIEW SERVER STATE`); anything else is refused, not pasted. */
const PERMISSION_NAME = /^[A-Z]+(?: [A-Z]+)*$/;

function permissionName(permission: string): string {
  if (!PERMISSION_NAME.test(permission)) throw new StepFailedError(`unexpected permission name in the catalog: ${JSON.stringify(permission)}`, false);
  return permission;
}

/** GRANT, GRANT … WITH GRANT OPTION or DENY of `permission` to `grantee`. */
export function applyPermission(permission: Permission, grantee: string): Statement {
  const verb = permission.state === 'DENY' ? 'DENY' : 'GRANT';
  const option = permission.state === 'GRANT_WITH_GRANT_OPTION' ? ' WITH GRANT OPTION' : '';
  return {
    text: `${verb} ${permissionName(permission.permission)}${securableClause(permission.on)} TO ${quoteIdentifier(grantee)}${option}`,
    parameters: {},
  };
}

/** REVOKE of `permission` from `grantee`; CASCADE when it was grantable, as SQL Server demands. */
export function revokePermission(permission: Permission, grantee: string): Statement {
  const cascade = permission.state === 'GRANT_WITH_GRANT_OPTION' ? ' CASCADE' : '';
  return {
    text: `REVOKE ${permissionName(permission.permission)}${securableClause(permission.on)} FROM ${quoteIdentifier(grantee)}${cascade}`,
    parameters: {},
  };
}

/** A permission in the engine-neutral profile: `STATE PERMISSION on SECURABLE`. */
export function describePermission(permission: Permission): string {
  const clause = securableClause(permission.on).replace(/^ ON /, '');
  const on = clause === '' ? permission.on.class : clause;
  return `${permission.state} ${permission.permission} on ${on}`;
}

/**
 * The catalog queries; each binds `@name` where it takes one.
 *
 * `identity` is readable by any login or contained user: `SERVERPROPERTY` needs no permission and
 * the `tempdb` row of `sys.databases` is always visible to public. `tempdb` is recreated at every
 * start, so its `create_date` is when the server started. A contained user has no login, so it is
 * named by `USER_NAME()`; every other session by its login, `SUSER_SNAME()`.
 *
 * `administrativeRights` follows server role memberships through user-defined server roles (a
 * role may be a member of `sysadmin`) and finds `CONTROL SERVER` granted to the login, to one of
 * those roles, or to `public`.
 */
export const Queries = {
  version: 'SELECT @@VERSION AS version',
  identity:
    "SELECT CAST(SERVERPROPERTY('ServerName') AS nvarchar(256)) AS server_name, (SELECT CONVERT(nvarchar(30), create_date, 126) FROM sys.databases WHERE name = N'tempdb') AS server_started, CASE WHEN (SELECT authentication_type FROM sys.database_principals WHERE principal_id = DATABASE_PRINCIPAL_ID()) = 2 THEN USER_NAME() ELSE SUSER_SNAME() END AS account_name",
  administrativeRights:
    "WITH memberships AS (SELECT m.role_principal_id FROM sys.server_role_members AS m JOIN sys.server_principals AS u ON u.principal_id = m.member_principal_id WHERE u.name = @name UNION ALL SELECT m.role_principal_id FROM sys.server_role_members AS m JOIN memberships AS r ON m.member_principal_id = r.role_principal_id) SELECT CASE WHEN EXISTS (SELECT 1 FROM memberships AS g JOIN sys.server_principals AS r ON r.principal_id = g.role_principal_id WHERE r.name = N'sysadmin') THEN 1 ELSE 0 END AS sysadmin, CASE WHEN EXISTS (SELECT 1 FROM memberships AS g JOIN sys.server_principals AS r ON r.principal_id = g.role_principal_id WHERE r.name = N'securityadmin') THEN 1 ELSE 0 END AS securityadmin, CASE WHEN EXISTS (SELECT 1 FROM sys.server_permissions AS p JOIN sys.server_principals AS g ON g.principal_id = p.grantee_principal_id WHERE p.class = 100 AND p.permission_name = N'CONTROL SERVER' AND p.state IN ('G', 'W') AND (g.name = @name OR g.name = N'public' OR g.principal_id IN (SELECT role_principal_id FROM memberships))) THEN 1 ELSE 0 END AS control_server",
  context: 'SELECT DB_NAME() AS database_name, CAST(containment AS int) AS containment FROM sys.databases WHERE database_id = DB_ID()',
  sqlLogin:
    'SELECT name, CAST(is_policy_checked AS int) AS is_policy_checked, CAST(is_expiration_checked AS int) AS is_expiration_checked FROM sys.sql_logins WHERE name = @name',
  userOfLogin:
    'SELECT dp.name FROM sys.database_principals AS dp JOIN sys.server_principals AS sp ON sp.sid = dp.sid WHERE sp.name = @name',
  containedUser: 'SELECT name FROM sys.database_principals WHERE name = @name AND authentication_type = 2',
  databaseRoles:
    'SELECT r.name AS role_name FROM sys.database_role_members AS m JOIN sys.database_principals AS r ON r.principal_id = m.role_principal_id JOIN sys.database_principals AS u ON u.principal_id = m.member_principal_id WHERE u.name = @name',
  serverRoles:
    'SELECT r.name AS role_name FROM sys.server_role_members AS m JOIN sys.server_principals AS r ON r.principal_id = m.role_principal_id JOIN sys.server_principals AS u ON u.principal_id = m.member_principal_id WHERE u.name = @name',
  databasePermissions:
    'SELECT CAST(p.class AS int) AS class, p.state_desc, p.permission_name, COALESCE(s.name, SCHEMA_NAME(o.schema_id)) AS schema_name, o.name AS object_name, c.name AS column_name FROM sys.database_permissions AS p JOIN sys.database_principals AS u ON u.principal_id = p.grantee_principal_id LEFT JOIN sys.objects AS o ON p.class = 1 AND o.object_id = p.major_id LEFT JOIN sys.columns AS c ON p.class = 1 AND c.object_id = p.major_id AND c.column_id = p.minor_id LEFT JOIN sys.schemas AS s ON p.class = 3 AND s.schema_id = p.major_id WHERE u.name = @name',
  serverPermissions:
    'SELECT CAST(p.class AS int) AS class, p.state_desc, p.permission_name, pr.name AS principal_name, e.name AS endpoint_name FROM sys.server_permissions AS p JOIN sys.server_principals AS u ON u.principal_id = p.grantee_principal_id LEFT JOIN sys.server_principals AS pr ON p.class = 101 AND pr.principal_id = p.major_id LEFT JOIN sys.endpoints AS e ON p.class = 105 AND e.endpoint_id = p.major_id WHERE u.name = @name',
} as const;

/** A catalog query about one principal. */
export function catalogQuery(query: keyof typeof Queries, name?: string): Statement {
  return { text: Queries[query], parameters: name === undefined ? {} : { name } };
}
