import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  isRotakitError,
  MemoryTarget,
  rotate,
  singleUser,
  StepFailedError,
} from '@rotakit/core';
import { ncloudSchema } from '@rotakit/provider-ncloud';
import { startNcloudSecretManagerEmulator, type NcloudSecretManagerEmulator } from '@rotakit/testkit';
import { NcloudSecretStore } from '@rotakit/provider-ncloud';
import { API_KEY, cdbSecret, clientOf } from './helpers.js';

describe('NcloudSecretStore', () => {
  let emulator: NcloudSecretManagerEmulator;
  let store: NcloudSecretStore;
  let secretId: string;
  let token: string;
  const ACTIVE = JSON.stringify(cdbSecret('old-password-1'));

  beforeAll(async () => {
    emulator = await startNcloudSecretManagerEmulator({ credentials: [API_KEY] });
  });
  afterAll(() => emulator.close());
  beforeEach(() => {
    emulator.clearFaults();
    emulator.server.resetCalls();
    store = new NcloudSecretStore({ client: clientOf(emulator), requiredTargets: ['cdbPassword'] });
    secretId = emulator.seedSecret({ chain: { active: ACTIVE }, rotationTargets: ['cdbPassword'] });
    token = emulator.openJob(secretId);
  });
  const secret = () => emulator.state().secrets.find((s) => s.secretId === secretId);
  const jobStatus = (jobToken = token) => emulator.state().jobs.find((j) => j.jobToken === jobToken)?.status;
  const refusal = (promise: Promise<unknown>): Promise<unknown> => promise.then(() => 'no error', (e: unknown) => e);

  it('opens by starting the job; a pending value a failed job left is adopted under the new token', async () => {
    const first = await store.open(secretId, token);
    expect(jobStatus()).toBe('started');
    expect(first.stages).toEqual({ current: 'ncloud:active' });
    const pending = JSON.stringify(cdbSecret('left-by-a-failed-job'));
    await first.writePending(pending);
    await first.fail?.(new StepFailedError('test', false));
    expect(jobStatus()).toBe('failed');
    const next = emulator.openJob(secretId);
    const second = await store.open(secretId, next);
    expect(second.stages).toEqual({ current: 'ncloud:active', pending: next });
    expect(await second.read('pending')).toBe(pending);
    // A set may have used it: a new value is not stored over it.
    const puts = emulator.calls().updatePendingStage;
    expect(await second.writePending(JSON.stringify(cdbSecret('a-new-password-2')))).toBe(pending);
    expect(emulator.calls().updatePendingStage).toBe(puts);
    expect(await second.read('pending')).toBe(pending);
  });

  it('treats a pending value equal to active as no pending value', async () => {
    const seeded = emulator.seedSecret({ chain: { active: ACTIVE, pending: ACTIVE }, rotationTargets: ['cdbPassword'] });
    const session = await store.open(seeded, emulator.openJob(seeded));
    expect(session.stages.pending).toBeUndefined();
    expect(await session.read('pending')).toBeUndefined();
  });

  it('refuses a secret whose rotationTargets lack a key the rotation changes', async () => {
    const apiKeyOnly = emulator.seedSecret({ chain: { active: cdbSecret('old', { apiKey: 'k' }) }, rotationTargets: ['apiKey'] });
    const error = await refusal(store.open(apiKeyOnly, emulator.openJob(apiKeyOnly)));
    expect(isRotakitError(error, 'InvalidSecretValue') && error.field).toBe('cdbPassword');
    expect(emulator.calls().updatePendingStage).toBeUndefined();
  });

  it('refuses, before any PUT, a pending value that changes a non-target key, names it, and lacks no target', async () => {
    const session = await store.open(secretId, token);
    const changedUser = await refusal(session.writePending(JSON.stringify(cdbSecret('new-password-1', { cdbUser: 'other' }))));
    expect(isRotakitError(changedUser, 'PendingMismatch') && changedUser.field).toBe('cdbUser');
    const { cdbHost: _dropped, ...withoutHost } = cdbSecret('new-password-1');
    const droppedHost = await refusal(session.writePending(JSON.stringify(withoutHost)));
    expect(isRotakitError(droppedHost, 'PendingMismatch') && droppedHost.field).toBe('cdbHost');
    const { cdbPassword: _target, ...withoutTarget } = cdbSecret('x');
    const lacking = await refusal(session.writePending(JSON.stringify(withoutTarget)));
    expect(isRotakitError(lacking, 'PendingMismatch') && lacking.field).toBe('cdbPassword');
    const notJson = await refusal(session.writePending('not json'));
    expect(isRotakitError(notJson, 'InvalidSecretValue')).toBe(true);
    for (const error of [changedUser, droppedHost, lacking, notJson]) expect((error as Error).message).not.toContain('new-password-1');
    expect(emulator.calls().updatePendingStage).toBeUndefined();
    expect(secret()?.chain.pending).toBeUndefined();
  });

  it('PUTs a pending value once however often it is written, and completes once', async () => {
    const session = await store.open(secretId, token);
    const pending = JSON.stringify(cdbSecret('new-password-1'));
    await session.writePending(pending);
    await session.writePending(pending);
    expect(emulator.calls().updatePendingStage).toBe(1);
    await session.promote();
    await session.promote();
    await session.fail?.(new StepFailedError('after completion', false));
    expect(emulator.calls()).toMatchObject({ completeRotationJob: 1 });
    expect(emulator.calls().failRotationJob).toBeUndefined();
    expect(secret()?.chain).toEqual({ previous: ACTIVE, active: pending });
    expect(jobStatus()).toBe('completed');
  });

  it('still fails the job when complete itself failed', async () => {
    const session = await store.open(secretId, token);
    await session.writePending(JSON.stringify(cdbSecret('new-password-1')));
    emulator.injectFault({ operation: 'completeRotationJob', kind: 'error', times: 10 });
    expect(isRotakitError(await refusal(session.promote()), 'StoreUnavailable')).toBe(true);
    await session.fail?.(new StepFailedError('complete failed', true));
    expect(jobStatus()).toBe('failed');
  });

  it('fails a job once, also through failJob', async () => {
    await store.open(secretId, token);
    await store.failJob(secretId, token);
    await store.failJob(secretId, token);
    expect(emulator.calls().failRotationJob).toBe(1);
  });

  describe('Secret Manager as the password generator', () => {
    it('runs under the open job, never with spaces, and honours the policy', async () => {
      await store.open(secretId, token);
      const policy = { length: 24, excludeCharacters: '"\'\\/@:`' };
      for (let i = 0; i < 20; i += 1) {
        const password = await store.generatePassword(policy);
        expect(password).toHaveLength(24);
        expect(password).not.toMatch(/[ "'\\/@:`]/);
      }
      expect(emulator.calls().generateRandomSecret).toBe(20);
    });

    it('refuses without an open job, and a length NAVER cannot make', async () => {
      const closed = await refusal(store.generatePassword({ length: 16 }));
      expect(isRotakitError(closed, 'InvalidOptions') && closed.field).toBe('password.generator');
      await store.open(secretId, token);
      for (const length of [4, 33]) {
        const error = await refusal(store.generatePassword({ length }));
        expect(isRotakitError(error, 'PasswordPolicyInvalid') && error.field).toBe('length');
      }
      const defaultLength = await store.generatePassword({});
      expect(defaultLength).toHaveLength(32);
    });

    it('makes the pending password of a rotation through core', async () => {
      const target = new MemoryTarget({ tls: 'disable', users: { app: { password: 'old-password-1' } } });
      const result = await rotate({
        store,
        target,
        strategy: singleUser(),
        schema: ncloudSchema,
        secretId,
        token,
        password: { generator: 'store', length: 20 },
      });
      expect(result.steps).toEqual({ create: 'done', set: 'done', test: 'done', finish: 'done' });
      expect(emulator.calls().generateRandomSecret).toBe(1);
      const active = ncloudSchema.parse(secret()?.chain.active ?? '').credentials;
      expect(active.password).toHaveLength(20);
      expect(target.accepts('app', active.password)).toBe(true);
    });
  });
});
