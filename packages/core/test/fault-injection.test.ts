import { describe, expect, it } from 'vitest';
import { isRotakitError, rotate, type SecretStore, type Target } from '@rotakit/core';
import { rotationFixture, SECRET_ID, valueAt } from './helpers.js';

/**
 * Counts every call made on a store or target (and on the sessions they open) and throws once:
 * `before` call `failAt` runs, or `after` the first call from `failAt` on that succeeded (a crash
 * after the effect, before the caller learns of it).
 */
class CallInjector {
  calls: string[] = [];
  #fired = false;
  constructor(
    private readonly failAt: number | undefined,
    private readonly mode: 'before' | 'after',
  ) {}

  wrap<T extends object>(object: T, name: string): T {
    return new Proxy(object, {
      get: (target, property, receiver) => {
        const value = Reflect.get(target, property, receiver) as unknown;
        if (typeof value !== 'function') return value;
        return async (...args: unknown[]) => {
          this.calls.push(`${name}.${String(property)}`);
          const due = !this.#fired && this.failAt !== undefined && this.calls.length >= this.failAt;
          if (due && this.mode === 'before') {
            this.#fired = true;
            throw new Error(`injected failure before ${name}.${String(property)}`);
          }
          const result = (await (value as (...a: unknown[]) => unknown).apply(target, args)) as unknown;
          if (due) {
            this.#fired = true;
            throw new Error(`injected failure after ${name}.${String(property)}`);
          }
          return result !== null && typeof result === 'object' ? this.wrap(result, `${name}Session`) : result;
        };
      },
    });
  }
}

describe.each(['single', 'alternating'] as const)('%s-user rotation under injected failures', (kind) => {
  const token = 'resumable-token';

  function instrumented(failAt: number | undefined, mode: 'before' | 'after') {
    const fixture = rotationFixture(kind);
    const injector = new CallInjector(failAt, mode);
    const store = injector.wrap(fixture.store, 'store') as SecretStore;
    const target = injector.wrap(fixture.target, 'target') as Target;
    return { ...fixture, injector, options: { ...fixture.options, store, target }, fixtureOptions: () => fixture.options };
  }

  const clean = instrumented(undefined, 'before');
  const reference = { calls: 0, usernames: [] as (string | undefined)[] };

  it('counts the calls of an uninterrupted rotation', async () => {
    await rotate({ ...clean.options, secretId: SECRET_ID, token });
    reference.calls = clean.injector.calls.length;
    reference.usernames = [valueAt(clean.store, 'current')?.username, valueAt(clean.store, 'previous')?.username];
    expect(reference.calls).toBeGreaterThan(10);
    expect(new Set(clean.injector.calls)).toContain(kind === 'single' ? 'targetSession.setOwnPassword' : 'targetSession.syncUser');
  });

  for (const mode of ['before', 'after'] as const) {
    it(`resumes to the same final state after a throw ${mode} every call`, async () => {
      for (let failAt = 1; failAt <= reference.calls; failAt += 1) {
        const run = instrumented(failAt, mode);
        const originalVersion = run.store.stages(SECRET_ID).current;
        const original = valueAt(run.store, 'current')!;
        const error = await rotate({ ...run.options, secretId: SECRET_ID, token }).catch((e: unknown) => e);
        expect(isRotakitError(error), `call ${failAt} (${run.injector.calls.at(-1)}) must fail typed`).toBe(true);

        const resumed = await rotate({ ...run.fixtureOptions(), secretId: SECRET_ID, token });
        expect(resumed.token).toBe(token);
        expect(run.store.stages(SECRET_ID)).toEqual({ current: token, previous: originalVersion });
        const current = valueAt(run.store, 'current')!;
        const previous = valueAt(run.store, 'previous')!;
        expect(previous).toEqual(original);
        expect([current.username, previous.username]).toEqual(reference.usernames);
        expect(run.target.accepts(current.username, current.password), `login after failure at call ${failAt}`).toBe(true);
        if (kind === 'alternating') expect(run.target.accepts(previous.username, previous.password)).toBe(true);
      }
    });
  }
});
