// The pieces under the target, for tests, tools and the other rotakit packages: statement builders,
// catalog readers, grant comparisons, SCRAM verifiers and the user introspection. An application
// needs only `@rotakit/target-postgres`.
export { openPostgresIntrospection } from './introspection.js';
export {
  attributesStatement,
  ATTRIBUTE_KEYWORDS,
  grantMembershipStatement,
  grantPrivilegeStatement,
  identifierLength,
  loginRoleStatement,
  MAX_IDENTIFIER_BYTES,
  passwordStatement,
  PG16,
  privilegeOn,
  quoteIdentifier,
  quoteLiteral,
  revokeMembershipStatements,
  revokePrivilegeStatement,
} from './sql.js';
export {
  DEFAULT_ATTRIBUTES,
  describeAttributes,
  describeMembership,
  describePrivilege,
  NO_TLS_REQUIREMENT,
  profileOf,
  readAdministrativeRights,
  readRole,
} from './catalog.js';
export type { Membership, ObjectPrivilege, RoleAttributes, RoleState } from './catalog.js';
export { entriesOf, inherits, mergeGrants, ownGrants, privilegeKey, reachOf, sameOptions } from './grants.js';
export type { Grants } from './grants.js';
export { MAX_PASSWORD_BYTES, preparePassword, SCRAM_ITERATIONS, scramSha256Verifier } from './scram.js';
export type { ScramVerifierOptions } from './scram.js';
export { CA_PRESETS } from './options.js';
