// callCountsBy: the AWS emulators count each signing key pair's calls apart, so a test tells an
// application's reads from its rotation function's on the same secret.
import { CreateSecretCommand, GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AWS_EMULATOR_CREDENTIALS, startAwsSecretsManagerEmulator, type AwsSecretsManagerEmulator } from '../src/index.js';

const APP = { accessKeyId: 'app-key', secretAccessKey: 'app-secret-key' };
let sm: AwsSecretsManagerEmulator;
const clients: SecretsManagerClient[] = [];
const client = (credentials: { accessKeyId: string; secretAccessKey: string }) => {
  const made = new SecretsManagerClient({ endpoint: sm.url, region: 'us-east-1', credentials, maxAttempts: 1 });
  clients.push(made);
  return made;
};

beforeAll(async () => {
  sm = await startAwsSecretsManagerEmulator({ credentials: [AWS_EMULATOR_CREDENTIALS, APP] });
});
afterAll(async () => {
  for (const made of clients) made.destroy();
  await sm.close();
});

describe('AWS emulator callCountsBy', () => {
  it('counts each access key id apart, refused calls included, and resetCalls forgets them', async () => {
    const admin = client(AWS_EMULATOR_CREDENTIALS);
    const app = client(APP);
    await admin.send(new CreateSecretCommand({ Name: 'counted', SecretString: '{}' }));
    await admin.send(new GetSecretValueCommand({ SecretId: 'counted' }));
    for (let i = 0; i < 3; i += 1) await app.send(new GetSecretValueCommand({ SecretId: 'counted' }));
    await app.send(new GetSecretValueCommand({ SecretId: 'missing' })).catch(() => undefined);
    expect(sm.callCountsBy(APP.accessKeyId)).toEqual({ GetSecretValue: 4 });
    expect(sm.callCountsBy(AWS_EMULATOR_CREDENTIALS.accessKeyId)).toEqual({ CreateSecret: 1, GetSecretValue: 1 });
    expect(sm.callCounts()['GetSecretValue']).toBe(5);
    expect(sm.callCountsBy('nobody')).toEqual({});
    sm.resetCalls();
    expect(sm.callCountsBy(APP.accessKeyId)).toEqual({});
  });
});
