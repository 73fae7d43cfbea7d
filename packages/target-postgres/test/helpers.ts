import { isRotakitError, type Login, type RotakitErrorCode, type TlsMode } from '@rotakit/core';
import type { PostgresFixture } from '@rotakit/testkit';
import { expect } from 'vitest';
import type { PostgresTarget } from '@rotakit/target-postgres';

/** Every error the target threw in a test file, for the final no-password scan. */
export const thrown: unknown[] = [];

/** A login on the fixture's server. */
export function loginOn(server: PostgresFixture, username: string, password: string, tls: TlsMode = 'disable'): Login {
  return { username, password, host: server.host, port: server.port, database: server.database, tls };
}

/** Connects and closes at once; rejects with the target's error (also recorded in `thrown`). */
export async function logsIn(target: PostgresTarget, login: Login): Promise<void> {
  try {
    const session = await target.connect(login);
    await session.ping();
    await session.close();
  } catch (error) {
    thrown.push(error);
    throw error;
  }
}

/** Asserts that `action` fails with a rotakit error of `code`, and returns it. */
export async function failsWith(action: Promise<unknown>, code: RotakitErrorCode): Promise<Error> {
  const error = await action.then(
    () => undefined,
    (e: unknown) => e,
  );
  thrown.push(error);
  expect(isRotakitError(error, code), `expected ${code}, got ${String(error)}`).toBe(true);
  return error as Error;
}

/** Asserts that no recorded error mentions any of `passwords`, in its message, stack or cause chain. */
export function expectNoPasswordIn(errors: readonly unknown[], passwords: readonly string[]): void {
  for (const error of errors) {
    let current: unknown = error;
    while (current instanceof Error) {
      for (const password of passwords) {
        expect(current.message).not.toContain(password);
        expect(current.stack ?? '').not.toContain(password);
      }
      current = current.cause;
    }
  }
}
