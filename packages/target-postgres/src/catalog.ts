import type pg from 'pg';
import type { UserProfile } from '@rotakit/core';
import { ATTRIBUTE_KEYWORDS, PG16, quoteIdentifier } from './sql.js';

/** One privilege of a role on one object of the connected database, from the object's ACL. */
export interface ObjectPrivilege {
  /** The keyword GRANT uses for the object: DATABASE, SCHEMA, TABLE, SEQUENCE or ROUTINE. */
  readonly kind: string;
  /** The object as GRANT names it, quoted. */
  readonly object: string;
  /** As `aclexplode` spells it: SELECT, USAGE, TEMPORARY, EXECUTE, … */
  readonly privilege: string;
  readonly grantable: boolean;
}

/** One role membership (`pg_auth_members`), with its options merged over every grantor. */
export interface Membership {
  readonly role: string;
  readonly admin: boolean;
  /** PostgreSQL 16+; `true` on older servers, where inheritance is the member's attribute. */
  readonly inherit: boolean;
  /** PostgreSQL 16+; `true` on older servers. */
  readonly set: boolean;
  /** Who granted it; more than one on PostgreSQL 16+ when several roles granted it. */
  readonly grantors: readonly string[];
}

/** The role attributes rotakit keeps in step (LOGIN is always set on the alternate, VALID UNTIL never touched). */
export interface RoleAttributes {
  readonly superuser: boolean;
  readonly inherit: boolean;
  readonly createRole: boolean;
  readonly createDb: boolean;
  readonly replication: boolean;
  readonly bypassRls: boolean;
  readonly connectionLimit: number;
}

/** Everything rotakit reads about one role. */
export interface RoleState {
  /** The role's name, as the server spells it. */
  readonly name: string;
  readonly attributes: RoleAttributes;
  readonly memberships: readonly Membership[];
  readonly privileges: readonly ObjectPrivilege[];
}

/**
 * The attributes that make a role an administrator: it can make or change roles, bypass row
 * security or stream the whole cluster. A clone of a role with one would be a second administrator.
 */
const ADMINISTRATIVE_ATTRIBUTES = [
  ['rolsuper', 'SUPERUSER'],
  ['rolcreaterole', 'CREATEROLE'],
  ['rolbypassrls', 'BYPASSRLS'],
  ['rolreplication', 'REPLICATION'],
] as const;

/** The attributes of a role made by a bare `CREATE ROLE … LOGIN`. */
export const DEFAULT_ATTRIBUTES: RoleAttributes = {
  superuser: false,
  inherit: true,
  createRole: false,
  createDb: false,
  replication: false,
  bypassRls: false,
  connectionLimit: -1,
};

// Privileges granted to the role on objects of the connected database, from their ACLs. The
// owner's implicit rights are left out: ownership is not copied (see the README).
const PRIVILEGES_SQL = `
WITH target AS (SELECT oid FROM pg_roles WHERE rolname = $1),
acl AS (
  SELECT 'DATABASE' AS kind, NULL::name AS schema, d.datname AS name, NULL::text AS args, a.privilege_type, a.is_grantable
    FROM pg_database d, aclexplode(d.datacl) a
   WHERE d.datname = current_database() AND a.grantee = (SELECT oid FROM target) AND d.datdba <> a.grantee
  UNION ALL
  SELECT 'SCHEMA', NULL, n.nspname, NULL, a.privilege_type, a.is_grantable
    FROM pg_namespace n, aclexplode(n.nspacl) a
   WHERE a.grantee = (SELECT oid FROM target) AND n.nspowner <> a.grantee
  UNION ALL
  SELECT CASE c.relkind WHEN 'S' THEN 'SEQUENCE' ELSE 'TABLE' END, n.nspname, c.relname, NULL, a.privilege_type, a.is_grantable
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace, aclexplode(c.relacl) a
   WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S') AND a.grantee = (SELECT oid FROM target) AND c.relowner <> a.grantee
  UNION ALL
  SELECT 'ROUTINE', n.nspname, p.proname, pg_get_function_identity_arguments(p.oid), a.privilege_type, a.is_grantable
    FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace, aclexplode(p.proacl) a
   WHERE a.grantee = (SELECT oid FROM target) AND p.proowner <> a.grantee
)
SELECT kind, schema, name, args, privilege_type AS privilege, bool_or(is_grantable) AS grantable
  FROM acl GROUP BY kind, schema, name, args, privilege_type`;

const ATTRIBUTES_SQL = `
SELECT rolsuper, rolinherit, rolcreaterole, rolcreatedb, rolreplication, rolbypassrls, rolconnlimit
  FROM pg_roles WHERE rolname = $1`;

function membershipsSql(version: number): string {
  // PostgreSQL 16 added per-grant INHERIT and SET options and one row per grantor.
  const options =
    version >= PG16
      ? 'bool_or(m.inherit_option) AS inherit, bool_or(m.set_option) AS "set"'
      : 'true AS inherit, true AS "set"';
  return `
SELECT r.rolname AS role, bool_or(m.admin_option) AS admin, ${options},
       array_agg(DISTINCT g.rolname::text) FILTER (WHERE g.rolname IS NOT NULL) AS grantors
  FROM pg_auth_members m
  JOIN pg_roles r ON r.oid = m.roleid
  JOIN pg_roles u ON u.oid = m.member
  LEFT JOIN pg_roles g ON g.oid = m.grantor
 WHERE u.rolname = $1
 GROUP BY r.rolname`;
}

interface PrivilegeRow {
  kind: string;
  schema: string | null;
  name: string;
  args: string | null;
  privilege: string;
  grantable: boolean;
}

function objectName(row: PrivilegeRow): string {
  const qualified = row.schema === null ? quoteIdentifier(row.name) : `${quoteIdentifier(row.schema)}.${quoteIdentifier(row.name)}`;
  return row.args === null ? qualified : `${qualified}(${row.args})`;
}

/** Reads a role's attributes, memberships and privileges in the connected database; undefined if it does not exist. */
export async function readRole(client: pg.ClientBase, version: number, role: string): Promise<RoleState | undefined> {
  const attributes = await client.query<{
    rolsuper: boolean;
    rolinherit: boolean;
    rolcreaterole: boolean;
    rolcreatedb: boolean;
    rolreplication: boolean;
    rolbypassrls: boolean;
    rolconnlimit: number;
  }>(ATTRIBUTES_SQL, [role]);
  const row = attributes.rows[0];
  if (!row) return undefined;
  const memberships = await client.query<Membership & { grantors: string[] | null }>(membershipsSql(version), [role]);
  const privileges = await client.query<PrivilegeRow>(PRIVILEGES_SQL, [role]);
  return {
    name: role,
    attributes: {
      superuser: row.rolsuper,
      inherit: row.rolinherit,
      createRole: row.rolcreaterole,
      createDb: row.rolcreatedb,
      replication: row.rolreplication,
      bypassRls: row.rolbypassrls,
      connectionLimit: row.rolconnlimit,
    },
    memberships: memberships.rows.map((m) => ({ ...m, grantors: m.grantors ?? [] })),
    privileges: privileges.rows.map((p) => ({
      kind: p.kind,
      object: objectName(p),
      privilege: p.privilege,
      grantable: p.grantable,
    })),
  };
}

/**
 * The administrative attributes `role` holds, or may take on with `SET ROLE`: attributes are never
 * inherited, but a session that switches to a role has them. PostgreSQL 16+ counts memberships
 * granted `WITH SET` (at every step of a chain), older servers every membership. Each right is its
 * keyword, `SUPERUSER`, or `SUPERUSER (through admins)` when it comes with the role `admins`; the
 * role's own rights come first.
 */
export async function readAdministrativeRights(client: pg.ClientBase, version: number, role: string): Promise<string[]> {
  const reachable = version >= PG16 ? 'SET' : 'MEMBER';
  const result = await client.query<{ holder: string; own: boolean } & Record<(typeof ADMINISTRATIVE_ATTRIBUTES)[number][0], boolean>>(
    `SELECT r.rolname AS holder, r.rolname = $1::name AS own, r.rolsuper, r.rolcreaterole, r.rolbypassrls, r.rolreplication
       FROM pg_roles r
      WHERE pg_has_role($1::name, r.oid, '${reachable}')
        AND (r.rolsuper OR r.rolcreaterole OR r.rolbypassrls OR r.rolreplication)
      ORDER BY r.rolname <> $1::name, r.rolname`,
    [role],
  );
  return result.rows.flatMap((row) =>
    ADMINISTRATIVE_ATTRIBUTES.filter(([column]) => row[column]).map(([, keyword]) =>
      row.own ? keyword : `${keyword} (through ${row.holder})`,
    ),
  );
}

/** `SELECT on TABLE "public"."t"`, with ` with grant option` when it is grantable. */
export function describePrivilege(privilege: ObjectPrivilege): string {
  return `${privilege.privilege} on ${privilege.kind} ${privilege.object}${privilege.grantable ? ' with grant option' : ''}`;
}

/** The role's name, with its options when they differ from a plain `GRANT role TO member`. */
export function describeMembership(membership: Membership): string {
  const options = [
    membership.admin ? 'admin' : '',
    membership.inherit ? '' : 'noinherit',
    membership.set ? '' : 'noset',
  ].filter((o) => o.length > 0);
  return options.length === 0 ? membership.role : `${membership.role} (${options.join(', ')})`;
}

/** The attributes that differ from a bare login role, as `attribute …` entries for a profile. */
export function describeAttributes(attributes: RoleAttributes): string[] {
  const entries = ATTRIBUTE_KEYWORDS.filter(([key]) => attributes[key] !== DEFAULT_ATTRIBUTES[key]).map(
    ([key, keyword]) => `attribute ${attributes[key] ? keyword : `NO${keyword}`}`,
  );
  if (attributes.connectionLimit !== DEFAULT_ATTRIBUTES.connectionLimit) {
    entries.push(`attribute CONNECTION LIMIT ${attributes.connectionLimit}`);
  }
  return entries;
}

/** PostgreSQL has no per-role TLS requirement (pg_hba.conf decides), so every profile says so. */
export const NO_TLS_REQUIREMENT = 'n/a';

/**
 * A role as rotakit compares it: its non-default attributes and its privileges (`attribute
 * CREATEDB`, `SELECT on TABLE "s"."t"`), its memberships (`role (admin, noinherit, noset)`), sorted.
 */
export function profileOf(username: string, state: RoleState): UserProfile {
  return {
    username,
    privileges: [...describeAttributes(state.attributes), ...state.privileges.map(describePrivilege)].sort(),
    roles: state.memberships.map(describeMembership).sort(),
    tls: NO_TLS_REQUIREMENT,
  };
}
