import {
  CancelRotateSecretCommand,
  CreateSecretCommand,
  DescribeSecretCommand,
  PutSecretValueCommand,
  RotateSecretCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { isRotakitError, MemoryTarget, rotate, singleUser, awsSchema } from '@rotakit/core';
import { describeStoreConformance } from '@rotakit/testkit/conformance';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SecretsManagerStore } from '../src/index.js';
import { createSecret, startAwsWorld, testConfig, type AwsWorld } from './helpers.js';

/** A rotation function that does nothing: RotateSecret leaves its AWSPENDING placeholder for the test to drive. */
const IDLE_FUNCTION = 'arn:aws:lambda:us-east-1:123456789012:function:idle';

async function startIdleRotation(client: SecretsManagerClient, secretId: string): Promise<string> {
  const { VersionId } = await client.send(new RotateSecretCommand({ SecretId: secretId, RotationLambdaARN: IDLE_FUNCTION, RotationRules: { AutomaticallyAfterDays: 30 } }),
  );
  return VersionId as string;
}

describeStoreConformance('aws (Secrets Manager emulator)', async () => {
  const world = await startAwsWorld();
  world.sm.registerRotationFunction(IDLE_FUNCTION, () => undefined);
  return {
    store: new SecretsManagerStore({ client: testConfig(world.sm.url) }),
    createSecret: (value) => createSecret(world.smClient, value),
    startRotation: (secretId) => startIdleRotation(world.smClient, secretId),
    missingSecretId: 'no/such/secret',
    pendingBelongsToToken: true,
    close: () => world.close(),
  };
});

const value = (password: string) =>
  JSON.stringify({ engine: 'mysql', host: 'db.internal', port: 3306, username: 'app', password });

describe('SecretsManagerStore gate and mapping', () => {
  let world: AwsWorld;
  let store: SecretsManagerStore;
  beforeAll(async () => {
    world = await startAwsWorld();
    world.sm.registerRotationFunction(IDLE_FUNCTION, () => undefined);
    store = new SecretsManagerStore({ client: testConfig(world.sm.url) });
  });
  afterAll(() => world.close());

  it('refuses a secret whose rotation was turned off, with RotationNotEnabled', async () => {
    const id = await createSecret(world.smClient, value('initial-password-1'));
    const token = await startIdleRotation(world.smClient, id);
    await world.smClient.send(new CancelRotateSecretCommand({ SecretId: id }));
    const error = await store.open(id, token).catch((e: unknown) => e);
    expect(isRotakitError(error, 'RotationNotEnabled')).toBe(true);
  });

  it('refuses a token with no stage, and a token whose version is only AWSPREVIOUS', async () => {
    const id = await createSecret(world.smClient, value('initial-password-1'));
    const unknown = await store.open(id, '0123456789abcdef0123456789abcdef').catch((e: unknown) => e);
    expect(isRotakitError(unknown, 'RotationTokenInvalid')).toBe(true);
    expect((unknown as Error).message).toContain('has no stage');
    const first = (await world.smClient.send(new DescribeSecretCommand({ SecretId: id }))).VersionIdsToStages ?? {};
    const firstVersion = Object.keys(first)[0] as string;
    await world.smClient.send(new PutSecretValueCommand({ SecretId: id, SecretString: value('second-password-2') }));
    const previous = await store.open(id, firstVersion).catch((e: unknown) => e);
    expect(isRotakitError(previous, 'RotationTokenInvalid')).toBe(true);
    expect((previous as Error).message).toContain('not set as AWSPENDING');
  });

  it('reports a token already AWSCURRENT through stages.current, so core skips every step', async () => {
    const id = await createSecret(world.smClient, value('initial-password-1'));
    const current = Object.keys((await world.smClient.send(new DescribeSecretCommand({ SecretId: id }))).VersionIdsToStages ?? {})[0] as string;
    const session = await store.open(id, current);
    expect(session.stages.current).toBe(current);
    const target = new MemoryTarget({ engine: 'mysql', users: { app: { password: 'initial-password-1' } } });
    const result = await rotate({ store, target, strategy: singleUser(), schema: awsSchema, secretId: id, token: current });
    expect(Object.values(result.steps)).toEqual(['skipped', 'skipped', 'skipped', 'skipped']);
  });

  it('with requireStagedToken: false, rotates outside Lambda with core rotate() and leaves no AWSPENDING', async () => {
    const id = await createSecret(world.smClient, value('initial-password-1'));
    const outside = new SecretsManagerStore({ client: testConfig(world.sm.url), requireStagedToken: false });
    const target = new MemoryTarget({ engine: 'mysql', users: { app: { password: 'initial-password-1' } } });
    const result = await rotate({ store: outside, target, strategy: singleUser(), schema: awsSchema, secretId: id });
    expect(Object.values(result.steps)).toEqual(['done', 'done', 'done', 'done']);
    const stages = (await world.smClient.send(new DescribeSecretCommand({ SecretId: id }))).VersionIdsToStages ?? {};
    expect(stages[result.token]).toEqual(['AWSCURRENT']);
    const current = awsSchema.parse(await outside.readCurrent(id)).credentials;
    expect(target.accepts('app', current.password)).toBe(true);
    const short = await outside.open(id, 'short-token').catch((e: unknown) => e);
    expect(isRotakitError(short, 'InvalidOptions')).toBe(true);
  });

  it('passes the RotationToken back on PutSecretValue', async () => {
    const bodies: string[] = [];
    const client = new SecretsManagerClient(testConfig(world.sm.url));
    client.middlewareStack.add(
      (next) => async (args) => {
        const body = (args.request as { body?: unknown }).body;
        bodies.push(typeof body === 'string' ? body : Buffer.from(body as Uint8Array).toString('utf8'));
        return next(args);
      },
      { step: 'build', name: 'recordBodies' },
    );
    const id = await createSecret(world.smClient, value('initial-password-1'));
    const token = await startIdleRotation(world.smClient, id);
    const session = await new SecretsManagerStore({ client }).withRotationToken('opaque-rotation-token').open(id, token);
    await session.writePending(value('pending-password-2'));
    const put = bodies.map((b) => JSON.parse(b) as Record<string, unknown>).find((b) => 'SecretString' in b);
    expect(put).toMatchObject({ ClientRequestToken: token, VersionStages: ['AWSPENDING'], RotationToken: 'opaque-rotation-token' });
    client.destroy();
  });

  it('refuses a different value under a token that already has one, without passing the value on', async () => {
    const id = await createSecret(world.smClient, value('initial-password-1'));
    const token = await startIdleRotation(world.smClient, id);
    const session = await store.open(id, token);
    await session.writePending(value('pending-password-2'));
    const error = await session.writePending(value('other-password-3')).catch((e: unknown) => e);
    expect(isRotakitError(error, 'RotationTokenInvalid')).toBe(true);
    expect(String((error as Error).message)).not.toContain('other-password-3');
  });

  it('maps not-found, throttling, 5xx and dropped connections; binary secrets are refused by name', async () => {
    const missing = await store.open('no/such/secret', '0123456789abcdef0123456789abcdef').catch((e: unknown) => e);
    expect(isRotakitError(missing, 'SecretNotFound')).toBe(true);
    for (const kind of ['throttle', 'error', 'drop'] as const) {
      world.sm.injectFault({ operation: 'DescribeSecret', kind });
      const error = await store.open('any', '0123456789abcdef0123456789abcdef').catch((e: unknown) => e);
      expect(isRotakitError(error, 'StoreUnavailable'), kind).toBe(true);
      expect((error as { retryable: boolean }).retryable).toBe(true);
    }
    const { ARN } = await world.smClient.send(
      new CreateSecretCommand({ Name: `binary-${Date.now()}`, SecretBinary: Buffer.from('{"password":"x"}') }),
    );
    const binary = await store.readCurrent(ARN as string).catch((e: unknown) => e);
    expect(isRotakitError(binary, 'InvalidSecretValue')).toBe(true);
    expect((binary as { field?: string }).field).toBe('SecretString');
  });

  it('maps refused credentials and permissions to StoreAccessDenied, not retryable', async () => {
    for (const code of ['AccessDeniedException', 'UnrecognizedClientException', 'ExpiredTokenException']) {
      world.sm.injectFault({
        operation: 'DescribeSecret',
        kind: 'error',
        response: {
          status: 400,
          headers: { 'content-type': 'application/x-amz-json-1.1' },
          body: JSON.stringify({ __type: code, Message: 'User is not authorized to perform: secretsmanager:DescribeSecret' }),
        },
      });
      const error = await store.open('any', '0123456789abcdef0123456789abcdef').catch((e: unknown) => e);
      expect(isRotakitError(error, 'StoreAccessDenied'), code).toBe(true);
      expect((error as { retryable: boolean }).retryable).toBe(false);
    }
  });

  it('asks Secrets Manager for passwords that follow the policy', async () => {
    const password = await store.generatePassword({ length: 40, excludePunctuation: true });
    expect(password).toMatch(/^[A-Za-z0-9]{40}$/);
  });
});
