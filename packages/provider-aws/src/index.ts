/**
 * rotakit for AWS: the Secrets Manager store, the Lambda rotation handler, the RDS pieces (managed
 * master secrets, the replica check) and the application-side reader of the current secret.
 * Deploy-time helpers are at `@rotakit/provider-aws/setup`.
 *
 * @module @rotakit/provider-aws
 */
export { getCurrentSecret } from './current-secret.js';
export type { CurrentSecret, GetCurrentSecretOptions } from './current-secret.js';
export { lambdaClient, rdsClient, secretsManagerClient } from './client.js';
export type { ClientOrConfig, LambdaClientOption, RdsClientOption, SecretsManagerClientOption } from './client.js';
export { awsError } from './errors.js';
export type { AwsCallContext } from './errors.js';
export { AWS_ENGINES, AWS_STAGE_LABELS, AWS_STEPS, awsSchema } from './conventions.js';
export { createRotationHandler } from './handler.js';
export type {
  RotationHandler,
  RotationHandlerEvent,
  RotationHandlerOptions,
  RotationInvocation,
  RotationTargetSource,
} from './handler.js';
export { managedSecretEndpoint, rdsReplicaCheck, withManagedMasterEndpoints } from './rds/index.js';
export type { RdsEndpoint, RdsReplicaCheckOptions } from './rds/index.js';
export { SecretsManagerStore, stagePointers } from './store.js';
export type { SecretsManagerStoreOptions } from './store.js';
