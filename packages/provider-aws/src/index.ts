export { registerDatabaseSecret, getCurrentSecret } from './bootstrap.js';
export type {
  AwsClientsOption,
  CurrentSecret,
  GetCurrentSecretOptions,
  RegisterDatabaseSecretOptions,
  RegisteredDatabaseSecret,
  RotationSchedule,
} from './bootstrap.js';
export { lambdaClient, rdsClient, secretsManagerClient } from './clients.js';
export type { ClientOrConfig, LambdaClientOption, RdsClientOption, SecretsManagerClientOption } from './clients.js';
export { awsError } from './errors.js';
export type { AwsCallContext } from './errors.js';
export { AWS_ENGINES, AWS_STEPS, createRotationHandler } from './handler.js';
export type { RotationHandler, RotationHandlerOptions } from './handler.js';
export { managedSecretEndpoint, rdsReplicaCheck, withManagedMasterEndpoints } from './rds.js';
export type { RdsEndpoint, RdsReplicaCheckOptions } from './rds.js';
export { AWS_STAGE_LABELS, SecretsManagerStore } from './store.js';
export type { SecretsManagerStoreOptions } from './store.js';
