import {
  isRotakitError,
  type RotakitError,
  RotationInProgressError,
  RotationNotEnabledError,
  SecretNotFoundError,
  StepFailedError,
  StoreAccessDeniedError,
  StoreUnavailableError,
} from '@rotakit/core';

/** What rotakit reads from an Alibaba SDK error: never its message, which may quote the request. */
export interface AlibabaErrorFacts {
  /** The service's own code (`Forbidden.ResourceNotFound`), without 1.2.0's `Error` suffix. */
  readonly code?: string;
  /** The HTTP status, when the service answered. */
  readonly status?: number;
  /** True when no service answer came back (a reset connection, a timeout, a DNS failure). */
  readonly transport: boolean;
}

/** Codes the services answer when a call may succeed if repeated later. */
const TRANSIENT_CODES = new Set([
  'Rejected.Throttling',
  'Throttling',
  'Throttling.User',
  'Throttling.Api',
  'ServiceUnavailable',
  'ServiceUnavailableTemporary',
  'InternalFailure',
  'InternalError',
]);

const NOT_FOUND_CODES = new Set(['Forbidden.ResourceNotFound']);

/**
 * Reads the code and status of an error from either SDK line. The body's `Code` comes first:
 * kms20160120 1.2.0 appends `Error` to `e.code`, and some real codes end in `Error` themselves.
 */
export function alibabaErrorFacts(error: unknown): AlibabaErrorFacts {
  if (typeof error !== 'object' || error === null) return { transport: true };
  const e = error as { code?: unknown; statusCode?: unknown; data?: Record<string, unknown> | null; message?: unknown };
  const data = e.data ?? undefined;
  const bodyCode = stringOf(data?.['Code']) ?? stringOf(data?.['code']);
  const status =
    numberOf(e.statusCode) ?? numberOf(data?.['statusCode']) ?? numberOf(data?.['HttpStatus']) ?? statusInMessage(e.message);
  if (bodyCode !== undefined) return { code: bodyCode, ...(status === undefined ? {} : { status }), transport: false };
  if (status !== undefined) {
    const code = stringOf(e.code);
    return { ...(code === undefined ? {} : { code }), status, transport: false };
  }
  return { transport: true };
}

/**
 * Whether the service refused the caller: an unknown or disabled AccessKey, a bad signature, an
 * expired STS token, or a RAM policy that does not allow the action.
 */
export function isAccessDenied(facts: AlibabaErrorFacts): boolean {
  const code = facts.code;
  if (code === undefined) return facts.status === 401 || facts.status === 403;
  if (NOT_FOUND_CODES.has(code)) return false;
  return (
    /^(InvalidAccessKeyId|InvalidSecurityToken|SignatureDoesNotMatch|IncompleteSignature|Forbidden|NoPermission)(\.|$)/.test(code) ||
    facts.status === 401 ||
    facts.status === 403
  );
}

/** Whether the error is the service's not-found answer (an unknown AccessKey is not). */
export function isNotFound(facts: AlibabaErrorFacts): boolean {
  return (
    facts.code !== undefined &&
    !isAccessDenied(facts) &&
    (NOT_FOUND_CODES.has(facts.code) || facts.code.endsWith('.NotFound'))
  );
}

/** Whether repeating the call later may succeed (throttling, 5xx, no answer at all). */
export function isTransient(facts: AlibabaErrorFacts): boolean {
  return (
    facts.transport ||
    (facts.code !== undefined && (TRANSIENT_CODES.has(facts.code) || facts.code.includes('Throttling'))) ||
    (facts.status !== undefined && (facts.status === 429 || facts.status >= 500))
  );
}

/** A short, value-free description: `Forbidden.NoPermission (HTTP 403)` or `no answer`. */
export function describeFacts(facts: AlibabaErrorFacts): string {
  if (facts.transport) return 'no answer from the service (connection failed or timed out)';
  const code = facts.code ?? 'an unnamed error';
  return facts.status === undefined ? code : `${code} (HTTP ${facts.status})`;
}

/**
 * Turns an SDK error of a KMS call into rotakit's typed error. The message names the action, the
 * secret and the service code, and the SDK's error is dropped: 1.2.0's transport errors quote the
 * whole request URL, `SecretData` included.
 */
export function kmsError(error: unknown, action: string, secretName: string): RotakitError {
  const facts = alibabaErrorFacts(error);
  const what = `KMS ${action} on ${secretName} failed: ${describeFacts(facts)}`;
  // The cause is the service code alone, so callers can tell codes apart without the SDK's error.
  const details = facts.code === undefined ? {} : { cause: facts.code };
  if (isAccessDenied(facts)) return new StoreAccessDeniedError(what, details);
  if (isNotFound(facts)) return new SecretNotFoundError(what, details);
  if (facts.code === 'Rejected.ResourceInDeleteWindow') {
    return new RotationNotEnabledError(`${what}; the secret is planned to be deleted`, details);
  }
  if (isTransient(facts)) return new StoreUnavailableError(what, details);
  return new StepFailedError(what, false, details);
}

/**
 * KMS's answer to an UpdateSecretVersionStage whose `RemoveFromVersion` does not hold the label
 * (someone moved it first). Alibaba documents no code for this case; the emulator answers its
 * not-found, as KMS does for every version or stage it cannot find.
 */
const STAGE_NOT_HELD = 'Forbidden.ResourceNotFound';

/**
 * KMS's answer to a PutSecretValue whose `VersionId` already holds other `SecretData` (documented as
 * a rejection; the code is the one KMS uses for an existing resource).
 */
const VERSION_EXISTS = 'Rejected.ResourceExist';

/** Whether `error` (from {@link kmsError}) is a stage move that lost its race: the label had moved. */
export function isStageNotHeld(error: unknown): boolean {
  return isRotakitError(error, 'SecretNotFound') && error.cause === STAGE_NOT_HELD;
}

/** Whether `error` (from {@link kmsError}) is a PutSecretValue refused because its version holds other data. */
export function isVersionExists(error: unknown): boolean {
  return isRotakitError(error) && error.cause === VERSION_EXISTS;
}

/**
 * The error of a KMS write that lost a race to another rotation: `holder` is that rotation's
 * token, the version that holds ACSPending or that ACSCurrent moved to.
 */
export function rotationInProgress(secretName: string, holder: string, moved: 'pending' | 'current'): RotationInProgressError {
  const message =
    moved === 'pending'
      ? `another rotation of ${secretName} holds ACSPending (version ${holder}); finish it with its VersionId or withdraw it first`
      : `ACSCurrent of ${secretName} moved to version ${holder} since this rotation opened: another rotation finished first`;
  return new RotationInProgressError(message, { pendingToken: holder });
}

function stringOf(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

function numberOf(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isInteger(value)) return value;
  if (typeof value === 'string' && /^\d{3}$/.test(value)) return Number(value);
  return undefined;
}

/** Both SDK lines put `code: <status>,` in a service error's message; nothing else is read from it. */
function statusInMessage(message: unknown): number | undefined {
  if (typeof message !== 'string') return undefined;
  const match = /code: (\d{3}),/.exec(message);
  return match ? Number(match[1]) : undefined;
}
