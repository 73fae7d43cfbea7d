/**
 * The vendor-neutral core of rotakit: the rotation protocol, the ports (secret store, target,
 * strategy, schema), the strategies, errors, redaction, events, the password generator, in-memory
 * doubles, and the adapter kit every provider and target is built on. It names no cloud.
 *
 * @module @rotakit/core
 */
export * from './errors.js';
export * from './events.js';
export { messageFirst, redactingLogger, silentLogger, toLogger } from './logger.js';
export type { LogFn, Logger, LoggerOption, MessageFirstLogger } from './logger.js';
export { MemorySecretStore } from './memory-store.js';
export type { MemorySecretInfo, MemoryVersionInfo } from './memory-store.js';
export { MemoryTarget } from './memory-target.js';
export type { MemoryLogin, MemoryPasswordChange, MemoryTargetOptions, MemoryUser } from './memory-target.js';
export {
  DEFAULT_PASSWORD_POLICY,
  generatePassword,
  MAX_PASSWORD_LENGTH,
  PASSWORD_CHARACTER_CLASSES,
  passwordSatisfies,
  resolvePasswordPolicy,
} from './password.js';
export type { PasswordPolicy, ResolvedPasswordPolicy } from './password.js';
export { REDACTED, Redactor } from './redact.js';
export { rotate, runStep } from './rotation.js';
export { defineCaPresets, isUnknownAuthority, resolveTls } from './tls.js';
export type { CaPresets, ResolvedConnectionOptions, ResolvedTls, TargetConnectionOptions, TlsOption, TlsOptions } from './tls.js';
export { errorClassifier, errorFacts, errorOfKind, NETWORK_ERROR_CODES } from './classify.js';
export type { ErrorFacts, ErrorKind, ErrorTable, FactMatch } from './classify.js';
export { optionChecks } from './options.js';
export type { OptionChecks } from './options.js';
export { checkRuntimeOptions, rotationOptionsOf, RUNTIME_OPTION_KEYS } from './runtime.js';
export type { RuntimeInvocation, RuntimeOptions, RuntimeTargetSource } from './runtime.js';
export type {
  PasswordOptions,
  RotateRequest,
  RotationOptions,
  RotationResult,
  StepOutcome,
  StepRequest,
  StepResult,
  TargetSource,
} from './rotation.js';
export { defaultSchema, defineCredentialSchema } from './schema.js';
export type {
  CredentialChanges,
  CredentialField,
  CredentialFieldMap,
  CredentialSchema,
  CredentialSchemaDefinition,
  SecretDocument,
} from './schema.js';
export { STAGES, stageOfLabel } from './stages.js';
export type { Stage, StageLabels, StagePointers } from './stages.js';
export type { SecretStore, StoreSession } from './store.js';
export { alternatingUsers, singleUser, suffixRule } from './strategy.js';
export type { AlternatingUsersOptions, SetContext, SetOutcome, Strategy } from './strategy.js';
export {
  checkNewPassword,
  checkUserSyncRequest,
  effectiveTlsMode,
  loginOf,
  refuseAdministrativeSource,
  refuseOwnAccount,
  TLS_MODES,
} from './target.js';
export type {
  ConnectContext,
  Credentials,
  Login,
  PasswordConstraints,
  SessionIdentity,
  Target,
  TargetSession,
  TlsMode,
  UserChangeLimits,
  UserIntrospection,
  UserProfile,
  UsernameUse,
  UserSyncRequest,
} from './target.js';
