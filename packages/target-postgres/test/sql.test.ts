import { describe, expect, it } from 'vitest';
import {
  attributesStatement,
  DEFAULT_ATTRIBUTES,
  grantMembershipStatement,
  grantPrivilegeStatement,
  loginRoleStatement,
  passwordStatement,
  quoteIdentifier,
  quoteLiteral,
  revokeMembershipStatements,
  revokePrivilegeStatement,
  type Membership,
  type ObjectPrivilege,
} from '../src/internal.js';

const membership: Membership = { role: 'read"ers', admin: true, inherit: false, set: true, grantors: ['a', 'b'] };
const privilege: ObjectPrivilege = { kind: 'TABLE', object: '"shop"."orders"', privilege: 'SELECT', grantable: true };

// What the servers of sync.test.ts and boundaries.test.ts run; the statements' text is pinned here.
describe('statement builders', () => {
  it('quote identifiers and escape-string literals, and refuse a NUL', () => {
    expect(quoteIdentifier('a"b')).toBe('"a""b"');
    expect(quoteLiteral("it's \\ here")).toBe("E'it''s \\\\ here'");
    expect(() => quoteIdentifier('a\0b')).toThrow(/NUL/);
  });

  it('create or re-enable the alternate, and set a password', () => {
    expect(loginRoleStatement('app_clone', false)).toBe('CREATE ROLE "app_clone" LOGIN');
    expect(loginRoleStatement('app_clone', true)).toBe('ALTER ROLE "app_clone" LOGIN');
    expect(passwordStatement(undefined, 'SCRAM-SHA-256$x')).toBe("ALTER ROLE SESSION_USER PASSWORD E'SCRAM-SHA-256$x'");
    expect(passwordStatement('app', "p'w")).toBe(`ALTER ROLE "app" PASSWORD E'p''w'`);
  });

  it('name only the attributes that differ', () => {
    expect(attributesStatement('u', DEFAULT_ATTRIBUTES, DEFAULT_ATTRIBUTES)).toBeUndefined();
    const wanted = { ...DEFAULT_ATTRIBUTES, createDb: true, inherit: false, connectionLimit: 7 };
    expect(attributesStatement('u', wanted, DEFAULT_ATTRIBUTES)).toBe('ALTER ROLE "u" NOINHERIT CREATEDB CONNECTION LIMIT 7');
  });

  it('grant and revoke memberships with PostgreSQL 16 options, and before 16', () => {
    expect(grantMembershipStatement('u', membership, 160000)).toBe('GRANT "read""ers" TO "u" WITH ADMIN true, INHERIT false, SET true');
    expect(grantMembershipStatement('u', membership, 150000)).toBe('GRANT "read""ers" TO "u" WITH ADMIN OPTION');
    expect(grantMembershipStatement('u', { ...membership, admin: false }, 150000)).toBe('GRANT "read""ers" TO "u"');
    expect(revokeMembershipStatements('u', membership, 160000)).toEqual([
      'REVOKE "read""ers" FROM "u" GRANTED BY "a"',
      'REVOKE "read""ers" FROM "u" GRANTED BY "b"',
    ]);
    expect(revokeMembershipStatements('u', membership, 150000)).toEqual(['REVOKE "read""ers" FROM "u"']);
  });

  it('grant and revoke object privileges and grant options', () => {
    expect(grantPrivilegeStatement('u', privilege)).toBe('GRANT SELECT ON TABLE "shop"."orders" TO "u" WITH GRANT OPTION');
    expect(grantPrivilegeStatement('u', { ...privilege, grantable: false })).toBe('GRANT SELECT ON TABLE "shop"."orders" TO "u"');
    expect(revokePrivilegeStatement('u', privilege)).toBe('REVOKE SELECT ON TABLE "shop"."orders" FROM "u"');
    expect(revokePrivilegeStatement('u', privilege, true)).toBe('REVOKE GRANT OPTION FOR SELECT ON TABLE "shop"."orders" FROM "u"');
  });
});
