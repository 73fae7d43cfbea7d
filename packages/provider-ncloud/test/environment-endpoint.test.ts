// The production-style action — built with no endpoint option and no environment option, as the
// example module builds it — reaches Secret Manager where NCLOUD_SECRET_MANAGER_ENDPOINT points
// it: a whole rotation job against the emulator with only that variable set.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { InvalidOptionsError, MemoryTarget, singleUser } from '@rotakit/core';
import { startNcloudSecretManagerEmulator, type NcloudSecretManagerEmulator } from '@rotakit/testkit';
import { createCloudFunctionsAction, type CloudFunctionsActionOptions, type NcloudActionMain } from '@rotakit/provider-ncloud';
import { API_KEY, cdbSecret } from './helpers.js';

const VARIABLE = 'NCLOUD_SECRET_MANAGER_ENDPOINT';
const OLD_PASSWORD = 'Old-password-1';
const TRIGGER = 'rotate-env';
/** A port nothing listens on: an endpoint that must not be the one used. */
const NOWHERE = 'http://127.0.0.1:1/secretmanager';

describe('the Secret Manager endpoint from the environment', () => {
  let emulator: NcloudSecretManagerEmulator;
  let target: MemoryTarget;
  let secretId: string;
  let saved: string | undefined;

  /** Registers the action for the trigger, runs one job and answers the action's result and the job's status. */
  const rotateWith = async (main: NcloudActionMain): Promise<{ result: unknown; status: string | undefined }> => {
    emulator.registerAction(TRIGGER, (args) => main(args), { defaultParams: { ...API_KEY } });
    const jobToken = await emulator.executeRotation(secretId, { regional: true });
    const { result } = await emulator.jobSettled(jobToken);
    return { result, status: emulator.state().jobs.find((j) => j.jobToken === jobToken)?.status };
  };
  const expectRotated = ({ result, status }: { result: unknown; status: string | undefined }): void => {
    expect(result).toMatchObject({ done: true, secretId });
    expect(status).toBe('completed');
    const active = emulator.state().secrets.find((s) => s.secretId === secretId)?.chain.active;
    const password = (JSON.parse(active ?? '{}') as { cdbPassword?: string }).cdbPassword;
    expect(password).not.toBe(OLD_PASSWORD);
    expect(target.users.get('app')?.password).toBe(password);
  };

  beforeAll(async () => {
    emulator = await startNcloudSecretManagerEmulator({ credentials: [API_KEY] });
  });
  afterAll(async () => {
    await emulator.close();
  });
  beforeEach(() => {
    saved = process.env[VARIABLE];
    target = new MemoryTarget({ tls: 'disable', users: { app: { password: OLD_PASSWORD } } });
    secretId = emulator.seedSecret({ chain: { active: cdbSecret(OLD_PASSWORD) }, rotationTargets: ['cdbPassword'], triggerId: TRIGGER });
    emulator.server.resetCalls();
  });
  afterEach(() => {
    if (saved === undefined) delete process.env[VARIABLE];
    else process.env[VARIABLE] = saved;
  });

  it('the production-style action rotates with only the environment pointing it at the emulator', async () => {
    process.env[VARIABLE] = emulator.regionalUrl;
    expectRotated(await rotateWith(createCloudFunctionsAction({ target, strategy: singleUser() })));
  });

  it('the environment option is read instead of process.env', async () => {
    process.env[VARIABLE] = NOWHERE;
    expectRotated(await rotateWith(createCloudFunctionsAction({ target, strategy: singleUser(), environment: { [VARIABLE]: emulator.regionalUrl } })));
  });

  it('the endpoint option wins over the environment', async () => {
    process.env[VARIABLE] = NOWHERE;
    expectRotated(await rotateWith(createCloudFunctionsAction({ target, strategy: singleUser(), endpoint: emulator.regionalUrl, retry: { retries: 0 } })));
  });

  it.each(['ftp://secretmanager.example.com', 'secretmanager.apigw.ntruss.com', 'http://'])(
    'a malformed value (%s) is an InvalidOptionsError naming the variable, before any call',
    (value) => {
      process.env[VARIABLE] = value;
      let thrown: unknown;
      try {
        createCloudFunctionsAction({ target, strategy: singleUser() } satisfies CloudFunctionsActionOptions);
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(InvalidOptionsError);
      expect((thrown as InvalidOptionsError).field).toBe(VARIABLE);
      expect((thrown as Error).message).toContain(VARIABLE);
      expect(emulator.server.callCounts()).toEqual({});
    },
  );
});
