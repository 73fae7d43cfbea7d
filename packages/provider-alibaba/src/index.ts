/**
 * rotakit for Alibaba Cloud: the KMS generic-secret store and the Function Compute handler. The RDS
 * account-API pieces (scenario 1) are at `@rotakit/provider-alibaba/rds`, deploy-time helpers at
 * `@rotakit/provider-alibaba/setup`.
 *
 * @module @rotakit/provider-alibaba
 */
export { InvalidEventError, kmsError, UnsupportedSecretTypeError } from './errors.js';
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
export { createKmsClient, endpointFromEnvironment, kmsVpcEndpoint, RefreshableCredential } from './client.js';
export type { AlibabaClientOptions, AlibabaCredentials, EnvironmentEndpoint, KmsClient } from './client.js';
