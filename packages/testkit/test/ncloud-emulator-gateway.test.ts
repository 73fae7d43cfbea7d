import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signNcloudRequest, startNcloudSecretManagerEmulator, type NcloudSecretManagerEmulator } from '@rotakit/testkit';
import { AUTHENTICATION_FAILED, CDB_VALUE, ncloudClient, TEST_CREDENTIAL, URL_NOT_FOUND } from './ncloud-client.js';

const NOW = 1_700_000_000_000;
const FIVE_MINUTES = 5 * 60 * 1000;

describe('signNcloudRequest', () => {
  it('produces the signature v2 headers an independent HMAC computes', () => {
    // Expected value computed with `openssl dgst -sha256 -hmac secretKEY123 -binary | base64`.
    expect(signNcloudRequest('get', '/secretmanager/api/v1/secrets/abc/values?pageNo=1', 'AKIDEXAMPLE', 'secretKEY123', NOW)).toEqual({
      'x-ncp-apigw-timestamp': '1700000000000',
      'x-ncp-iam-access-key': 'AKIDEXAMPLE',
      'x-ncp-apigw-signature-v2': 'yownOQEEEquhcQ1bPOkYXbPhQq9bGS1+vvI7FA4PKdc=',
    });
  });
});

describe('NAVER emulator gateway', () => {
  let emulator: NcloudSecretManagerEmulator;
  let globalSecret: string;
  let isolatedSecret: string;

  beforeAll(async () => {
    emulator = await startNcloudSecretManagerEmulator({ credentials: [TEST_CREDENTIAL], clock: () => NOW });
    globalSecret = emulator.seedSecret({ chain: { active: CDB_VALUE }, rotationTargets: ['cdbPassword'], kmsBoundaryType: 'GLOBAL' });
    isolatedSecret = emulator.seedSecret({ chain: { active: CDB_VALUE }, rotationTargets: ['cdbPassword'], kmsBoundaryType: 'ISOLATED' });
  });
  afterAll(() => emulator.close());

  const client = (overrides: Partial<Parameters<typeof ncloudClient>[0]> = {}) =>
    ncloudClient({ baseURL: emulator.url, ...TEST_CREDENTIAL, timestamp: () => NOW, ...overrides });

  it('answers a correctly signed request on the global host shape', async () => {
    const response = await client().get(`/api/v1/secrets/${globalSecret}/active`);
    expect(response.status).toBe(200);
    expect(response.data).toEqual({ code: 'SUCCESS', data: { decryptedSecretValue: { value: JSON.stringify(CDB_VALUE), valueStage: 'ACTIVE' } } });
    expect(response.headers['x-ncp-apigw-request-id']).toEqual(expect.any(String));
  });

  it('answers a correctly signed request on the region-isolated host shape, prefix signed', async () => {
    const response = await client({ baseURL: emulator.regionalUrl }).get(`/api/v1/secrets/${isolatedSecret}/active`);
    expect(response.status).toBe(200);
    expect(response.data.data.decryptedSecretValue.valueStage).toBe('ACTIVE');
  });

  it('signs the query string too', async () => {
    const response = await client().get(`/api/v1/secrets/${globalSecret}?unused=1&x=`);
    expect(response.status).toBe(200);
    expect(response.data.data.secretId).toBe(globalSecret);
  });

  it('serves each secret only on its key boundary host', async () => {
    const onRegional = await client({ baseURL: emulator.regionalUrl }).get(`/api/v1/secrets/${globalSecret}`);
    const onGlobal = await client().get(`/api/v1/secrets/${isolatedSecret}`);
    for (const response of [onRegional, onGlobal]) {
      expect(response.status).toBe(404);
      expect(response.data).toEqual({ error: { errorCode: 'NOT_FOUND', message: 'Not found', details: 'No such secret.' } });
    }
  });

  it.each([
    ['a wrong secret key', { secretKey: 'not-the-secret' }],
    ['an unknown access key', { accessKey: 'nobody' }],
    ['a timestamp more than 5 minutes old', { timestamp: () => NOW - FIVE_MINUTES - 1 }],
    ['a timestamp more than 5 minutes ahead', { timestamp: () => NOW + FIVE_MINUTES + 1 }],
    ['a tampered path', { signedPath: (path: string) => path.replace(/[^/]+\/active$/, 'other/active') }],
    ['a tampered query', { signedPath: (path: string) => `${path}?pageNo=2` }],
  ])('refuses a request signed with %s with the gateway 401', async (_case, overrides) => {
    const response = await client(overrides).get(`/api/v1/secrets/${globalSecret}/active`);
    expect(response.status).toBe(401);
    expect(response.data).toEqual(AUTHENTICATION_FAILED);
    expect(response.headers['x-ncp-apigw-request-id']).toEqual(expect.any(String));
  });

  it('refuses a regional request signed without its /secretmanager prefix', async () => {
    const withoutPrefix = client({ baseURL: emulator.regionalUrl, signedPath: (path) => path.replace('/secretmanager', '') });
    const response = await withoutPrefix.get(`/api/v1/secrets/${isolatedSecret}/active`);
    expect(response.status).toBe(401);
    expect(response.data).toEqual(AUTHENTICATION_FAILED);
  });

  it('accepts timestamps exactly 5 minutes from its clock', async () => {
    for (const timestamp of [NOW - FIVE_MINUTES, NOW + FIVE_MINUTES]) {
      const response = await client({ timestamp: () => timestamp }).get(`/api/v1/secrets/${globalSecret}`);
      expect(response.status).toBe(200);
    }
  });

  it('refuses unsigned requests and malformed timestamps with the gateway 401', async () => {
    const unsigned = await fetch(`${emulator.url}/api/v1/secrets/${globalSecret}`);
    expect(unsigned.status).toBe(401);
    expect(await unsigned.json()).toEqual(AUTHENTICATION_FAILED);
    const path = `/api/v1/secrets/${globalSecret}`;
    const headers = { ...signNcloudRequest('GET', path, TEST_CREDENTIAL.accessKey, TEST_CREDENTIAL.secretKey, NOW), 'x-ncp-apigw-timestamp': 'soon' };
    const malformed = await fetch(`${emulator.url}${path}`, { headers });
    expect(malformed.status).toBe(401);
    expect(await malformed.json()).toEqual(AUTHENTICATION_FAILED);
  });

  it('refuses a signature made for another method', async () => {
    const path = `/api/v1/secrets/${globalSecret}/rotation`;
    const headers = signNcloudRequest('GET', path, TEST_CREDENTIAL.accessKey, TEST_CREDENTIAL.secretKey, NOW);
    const response = await fetch(`${emulator.url}${path}`, { method: 'POST', headers });
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual(AUTHENTICATION_FAILED);
  });

  it.each([
    ['GET', '/api/v2/secrets'],
    ['GET', '/secretmanager/api/v1/nothing'],
    ['DELETE', '/action/v1/secrets/x/jobs/y/start'],
    ['GET', '/api/v1/secrets/x/jobs'],
    ['POST', '/secretmanager'],
  ])('answers %s %s, an unknown route, with the gateway 404', async (method, path) => {
    const response = await ncloudClient({ baseURL: emulator.url, ...TEST_CREDENTIAL, timestamp: () => NOW }).request({ method, url: path });
    expect(response.status).toBe(404);
    expect(response.data).toEqual(URL_NOT_FOUND);
    expect(response.headers['x-ncp-apigw-request-id']).toEqual(expect.any(String));
  });

  it('matches routes before checking signatures, as the gateway resolves a resource first', async () => {
    const response = await fetch(`${emulator.url}/no/such/route`);
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual(URL_NOT_FOUND);
  });
});
