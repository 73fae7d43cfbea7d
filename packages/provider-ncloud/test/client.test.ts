import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { isRotakitError } from '@rotakit/core';
import { signNcloudRequest, startNcloudSecretManagerEmulator, type NcloudSecretManagerEmulator } from '@rotakit/testkit';
import {
  NcloudAuthenticationError,
  NcloudSecretManagerClient,
  secretManagerBaseUrl,
  signRequest,
} from '@rotakit/provider-ncloud';
import { API_KEY, cdbSecret, clientOf, startPathRewritingProxy } from './helpers.js';

const FIVE_MINUTES = 5 * 60 * 1000;

describe('signRequest', () => {
  it('agrees with testkit\'s independent signer on every path shape', () => {
    const paths = [
      '/action/v1/secrets/abc/jobs/0f6c-11/start',
      '/secretmanager/api/v1/secrets/abc/values?pageNo=1&x=',
      '/secretmanager/action/v1/secrets/a%20b/jobs/t%2Fk/pending',
    ];
    for (const path of paths) {
      for (const method of ['GET', 'post', 'PUT']) {
        expect(signRequest(method, path, API_KEY, 1_700_000_000_123)).toEqual(
          signNcloudRequest(method, path, API_KEY.accessKey, API_KEY.secretKey, 1_700_000_000_123),
        );
      }
    }
  });
});

describe('secretManagerBaseUrl', () => {
  it('picks the host of the key isolation and region', () => {
    expect(secretManagerBaseUrl('global', 'KR')).toBe('https://secretmanager.apigw.ntruss.com');
    expect(secretManagerBaseUrl('regional', 'KR')).toBe('https://ocapi-kr.ncloud.com/secretmanager');
    expect(secretManagerBaseUrl()).toBe('https://ocapi-kr.ncloud.com/secretmanager');
    expect(secretManagerBaseUrl('regional', 'JPN')).toBe('https://ocapi-jp.ncloud.com/secretmanager');
  });

  it('refuses a global key in JPN, naming the region', () => {
    const error = (() => {
      try {
        return secretManagerBaseUrl('global', 'JPN');
      } catch (e) {
        return e;
      }
    })();
    expect(isRotakitError(error, 'InvalidOptions') && error.field).toBe('region');
  });
});

describe('NcloudSecretManagerClient against the emulator', () => {
  let emulator: NcloudSecretManagerEmulator;
  let now: number;
  let regionalSecret: string;
  let globalSecret: string;

  beforeAll(async () => {
    now = Date.now();
    emulator = await startNcloudSecretManagerEmulator({ credentials: [API_KEY], clock: () => now });
  });
  afterAll(() => emulator.close());
  beforeEach(() => {
    emulator.clearFaults();
    emulator.server.resetCalls();
    regionalSecret = emulator.seedSecret({ chain: { active: cdbSecret('old-password-1') }, rotationTargets: ['cdbPassword'] });
    globalSecret = emulator.seedSecret({
      chain: { active: cdbSecret('old-password-2'), previous: cdbSecret('older-password') },
      rotationTargets: ['cdbPassword'],
      kmsBoundaryType: 'GLOBAL',
    });
  });

  const refusal = async (promise: Promise<unknown>): Promise<unknown> => promise.then(() => 'no error', (e: unknown) => e);

  it('runs a job on the region-isolated host: start, generate, pending, complete', async () => {
    const client = clientOf(emulator);
    const token = emulator.openJob(regionalSecret);
    const job = await client.startRotationJob(regionalSecret, token);
    expect(job).toEqual({ chain: { active: JSON.stringify(cdbSecret('old-password-1')) }, rotationTargets: ['cdbPassword'] });
    const password = await client.generateRandomSecret(regionalSecret, token, { length: 16, includeSpace: false });
    expect(password).toHaveLength(16);
    const pending = JSON.stringify(cdbSecret(password));
    await client.updatePendingStage(regionalSecret, token, pending);
    await client.completeRotationJob(regionalSecret, token);
    expect(await client.getSecretValue(regionalSecret, 'active')).toBe(pending);
    expect(await client.getSecretValue(regionalSecret, 'previous')).toBe(JSON.stringify(cdbSecret('old-password-1')));
  });

  it('reaches a global-key secret on the global host, and only there', async () => {
    const global = clientOf(emulator, { endpoint: emulator.url });
    const token = emulator.openJob(globalSecret);
    const job = await global.startRotationJob(globalSecret, token);
    expect(job.chain.previous).toBe(JSON.stringify(cdbSecret('older-password')));
    const onRegional = await refusal(clientOf(emulator).getSecretValue(globalSecret, 'active'));
    expect(isRotakitError(onRegional, 'SecretNotFound')).toBe(true);
  });

  it('reads a secret\'s detail and its chain through the management API, opening no job', async () => {
    const client = clientOf(emulator);
    const secretId = emulator.seedSecret({
      chain: { active: cdbSecret('active-password'), pending: cdbSecret('pending-password') },
      rotationTargets: ['cdbPassword'],
      autoRotationYN: 'Y',
      autoRotationPeriod: 30,
      triggerId: 'trigger-1',
    });
    const detail = await client.getSecret(secretId);
    expect(detail).toMatchObject({ secretId, autoRotation: true, autoRotationPeriodDays: 30, rotationPhase: 'NONE', triggerId: 'trigger-1' });
    expect(typeof detail.nextRotationDate).toBe('number');
    expect(await client.getSecretChain(secretId)).toEqual({
      chain: { active: JSON.stringify(cdbSecret('active-password')), pending: JSON.stringify(cdbSecret('pending-password')) },
      rotationTargets: ['cdbPassword'],
    });
    expect(emulator.calls().startRotationJob ?? 0).toBe(0);
    emulator.openJob(secretId);
    expect((await client.getSecret(secretId)).rotationPhase).not.toBe('NONE');
    const missing = await refusal(client.getSecret('no-such-secret'));
    expect(isRotakitError(missing, 'SecretNotFound')).toBe(true);
  });

  it('updates the chain by hand with Update Secret Value: named stages written, null deletes one, the others kept', async () => {
    const client = clientOf(emulator);
    const [active, pending, previous] = [cdbSecret('active-pw'), cdbSecret('pending-pw'), cdbSecret('previous-pw')].map((value) => JSON.stringify(value));
    const secretId = emulator.seedSecret({ chain: { active: active!, pending: pending!, previous: previous! }, rotationTargets: ['cdbPassword'] });
    // The chain shift by hand: pending becomes active, active previous, pending deleted.
    await client.updateSecretValue(secretId, { previous: active!, active: pending!, pending: null });
    expect((await client.getSecretChain(secretId)).chain).toEqual({ active: pending, previous: active });
    await client.updateSecretValue(secretId, { pending: previous! });
    expect((await client.getSecretChain(secretId)).chain).toEqual({ active: pending, previous: active, pending: previous });
    const refusedActive = await refusal(client.updateSecretValue(secretId, { active: null }));
    expect(refusedActive).toMatchObject({ code: 'InvalidOptions', field: 'update.active' });
    const refusedEmpty = await refusal(client.updateSecretValue(secretId, {}));
    expect(refusedEmpty).toMatchObject({ code: 'InvalidOptions', field: 'update' });
    const malformed = await refusal(client.updateSecretValue(secretId, { pending: 'not json' }));
    expect(isRotakitError(malformed)).toBe(true);
    expect(String((malformed as Error).message)).not.toContain('not json');
  });

  it('executes a rotation as the console does: the trigger\'s action runs under the job token it answers', async () => {
    const client = clientOf(emulator);
    const secretId = emulator.seedSecret({ chain: { active: cdbSecret('before-password') }, rotationTargets: ['cdbPassword'], triggerId: 'exec-trigger' });
    const seen: unknown[] = [];
    emulator.registerAction('exec-trigger', async (args) => {
      seen.push(args['jobToken']);
      // An action that gives up ends its job, as the rotation process asks.
      await client.failRotationJob(secretId, String(args['jobToken']));
      return { ok: false };
    });
    const jobToken = await client.executeRotation(secretId);
    expect(typeof jobToken).toBe('string');
    await emulator.jobSettled(jobToken!);
    expect(seen).toEqual([jobToken]);
    expect((await client.getSecret(secretId)).lastRotationResultId).toBe(jobToken);
    const noTrigger = emulator.seedSecret({ chain: { active: cdbSecret('x') }, rotationTargets: ['cdbPassword'] });
    const refused = await refusal(client.executeRotation(noTrigger));
    expect(isRotakitError(refused)).toBe(true);
  });

  it('accepts data null sent as the string "null" (older documentation)', async () => {
    const client = clientOf(emulator);
    const token = emulator.openJob(regionalSecret);
    await client.startRotationJob(regionalSecret, token);
    emulator.injectFault({
      operation: 'failRotationJob',
      kind: 'error',
      response: { status: 200, headers: { 'content-type': 'application/json' }, body: '{"code":"SUCCESS","data":"null"}' },
    });
    await expect(client.failRotationJob(regionalSecret, token)).resolves.toBeUndefined();
  });

  it('refuses a success status without the success envelope', async () => {
    emulator.injectFault({ operation: 'getSecretValue', kind: 'error', response: { status: 200, body: '<html>portal</html>' } });
    const error = await refusal(clientOf(emulator).getSecretValue(regionalSecret, 'active'));
    expect(isRotakitError(error, 'StepFailed')).toBe(true);
  });

  it('retries throttling and server errors with a fresh timestamp and signature per attempt', async () => {
    // Every clock read moves the shared clock on by ten minutes: a re-sent old signature would be stale.
    let shared = now;
    const movingEmulator = await startNcloudSecretManagerEmulator({ credentials: [API_KEY], clock: () => shared });
    const proxy = await startPathRewritingProxy(movingEmulator.url);
    try {
      const secretId = movingEmulator.seedSecret({ chain: { active: cdbSecret('old-password-1') }, rotationTargets: ['cdbPassword'] });
      const client = clientOf(movingEmulator, {
        endpoint: `${proxy.url}/secretmanager`,
        clock: () => {
          shared += 2 * FIVE_MINUTES;
          return shared;
        },
      });
      movingEmulator.injectFault({ operation: 'getSecretValue', kind: 'throttle', times: 2 });
      movingEmulator.injectFault({ operation: 'getSecretValue', kind: 'error', times: 1 });
      expect(await client.getSecretValue(secretId, 'active')).toBe(JSON.stringify(cdbSecret('old-password-1')));
      expect(movingEmulator.calls().getSecretValue).toBe(4);
      expect(new Set(proxy.timestamps).size).toBe(4);
    } finally {
      await proxy.close();
      await movingEmulator.close();
    }
  });

  it('gives up after its retries with a retryable StoreUnavailable', async () => {
    emulator.injectFault({ operation: 'startRotationJob', kind: 'throttle', times: 10 });
    const token = emulator.openJob(regionalSecret);
    const error = await refusal(clientOf(emulator, { retry: { retries: 2, baseDelayMs: 1 } }).startRotationJob(regionalSecret, token));
    expect(isRotakitError(error, 'StoreUnavailable')).toBe(true);
    expect((error as Error).message).toContain('429 400 Quota Exceeded');
    expect((error as { retryable: boolean }).retryable).toBe(true);
    expect(emulator.calls().startRotationJob).toBe(3);
  });

  it('maps a server error that outlasts the retries to StoreUnavailable', async () => {
    emulator.injectFault({ operation: 'completeRotationJob', kind: 'error', times: 10 });
    const token = emulator.openJob(regionalSecret);
    const client = clientOf(emulator, { retry: { retries: 1, baseDelayMs: 1 } });
    await client.startRotationJob(regionalSecret, token);
    const error = await refusal(client.completeRotationJob(regionalSecret, token));
    expect(isRotakitError(error, 'StoreUnavailable')).toBe(true);
    expect((error as Error).message).toContain('500 INTERNAL_SERVER_ERROR');
  });

  it('retries a dropped connection, and maps an unreachable endpoint to StoreUnavailable without the URL', async () => {
    emulator.injectFault({ operation: 'getSecretValue', kind: 'drop', times: 1 });
    expect(await clientOf(emulator).getSecretValue(regionalSecret, 'active')).toContain('old-password-1');
    const closed = await startNcloudSecretManagerEmulator({ credentials: [API_KEY] });
    await closed.close();
    const error = await refusal(clientOf(closed, { retry: { retries: 1, baseDelayMs: 1 } }).getSecretValue(regionalSecret, 'active'));
    expect(isRotakitError(error, 'StoreUnavailable')).toBe(true);
    expect((error as Error).message).not.toContain(closed.url);
    expect((error as Error).cause).toBeUndefined();
  });

  it('maps the service\'s envelopes: unknown secret or token → SecretNotFound, finished job → RotationTokenInvalid', async () => {
    const client = clientOf(emulator);
    const unknownSecret = await refusal(client.getSecretValue('no-such-secret', 'active'));
    expect(isRotakitError(unknownSecret, 'SecretNotFound')).toBe(true);
    expect((unknownSecret as Error).message).toContain('404 NOT_FOUND Not found: No such secret.');
    const unknownToken = await refusal(client.startRotationJob(regionalSecret, 'no-such-token'));
    expect(isRotakitError(unknownToken, 'SecretNotFound')).toBe(true);
    const token = emulator.openJob(regionalSecret);
    await client.startRotationJob(regionalSecret, token);
    await client.failRotationJob(regionalSecret, token);
    const finished = await refusal(client.startRotationJob(regionalSecret, token));
    expect(isRotakitError(finished, 'RotationTokenInvalid')).toBe(true);
    expect((finished as Error).message).toContain('422 UNPROCESSABLE_ENTITY');
  });

  it('keeps the service\'s details out of a refused pending write, whose body held a secret', async () => {
    const client = clientOf(emulator);
    const token = emulator.openJob(regionalSecret);
    await client.startRotationJob(regionalSecret, token);
    const error = await refusal(client.updatePendingStage(regionalSecret, token, JSON.stringify(cdbSecret('new-secret-1', { cdbUser: 'other' }))));
    expect(isRotakitError(error, 'PendingMismatch')).toBe(true);
    expect((error as Error).message).toContain('422 UNPROCESSABLE_ENTITY Invalid status');
    expect((error as Error).message).not.toContain('cdbUser');
  });

  it('maps a service 400 to a non-retryable StepFailed', async () => {
    const client = clientOf(emulator);
    const token = emulator.openJob(regionalSecret);
    await client.startRotationJob(regionalSecret, token);
    const error = await refusal(client.generateRandomSecret(regionalSecret, token, { length: 40 }));
    expect(isRotakitError(error, 'StepFailed')).toBe(true);
    expect((error as { retryable: boolean }).retryable).toBe(false);
    expect((error as Error).message).toContain('400 INVALID_REQUEST');
  });

  it('maps the gateway\'s unknown URL to InvalidOptions naming the endpoint', async () => {
    const error = await refusal(clientOf(emulator, { endpoint: `${emulator.url}/wrong-prefix` }).getSecretValue(regionalSecret, 'active'));
    expect(isRotakitError(error, 'InvalidOptions') && error.field).toBe('endpoint');
    expect((error as Error).message).toContain('404 300 Not Found Exception');
  });

  describe('requests the gateway refuses surface as NcloudAuthenticationError, not retried', () => {
    const expectAuthFailure = (error: unknown): void => {
      expect(error).toBeInstanceOf(NcloudAuthenticationError);
      const refused = error as NcloudAuthenticationError;
      expect(refused).toMatchObject({ code: 'StoreAccessDenied', field: 'accessKey', retryable: false, status: 401, errorCode: '200' });
      expect(refused.message).toContain('401 200 Authentication Failed');
      expect(refused.message).not.toContain(API_KEY.secretKey);
      expect(refused.cause).toBeUndefined();
    };

    it('a wrong secret key', async () => {
      const error = await refusal(clientOf(emulator, { secretKey: 'not-the-secret-key' }).getSecretValue(regionalSecret, 'active'));
      expectAuthFailure(error);
      expect(emulator.calls().getSecretValue).toBe(1);
    });

    it('an unknown access key', async () => {
      expectAuthFailure(await refusal(clientOf(emulator, { accessKey: 'someone-else' }).getSecretValue(regionalSecret, 'active')));
    });

    it('a timestamp more than five minutes old', async () => {
      const stale = clientOf(emulator, { clock: () => now - FIVE_MINUTES - 1 });
      expectAuthFailure(await refusal(stale.getSecretValue(regionalSecret, 'active')));
      // The same client a little less stale is accepted: it is the clock that was refused.
      const recent = clientOf(emulator, { clock: () => now - FIVE_MINUTES + 1000 });
      expect(await recent.getSecretValue(regionalSecret, 'active')).toContain('old-password-1');
    });

    it('a path tampered with in transit', async () => {
      const proxy = await startPathRewritingProxy(emulator.url, (path) => path.replace('/active', '/previous'));
      try {
        const seeded = emulator.seedSecret({
          chain: { active: cdbSecret('old-password-1'), previous: cdbSecret('older') },
          rotationTargets: ['cdbPassword'],
        });
        expectAuthFailure(await refusal(clientOf(emulator, { endpoint: `${proxy.url}/secretmanager` }).getSecretValue(seeded, 'active')));
        // Untouched paths pass through the same proxy.
        expect(await clientOf(emulator, { endpoint: `${proxy.url}/secretmanager` }).getSecretValue(seeded, 'previous')).toContain('older');
      } finally {
        await proxy.close();
      }
    });
  });

  it('refuses missing keys and a non-HTTP endpoint, naming the option', () => {
    const attempt = (options: ConstructorParameters<typeof NcloudSecretManagerClient>[0]): unknown => {
      try {
        return new NcloudSecretManagerClient(options);
      } catch (e) {
        return e;
      }
    };
    expect((attempt({ accessKey: '', secretKey: 'x' }) as { field?: string }).field).toBe('accessKey');
    expect((attempt({ accessKey: 'x', secretKey: '' }) as { field?: string }).field).toBe('secretKey');
    expect((attempt({ ...API_KEY, endpoint: 'ftp://example' }) as { field?: string }).field).toBe('endpoint');
  });
});
