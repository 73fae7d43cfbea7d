import { randomUUID } from 'node:crypto';
import {
  CancelRotateSecretCommand,
  CreateSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  RotateSecretCommand,
  SecretsManagerClient,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import {
  isRotakitError,
  MemoryTarget,
  rotate,
  singleUser,
} from '@rotakit/core';
import { awsSchema } from '@rotakit/provider-aws';
import { describeStoreConformance } from '@rotakit/testkit/conformance';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
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

describeStoreConformance('aws in process (Secrets Manager emulator, requireStagedToken: false)', async () => {
  const world = await startAwsWorld();
  return {
    store: new SecretsManagerStore({ client: testConfig(world.sm.url), requireStagedToken: false }),
    createSecret: (value) => createSecret(world.smClient, value),
    startRotation: async () => randomUUID(),
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

  it('keeps the value an earlier attempt stored under the token, without passing the new one on', async () => {
    const id = await createSecret(world.smClient, value('initial-password-1'));
    const token = await startIdleRotation(world.smClient, id);
    const session = await store.open(id, token);
    expect(await session.writePending(value('pending-password-2'))).toBe(value('pending-password-2'));
    expect(await session.writePending(value('other-password-3'))).toBe(value('pending-password-2'));
    expect(await session.read('pending')).toBe(value('pending-password-2'));
  });

  it('withdraw removes AWSPENDING from the placeholder, so the next RotateSecret starts afresh', async () => {
    const id = await createSecret(world.smClient, value('initial-password-1'));
    const token = await startIdleRotation(world.smClient, id);
    const session = await store.open(id, token);
    await session.writePending(value('pending-password-2'));
    await session.withdraw?.();
    await session.withdraw?.();
    expect((await stagesOf(world, id))[token]).toBeUndefined();
    const next = await startIdleRotation(world.smClient, id);
    expect((await stagesOf(world, id))[next]).toEqual(['AWSPENDING']);
  });

  it('promote: current moved since open → RotationInProgress naming the version that holds it, nothing moved', async () => {
    const id = await createSecret(world.smClient, value('initial-password-1'));
    const token = await startIdleRotation(world.smClient, id);
    const session = await store.open(id, token);
    await session.writePending(value('pending-password-2'));
    const { VersionId: manual } = await world.smClient.send(new PutSecretValueCommand({ SecretId: id, SecretString: value('manual-password-3') }));
    const error = await session.promote().catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'RotationInProgress', pendingToken: manual });
    expect(String((error as Error).message)).not.toContain('password');
    expect((await stagesOf(world, id))[manual as string]).toEqual(['AWSCURRENT']);
    expect((await stagesOf(world, id))[token]).toEqual(['AWSPENDING']);
  });

  it('promote tolerates an AWSPENDING already gone; a refused move no race explains is StepFailed, not InvalidOptions', async () => {
    const id = await createSecret(world.smClient, value('initial-password-1'));
    const token = await startIdleRotation(world.smClient, id);
    const session = await store.open(id, token);
    await session.writePending(value('pending-password-2'));
    world.sm.injectFault({
      operation: 'UpdateSecretVersionStage',
      kind: 'error',
      response: {
        status: 400,
        headers: { 'content-type': 'application/x-amz-json-1.1' },
        body: JSON.stringify({ __type: 'InvalidParameterException', Message: 'refused for a reason of its own' }),
      },
    });
    const refused = await session.promote().catch((e: unknown) => e);
    expect(refused).toMatchObject({ code: 'StepFailed', retryable: false });
    await world.smClient.send(new UpdateSecretVersionStageCommand({ SecretId: id, VersionStage: 'AWSPENDING', RemoveFromVersionId: token }));
    await session.promote();
    expect((await stagesOf(world, id))[token]).toEqual(['AWSCURRENT']);
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

describe('SecretsManagerStore in process: writePending claims AWSPENDING', () => {
  let world: AwsWorld;
  let store: SecretsManagerStore;
  beforeAll(async () => {
    world = await startAwsWorld();
    store = new SecretsManagerStore({ client: testConfig(world.sm.url), requireStagedToken: false });
  });
  afterAll(() => world.close());

  const labelsOf = async (id: string) => Object.values(await stagesOf(world, id)).flat().sort();

  it('a rival holding AWSPENDING → RotationInProgress naming it; the loser leaves no label', async () => {
    const id = await createSecret(world.smClient, value('initial-password-1'));
    const [first, second] = [randomUUID(), randomUUID()];
    const [winner, loser] = await Promise.all([store.open(id, first), store.open(id, second)]);
    await winner.writePending(value('pending-password-2'));
    const error = await loser.writePending(value('pending-password-3')).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'RotationInProgress', pendingToken: first });
    expect(await labelsOf(id)).toEqual(['AWSCURRENT', 'AWSPENDING']);
    expect((await stagesOf(world, id))[first]).toEqual(['AWSPENDING']);
  });

  it('a rotation that finished since open → RotationInProgress naming the new current; AWSPENDING withdrawn', async () => {
    const id = await createSecret(world.smClient, value('initial-password-1'));
    const late = await store.open(id, randomUUID());
    const target = new MemoryTarget({ engine: 'mysql', users: { app: { password: 'initial-password-1' } } });
    const finished = await rotate({ store, target, strategy: singleUser(), schema: awsSchema, secretId: id });
    const error = await late.writePending(value('pending-password-3')).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'RotationInProgress', pendingToken: finished.token });
    expect(await labelsOf(id)).toEqual(['AWSCURRENT', 'AWSPREVIOUS']);
  });

  it('a rival between its two promote calls (AWSCURRENT and AWSPENDING on its version), dropping AWSPENDING meanwhile → RotationInProgress naming it', async () => {
    const id = await createSecret(world.smClient, value('initial-password-1'));
    const initial = Object.keys(await stagesOf(world, id))[0] as string;
    const late = await store.open(id, randomUUID());
    const rival = randomUUID();
    await world.smClient.send(
      new PutSecretValueCommand({ SecretId: id, ClientRequestToken: rival, SecretString: value('rival-password-2'), VersionStages: ['AWSPENDING'] }),
    );
    const move = { SecretId: id, VersionStage: 'AWSCURRENT', MoveToVersionId: rival, RemoveFromVersionId: initial };
    await world.smClient.send(new UpdateSecretVersionStageCommand(move));
    // The late claim's first stage move is refused (the rival holds AWSPENDING); its next stage call
    // is held until the rival has finished by dropping AWSPENDING.
    world.sm.resetCalls();
    world.sm.injectFault({ operation: 'UpdateSecretVersionStage', kind: 'latency', ms: 500, after: 1 });
    const claim = late.writePending(value('late-password-3')).catch((e: unknown) => e);
    await vi.waitUntil(() => world.sm.calls('UpdateSecretVersionStage') === 2);
    await world.smClient.send(new UpdateSecretVersionStageCommand({ SecretId: id, VersionStage: 'AWSPENDING', RemoveFromVersionId: rival }));
    expect(await claim).toMatchObject({ code: 'RotationInProgress', pendingToken: rival });
    expect(await labelsOf(id)).toEqual(['AWSCURRENT', 'AWSPREVIOUS']);
  });

  it('takes the AWSPENDING a finished rotation left on the current version, also when it goes after open', async () => {
    const id = await createSecret(world.smClient, value('initial-password-1'));
    const current = Object.keys(await stagesOf(world, id))[0] as string;
    const leaveResidue = () =>
      world.smClient.send(new UpdateSecretVersionStageCommand({ SecretId: id, VersionStage: 'AWSPENDING', MoveToVersionId: current }));
    await leaveResidue();
    const token = randomUUID();
    const session = await store.open(id, token);
    expect(session.stages).toMatchObject({ current, pending: current });
    await session.writePending(value('pending-password-2'));
    expect(await stagesOf(world, id)).toEqual({ [current]: ['AWSCURRENT'], [token]: ['AWSPENDING'] });

    const other = await createSecret(world.smClient, value('initial-password-1'));
    const otherCurrent = Object.keys(await stagesOf(world, other))[0] as string;
    await world.smClient.send(new UpdateSecretVersionStageCommand({ SecretId: other, VersionStage: 'AWSPENDING', MoveToVersionId: otherCurrent }));
    const opened = await store.open(other, token);
    // The service cleans the residue up after open: the claim's conditional move is refused, then retried.
    await world.smClient.send(new UpdateSecretVersionStageCommand({ SecretId: other, VersionStage: 'AWSPENDING', RemoveFromVersionId: otherCurrent }));
    await opened.writePending(value('pending-password-2'));
    expect((await stagesOf(world, other))[token]).toEqual(['AWSPENDING']);
  });

  it('a permanent failure in set that changed nothing withdraws AWSPENDING; the next rotate() starts afresh', async () => {
    const id = await createSecret(world.smClient, value('initial-password-1'));
    // The password changed behind the secret's back: no stage logs in, set changes nothing.
    const target = new MemoryTarget({ engine: 'mysql', users: { app: { password: 'changed-elsewhere-9' } } });
    const request = { store, target, strategy: singleUser(), schema: awsSchema, secretId: id };
    const failed = await rotate(request).catch((e: unknown) => e);
    expect(failed).toMatchObject({ code: 'TargetAuthFailed' });
    expect(target.passwordChanges).toEqual([]);
    expect(await labelsOf(id)).toEqual(['AWSCURRENT']);
    (target.users.get('app') as { password: string }).password = 'initial-password-1';
    const result = await rotate(request);
    expect(Object.values(result.steps)).toEqual(['done', 'done', 'done', 'done']);
    const now = awsSchema.parse(await store.readCurrent(id)).credentials;
    expect(target.accepts('app', now.password)).toBe(true);
  });

  it('a version only the claim label names (a crash after PutSecretValue) is resumed, its value kept', async () => {
    const id = await createSecret(world.smClient, value('initial-password-1'));
    const token = randomUUID();
    const session = await store.open(id, token);
    world.sm.injectFault({ operation: 'UpdateSecretVersionStage', kind: 'error' });
    const crash = await session.writePending(value('pending-password-2')).catch((e: unknown) => e);
    expect(crash).toMatchObject({ code: 'StoreUnavailable' });
    expect((await stagesOf(world, id))[token]).toEqual([`ROTAKIT_CLAIM_${token}`]);
    const resumed = await store.open(id, token);
    expect(await resumed.writePending(value('pending-password-3'))).toBe(value('pending-password-2'));
    expect((await stagesOf(world, id))[token]).toEqual(['AWSPENDING']);
    const stored = await world.smClient.send(new GetSecretValueCommand({ SecretId: id, VersionId: token }));
    expect(stored.SecretString).toBe(value('pending-password-2'));
  });
});

async function stagesOf(world: AwsWorld, id: string): Promise<Record<string, string[]>> {
  return (await world.smClient.send(new DescribeSecretCommand({ SecretId: id }))).VersionIdsToStages ?? {};
}
