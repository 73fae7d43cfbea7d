import { describe, expect, it } from 'vitest';
import { MssqlFakeCatalog } from '../src/fixtures/mssql-fake/catalog.js';
import { FakeSqlSession, SqlError } from '../src/fixtures/mssql-fake/interpreter.js';

function setup() {
  const catalog = new MssqlFakeCatalog();
  const database = catalog.addDatabase('app', { tables: ['dbo.t'] });
  const admin = catalog.addLogin('sa', 'Admin-password-1', { sysadmin: true });
  const app = catalog.addLogin('app', 'App-password-1', { checkPolicy: false });
  catalog.addUser(database, 'app', { loginSid: app.sid });
  return {
    catalog,
    asAdmin: new FakeSqlSession(catalog, { login: admin }, database),
    asApp: new FakeSqlSession(catalog, { login: app }, database),
  };
}

/** The identity query of the SQL Server target. */
const IDENTITY =
  "SELECT CAST(SERVERPROPERTY('ServerName') AS nvarchar(256)) AS server_name, (SELECT CONVERT(nvarchar(30), create_date, 126) FROM sys.databases WHERE name = N'tempdb') AS server_started, CASE WHEN (SELECT authentication_type FROM sys.database_principals WHERE principal_id = DATABASE_PRINCIPAL_ID()) = 2 THEN USER_NAME() ELSE SUSER_SNAME() END AS account_name";
/** The administrative-rights query of the SQL Server target. */
const ADMINISTRATIVE_RIGHTS =
  "WITH memberships AS (SELECT m.role_principal_id FROM sys.server_role_members AS m JOIN sys.server_principals AS u ON u.principal_id = m.member_principal_id WHERE u.name = @name UNION ALL SELECT m.role_principal_id FROM sys.server_role_members AS m JOIN memberships AS r ON m.member_principal_id = r.role_principal_id) SELECT CASE WHEN EXISTS (SELECT 1 FROM memberships AS g JOIN sys.server_principals AS r ON r.principal_id = g.role_principal_id WHERE r.name = N'sysadmin') THEN 1 ELSE 0 END AS sysadmin, CASE WHEN EXISTS (SELECT 1 FROM memberships AS g JOIN sys.server_principals AS r ON r.principal_id = g.role_principal_id WHERE r.name = N'securityadmin') THEN 1 ELSE 0 END AS securityadmin, CASE WHEN EXISTS (SELECT 1 FROM sys.server_permissions AS p JOIN sys.server_principals AS g ON g.principal_id = p.grantee_principal_id WHERE p.class = 100 AND p.permission_name = N'CONTROL SERVER' AND p.state IN ('G', 'W') AND (g.name = @name OR g.name = N'public' OR g.principal_id IN (SELECT role_principal_id FROM memberships))) THEN 1 ELSE 0 END AS control_server";

const errorOf = (run: () => unknown): SqlError => {
  try {
    run();
  } catch (error) {
    if (error instanceof SqlError) return error;
    throw error;
  }
  throw new Error('expected a SQL error');
};

describe('the SQL Server fake interpreter', () => {
  it('answers an unknown statement or query with an error, never a silent success', () => {
    const { asAdmin } = setup();
    expect(errorOf(() => asAdmin.execute('TRUNCATE TABLE t')).number).toBe(102);
    expect(errorOf(() => asAdmin.execute('SELECT name FROM sys.sql_logins')).number).toBe(208);
  });

  it('takes passwords only as literals, like T-SQL', () => {
    const { asAdmin } = setup();
    const params = new Map([['@p', 'New-password-1']]);
    expect(errorOf(() => asAdmin.execute('ALTER LOGIN [app] WITH PASSWORD = @p', params)).number).toBe(102);
  });

  it('parses bracketed names and N-strings with their doubled delimiters', () => {
    const { asAdmin, catalog } = setup();
    asAdmin.execute("CREATE LOGIN [we]]ird'name] WITH PASSWORD = N'it''s ]x', CHECK_POLICY = OFF");
    expect(catalog.logins.get("we]ird'name")?.password).toBe("it's ]x");
  });

  it('runs EXEC of dynamic SQL in its own scope, and EXEC of NULL as nothing', () => {
    const { asAdmin, catalog } = setup();
    const name = new Map([['@name', 'x'.repeat(129)], ['@password', 'Whatever-1']]);
    const build = "DECLARE @sql nvarchar(max) = N'CREATE LOGIN ' + QUOTENAME(@name) + N' WITH PASSWORD = N''' + REPLACE(@password, N'''', N'''''') + N''''; EXEC (@sql)";
    expect(asAdmin.execute(build, name)).toEqual([{ kind: 'done' }]);
    expect(catalog.logins.size).toBe(2);
    expect(errorOf(() => asAdmin.execute("EXEC (N'DECLARE @x nvarchar(10) = @password')", name)).number).toBe(137);
  });

  it('lets a login change its own password only with the right OLD_PASSWORD, and no other', () => {
    const { asApp, catalog } = setup();
    expect(errorOf(() => asApp.execute("ALTER LOGIN [app] WITH PASSWORD = N'Next-password-2'")).number).toBe(15151);
    expect(errorOf(() => asApp.execute("ALTER LOGIN [app] WITH PASSWORD = N'Next-password-2' OLD_PASSWORD = N'wrong'")).number).toBe(15151);
    expect(errorOf(() => asApp.execute("ALTER LOGIN [sa] WITH PASSWORD = N'Next-password-2'")).number).toBe(15151);
    asApp.execute("ALTER LOGIN [app] WITH PASSWORD = N'Next-password-2' OLD_PASSWORD = N'App-password-1'");
    expect(catalog.logins.get('app')?.password).toBe('Next-password-2');
  });

  it('refuses grants from a login that manages nothing', () => {
    const { asApp } = setup();
    expect(errorOf(() => asApp.execute('GRANT SELECT ON OBJECT::[dbo].[t] TO [app]')).number).toBe(15247);
  });

  it('demands CASCADE to revoke a grantable permission', () => {
    const { asAdmin } = setup();
    asAdmin.execute('GRANT SELECT ON OBJECT::[dbo].[t] TO [app] WITH GRANT OPTION');
    expect(errorOf(() => asAdmin.execute('REVOKE SELECT ON OBJECT::[dbo].[t] FROM [app]')).number).toBe(4611);
    asAdmin.execute('REVOKE SELECT ON OBJECT::[dbo].[t] FROM [app] CASCADE');
  });

  it('creates a user WITHOUT LOGIN, whose name a login\'s user can then not take', () => {
    const { asAdmin, catalog } = setup();
    asAdmin.execute('CREATE USER [orphan] WITHOUT LOGIN');
    asAdmin.execute("CREATE LOGIN [orphan] WITH PASSWORD = N'Orphan-password-1', CHECK_POLICY = OFF");
    expect(catalog.databases.get('app')?.users.get('orphan')).toMatchObject({ name: 'orphan' });
    expect(errorOf(() => asAdmin.execute('CREATE USER [orphan] FOR LOGIN [orphan]')).number).toBe(15023);
  });

  it('compares names as a CI collation does: case and trailing spaces aside', () => {
    const { asAdmin, catalog } = setup();
    asAdmin.execute("ALTER LOGIN [APP  ] WITH PASSWORD = N'Next-password-2'");
    expect(catalog.logins.get('app')?.password).toBe('Next-password-2');
  });
});

describe('server roles in the SQL Server fake', () => {
  const rightsQuery = (session: FakeSqlSession, name: string): unknown => {
    const [result] = session.execute(ADMINISTRATIVE_RIGHTS, new Map([['@name', name]]));
    return result?.kind === 'rows' ? result.rows : undefined;
  };

  it('nests user-defined server roles: a member of a role that is in sysadmin is sysadmin', () => {
    const { asAdmin, asApp, catalog } = setup();
    expect(errorOf(() => asApp.execute("ALTER LOGIN [sa] WITH PASSWORD = N'Taken-over-1'")).number).toBe(15151);
    asAdmin.execute('CREATE SERVER ROLE [operators]');
    asAdmin.execute('ALTER SERVER ROLE [sysadmin] ADD MEMBER [operators]');
    asAdmin.execute('ALTER SERVER ROLE [operators] ADD MEMBER [app]');
    asApp.execute("ALTER LOGIN [sa] WITH PASSWORD = N'Taken-over-1'");
    expect(catalog.logins.get('sa')?.password).toBe('Taken-over-1');
    expect(rightsQuery(asAdmin, 'app')).toEqual([[1, 0, 0]]);
  });

  it('reports securityadmin and CONTROL SERVER, held directly, through a role or through public', () => {
    const { asAdmin, catalog } = setup();
    const master = new FakeSqlSession(catalog, { login: catalog.logins.get('sa')! }, catalog.databases.get('master')!);
    catalog.addLogin('guard', 'Guard-password-1');
    catalog.addLogin('ops', 'Ops-password-1');
    catalog.addLogin('nobody', 'Nobody-password-1');
    asAdmin.execute('ALTER SERVER ROLE [securityadmin] ADD MEMBER [guard]');
    master.execute('CREATE SERVER ROLE [controllers]');
    master.execute('GRANT CONTROL SERVER TO [controllers]');
    master.execute('ALTER SERVER ROLE [controllers] ADD MEMBER [ops]');
    expect(rightsQuery(asAdmin, 'guard')).toEqual([[0, 1, 0]]);
    expect(rightsQuery(asAdmin, 'ops')).toEqual([[0, 0, 1]]);
    expect(rightsQuery(asAdmin, 'nobody')).toEqual([[0, 0, 0]]);
    master.execute('GRANT CONTROL SERVER TO [public]');
    expect(rightsQuery(asAdmin, 'nobody')).toEqual([[0, 0, 1]]);
  });

  it('keeps logins and server roles in one namespace, refuses sa as a member and drops only empty roles', () => {
    const { asAdmin } = setup();
    expect(errorOf(() => asAdmin.execute('CREATE SERVER ROLE [APP]')).number).toBe(15025);
    asAdmin.execute('CREATE SERVER ROLE [auditors]');
    expect(errorOf(() => asAdmin.execute("CREATE LOGIN [auditors] WITH PASSWORD = N'Some-password-1'")).number).toBe(15025);
    expect(errorOf(() => asAdmin.execute('ALTER SERVER ROLE [auditors] ADD MEMBER [sa]')).number).toBe(15405);
    asAdmin.execute('ALTER SERVER ROLE [auditors] ADD MEMBER [app]');
    expect(errorOf(() => asAdmin.execute('DROP SERVER ROLE [auditors]')).number).toBe(15144);
    expect(errorOf(() => asAdmin.execute('DROP SERVER ROLE [sysadmin]')).number).toBe(15868);
    asAdmin.execute('ALTER SERVER ROLE [auditors] DROP MEMBER [app]');
    asAdmin.execute('DROP SERVER ROLE [auditors]');
  });

  it('lets only sysadmin or the fixed role\'s own members add members to a fixed role', () => {
    const { asApp } = setup();
    expect(errorOf(() => asApp.execute('ALTER SERVER ROLE [securityadmin] ADD MEMBER [app]')).number).toBe(15151);
  });
});

describe('what the SQL Server fake says about itself', () => {
  it('names the server and its start, and the session\'s account as the catalog spells it', () => {
    const catalog = new MssqlFakeCatalog({ serverName: 'DB01\\SALES', startedAt: new Date('2024-05-06T07:08:09.120Z') });
    const database = catalog.addDatabase('app', { contained: true });
    const login = catalog.addLogin('App_Login', 'Login-password-1');
    const contained = catalog.addUser(database, 'Contained_User', { password: 'User-password-1' });
    const identity = (session: FakeSqlSession): unknown => {
      const [result] = session.execute(IDENTITY);
      return result?.kind === 'rows' ? result.rows : undefined;
    };
    expect(identity(new FakeSqlSession(catalog, { login }, database))).toEqual([['DB01\\SALES', '2024-05-06T07:08:09.120', 'App_Login']]);
    expect(identity(new FakeSqlSession(catalog, { containedUser: contained }, database))).toEqual([['DB01\\SALES', '2024-05-06T07:08:09.120', 'Contained_User']]);
  });

  it('names each catalog\'s server differently by default', () => {
    expect(new MssqlFakeCatalog().serverName).not.toBe(new MssqlFakeCatalog().serverName);
  });
});

