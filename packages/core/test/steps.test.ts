import { describe, expect, it } from 'vitest';
import { rotate, runStep, STEPS, type PasswordOptions, type PasswordPolicy, type SecretStore, type StepName } from '@rotakit/core';
import { rotationFixture, SECRET_ID, MASTER_ID, snapshot, valueAt } from './helpers.js';

describe.each(['single', 'alternating'] as const)('%s-user steps', (kind) => {
  it('rotate runs the four steps and promotes the pending value', async () => {
    const { store, target, options } = rotationFixture(kind);
    const before = valueAt(store, 'current');
    const result = await rotate({ ...options, secretId: SECRET_ID });
    expect(result.steps).toEqual({ create: 'done', set: 'done', test: 'done', finish: 'done' });
    const current = valueAt(store, 'current');
    expect(store.stages(SECRET_ID).current).toBe(result.token);
    expect(valueAt(store, 'previous')).toEqual(before);
    expect(store.stages(SECRET_ID).pending).toBeUndefined();
    expect(current?.username).toBe(kind === 'single' ? 'app' : 'app_clone');
    expect(target.accepts(current!.username, current!.password)).toBe(true);
    if (kind === 'alternating') {
      // The previous user keeps working through the next interval.
      expect(target.accepts(before!.username, before!.password)).toBe(true);
    }
  });

  it('every step re-run after success changes nothing', async () => {
    const { store, target, options } = rotationFixture(kind);
    const { token } = await rotate({ ...options, secretId: SECRET_ID });
    const after = snapshot(store, target, kind === 'single' ? [SECRET_ID] : [SECRET_ID, MASTER_ID]);
    for (const step of STEPS) {
      const result = await runStep(step, { ...options, secretId: SECRET_ID, token });
      expect(result).toEqual({ step, outcome: 'skipped' });
    }
    await rotate({ ...options, secretId: SECRET_ID, token });
    expect(snapshot(store, target, kind === 'single' ? [SECRET_ID] : [SECRET_ID, MASTER_ID])).toEqual(after);
  });

  it('each step run twice in a row does its work once', async () => {
    const { store, target, options } = rotationFixture(kind);
    const token = 'token-0001';
    const request = { ...options, secretId: SECRET_ID, token };
    const expectations: Record<StepName, ['done' | 'skipped', 'done' | 'skipped']> = {
      create: ['done', 'skipped'],
      set: ['done', 'skipped'],
      test: ['done', 'done'],
      finish: ['done', 'skipped'],
    };
    for (const step of STEPS) {
      const first = await runStep(step, request);
      const afterFirst = snapshot(store, target);
      const second = await runStep(step, request);
      expect([first.outcome, second.outcome]).toEqual(expectations[step]);
      expect(snapshot(store, target)).toEqual(afterFirst);
    }
    expect(store.stages(SECRET_ID).current).toBe(token);
  });

  it('a second token while another is pending is refused and changes nothing', async () => {
    const { store, target, options } = rotationFixture(kind);
    await runStep('create', { ...options, secretId: SECRET_ID, token: 'first-token' });
    const before = snapshot(store, target);
    const logins = target.logins.length;
    for (const step of STEPS) {
      const error = await runStep(step, { ...options, secretId: SECRET_ID, token: 'second-token' }).catch((e) => e);
      expect(error).toMatchObject({ code: 'RotationInProgress', pendingToken: 'first-token', retryable: false });
    }
    const error = await rotate({ ...options, secretId: SECRET_ID }).catch((e) => e);
    expect(error).toMatchObject({ code: 'RotationInProgress', pendingToken: 'first-token' });
    expect(snapshot(store, target)).toEqual(before);
    expect(target.logins.length).toBe(logins);

    // The refused rotation's token is the way to resume.
    const resumed = await rotate({ ...options, secretId: SECRET_ID, token: error.pendingToken });
    expect(resumed.steps.create).toBe('skipped');
    expect(store.stages(SECRET_ID).current).toBe('first-token');
  });

  it('set, test and finish refuse a token with no pending value', async () => {
    const { store, target, options } = rotationFixture(kind);
    const before = snapshot(store, target);
    for (const step of ['set', 'test', 'finish'] as const) {
      const error = await runStep(step, { ...options, secretId: SECRET_ID, token: 'never-created' }).catch((e) => e);
      expect(error).toMatchObject({ code: 'RotationTokenInvalid' });
    }
    expect(snapshot(store, target)).toEqual(before);
  });

  it('a value-less pending placeholder (as a cloud creates it) is filled by create', async () => {
    const { store, options } = rotationFixture(kind);
    store.beginRotation(SECRET_ID, 'cloud-token');
    const result = await rotate({ ...options, secretId: SECRET_ID, token: 'cloud-token' });
    expect(result.steps.create).toBe('done');
    expect(store.stages(SECRET_ID).current).toBe('cloud-token');
  });

  it('a pending label left on the current version does not block the next rotation', async () => {
    const { store, options } = rotationFixture(kind);
    const { token } = await rotate({ ...options, secretId: SECRET_ID });
    store.beginRotation(SECRET_ID, token); // AWS may leave AWSPENDING on the new current version
    const next = await rotate({ ...options, secretId: SECRET_ID });
    expect(store.stages(SECRET_ID)).toMatchObject({ current: next.token, previous: token });
  });

  it('rotating again alternates back and keeps both users working', async () => {
    const { store, target, options } = rotationFixture(kind);
    for (let i = 0; i < 3; i += 1) {
      await rotate({ ...options, secretId: SECRET_ID });
      const current = valueAt(store, 'current')!;
      const previous = valueAt(store, 'previous')!;
      expect(target.accepts(current.username, current.password)).toBe(true);
      if (kind === 'alternating') {
        expect(current.username).not.toBe(previous.username);
        expect(target.accepts(previous.username, previous.password)).toBe(true);
      }
    }
  });
});

describe('rotation options', () => {
  it('refuses to run without a required option, naming it', async () => {
    const { options } = rotationFixture();
    for (const field of ['store', 'target', 'strategy', 'schema'] as const) {
      const error = await rotate({ ...options, [field]: undefined, secretId: SECRET_ID } as never).catch((e) => e);
      expect(error).toMatchObject({ code: 'InvalidOptions', field });
    }
    expect(await rotate({ ...options, secretId: '' }).catch((e) => e)).toMatchObject({ field: 'secretId' });
    expect(await runStep('create', { ...options, secretId: SECRET_ID, token: '' }).catch((e) => e)).toMatchObject({
      field: 'token',
    });
    expect(
      await runStep('rollback' as StepName, { ...options, secretId: SECRET_ID, token: 't' }).catch((e) => e),
    ).toMatchObject({ code: 'InvalidOptions', field: 'step' });
  });

  it('uses the store generator when asked, with the same policy checks', async () => {
    const { store, options } = rotationFixture();
    await rotate({ ...options, secretId: SECRET_ID, password: { generator: 'store', length: 20, excludePunctuation: true } });
    expect(valueAt(store, 'current')!.password).toMatch(/^[A-Za-z0-9]{20}$/);
    const impossible = await rotate({ ...options, secretId: SECRET_ID, password: { generator: 'store', length: 0 } }).catch((e) => e);
    expect(impossible).toMatchObject({ code: 'PasswordPolicyInvalid', field: 'length' });
    const unknown = await rotate({ ...options, secretId: SECRET_ID, password: { generator: 'cloud' as 'store' } }).catch((e) => e);
    expect(unknown).toMatchObject({ code: 'InvalidOptions', field: 'password.generator' });
  });

  it('hands the target\'s excluded characters to the store generator and checks what it returns', async () => {
    const { store, options } = rotationFixture();
    const target = Object.assign(options.target, { passwordConstraints: { excludeCharacters: '0123456789' } });
    const asked: PasswordPolicy[] = [];
    const recording: SecretStore = {
      name: 'recording',
      open: (id, token) => store.open(id, token),
      readCurrent: (id) => store.readCurrent(id),
      generatePassword: async (policy) => {
        asked.push(policy);
        return store.generatePassword(policy);
      },
    };
    await rotate({ ...options, target, store: recording, secretId: SECRET_ID, password: { generator: 'store', length: 24 } });
    expect(asked[0]?.excludeCharacters).toContain('0123456789');
    expect(valueAt(store, 'current')!.password).toMatch(/^[^0-9]{24}$/);

    const careless: SecretStore = { ...recording, name: 'careless', generatePassword: async () => 'ignores-the-digit-rule-0' };
    const error = await rotate({ ...options, target, store: careless, secretId: SECRET_ID, password: { generator: 'store' } }).catch((e) => e);
    expect(error).toMatchObject({ code: 'StepFailed' });
    expect(error.message).toContain('careless');
  });

  it('checks the password options before the store is opened (a job-token store starts a job on open)', async () => {
    const { store, options } = rotationFixture();
    let opened = 0;
    const counting: SecretStore = {
      name: 'counting',
      open: (id, token) => {
        opened += 1;
        return store.open(id, token);
      },
      readCurrent: (id) => store.readCurrent(id),
    };
    for (const [password, field] of [
      [{ length: 2 }, 'length'],
      [{ generator: 'store' }, 'password.generator'],
      [{ generator: 'nope' }, 'password.generator'],
    ] as const) {
      const error = await rotate({ ...options, store: counting, secretId: SECRET_ID, password: password as PasswordOptions }).catch((e) => e);
      expect(error).toMatchObject({ field });
      const stepError = await runStep('set', { ...options, store: counting, secretId: SECRET_ID, token: 't', password: password as PasswordOptions }).catch((e) => e);
      expect(stepError).toMatchObject({ field });
    }
    expect(opened).toBe(0);
  });

  it('refuses the store generator when the store has none', async () => {
    const { store, options } = rotationFixture();
    const bare = { name: 'bare', open: store.open.bind(store), readCurrent: store.readCurrent.bind(store) };
    const error = await rotate({ ...options, store: bare, secretId: SECRET_ID, password: { generator: 'store' } }).catch((e) => e);
    expect(error).toMatchObject({ code: 'InvalidOptions', field: 'password.generator' });
  });

  it('applies the target\'s password constraints', async () => {
    const { store, options } = rotationFixture();
    const target = Object.assign(options.target, { passwordConstraints: { excludeCharacters: 'abcdefghijklmnopqrstuvwxyz', maxLength: 16 } });
    await rotate({ ...options, target, secretId: SECRET_ID, password: { length: 16 } });
    expect(valueAt(store, 'current')!.password).toMatch(/^[^a-z]{16}$/);
    const tooLong = await rotate({ ...options, target, secretId: SECRET_ID, password: { length: 17 } }).catch((e) => e);
    expect(tooLong).toMatchObject({ code: 'PasswordPolicyInvalid', field: 'length' });
  });

  it('reports a disabled rotation and a missing secret with typed errors', async () => {
    const { store, options } = rotationFixture();
    store.setRotationEnabled(SECRET_ID, false);
    expect(await rotate({ ...options, secretId: SECRET_ID }).catch((e) => e)).toMatchObject({ code: 'RotationNotEnabled' });
    expect(await rotate({ ...options, secretId: 'nope' }).catch((e) => e)).toMatchObject({ code: 'SecretNotFound' });
  });

  it('reports a secret with no current value', async () => {
    const { store, options } = rotationFixture();
    const noCurrent: SecretStore = {
      name: 'no-current',
      readCurrent: (id) => store.readCurrent(id),
      open: async (id, token) => {
        const session = await store.open(id, token);
        return { ...session, read: async (stage) => (stage === 'current' ? undefined : session.read(stage)) };
      },
    };
    const error = await rotate({ ...options, store: noCurrent, secretId: SECRET_ID }).catch((e) => e);
    expect(error).toMatchObject({ code: 'SecretNotFound' });
    expect(store.stages(SECRET_ID).pending).toBeUndefined();
  });
});
