/**
 * The RDS account-API pieces (scenario 1): `rdsAccountApi`, the `RdsAccountTarget` and its
 * strategy, and the RDS client. Their own entry point, so a function that talks only to KMS
 * (scenario 2) bundles neither them nor the `@alicloud/rds20140815` SDK they load.
 *
 * @module @rotakit/provider-alibaba/rds
 */
export { alibabaRdsApiSchema, rdsAccountApi } from './account-api.js';
export type { RdsAccountApiOptions } from './account-api.js';
export {
  checkRdsPassword,
  DEFAULT_RDS_ACCOUNT_NAME_LIMIT,
  RDS_ACCOUNT_NAME_LIMITS,
  RDS_ADMINISTRATIVE_ACCOUNT_TYPES,
  RDS_API_PRINCIPAL,
  RDS_PASSWORD_CONSTRAINTS,
  RDS_PASSWORD_SPECIALS,
  RdsAccountTarget,
  rdsDualAccount,
} from './target.js';
export type { RdsAccountTargetOptions, RdsDualAccountOptions, RdsEngine } from './target.js';
export { createRdsClient } from './client.js';
export type { RdsClient } from './client.js';
