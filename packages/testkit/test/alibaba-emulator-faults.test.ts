// Injected faults, call counts and the admin routes, as the official clients observe them.
import * as $Kms from '@alicloud/kms20160120';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { ADMIN_PREFIX, startAlibabaKmsEmulator, type AlibabaKmsEmulator } from '../src/index.js';
import { ACCESS_KEY, callKmsApi, expectKmsError, kmsClient, openApiClient, rejection } from './alibaba-kms-clients.js';

const THROTTLED = ['Rejected.Throttling', 429, 'The QPS upper limit is exceeded.'] as const;
const INTERNAL = ['InternalFailure', 500, 'An internal error occurred.'] as const;

let emulator: AlibabaKmsEmulator;

beforeAll(async () => {
  emulator = await startAlibabaKmsEmulator({ credentials: ACCESS_KEY });
});
afterAll(() => emulator.close());
afterEach(() => {
  emulator.clearFaults();
  emulator.resetCalls();
});

const seedSecret = () =>
  emulator.seed({ name: 'app', versions: [{ versionId: 'v1', data: 'current value', stages: ['ACSCurrent'] }] });
const getApp = (client = kmsClient(emulator)) => client.getSecretValue(new $Kms.GetSecretValueRequest({ secretName: 'app' }));

describe('faults seen by kms20160120 1.2.0', () => {
  test('throttle answers Rejected.Throttling 429 for the armed number of calls, then recovers', async () => {
    seedSecret();
    emulator.injectFault({ operation: 'GetSecretValue', kind: 'throttle', times: 2 });
    await expectKmsError(getApp(), ...THROTTLED);
    await expectKmsError(getApp(), ...THROTTLED);
    expect((await getApp()).secretData).toBe('current value');
    expect(emulator.callCount('GetSecretValue')).toBe(3);
  });

  test('a fault aimed at one action leaves the others alone; "*" hits any action', async () => {
    seedSecret();
    emulator.injectFault({ operation: 'PutSecretValue', kind: 'throttle' });
    expect((await getApp()).secretData).toBe('current value');
    emulator.injectFault({ operation: '*', kind: 'error' });
    await expectKmsError(kmsClient(emulator).getRandomPassword(new $Kms.GetRandomPasswordRequest({})), ...INTERNAL);
    expect(emulator.calls()).toEqual({ GetSecretValue: 1, GetRandomPassword: 1 });
    expect(emulator.callLog()).toEqual(['GetSecretValue', 'GetRandomPassword']);
  });

  test('error answers InternalFailure 500, or any KMS error given', async () => {
    seedSecret();
    emulator.injectFault({ operation: 'GetSecretValue', kind: 'error' });
    await expectKmsError(getApp(), ...INTERNAL);
    emulator.injectFault({ operation: 'GetSecretValue', kind: 'error', response: emulator.errorResponse('Forbidden.NoPermission') });
    await expectKmsError(getApp(), 'Forbidden.NoPermission', 403, 'You are not authorized to perform the operation.');
  });

  test('a faulted write changes nothing', async () => {
    seedSecret();
    emulator.injectFault({ operation: 'PutSecretValue', kind: 'error' });
    const put = new $Kms.PutSecretValueRequest({ secretName: 'app', versionId: 'v2', secretData: 'new value' });
    await expectKmsError(kmsClient(emulator).putSecretValue(put), ...INTERNAL);
    expect(emulator.state().secrets[0]?.versions.map((v) => v.versionId)).toEqual(['v1']);
  });

  test('latency longer than the client read timeout fails the call with the client timeout', async () => {
    seedSecret();
    emulator.injectFault({ operation: 'GetSecretValue', kind: 'latency', ms: 10_000 });
    const error = await rejection(getApp(kmsClient(emulator, { readTimeout: 300 })));
    expect(error.message).toMatch(/ReadTimeout\(300\)/);
    // The fault was for one call only.
    expect((await getApp(kmsClient(emulator, { readTimeout: 5000 }))).secretData).toBe('current value');
  });

  test('latency shorter than the read timeout delays but answers', async () => {
    seedSecret();
    emulator.injectFault({ operation: 'GetSecretValue', kind: 'latency', ms: 50 });
    expect((await getApp()).secretData).toBe('current value');
    expect(emulator.callCount('GetSecretValue')).toBe(1);
  });

  test('drop closes the connection without an answer: ECONNRESET, and 1.2.0 does not retry', async () => {
    seedSecret();
    emulator.injectFault({ operation: 'GetSecretValue', kind: 'drop' });
    const error = await rejection(getApp());
    expect(error.code).toBe('ECONNRESET');
    expect(emulator.callCount('GetSecretValue')).toBe(1);
  });

  test('lose-answer carries the write out, then closes the connection without an answer', async () => {
    seedSecret();
    emulator.injectFault({ operation: 'PutSecretValue', kind: 'lose-answer' });
    const put = new $Kms.PutSecretValueRequest({ secretName: 'app', versionId: 'v2', secretData: 'stored', versionStages: '["ACSPending"]' });
    expect((await rejection(kmsClient(emulator).putSecretValue(put))).code).toBe('ECONNRESET');
    const app = emulator.state().secrets.find((secret) => secret.name === 'app');
    expect(app?.versions.find((version) => version.versionId === 'v2')).toMatchObject({ data: 'stored', stages: ['ACSPending'] });
    // The same write again is the documented idempotent success.
    expect((await kmsClient(emulator).putSecretValue(put)).versionId).toBe('v2');
    expect(emulator.callCount('PutSecretValue')).toBe(2);
  });

  test("the client's transport errors quote the request URL, SecretData included: providers must not pass them on", async () => {
    seedSecret();
    emulator.injectFault({ operation: 'PutSecretValue', kind: 'drop' });
    const put = new $Kms.PutSecretValueRequest({ secretName: 'app', versionId: 'v2', secretData: 'leaky-password' });
    const error = await rejection(kmsClient(emulator).putSecretValue(put));
    expect(error.message).toContain('SecretData=leaky-password');
  });
});

describe('faults seen by openapi-client (ACS3)', () => {
  test('throttle keeps the exact code and sets statusCode 429', async () => {
    seedSecret();
    emulator.injectFault({ operation: 'GetSecretValue', kind: 'throttle' });
    const error = await rejection(callKmsApi(openApiClient(emulator), 'GetSecretValue', { SecretName: 'app' }));
    expect(error).toMatchObject({ code: 'Rejected.Throttling', statusCode: 429 });
    expect(error.message).toMatch(/^Rejected\.Throttling: code: 429, The QPS upper limit is exceeded\. request id: /);
  });

  test('drop is a connection reset', async () => {
    seedSecret();
    emulator.injectFault({ operation: 'GetSecretValue', kind: 'drop' });
    const error = await rejection(callKmsApi(openApiClient(emulator), 'GetSecretValue', { SecretName: 'app' }));
    expect(error.code).toBe('ECONNRESET');
  });
});

describe('admin routes over HTTP', () => {
  const admin = (path: string, init?: RequestInit) => fetch(`${emulator.url}${ADMIN_PREFIX}${path}`, init);

  test('seed, state, calls and faults', async () => {
    const seeded = await admin('seed', {
      method: 'POST',
      body: JSON.stringify({
        secrets: [
          {
            name: 'over-http',
            versions: [
              { versionId: 'h1', data: 'one', stages: ['ACSPrevious'] },
              { versionId: 'h2', data: 'two', stages: ['ACSCurrent', 'Custom'] },
            ],
          },
        ],
      }),
    });
    expect(seeded.status).toBe(200);
    const client = kmsClient(emulator);
    const request = new $Kms.GetSecretValueRequest({ secretName: 'over-http', versionStage: 'Custom' });
    expect((await client.getSecretValue(request)).secretData).toBe('two');

    await admin('faults', { method: 'POST', body: JSON.stringify({ operation: 'GetSecretValue', kind: 'throttle', times: 5 }) });
    await expectKmsError(client.getSecretValue(request), ...THROTTLED);
    await admin('faults', { method: 'DELETE' });
    expect((await client.getSecretValue(request)).secretData).toBe('two');

    expect(await (await admin('calls')).json()).toEqual({ GetSecretValue: 3 });
    const state = (await (await admin('state')).json()) as { secrets: { name: string; versions: { versionId: string; stages: string[] }[] }[] };
    expect(state.secrets.find((s) => s.name === 'over-http')?.versions.map((v) => [v.versionId, v.stages])).toEqual([
      ['h1', ['ACSPrevious']],
      ['h2', ['ACSCurrent', 'Custom']],
    ]);
  });

  test('a seed that breaks a KMS rule is refused', async () => {
    const response = await admin('seed', {
      method: 'POST',
      body: JSON.stringify([
        {
          name: 'broken',
          versions: [
            { versionId: 'a', data: 'x', stages: ['ACSCurrent'] },
            { versionId: 'b', data: 'y', stages: ['ACSCurrent'] },
          ],
        },
      ]),
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ error: 'seed broken: stage ACSCurrent marks two versions' });
  });
});
