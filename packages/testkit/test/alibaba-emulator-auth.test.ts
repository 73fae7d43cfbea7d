// Signatures: RPC v1 from @alicloud/kms20160120 1.2.0, ACS3-HMAC-SHA256 from @alicloud/openapi-client.
import * as $Kms from '@alicloud/kms20160120';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startAlibabaKmsEmulator, type AlibabaKmsEmulator } from '../src/index.js';
import {
  ACCESS_KEY,
  callKmsApi,
  callKmsApiResponse,
  expectKmsError,
  kmsClient,
  openApiClient,
  rejection,
} from './alibaba-kms-clients.js';

const MISMATCH = ['SignatureDoesNotMatch', 400, 'Specified signature is not matched with our calculation.'] as const;
const UNKNOWN_KEY = ['InvalidAccessKeyId.NotFound', 404, 'Specified access key is not found.'] as const;

let emulator: AlibabaKmsEmulator;

beforeAll(async () => {
  emulator = await startAlibabaKmsEmulator({ credentials: ACCESS_KEY, regionId: 'cn-shanghai' });
  emulator.seed({ name: 'signed', versions: [{ versionId: 'v1', data: 'value', stages: ['ACSCurrent'] }] });
});
afterAll(() => emulator.close());

const getSigned = new $Kms.GetSecretValueRequest({ secretName: 'signed' });

describe('RPC v1 (HMAC-SHA1) from kms20160120 1.2.0', () => {
  test('a request signed with the configured key is answered', async () => {
    expect((await kmsClient(emulator).getSecretValue(getSigned)).secretData).toBe('value');
  });

  test('STS credentials sign the same way and are answered', async () => {
    const sts = kmsClient(emulator, { securityToken: 'sts-token' });
    expect((await sts.getSecretValue(getSigned)).secretData).toBe('value');
  });

  test('a wrong secret is SignatureDoesNotMatch and changes nothing', async () => {
    const forger = kmsClient(emulator, { accessKeySecret: 'not-the-secret' });
    await expectKmsError(forger.getSecretValue(getSigned), ...MISMATCH);
    await expectKmsError(
      forger.putSecretValue(new $Kms.PutSecretValueRequest({ secretName: 'signed', versionId: 'v2', secretData: 'forged' })),
      ...MISMATCH,
    );
    expect(emulator.state().secrets[0]?.versions.map((v) => v.versionId)).toEqual(['v1']);
  });

  test('an unknown AccessKeyId is InvalidAccessKeyId.NotFound', async () => {
    await expectKmsError(kmsClient(emulator, { accessKeyId: 'LTAI5tSomeoneElse' }).getSecretValue(getSigned), ...UNKNOWN_KEY);
  });

  test('the error body names the region host', async () => {
    const error = await rejection(kmsClient(emulator, { accessKeySecret: 'nope' }).getSecretValue(getSigned));
    expect(error.data?.['HostId']).toBe('kms.cn-shanghai.aliyuncs.com');
  });
});

describe('ACS3-HMAC-SHA256 from openapi-client callApi', () => {
  test('signed requests are answered, parameters in the query or in a form body', async () => {
    const client = openApiClient(emulator);
    await callKmsApi(client, 'CreateSecret', { SecretName: 'acs3', VersionId: 'a1', SecretData: "it's (*) !" });
    await callKmsApi(client, 'PutSecretValue', { SecretName: 'acs3', VersionId: 'a2', SecretData: 'a=b&c', VersionStages: '["ACSPending"]' }, 'body');
    await callKmsApi(client, 'UpdateSecretVersionStage', { SecretName: 'acs3', VersionStage: 'ACSCurrent', MoveToVersion: 'a2' });
    const current = await callKmsApi(client, 'GetSecretValue', { SecretName: 'acs3' }, 'body');
    expect(current).toMatchObject({
      SecretName: 'acs3',
      VersionId: 'a2',
      SecretData: 'a=b&c',
      SecretType: 'Generic',
      VersionStages: { VersionStage: ['ACSCurrent', 'ACSPending'] },
    });
    const previous = await callKmsApi(client, 'GetSecretValue', { SecretName: 'acs3', VersionStage: 'ACSPrevious' });
    expect(previous['SecretData']).toBe("it's (*) !");
  });

  test('answers 200 JSON (content-type application/json) with a RequestId', async () => {
    const response = await callKmsApiResponse(openApiClient(emulator), 'GetSecretValue', { SecretName: 'signed' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('application/json');
    expect(response.body).toMatchObject({ RequestId: expect.stringMatching(/^[0-9a-f-]{36}$/), SecretData: 'value' });
  });

  test('a wrong secret is SignatureDoesNotMatch, with the exact code and the status set', async () => {
    const error = await rejection(callKmsApi(openApiClient(emulator, { accessKeySecret: 'wrong' }), 'GetSecretValue', { SecretName: 'signed' }));
    expect(error).toMatchObject({ code: MISMATCH[0], statusCode: MISMATCH[1] });
    expect(error.message).toMatch(/^SignatureDoesNotMatch: code: 400, Specified signature is not matched with our calculation\. request id: [0-9a-f-]{36}$/);
  });

  test('an unknown AccessKeyId is InvalidAccessKeyId.NotFound', async () => {
    const error = await rejection(callKmsApi(openApiClient(emulator, { accessKeyId: 'LTAI5tSomeoneElse' }), 'GetSecretValue', { SecretName: 'signed' }));
    expect(error).toMatchObject({ code: UNKNOWN_KEY[0], statusCode: UNKNOWN_KEY[1] });
  });

  test('KMS errors keep their exact code: Forbidden.ResourceNotFound, 404', async () => {
    const error = await rejection(callKmsApi(openApiClient(emulator), 'GetSecretValue', { SecretName: 'missing' }));
    expect(error).toMatchObject({ code: 'Forbidden.ResourceNotFound', statusCode: 404, data: { Code: 'Forbidden.ResourceNotFound' } });
    expect(error.message).toMatch(/^Forbidden\.ResourceNotFound: code: 404, The resource is not found\. request id: /);
  });
});

test("openapi-client's RPC v1 mode (signatureAlgorithm v2) is verified too", async () => {
  const v1 = (accessKeySecret: string) => openApiClient(emulator, { accessKeySecret, signatureAlgorithm: 'v2' });
  expect((await callKmsApi(v1(ACCESS_KEY.accessKeySecret), 'GetSecretValue', { SecretName: 'signed' }))['SecretData']).toBe('value');
  const error = await rejection(callKmsApi(v1('wrong'), 'GetSecretValue', { SecretName: 'signed' }));
  expect(error).toMatchObject({ code: MISMATCH[0], statusCode: MISMATCH[1] });
});

test('STS credentials over ACS3 are answered', async () => {
  const sts = openApiClient(emulator, { securityToken: 'sts-token' });
  expect((await callKmsApi(sts, 'GetSecretValue', { SecretName: 'signed' }))['SecretData']).toBe('value');
});

test('an emulator started without credentials answers any signature', async () => {
  const open = await startAlibabaKmsEmulator();
  try {
    open.seed({ name: 's', versions: [{ versionId: 'v1', data: 'x', stages: ['ACSCurrent'] }] });
    const client = kmsClient(open, { accessKeyId: 'anything', accessKeySecret: 'anything' });
    expect((await client.getSecretValue(new $Kms.GetSecretValueRequest({ secretName: 's' }))).secretData).toBe('x');
  } finally {
    await open.close();
  }
});
