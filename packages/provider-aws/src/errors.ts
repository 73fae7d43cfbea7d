import {
  InvalidOptionsError,
  isRotakitError,
  RotationInProgressError,
  SecretNotFoundError,
  StepFailedError,
  StoreAccessDeniedError,
  StoreUnavailableError,
  type RotakitError,
} from '@rotakit/core';

/** What the AWS SDK v3 puts on the errors it throws. */
interface AwsSdkError {
  name?: unknown;
  message?: unknown;
  $fault?: unknown;
  $metadata?: { httpStatusCode?: unknown };
}

const THROTTLING = /^(Throttling|ThrottlingException|TooManyRequestsException|RequestLimitExceeded|Throttled|SlowDown)$/;
const NOT_FOUND = /^(ResourceNotFoundException|DBClusterNotFoundFault|DBInstanceNotFound(Fault)?)$/;
const BAD_INPUT = /^(ValidationException|InvalidParameterException|InvalidParameterValueException|InvalidParameterCombination)$/;
const ACCESS_DENIED = /^(AccessDenied|AccessDeniedException|UnrecognizedClientException|InvalidSignatureException|SignatureDoesNotMatch|ExpiredTokenException|InvalidClientTokenId)$/;
const PREVIOUS_ROTATION = /previous rotation isn't complete/i;
const STAGE_MOVE_REFUSAL = /^(InvalidParameterException|InvalidRequestException)$/;

/** How a failed AWS call is described: the service, the operation, and the input member at fault. */
export interface AwsCallContext {
  readonly service: 'Secrets Manager' | 'RDS' | 'Lambda';
  readonly operation: string;
  /** What the call was about (a secret id, a function name); never a value. */
  readonly subject: string;
  /**
   * Whether the call carried a secret value. Then the service's message is left out, since
   * validation messages may quote request parameters.
   */
  readonly carriesSecret?: boolean;
  /** The option that names the subject, for `InvalidOptionsError.field`. */
  readonly field?: string;
  /**
   * Whether the call moves or removes a staging label (UpdateSecretVersionStage). Its
   * InvalidParameterException then says the label is not where the call assumed, which is no bad
   * option: a refusal that no rival's move explains becomes `StepFailedError`, not `InvalidOptionsError`.
   */
  readonly stageMove?: boolean;
}

/**
 * Turns whatever an AWS SDK call threw into a rotakit error: not-found → SecretNotFound, refused
 * credentials or permissions → StoreAccessDenied, throttling, 5xx and network failures (after the
 * SDK's own retries) → StoreUnavailable (retryable), bad input → InvalidOptions naming the option
 * (except a stage move's refusal), the rest → StepFailed. The SDK error is never attached as the
 * cause; its message is kept only when the call carried no secret.
 */
export function awsError(error: unknown, context: AwsCallContext): RotakitError {
  if (isRotakitError(error)) return error;
  const sdk = (typeof error === 'object' && error !== null ? error : {}) as AwsSdkError;
  const code = typeof sdk.name === 'string' ? sdk.name : 'Error';
  const serviceMessage = typeof sdk.message === 'string' && !context.carriesSecret ? `: ${sdk.message}` : '';
  const what = `${context.service} ${context.operation} on ${context.subject} failed with ${code}`;
  if (NOT_FOUND.test(code)) return new SecretNotFoundError(`${what}${serviceMessage}`);
  if (ACCESS_DENIED.test(code)) return new StoreAccessDeniedError(`${what}${serviceMessage}`);
  if (code === 'InvalidRequestException' && PREVIOUS_ROTATION.test(String(sdk.message))) {
    return new RotationInProgressError(`${what}${serviceMessage}`);
  }
  const status = typeof sdk.$metadata?.httpStatusCode === 'number' ? sdk.$metadata.httpStatusCode : undefined;
  // The SDK's retry layer leaves $metadata without a status when no answer came (refused, reset, timed out).
  const unanswered = status === undefined && (sdk.$metadata !== undefined || code === 'TimeoutError');
  if (THROTTLING.test(code) || sdk.$fault === 'server' || unanswered) {
    return new StoreUnavailableError(`${what}${status === undefined ? ' (no answer from the service)' : ''}${serviceMessage}`);
  }
  if (BAD_INPUT.test(code) && !(context.stageMove && code === 'InvalidParameterException')) {
    return new InvalidOptionsError(`${what}${serviceMessage}`, { field: context.field ?? 'secretId' });
  }
  return new StepFailedError(`${what}${serviceMessage}`, false);
}

/** Whether an SDK error is the service's not-found answer. */
export function isAwsNotFound(error: unknown): boolean {
  return typeof error === 'object' && error !== null && NOT_FOUND.test(String((error as AwsSdkError).name));
}

/**
 * Whether an SDK error is Secrets Manager refusing a stage move because the label is not where
 * the call said: on another version than `RemoveFromVersionId` named (or none was named), or
 * already gone from it. A rival's move is the usual cause; a DescribeSecret tells which.
 */
export function isStageMoveRefusal(error: unknown): boolean {
  return typeof error === 'object' && error !== null && STAGE_MOVE_REFUSAL.test(String((error as AwsSdkError).name));
}

/**
 * The error for a stage move that lost a race: another rotation moved `label` first.
 * `RotationInProgressError` whose `pendingToken` is the version that holds the label now (the
 * rotation to resume, or a finished one that core then skips); nothing of this rotation was moved.
 */
export function lostStageRace(secretId: string, label: string, holder: string | undefined): RotationInProgressError {
  return new RotationInProgressError(
    `another rotation of ${secretId} moved ${label} first${holder === undefined ? '' : ` (it is on version ${holder})`}`,
    holder === undefined ? {} : { pendingToken: holder },
  );
}

/** Whether an SDK error has this code (e.g. `ResourceExistsException`). */
export function isAwsError(error: unknown, code: string): boolean {
  return typeof error === 'object' && error !== null && (error as AwsSdkError).name === code;
}

/** Runs one AWS call and converts its failure with `awsError`. */
export async function awsCall<T>(context: AwsCallContext, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw awsError(error, context);
  }
}
