// Guarantee 1 against the store's every call (testkit's runtime conformance suite): a rotation that
// crashes at any Secrets Manager call of any step, re-driven with the same ClientRequestToken (as
// the service retries it, or as a job re-runs core's rotate() with its token), finishes with an
// AWSCURRENT that logs in to a real MariaDB server, and leaves no label of its own behind.
import { randomUUID } from 'node:crypto';
import { RotateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { runStep, singleUser, STEPS, type StepName } from '@rotakit/core';
import { mysqlTarget } from '@rotakit/target-mysql';
import { startMariaDb, type MariaDbServer } from '@rotakit/testkit';
import { describeRuntimeConformance, type RuntimeConformanceDriver } from '@rotakit/testkit/conformance';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AWS_STEPS, awsSchema, createRotationHandler, SecretsManagerStore } from '../src/index.js';
import { createSecret, startAwsWorld, testConfig, type AwsWorld } from './helpers.js';

/** The rotation function RotateSecret calls does nothing: the test drives the steps itself. */
const IDLE_FUNCTION = 'arn:aws:lambda:us-east-1:123456789012:function:crash-idle';
const CORE_TO_AWS = Object.fromEntries(Object.entries(AWS_STEPS).map(([aws, core]) => [core, aws])) as Record<StepName, keyof typeof AWS_STEPS>;
const STAGES = ['AWSCURRENT', 'AWSPENDING', 'AWSPREVIOUS'];
const target = mysqlTarget({ tls: 'disable' });
/** finish moves AWSCURRENT, then drops AWSPENDING: the crash between the two is one of the points. */
const PROMOTION = { step: 'finish', operation: 'UpdateSecretVersionStage', call: 1 };

let world: AwsWorld;
let server: MariaDbServer;

beforeAll(async () => {
  [world, server] = await Promise.all([startAwsWorld(), startMariaDb()]);
  world.sm.registerRotationFunction(IDLE_FUNCTION, () => undefined);
});
afterAll(async () => {
  await Promise.all([world?.close(), server?.close()]);
});

/** A rotation RotateSecret started, its token the version RotateSecret made. */
async function rotateSecret(secretId: string) {
  const { VersionId } = await world.smClient.send(
    new RotateSecretCommand({ SecretId: secretId, RotationLambdaARN: IDLE_FUNCTION, RotationRules: { AutomaticallyAfterDays: 30 } }),
  );
  await world.sm.rotationSettled(secretId);
  return { secretId, token: VersionId as string };
}

/** What a version's labels say is left of a rotation: the token's version not current, an open AWSPENDING, a label of its own. */
function leftovers(versions: readonly { VersionId: string; VersionStages: string[] }[], token: string | undefined): string[] {
  const left = versions.find((v) => v.VersionId === token)?.VersionStages.includes('AWSCURRENT') ? [] : [`${token} is not AWSCURRENT`];
  for (const { VersionId, VersionStages } of versions) {
    if (VersionStages.includes('AWSPENDING') && !VersionStages.includes('AWSCURRENT')) left.push(`AWSPENDING open on ${VersionId}`);
    left.push(...VersionStages.filter((label) => !STAGES.includes(label)).map((label) => `${label} on ${VersionId}`));
  }
  return left;
}

describeRuntimeConformance('aws (Secrets Manager emulator)', async () => {
  const handler = createRotationHandler({ target, strategy: singleUser(), secretsManager: testConfig(world.sm.url) });
  const inProcess = new SecretsManagerStore({ client: testConfig(world.sm.url), requireStagedToken: false });
  const viaRotateSecret: RuntimeConformanceDriver = {
    name: 'RotateSecret drives the Lambda handler',
    steps: STEPS,
    start: rotateSecret,
    drive: async ({ secretId, token }, step) => {
      await handler({ Step: CORE_TO_AWS[step as StepName], SecretId: secretId, ClientRequestToken: token as string });
      return undefined;
    },
    promotion: PROMOTION,
    // As many Secrets Manager calls as before the in-process claim.
    calls: {
      create: { DescribeSecret: 1, GetSecretValue: 1, PutSecretValue: 1 },
      set: { DescribeSecret: 1, GetSecretValue: 2 },
      test: { DescribeSecret: 1, GetSecretValue: 1 },
      finish: { DescribeSecret: 1, GetSecretValue: 1, UpdateSecretVersionStage: 2 },
    },
  };
  const coreInProcess: RuntimeConformanceDriver = {
    name: 'core runs in process (requireStagedToken: false)',
    steps: STEPS,
    start: async (secretId) => ({ secretId, token: randomUUID() }),
    drive: async ({ secretId, token }, step) => {
      await runStep(step as StepName, { store: inProcess, target, strategy: singleUser(), schema: awsSchema, secretId, token: token as string });
      return undefined;
    },
    promotion: PROMOTION,
    // In process, create claims the pending stage: PutSecretValue, a conditional move, a check, the claim label's removal.
    calls: {
      create: { DescribeSecret: 2, GetSecretValue: 1, PutSecretValue: 1, UpdateSecretVersionStage: 2 },
      finish: { DescribeSecret: 1, GetSecretValue: 1, UpdateSecretVersionStage: 2 },
    },
  };
  return {
    database: server,
    target,
    schema: awsSchema,
    emulator: world.sm,
    operations: ['DescribeSecret', 'GetSecretValue', 'PutSecretValue', 'UpdateSecretVersionStage'],
    faults: ['error', 'lose-answer'],
    drivers: [viaRotateSecret, coreInProcess],
    createSecret: ({ host, port, username, password }) => createSecret(world.smClient, { engine: 'mariadb', host, port, username, password }),
    view: ({ secretId, token }) => {
      const versions = world.sm.state().secrets.find((s) => s.ARN === secretId)?.Versions ?? [];
      const labelled = (stage: string) => versions.find((v) => v.VersionStages.includes(stage))?.SecretString;
      const stored = versions.find((v) => v.VersionId === token)?.SecretString;
      return { current: labelled('AWSCURRENT'), previous: labelled('AWSPREVIOUS'), stored, leftovers: leftovers(versions, token) };
    },
    close: async () => undefined,
  };
});

describe('throttling and 5xx go through the SDK\'s own retries', () => {
  it('retries a throttled call with the default client; when throttling outlasts the attempts, a retryable StoreUnavailable', async () => {
    const unused = { engine: 'mariadb', host: 'db.internal', port: 3306, username: 'app', password: 'Unused-pw-1' };
    const { secretId: id, token } = await rotateSecret(await createSecret(world.smClient, unused));
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
