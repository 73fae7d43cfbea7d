// Two rotations of one secret at once, through core's rotate() on the KMS emulator and a real
// MariaDB server: exactly one wins, the other is refused with RotationInProgress naming the
// winner's token, at most one rotation's password reaches the database, and ACSCurrent logs in.
import { createConnection, type Connection } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  isRotakitError,
  rotate,
  singleUser,
  type RotationResult,
} from '@rotakit/core';
import { alibabaSchema } from '@rotakit/provider-alibaba';
import { startAlibabaKmsEmulator, startMariaDb, type AlibabaKmsEmulator, type MariaDbServer } from '@rotakit/testkit';
import { mysqlTarget } from '@rotakit/target-mysql';
import { KEY, kmsStore, seedSecret, stagesOf } from './helpers.js';

const TRIALS = 20;
const target = mysqlTarget({ tls: 'disable' });

let kms: AlibabaKmsEmulator;
let server: MariaDbServer;
let admin: Connection;
let accounts = 0;

beforeAll(async () => {
  [kms, server] = await Promise.all([startAlibabaKmsEmulator({ credentials: KEY }), startMariaDb()]);
  admin = await createConnection({ host: server.host, port: server.port, user: server.admin.username, password: server.admin.password });
});
afterAll(async () => {
  await admin?.end();
  await Promise.all([kms?.close(), server?.close()]);
});

/** A fresh database account and its secret; returns the secret's name. */
async function freshSecret(): Promise<{ name: string; account: string }> {
  accounts += 1;
  const account = `race_${accounts}`;
  await admin.query(`CREATE USER ?@'%' IDENTIFIED BY ?`, [account, `Initial-${account}-pw`]);
  const name = `race/${account}`;
  seedSecret(kms, name, { Endpoint: server.host, Port: server.port, AccountName: account, AccountPassword: `Initial-${account}-pw` });
  return { name, account };
}

async function logsIn(account: string, password: string): Promise<boolean> {
  try {
    const session = await target.connect({ username: account, password, host: server.host, port: server.port, tls: 'disable' });
    await session.close();
    return true;
  } catch (error) {
    if (isRotakitError(error, 'TargetAuthFailed')) return false;
    throw error;
  }
}

const rotation = (secretId: string, token: string): Promise<RotationResult> =>
  rotate({ store: kmsStore(kms), target, strategy: singleUser(), schema: alibabaSchema, secretId, token });

/**
 * Checks one race: one rotation succeeded, the other was refused with RotationInProgress naming the
 * winner; ACSCurrent is the winner's version and logs in; the loser's password (if it stored one)
 * does not; nothing but the current version carries ACSPending.
 */
async function expectOneWinner(
  secret: { name: string; account: string },
  outcomes: readonly [PromiseSettledResult<RotationResult>, PromiseSettledResult<RotationResult>],
  tokens: readonly [string, string],
  trial: string,
): Promise<void> {
  const won = outcomes.map((outcome) => outcome.status === 'fulfilled');
  expect(won.filter(Boolean), `${trial}: exactly one rotation succeeds`).toHaveLength(1);
  const winner = won[0] ? 0 : 1;
  const loser = 1 - winner;
  const refused = outcomes[loser] as PromiseRejectedResult;
  expect(refused.reason, trial).toMatchObject({ code: 'RotationInProgress', pendingToken: tokens[winner] });

  const state = kms.state().secrets.find((s) => s.name === secret.name);
  const versionOf = (id: string) => state?.versions.find((v) => v.versionId === id);
  const current = state?.versions.find((v) => v.stages.includes('ACSCurrent'));
  expect(current?.versionId, trial).toBe(tokens[winner]);
  const password = (data: string | undefined) => (JSON.parse(data ?? '{}') as { AccountPassword?: string }).AccountPassword;
  expect(await logsIn(secret.account, password(current?.data) as string), `${trial}: ACSCurrent logs in`).toBe(true);
  const lost = versionOf(tokens[loser] as string);
  if (lost) expect(await logsIn(secret.account, password(lost.data) as string), `${trial}: the loser's password never reached the database`).toBe(false);
  const pendingElsewhere = Object.entries(stagesOf(kms, secret.name)).filter(([id, labels]) => id !== tokens[winner] && labels.includes('ACSPending'));
  expect(pendingElsewhere, `${trial}: nothing of the loser is left pending`).toEqual([]);
}

describe('two rotations of one secret at once', () => {
  test(`the first PutSecretValue slowed by a latency fault: one rotation wins, ${TRIALS} trials`, async () => {
    for (let trial = 0; trial < TRIALS; trial += 1) {
      const secret = await freshSecret();
      const tokens = [`v-a-${trial}`, `v-b-${trial}`] as const;
      // The delay moves through the other rotation's steps from one trial to the next.
      kms.injectFault({ operation: 'PutSecretValue', kind: 'latency', ms: 15 * trial });
      const outcomes = await Promise.allSettled([rotation(secret.name, tokens[0]), rotation(secret.name, tokens[1])]);
      kms.clearFaults();
      await expectOneWinner(secret, outcomes as [PromiseSettledResult<RotationResult>, PromiseSettledResult<RotationResult>], tokens, `trial ${trial}`);
    }
  }, 120_000);

  test(`the slowed write lands after the other rotation finished: refused, naming it, ${TRIALS} trials`, async () => {
    for (let trial = 0; trial < TRIALS; trial += 1) {
      const secret = await freshSecret();
      const tokens = [`v-slow-${trial}`, `v-fast-${trial}`] as const;
      kms.injectFault({ operation: 'PutSecretValue', kind: 'latency', ms: 1000 });
      const slow = rotation(secret.name, tokens[0]);
      const settledSlow = slow.then(
        (value) => ({ status: 'fulfilled', value }) as const,
        (reason: unknown) => ({ status: 'rejected', reason }) as const,
      );
      while (kms.callCount('PutSecretValue') === 0) await new Promise((resolve) => setTimeout(resolve, 2));
      kms.resetCalls();
      const fast = await rotation(secret.name, tokens[1]).then(
        (value) => ({ status: 'fulfilled', value }) as const,
        (reason: unknown) => ({ status: 'rejected', reason }) as const,
      );
      const outcomes = [await settledSlow, fast] as const;
      kms.clearFaults();
      await expectOneWinner(secret, outcomes as [PromiseSettledResult<RotationResult>, PromiseSettledResult<RotationResult>], tokens, `trial ${trial}`);
      expect(outcomes[1].status, `trial ${trial}: the rotation that was not slowed wins`).toBe('fulfilled');
    }
  }, 120_000);

  test(`simultaneous calls, no fault: one rotation wins, ${TRIALS} trials`, async () => {
    for (let trial = 0; trial < TRIALS; trial += 1) {
      const secret = await freshSecret();
      const tokens = [`v-left-${trial}`, `v-right-${trial}`] as const;
      const outcomes = await Promise.allSettled([rotation(secret.name, tokens[0]), rotation(secret.name, tokens[1])]);
      await expectOneWinner(secret, outcomes as [PromiseSettledResult<RotationResult>, PromiseSettledResult<RotationResult>], tokens, `trial ${trial}`);
    }
  }, 120_000);
});
