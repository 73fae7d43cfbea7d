export {
  AwsSecretsManagerEmulator,
  startAwsSecretsManagerEmulator,
  type AwsEmulatorState,
  type AwsSecretState,
  type AwsSecretVersionState,
  type AwsSecretsManagerEmulatorOptions,
  type AwsSeedDocument,
  type SeedRdsManagedSecretInput,
  type SeedSecretInput,
  type SeedTime,
  type SeedVersionInput,
  type SeededSecret,
} from './emulator.js';
export { AWSCURRENT, AWSPENDING, AWSPREVIOUS, type RotationRules } from './model.js';
export {
  ROTATION_STEPS,
  type AwsRotationSettings,
  type RotationEvent,
  type RotationFunctionOptions,
  type RotationFunctionSource,
  type RotationFunctionState,
  type RotationHandler,
  type RotationInvocation,
  type RotationRecord,
  type RotationStep,
} from './rotation.js';
export {
  AwsLambdaEmulator,
  startAwsLambdaEmulator,
  type AwsLambdaEmulatorOptions,
  type LambdaFunctionOptions,
  type LambdaHandler,
  type LambdaPolicyStatement,
} from './lambda.js';
export {
  AwsIamEmulator,
  IAM_OPERATIONS,
  startAwsIamEmulator,
  type AwsIamEmulatorOptions,
  type IamEvalDecision,
  type IamPolicyDocument,
  type IamPolicyStatement,
} from './iam.js';
export { LAMBDA_DEFAULT_TIMEOUT_MS } from './timeout.js';
export { AWS_EMULATOR_CREDENTIALS, SIGV4_CLOCK_SKEW_MS, type AwsEmulatorCredentials } from './sigv4.js';
export type { AwsEmulatorIdentity } from './base.js';
export {
  AwsRdsEmulator,
  RDS_OPERATIONS,
  startAwsRdsEmulator,
  type AwsRdsEmulatorOptions,
  type RdsClusterSeed,
  type RdsInstanceSeed,
} from './rds.js';
