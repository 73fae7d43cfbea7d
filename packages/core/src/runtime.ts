import { InvalidOptionsError } from './errors.js';
import type { RotationEventListener } from './events.js';
import type { LoggerOption } from './logger.js';
import type { PasswordOptions, RotationOptions, TargetSource } from './rotation.js';
import type { CredentialSchema } from './schema.js';
import type { SecretStore } from './store.js';
import type { Strategy } from './strategy.js';
import type { Credentials, Target } from './target.js';

/**
 * The `target` option of an entry point: a target, or a function of the secret's credentials and
 * the provider's `Invocation` (its event, its job) that picks one. The provider binds the function
 * to each invocation ({@link rotationOptionsOf}); core calls it as `TargetSource` says (with the
 * current credentials in create and set, the pending ones in test), inside its guard, before
 * anything is written.
 */
export type RuntimeTargetSource<Invocation> = Target | ((credentials: Credentials, invocation: Invocation) => Target);

/**
 * What every provider's entry point (AWS's Lambda handler, Alibaba's Function Compute handler,
 * NAVER's Cloud Functions action) takes from its user besides the cloud's own settings, with the
 * same names and the same defaults everywhere. `Invocation` is what the entry point shows a
 * target function of one invocation.
 */
export interface RuntimeOptions<Invocation = never> {
  /** The database side: a target, or a function of the secret's credentials and the invocation that picks one (see `TargetSource`). */
  readonly target: RuntimeTargetSource<Invocation>;
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
export function checkRuntimeOptions(options: unknown): void {
  if (typeof options !== 'object' || options === null) {
    throw new InvalidOptionsError('the options must be an object', { field: 'options' });
  }
  for (const key of ['target', 'strategy'] as const) {
    const value = (options as Record<string, unknown>)[key];
    if (value === undefined || value === null) throw new InvalidOptionsError(`the ${key} option is required`, { field: key });
  }
}

/** The names of {@link RuntimeOptions}, for an entry point's unknown-key refusal. */
export const RUNTIME_OPTION_KEYS: readonly (keyof RuntimeOptions)[] = ['target', 'strategy', 'schema', 'password', 'logger', 'onEvent'];

/** What {@link rotationOptionsOf} needs of one invocation. */
export interface RuntimeInvocation<Invocation> {
  readonly store: SecretStore;
  /** The provider's schema: the default when the user gave none. */
  readonly schema: CredentialSchema;
  /** What a target function of the user's is called with, beside the secret's credentials. */
  readonly invocation: Invocation;
  /** Replaces the target source the binding gives (a provider that wraps the user's, e.g. with a check). */
  readonly target?: TargetSource;
}

/**
 * The `RotationOptions` of one invocation: the user's runtime options over the provider's store,
 * with the provider's schema as the default, and a target function bound to the invocation.
 */
export function rotationOptionsOf<Invocation>(options: RuntimeOptions<Invocation>, each: RuntimeInvocation<Invocation>): RotationOptions {
  const { target } = options;
  const bound: TargetSource = typeof target === 'function' ? (credentials) => target(credentials, each.invocation) : target;
  return {
    store: each.store,
    target: each.target ?? bound,
    strategy: options.strategy,
    schema: options.schema ?? each.schema,
    ...(options.password === undefined ? {} : { password: options.password }),
    ...(options.logger === undefined ? {} : { logger: options.logger }),
    ...(options.onEvent === undefined ? {} : { onEvent: options.onEvent }),
  };
}
