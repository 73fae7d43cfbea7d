import { expect } from 'vitest';
import type { ReadCredentials, SecretReader } from '../src/index.js';

/** A clock the tests move by hand, for a reader's `now` option. */
export function fakeClock(): { now: () => number; advance: (ms: number) => void } {
  let now = 1_000_000;
  return { now: () => now, advance: (ms: number) => void (now += ms) };
}

/**
 * The reader's caching promise, counted by the emulator's `reads()`: ten concurrent callers make
 * one read, none within the time to live, one when it has passed, and one for two refreshes made
 * together. The reader must be fresh, on `clock`, and `reads()` at zero.
 */
export async function expectCachedReads(
  reader: SecretReader,
  { clock, ttlMs, reads, password }: { clock: ReturnType<typeof fakeClock>; ttlMs: number; reads: () => number; password: string },
): Promise<void> {
  const answers = await Promise.all(Array.from({ length: 10 }, () => reader.current()));
  expect(answers.every((read) => read.credentials.password === password && read.credentials.username === 'app')).toBe(true);
  expect(reads()).toBe(1);
  clock.advance(ttlMs - 1);
  await reader.current();
  expect(reads()).toBe(1);
  clock.advance(1);
  await reader.current();
  expect(reads()).toBe(2);
  await Promise.all([reader.refresh(), reader.refresh()]);
  expect(reads()).toBe(3);
}

/** `refreshFirst`'s `differs` for a refused login: credentials whose password is not `refused`'s. */
export function otherThan(refused: ReadCredentials): (read: ReadCredentials) => boolean {
  return (read) => read.credentials.password !== refused.credentials.password;
}
