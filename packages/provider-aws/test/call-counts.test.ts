// How many Secrets Manager calls each step of a rotation makes, counted by the emulator. The handler
// reads nothing itself: core reads AWSCURRENT at most once per invocation, a target function is
// given what the step read anyway, and finishSecret reads no current value.
import { RotateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { alternatingUsers, MemoryTarget, rotate, singleUser, type MemoryUser, type Strategy } from '@rotakit/core';
import type { SecretsManagerRotationEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awsSchema, createRotationHandler, SecretsManagerStore, type RotationTargetSource } from '../src/index.js';
import { appSecret, createSecret, startAwsWorld, testConfig, type AwsWorld } from './helpers.js';

type Step = SecretsManagerRotationEvent['Step'];

/** One step as measured: the emulator's call counts, and which stage each GetSecretValue asked for. */
interface Measured {
  calls: Record<string, number>;
  /** `AWSCURRENT`, `AWSPENDING` or `AWSPREVIOUS` of the rotated secret; `master` for another secret. */
  reads: string[];
}

let world: AwsWorld;
let functions = 0;

beforeAll(async () => {
  world = await startAwsWorld();
});
afterAll(() => world.close());

/**
 * Rotates `secretId` once through RotateSecret with a handler of `target` and `strategy`, and
 * measures each step. The service invokes the steps one after another, so the emulator's counter
 * holds one step's calls at a time; the client only observes what it sends (the emulator answers).
 */
async function measuredRotation(target: RotationTargetSource, strategy: Strategy, secretId: string): Promise<Record<Step, Measured>> {
  const reads: string[] = [];
  const client = new SecretsManagerClient(testConfig(world.sm.url));
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName === 'GetSecretValueCommand') {
        const input = args.input as { SecretId?: string; VersionStage?: string };
        reads.push(input.SecretId === secretId ? (input.VersionStage ?? 'AWSCURRENT') : 'master');
      }
      return next(args);
    },
    { step: 'initialize', name: 'recordReads' },
  );
  const handler = createRotationHandler({ target, strategy, secretsManager: client, rds: testConfig(world.rds.url) });
  functions += 1;
  const arn = world.sm.functionArn(`measured-${functions}`);
  const measured = {} as Record<Step, Measured>;
  world.sm.registerRotationFunction(arn, async (event) => {
    world.sm.resetCalls();
    reads.length = 0;
    try {
      return await handler(event as SecretsManagerRotationEvent);
    } finally {
      measured[(event as SecretsManagerRotationEvent).Step] = { calls: world.sm.callCounts(), reads: [...reads] };
    }
  });
  try {
    await world.smClient.send(new RotateSecretCommand({ SecretId: secretId, RotationLambdaARN: arn, RotationRules: { AutomaticallyAfterDays: 30 } }));
    expect((await world.sm.rotationSettled(secretId))?.status).toBe('succeeded');
  } finally {
    client.destroy();
  }
  return measured;
}

/** The same MySQL memory target given as a target, and through a target function that counts its calls. */
/**
 * The same MySQL memory target given as a target, and through a target function that notes, per
 * pick, the step and the user name of the credentials it was given.
 */
function targetSources(users: Record<string, MemoryUser>): [string, () => { source: RotationTargetSource; picks: () => string[] }][] {
  const target = () => new MemoryTarget({ engine: 'mysql', tls: 'disable', users });
  return [
    ['a target', () => ({ source: target(), picks: () => [] })],
    [
      'a target function',
      () => {
        const picked = target();
        const picks: string[] = [];
        const source: RotationTargetSource = (credentials, { event }) => {
          picks.push(`${event.Step} ${credentials.username}`);
          expect(event.SecretId).toMatch(/^arn:aws:secretsmanager:/);
          expect(credentials.engine).toBe('mysql');
          return picked;
        };
        return { source, picks: () => picks };
      },
    ],
  ];
}

const totalOf = (measured: Record<Step, Measured>) =>
  Object.values(measured).reduce((sum, step) => sum + Object.values(step.calls).reduce((a, b) => a + b, 0), 0);

describe('Secrets Manager calls per step, counted by the emulator', () => {
  for (const [label, make] of targetSources({ app: { password: 'initial-app-password-1' } })) {
    it(`single user with ${label}: at most one AWSCURRENT read per step, none in testSecret and finishSecret`, async () => {
      const { source, picks } = make();
      const id = await createSecret(world.smClient, appSecret());
      const measured = await measuredRotation(source, singleUser(), id);
      const byFunction = label === 'a target function';
      expect(measured).toEqual({
        // AWSCURRENT; the value is stored under the token, filling RotateSecret's placeholder (no read of it first).
        createSecret: { calls: { DescribeSecret: 1, GetSecretValue: 1, PutSecretValue: 1 }, reads: ['AWSCURRENT'] },
        // AWSCURRENT to log in and change the password, AWSPENDING for the new one.
        setSecret: { calls: { DescribeSecret: 1, GetSecretValue: 2 }, reads: ['AWSCURRENT', 'AWSPENDING'] },
        // AWSPENDING to log in with; a target function picks the target from it.
        testSecret: { calls: { DescribeSecret: 1, GetSecretValue: 1 }, reads: ['AWSPENDING'] },
        // AWSPENDING must hold a value before AWSCURRENT moves; no current value is read.
        finishSecret: { calls: { DescribeSecret: 1, GetSecretValue: 1, UpdateSecretVersionStage: 2 }, reads: ['AWSPENDING'] },
      });
      // 12 calls per rotation either way; AWS's official single-user function makes 14.
      expect(totalOf(measured)).toBe(12);
      // Picked once in each invocation that needs the database: create, set, test.
      expect(picks()).toEqual(byFunction ? ['createSecret app', 'setSecret app', 'testSecret app'] : []);
    });
  }

  for (const [label, make] of targetSources({
    app: { password: 'initial-app-password-1' },
    admin: { password: 'admin-password-9', privileged: true },
  })) {
    it(`alternating users with ${label}: at most one AWSCURRENT read per step, besides the master secret's`, async () => {
      const { source, picks } = make();
      const master = await createSecret(world.smClient, appSecret({ username: 'admin', password: 'admin-password-9' }));
      const id = await createSecret(world.smClient, appSecret({ masterarn: master }));
      const measured = await measuredRotation(source, alternatingUsers(), id);
      const byFunction = label === 'a target function';
      expect(measured).toEqual({
        // As single user, plus the master secret, read before anything is written (the strategy's check).
        createSecret: { calls: { DescribeSecret: 1, GetSecretValue: 2, PutSecretValue: 1 }, reads: ['AWSCURRENT', 'master'] },
        // As single user, plus the master secret, whose account changes the alternate user's password.
        setSecret: { calls: { DescribeSecret: 1, GetSecretValue: 3 }, reads: ['AWSCURRENT', 'AWSPENDING', 'master'] },
        testSecret: { calls: { DescribeSecret: 1, GetSecretValue: 1 }, reads: ['AWSPENDING'] },
        finishSecret: { calls: { DescribeSecret: 1, GetSecretValue: 1, UpdateSecretVersionStage: 2 }, reads: ['AWSPENDING'] },
      });
      for (const { reads: stages } of Object.values(measured)) {
        expect(stages.filter((stage) => stage === 'AWSCURRENT').length).toBeLessThanOrEqual(1);
      }
      // 14 calls per rotation either way, as many as AWS's official multi-user function makes.
      expect(totalOf(measured)).toBe(14);
      // testSecret's pick is given the pending credentials, which name the alternate user.
      expect(picks()).toEqual(byFunction ? ['createSecret app', 'setSecret app', 'testSecret app_clone'] : []);
    });
  }
});

describe('Secrets Manager calls of a rotation in process (core\'s rotate(), no RotateSecret), counted by the emulator', () => {
  const inProcessCounts = async (strategy: Strategy, secretId: string, users: Record<string, MemoryUser>) => {
    const store = new SecretsManagerStore({ client: testConfig(world.sm.url), requireStagedToken: false });
    const target = new MemoryTarget({ engine: 'mysql', tls: 'disable', users });
    world.sm.resetCalls();
    const result = await rotate({ store, target, strategy, schema: awsSchema, secretId });
    expect(result.steps).toEqual({ create: 'done', set: 'done', test: 'done', finish: 'done' });
    return world.sm.callCounts();
  };

  it('single user: the current value once, the claim of the pending stage, the two stage moves', async () => {
    const id = await createSecret(world.smClient, appSecret());
    expect(await inProcessCounts(singleUser(), id, { app: { password: 'initial-app-password-1' } })).toEqual({
      // open, and the claim's check that AWSCURRENT did not move.
      DescribeSecret: 2,
      // AWSCURRENT, read once for the four steps; the pending value is the one core stored.
      GetSecretValue: 1,
      PutSecretValue: 1,
      // The claim (AWSPENDING moved on condition, its label removed), AWSCURRENT, AWSPENDING off the new version.
      UpdateSecretVersionStage: 4,
    });
  });

  it('alternating users: the same, and the master secret once, for create\'s check and set\'s login', async () => {
    const master = await createSecret(world.smClient, appSecret({ username: 'admin', password: 'admin-password-9' }));
    const id = await createSecret(world.smClient, appSecret({ masterarn: master }));
    const users = { app: { password: 'initial-app-password-1' }, admin: { password: 'admin-password-9', privileged: true } };
    expect(await inProcessCounts(alternatingUsers(), id, users)).toEqual({
      DescribeSecret: 2,
      GetSecretValue: 2,
      PutSecretValue: 1,
      UpdateSecretVersionStage: 4,
    });
  });
});
