/** Stable codes of every error rotakit throws. */
export type RotakitErrorCode =
  | 'SecretNotFound'
  | 'RotationNotEnabled'
  | 'RotationInProgress'
  | 'RotationTokenInvalid'
  | 'InvalidSecretValue'
  | 'InvalidOptions'
  | 'UsernameTooLong'
  | 'PendingMismatch'
  | 'PasswordPolicyInvalid'
  | 'PrivilegedSecretInvalid'
  | 'AdministrativeSource'
  | 'TargetAuthFailed'
  | 'TargetUnreachable'
  | 'TlsRequired'
  | 'StoreUnavailable'
  | 'StoreAccessDenied'
  | 'StepFailed';

/** Facts an error may carry besides its message; never a secret value. */
export interface RotakitErrorDetails {
  /** The secret field or option at fault, by the name the user wrote it with. */
  field?: string;
  /** The token of the rotation already in progress (RotationInProgress). */
  pendingToken?: string;
  /** A limit that was exceeded (UsernameTooLong). */
  limit?: number;
  /** The administrative right found on a user that was not to be cloned (AdministrativeSource). */
  right?: string;
  /**
   * True when the failing call is known to have left the database as it was (it failed before its
   * first write, or its transaction rolled back); a permanent failure of that kind withdraws the
   * rotation's pending version instead of wedging the secret.
   */
  changedNothing?: boolean;
  /** The underlying error, already scrubbed of secret values. */
  cause?: unknown;
}

/**
 * The brand every rotakit error carries, through the global symbol registry: an error made by one
 * copy of core (its ESM or CommonJS build, or a second installed copy) is recognised by another.
 */
const BRAND = Symbol.for('rotakit.error');

/**
 * Base of every error rotakit throws. `code` is stable across releases; `retryable` says whether
 * running the same step again may succeed without anyone changing anything.
 * Messages name fields and stages, never values.
 *
 * `instanceof` works across copies of core too: a branded error is an instance of `RotakitError`,
 * and of a subclass when its `name` is that subclass's.
 */
export class RotakitError extends Error {
  /**
   * `instanceof` by brand as well as by prototype, so an error made by another copy of core (two
   * versions in one bundle) is still recognised; a subclass matches on its `name`.
   */
  static override [Symbol.hasInstance](value: unknown): boolean {
    if (Function.prototype[Symbol.hasInstance].call(this, value)) return true;
    if (!isBranded(value)) return false;
    return this.name === 'RotakitError' || (value as { name?: unknown }).name === this.name;
  }

  readonly code: RotakitErrorCode;
  readonly retryable: boolean;
  readonly field?: string;
  readonly pendingToken?: string;
  readonly limit?: number;
  readonly right?: string;
  readonly changedNothing?: boolean;

  constructor(code: RotakitErrorCode, message: string, retryable: boolean, details: RotakitErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    Object.defineProperty(this, BRAND, { value: true });
    this.name = new.target.name;
    this.code = code;
    this.retryable = retryable;
    if (details.field !== undefined) this.field = details.field;
    if (details.pendingToken !== undefined) this.pendingToken = details.pendingToken;
    if (details.limit !== undefined) this.limit = details.limit;
    if (details.right !== undefined) this.right = details.right;
    if (details.changedNothing !== undefined) this.changedNothing = details.changedNothing;
  }
}

/** Whether `error` is a rotakit error, optionally of one code. */
export function isRotakitError(error: unknown, code?: RotakitErrorCode): error is RotakitError {
  const rotakit = isBranded(error) || Function.prototype[Symbol.hasInstance].call(RotakitError, error);
  return rotakit && (code === undefined || (error as RotakitError).code === code);
}

/**
 * Marks a rotakit error as having left the database unchanged (`changedNothing`), for a target
 * call that failed before its first write or whose transaction rolled back; core then withdraws the
 * pending version of a permanent failure. The error is marked in place (it was made for this call)
 * and returned; a value that is no rotakit error is returned as it is.
 */
export function markChangedNothing<E>(error: E): E {
  if (isRotakitError(error) && error.changedNothing !== true) {
    Object.defineProperty(error, 'changedNothing', { value: true, enumerable: true, writable: true, configurable: true });
  }
  return error;
}

function isBranded(value: unknown): boolean {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
}

/** The secret (or a stage of it) does not exist in the store. */
export class SecretNotFoundError extends RotakitError {
  constructor(message: string, details?: RotakitErrorDetails) {
    super('SecretNotFound', message, false, details);
  }
}

/** The store says rotation is disabled for this secret. */
export class RotationNotEnabledError extends RotakitError {
  constructor(message: string, details?: RotakitErrorDetails) {
    super('RotationNotEnabled', message, false, details);
  }
}

/** Another token's pending version exists; nothing was changed. `pendingToken` names it. */
export class RotationInProgressError extends RotakitError {
  constructor(message: string, details?: RotakitErrorDetails) {
    super('RotationInProgress', message, false, details);
  }
}

/** The token is not in a state this step can run on (e.g. not pending). */
export class RotationTokenInvalidError extends RotakitError {
  constructor(message: string, details?: RotakitErrorDetails) {
    super('RotationTokenInvalid', message, false, details);
  }
}

/** The secret's value is malformed; `field` names the field at fault. */
export class InvalidSecretValueError extends RotakitError {
  constructor(message: string, details?: RotakitErrorDetails) {
    super('InvalidSecretValue', message, false, details);
  }
}

/** An option given to rotakit is invalid; `field` names the option. */
export class InvalidOptionsError extends RotakitError {
  constructor(message: string, details?: RotakitErrorDetails) {
    super('InvalidOptions', message, false, details);
  }
}

/** The alternate username would exceed the engine's limit (`limit`). */
export class UsernameTooLongError extends RotakitError {
  constructor(message: string, details?: RotakitErrorDetails) {
    super('UsernameTooLong', message, false, details);
  }
}

/** The pending value changes a field the strategy must keep (user, host). */
export class PendingMismatchError extends RotakitError {
  constructor(message: string, details?: RotakitErrorDetails) {
    super('PendingMismatch', message, false, details);
  }
}

/** The password policy cannot produce a password; `field` names the offending setting. */
export class PasswordPolicyInvalidError extends RotakitError {
  constructor(message: string, details?: RotakitErrorDetails) {
    super('PasswordPolicyInvalid', message, false, details);
  }
}

/** The privileged secret is missing, malformed or not allowed to act for this secret. */
export class PrivilegedSecretInvalidError extends RotakitError {
  constructor(message: string, details?: RotakitErrorDetails) {
    super('PrivilegedSecretInvalid', message, false, details);
  }
}

/**
 * The user an alternating-users rotation would clone holds administrative rights (`right` names
 * one), and the strategy was not told to allow it: a clone would be a second administrator.
 */
export class AdministrativeSourceError extends RotakitError {
  constructor(message: string, details?: RotakitErrorDetails) {
    super('AdministrativeSource', message, false, details);
  }
}

/** The database refused the credentials (MySQL 1045, PostgreSQL 28P01, SQL Server 18456). */
export class TargetAuthFailedError extends RotakitError {
  constructor(message: string, details?: RotakitErrorDetails) {
    super('TargetAuthFailed', message, false, details);
  }
}

/** The database could not be reached (refused, timed out, DNS); worth retrying. */
export class TargetUnreachableError extends RotakitError {
  constructor(message: string, details?: RotakitErrorDetails) {
    super('TargetUnreachable', message, true, details);
  }
}

/** TLS was asked for and could not be had, or was refused by the server; no downgrade was made. */
export class TlsRequiredError extends RotakitError {
  constructor(message: string, details?: RotakitErrorDetails) {
    super('TlsRequired', message, false, details);
  }
}

/** The secret store throttled or failed transiently after its own retries; worth retrying. */
export class StoreUnavailableError extends RotakitError {
  constructor(message: string, details?: RotakitErrorDetails) {
    super('StoreUnavailable', message, true, details);
  }
}

/**
 * The secret store refused the caller's credentials or permissions (wrong key, stale signature,
 * missing IAM permission); retrying changes nothing until someone fixes the access.
 */
export class StoreAccessDeniedError extends RotakitError {
  constructor(message: string, details?: RotakitErrorDetails) {
    super('StoreAccessDenied', message, false, details);
  }
}

/** A step failed for a reason rotakit has no more specific code for. */
export class StepFailedError extends RotakitError {
  constructor(message: string, retryable: boolean, details?: RotakitErrorDetails) {
    super('StepFailed', message, retryable, details);
  }
}
