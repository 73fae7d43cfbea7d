import { existsSync } from 'node:fs';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import {
  CreateSecretCommand,
  GetSecretValueCommand,
  InternalServiceError,
  ListSecretVersionIdsCommand,
  SecretsManagerServiceException,
  type SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startAwsSecretsManagerEmulator, type AwsSecretsManagerEmulator } from '../src/index.js';
import { clientFor } from './aws-emulator-helpers.js';

let emulator: AwsSecretsManagerEmulator;
let sm: SecretsManagerClient;
let retrying: SecretsManagerClient;
const SECRET = 'faults/db';

async function failureOf(call: Promise<unknown>): Promise<Error & Partial<SecretsManagerServiceException>> {
  const error: unknown = await call.then(
    () => undefined,
    (failure: unknown) => failure,
  );
  expect(error).toBeInstanceOf(Error);
  return error as Error & Partial<SecretsManagerServiceException>;
}

beforeAll(async () => {
  emulator = await startAwsSecretsManagerEmulator();
  sm = clientFor(emulator.url);
  // The SDK's default: standard retry mode, 3 attempts in all.
  retrying = clientFor(emulator.url, { maxAttempts: 3 });
  await sm.send(new CreateSecretCommand({ Name: SECRET, SecretString: 'value' }));
});

afterEach(() => {
  emulator.clearFaults();
  emulator.resetCalls();
});

afterAll(async () => {
  sm.destroy();
  retrying.destroy();
  await emulator.close();
});

describe('throttle', () => {
  it('surfaces ThrottlingException to a client without retries', async () => {
    emulator.injectFault({ operation: 'GetSecretValue', kind: 'throttle' });
    const error = await failureOf(sm.send(new GetSecretValueCommand({ SecretId: SECRET })));
    expect(error).toBeInstanceOf(SecretsManagerServiceException);
    expect({ name: error.name, message: error.message, fault: error.$fault, status: error.$metadata?.httpStatusCode }).toEqual({
      name: 'ThrottlingException',
      message: 'Rate exceeded',
      fault: 'client',
      status: 400,
    });
    // The fault was used up: the next call succeeds.
    expect((await sm.send(new GetSecretValueCommand({ SecretId: SECRET }))).SecretString).toBe('value');
  });

  it('is retried by the default client, which then succeeds', async () => {
    emulator.injectFault({ operation: 'GetSecretValue', kind: 'throttle', times: 2 });
    const out = await retrying.send(new GetSecretValueCommand({ SecretId: SECRET }));
    expect(out.SecretString).toBe('value');
    expect(out.$metadata.attempts).toBe(3);
    expect(emulator.calls('GetSecretValue')).toBe(3);
  });
});

describe('internal error', () => {
  it('is a server fault, retried by the default client until it succeeds', async () => {
    emulator.injectFault({ operation: 'GetSecretValue', kind: 'error', times: 2 });
    const out = await retrying.send(new GetSecretValueCommand({ SecretId: SECRET }));
    expect(out.$metadata.attempts).toBe(3);
    expect(emulator.calls('GetSecretValue')).toBe(3);
  });

  it('surfaces InternalServiceError with HTTP 500 once the attempts are spent', async () => {
    emulator.injectFault({ operation: 'GetSecretValue', kind: 'error', times: 3 });
    const error = await failureOf(retrying.send(new GetSecretValueCommand({ SecretId: SECRET })));
    expect(error).toBeInstanceOf(InternalServiceError);
    expect(error.$fault).toBe('server');
    expect(error.$metadata?.httpStatusCode).toBe(500);
    expect(error.$metadata?.attempts).toBe(3);
    expect(emulator.calls('GetSecretValue')).toBe(3);
  });

  it('applies to every operation with "*"', async () => {
    emulator.injectFault({ operation: '*', kind: 'error' });
    const error = await failureOf(sm.send(new ListSecretVersionIdsCommand({ SecretId: SECRET })));
    expect(error.name).toBe('InternalServiceError');
    expect(emulator.calls('ListSecretVersionIds')).toBe(1);
  });
});

describe('latency', () => {
  it("fires the client's request timeout", async () => {
    const impatient = clientFor(emulator.url, { requestHandler: { requestTimeout: 100, throwOnRequestTimeout: true } });
    emulator.injectFault({ operation: 'GetSecretValue', kind: 'latency', ms: 1_500 });
    const error = await failureOf(impatient.send(new GetSecretValueCommand({ SecretId: SECRET })));
    expect(error.name).toBe('TimeoutError');
    expect(error).not.toBeInstanceOf(SecretsManagerServiceException);
    impatient.destroy();
  });

  it('only delays the answer of a patient client', async () => {
    emulator.injectFault({ operation: 'GetSecretValue', kind: 'latency', ms: 50 });
    const out = await sm.send(new GetSecretValueCommand({ SecretId: SECRET }));
    expect(out.SecretString).toBe('value');
  });
});

describe('dropped connection', () => {
  it('is a network error for a client without retries', async () => {
    emulator.injectFault({ operation: 'GetSecretValue', kind: 'drop' });
    const error = await failureOf(sm.send(new GetSecretValueCommand({ SecretId: SECRET })));
    expect(error).not.toBeInstanceOf(SecretsManagerServiceException);
    expect((error as Error & { code?: string }).code).toBe('ECONNRESET');
  });

  it('is retried by the default client as a transient error', async () => {
    emulator.injectFault({ operation: 'GetSecretValue', kind: 'drop' });
    const out = await retrying.send(new GetSecretValueCommand({ SecretId: SECRET }));
    expect(out.SecretString).toBe('value');
    expect(emulator.calls('GetSecretValue')).toBe(2);
  });
});

describe('faults armed over the admin route', () => {
  it('reach the official client', async () => {
    const armed = await fetch(`${emulator.url}/_rotakit/faults`, {
      method: 'POST',
      body: JSON.stringify({ operation: 'GetSecretValue', kind: 'throttle' }),
    });
    expect(armed.status).toBe(200);
    const error = await failureOf(sm.send(new GetSecretValueCommand({ SecretId: SECRET })));
    expect(error.name).toBe('ThrottlingException');
    const calls = (await (await fetch(`${emulator.url}/_rotakit/calls`)).json()) as Record<string, number>;
    expect(calls).toEqual({ GetSecretValue: 1 });
  });
});

describe('standalone command', () => {
  const root = fileURLToPath(new URL('../../../', import.meta.url));
  let child: ChildProcess | undefined;

  beforeAll(() => {
    // `pnpm test` builds first; building here would empty dist/ under the other CLI tests.
    if (!existsSync(`${root}packages/testkit/dist/cli.js`)) {
      throw new Error('packages/testkit/dist/cli.js is missing: run `pnpm -r build` first');
    }
  });

  afterAll(async () => {
    if (child && child.exitCode === null) {
      child.kill('SIGTERM');
      await once(child, 'exit');
    }
  });

  it('`rotakit-emulator aws --port 0` prints its URL and answers the official client signing with the test pair or the pair in its environment', async () => {
    const fromEnvironment = { accessKeyId: 'AKIASTANDALONE000000', secretAccessKey: 'standalone-secret' };
    const started = spawn(process.execPath, ['packages/testkit/dist/cli.js', 'aws', '--port', '0'], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'inherit'],
      env: {
        ...process.env,
        AWS_ACCESS_KEY_ID: fromEnvironment.accessKeyId,
        AWS_SECRET_ACCESS_KEY: fromEnvironment.secretAccessKey,
        AWS_SESSION_TOKEN: '',
      },
    });
    child = started;
    let output = '';
    const url = await new Promise<string>((resolve, reject) => {
      started.stdout?.on('data', (chunk: Buffer) => {
        output += chunk.toString('utf8');
        const match = /listening on (http:\/\/\S+)/.exec(output);
        if (match?.[1]) resolve(match[1]);
      });
      started.once('exit', (code) => reject(new Error(`emulator exited with ${code}`)));
    });
    const client = clientFor(url);
    const created = await client.send(new CreateSecretCommand({ Name: 'standalone/db', SecretString: 'v' }));
    expect(created.ARN).toMatch(/^arn:aws:secretsmanager:us-east-1:123456789012:secret:standalone\/db-[A-Za-z0-9]{6}$/);
    expect((await client.send(new GetSecretValueCommand({ SecretId: 'standalone/db' }))).SecretString).toBe('v');
    const environmentClient = clientFor(url, { credentials: fromEnvironment });
    expect((await environmentClient.send(new GetSecretValueCommand({ SecretId: 'standalone/db' }))).SecretString).toBe('v');
    const stranger = clientFor(url, { credentials: { ...fromEnvironment, secretAccessKey: 'not-it' } });
    const refused = await failureOf(stranger.send(new GetSecretValueCommand({ SecretId: 'standalone/db' })));
    expect(refused.name).toBe('InvalidSignatureException');
    for (const made of [client, environmentClient, stranger]) made.destroy();
    started.kill('SIGTERM');
    const [code] = (await once(started, 'exit')) as [number | null];
    expect(code).toBe(0);
  });
});
