import { expect } from 'vitest';

/** Every error a test caught from the target, for the final no-secret scan. */
export const caughtErrors: unknown[] = [];

/** Awaits `promise`, expecting it to fail; records and returns the error. */
export async function failure(promise: Promise<unknown>): Promise<unknown> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, 'expected a failure').toBeDefined();
  caughtErrors.push(error);
  return error;
}

/** Every message, stack and cause of `error`, joined. */
function errorText(error: unknown, depth = 0): string {
  if (!(error instanceof Error) || depth > 5) return String(error);
  return [error.message, error.stack ?? '', errorText(error.cause, depth + 1)].join('\n');
}

/** Asserts that no recorded error mentions any of `passwords`. */
export function expectNoSecretInErrors(passwords: readonly string[]): void {
  expect(caughtErrors.length).toBeGreaterThan(0);
  for (const error of caughtErrors) {
    const text = errorText(error);
    for (const password of passwords) expect(text.includes(password), 'a password leaked into an error').toBe(false);
  }
}
