export {
  AwsSecretsManagerEmulator,
  startAwsSecretsManagerEmulator,
  type AwsEmulatorState,
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
  type RotationHandler,
  type RotationInvocation,
  type RotationRecord,
  type RotationStep,
} from './rotation.js';
