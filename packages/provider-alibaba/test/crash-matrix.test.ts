// Guarantee 1 against the store's every call (testkit's runtime conformance suite): a rotation that
// crashes at any KMS call of any step (the call refused, or carried out with its answer lost),
// re-run with the same VersionId (as the workflow retries it), finishes with an ACSCurrent that
// logs in to a real MariaDB server; and the stage pointers `open` reports for the states KMS can be in.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { isRotakitError, runStep, singleUser, STEPS, type StepName } from '@rotakit/core';
import { alibabaSchema, KmsSecretStore } from '@rotakit/provider-alibaba';
import { startAlibabaKmsEmulator, startMariaDb, type AlibabaKmsEmulator, type MariaDbServer } from '@rotakit/testkit';
import { describeRuntimeConformance } from '@rotakit/testkit/conformance';
import { mysqlTarget } from '@rotakit/target-mysql';
import { KEY, seedSecret, stagesOf } from './helpers.js';

const target = mysqlTarget({ tls: 'disable' });

let kms: AlibabaKmsEmulator;
let server: MariaDbServer;
/** No retries of its own: one injected fault is one crash. */
let store: KmsSecretStore;
let secrets = 0;

beforeAll(async () => {
  [kms, server] = await Promise.all([startAlibabaKmsEmulator({ credentials: KEY }), startMariaDb()]);
  store = new KmsSecretStore({ endpoint: kms.endpoint, regionId: kms.regionId, credentials: KEY, protocol: 'http', retry: { attempts: 1 } });
});
afterAll(async () => {
  await Promise.all([kms?.close(), server?.close()]);
});

const step = (name: StepName, secretId: string, token: string) =>
  runStep(name, { store, target, strategy: singleUser(), schema: alibabaSchema, secretId, token });

/** Seeds a secret whose only version, `v-initial`, is ACSCurrent; returns its name. */
function freshSecret(value: Record<string, unknown>): string {
  secrets += 1;
  const name = `crash/secret-${secrets}`;
  seedSecret(kms, name, value);
  return name;
}

describeRuntimeConformance('alibaba KMS (kms20160120 1.2.0 against the emulator)', async () => ({
  database: server,
  target,
  schema: alibabaSchema,
  emulator: kms,
  operations: ['DescribeSecret', 'ListSecretVersionIds', 'GetSecretValue', 'PutSecretValue', 'UpdateSecretVersionStage'],
  faults: ['error', 'lose-answer'],
  drivers: [
    {
      name: 'core runs each step as the workflow invokes it',
      steps: STEPS,
      start: async (secretId) => ({ secretId, token: `v-${randomUUID()}` }),
      drive: async ({ secretId, token }, name) => {
        await step(name as StepName, secretId, token as string);
        return undefined;
      },
      // finish moves ACSPrevious, then ACSCurrent, then removes ACSPending: three stage moves.
      promotion: { step: 'finish', operation: 'UpdateSecretVersionStage', call: 2 },
    },
  ],
  createSecret: async (account) =>
    freshSecret({ Endpoint: account.host, Port: account.port, AccountName: account.username, AccountPassword: account.password }),
  view: ({ secretId, token }) => {
    const versions = kms.state().secrets.find((s) => s.name === secretId)?.versions ?? [];
    const labelled = (stage: string) => versions.find((v) => v.stages.includes(stage))?.data;
    const stages = stagesOf(kms, secretId);
    // A crash between the ACSCurrent move and the ACSPending removal leaves ACSPending on the
    // current version (the re-run's finish is skipped): residue core ignores, never an open rotation.
    const leftovers = Object.entries(stages)
      .filter(([id, labels]) => id !== token && labels.includes('ACSPending'))
      .map(([id]) => `ACSPending on ${id}`);
    if (!stages[token as string]?.includes('ACSCurrent')) leftovers.push(`${token} is not ACSCurrent`);
    if (JSON.stringify(stages['v-initial']) !== '["ACSPrevious"]') leftovers.push(`v-initial holds ${JSON.stringify(stages['v-initial'])}`);
    return { current: labelled('ACSCurrent'), previous: labelled('ACSPrevious'), stored: versions.find((v) => v.versionId === token)?.data, leftovers };
  },
  close: async () => undefined,
}));

describe('the stage pointers open() reports', () => {
  const unused = { Endpoint: 'db.internal', Port: 3306, AccountName: 'app', AccountPassword: 'Initial-app-pw-1' };

  test('ACSPending on another version: a second rotation refuses with its token and writes nothing', async () => {
    const name = freshSecret(unused);
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
    const name = freshSecret(unused);
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
