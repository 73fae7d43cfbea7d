import { describe, expect, it } from 'vitest';
import {
  alternatingUsers,
  InvalidOptionsError,
  MemoryTarget,
  rotate,
  runStep,
  suffixRule,
  type Login,
  type Target,
} from '@rotakit/core';
import { MASTER_ID, rotationFixture, routed, SECRET_ID, snapshot, valueAt } from './helpers.js';

/** Stores `changes` over the current value as the pending value of `token`, as a foreign writer would. */
async function writePending(fixture: ReturnType<typeof rotationFixture>, token: string, changes: Record<string, unknown>) {
  const current = JSON.parse(fixture.store.valueAt(SECRET_ID, 'current')!) as Record<string, unknown>;
  const session = await fixture.store.open(SECRET_ID, token);
  await session.writePending(JSON.stringify({ ...current, ...changes }));
}

describe('single-user strategy', () => {
  it('refuses a pending value with another username or host, changing nothing in the database, and withdraws it', async () => {
    for (const [field, value] of [
      ['username', 'intruder'],
      ['host', 'elsewhere.internal'],
    ] as const) {
      const fixture = rotationFixture('single');
      await writePending(fixture, 'tok', { [field]: value, password: 'new-password-1' });
      const users = snapshot(fixture.store, fixture.target).users;
      const error = await runStep('set', { ...fixture.options, secretId: SECRET_ID, token: 'tok' }).catch((e) => e);
      expect(error).toMatchObject({ code: 'PendingMismatch', field });
      expect(snapshot(fixture.store, fixture.target).users).toEqual(users);
      // Nothing reached the database, so the secret is not left wedged by the refused version.
      expect(fixture.store.stages(SECRET_ID).pending).toBeUndefined();
    }
  });

  it('logs in with previous when current no longer works (the database changed, finish never ran)', async () => {
    const fixture = rotationFixture('single');
    await rotate({ ...fixture.options, secretId: SECRET_ID });
    // The database holds the previous password: someone restored it, or a rotation crashed after set.
    const previous = valueAt(fixture.store, 'previous')!;
    fixture.target.users.get('app')!.password = previous.password;
    const result = await rotate({ ...fixture.options, secretId: SECRET_ID });
    expect(result.steps.set).toBe('done');
    const current = valueAt(fixture.store, 'current')!;
    expect(fixture.target.accepts('app', current.password)).toBe(true);
  });

  it('refuses a previous value for another user', async () => {
    const fixture = rotationFixture('single');
    fixture.store.putSecret(SECRET_ID, { host: 'db.internal', username: 'someone-else', password: 'x-password-1' });
    fixture.store.putSecret(SECRET_ID, { host: 'db.internal', username: 'app', password: 'not-the-db-password' });
    const error = await rotate({ ...fixture.options, secretId: SECRET_ID }).catch((e) => e);
    expect(error).toMatchObject({ code: 'PendingMismatch', field: 'username' });
    expect(error.message).toContain('previous');
  });

  it('fails typed when no credential logs in, and leaves the database alone', async () => {
    const fixture = rotationFixture('single');
    fixture.target.users.get('app')!.password = 'changed-behind-our-back';
    const error = await rotate({ ...fixture.options, secretId: SECRET_ID }).catch((e) => e);
    expect(error).toMatchObject({ code: 'TargetAuthFailed', retryable: false });
    expect(fixture.target.passwordChanges).toEqual([]);
  });

  it('stops the ladder on an unreachable server with a retryable error', async () => {
    const fixture = rotationFixture('single');
    fixture.target.reachable = false;
    const error = await rotate({ ...fixture.options, secretId: SECRET_ID }).catch((e) => e);
    expect(error).toMatchObject({ code: 'TargetUnreachable', retryable: true });
    fixture.target.reachable = true;
    const token = fixture.store.stages(SECRET_ID).pending!;
    await rotate({ ...fixture.options, secretId: SECRET_ID, token });
    expect(fixture.store.stages(SECRET_ID).current).toBe(token);
  });
});

describe('alternating-users strategy', () => {
  it('refuses when the secret names no privileged secret, naming the field', async () => {
    const fixture = rotationFixture('single');
    const error = await rotate({ ...fixture.options, strategy: alternatingUsers(), secretId: SECRET_ID }).catch((e) => e);
    expect(error).toMatchObject({ code: 'PrivilegedSecretInvalid', field: 'masterarn' });
    expect(fixture.target.passwordChanges).toEqual([]);
  });

  it('uses the target\'s own privileged session when it has one (cloud account APIs)', async () => {
    const fixture = rotationFixture('single');
    const base = fixture.target;
    const target: Target = {
      engine: base.engine,
      maxUsernameLength: base.maxUsernameLength,
      tls: base.tls,
      connect: (login) => base.connect(login),
      connectPrivileged: () => base.connect({ username: 'admin', password: 'initial-admin-password', tls: 'verify' }),
    };
    await rotate({ ...fixture.options, target, strategy: alternatingUsers({ suffix: '_rt' }), secretId: SECRET_ID });
    expect(valueAt(fixture.store, 'current')!.username).toBe('app_rt');
    expect(base.users.get('app_rt')?.privileges).toEqual(['SELECT on app.*']);
  });

  it('refuses a missing, malformed or failing privileged secret', async () => {
    const cases: Array<[string, (f: ReturnType<typeof rotationFixture>) => void]> = [
      ['missing', (f) => f.store.putSecret(SECRET_ID, { ...JSON.parse(f.store.valueAt(SECRET_ID, 'current')!), masterarn: 'no/such/secret' })],
      ['malformed', (f) => f.store.putSecret(MASTER_ID, '{"username": 42}')],
      ['not JSON', (f) => f.store.putSecret(MASTER_ID, 'root:hunter2')],
      ['wrong password', (f) => f.store.putSecret(MASTER_ID, { username: 'admin', password: 'wrong-admin-password' })],
      ['other server', (f) => f.store.putSecret(MASTER_ID, { host: 'other.internal', username: 'admin', password: 'initial-admin-password' })],
    ];
    for (const [name, breakIt] of cases) {
      const fixture = rotationFixture('alternating');
      breakIt(fixture);
      // other.internal is another server, with an admin of the same password.
      const other = new MemoryTarget({ host: 'other.internal', users: { admin: { password: 'initial-admin-password', privileged: true } } });
      const target = routed({ 'db.internal': fixture.target, 'other.internal': other });
      const error = await rotate({ ...fixture.options, target, secretId: SECRET_ID }).catch((e) => e);
      expect(error, name).toMatchObject({ code: 'PrivilegedSecretInvalid', field: 'masterarn' });
      expect(fixture.target.users.has('app_clone'), name).toBe(false);
    }
  });

  it('accepts a privileged secret for another host when allowPrivilegedHost says so (read replicas)', async () => {
    const fixture = rotationFixture('alternating');
    fixture.store.putSecret(MASTER_ID, { host: 'replica-source.internal', username: 'admin', password: 'initial-admin-password' });
    const strategy = alternatingUsers({ allowPrivilegedHost: async (current, privileged) => privileged.host === 'replica-source.internal' && current.host === 'db.internal' });
    // The memory target answers on one host only, so the privileged login goes to the same server.
    const target = new MemoryTarget({ users: Object.fromEntries(fixture.target.users) });
    await rotate({ ...fixture.options, target, strategy, secretId: SECRET_ID });
    expect(target.users.has('app_clone')).toBe(true);
  });

  it('takes a privileged secret without a host to be for the current server, port included', async () => {
    const fixture = rotationFixture('alternating');
    fixture.store.putSecret(MASTER_ID, { username: 'admin', password: 'initial-admin-password' });
    const logins: Array<{ host?: string; port?: number }> = [];
    const base = fixture.target;
    const target: Target = {
      engine: base.engine,
      maxUsernameLength: base.maxUsernameLength,
      tls: base.tls,
      connect: (login) => {
        logins.push({ ...(login.host === undefined ? {} : { host: login.host }), ...(login.port === undefined ? {} : { port: login.port }) });
        return base.connect(login);
      },
    };
    await rotate({ ...fixture.options, target, secretId: SECRET_ID });
    expect(new Set(logins.map((l) => `${l.host}:${l.port}`))).toEqual(new Set(['db.internal:5432']));
    expect(base.users.has('app_clone')).toBe(true);
  });

  it('does not let the privileged account act when the current credentials fail (no confused deputy)', async () => {
    const fixture = rotationFixture('alternating');
    fixture.target.users.get('app')!.password = 'changed-behind-our-back';
    const error = await rotate({ ...fixture.options, secretId: SECRET_ID }).catch((e) => e);
    expect(error).toMatchObject({ code: 'TargetAuthFailed' });
    expect(fixture.target.logins.filter((l) => l.username === 'admin')).toEqual([]);
    expect(fixture.target.users.has('app_clone')).toBe(false);
  });

  it('refuses a pending username that is not the alternate', async () => {
    const fixture = rotationFixture('alternating');
    await writePending(fixture, 'tok', { username: 'root', password: 'new-password-1' });
    const error = await runStep('set', { ...fixture.options, secretId: SECRET_ID, token: 'tok' }).catch((e) => e);
    expect(error).toMatchObject({ code: 'PendingMismatch', field: 'username' });
    expect(fixture.target.passwordChanges).toEqual([]);
  });

  it('checks the engine\'s username limit in create, before anything is written', async () => {
    const fixture = rotationFixture('alternating', { username: 'a'.repeat(27) });
    const target = new MemoryTarget({ maxUsernameLength: 32, users: Object.fromEntries(fixture.target.users) });
    const before = snapshot(fixture.store, target);
    const error = await runStep('create', { ...fixture.options, target, secretId: SECRET_ID, token: 'tok' }).catch((e) => e);
    expect(error).toMatchObject({ code: 'UsernameTooLong', field: 'username', limit: 32 });
    expect(snapshot(fixture.store, target)).toEqual(before);
    // Measured the engine's way: bytes for an engine that counts bytes.
    const bytes = Object.assign(new MemoryTarget({ maxUsernameLength: 34 }), { usernameLength: (u: string) => Buffer.byteLength(u) });
    const unicode = rotationFixture('alternating', { username: 'é'.repeat(15) });
    const tooLong = await runStep('create', { ...unicode.options, target: bytes, secretId: SECRET_ID, token: 't' }).catch((e) => e);
    expect(tooLong).toMatchObject({ code: 'UsernameTooLong', limit: 34 });
  });

  it('keeps grants, roles and the TLS requirement of the current user on every rotation', async () => {
    const fixture = rotationFixture('alternating');
    await rotate({ ...fixture.options, secretId: SECRET_ID });
    expect(fixture.target.users.get('app_clone')).toMatchObject({ privileges: ['SELECT on app.*'], roles: ['reader'], tls: 'SSL' });
    // The current user is now app_clone; app is re-synced from it on the next rotation.
    fixture.target.users.get('app_clone')!.privileges = ['SELECT on app.*', 'INSERT on app.*'];
    await rotate({ ...fixture.options, secretId: SECRET_ID });
    expect(valueAt(fixture.store, 'current')!.username).toBe('app');
    expect(fixture.target.users.get('app')!.privileges).toEqual(['SELECT on app.*', 'INSERT on app.*']);
  });
});

describe('targets that act through a cloud account API', () => {
  /** The memory target seen as an account API: cannot prove passwords, has its own privileged session. */
  function accountApi(base: MemoryTarget, extra: Partial<Target> = {}): Target & { privilegedSessions: number } {
    const target = {
      engine: 'account-api',
      maxUsernameLength: base.maxUsernameLength,
      tls: base.tls,
      verifiesPasswords: false,
      privilegedSessions: 0,
      connect: (login: Login) => base.connect(login),
      connectPrivileged: () => {
        target.privilegedSessions += 1;
        return base.connect({ username: 'admin', password: 'initial-admin-password', tls: 'verify' });
      },
      ...extra,
    };
    return target;
  }

  it('sets the pending password again on a re-run instead of trusting a login it cannot prove', async () => {
    const fixture = rotationFixture('alternating');
    const target = accountApi(fixture.target);
    const request = { ...fixture.options, target, secretId: SECRET_ID, token: 'tok' };
    await runStep('create', request);
    expect(await runStep('set', request)).toEqual({ step: 'set', outcome: 'done' });
    expect(await runStep('set', request)).toEqual({ step: 'set', outcome: 'done' });
    expect(fixture.target.passwordChanges.filter((c) => c.username === 'app_clone')).toHaveLength(2);
  });

  it('uses the target\'s privileged session even when the secret names a master secret', async () => {
    const fixture = rotationFixture('alternating');
    fixture.store.putSecret(MASTER_ID, 'not even JSON');
    const target = accountApi(fixture.target);
    await rotate({ ...fixture.options, target, secretId: SECRET_ID });
    // One in create (whose account it is), one in set.
    expect(target.privilegedSessions).toBe(2);
    expect(valueAt(fixture.store, 'current')!.username).toBe('app_clone');
  });

  it('checks the pending username with the target\'s own rule in create, before anything is written', async () => {
    const fixture = rotationFixture('alternating');
    const target = accountApi(fixture.target, {
      checkUsername: (username: string) => {
        if (username.endsWith('_clone')) throw new InvalidOptionsError('account names may not end in _clone', { field: 'username' });
      },
    });
    const before = snapshot(fixture.store, fixture.target);
    const error = await runStep('create', { ...fixture.options, target, secretId: SECRET_ID, token: 'tok' }).catch((e) => e);
    expect(error).toMatchObject({ code: 'InvalidOptions', field: 'username' });
    expect(snapshot(fixture.store, fixture.target)).toEqual(before);
  });
});

describe('suffix rules', () => {
  it('appends or strips the suffix, with the cloud presets', () => {
    const aws = suffixRule('_clone');
    const alibaba = suffixRule('_rt');
    expect([aws('app'), aws('app_clone'), aws('_clone')]).toEqual(['app_clone', 'app', '_clone_clone']);
    expect([alibaba('svc'), alibaba('svc_rt')]).toEqual(['svc_rt', 'svc']);
  });

  it('rejects an empty or control-character suffix as an invalid option', () => {
    for (const suffix of ['', 'a\nb', 42 as unknown as string]) {
      expect(() => suffixRule(suffix)).toThrow(expect.objectContaining({ code: 'InvalidOptions', field: 'suffix' }));
    }
    expect(() => alternatingUsers({ suffix: '' })).toThrow(expect.objectContaining({ field: 'suffix' }));
  });

  it('takes a custom alternate function', async () => {
    const fixture = rotationFixture('alternating');
    const strategy = alternatingUsers({ alternate: (u) => (u === 'app' ? 'app_b' : 'app') });
    await rotate({ ...fixture.options, strategy, secretId: SECRET_ID });
    expect(valueAt(fixture.store, 'current')!.username).toBe('app_b');
  });
});
