/**
 * rotakit for NAVER Cloud: the Secret Manager job-token client and store, and the Cloud Functions
 * rotation action.
 *
 * @module @rotakit/provider-ncloud
 */
export { ncloudSchema } from './conventions.js';
export { createCloudFunctionsAction } from './handler.js';
export type {
  CloudFunctionsActionOptions,
  NcloudActionArgs,
  NcloudActionMain,
  NcloudActionResult,
  NcloudInvocation,
  NcloudTargetSource,
} from './handler.js';
export { NcloudSecretManagerClient, secretManagerBaseUrl } from './client.js';
export type {
  NcloudClientOptions,
  NcloudKeyIsolation,
  NcloudRandomSecretOptions,
  NcloudRegion,
  NcloudRetryOptions,
  NcloudRotationJob,
  NcloudChainUpdate,
  NcloudSecretChain,
  NcloudSecretDetail,
  NcloudStageName,
} from './client.js';
export { NcloudAuthenticationError } from './errors.js';
export type { NcloudOperation } from './errors.js';
export { signRequest } from './signature.js';
export type { NcloudApiKey, NcloudSignature } from './signature.js';
export { NcloudSecretStore } from './store.js';
export type { NcloudSecretStoreOptions } from './store.js';
