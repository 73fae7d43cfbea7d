import {
  errorClassifier,
  errorFacts,
  errorOfKind,
  InvalidOptionsError,
  isRotakitError,
  RotationInProgressError,
  RotationNotEnabledError,
  type ErrorFacts,
  type ErrorTable,
  type FactMatch,
  type RotakitError,
  type RotakitErrorDetails,
} from '@rotakit/core';

/**
 * Thrown for a malformed workflow event; `field` names the event key at fault. Nothing has been
 * read or written when it is thrown.
 */
export class InvalidEventError extends InvalidOptionsError {}

/**
 * Thrown when a secret is not a KMS generic secret. KMS rotates its managed secrets (Rds, Redis,
 * PolarDB, RAMCredentials, ECS) itself; rotakit refuses to write to them.
 */
export class UnsupportedSecretTypeError extends RotationNotEnabledError {
  /** The secret's `SecretType`, as KMS reports it. */
  readonly secretType: string;

  constructor(secretName: string, secretType: string) {
    super(
      `${secretName} is a ${secretType} secret; rotakit rotates only Generic secrets (KMS rotates managed secrets itself)`,
      { field: 'SecretType' },
    );
    this.secretType = secretType;
  }
}

/**
 * What rotakit reads from an error of either Alibaba SDK line: `code` is the service's own code
 * (`Forbidden.ResourceNotFound`), taken from the answer's body first — kms20160120 1.2.0 appends
 * `Error` to `e.code`, and some real codes end in `Error` themselves — and `status` the HTTP
 * status. When no answer came back (a reset connection, a timeout, a DNS failure) there is neither:
 * the transport's code says nothing the classification uses. The message is never shown: 1.2.0's
 * transport errors quote the whole request URL, `SecretData` included.
 */
export function alibabaErrorFacts(error: unknown): ErrorFacts {
  const base = errorFacts(error);
  const record = (typeof error === 'object' && error !== null ? error : {}) as { statusCode?: unknown; data?: Record<string, unknown> | null };
  const data = record.data ?? undefined;
  const bodyCode = stringOf(data?.['Code']) ?? stringOf(data?.['code']);
  const status =
    numberOf(record.statusCode) ?? base.status ?? numberOf(data?.['statusCode']) ?? numberOf(data?.['HttpStatus']) ?? statusInMessage(base.message);
  if (status === undefined && bodyCode === undefined) return { code: '', message: base.message };
  return { code: bodyCode ?? base.code, message: base.message, ...(status === undefined ? {} : { status }) };
}

/** No answer came back from the service. */
function noAnswer(facts: ErrorFacts): boolean {
  return facts.code === '' && facts.status === undefined;
}

/** Codes the services answer when a call may succeed if repeated later. */
const TRANSIENT_CODES = [
  'Rejected.Throttling',
  'Throttling',
  'Throttling.User',
  'Throttling.Api',
  'ServiceUnavailable',
  'ServiceUnavailableTemporary',
  'InternalFailure',
  'InternalError',
];

/** Whether repeating the call later may succeed: throttling, a 5xx, or no answer at all. */
const TRANSIENT: FactMatch = (facts) =>
  noAnswer(facts) ||
  TRANSIENT_CODES.includes(facts.code) ||
  facts.code.includes('Throttling') ||
  facts.status === 429 ||
  (facts.status !== undefined && facts.status >= 500);

/**
 * KMS's answers, first match wins (the rest are core's `failed`). KMS answers `Forbidden.`-codes
 * for refusals of the caller, except its not-found, which comes first; an unknown AccessKey
 * (`InvalidAccessKeyId.NotFound`) is a refusal, not a missing secret. KMS has no code of its own
 * for a rotation in progress (the store tells one from where the labels sit), and its bad-input
 * answers (`InvalidParameter`, `Missing…`) are to values the handler validated or built itself,
 * not to a user's option: they stay `failed`.
 */
const KMS_ERRORS: ErrorTable = [
  ['notFound', ['Forbidden.ResourceNotFound']],
  ['accessDenied', /^(InvalidAccessKeyId|InvalidSecurityToken|SignatureDoesNotMatch|IncompleteSignature|Forbidden|NoPermission)(\.|$)/],
  ['accessDenied', (facts) => facts.status === 401 || facts.status === 403],
  ['notFound', /\.NotFound$/],
  ['unavailable', TRANSIENT],
];

/**
 * The RDS account API's answers: throttling, 5xx and no answer (after the SDK's own retries) may
 * pass; anything else, a missing instance included, fails the step for good.
 */
const RDS_ERRORS: ErrorTable = [['unreachable', TRANSIENT]];

const kmsKind = errorClassifier(KMS_ERRORS);
const rdsKind = errorClassifier(RDS_ERRORS);

/** KMS's answer for a secret in its deletion window: no kind of core's, so it is matched on its own. */
const DELETE_WINDOW = 'Rejected.ResourceInDeleteWindow';

/**
 * Whether the store retries a failed KMS call itself: an answer (throttling, a 5xx) that would be
 * reported as `StoreUnavailable`. A call with no answer is not: 1.2.0 has retried it already.
 */
export function isRetriedAnswer(error: unknown): boolean {
  const facts = alibabaErrorFacts(error);
  return !noAnswer(facts) && kmsKind(facts) === 'unavailable';
}

/** A short, value-free description: `Forbidden.NoPermission (HTTP 403)` or `no answer`. */
function describeFacts(facts: ErrorFacts): string {
  if (noAnswer(facts)) return 'no answer from the service (connection failed or timed out)';
  const code = facts.code === '' ? 'an unnamed error' : facts.code;
  return facts.status === undefined ? code : `${code} (HTTP ${facts.status})`;
}

/** The details every converted error carries: the service code alone as its `cause`, so callers tell codes apart without the SDK's error. */
function causeOf(facts: ErrorFacts): RotakitErrorDetails {
  return facts.code === '' ? {} : { cause: facts.code };
}

/**
 * Turns an SDK error of a KMS call into rotakit's typed error (see `KMS_ERRORS`; a secret in its
 * deletion window is `RotationNotEnabledError`). The message names the action, the secret and
 * the service code, and the SDK's error is dropped.
 */
export function kmsError(error: unknown, action: string, secretName: string): RotakitError {
  const facts = alibabaErrorFacts(error);
  const what = `KMS ${action} on ${secretName} failed: ${describeFacts(facts)}`;
  if (facts.code === DELETE_WINDOW) return new RotationNotEnabledError(`${what}; the secret is planned to be deleted`, causeOf(facts));
  return errorOfKind(kmsKind(facts), what, causeOf(facts));
}

/**
 * Turns an SDK error of an RDS call into rotakit's typed error: `TargetUnreachableError`
 * (retryable) or a non-retryable `StepFailedError` (see `RDS_ERRORS`), with `details` added
 * (`changedNothing` for a call before the first write). The SDK's message is dropped: the request
 * carries `AccountPassword`.
 */
export function rdsError(error: unknown, action: string, instanceId: string, details: RotakitErrorDetails): RotakitError {
  const facts = alibabaErrorFacts(error);
  return errorOfKind(rdsKind(facts), `RDS ${action} on ${instanceId} failed: ${describeFacts(facts)}`, { ...causeOf(facts), ...details });
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
function statusInMessage(message: string): number | undefined {
  const match = /code: (\d{3}),/.exec(message);
  return match ? Number(match[1]) : undefined;
}
