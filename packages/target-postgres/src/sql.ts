import { InvalidOptionsError } from '@rotakit/core';
import type { Membership, ObjectPrivilege, RoleAttributes } from './catalog.js';

/** PostgreSQL's identifier limit: NAMEDATALEN - 1 bytes; longer names are silently truncated by the server. */
export const MAX_IDENTIFIER_BYTES = 63;

/** A username's length as PostgreSQL measures it: UTF-8 bytes. */
export function identifierLength(name: string): number {
  return Buffer.byteLength(name, 'utf8');
}

function refuseNul(value: string, what: string): void {
  if (value.includes('\0')) throw new InvalidOptionsError(`${what} must not contain a NUL character`, { field: what });
}

/** Quotes an identifier by PostgreSQL's rule: double quotes around it, each double quote doubled. */
export function quoteIdentifier(name: string): string {
  refuseNul(name, 'username');
  return `"${name.replaceAll('"', '""')}"`;
}

/**
 * Quotes a string literal as an escape string (`E'…'`): backslashes and single quotes doubled.
 * An `E''` literal reads the same whatever `standard_conforming_strings` is set to, so this is
 * correct on every server configuration.
 */
export function quoteLiteral(value: string): string {
  refuseNul(value, 'password');
  return `E'${value.replaceAll('\\', '\\\\').replaceAll("'", "''")}'`;
}

/** PostgreSQL 16's `server_version_num`: per-grant INHERIT and SET options, one membership per grantor. */
export const PG16 = 160000;

/** Attributes with their SQL keywords; the keyword with `NO` in front turns it off. */
export const ATTRIBUTE_KEYWORDS: ReadonlyArray<readonly [Exclude<keyof RoleAttributes, 'connectionLimit'>, string]> = [
  ['superuser', 'SUPERUSER'],
  ['inherit', 'INHERIT'],
  ['createRole', 'CREATEROLE'],
  ['createDb', 'CREATEDB'],
  ['replication', 'REPLICATION'],
  ['bypassRls', 'BYPASSRLS'],
];

/** `CREATE ROLE "user" LOGIN` for a new role, `ALTER ROLE "user" LOGIN` for one that exists. */
export function loginRoleStatement(user: string, exists: boolean): string {
  return `${exists ? 'ALTER' : 'CREATE'} ROLE ${quoteIdentifier(user)} LOGIN`;
}

/**
 * `ALTER ROLE … PASSWORD E'…'` of `role`, or of the session's own login (`SESSION_USER`) when
 * `role` is undefined; `value` is a SCRAM verifier, or the password itself.
 */
export function passwordStatement(role: string | undefined, value: string): string {
  return `ALTER ROLE ${role === undefined ? 'SESSION_USER' : quoteIdentifier(role)} PASSWORD ${quoteLiteral(value)}`;
}

/**
 * `ALTER ROLE "user" …` naming only the attributes in which `current` differs from `wanted` (a
 * privileged account that is not a superuser may not even name SUPERUSER); undefined when none does.
 */
export function attributesStatement(user: string, wanted: RoleAttributes, current: RoleAttributes): string | undefined {
  const changes = ATTRIBUTE_KEYWORDS.filter(([key]) => wanted[key] !== current[key]).map(([key, keyword]) =>
    wanted[key] ? keyword : `NO${keyword}`,
  );
  if (wanted.connectionLimit !== current.connectionLimit) changes.push(`CONNECTION LIMIT ${wanted.connectionLimit}`);
  return changes.length === 0 ? undefined : `ALTER ROLE ${quoteIdentifier(user)} ${changes.join(' ')}`;
}

/** `GRANT "role" TO "user"` with the membership's options: ADMIN, INHERIT and SET on PostgreSQL 16+, ADMIN before. */
export function grantMembershipStatement(user: string, membership: Membership, version: number): string {
  const options =
    version >= PG16
      ? ` WITH ADMIN ${membership.admin}, INHERIT ${membership.inherit}, SET ${membership.set}`
      : membership.admin
        ? ' WITH ADMIN OPTION'
        : '';
  return `GRANT ${quoteIdentifier(membership.role)} TO ${quoteIdentifier(user)}${options}`;
}

/** `REVOKE "role" FROM "user"`: one for each grantor on PostgreSQL 16+, where each grant is its own; one before. */
export function revokeMembershipStatements(user: string, membership: Membership, version: number): string[] {
  const grantors = version >= PG16 ? membership.grantors : [undefined];
  return grantors.map(
    (grantor) =>
      `REVOKE ${quoteIdentifier(membership.role)} FROM ${quoteIdentifier(user)}${grantor === undefined ? '' : ` GRANTED BY ${quoteIdentifier(grantor)}`}`,
  );
}

/** A privilege as GRANT and REVOKE name it: `SELECT ON TABLE "s"."t"`. */
export function privilegeOn(privilege: ObjectPrivilege): string {
  return `${privilege.privilege} ON ${privilege.kind} ${privilege.object}`;
}

/** `GRANT … ON … TO "user"`, `WITH GRANT OPTION` when the privilege is grantable. */
export function grantPrivilegeStatement(user: string, privilege: ObjectPrivilege): string {
  return `GRANT ${privilegeOn(privilege)} TO ${quoteIdentifier(user)}${privilege.grantable ? ' WITH GRANT OPTION' : ''}`;
}

/** `REVOKE … ON … FROM "user"`; with `grantOptionOnly`, `REVOKE GRANT OPTION FOR …`, which leaves the privilege. */
export function revokePrivilegeStatement(user: string, privilege: ObjectPrivilege, grantOptionOnly = false): string {
  return `REVOKE ${grantOptionOnly ? 'GRANT OPTION FOR ' : ''}${privilegeOn(privilege)} FROM ${quoteIdentifier(user)}`;
}
