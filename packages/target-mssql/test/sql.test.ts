import { HOSTILE_PASSWORDS, HOSTILE_USERNAMES } from '@rotakit/testkit';
import { describe, expect, it } from 'vitest';
import {
  applyPermission,
  catalogQuery,
  changeOwnPassword,
  createContainedUser,
  createLogin,
  createUserForLogin,
  describePermission,
  quoteIdentifier,
  revokePermission,
  roleMembership,
  setContainedUserPassword,
  setLoginPassword,
  type Permission,
} from '../src/sql.js';

describe('identifier quoting (QUOTENAME rules)', () => {
  it.each([
    ['app', '[app]'],
    ['bra]ck`et', '[bra]]ck`et]'],
    [']]', '[]]]]]'],
    ["o'brien", "[o'brien]"],
    ['dash--dash;', '[dash--dash;]'],
    ['ünï_çødé', '[ünï_çødé]'],
  ])('%s → %s', (name, quoted) => {
    expect(quoteIdentifier(name)).toBe(quoted);
  });
});

describe('password statements bind every password and quote names on the server', () => {
  const builders = [
    ['ALTER LOGIN (self)', (p: string) => changeOwnPassword('login', p, `${p}-old`)],
    ['ALTER USER (self, contained)', (p: string) => changeOwnPassword('contained-user', p, `${p}-old`)],
    ['CREATE LOGIN', (p: string) => createLogin("o'brien]", p, { checkPolicy: true, checkExpiration: false })],
    ['ALTER LOGIN', (p: string) => setLoginPassword("o'brien]", p)],
    ['CREATE USER WITH PASSWORD', (p: string) => createContainedUser("o'brien]", p)],
    ['ALTER USER', (p: string) => setContainedUserPassword("o'brien]", p)],
  ] as const;

  it.each(builders)('%s never carries a password or a name in its text', (_name, build) => {
    for (const password of HOSTILE_PASSWORDS) {
      const statement = build(password);
      expect(statement.text).not.toContain(password);
      expect(statement.text).not.toContain("o'brien");
      expect(Object.values(statement.parameters)).toContain(password);
    }
  });

  it('self-change names the session itself and passes the password it logged in with as OLD_PASSWORD', () => {
    const statement = changeOwnPassword('login', 'New-1', 'Logged-in-with-1');
    expect(statement.text).toBe(
      "DECLARE @sql nvarchar(max) = N'ALTER LOGIN ' + QUOTENAME(SUSER_SNAME()) + N' WITH PASSWORD = ' + N'N''' + REPLACE(@password, N'''', N'''''') + N'''' + N' OLD_PASSWORD = ' + N'N''' + REPLACE(@oldPassword, N'''', N'''''') + N''''; EXEC (@sql)",
    );
    expect(statement.parameters).toEqual({ password: 'New-1', oldPassword: 'Logged-in-with-1' });
    expect(changeOwnPassword('contained-user', 'a', 'b').text).toContain("N'ALTER USER ' + QUOTENAME(USER_NAME())");
  });

  it('a new login copies the source login\'s CHECK_POLICY and CHECK_EXPIRATION', () => {
    expect(createLogin('x', 'p', { checkPolicy: true, checkExpiration: true }).text).toContain("CHECK_POLICY = ON, CHECK_EXPIRATION = ON'");
    expect(createLogin('x', 'p', { checkPolicy: false, checkExpiration: false }).text).toContain("CHECK_POLICY = OFF, CHECK_EXPIRATION = OFF'");
  });

  it('names go through QUOTENAME(@name) (names are at most 128 characters, QUOTENAME\'s limit)', () => {
    expect(setLoginPassword('app', 'p')).toEqual({
      text: "DECLARE @sql nvarchar(max) = N'ALTER LOGIN ' + QUOTENAME(@name) + N' WITH PASSWORD = ' + N'N''' + REPLACE(@password, N'''', N'''''') + N''''; EXEC (@sql)",
      parameters: { name: 'app', password: 'p' },
    });
  });
});

describe('grant statements quote every identifier', () => {
  const grantee = 'bra]ck`et';
  const cases: [Permission, string, string][] = [
    [
      { state: 'GRANT', permission: 'SELECT', on: { class: 'OBJECT', schema: 'dbo', object: 'or]ders' } },
      'GRANT SELECT ON OBJECT::[dbo].[or]]ders] TO [bra]]ck`et]',
      'REVOKE SELECT ON OBJECT::[dbo].[or]]ders] FROM [bra]]ck`et]',
    ],
    [
      { state: 'GRANT_WITH_GRANT_OPTION', permission: 'UPDATE', on: { class: 'OBJECT', schema: 's', object: 't', column: "c'1" } },
      "GRANT UPDATE ON OBJECT::[s].[t] ([c'1]) TO [bra]]ck`et] WITH GRANT OPTION",
      "REVOKE UPDATE ON OBJECT::[s].[t] ([c'1]) FROM [bra]]ck`et] CASCADE",
    ],
    [
      { state: 'DENY', permission: 'DELETE', on: { class: 'SCHEMA', schema: 'sales' } },
      'DENY DELETE ON SCHEMA::[sales] TO [bra]]ck`et]',
      'REVOKE DELETE ON SCHEMA::[sales] FROM [bra]]ck`et]',
    ],
    [{ state: 'GRANT', permission: 'CREATE TABLE', on: { class: 'DATABASE' } }, 'GRANT CREATE TABLE TO [bra]]ck`et]', 'REVOKE CREATE TABLE FROM [bra]]ck`et]'],
    [{ state: 'GRANT', permission: 'VIEW SERVER STATE', on: { class: 'SERVER' } }, 'GRANT VIEW SERVER STATE TO [bra]]ck`et]', 'REVOKE VIEW SERVER STATE FROM [bra]]ck`et]'],
    [
      { state: 'GRANT', permission: 'IMPERSONATE', on: { class: 'LOGIN', name: 'svc' } },
      'GRANT IMPERSONATE ON LOGIN::[svc] TO [bra]]ck`et]',
      'REVOKE IMPERSONATE ON LOGIN::[svc] FROM [bra]]ck`et]',
    ],
    [
      { state: 'GRANT', permission: 'CONNECT', on: { class: 'ENDPOINT', name: 'TSQL Default TCP' } },
      'GRANT CONNECT ON ENDPOINT::[TSQL Default TCP] TO [bra]]ck`et]',
      'REVOKE CONNECT ON ENDPOINT::[TSQL Default TCP] FROM [bra]]ck`et]',
    ],
  ];

  it.each(cases)('%j', (permission, grant, revoke) => {
    expect(applyPermission(permission, grantee)).toEqual({ text: grant, parameters: {} });
    expect(revokePermission(permission, grantee)).toEqual({ text: revoke, parameters: {} });
  });

  it('refuses a permission name that is not keywords instead of pasting it', () => {
    const injected: Permission = { state: 'GRANT', permission: 'SELECT ON x TO y; DROP TABLE z; --', on: { class: 'DATABASE' } };
    expect(() => applyPermission(injected, 'u')).toThrow(/unexpected permission name/);
  });

  it('builds role memberships and login users with quoted names', () => {
    expect(roleMembership('database', 'db_datareader', grantee, 'ADD').text).toBe('ALTER ROLE [db_datareader] ADD MEMBER [bra]]ck`et]');
    expect(roleMembership('server', 'sysadmin', grantee, 'DROP').text).toBe('ALTER SERVER ROLE [sysadmin] DROP MEMBER [bra]]ck`et]');
    for (const name of HOSTILE_USERNAMES) {
      expect(createUserForLogin(name).text).toBe(`CREATE USER ${quoteIdentifier(name)} FOR LOGIN ${quoteIdentifier(name)}`);
    }
  });

  it('describes permissions in the profile as STATE PERMISSION on SECURABLE', () => {
    expect(describePermission(cases[0]![0])).toBe('GRANT SELECT on OBJECT::[dbo].[or]]ders]');
    expect(describePermission(cases[3]![0])).toBe('GRANT CREATE TABLE on DATABASE');
    expect(describePermission(cases[4]![0])).toBe('GRANT VIEW SERVER STATE on SERVER');
  });

  it('binds the principal of every catalog query', () => {
    expect(catalogQuery('sqlLogin', "o'brien")).toMatchObject({ parameters: { name: "o'brien" } });
    expect(catalogQuery('sqlLogin', "o'brien").text).not.toContain("o'brien");
    expect(catalogQuery('context').parameters).toEqual({});
  });
});
