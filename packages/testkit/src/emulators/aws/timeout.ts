import { randomUUID } from 'node:crypto';
import { optionChecks } from '@rotakit/core';

/** Lambda's default function timeout: 3 seconds. */
export const LAMBDA_DEFAULT_TIMEOUT_MS = 3_000;
/** Lambda's longest timeout: 900 seconds. */
const LAMBDA_MAX_TIMEOUT_MS = 900_000;

/** A `timeoutMs` option: an integer from 1 to 900,000; absent is Lambda's default. */
export function readTimeoutMs(value: unknown): number {
  return optionChecks('the AWS emulator').integerIn(value, 'timeoutMs', {
    min: 1,
    max: LAMBDA_MAX_TIMEOUT_MS,
    fallback: LAMBDA_DEFAULT_TIMEOUT_MS,
  });
}

/**
 * The payload Lambda answers a timed-out invocation with (HTTP 200, `X-Amz-Function-Error:
 * Unhandled`): the time, the request id and the configured timeout in seconds.
 */
export function timeoutPayload(timeoutMs: number): { errorMessage: string } {
  return {
    errorMessage: `${new Date().toISOString()} ${randomUUID()} Task timed out after ${(timeoutMs / 1000).toFixed(2)} seconds`,
  };
}

/** An invocation Lambda stopped at its timeout; `payload` is what Lambda answers for it. */
export class LambdaTimeoutError extends Error {
  readonly payload: { errorMessage: string };

  constructor(timeoutMs: number) {
    const payload = timeoutPayload(timeoutMs);
    super(`Unhandled: ${payload.errorMessage}`);
    this.name = 'LambdaTimeoutError';
    this.payload = payload;
  }
}

/**
 * Runs one invocation under Lambda's timeout. At the timeout the invocation is a function error
 * with Lambda's message, and `signal` aborts whatever the invocation waits on (an HTTP call);
 * in-process code cannot be stopped, so its promise is left to settle unobserved.
 */
export async function lambdaTimeout<T>(timeoutMs: number, invocation: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      // Rejected before aborting, so the race reports the timeout, not the aborted call.
      reject(new LambdaTimeoutError(timeoutMs));
      controller.abort();
    }, timeoutMs);
    // A stopped emulator's process must not wait for a pending timeout.
    timer.unref();
  });
  const running = invocation(controller.signal);
  // The abandoned invocation's own failure must not surface as an unhandled rejection.
  running.catch(() => undefined);
  try {
    return await Promise.race([running, timedOut]);
  } finally {
    clearTimeout(timer);
  }
}
