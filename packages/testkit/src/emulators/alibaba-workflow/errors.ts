import { KmsError } from '../alibaba/errors.js';

/**
 * The Serverless Workflow API errors the emulator answers. The statuses and messages are the
 * emulator's best knowledge: Alibaba's API pages list the codes without a body sample.
 */
export const WORKFLOW_ERRORS = {
  InvalidArgument: { status: 400, message: 'The specified argument is invalid.' },
  FlowNotExists: { status: 404, message: 'The specified flow does not exist.' },
  FlowAlreadyExists: { status: 409, message: 'The specified flow already exists.' },
  ExecutionNotExists: { status: 404, message: 'The specified execution does not exist.' },
  ExecutionAlreadyExists: { status: 409, message: 'The specified execution already exists.' },
  Throttled: { status: 429, message: 'The request was throttled.' },
  InternalServerError: { status: 500, message: 'An internal server error occurred.' },
  // The API gateway's own answers, as the KMS emulator gives them.
  'InvalidAction.NotFound': { status: 404, message: 'Specified api is not found, please check your url and method.' },
  InvalidVersion: { status: 400, message: 'Specified parameter Version is not valid.' },
} as const satisfies Record<string, { status: number; message: string }>;

/** A code of {@link WORKFLOW_ERRORS}. */
export type WorkflowErrorCode = keyof typeof WORKFLOW_ERRORS;

/** The workflow error `code`; `detail` replaces the generic message (it must not carry a secret). */
export function workflowError(code: WorkflowErrorCode, detail?: string): KmsError {
  const { status, message } = WORKFLOW_ERRORS[code];
  return new KmsError(code, status, detail ?? message);
}

/**
 * What an in-process function throws to fail its task with a given error type instead of
 * `FC.Unhandled`: e.g. `new WorkflowTaskError('FC.ResourceThrottled')` plays Function Compute's
 * throttling, which a flow's retry policy can match.
 */
export class WorkflowTaskError extends Error {
  /** The error type retry and catch policies match, e.g. `FC.ResourceThrottled`. */
  readonly errorType: string;

  constructor(errorType: string, message = errorType) {
    super(message);
    this.name = 'WorkflowTaskError';
    this.errorType = errorType;
  }
}
