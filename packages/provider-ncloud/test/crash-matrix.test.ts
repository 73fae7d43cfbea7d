// Guarantee 1 against the store's every call (testkit's runtime conformance suite): a rotation
// action that crashes at any Secret Manager call, re-run as a new NAVER job, finishes with an active
// value that logs in to a real MariaDB server; and the stage pointers the store reports for a
// pending value a failed job left.
import { createConnection, type Connection } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isRotakitError, singleUser } from '@rotakit/core';
import { startMariaDb, startNcloudSecretManagerEmulator, type MariaDbServer, type NcloudSecretManagerEmulator } from '@rotakit/testkit';
import { describeRuntimeConformance } from '@rotakit/testkit/conformance';
import { mysqlTarget } from '@rotakit/target-mysql';
import { createCloudFunctionsAction, NcloudSecretStore, ncloudSchema, type NcloudActionMain } from '@rotakit/provider-ncloud';
import { API_KEY, clientOf } from './helpers.js';

const target = mysqlTarget({ tls: 'disable' });

let emulator: NcloudSecretManagerEmulator;
let server: MariaDbServer;
let admin: Connection;
/** No retries: one injected fault is one crash. */
let main: NcloudActionMain;
let users = 0;

beforeAll(async () => {
  [emulator, server] = await Promise.all([startNcloudSecretManagerEmulator({ credentials: [API_KEY] }), startMariaDb()]);
  admin = await createConnection({ host: server.host, port: server.port, user: server.admin.username, password: server.admin.password });
  await admin.query('CREATE DATABASE IF NOT EXISTS shop');
  main = createCloudFunctionsAction({ target, strategy: singleUser(), endpoint: emulator.regionalUrl, retry: { retries: 0 }, environment: {} });
});
afterAll(async () => {
  await admin?.end();
  await Promise.all([emulator?.close(), server?.close()]);
});

async function freshSecret(pending?: (active: Record<string, string>) => Record<string, string>): Promise<string> {
  users += 1;
  const user = `nc_crash_${users}`;
  const password = `Initial-${user}-pw`;
  await admin.query(`CREATE USER ?@'%' IDENTIFIED BY ?`, [user, password]);
  await admin.query(`GRANT SELECT ON shop.* TO ?@'%'`, [user]);
  const active = { cdbHost: server.host, cdbPort: String(server.port), cdbUser: user, cdbDatabase: 'shop', cdbPassword: password };
  return emulator.seedSecret({
    chain: { active, ...(pending === undefined ? {} : { pending: pending(active) }) },
    rotationTargets: ['cdbPassword'],
  });
}

const chainOf = (secretId: string) => emulator.state().secrets.find((s) => s.secretId === secretId)?.chain;
const runJob = (secretId: string) => main({ secretId, jobToken: emulator.openJob(secretId), ...API_KEY });

async function activeLogsIn(secretId: string): Promise<boolean> {
  const { cdbUser, cdbPassword } = JSON.parse(chainOf(secretId)?.active ?? '{}') as Record<string, string>;
  try {
    const session = await target.connect({ username: cdbUser ?? '', password: cdbPassword ?? '', host: server.host, port: server.port, tls: 'disable' });
    await session.close();
    return true;
  } catch (error) {
    if (isRotakitError(error, 'TargetAuthFailed')) return false;
    throw error;
  }
}

describeRuntimeConformance('ncloud (Secret Manager emulator, the action run as a job)', async () => ({
  database: server,
  target,
  schema: ncloudSchema,
  emulator,
  operations: ['startRotationJob', 'updatePendingStage', 'completeRotationJob'],
  // No lose-answer: a completeRotationJob whose answer is lost did complete, so the job the cloud
  // runs next is a second rotation, and "the old value is previous" cannot hold; the suite reports
  // that kind as skipped with this reason.
  faults: ['error'],
  drivers: [
    {
      name: 'each run of the action is a new job',
      steps: ['job'],
      start: async (secretId) => ({ secretId }),
      drive: async ({ secretId }) => {
        const answer = await runJob(secretId);
        return answer.done ? undefined : { code: answer.error_code, retryable: answer.retryable };
      },
      promotion: { step: 'job', operation: 'completeRotationJob', call: 1 },
    },
  ],
  createSecret: async ({ host, port, username, password, database }) =>
    emulator.seedSecret({
      chain: { active: { cdbHost: host, cdbPort: String(port), cdbUser: username, cdbDatabase: database, cdbPassword: password } },
      rotationTargets: ['cdbPassword'],
    }),
  view: ({ secretId }) => {
    const chain = chainOf(secretId);
    const open = emulator.state().jobs.filter((job) => job.secretId === secretId && (job.status === 'created' || job.status === 'started'));
    const pending = chain?.pending === undefined ? [] : ['a pending value'];
    return { current: chain?.active, previous: chain?.previous, stored: chain?.pending, leftovers: [...pending, ...open.map((job) => `job ${job.status}`)] };
  },
  close: async () => undefined,
}));

describe('the stage pointers for a pending value a failed job left', () => {
  it('pending equal to active: no rotation in progress, a new password is made', async () => {
    const secretId = await freshSecret((active) => active);
    const store = new NcloudSecretStore({ client: clientOf(emulator) });
    const session = await store.open(secretId, emulator.openJob(secretId));
    expect(session.stages.pending).toBeUndefined();
    expect(await session.read('pending')).toBeUndefined();
    await store.failJob(secretId, session.token);
    expect(await runJob(secretId)).toMatchObject({ done: true, steps: { create: 'done', set: 'done' } });
    expect(await activeLogsIn(secretId)).toBe(true);
  });

  it('pending different from active: adopted as the new job\'s pending, and its password is the one set', async () => {
    const secretId = await freshSecret((active) => ({ ...active, cdbPassword: 'Left-by-a-failed-job-1' }));
    const store = new NcloudSecretStore({ client: clientOf(emulator) });
    const session = await store.open(secretId, emulator.openJob(secretId));
    expect(session.stages.pending).toBe(session.token);
    expect(session.stages.current).not.toBe(session.token);
    await store.failJob(secretId, session.token);
    expect(await runJob(secretId)).toMatchObject({ done: true, steps: { create: 'skipped', set: 'done' } });
    expect(JSON.parse(chainOf(secretId)?.active ?? '{}')).toMatchObject({ cdbPassword: 'Left-by-a-failed-job-1' });
    expect(await activeLogsIn(secretId)).toBe(true);
  });
});
