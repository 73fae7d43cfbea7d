import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { alternatingUsers, MemoryTarget, singleUser, type Credentials, type RotationEvent } from '@rotakit/core';
import { startNcloudSecretManagerEmulator, type NcloudSecretManagerEmulator } from '@rotakit/testkit';
import {
  createCloudFunctionsAction,
  type CloudFunctionsActionOptions,
  type NcloudActionMain,
  type NcloudInvocation,
} from '@rotakit/provider-ncloud';
import { API_KEY, capturingLogger, cdbSecret } from './helpers.js';

const OLD_PASSWORD = 'Old-password-1';
const TRIGGER = 'rotate-cdb';

describe('createCloudFunctionsAction, driven by the emulator\'s rotation jobs', () => {
  let emulator: NcloudSecretManagerEmulator;
  let target: MemoryTarget;
  let secretId: string;
  let captured: ReturnType<typeof capturingLogger>;
  let events: RotationEvent[];
  /** Everything the action returned or reported, for the secret scan. */
  let outputs: unknown[];

  const actionWith = (overrides: Partial<CloudFunctionsActionOptions> = {}): NcloudActionMain =>
    createCloudFunctionsAction({
      target,
      strategy: singleUser(),
      endpoint: emulator.regionalUrl,
      retry: { baseDelayMs: 1 },
      logger: captured.logger,
      onEvent: (event) => events.push(event),
      environment: {},
      ...overrides,
    });
  const register = (main: NcloudActionMain): void =>
    emulator.registerAction(TRIGGER, (args) => main(args), { defaultParams: { ...API_KEY } });
  const runJob = async (): Promise<{ jobToken: string; result: unknown }> => {
    const jobToken = await emulator.executeRotation(secretId, { regional: true });
    const settlement = await emulator.jobSettled(jobToken);
    outputs.push(settlement.result, settlement.error);
    return { jobToken, result: settlement.result };
  };
  const secret = () => emulator.state().secrets.find((s) => s.secretId === secretId);
  const jobStatus = (jobToken: string) => emulator.state().jobs.find((j) => j.jobToken === jobToken)?.status;
  const passwordIn = (value: string | undefined): string => (JSON.parse(value ?? '{}') as { cdbPassword: string }).cdbPassword;
  const activePassword = (): string => passwordIn(secret()?.chain.active);

  beforeAll(async () => {
    emulator = await startNcloudSecretManagerEmulator({ credentials: [API_KEY] });
  });
  afterAll(async () => {
    await emulator.close();
  });
  beforeEach(() => {
    emulator.clearFaults();
    emulator.server.resetCalls();
    captured = capturingLogger();
    events = [];
    outputs = [];
    target = new MemoryTarget({ tls: 'disable', users: { app: { password: OLD_PASSWORD } } });
    secretId = emulator.seedSecret({ chain: { active: cdbSecret(OLD_PASSWORD) }, rotationTargets: ['cdbPassword'], triggerId: TRIGGER });
    register(actionWith());
  });

  /** No password the rotation saw, nor the API secret key, in any log line, event or answer. */
  const expectNoSecretsOut = (): void => {
    const passwords = [OLD_PASSWORD, activePassword(), API_KEY.secretKey];
    const pending = secret()?.chain.pending;
    if (pending !== undefined) passwords.push(passwordIn(pending));
    const text = JSON.stringify([captured.lines, events, outputs]);
    for (const password of passwords) expect(text).not.toContain(password);
    expect(captured.lines.length).toBeGreaterThan(0);
  };

  it('rotates: the chain shifts, the database takes the new password, the answer holds no secret', async () => {
    const { jobToken, result } = await runJob();
    expect(result).toEqual({
      done: true,
      secretId,
      jobToken,
      steps: { create: 'done', set: 'done', test: 'done', finish: 'done' },
    });
    expect(jobStatus(jobToken)).toBe('completed');
    const chain = secret()?.chain;
    expect(chain?.previous).toBe(JSON.stringify(cdbSecret(OLD_PASSWORD)));
    expect(chain?.pending).toBeUndefined();
    expect(JSON.parse(chain?.active ?? '')).toEqual(cdbSecret(activePassword()));
    expect(activePassword()).not.toBe(OLD_PASSWORD);
    expect(target.accepts('app', activePassword())).toBe(true);
    expect(target.accepts('app', OLD_PASSWORD)).toBe(false);
    expect(events.map((event) => event.type)).toContain('rotation.completed');
    expectNoSecretsOut();
  });

  it('rides out throttling and a server error mid-rotation', async () => {
    emulator.injectFault({ operation: 'updatePendingStage', kind: 'throttle', times: 2 });
    emulator.injectFault({ operation: 'completeRotationJob', kind: 'error', times: 1 });
    const { result } = await runJob();
    expect(result).toMatchObject({ done: true });
    expect(target.accepts('app', activePassword())).toBe(true);
  });

  it('takes secretId and jobToken from the environment when the args lack them', async () => {
    const jobToken = emulator.openJob(secretId);
    const main = actionWith({ environment: { secretId, jobToken } });
    const result = await main({ ...API_KEY });
    outputs.push(result);
    expect(result).toMatchObject({ done: true, secretId, jobToken });
    expect(jobStatus(jobToken)).toBe('completed');
  });

  it('uses Secret Manager\'s generator when asked to', async () => {
    register(actionWith({ password: { generator: 'store', length: 24 } }));
    const { result } = await runJob();
    expect(result).toMatchObject({ done: true });
    expect(emulator.calls().generateRandomSecret).toBe(1);
    expect(activePassword()).toHaveLength(24);
  });

  describe('refusals: a typed error naming the field, nothing written, no job left open', () => {
    const expectNothingWritten = (jobToken?: string): void => {
      expect(emulator.calls().updatePendingStage).toBeUndefined();
      expect(emulator.calls().completeRotationJob).toBeUndefined();
      expect(secret()?.chain).toEqual({ active: JSON.stringify(cdbSecret(OLD_PASSWORD)) });
      expect(target.passwordChanges).toEqual([]);
      if (jobToken !== undefined) expect(jobStatus(jobToken)).toBe('failed');
    };

    it('args without API keys or ids', async () => {
      const main = actionWith();
      const jobToken = emulator.openJob(secretId);
      for (const [args, field] of [
        [{ secretId, jobToken, secretKey: API_KEY.secretKey }, 'accessKey'],
        [{ secretId, jobToken, accessKey: API_KEY.accessKey }, 'secretKey'],
        [{ jobToken, ...API_KEY }, 'secretId'],
        [{ secretId, jobToken: ' ', ...API_KEY }, 'jobToken'],
        [{ secretId, jobToken, ...API_KEY, keyIsolation: 'nearby' }, 'keyIsolation'],
      ] as const) {
        const result = await main(args);
        outputs.push(result);
        expect(result).toMatchObject({ done: false, error_code: 'InvalidOptions', retryable: false });
        expect((result as { error_message: string }).error_message).toContain(field);
      }
      expect(emulator.calls()).toEqual({});
      expectNothingWritten();
      expectNoSecretsOut();
    });

    it('a secret missing a field', async () => {
      const { cdbHost: _host, ...withoutHost } = cdbSecret(OLD_PASSWORD);
      secretId = emulator.seedSecret({ chain: { active: withoutHost }, rotationTargets: ['cdbPassword'], triggerId: TRIGGER });
      const { jobToken, result } = await runJob();
      expect(result).toMatchObject({ done: false, secretId, jobToken, error_code: 'InvalidSecretValue' });
      expect((result as { error_message: string }).error_message).toContain('cdbHost');
      expect(emulator.calls().updatePendingStage).toBeUndefined();
      expect(target.passwordChanges).toEqual([]);
      expect(jobStatus(jobToken)).toBe('failed');
      expectNoSecretsOut();
    });

    it('a secret whose rotationTargets lack cdbPassword', async () => {
      secretId = emulator.seedSecret({
        chain: { active: cdbSecret(OLD_PASSWORD) },
        rotationTargets: ['cdbDatabase'],
        triggerId: TRIGGER,
      });
      const { jobToken, result } = await runJob();
      expect(result).toMatchObject({ done: false, error_code: 'InvalidSecretValue' });
      expect((result as { error_message: string }).error_message).toContain('cdbPassword, which is not among the rotationTargets');
      expect(emulator.calls().updatePendingStage).toBeUndefined();
      expect(jobStatus(jobToken)).toBe('failed');
    });

    it('alternating users when cdbUser is not a rotation target', async () => {
      register(actionWith({ strategy: alternatingUsers() }));
      const { jobToken, result } = await runJob();
      expect(result).toMatchObject({ done: false, error_code: 'InvalidSecretValue' });
      expect((result as { error_message: string }).error_message).toContain('cdbUser');
      expectNothingWritten(jobToken);
    });

    it('a start the service keeps refusing: the action fails the job itself', async () => {
      emulator.injectFault({ operation: 'startRotationJob', kind: 'error', times: 4 });
      const { jobToken, result } = await runJob();
      expect(result).toMatchObject({ done: false, error_code: 'StoreUnavailable', retryable: true });
      expectNothingWritten(jobToken);
    });

    it('an unknown job token', async () => {
      const result = await actionWith()({ secretId, jobToken: 'no-such-job', ...API_KEY });
      outputs.push(result);
      expect(result).toMatchObject({ done: false, error_code: 'SecretNotFound' });
      expectNothingWritten();
    });
  });

  it('after a failure past the database change, the job fails and a new job converges on the stored password', async () => {
    emulator.injectFault({ operation: 'completeRotationJob', kind: 'error', times: 4 });
    const failed = await runJob();
    expect(failed.result).toMatchObject({ done: false, error_code: 'StoreUnavailable' });
    expect(jobStatus(failed.jobToken)).toBe('failed');
    const left = passwordIn(secret()?.chain.pending);
    // The database already has the pending password; active no longer logs in.
    expect(target.accepts('app', left)).toBe(true);
    expect(target.accepts('app', OLD_PASSWORD)).toBe(false);

    const rerun = await runJob();
    expect(rerun.result).toMatchObject({ done: true, steps: { create: 'skipped', set: 'skipped', test: 'done', finish: 'done' } });
    expect(activePassword()).toBe(left);
    expect(secret()?.chain.previous).toBe(JSON.stringify(cdbSecret(OLD_PASSWORD)));
    expect(jobStatus(rerun.jobToken)).toBe('completed');
    expectNoSecretsOut();
  });

  describe('a target function', () => {
    it('picks the target from the current credentials and the invocation, with no read of its own', async () => {
      const seen: Array<{ current: Credentials; invocation: NcloudInvocation }> = [];
      register(
        actionWith({
          target: (current, invocation) => {
            seen.push({ current, invocation });
            return target;
          },
        }),
      );
      const { jobToken, result } = await runJob();
      expect(result).toMatchObject({ done: true, steps: { create: 'done', set: 'done', test: 'done', finish: 'done' } });
      expect(seen).toHaveLength(1);
      expect(seen[0]?.invocation).toEqual({ secretId, jobToken });
      expect(seen[0]?.current).toMatchObject({ username: 'app', host: 'db.internal', port: 3306, database: 'shop' });
      expect(target.accepts('app', activePassword())).toBe(true);
      // The emulator's executeRotation, then the job: core reads the current value from the chain Start
      // Rotation Job answered, and nothing reads it through the management API.
      expect(emulator.calls()).toEqual({ executeRotation: 1, startRotationJob: 1, updatePendingStage: 1, completeRotationJob: 1 });
      expectNoSecretsOut();
    });

    it('that throws: the job fails with nothing written', async () => {
      register(
        actionWith({
          target: () => {
            throw new Error(`no target for a password like ${OLD_PASSWORD}`);
          },
        }),
      );
      const { jobToken, result } = await runJob();
      expect(result).toMatchObject({ done: false, error_code: 'StepFailed', retryable: false });
      expect(emulator.calls().updatePendingStage).toBeUndefined();
      expect(target.passwordChanges).toEqual([]);
      expect(jobStatus(jobToken)).toBe('failed');
      expectNoSecretsOut();
    });
  });

  describe('refuses to be built, before any call, with an InvalidOptionsError naming the option', () => {
    const fieldOf = (build: () => unknown): unknown => {
      try {
        build();
      } catch (error) {
        return (error as { field?: unknown }).field;
      }
      return 'built';
    };

    it('without a target or a strategy', () => {
      expect(fieldOf(() => createCloudFunctionsAction({} as CloudFunctionsActionOptions))).toBe('target');
      expect(fieldOf(() => createCloudFunctionsAction({ target } as unknown as CloudFunctionsActionOptions))).toBe('strategy');
    });

    it('with an option it does not have, or a key isolation or region it does not know', () => {
      const built = (extra: Record<string, unknown>) =>
        fieldOf(() => createCloudFunctionsAction({ target, strategy: singleUser(), ...extra } as CloudFunctionsActionOptions));
      expect(built({ kmsEndpoint: emulator.regionalUrl })).toBe('kmsEndpoint');
      expect(built({ timeout: 5_000 })).toBe('timeout');
      expect(built({ keyIsolation: 'nearby' })).toBe('keyIsolation');
      expect(built({ region: 'EU' })).toBe('region');
      expect(built({ keyIsolation: 'global', region: 'KR', timeoutMs: 5_000 })).toBe('built');
      expect(emulator.calls()).toEqual({});
    });
  });
});
