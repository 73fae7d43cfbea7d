/**
 * rotakit for Alibaba Cloud: the KMS generic-secret store, the Function Compute handler and the RDS
 * account-API target. Deploy-time helpers are at `@rotakit/provider-alibaba/setup`.
 *
 * @module @rotakit/provider-alibaba
 */
export { InvalidEventError, UnsupportedSecretTypeError } from './errors.js';
export { createFcHandler, parseFcEvent, versionIdOfExecution } from './handler.js';
export type {
  FcContext,
  FcHandler,
  FcHandlerOptions,
  FcInvocation,
  FcRotationEvent,
  FcRotationResult,
  FcTargetSource,
} from './handler.js';
export { alibabaSchema, FC_STEP_TO_CORE, FC_STEPS, KMS_STAGE_LABELS } from './conventions.js';
export type { FcStep } from './conventions.js';
export { KMS_STAGING_LABEL, KmsSecretStore } from './store.js';
export type { KmsRetryOptions, KmsSecretStoreOptions } from './store.js';
export { alibabaRdsApiSchema, rdsAccountApi } from './rds/account-api.js';
export type { RdsAccountApiOptions } from './rds/account-api.js';
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
} from './rds/target.js';
export type { RdsAccountTargetOptions, RdsDualAccountOptions, RdsEngine } from './rds/target.js';
export { createKmsClient, createRdsClient, endpointFromEnvironment, kmsVpcEndpoint, RefreshableCredential } from './client.js';
export type { AlibabaClientOptions, AlibabaCredentials, EnvironmentEndpoint, KmsClient, RdsClient } from './client.js';
