// SecretReader on a SecretSource of the test's own (the port, not a cloud client): what it caches,
// shares and refuses, and that no value it read reaches an error.
import { defaultSchema, InvalidOptionsError, type Stage } from '@rotakit/core';
import { describe, expect, it } from 'vitest';
import { SecretReader, type SecretSource, type SourcedValue } from '../src/index.js';

const SECRET_PASSWORD = 'very-secret-password-9';
const valueOf = (password: string) => JSON.stringify({ username: 'app', password, host: 'db.internal' });

/** A source over a stage table, counting reads per stage; `release` lets held reads finish. */
function tableSource(table: Partial<Record<Stage, string>>) {
  const reads: Stage[] = [];
  let failure: Error | undefined;
  let held: (() => void)[] | undefined;
  const source: SecretSource = {
    name: 'table',
    secretId: 'app/db',
    async read(stage): Promise<SourcedValue | undefined> {
      reads.push(stage);
      if (held) await new Promise<void>((resolve) => held?.push(resolve));
      if (failure) throw failure;
      const value = table[stage];
      return value === undefined ? undefined : { value, versionId: `${stage}-version` };
    },
  };
  return {
    source,
    reads,
    fail: (error: Error | undefined) => (failure = error),
    hold: () => (held = []),
    release: () => {
      const waiting = held ?? [];
      held = undefined;
      for (const resolve of waiting) resolve();
    },
  };
}

describe('SecretReader', () => {
  it('with ttlMs 0 reads on every call, still one read for callers that ask together', async () => {
    const table = tableSource({ current: valueOf('one-password-1') });
    const reader = new SecretReader(table.source, defaultSchema, { ttlMs: 0 });
    await Promise.all([reader.current(), reader.current()]);
    await reader.current();
    expect(table.reads).toEqual(['current', 'current']);
  });

  it('a refresh joins a read of current already on its way', async () => {
    const table = tableSource({ current: valueOf('one-password-1') });
    const reader = new SecretReader(table.source, defaultSchema);
    table.hold();
    const pending = [reader.current(), reader.refresh(), reader.refresh()];
    table.release();
    await Promise.all(pending);
    expect(table.reads).toEqual(['current']);
  });

  it('does not cache a failure, and a previous read begun before a refresh is not kept after it', async () => {
    const table = tableSource({ current: valueOf('one-password-1'), previous: valueOf('old-password-1') });
    const reader = new SecretReader(table.source, defaultSchema);
    table.fail(new Error('connection reset'));
    await expect(reader.current()).rejects.toMatchObject({ code: 'StoreUnavailable', retryable: true });
    table.fail(undefined);
    expect((await reader.current()).credentials.password).toBe('one-password-1');
    table.hold();
    const previous = reader.previous();
    const refreshed = reader.refresh();
    table.release();
    await Promise.all([previous, refreshed]);
    await reader.previous();
    expect(table.reads.filter((stage) => stage === 'previous')).toHaveLength(2);
  });

  it('keeps every value it read out of the errors it throws', async () => {
    const table = tableSource({ current: valueOf(SECRET_PASSWORD) });
    const reader = new SecretReader(table.source, defaultSchema, { ttlMs: 0 });
    await reader.current();
    // A source whose error quotes the value (as a driver's or a proxy's text might).
    table.fail(new Error(`upstream said ${valueOf(SECRET_PASSWORD)}`));
    const error = (await reader.current().catch((caught: unknown) => caught)) as Error;
    expect(error).toMatchObject({ code: 'StoreUnavailable' });
    expect(`${error.message}\n${error.stack}\n${JSON.stringify(error)}`).not.toContain(SECRET_PASSWORD);
  });

  it('a value the schema refuses is InvalidSecretValueError without the value', async () => {
    const reader = new SecretReader(tableSource({ current: `{"password":"${SECRET_PASSWORD}"}` }).source, defaultSchema);
    const error = (await reader.current().catch((caught: unknown) => caught)) as Error;
    expect(error).toMatchObject({ code: 'InvalidSecretValue' });
    expect(`${error.message}\n${error.stack}`).not.toContain(SECRET_PASSWORD);
  });

  it('refreshPending reads pending at once, past a cached "none", and caches what it read', async () => {
    const table: Partial<Record<Stage, string>> = { current: valueOf(SECRET_PASSWORD) };
    const { source, reads } = tableSource(table);
    const reader = new SecretReader(source, defaultSchema, { ttlMs: 60_000 });
    expect(await reader.pending()).toBeUndefined();
    table.pending = valueOf('next-password-2');
    expect(await reader.pending()).toBeUndefined();
    const [fresh, shared] = await Promise.all([reader.refreshPending(), reader.refreshPending()]);
    expect(fresh?.credentials.password).toBe('next-password-2');
    expect(shared).toBe(fresh);
    expect(await reader.pending()).toBe(fresh);
    expect(reads).toEqual(['pending', 'pending']);
  });

  it('current without a version is SecretNotFoundError; previous and pending are undefined', async () => {
    const reader = new SecretReader(tableSource({}).source, defaultSchema);
    await expect(reader.current()).rejects.toMatchObject({ code: 'SecretNotFound' });
    expect(await reader.previous()).toBeUndefined();
    expect(await reader.pending()).toBeUndefined();
  });

  it('refuses unknown or invalid options, naming the field', () => {
    const build = (options: object) => () => new SecretReader(tableSource({}).source, defaultSchema, options as never);
    expect(build({ cacheTtl: 1 })).toThrow(InvalidOptionsError);
    expect(build({ cacheTtl: 1 })).toThrow(expect.objectContaining({ field: 'cacheTtl' }));
    expect(build({ ttlMs: 86_400_001 })).toThrow(expect.objectContaining({ field: 'ttlMs' }));
    expect(build({ ttlMs: 1.5 })).toThrow(expect.objectContaining({ field: 'ttlMs' }));
    expect(build({ schema: {} })).toThrow(expect.objectContaining({ field: 'schema' }));
  });
});
