// Guarantee 1 against the store's every call: a rotation that crashes at any Secrets Manager call
// of any step, re-driven with the same ClientRequestToken (as the service retries it), finishes
// with an AWSCURRENT that logs in to a real MariaDB server.
import { DescribeSecretCommand, GetSecretValueCommand, RotateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { awsSchema, isRotakitError, singleUser, STEPS, type StepName } from '@rotakit/core';
import { mysqlTarget } from '@rotakit/target-mysql';
import { startMariaDb, type MariaDbServer } from '@rotakit/testkit';
import { createConnection, type Connection } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AWS_STEPS, createRotationHandler, SecretsManagerStore, type RotationHandler } from '../src/index.js';
import { createSecret, startAwsWorld, testConfig, type AwsWorld } from './helpers.js';

/** The rotation function RotateSecret calls does nothing: the test drives the steps itself. */
const IDLE_FUNCTION = 'arn:aws:lambda:us-east-1:123456789012:function:crash-idle';
const CORE_TO_AWS = Object.fromEntries(Object.entries(AWS_STEPS).map(([aws, core]) => [core, aws])) as Record<
  StepName,
  keyof typeof AWS_STEPS
>;
const STORE_OPERATIONS = ['DescribeSecret', 'GetSecretValue', 'PutSecretValue', 'UpdateSecretVersionStage'];

let world: AwsWorld;
let server: MariaDbServer;
let admin: Connection;
let handler: RotationHandler;
const target = mysqlTarget({ tls: 'disable' });
let users = 0;

beforeAll(async () => {
  [world, server] = await Promise.all([startAwsWorld(), startMariaDb()]);
  world.sm.registerRotationFunction(IDLE_FUNCTION, () => undefined);
  admin = await createConnection({ host: server.host, port: server.port, user: server.admin.username, password: server.admin.password });
  handler = createRotationHandler({ target, strategy: singleUser(), secretsManager: testConfig(world.sm.url) });
});
afterAll(async () => {
  await admin?.end();
  await Promise.all([world?.close(), server?.close()]);
});

/** A fresh database user, its secret, and a RotateSecret placeholder token. */
async function freshRotation(): Promise<{ id: string; token: string }> {
  users += 1;
  const username = `crash_${users}`;
  const password = `Initial-${username}-pw`;
  await admin.query(`CREATE USER ?@'%' IDENTIFIED BY ?`, [username, password]);
  const id = await createSecret(world.smClient, { engine: 'mariadb', host: server.host, port: server.port, username, password });
  const { VersionId } = await world.smClient.send(
    new RotateSecretCommand({ SecretId: id, RotationLambdaARN: IDLE_FUNCTION, RotationRules: { AutomaticallyAfterDays: 30 } }),
  );
  await world.sm.rotationSettled(id);
  return { id, token: VersionId as string };
}

const runStep = (step: StepName, id: string, token: string) =>
  handler({ Step: CORE_TO_AWS[step], SecretId: id, ClientRequestToken: token });

/** The calls each step makes to Secrets Manager, per operation, in a rotation nothing disturbs. */
async function callProfile(): Promise<Record<StepName, Record<string, number>>> {
  const { id, token } = await freshRotation();
  const profile = {} as Record<StepName, Record<string, number>>;
  for (const step of STEPS) {
    world.sm.resetCalls();
    await runStep(step, id, token);
    profile[step] = world.sm.callCounts();
  }
  return profile;
}

/** The application's view after the re-run: AWSCURRENT is the token's version, logs in, and no rotation is left open. */
async function expectConverged(id: string, token: string, point: string): Promise<void> {
  const stages = (await world.smClient.send(new DescribeSecretCommand({ SecretId: id }))).VersionIdsToStages ?? {};
  expect(stages[token], point).toContain('AWSCURRENT');
  const open = Object.entries(stages).filter(([, labels]) => labels.includes('AWSPENDING') && !labels.includes('AWSCURRENT'));
  expect(open, point).toEqual([]);
  const { SecretString } = await world.smClient.send(new GetSecretValueCommand({ SecretId: id }));
  const { username, password } = awsSchema.parse(SecretString as string).credentials;
  const session = await target.connect({ username, password, host: server.host, port: server.port, tls: 'disable' });
  await session.ping();
  await session.close();
}

describe('a crash at every Secrets Manager call of every step, then a re-run with the same token', () => {
  let profile: Record<StepName, Record<string, number>>;
  beforeAll(async () => {
    profile = await callProfile();
  });

  it('the store calls the steps make are the ones this matrix covers', () => {
    for (const step of STEPS) {
      for (const operation of Object.keys(profile[step])) expect(STORE_OPERATIONS, `${step}: ${operation}`).toContain(operation);
    }
    // finish moves AWSCURRENT, then drops AWSPENDING: the crash between the two is one of the points.
    expect(profile.finish['UpdateSecretVersionStage']).toBe(2);
  });

  it.each(STEPS)('%s: every call crashed in turn; the re-run converges with AWSCURRENT logging in', async (step) => {
    for (const [operation, count] of Object.entries(profile[step])) {
      for (let after = 0; after < count; after += 1) {
        const point = `${step} crashed at ${operation} #${after + 1}`;
        const { id, token } = await freshRotation();
        for (const earlier of STEPS.slice(0, STEPS.indexOf(step))) await runStep(earlier, id, token);
        world.sm.injectFault({ operation, kind: 'error', after });
        const crash = await runStep(step, id, token).then(
          () => undefined,
          (error: unknown) => error,
        );
        world.sm.clearFaults();
        expect(isRotakitError(crash, 'StoreUnavailable'), point).toBe(true);
        for (const again of STEPS) await runStep(again, id, token);
        await expectConverged(id, token, point);
      }
    }
  });
});

describe('throttling and 5xx go through the SDK\'s own retries', () => {
  it('retries a throttled call with the default client; when throttling outlasts the attempts, a retryable StoreUnavailable', async () => {
    const { id, token } = await freshRotation();
    const { maxAttempts: _single, ...defaults } = testConfig(world.sm.url);
    const client = new SecretsManagerClient(defaults);
    const store = new SecretsManagerStore({ client });
    try {
      world.sm.resetCalls();
      world.sm.injectFault({ operation: 'DescribeSecret', kind: 'throttle', times: 2 });
      expect((await store.open(id, token)).stages.pending).toBe(token);
      expect(world.sm.calls('DescribeSecret')).toBe(3);
      world.sm.resetCalls();
      world.sm.injectFault({ operation: 'DescribeSecret', kind: 'error', times: 3 });
      const error = await store.open(id, token).catch((e: unknown) => e);
      expect(world.sm.calls('DescribeSecret')).toBe(3);
      expect(error).toMatchObject({ code: 'StoreUnavailable', retryable: true });
    } finally {
      world.sm.clearFaults();
      client.destroy();
    }
  });
});
