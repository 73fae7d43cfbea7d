import { defaultSchema, MemoryTarget } from '@rotakit/core';
import { describe, expect, it } from 'vitest';
import { assertRotated, checkRotation } from '@rotakit/testkit';

const value = (username: string, password: string) => JSON.stringify({ engine: 'memory', host: 'db', username, password });
const BEFORE = value('app', 'old-password-1');

describe('checkRotation', () => {
  it('finds nothing wrong in a single-user rotation that kept its promises', async () => {
    const target = new MemoryTarget({ tls: 'disable', users: { app: { password: 'new-password-2' } } });
    const after = { current: value('app', 'new-password-2'), previous: BEFORE };
    expect(await checkRotation({ before: BEFORE, after, target, schema: defaultSchema, strategy: 'single-user' })).toEqual([]);
  });

  it('names each broken promise, and no password', async () => {
    // The database still takes the old password, and the new one is refused.
    const target = new MemoryTarget({ tls: 'disable', users: { app: { password: 'old-password-1' } } });
    const after = { current: value('app', 'new-password-2'), previous: BEFORE, pending: null };
    const findings = await checkRotation({ before: BEFORE, after, target, schema: defaultSchema, strategy: 'single-user' });
    expect(findings).toEqual([
      'a pending version is left: the rotation did not finish',
      'the current credentials (user app) do not log in',
      'single user: the previous password of app still logs in',
    ]);
    expect(findings.join('\n')).not.toMatch(/password-[12]/);
    await expect(assertRotated({ before: BEFORE, after, target, schema: defaultSchema, strategy: 'single-user' })).rejects.toThrow(
      /does not hold what it promises:\n- a pending version is left/,
    );
  });

  it('alternating users: the previous user must still log in, and be the other one', async () => {
    const target = new MemoryTarget({ tls: 'disable', users: { app_clone: { password: 'new-password-2' } } });
    const after = { current: value('app_clone', 'new-password-2'), previous: BEFORE };
    expect(await checkRotation({ before: BEFORE, after, target, schema: defaultSchema, strategy: 'alternating-users' })).toEqual([
      'alternating users: the previous user app no longer logs in',
    ]);
    const unchanged = await checkRotation({ before: BEFORE, after: { current: BEFORE }, target, schema: defaultSchema, strategy: 'alternating-users' });
    expect(unchanged).toEqual([
      'the current value did not change',
      'the previous stage does not hold the former current value',
      'the current credentials (user app) do not log in',
    ]);
  });
});
