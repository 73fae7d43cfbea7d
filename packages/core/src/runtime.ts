import { InvalidOptionsError } from './errors.js';
import type { RotationEventListener } from './events.js';
import type { LoggerOption } from './logger.js';
import type { PasswordOptions, RotationOptions, TargetSource } from './rotation.js';
import type { CredentialSchema } from './schema.js';
import type { SecretStore } from './store.js';
import type { Strategy } from './strategy.js';

/**
 * What every provider's entry point (AWS's Lambda handler, Alibaba's Function Compute handler,
 * NAVER's Cloud Functions action) takes from its user besides the cloud's own settings, with the
 * same names and the same defaults everywhere.
 */
export interface RuntimeOptions {
  /** The database side: a target, or a function of the secret's current credentials that picks one (see `TargetSource`). */
  readonly target: TargetSource;
  /** `singleUser()` or `alternatingUsers(…)`: required, since the two need differently privileged secrets. */
  readonly strategy: Strategy;
  /** How the secret's JSON maps to credentials; default the cloud's convention. */
  readonly schema?: CredentialSchema;
  /** Password policy, and who generates it. */
  readonly password?: PasswordOptions;
  /** Receives redacted log lines: pino (object first) or a message-first logger such as Powertools'; silent by default. */
  readonly logger?: LoggerOption;
  /** Receives core's lifecycle events. */
  readonly onEvent?: RotationEventListener;
}

/**
 * Checks the options an entry point was built with: an object with a `target` and a `strategy`
 * (`InvalidOptionsError` naming the missing one), so a handler fails when it is built, before any
 * invocation reads or writes.
 */
export function checkRuntimeOptions(options: unknown): asserts options is RuntimeOptions {
  if (typeof options !== 'object' || options === null) {
    throw new InvalidOptionsError('the options must be an object', { field: 'options' });
  }
  for (const key of ['target', 'strategy'] as const) {
    const value = (options as Record<string, unknown>)[key];
    if (value === undefined || value === null) throw new InvalidOptionsError(`the ${key} option is required`, { field: key });
  }
}

/**
 * The `RotationOptions` of one invocation: the user's runtime options over the provider's store,
 * with the provider's schema as the default. `target` replaces the user's where the provider binds
 * a target function to its invocation.
 */
export function rotationOptionsOf(
  options: RuntimeOptions,
  invocation: { readonly store: SecretStore; readonly schema: CredentialSchema; readonly target?: TargetSource },
): RotationOptions {
  return {
    store: invocation.store,
    target: invocation.target ?? options.target,
    strategy: options.strategy,
    schema: options.schema ?? invocation.schema,
    ...(options.password === undefined ? {} : { password: options.password }),
    ...(options.logger === undefined ? {} : { logger: options.logger }),
    ...(options.onEvent === undefined ? {} : { onEvent: options.onEvent }),
  };
}
