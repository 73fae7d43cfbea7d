/**
 * Deploy-time helpers, kept out of the main entry point so a rotation function's bundle leaves them out.
 *
 * @module @rotakit/provider-aws/setup
 */
export { registerDatabaseSecret } from './register-database-secret.js';
export type {
  AwsClientsOption,
  RegisterDatabaseSecretOptions,
  RegisteredDatabaseSecret,
  RotationSchedule,
} from './register-database-secret.js';
