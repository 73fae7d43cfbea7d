// RotatingLogin, the logic every rotating pool shares, on a SecretSource of the test's own (the
// port, not a cloud client) whose stage table the test changes as a rotation would: which
// credentials it answers after a refusal, how many reads a burst of refusals costs, the hold-back
// after a second refusal, and events without a password.
import { defaultSchema, isRotakitError, type Stage } from '@rotakit/core';
import { describe, expect, it } from 'vitest';
import { ROTATING_POOL_OPTION_KEYS, RotatingLogin, SecretReader, type PoolEvent, type RotatingPoolOptions, type SecretSource } from '../src/index.js';
import { fakeClock } from './helpers.js';

const valueOf = (username: string, password: string) => JSON.stringify({ username, password, host: 'db.internal' });
/** A secret of alternating users: it names its privileged secret. */
const alternatingValueOf = (username: string, password: string) =>
  JSON.stringify({ username, password, host: 'db.internal', masterSecret: 'app/db-admin' });

/** A source over a stage table the test edits, counting reads. */
function tableSource(table: Partial<Record<Stage, string>>) {
  const reads: Stage[] = [];
  const state = { down: false };
  const source: SecretSource = {
    name: 'table',
    secretId: 'app/db',
    read(stage) {
      reads.push(stage);
      if (state.down) return Promise.reject(new Error('store unreachable'));
      const value = table[stage];
      return Promise.resolve(value === undefined ? undefined : { value, versionId: `${stage}-${value.length}` });
    },
  };
  return { source, reads, table, state };
}

function loginOver(table: Partial<Record<Stage, string>>, minRefreshIntervalMs = 0, options: RotatingPoolOptions = {}) {
  const made = tableSource(table);
  const events: PoolEvent[] = [];
  const clock = fakeClock();
  const reader = new SecretReader(made.source, defaultSchema, { ttlMs: 1000, now: clock.now });
  const login = new RotatingLogin(reader, {
    ...options,
    minRefreshIntervalMs,
    now: clock.now,
    onEvent: (event) => void events.push(event),
  });
  return { ...made, login, events, clock, reader };
}

describe('RotatingLogin', () => {
  it('names its option keys', () => {
    expect(ROTATING_POOL_OPTION_KEYS).toEqual(['minRefreshIntervalMs', 'strategy', 'onEvent', 'now']);
  });

  it('alternating users (told by the secret): after a refusal the new current, one read for ten refusals of the same generation', async () => {
    const { login, reads, table, events } = loginOver({ current: alternatingValueOf('app', 'first-password-1') });
    const first = await login.login();
    expect(first).toMatchObject({ generation: 1, stage: 'current', credentials: { username: 'app' } });
    expect(login.strategyOf(first)).toBe('alternating-users');
    table.pending = alternatingValueOf('app', 'third-password-3');
    table.current = alternatingValueOf('app_clone', 'second-password-2');
    reads.length = 0;
    const next = await Promise.all(Array.from({ length: 10 }, () => login.refused(first)));
    expect(new Set(next.map((answer) => answer.generation))).toEqual(new Set([2]));
    expect(next[0]?.credentials.username).toBe('app_clone');
    expect(reads).toEqual(['current']);
    expect(login.refreshes).toBe(1);
    expect(login.refreshReads).toBe(1);
    expect(events).toEqual([{ type: 'pool.credentials-changed', generation: 2, username: 'app_clone', stage: 'current', via: 'refused', reads: 1 }]);
    // A refusal of the old generation after the move answers the new one without a read.
    await login.refused(first);
    expect(reads).toEqual(['current']);
  });

  it('single user, in the set-to-finish window: pending at one read; after finish the pool stays on it', async () => {
    const { login, reads, table, clock, reader } = loginOver({ current: valueOf('app', 'old-password-1') });
    const first = await login.login();
    expect(login.strategyOf(first)).toBe('single-user');
    // A read of pending that answered "none" a moment ago is not reused.
    expect(await reader.pending()).toBeUndefined();
    table.pending = valueOf('app', 'new-password-2');
    reads.length = 0;
    const next = await login.refused(first);
    expect(next).toMatchObject({ generation: 2, stage: 'pending', credentials: { password: 'new-password-2' } });
    expect(reads).toEqual(['pending']);
    expect(login.refreshReads).toBe(1);
    // Finish: pending's version becomes current, same password; after the time to live nothing changes.
    table.current = table.pending;
    delete table.pending;
    clock.advance(1500);
    expect(await login.login()).toBe(next);
    expect(login.generation).toBe(2);
  });

  it('single user, refused after finish (pending gone): pending, then current; counted as two reads', async () => {
    const { login, reads, table, events } = loginOver({ current: valueOf('app', 'old-password-1') });
    const first = await login.login();
    table.current = valueOf('app', 'new-password-2');
    reads.length = 0;
    const next = await login.refused(first);
    expect(next).toMatchObject({ generation: 2, stage: 'current', credentials: { password: 'new-password-2' } });
    expect(reads).toEqual(['pending', 'current']);
    expect([login.refreshes, login.refreshReads]).toEqual([1, 2]);
    expect(events).toEqual([{ type: 'pool.credentials-changed', generation: 2, username: 'app', stage: 'current', via: 'refused', reads: 2 }]);
  });

  it('the strategy option overrides what the secret tells, and is checked', async () => {
    const { login, reads, table } = loginOver({ current: alternatingValueOf('app', 'old-password-1') }, 0, { strategy: 'single-user' });
    const first = await login.login();
    expect(login.strategyOf(first)).toBe('single-user');
    table.pending = alternatingValueOf('app', 'new-password-2');
    reads.length = 0;
    await login.refused(first);
    expect(reads).toEqual(['pending']);
    const { source } = tableSource({});
    const reader = new SecretReader(source, defaultSchema);
    expect(() => new RotatingLogin(reader, { strategy: 'both' as 'single-user' })).toThrow(
      expect.objectContaining({ code: 'InvalidOptions', field: 'strategy' }) as Error,
    );
  });

  it('refused again with nothing else in the secret: TargetAuthFailed without a password, then logins held back for the interval', async () => {
    const { login, table, events, clock, reads } = loginOver({ current: valueOf('app', 'wrong-password-1') }, 5000);
    const first = await login.login();
    const error = await login.refused(first, new Error('Access denied for wrong-password-1')).catch((caught: unknown) => caught);
    expect(isRotakitError(error, 'TargetAuthFailed')).toBe(true);
    expect(String((error as Error).message)).not.toContain('wrong-password-1');
    expect(String((error as Error).message)).toContain('app');
    await expect(login.login()).rejects.toMatchObject({ code: 'TargetAuthFailed' });
    const readsHeld = reads.length;
    await expect(login.refused(first)).rejects.toMatchObject({ code: 'TargetAuthFailed' });
    expect(reads.length).toBe(readsHeld);
    expect(events.map((event) => event.type)).toEqual(['pool.auth-failed']);
    expect(JSON.stringify(events)).not.toContain('wrong-password-1');
    // The interval (and the reader's time to live) passes and the secret holds a good value again.
    clock.advance(5000);
    table.current = valueOf('app', 'right-password-2');
    await expect(login.login()).resolves.toMatchObject({ generation: 2, credentials: { password: 'right-password-2' } });
    await expect(login.refused(first)).resolves.toMatchObject({ generation: 2 });
  });

  it('peek answers the login of the moment only while the reader was asked within a second and logins are not held back', async () => {
    const { login, clock, table } = loginOver({ current: valueOf('app', 'wrong-password-1') }, 5000);
    expect(login.peek()).toBeUndefined();
    const first = await login.login();
    expect(login.peek()).toBe(first);
    clock.advance(999);
    expect(login.peek()).toBe(first);
    clock.advance(1);
    expect(login.peek()).toBeUndefined();
    expect(await login.login()).toBe(first);
    expect(login.peek()).toBe(first);
    // Refused with nothing else in the secret: held back, so peek sends callers to run, which says why.
    await expect(login.refused(first)).rejects.toMatchObject({ code: 'TargetAuthFailed' });
    expect(login.peek()).toBeUndefined();
    table.current = valueOf('app', 'right-password-2');
    clock.advance(5000);
    const next = await login.login();
    expect(login.peek()).toBe(next);
  });

  it('keeps the credentials in use when the store cannot be read after the time to live; fails when it never could', async () => {
    const { login, state, clock, reads } = loginOver({ current: valueOf('app', 'kept-password-1') });
    await login.login();
    state.down = true;
    clock.advance(1000);
    await expect(login.login()).resolves.toMatchObject({ generation: 1, credentials: { password: 'kept-password-1' } });
    expect(reads).toEqual(['current', 'current']);
    const fresh = loginOver({ current: valueOf('app', 'never-read-1') });
    fresh.state.down = true;
    await expect(fresh.login.login()).rejects.toMatchObject({ code: 'StoreUnavailable' });
  });

  it('run retries only refusals, and gives up after rounds of refused versions', async () => {
    const { login, table } = loginOver({ current: valueOf('app', 'password-0') });
    let calls = 0;
    await expect(
      login.run((_login, fail) => {
        calls += 1;
        return Promise.reject(new Error('syntax error')).catch(fail);
      }, () => false),
    ).rejects.toThrow('syntax error');
    expect(calls).toBe(1);
    let version = 0;
    const refusal = Object.assign(new Error('refused'), { refused: true });
    const outcome = await login
      .run((_login, fail) => {
        version += 1;
        table.current = valueOf('app', `password-${version}`);
        return Promise.reject(refusal).catch(fail);
      }, (error) => (error as { refused?: boolean }).refused === true)
      .catch((caught: unknown) => caught);
    expect(isRotakitError(outcome, 'TargetAuthFailed')).toBe(true);
    expect(version).toBe(8);
  });
});
