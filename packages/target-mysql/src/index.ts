export { DEFAULT_MYSQL_PORT, mysqlTarget } from './session.js';
export { DEFAULT_CONNECT_TIMEOUT_MS, DEFAULT_MAX_USERNAME_LENGTH, TLS_CA_PRESETS, tlsCaPreset } from './options.js';
export type { MysqlTargetOptions, MysqlTlsOptions, TlsCaPreset } from './options.js';
export { parseServerVersion } from './version.js';
export type { ServerFlavor, ServerVersion } from './version.js';
export {
  accountName,
  quoteIdentifier,
  quoteString,
  createUserStatement,
  defaultRoleStatement,
  dropUserStatement,
  grantChangeStatement,
  hasAlterUserRequire,
  hasRoles,
  identityQuery,
  requireClause,
  requireStatement,
  setOwnPasswordStatement,
  setPasswordStatement,
  usesPasswordFunction,
} from './statements.js';
export type { Account, SqlDialect, Statement, TlsRequirement } from './statements.js';
export { administrativeRights, describeGrants, grantChanges, parseGrants } from './grants.js';
export { outsideCatalogCharset, sameMysqlUser } from './names.js';
export type { AccountGrants, GrantChange, ObjectGrant } from './grants.js';
