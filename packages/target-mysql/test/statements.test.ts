import { describe, expect, it } from 'vitest';
import {
  administrativeRights,
  createUserStatement,
  defaultRoleStatement,
  describeGrants,
  grantChanges,
  grantChangeStatement,
  identityQuery,
  outsideCatalogCharset,
  parseGrants,
  parseServerVersion,
  quoteString,
  requireStatement,
  sameMysqlUser,
  setOwnPasswordStatement,
  setPasswordStatement,
  type SqlDialect,
} from '../src/internal.js';
import { mysqlTarget } from '../src/index.js';

const dialect = (version: string, comment = '', noBackslashEscapes = false): SqlDialect => ({
  server: parseServerVersion(version, comment),
  noBackslashEscapes,
});

const MYSQL_56 = dialect('5.6.51-log');
const MYSQL_575 = dialect('5.7.5-m15');
const MYSQL_57 = dialect('5.7.44');
const MYSQL_80 = dialect('8.0.36');
const MYSQL_84 = dialect('8.4.2');
const MYSQL_9 = dialect('9.1.0');
const MARIADB = dialect('10.11.6-MariaDB-0+deb12u1');
const account = { user: `o'b\\r`, host: '10.0.%' };

describe('parseServerVersion', () => {
  it('reads MySQL and MariaDB versions, including the 5.5.5- handshake prefix and a bare version comment', () => {
    expect(parseServerVersion('8.0.36-0ubuntu0.22.04.1')).toEqual({ flavor: 'mysql', major: 8, minor: 0, patch: 36 });
    expect(parseServerVersion('9.1.0')).toEqual({ flavor: 'mysql', major: 9, minor: 1, patch: 0 });
    expect(parseServerVersion('5.5.5-10.6.12-MariaDB-log')).toEqual({ flavor: 'mariadb', major: 10, minor: 6, patch: 12 });
    expect(parseServerVersion('11.4.2', 'mariadb.org binary distribution')).toEqual({ flavor: 'mariadb', major: 11, minor: 4, patch: 2 });
    expect(() => parseServerVersion('unknown')).toThrow(/unrecognised server version/);
  });
});

describe('quoteString', () => {
  it('doubles quotes always and backslashes only when backslash escapes are on', () => {
    expect(quoteString(`it's \\ \0`, false)).toBe(`'it''s \\\\ \\0'`);
    expect(quoteString(`it's \\ \0`, true)).toBe(`'it''s \\ \0'`);
  });
});

describe('password statements by server version', () => {
  it('uses PASSWORD() only where it exists: MySQL before 5.7.6 and MariaDB', () => {
    expect(setOwnPasswordStatement(MYSQL_56, 'pw').sql).toBe("SET PASSWORD = PASSWORD('pw')");
    expect(setOwnPasswordStatement(MYSQL_575, 'pw').sql).toBe("SET PASSWORD = PASSWORD('pw')");
    expect(setOwnPasswordStatement(MARIADB, 'pw').sql).toBe("SET PASSWORD = PASSWORD('pw')");
    for (const modern of [MYSQL_57, MYSQL_80, MYSQL_84, MYSQL_9]) {
      expect(setOwnPasswordStatement(modern, 'pw').sql).toBe("SET PASSWORD = 'pw'");
    }
  });

  it('sets another account\'s password on its exact host', () => {
    expect(setPasswordStatement(MYSQL_56, account, 'pw').sql).toBe("SET PASSWORD FOR `o'b\\r`@`10.0.%` = PASSWORD('pw')");
    expect(setPasswordStatement(MYSQL_9, account, 'pw').sql).toBe("SET PASSWORD FOR `o'b\\r`@`10.0.%` = 'pw'");
    expect(setPasswordStatement(MARIADB, account, 'pw').secret).toBe(true);
  });

  it('escapes the password by the session\'s sql_mode', () => {
    const nbe = dialect('8.0.36', '', true);
    expect(setOwnPasswordStatement(MYSQL_80, `a'\\`).sql).toBe(`SET PASSWORD = 'a''\\\\'`);
    expect(setOwnPasswordStatement(nbe, `a'\\`).sql).toBe(`SET PASSWORD = 'a''\\'`);
  });

  it('creates users with a plain literal everywhere', () => {
    for (const version of [MYSQL_56, MYSQL_57, MYSQL_80, MYSQL_9, MARIADB]) {
      expect(createUserStatement(version, { user: 'a`b', host: '%' }, 'pw').sql).toBe("CREATE USER `a``b`@`%` IDENTIFIED BY 'pw'");
    }
  });
});

describe('TLS requirement statements', () => {
  const specified = { sslType: 'SPECIFIED', cipher: '', issuer: "/CN=it's", subject: '/CN=app' };

  it('uses GRANT USAGE … REQUIRE before MySQL 5.7.6 and ALTER USER … REQUIRE later', () => {
    for (const old of [MYSQL_56, MYSQL_575, dialect('10.1.48-MariaDB')]) {
      expect(requireStatement(old, account, { sslType: 'ANY', cipher: '', issuer: '', subject: '' }).sql).toBe(
        "GRANT USAGE ON *.* TO `o'b\\r`@`10.0.%` REQUIRE SSL",
      );
    }
    expect(requireStatement(MYSQL_80, account, { sslType: '', cipher: '', issuer: '', subject: '' }).sql).toBe(
      "ALTER USER `o'b\\r`@`10.0.%` REQUIRE NONE",
    );
    expect(requireStatement(MARIADB, account, { sslType: 'X509', cipher: '', issuer: '', subject: '' }).sql).toBe(
      "ALTER USER `o'b\\r`@`10.0.%` REQUIRE X509",
    );
    expect(requireStatement(MYSQL_57, account, specified).sql).toBe(
      "ALTER USER `o'b\\r`@`10.0.%` REQUIRE ISSUER '/CN=it''s' AND SUBJECT '/CN=app'",
    );
  });
});

describe('default roles', () => {
  it('uses FOR on MariaDB and TO on MySQL 8, NONE for none', () => {
    expect(defaultRoleStatement(MARIADB, account, ['`r`']).sql).toBe("SET DEFAULT ROLE `r` FOR `o'b\\r`@`10.0.%`");
    expect(defaultRoleStatement(MYSQL_80, account, ['`r`@`%`', '`s`@`%`']).sql).toBe(
      "SET DEFAULT ROLE `r`@`%`, `s`@`%` TO `o'b\\r`@`10.0.%`",
    );
    expect(defaultRoleStatement(MYSQL_9, account, []).sql).toBe("SET DEFAULT ROLE NONE TO `o'b\\r`@`10.0.%`");
  });
});

describe('SHOW GRANTS parsing', () => {
  it('reads MariaDB output without the account, the password hash, TLS and limits', () => {
    const grants = parseGrants([
      'GRANT `r1` TO `u`@`%`',
      'GRANT `r2` TO `u`@`%` WITH ADMIN OPTION',
      "GRANT USAGE ON *.* TO `u`@`%` IDENTIFIED BY PASSWORD '*B69027D44F6E5EDC07F1AEAD1477967B16F28227' REQUIRE SSL WITH MAX_QUERIES_PER_HOUR 5",
      'GRANT SELECT, INSERT ON `d`.* TO `u`@`%` WITH GRANT OPTION',
      'GRANT SELECT (`a`, `b`), UPDATE (`a`) ON `d`.`t TO x` TO `u`@`%`',
      'GRANT PROXY ON `admin`@`%` TO `u`@`%`',
      'SET DEFAULT ROLE `r1` FOR `u`@`%`',
    ]);
    expect(describeGrants(grants)).toEqual({
      privileges: [
        'GRANT OPTION ON `d`.*',
        'INSERT ON `d`.*',
        'PROXY ON `admin`@`%`',
        'SELECT (`a`) ON `d`.`t TO x`',
        'SELECT (`b`) ON `d`.`t TO x`',
        'SELECT ON `d`.*',
        'UPDATE (`a`) ON `d`.`t TO x`',
      ],
      roles: ['DEFAULT ROLE `r1`', '`r1`', '`r2` WITH ADMIN OPTION'],
    });
  });

  it('reads MySQL 8 output: unspaced lists, role accounts, dynamic privileges, partial revokes', () => {
    const grants = parseGrants([
      'GRANT SELECT, INSERT ON *.* TO `u`@`10.0.%`',
      'GRANT XA_RECOVER_ADMIN,BACKUP_ADMIN ON *.* TO `u`@`10.0.%` WITH GRANT OPTION',
      'REVOKE INSERT ON `mysql`.* FROM `u`@`10.0.%`',
      'GRANT `r1`@`%`,`r2`@`%` TO `u`@`10.0.%`',
    ]);
    expect(describeGrants(grants)).toEqual({
      privileges: [
        'BACKUP_ADMIN ON *.*',
        'GRANT OPTION ON *.*',
        'INSERT ON *.*',
        'REVOKE INSERT ON `mysql`.*',
        'SELECT ON *.*',
        'XA_RECOVER_ADMIN ON *.*',
      ],
      roles: ['`r1`@`%`', '`r2`@`%`'],
    });
  });

  it('reads MySQL 5.6/5.7 output with single-quoted accounts and backslash escapes', () => {
    const grants = parseGrants(["GRANT SELECT ON `d`.* TO 'o\\'b'@'%' IDENTIFIED BY PASSWORD '*AB'"]);
    expect(describeGrants(grants).privileges).toEqual(['SELECT ON `d`.*']);
  });
});

describe('grant changes', () => {
  it('revokes what the target has and the source lacks, then grants what is missing', () => {
    const source = parseGrants([
      'GRANT SELECT ON `d`.* TO `s`@`%`',
      'GRANT UPDATE ON `e`.* TO `s`@`%` WITH GRANT OPTION',
      'GRANT `r1` TO `s`@`%`',
      'REVOKE INSERT ON `mysql`.* FROM `s`@`%`',
    ]);
    const target = parseGrants([
      'GRANT ALL PRIVILEGES ON `d`.* TO `t`@`%` WITH GRANT OPTION',
      'GRANT UPDATE ON `e`.* TO `t`@`%`',
      'GRANT `r1` TO `t`@`%` WITH ADMIN OPTION',
      'GRANT `r2` TO `t`@`%`',
      'REVOKE DELETE ON `mysql`.* FROM `t`@`%`',
    ]);
    const statements = grantChanges(source, target).map((change) => grantChangeStatement({ user: 't', host: '%' }, change).sql);
    expect(statements).toEqual([
      'REVOKE GRANT OPTION ON `d`.* FROM `t`@`%`',
      'REVOKE ALL PRIVILEGES ON `d`.* FROM `t`@`%`',
      'REVOKE `r1` FROM `t`@`%`',
      'REVOKE `r2` FROM `t`@`%`',
      'GRANT SELECT ON `d`.* TO `t`@`%`',
      'GRANT UPDATE ON `e`.* TO `t`@`%` WITH GRANT OPTION',
      'GRANT `r1` TO `t`@`%`',
      'REVOKE INSERT ON `mysql`.* FROM `t`@`%`',
      'GRANT DELETE ON `mysql`.* TO `t`@`%`',
    ]);
  });

  it('changes nothing when the two are in step', () => {
    const lines = ['GRANT SELECT ON `d`.* TO `x`@`%` WITH GRANT OPTION', 'GRANT `r1` TO `x`@`%` WITH ADMIN OPTION'];
    expect(grantChanges(parseGrants(lines), parseGrants(lines))).toEqual([]);
  });

  it('adds a global GRANT OPTION held without privileges as USAGE WITH GRANT OPTION', () => {
    const source = parseGrants(['GRANT USAGE ON *.* TO `s`@`%` WITH GRANT OPTION']);
    const [change] = grantChanges(source, parseGrants([]));
    expect(change && grantChangeStatement({ user: 't', host: '%' }, change).sql).toBe('GRANT USAGE ON *.* TO `t`@`%` WITH GRANT OPTION');
  });
});

describe('identity query', () => {
  it('asks MySQL for @@server_uuid and MariaDB, which has none, for host name, port and start time', () => {
    for (const mysql of [MYSQL_56, MYSQL_57, MYSQL_80, MYSQL_9]) {
      expect(identityQuery(mysql.server)).toBe("SELECT CONCAT('mysql:', @@server_uuid) AS server, CURRENT_USER() AS account");
    }
    const mariadb = identityQuery(MARIADB.server);
    expect(mariadb).toContain("'mariadb', @@hostname, @@port, UNIX_TIMESTAMP() - (SELECT CAST(VARIABLE_VALUE AS SIGNED)");
    expect(mariadb).not.toContain('server_uuid');
  });
});

describe('administrative rights', () => {
  it('finds global ALL, CREATE USER, SUPER and GRANT OPTION in MariaDB and MySQL 5.7 output', () => {
    const rights = (lines: string[]): string[] => administrativeRights(parseGrants(lines));
    expect(rights(['GRANT ALL PRIVILEGES ON *.* TO `u`@`%` WITH GRANT OPTION'])).toEqual(['ALL PRIVILEGES ON *.*', 'GRANT OPTION ON *.*']);
    expect(rights(["GRANT SELECT, CREATE USER ON *.* TO 'u'@'%' IDENTIFIED BY PASSWORD '*AB'"])).toEqual(['CREATE USER ON *.*']);
    expect(rights(['GRANT SUPER ON *.* TO `u`@`%`'])).toEqual(['SUPER ON *.*']);
    expect(rights(['GRANT USAGE ON *.* TO `u`@`%` WITH GRANT OPTION'])).toEqual(['GRANT OPTION ON *.*']);
  });

  it('finds them in MySQL 8 output, where ALL is printed as the list of static privileges', () => {
    const grants = parseGrants([
      'GRANT SELECT, INSERT, UPDATE, DELETE, CREATE, DROP, RELOAD, SHUTDOWN, PROCESS, FILE, REFERENCES, INDEX, ALTER, SHOW DATABASES, SUPER, CREATE TEMPORARY TABLES, LOCK TABLES, EXECUTE, REPLICATION SLAVE, REPLICATION CLIENT, CREATE VIEW, SHOW VIEW, CREATE ROUTINE, ALTER ROUTINE, CREATE USER, EVENT, TRIGGER, CREATE TABLESPACE, CREATE ROLE, DROP ROLE ON *.* TO `admin`@`%` WITH GRANT OPTION',
      'GRANT APPLICATION_PASSWORD_ADMIN,BACKUP_ADMIN,ROLE_ADMIN ON *.* TO `admin`@`%` WITH GRANT OPTION',
    ]);
    expect(administrativeRights(grants)).toEqual(['SUPER ON *.*', 'CREATE USER ON *.*', 'GRANT OPTION ON *.*']);
  });

  it('takes neither a grant option below *.* nor global data privileges for administrative', () => {
    const grants = parseGrants([
      'GRANT SELECT, INSERT, UPDATE, DELETE ON *.* TO `app`@`%`',
      'GRANT ALL PRIVILEGES ON `d`.* TO `app`@`%` WITH GRANT OPTION',
      'GRANT `r1`@`%` TO `app`@`%`',
    ]);
    expect(administrativeRights(grants)).toEqual([]);
  });
});

describe('account names', () => {
  it('compares names as the utf8mb3_bin PAD SPACE catalog does: trailing spaces aside, exactly', () => {
    expect(sameMysqlUser('app', 'app   ')).toBe(true);
    expect(sameMysqlUser('app', 'App')).toBe(false);
    expect(sameMysqlUser('app', ' app')).toBe(false);
    expect(sameMysqlUser('app\t', 'app')).toBe(false);
  });

  it('refuses a 4-byte UTF-8 name for alternating users on every server (MySQL 8 and MariaDB catalogs are utf8mb3), not for a single user', () => {
    const target = mysqlTarget({ tls: 'disable' });
    expect(outsideCatalogCharset('emo😀x')).toBe(true);
    expect(outsideCatalogCharset('密码ü_д')).toBe(false);
    expect(() => target.checkUsername?.('emo😀x', { synced: true })).toThrow(
      expect.objectContaining({ code: 'InvalidSecretValue', field: 'username' }),
    );
    expect(() => target.checkUsername?.('emo😀x', { synced: false })).not.toThrow();
    expect(() => target.checkUsername?.('emo😀x')).not.toThrow();
    expect(() => target.checkUsername?.('密码ü_д', { synced: true })).not.toThrow();
  });
});
