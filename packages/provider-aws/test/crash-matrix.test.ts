// Guarantee 1 against the store's every call: a rotation that crashes at any Secrets Manager call
// of any step, re-driven with the same ClientRequestToken (as the service retries it, or as a job
// re-runs core's rotate() with its token), finishes with an AWSCURRENT that logs in to a real
// MariaDB server, and leaves no label of its own behind.
import { randomUUID } from 'node:crypto';
import { DescribeSecretCommand, GetSecretValueCommand, RotateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import {
  isRotakitError,
  runStep as runCoreStep,
  singleUser,
  STEPS,
  type StepName,
} from '@rotakit/core';
import { awsSchema } from '@rotakit/provider-aws';
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
let inProcess: SecretsManagerStore;
const target = mysqlTarget({ tls: 'disable' });
let users = 0;

beforeAll(async () => {
  [world, server] = await Promise.all([startAwsWorld(), startMariaDb()]);
  world.sm.registerRotationFunction(IDLE_FUNCTION, () => undefined);
  admin = await createConnection({ host: server.host, port: server.port, user: server.admin.username, password: server.admin.password });
  handler = createRotationHandler({ target, strategy: singleUser(), secretsManager: testConfig(world.sm.url) });
  inProcess = new SecretsManagerStore({ client: testConfig(world.sm.url), requireStagedToken: false });
});
afterAll(async () => {
  await admin?.end();
  await Promise.all([world?.close(), server?.close()]);
});

/** A fresh database user and its secret. */
async function freshSecret(): Promise<string> {
  users += 1;
  const username = `crash_${users}`;
  const password = `Initial-${username}-pw`;
  await admin.query(`CREATE USER ?@'%' IDENTIFIED BY ?`, [username, password]);
  return createSecret(world.smClient, { engine: 'mariadb', host: server.host, port: server.port, username, password });
}

/** How a rotation is started and its steps driven. */
interface Mode {
  readonly name: string;
  /** A fresh secret and the token of a rotation of it that has not run a step yet. */
  fresh(): Promise<{ id: string; token: string }>;
  runStep(step: StepName, id: string, token: string): Promise<unknown>;
}

const ROTATE_SECRET: Mode = {
  name: 'RotateSecret drives the Lambda handler',
  async fresh() {
    const id = await freshSecret();
    const { VersionId } = await world.smClient.send(
      new RotateSecretCommand({ SecretId: id, RotationLambdaARN: IDLE_FUNCTION, RotationRules: { AutomaticallyAfterDays: 30 } }),
    );
    await world.sm.rotationSettled(id);
    return { id, token: VersionId as string };
  },
  runStep: (step, id, token) => handler({ Step: CORE_TO_AWS[step], SecretId: id, ClientRequestToken: token }),
};

const IN_PROCESS: Mode = {
  name: 'core runs in process (requireStagedToken: false)',
  fresh: async () => ({ id: await freshSecret(), token: randomUUID() }),
  runStep: (step, id, token) => runCoreStep(step, { store: inProcess, target, strategy: singleUser(), schema: awsSchema, secretId: id, token }),
};

/** The calls each step makes to Secrets Manager, per operation, in a rotation nothing disturbs. */
async function callProfile(mode: Mode): Promise<Record<StepName, Record<string, number>>> {
  const { id, token } = await mode.fresh();
  const profile = {} as Record<StepName, Record<string, number>>;
  for (const step of STEPS) {
    world.sm.resetCalls();
    await mode.runStep(step, id, token);
    profile[step] = world.sm.callCounts();
  }
  return profile;
}

/** The value stored under `versionId`, whatever its labels, as the emulator holds it. */
function valueUnder(id: string, versionId: string): string | undefined {
  return world.sm.state().secrets.find((s) => s.ARN === id)?.Versions.find((v) => v.VersionId === versionId)?.SecretString;
}

/** The application's view after the re-run: AWSCURRENT is the token's version, logs in, and no rotation is left open. */
async function expectConverged(id: string, token: string, point: string): Promise<void> {
  const stages = (await world.smClient.send(new DescribeSecretCommand({ SecretId: id }))).VersionIdsToStages ?? {};
  expect(stages[token], point).toContain('AWSCURRENT');
  const open = Object.entries(stages).filter(([, labels]) => labels.includes('AWSPENDING') && !labels.includes('AWSCURRENT'));
  expect(open, point).toEqual([]);
  const others = Object.values(stages).flat().filter((label) => !['AWSCURRENT', 'AWSPENDING', 'AWSPREVIOUS'].includes(label));
  expect(others, point).toEqual([]);
  const { SecretString } = await world.smClient.send(new GetSecretValueCommand({ SecretId: id }));
  const { username, password } = awsSchema.parse(SecretString as string).credentials;
  const session = await target.connect({ username, password, host: server.host, port: server.port, tls: 'disable' });
  await session.ping();
  await session.close();
}

describe.each([ROTATE_SECRET, IN_PROCESS])('$name: a crash at every Secrets Manager call of every step, then a re-run with the same token', (mode) => {
  let profile: Record<StepName, Record<string, number>>;
  beforeAll(async () => {
    profile = await callProfile(mode);
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
        const { id, token } = await mode.fresh();
        for (const earlier of STEPS.slice(0, STEPS.indexOf(step))) await mode.runStep(earlier, id, token);
        world.sm.injectFault({ operation, kind: 'error', after });
        const crash = await mode.runStep(step, id, token).then(
          () => undefined,
          (error: unknown) => error,
        );
        world.sm.clearFaults();
        expect(isRotakitError(crash, 'StoreUnavailable'), point).toBe(true);
        const storedBefore = valueUnder(id, token);
        for (const again of STEPS) await mode.runStep(again, id, token);
        await expectConverged(id, token, point);
        // A value stored under the token before the crash is the one the re-run kept and promoted.
        if (storedBefore !== undefined) expect(await world.smClient.send(new GetSecretValueCommand({ SecretId: id })), point).toMatchObject({ SecretString: storedBefore });
      }
    }
  });
});

it('with RotateSecret driving, a rotation makes as many Secrets Manager calls as before the in-process claim', async () => {
  const rotateSecret = await callProfile(ROTATE_SECRET);
  expect(rotateSecret).toEqual({
    create: { DescribeSecret: 1, GetSecretValue: 2, PutSecretValue: 1 },
    set: { DescribeSecret: 1, GetSecretValue: 2 },
    test: { DescribeSecret: 1, GetSecretValue: 1 },
    finish: { DescribeSecret: 1, GetSecretValue: 1, UpdateSecretVersionStage: 2 },
  });
  // In process, create claims the pending stage: PutSecretValue, a conditional move, a check, the claim label's removal.
  const claimed = await callProfile(IN_PROCESS);
  expect(claimed.create).toEqual({ DescribeSecret: 2, GetSecretValue: 1, PutSecretValue: 1, UpdateSecretVersionStage: 2 });
});

describe('throttling and 5xx go through the SDK\'s own retries', () => {
  it('retries a throttled call with the default client; when throttling outlasts the attempts, a retryable StoreUnavailable', async () => {
    const { id, token } = await ROTATE_SECRET.fresh();
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
