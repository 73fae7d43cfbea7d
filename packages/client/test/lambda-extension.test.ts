// The Lambda extension reader against a protocol fake of the extension's local endpoint (as AWS
// documents it: GET /secretsmanager/get?secretId=…&versionStage=…, the token header, the
// GetSecretValue JSON answer), which fronts the Secrets Manager emulator through the official client.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CreateSecretCommand, GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { AWS_EMULATOR_CREDENTIALS, startAwsSecretsManagerEmulator, type AwsSecretsManagerEmulator } from '@rotakit/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lambdaExtensionSecretReader } from '../src/lambda-extension.js';

const TOKEN = 'session-token-of-the-function';
const PASSWORD = 'initial-app-password-1';
let sm: AwsSecretsManagerEmulator;
let client: SecretsManagerClient;
let extension: Server;
let endpoint: string;
const requests: { url: string; token: string | undefined }[] = [];

/** The extension's answer to one request: it passes GetSecretValue's answer (or its error) on. */
async function answer(url: URL, token: string | undefined): Promise<{ status: number; body: string }> {
  if (token !== TOKEN) return { status: 401, body: 'not authorized' };
  const secretId = url.searchParams.get('secretId');
  if (url.pathname !== '/secretsmanager/get' || !secretId) return { status: 400, body: 'secretId is required' };
  const VersionStage = url.searchParams.get('versionStage') ?? undefined;
  try {
    const { $metadata: _metadata, ...response } = await client.send(new GetSecretValueCommand({ SecretId: secretId, VersionStage }));
    return { status: 200, body: JSON.stringify(response) };
  } catch (error) {
    return { status: 400, body: `${(error as Error).name}: ${(error as Error).message}` };
  }
}

beforeAll(async () => {
  sm = await startAwsSecretsManagerEmulator();
  client = new SecretsManagerClient({ endpoint: sm.url, region: 'us-east-1', credentials: AWS_EMULATOR_CREDENTIALS, maxAttempts: 1 });
  extension = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    const token = request.headers['x-aws-parameters-secrets-token'] as string | undefined;
    requests.push({ url: request.url ?? '', token });
    void answer(url, token).then(({ status, body }) => response.writeHead(status).end(body));
  });
  await new Promise<void>((resolve) => extension.listen(0, resolve));
  endpoint = `http://127.0.0.1:${(extension.address() as AddressInfo).port}`;
});
afterAll(async () => {
  client.destroy();
  await new Promise((resolve) => extension.close(resolve));
  await sm.close();
});

let secrets = 0;
async function createSecret(): Promise<string> {
  secrets += 1;
  const value = { engine: 'mysql', host: 'db.internal', port: 3306, username: 'app', password: PASSWORD };
  const { ARN } = await client.send(new CreateSecretCommand({ Name: `app/lambda-${secrets}`, SecretString: JSON.stringify(value) }));
  return ARN as string;
}

describe('lambdaExtensionSecretReader', () => {
  it('asks the extension with the token header, by stage, once for concurrent callers', async () => {
    const secretId = await createSecret();
    const reader = lambdaExtensionSecretReader(secretId, { endpoint, token: TOKEN });
    requests.length = 0;
    const answers = await Promise.all(Array.from({ length: 5 }, () => reader.current()));
    expect(answers.every((read) => read.credentials.password === PASSWORD)).toBe(true);
    expect(answers[0]?.versionId).toMatch(/.+/);
    expect(requests).toEqual([{ url: `/secretsmanager/get?secretId=${encodeURIComponent(secretId)}&versionStage=AWSCURRENT`, token: TOKEN }]);
    expect(await reader.previous()).toBeUndefined();
    expect(requests.at(-1)?.url).toContain('versionStage=AWSPREVIOUS');
  });

  it('takes the token from AWS_SESSION_TOKEN by default and refuses to be built without one', async () => {
    const saved = process.env['AWS_SESSION_TOKEN'];
    try {
      process.env['AWS_SESSION_TOKEN'] = TOKEN;
      const reader = lambdaExtensionSecretReader(await createSecret(), { endpoint });
      expect((await reader.current()).credentials.username).toBe('app');
      delete process.env['AWS_SESSION_TOKEN'];
      expect(() => lambdaExtensionSecretReader('app/db', { endpoint })).toThrow(expect.objectContaining({ field: 'token' }));
    } finally {
      if (saved === undefined) delete process.env['AWS_SESSION_TOKEN'];
      else process.env['AWS_SESSION_TOKEN'] = saved;
    }
  });

  it('a refused token is StoreAccessDeniedError, a missing secret SecretNotFoundError, no extension StoreUnavailableError', async () => {
    await expect(lambdaExtensionSecretReader(await createSecret(), { endpoint, token: 'wrong' }).current()).rejects.toMatchObject({
      code: 'StoreAccessDenied',
    });
    await expect(lambdaExtensionSecretReader('app/none', { endpoint, token: TOKEN }).current()).rejects.toMatchObject({ code: 'SecretNotFound' });
    await expect(lambdaExtensionSecretReader('app/none', { endpoint: 'http://127.0.0.1:9', token: TOKEN }).current()).rejects.toMatchObject({
      code: 'StoreUnavailable',
    });
  });

  it('defaults to localhost, on the port in PARAMETERS_SECRETS_EXTENSION_HTTP_PORT when set', async () => {
    const saved = process.env['PARAMETERS_SECRETS_EXTENSION_HTTP_PORT'];
    try {
      process.env['PARAMETERS_SECRETS_EXTENSION_HTTP_PORT'] = String((extension.address() as AddressInfo).port);
      const secretId = await createSecret();
      requests.length = 0;
      await lambdaExtensionSecretReader(secretId, { token: TOKEN }).current();
      expect(requests).toHaveLength(1);
    } finally {
      if (saved === undefined) delete process.env['PARAMETERS_SECRETS_EXTENSION_HTTP_PORT'];
      else process.env['PARAMETERS_SECRETS_EXTENSION_HTTP_PORT'] = saved;
    }
  });

  it('refuses unknown options, naming the field', () => {
    expect(() => lambdaExtensionSecretReader('app/db', { token: TOKEN, port: 2773 } as never)).toThrow(expect.objectContaining({ field: 'port' }));
  });
});
