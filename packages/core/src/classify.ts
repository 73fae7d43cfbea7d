import {
  InvalidOptionsError,
  RotationInProgressError,
  SecretNotFoundError,
  StepFailedError,
  StoreAccessDeniedError,
  StoreUnavailableError,
  TargetAuthFailedError,
  TargetUnreachableError,
  TlsRequiredError,
  type RotakitError,
  type RotakitErrorDetails,
} from './errors.js';

/** What classification reads of a driver's or a cloud SDK's error. */
export interface ErrorFacts {
  /** The error's code or name (`ER_ACCESS_DENIED_ERROR`, `28P01`, `ResourceNotFoundException`, `ECONNRESET`); `''` when it has none. */
  readonly code: string;
  /** Its message as the driver wrote it: it may quote a secret, so scrub it before it is shown. */
  readonly message: string;
  /** The HTTP status of the answer, for a cloud API; absent when no answer came. */
  readonly status?: number;
}

/** How a row of an error table recognises an error: by its exact codes, a pattern of its code, or a test of all its facts. */
export type FactMatch = readonly string[] | RegExp | ((facts: ErrorFacts) => boolean);

/**
 * The kinds of failure core knows, each one of its errors: `notFound` SecretNotFound, `accessDenied`
 * StoreAccessDenied, `unavailable` StoreUnavailable (retryable), `inProgress` RotationInProgress,
 * `invalidOptions` InvalidOptions, `authFailed` TargetAuthFailed, `unreachable` TargetUnreachable
 * (retryable), `tls` TlsRequired, and `failed` StepFailed (not retryable) for the rest.
 */
export type ErrorKind =
  | 'notFound'
  | 'accessDenied'
  | 'unavailable'
  | 'inProgress'
  | 'invalidOptions'
  | 'authFailed'
  | 'unreachable'
  | 'tls'
  | 'failed';

/** An adapter's classification, as data: rows tried in order, the first that matches wins, `failed` when none does. */
export type ErrorTable = ReadonlyArray<readonly [ErrorKind, FactMatch]>;

/** The facts of anything thrown: `code` (else `name`), `message`, and the HTTP status an SDK error carries. */
export function errorFacts(error: unknown): ErrorFacts {
  const record = (typeof error === 'object' && error !== null ? error : {}) as Record<string, unknown>;
  const code = typeof record['code'] === 'string' ? record['code'] : typeof record['name'] === 'string' && record['name'] !== 'Error' ? record['name'] : '';
  const message = typeof record['message'] === 'string' ? record['message'] : typeof error === 'string' ? error : '';
  const metadata = record['$metadata'] as { httpStatusCode?: unknown } | undefined;
  const status = [metadata?.httpStatusCode, record['statusCode'], record['status']].find((value) => typeof value === 'number') as number | undefined;
  return { code, message, ...(status === undefined ? {} : { status }) };
}

/** A classifier over `table`: the kind of the first row whose match accepts the facts, else `failed`. */
export function errorClassifier(table: ErrorTable): (facts: ErrorFacts) => ErrorKind {
  return (facts) => table.find(([, match]) => matches(match, facts))?.[0] ?? 'failed';
}

function matches(match: FactMatch, facts: ErrorFacts): boolean {
  if (typeof match === 'function') return match(facts);
  if (match instanceof RegExp) return match.test(facts.code);
  return match.includes(facts.code);
}

/** Core's error of `kind`, with `message` (which the adapter has already scrubbed) and `details`. */
export function errorOfKind(kind: ErrorKind, message: string, details: RotakitErrorDetails = {}): RotakitError {
  switch (kind) {
    case 'notFound':
      return new SecretNotFoundError(message, details);
    case 'accessDenied':
      return new StoreAccessDeniedError(message, details);
    case 'unavailable':
      return new StoreUnavailableError(message, details);
    case 'inProgress':
      return new RotationInProgressError(message, details);
    case 'invalidOptions':
      return new InvalidOptionsError(message, details);
    case 'authFailed':
      return new TargetAuthFailedError(message, details);
    case 'unreachable':
      return new TargetUnreachableError(message, details);
    case 'tls':
      return new TlsRequiredError(message, details);
    case 'failed':
      return new StepFailedError(message, false, details);
  }
}

/**
 * Network error codes of Node's net, dns and tls layers that mean the peer could not be reached or
 * went away: the same for every database driver and every HTTP client.
 */
export const NETWORK_ERROR_CODES: readonly string[] = [
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EHOSTDOWN',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
  'ECONNABORTED',
];
