import {
  errorClassifier,
  errorFacts,
  errorOfKind,
  isRotakitError,
  NETWORK_ERROR_CODES,
  RotationInProgressError,
  type ErrorTable,
  type RotakitError,
} from '@rotakit/core';

/**
 * How AWS's answers map to core's errors; the first row that matches wins, `failed` (StepFailed)
 * otherwise. Throttling, 5xx and no answer at all are what the SDK's own retries gave up on.
 */
const AWS_ERRORS: ErrorTable = [
  ['notFound', ['ResourceNotFoundException', 'DBClusterNotFoundFault', 'DBInstanceNotFound', 'DBInstanceNotFoundFault']],
  [
    'accessDenied',
    [
      'AccessDenied',
      'AccessDeniedException',
      'UnrecognizedClientException',
      'InvalidSignatureException',
      'SignatureDoesNotMatch',
      'ExpiredTokenException',
      'InvalidClientTokenId',
    ],
  ],
  ['inProgress', ({ code, message }) => code === 'InvalidRequestException' && /previous rotation isn't complete/i.test(message)],
  ['unavailable', ['Throttling', 'ThrottlingException', 'TooManyRequestsException', 'RequestLimitExceeded', 'Throttled', 'SlowDown']],
  // The SDK's HTTP layer names a connection that failed or timed out by its code, or `TimeoutError`.
  ['unavailable', [...NETWORK_ERROR_CODES, 'TimeoutError']],
  ['unavailable', ({ status }) => status !== undefined && status >= 500],
  ['invalidOptions', ['ValidationException', 'InvalidParameterException', 'InvalidParameterValueException', 'InvalidParameterCombination']],
];

/**
 * A stage move's InvalidParameterException says the label is not where the call assumed: no bad
 * option, so a refusal that no rival's move explains is a failed step.
 */
const STAGE_MOVE_ERRORS: ErrorTable = [['failed', ['InvalidParameterException']], ...AWS_ERRORS];

const classify = errorClassifier(AWS_ERRORS);
const classifyStageMove = errorClassifier(STAGE_MOVE_ERRORS);

/** The codes with which Secrets Manager refuses a stage move whose label is not where the call said. */
const STAGE_MOVE_REFUSALS = ['InvalidParameterException', 'InvalidRequestException'];

/** How a failed AWS call is described: the service, the operation, and the input member at fault. */
export interface AwsCallContext {
  readonly service: 'Secrets Manager' | 'RDS' | 'Lambda' | 'IAM';
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
  const facts = errorFacts(error);
  const kind = (context.stageMove ? classifyStageMove : classify)(facts);
  const code = facts.code === '' ? 'Error' : facts.code;
  const serviceMessage = facts.message !== '' && !context.carriesSecret ? `: ${facts.message}` : '';
  const unanswered = kind === 'unavailable' && facts.status === undefined ? ' (no answer from the service)' : '';
  const message = `${context.service} ${context.operation} on ${context.subject} failed with ${code}${unanswered}${serviceMessage}`;
  return errorOfKind(kind, message, kind === 'invalidOptions' ? { field: context.field ?? 'secretId' } : {});
}

/** Whether an SDK error is the service's not-found answer. */
export function isAwsNotFound(error: unknown): boolean {
  return classify(errorFacts(error)) === 'notFound';
}

/**
 * Whether an SDK error is Secrets Manager refusing a stage move because the label is not where
 * the call said: on another version than `RemoveFromVersionId` named (or none was named), or
 * already gone from it. A rival's move is the usual cause; a DescribeSecret tells which.
 */
export function isStageMoveRefusal(error: unknown): boolean {
  return STAGE_MOVE_REFUSALS.includes(errorFacts(error).code);
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
  return errorFacts(error).code === code;
}

/** Runs one AWS call and converts its failure with `awsError`. */
export async function awsCall<T>(context: AwsCallContext, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw awsError(error, context);
  }
}
