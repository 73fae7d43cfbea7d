// awsError's table, row by row, on errors shaped as the AWS SDK v3 throws them (name, message,
// $fault, $metadata); the store and handler tests reach the same rows through the emulator.
import { describe, expect, it } from 'vitest';
import { awsError, type AwsCallContext } from '../src/index.js';

/** An error as the SDK builds one from a service's answer, or (without a status) from a failed connection. */
function sdkError(name: string, message: string, status?: number, code?: string): Error {
  return Object.assign(new Error(message), {
    name,
    ...(code === undefined ? {} : { code }),
    $fault: status !== undefined && status >= 500 ? 'server' : 'client',
    $metadata: { attempts: 3, ...(status === undefined ? {} : { httpStatusCode: status }) },
  });
}

const call: AwsCallContext = { service: 'Secrets Manager', operation: 'GetSecretValue', subject: 'app/db' };

describe('awsError', () => {
  it.each([
    ['ResourceNotFoundException', 400, 'SecretNotFound', false],
    ['DBInstanceNotFoundFault', 404, 'SecretNotFound', false],
    ['AccessDeniedException', 400, 'StoreAccessDenied', false],
    ['ExpiredTokenException', 400, 'StoreAccessDenied', false],
    ['ThrottlingException', 400, 'StoreUnavailable', true],
    ['InternalServiceError', 500, 'StoreUnavailable', true],
    ['ValidationException', 400, 'InvalidOptions', false],
    ['LimitExceededException', 400, 'StepFailed', false],
  ] as const)('%s (HTTP %i) → %s', (name, status, code, retryable) => {
    const error = awsError(sdkError(name, 'the service says no', status), call);
    expect(error).toMatchObject({ code, retryable });
    expect(error.message).toBe(`Secrets Manager GetSecretValue on app/db failed with ${name}: the service says no`);
  });

  it('a connection that failed or timed out is StoreUnavailable, said to have had no answer', () => {
    for (const error of [sdkError('TimeoutError', 'socket hang up', undefined, 'ECONNRESET'), sdkError('Error', 'connect ECONNREFUSED', undefined, 'ECONNREFUSED')]) {
      const mapped = awsError(error, call);
      expect(mapped).toMatchObject({ code: 'StoreUnavailable', retryable: true });
      expect(mapped.message).toContain('(no answer from the service)');
    }
  });

  it('"a previous rotation isn\'t complete" is RotationInProgress; another InvalidRequestException is not', () => {
    const busy = sdkError('InvalidRequestException', "A previous rotation isn't complete. That rotation will be reattempted.", 400);
    expect(awsError(busy, call)).toMatchObject({ code: 'RotationInProgress' });
    expect(awsError(sdkError('InvalidRequestException', 'You can’t perform this operation on the secret', 400), call)).toMatchObject({ code: 'StepFailed' });
  });

  it('bad input names the option; a stage move\'s InvalidParameterException is a failed step, not a bad option', () => {
    const refused = sdkError('InvalidParameterException', 'the label is not on that version', 400);
    expect(awsError(refused, { ...call, field: 'name' })).toMatchObject({ code: 'InvalidOptions', field: 'name' });
    expect(awsError(refused, call)).toMatchObject({ code: 'InvalidOptions', field: 'secretId' });
    expect(awsError(refused, { ...call, operation: 'UpdateSecretVersionStage', stageMove: true })).toMatchObject({ code: 'StepFailed', retryable: false });
  });

  it('leaves the service\'s message out of a call that carried a secret, and attaches no cause', () => {
    const error = awsError(sdkError('ValidationException', 'SecretString "hunter2-secret" is invalid', 400), { ...call, operation: 'PutSecretValue', carriesSecret: true });
    expect(error.message).toBe('Secrets Manager PutSecretValue on app/db failed with ValidationException');
    expect(error.cause).toBeUndefined();
  });

  it('returns a rotakit error as it is', () => {
    const mine = awsError(sdkError('ResourceNotFoundException', 'gone', 400), call);
    expect(awsError(mine, { ...call, operation: 'DescribeSecret' })).toBe(mine);
  });
});
