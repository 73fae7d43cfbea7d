// Two rotations of one secret through core's rotate() with `requireStagedToken: false` (jobs, the
// CLI): however they interleave, exactly one changes the database, the other is refused with
// RotationInProgress naming the winner, and AWSCURRENT logs in to a real MariaDB server.
import { randomUUID } from 'node:crypto';
import { DescribeSecretCommand, GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import {
  isRotakitError,
  rotate,
  singleUser,
  type RotationEvent,
  type RotationResult,
} from '@rotakit/core';
import { awsSchema } from '@rotakit/provider-aws';
import { mysqlTarget } from '@rotakit/target-mysql';
import { startMariaDb, type MariaDbServer } from '@rotakit/testkit';
import { createConnection, type Connection } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SecretsManagerStore } from '../src/index.js';
import { createSecret, startAwsWorld, testConfig, type AwsWorld } from './helpers.js';

const TRIALS = 20;
/**
 * How long the first PutSecretValue is held. The rival's whole rotation (four steps on MariaDB)
 * takes a few tens of milliseconds here, so it finishes while the slow write waits, as it did
 * with the 1.5 s of the adversarial run.
 */
const SLOW_WRITE_MS = 400;

let world: AwsWorld;
let server: MariaDbServer;
let admin: Connection;
let store: SecretsManagerStore;
const target = mysqlTarget({ tls: 'disable' });
let users = 0;

beforeAll(async () => {
  [world, server] = await Promise.all([startAwsWorld(), startMariaDb()]);
  admin = await createConnection({ host: server.host, port: server.port, user: server.admin.username, password: server.admin.password });
  store = new SecretsManagerStore({ client: testConfig(world.sm.url), requireStagedToken: false });
});
afterAll(async () => {
  await admin?.end();
  await Promise.all([world?.close(), server?.close()]);
});

/** A fresh database user and its secret. */
async function freshSecret(): Promise<{ id: string; initial: string }> {
  users += 1;
  const username = `race_${users}`;
  const initial = `Initial-${username}-pw`;
  await admin.query(`CREATE USER ?@'%' IDENTIFIED BY ?`, [username, initial]);
  const id = await createSecret(world.smClient, { engine: 'mariadb', host: server.host, port: server.port, username, password: initial });
  return { id, initial };
}

/** Whether `SecretString` (a secret's JSON) logs in to the server. */
async function logsIn(secretString: string): Promise<boolean> {
  const { username, password } = awsSchema.parse(secretString).credentials;
  try {
    const session = await target.connect({ username, password, host: server.host, port: server.port, tls: 'disable' });
    await session.close();
    return true;
  } catch (error) {
    if (isRotakitError(error, 'TargetAuthFailed')) return false;
    throw error;
  }
}

/** The value stored under each version, as the emulator holds it. */
function versionValues(id: string): Map<string, string> {
  const secret = world.sm.state().secrets.find((s) => s.ARN === id);
  return new Map((secret?.Versions ?? []).flatMap((v) => (v.SecretString === undefined ? [] : [[v.VersionId, v.SecretString]])));
}

/** Runs two rotations of one secret at once and checks that exactly one of them rotated it. */
async function race(slowFirstWrite: boolean): Promise<void> {
  const { id } = await freshSecret();
  const tokens = [randomUUID(), randomUUID()];
  const events = new Map<string, RotationEvent[]>(tokens.map((token) => [token, []]));
  if (slowFirstWrite) world.sm.injectFault({ operation: 'PutSecretValue', kind: 'latency', ms: SLOW_WRITE_MS });
  const outcomes = await Promise.allSettled(
    tokens.map((token) =>
      rotate({ store, target, strategy: singleUser(), schema: awsSchema, secretId: id, token, onEvent: (e) => events.get(token)?.push(e) }),
    ),
  );
  world.sm.clearFaults();

  const won = outcomes.flatMap((o) => (o.status === 'fulfilled' ? [o.value] : []));
  const lost = outcomes.flatMap((o) => (o.status === 'rejected' ? [o.reason as unknown] : []));
  expect(won.map((r: RotationResult) => Object.values(r.steps))).toEqual([['done', 'done', 'done', 'done']]);
  const winner = (won[0] as RotationResult).token;
  const loser = tokens.find((t) => t !== winner) as string;
  expect(lost).toHaveLength(1);
  expect(lost[0]).toMatchObject({ code: 'RotationInProgress', pendingToken: winner });

  // The loser never reached the database: its set step neither ran nor left its password there.
  expect(events.get(loser)?.some((e) => e.type === 'step.succeeded' && e.step === 'set')).toBe(false);
  const values = versionValues(id);
  expect(await logsIn(values.get(winner) as string)).toBe(true);
  const loserValue = values.get(loser);
  if (loserValue !== undefined) expect(await logsIn(loserValue)).toBe(false);

  // AWSCURRENT is the winner's and logs in; no rotation and no helper label is left behind.
  const stages = (await world.smClient.send(new DescribeSecretCommand({ SecretId: id }))).VersionIdsToStages ?? {};
  expect(stages[winner]).toEqual(['AWSCURRENT']);
  expect(Object.values(stages).flat().sort()).toEqual(['AWSCURRENT', 'AWSPREVIOUS']);
  const { SecretString } = await world.smClient.send(new GetSecretValueCommand({ SecretId: id }));
  expect(await logsIn(SecretString as string)).toBe(true);
}

describe('two rotate() calls on one secret, requireStagedToken: false', () => {
  it(`the first PutSecretValue held ${SLOW_WRITE_MS} ms: in ${TRIALS} trials exactly one rotation changes the database`, async () => {
    for (let trial = 0; trial < TRIALS; trial += 1) await race(true);
  }, 120_000);

  it(`started together, no fault: in ${TRIALS} trials the loser gets RotationInProgress with the winner's token`, async () => {
    for (let trial = 0; trial < TRIALS; trial += 1) await race(false);
  }, 120_000);
});
