import { isAxiosError } from 'axios';
import {
  InvalidOptionsError,
  StoreAccessDeniedError,
  PendingMismatchError,
  RotationTokenInvalidError,
  SecretNotFoundError,
  StepFailedError,
  StoreUnavailableError,
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
  | 'getSecretValue';

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

const AUTH_CODES = new Set(['200', '210', '230', 'UNAUTHORIZED', 'FORBIDDEN']);
const GATEWAY_NOT_FOUND = '300';

/**
 * Turns whatever the HTTP call threw into one of rotakit's typed errors. The message is built
 * here from the status and the envelope's fixed fields; the transport's own message (which names
 * the URL) and the raw error are never passed on.
 */
export function toTypedError(context: RequestContext, error: unknown): RotakitError {
  const what = describe(context);
  if (!isAxiosError(error)) return new StepFailedError(`${what} failed unexpectedly`, false);
  const response = error.response;
  if (!response) {
    const code = typeof error.code === 'string' ? ` (${error.code})` : '';
    return new StoreUnavailableError(`${what} could not reach Secret Manager${code}`);
  }
  const status = response.status;
  const body = errorBodyOf(response.data);
  const summary = body
    ? `HTTP ${status} ${body.errorCode} ${body.message}${body.details && !context.secretBody ? `: ${body.details}` : ''}`
    : `HTTP ${status}`;
  const message = `${what} was refused: ${summary}`;
  if (status === 401 || status === 403 || (body && AUTH_CODES.has(body.errorCode))) {
    return new NcloudAuthenticationError(
      `${message} (check the access key and secret key, the sub-account's Secret Manager role, and the clock)`,
      status,
      body?.errorCode ?? String(status),
    );
  }
  if (status === 429 || status >= 500) return new StoreUnavailableError(`${message}, after retries`);
  if (status === 404 && body?.errorCode === GATEWAY_NOT_FOUND) {
    return new InvalidOptionsError(`${message} (the endpoint serves no such URL)`, { field: 'endpoint' });
  }
  if (status === 404) return new SecretNotFoundError(message);
  if (status === 422 && context.operation === 'updatePendingStage') return new PendingMismatchError(message);
  if (status === 422 && context.jobToken !== undefined) return new RotationTokenInvalidError(message);
  return new StepFailedError(message, false);
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
