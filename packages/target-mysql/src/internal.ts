/**
 * `@rotakit/target-mysql/internal`: the target's building blocks, for tests, tools and drift
 * checks: the introspection, the CA presets, the statement builders and quoting, the `SHOW GRANTS`
 * parser, the version parser and the account-name rules. Not needed to rotate; their shapes may change
 * between minor versions.
 *
 * @module @rotakit/target-mysql/internal
 */
export { openMysqlIntrospection } from './introspection.js';
export { CA_PRESETS } from './options.js';
export {
  accountName,
  createUserStatement,
  defaultRoleStatement,
  dropUserStatement,
  grantChangeStatement,
  hasAlterUserRequire,
  hasRoles,
  identityQuery,
  quoteIdentifier,
  quoteString,
  requireClause,
  requireStatement,
  setOwnPasswordStatement,
  setPasswordStatement,
  usesPasswordFunction,
} from './sql.js';
export type { Account, SqlDialect, Statement, TlsRequirement } from './sql.js';
export { administrativeRights, describeGrants, grantChanges, parseGrants } from './grants.js';
export type { AccountGrants, GrantChange, ObjectGrant } from './grants.js';
export { outsideCatalogCharset, sameMysqlUser } from './names.js';
export { parseServerVersion } from './version.js';
export type { ServerFlavor, ServerVersion } from './version.js';
