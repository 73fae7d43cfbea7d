import { isAxiosError, type AxiosError } from 'axios';
import {
  errorClassifier,
  errorFacts,
  errorOfKind,
  PendingMismatchError,
  RotationTokenInvalidError,
  StepFailedError,
  StoreAccessDeniedError,
  type ErrorFacts,
  type ErrorTable,
  type RotakitError,
  type RotakitErrorDetails,
} from '@rotakit/core';

/** The Secret Manager operations the client calls, by their API reference names. */
export type NcloudOperation =
  | 'startRotationJob'
  | 'updatePendingStage'
  | 'generateRandomSecret'
  | 'completeRotationJob'
  | 'failRotationJob'
  | 'getSecretValue'
  | 'getSecretChain'
  | 'getSecret'
  | 'executeRotation'
  | 'updateSecretValue';

/** The error member of both the API Gateway's and Secret Manager's error envelopes. */
export interface NcloudErrorBody {
  readonly errorCode: string;
  readonly message: string;
  readonly details?: string;
}

/**
 * The API Gateway (or the service) refused the caller: wrong access or secret key, a timestamp
 * more than five minutes from the gateway's clock, a signature over another path, or a
 * sub-account without Secret Manager permissions. Not retryable: nothing changes by trying again.
 */
export class NcloudAuthenticationError extends StoreAccessDeniedError {
  /** The HTTP status (401 or 403). */
  readonly status: number;
  /** The envelope's errorCode: the gateway's `200`, `210`, `230`, or the service's `UNAUTHORIZED` / `FORBIDDEN`. */
  readonly errorCode: string;

  constructor(message: string, status: number, errorCode: string, details?: RotakitErrorDetails) {
    super(message, { field: 'accessKey', ...details });
    this.status = status;
    this.errorCode = errorCode;
  }
}

/** What an error message may say about the request that failed. */
export interface RequestContext {
  readonly operation: NcloudOperation;
  readonly secretId: string;
  readonly jobToken?: string;
  /** The request body carried a secret value: the service's details are left out of the message. */
  readonly secretBody?: boolean;
}

/** The codes of a refused caller: the gateway's `200` (authentication failed), `210` (permission denied) and `230`, and the service's. */
const AUTH_CODES = ['200', '210', '230', 'UNAUTHORIZED', 'FORBIDDEN'];
/** The gateway's code for a URL it does not serve. */
const GATEWAY_NOT_FOUND = '300';

/**
 * Secret Manager's answers by kind, first match wins, `failed` (not retryable) for the rest, such
 * as a service 400. The facts are the HTTP status and the envelope's `errorCode`; no status means
 * no answer came. There is no in-progress row: the action never starts a job (the trigger does),
 * and the job calls answer a finished or unstarted job with 422, which {@link jobRefusal} maps.
 */
const SECRET_MANAGER_ERRORS: ErrorTable = [
  ['accessDenied', ({ status, code }) => status === 401 || status === 403 || AUTH_CODES.includes(code)],
  ['unavailable', ({ status }) => status === undefined || status === 429 || status >= 500],
  ['invalidOptions', ({ status, code }) => status === 404 && code === GATEWAY_NOT_FOUND],
  ['notFound', ({ status }) => status === 404],
];

const classify = errorClassifier(SECRET_MANAGER_ERRORS);

/**
 * Turns whatever the HTTP call threw into one of rotakit's typed errors. The message is built
 * here from the status and the envelope's fixed fields; the transport's own message (which names
 * the URL) and the raw error are never passed on.
 */
export function toTypedError(context: RequestContext, error: unknown): RotakitError {
  const what = describe(context);
  if (!isAxiosError(error)) return new StepFailedError(`${what} failed unexpectedly`, false);
  const facts = factsOf(error);
  const kind = classify(facts);
  if (facts.status === undefined) {
    return errorOfKind(kind, `${what} could not reach Secret Manager${facts.code === '' ? '' : ` (${facts.code})`}`);
  }
  const body = errorBodyOf(error.response?.data);
  const summary = body
    ? `HTTP ${facts.status} ${body.errorCode} ${body.message}${body.details && !context.secretBody ? `: ${body.details}` : ''}`
    : `HTTP ${facts.status}`;
  const message = `${what} was refused: ${summary}`;
  switch (kind) {
    case 'accessDenied':
      return new NcloudAuthenticationError(
        `${message} (check the access key and secret key, the sub-account's Secret Manager role, and the clock)`,
        facts.status,
        body?.errorCode ?? String(facts.status),
      );
    case 'unavailable':
      return errorOfKind(kind, `${message}, after retries`);
    case 'invalidOptions':
      return errorOfKind(kind, `${message} (the endpoint serves no such URL)`, { field: 'endpoint' });
    case 'failed':
      return jobRefusal(context, facts.status, message) ?? errorOfKind(kind, message);
    default:
      return errorOfKind(kind, message);
  }
}

/**
 * What classification reads of an axios error: the status of the answer, and the envelope's
 * `errorCode` as the code (the transport's code, such as `ECONNREFUSED`, when no answer came).
 * The message is the transport's, which names the URL: it is read, never shown.
 */
function factsOf(error: AxiosError): ErrorFacts {
  const facts = errorFacts(error);
  const status = error.response?.status;
  if (status === undefined) return { code: facts.code, message: facts.message };
  return { code: errorBodyOf(error.response?.data)?.errorCode ?? '', message: facts.message, status };
}

/**
 * A job call the job's state does not allow (422): core has no kind for these, which are the
 * rotation protocol's own refusals. A pending value the service refuses is a PendingMismatch;
 * any other job call names a job that finished or never started.
 */
function jobRefusal(context: RequestContext, status: number, message: string): RotakitError | undefined {
  if (status !== 422) return undefined;
  if (context.operation === 'updatePendingStage') return new PendingMismatchError(message);
  return context.jobToken === undefined ? undefined : new RotationTokenInvalidError(message);
}

function describe(context: RequestContext): string {
  const job = context.jobToken === undefined ? '' : `, job ${context.jobToken}`;
  return `${context.operation} (secret ${context.secretId}${job})`;
}

/** The `error` member of an error envelope, when the body is one. */
export function errorBodyOf(data: unknown): NcloudErrorBody | undefined {
  if (!isRecord(data) || !isRecord(data.error)) return undefined;
  const { errorCode, message, details } = data.error;
  if (typeof errorCode !== 'string' || typeof message !== 'string') return undefined;
  return typeof details === 'string' ? { errorCode, message, details } : { errorCode, message };
}

/** True for a plain JSON object. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
