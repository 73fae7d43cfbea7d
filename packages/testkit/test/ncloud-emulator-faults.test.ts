import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AxiosError, type AxiosInstance } from 'axios';
import { startNcloudSecretManagerEmulator, type NcloudSecretManagerEmulator } from '@rotakit/testkit';
import { CDB_VALUE, ncloudClient, TEST_CREDENTIAL } from './ncloud-client.js';

const QUOTA_EXCEEDED = { error: { errorCode: '400', message: 'Quota Exceeded', details: 'Request quota exceeded.' } };

describe('NAVER emulator faults and admin routes', () => {
  let emulator: NcloudSecretManagerEmulator;
  let client: AxiosInstance;
  let secretId: string;
  const values = () => client.get(`/api/v1/secrets/${secretId}/values`);

  beforeAll(async () => {
    emulator = await startNcloudSecretManagerEmulator({ credentials: [TEST_CREDENTIAL] });
    client = ncloudClient({ baseURL: emulator.regionalUrl, ...TEST_CREDENTIAL });
    secretId = emulator.seedSecret({ chain: { active: CDB_VALUE }, rotationTargets: ['cdbPassword'] });
  });
  afterEach(() => emulator.clearFaults());
  afterAll(() => emulator.close());

  it('throttle answers the gateway 429 Quota Exceeded, then the operation recovers', async () => {
    emulator.injectFault({ operation: 'getSecretValues', kind: 'throttle', times: 2 });
    for (let attempt = 0; attempt < 2; attempt += 1) {
      const throttled = await values();
      expect(throttled.status).toBe(429);
      expect(throttled.data).toEqual(QUOTA_EXCEEDED);
      expect(throttled.headers['x-ncp-apigw-request-id']).toEqual(expect.any(String));
    }
    expect((await values()).status).toBe(200);
  });

  it('a fault on one operation leaves the others alone', async () => {
    emulator.injectFault({ operation: 'startRotationJob', kind: 'throttle' });
    expect((await values()).status).toBe(200);
    expect((await client.get(`/api/v1/secrets/${secretId}`)).status).toBe(200);
  });

  it('error answers the service 500 INTERNAL_SERVER_ERROR', async () => {
    emulator.injectFault({ operation: '*', kind: 'error' });
    const failed = await values();
    expect(failed.status).toBe(500);
    expect(failed.data).toEqual({
      error: { errorCode: 'INTERNAL_SERVER_ERROR', message: 'Server internal error', details: 'An injected internal error.' },
    });
    expect((await values()).status).toBe(200);
  });

  it('latency holds the answer: a client with a shorter timeout gives up, the next call is answered', async () => {
    emulator.injectFault({ operation: 'getSecretValues', kind: 'latency', ms: 2_000 });
    const impatient = ncloudClient({ baseURL: emulator.regionalUrl, ...TEST_CREDENTIAL, timeout: 100 });
    const timedOut = await impatient.get(`/api/v1/secrets/${secretId}/values`).catch((error: unknown) => error);
    expect(timedOut).toBeInstanceOf(AxiosError);
    expect((timedOut as AxiosError).code).toBe('ECONNABORTED');
    expect((await impatient.get(`/api/v1/secrets/${secretId}/values`)).status).toBe(200);
  });

  it('latency followed by another fault delays and then applies it', async () => {
    emulator.injectFault({ operation: 'getSecretValues', kind: 'latency', ms: 1 });
    emulator.injectFault({ operation: 'getSecretValues', kind: 'throttle' });
    expect((await values()).status).toBe(429);
  });

  it('drop closes the connection without an answer', async () => {
    emulator.injectFault({ operation: 'getSecretValues', kind: 'drop' });
    const dropped = await values().catch((error: unknown) => error);
    expect(dropped).toBeInstanceOf(AxiosError);
    expect((dropped as AxiosError).response).toBeUndefined();
    expect((dropped as AxiosError).code).toBe('ECONNRESET');
    expect((await values()).status).toBe(200);
  });

  it('counts faulted calls per operation', async () => {
    const before = emulator.calls().getSecretValues ?? 0;
    emulator.injectFault({ operation: 'getSecretValues', kind: 'throttle' });
    await values();
    await values();
    expect(emulator.calls().getSecretValues).toBe(before + 2);
  });

  it('logs the calls in order since the last reset, faulted ones included', async () => {
    emulator.resetCalls();
    emulator.injectFault({ operation: 'getSecret', kind: 'error' });
    await client.get(`/api/v1/secrets/${secretId}`);
    await values();
    expect(emulator.callLog()).toEqual(['getSecret', 'getSecretValues']);
    expect(emulator.calls()).toEqual({ getSecret: 1, getSecretValues: 1 });
  });

  it('answers the admin routes: seed, state, calls, faults', async () => {
    const admin = (path: string) => `${emulator.url}/_rotakit/${path}`;
    const seeded = await fetch(admin('seed'), {
      method: 'POST',
      body: JSON.stringify({
        credentials: [{ accessKey: 'second-key', secretKey: 'second-secret' }],
        secrets: [{ secretId: 'seeded-1', chain: { active: CDB_VALUE }, rotationTargets: ['cdbPassword'], kmsBoundaryType: 'GLOBAL' }],
        jobs: [{ secretId: 'seeded-1' }],
      }),
    });
    expect(seeded.status).toBe(200);
    const secondClient = ncloudClient({ baseURL: emulator.url, accessKey: 'second-key', secretKey: 'second-secret' });
    expect((await secondClient.get('/api/v1/secrets/seeded-1/active')).data.data.decryptedSecretValue.value).toBe(JSON.stringify(CDB_VALUE));

    const state = (await (await fetch(admin('state'))).json()) as { jobs: Array<{ secretId: string; status: string }> };
    expect(state.jobs).toContainEqual(expect.objectContaining({ secretId: 'seeded-1', status: 'created' }));

    await fetch(admin('faults'), { method: 'POST', body: JSON.stringify({ operation: 'getSecretValue', kind: 'throttle' }) });
    expect((await secondClient.get('/api/v1/secrets/seeded-1/active')).status).toBe(429);
    const calls = (await (await fetch(admin('calls'))).json()) as Record<string, number>;
    expect(calls.getSecretValue).toBe(2);

    const badSeed = await fetch(admin('seed'), { method: 'POST', body: JSON.stringify({ secrets: [{ chain: { active: '{}' }, rotationTargets: ['x'] }] }) });
    expect(badSeed.status).toBe(400);
    expect(await badSeed.json()).toEqual({ error: 'seed: chain.active must hold 1 to 100 key/value pairs.' });
  });
});
