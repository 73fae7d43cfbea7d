/**
 * `@rotakit/target-mssql/internal`: the statement builders, catalog parsers and the introspection
 * the target is made of, for tests, tools and other rotakit packages. Not covered by semver.
 *
 * @module @rotakit/target-mssql/internal
 */
export { NO_PER_LOGIN_TLS, permissionOfRow } from './catalog.js';
export type { Grantee, Row } from './catalog.js';
export { classifyConnectError, statementError } from './errors.js';
export { openMssqlIntrospection } from './introspection.js';
export { CA_PRESETS } from './options.js';
export { preloginEncryptionAnswer } from './prelogin.js';
export {
  applyPermission,
  catalogQuery,
  changeOwnPassword,
  createContainedUser,
  createLogin,
  createUserForLogin,
  describePermission,
  MAX_PASSWORD_LENGTH,
  Queries,
  quoteIdentifier,
  revokePermission,
  roleMembership,
  sameLogin,
  securableClause,
  setContainedUserPassword,
  setLoginPassword,
  SQL_SERVER_MAX_IDENTIFIER,
} from './sql.js';
export type { LoginPolicy, Permission, PermissionTarget, Statement } from './sql.js';
