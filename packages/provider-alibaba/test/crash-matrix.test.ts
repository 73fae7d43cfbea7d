// Guarantee 1 against the store's every call: a rotation that crashes at any KMS call of any step
// (the call refused, or carried out with its answer lost), re-run with the same VersionId (as the
// workflow retries it), finishes with an ACSCurrent that logs
// in to a real MariaDB server; and the stage pointers `open` reports for the states KMS can be in.
import { createConnection, type Connection } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  isRotakitError,
  runStep,
  singleUser,
  STEPS,
  type StepName,
} from '@rotakit/core';
import { alibabaSchema } from '@rotakit/provider-alibaba';
import { startAlibabaKmsEmulator, startMariaDb, type AlibabaKmsEmulator, type MariaDbServer } from '@rotakit/testkit';
import { mysqlTarget } from '@rotakit/target-mysql';
import { KmsSecretStore } from '@rotakit/provider-alibaba';
import { KEY, seedSecret, stagesOf, valueAt } from './helpers.js';

const STORE_ACTIONS = ['DescribeSecret', 'ListSecretVersionIds', 'GetSecretValue', 'PutSecretValue', 'UpdateSecretVersionStage'];
const target = mysqlTarget({ tls: 'disable' });

let kms: AlibabaKmsEmulator;
let server: MariaDbServer;
let admin: Connection;
/** No retries of its own: one injected fault is one crash. */
let store: KmsSecretStore;
let secrets = 0;

beforeAll(async () => {
  [kms, server] = await Promise.all([startAlibabaKmsEmulator({ credentials: KEY }), startMariaDb()]);
  admin = await createConnection({ host: server.host, port: server.port, user: server.admin.username, password: server.admin.password });
  store = new KmsSecretStore({ endpoint: kms.endpoint, regionId: kms.regionId, credentials: KEY, protocol: 'http', retry: { attempts: 1 } });
});
afterAll(async () => {
  await admin?.end();
  await Promise.all([kms?.close(), server?.close()]);
});

/** A fresh database account and its secret; returns the secret's name and a new VersionId. */
async function freshSecret(): Promise<{ name: string; token: string }> {
  secrets += 1;
  const account = `kms_crash_${secrets}`;
  const password = `Initial-${account}-pw`;
  await admin.query(`CREATE USER ?@'%' IDENTIFIED BY ?`, [account, password]);
  const name = `crash/${account}`;
  seedSecret(kms, name, { Endpoint: server.host, Port: server.port, AccountName: account, AccountPassword: password });
  return { name, token: `v-${account}-2` };
}

const step = (name: StepName, secretId: string, token: string) =>
  runStep(name, { store, target, strategy: singleUser(), schema: alibabaSchema, secretId, token });

async function logsIn(secretId: string): Promise<boolean> {
  const { AccountName, AccountPassword } = valueAt(kms, secretId, 'ACSCurrent') as { AccountName: string; AccountPassword: string };
  try {
    const session = await target.connect({ username: AccountName, password: AccountPassword, host: server.host, port: server.port, tls: 'disable' });
    await session.close();
    return true;
  } catch (error) {
    if (isRotakitError(error, 'TargetAuthFailed')) return false;
    throw error;
  }
}

describe('a crash at every KMS call of every step, then a re-run with the same VersionId', () => {
  let profile: Record<StepName, Record<string, number>>;
  beforeAll(async () => {
    const { name, token } = await freshSecret();
    profile = {} as typeof profile;
    for (const name_ of STEPS) {
      kms.resetCalls();
      await step(name_, name, token);
      profile[name_] = kms.calls();
    }
  });

  test('the calls the steps make are the ones this matrix covers; finish makes three stage moves', () => {
    for (const name of STEPS) for (const action of Object.keys(profile[name])) expect(STORE_ACTIONS).toContain(action);
    expect(profile.finish['UpdateSecretVersionStage']).toBe(3);
  });

  // `error`: the call fails and changes nothing; `lose-answer`: the call takes effect, its answer is lost.
  test.each(STEPS.flatMap((name) => (['error', 'lose-answer'] as const).map((kind) => [name, kind] as const)))(
    '%s: every call crashed in turn (%s); the re-run converges with ACSCurrent logging in',
    async (name, kind) => {
    for (const [action, count] of Object.entries(profile[name])) {
      for (let after = 0; after < count; after += 1) {
        const point = `${name} crashed at ${action} #${after + 1} (${kind})`;
        const secret = await freshSecret();
        for (const earlier of STEPS.slice(0, STEPS.indexOf(name))) await step(earlier, secret.name, secret.token);
        kms.injectFault({ operation: action as never, kind, after });
        const crash = await step(name, secret.name, secret.token).then(
          () => undefined,
          (error: unknown) => error,
        );
        kms.clearFaults();
        expect(isRotakitError(crash, 'StoreUnavailable'), point).toBe(true);
        for (const again of STEPS) await step(again, secret.name, secret.token);
        const stages = stagesOf(kms, secret.name);
        // A crash between the ACSCurrent move and the ACSPending removal leaves ACSPending on the
        // current version (the re-run's finish is skipped): residue core ignores, never an open rotation.
        expect(stages[secret.token], point).toContain('ACSCurrent');
        expect(Object.entries(stages).filter(([id, labels]) => id !== secret.token && labels.includes('ACSPending')), point).toEqual([]);
        expect(stages['v-initial'], point).toEqual(['ACSPrevious']);
        expect(await logsIn(secret.name), point).toBe(true);
      }
    }
    },
  );
});

describe('the stage pointers open() reports', () => {
  test('ACSPending on another version: a second rotation refuses with its token and writes nothing', async () => {
    const { name } = await freshSecret();
    await step('create', name, 'v-first');
    const before = kms.state();
    kms.resetCalls();
    const refused = await step('create', name, 'v-second').catch((e: unknown) => e);
    expect(isRotakitError(refused, 'RotationInProgress')).toBe(true);
    expect((refused as { pendingToken?: string }).pendingToken).toBe('v-first');
    expect(kms.calls()['PutSecretValue'] ?? 0).toBe(0);
    expect(kms.state()).toEqual(before);
  });

  test('no ACSPrevious: the pointers name only current; a leftover ACSPending on the current version is no rotation', async () => {
    const { name } = await freshSecret();
    expect((await store.open(name, 'v-any')).stages).toEqual({ current: 'v-initial' });
    kms.seed({
      name: `${name}-residue`,
      versions: [{ versionId: 'v-done', data: JSON.stringify({ Endpoint: 'db.internal', AccountName: 'a', AccountPassword: 'Residue-pw-1' }), stages: ['ACSCurrent', 'ACSPending'] }],
    });
    const session = await store.open(`${name}-residue`, 'v-next');
    expect(session.stages).toEqual({ current: 'v-done', pending: 'v-done' });
    await expect(step('create', `${name}-residue`, 'v-next')).resolves.toMatchObject({ outcome: 'done' });
  });
});
