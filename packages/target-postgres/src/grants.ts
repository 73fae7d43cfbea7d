import {
  describeAttributes,
  describeMembership,
  describePrivilege,
  type Membership,
  type ObjectPrivilege,
  type RoleState,
} from './catalog.js';
import { PG16 } from './sql.js';

/** A role's privileges (by object and privilege) and memberships (by role), for comparing two roles. */
export interface Grants {
  readonly privileges: ReadonlyMap<string, ObjectPrivilege>;
  readonly memberships: ReadonlyMap<string, Membership>;
}

/** The same privilege on the same object, whether it is grantable or not. */
export function privilegeKey(privilege: ObjectPrivilege): string {
  return `${privilege.kind} ${privilege.object} ${privilege.privilege}`;
}

/**
 * The role's own grants, without its membership in `other`, the other alternating user: a role
 * cannot be a member of itself, so that membership is never copied, revoked or compared as a grant.
 */
export function ownGrants(state: RoleState, other: string): Grants {
  return {
    privileges: new Map(state.privileges.map((privilege) => [privilegeKey(privilege), privilege])),
    memberships: new Map(state.memberships.filter((m) => m.role !== other).map((m) => [m.role, m])),
  };
}

/**
 * Whether `state`'s role holds `role`'s rights through a membership without `SET ROLE`: on
 * PostgreSQL 16+ the grant's INHERIT option says so, before 16 the member's INHERIT attribute.
 */
export function inherits(state: RoleState, role: string, version: number): boolean {
  const membership = state.memberships.find((m) => m.role === role);
  if (!membership) return false;
  return version >= PG16 ? membership.inherit : state.attributes.inherit;
}

/** Both sets together: a privilege grantable, a membership with an option, when either holds it so. */
export function mergeGrants(a: Grants, b: Grants): Grants {
  const privileges = new Map(a.privileges);
  for (const [key, privilege] of b.privileges) {
    const held = privileges.get(key);
    privileges.set(key, held ? { ...held, grantable: held.grantable || privilege.grantable } : privilege);
  }
  const memberships = new Map(a.memberships);
  for (const [role, membership] of b.memberships) {
    const held = memberships.get(role);
    memberships.set(
      role,
      held
        ? {
            role,
            admin: held.admin || membership.admin,
            inherit: held.inherit || membership.inherit,
            set: held.set || membership.set,
            grantors: [...new Set([...held.grantors, ...membership.grantors])],
          }
        : membership,
    );
  }
  return { privileges, memberships };
}

/**
 * What `self` can do, as far as the two alternating users go: its own grants, and the other's too
 * when it inherits them. AWS's function makes its clone with `GRANT original TO clone` and no
 * grant of its own, so the clone holds everything through that membership.
 */
export function reachOf(self: RoleState, other: RoleState, version: number): Grants {
  const own = ownGrants(self, other.name);
  return inherits(self, other.name, version) ? mergeGrants(own, ownGrants(other, self.name)) : own;
}

/** Attributes, privileges and memberships as sorted entries, to list the differences of two roles. */
export function entriesOf(state: RoleState, grants: Grants): string[] {
  return [
    ...describeAttributes(state.attributes),
    ...[...grants.privileges.values()].map(describePrivilege),
    ...[...grants.memberships.values()].map((m) => `member of ${describeMembership(m)}`),
  ].sort();
}

/** Whether two memberships in one role carry the same options. */
export function sameOptions(a: Membership, b: Membership): boolean {
  return a.admin === b.admin && a.inherit === b.inherit && a.set === b.set;
}
