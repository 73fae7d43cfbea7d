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
});
