import { createRequire } from 'node:module';
import type * as $Kms from '@alicloud/kms20160120';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAlibabaKmsEmulator, type AlibabaKmsEmulator } from '../src/index.js';
import { expectKmsError, kmsClient, rawKmsCall, type Kms } from './alibaba-kms-clients.js';

const require = createRequire(import.meta.url);
const { ListSecretsRequest } = require('@alicloud/kms20160120') as typeof $Kms;
const INVALID = ['InvalidParameter', 400, 'The specified parameter is invalid.'] as const;

let emulator: AlibabaKmsEmulator;
let client: Kms;

beforeAll(async () => {
  emulator = await startAlibabaKmsEmulator();
  client = kmsClient(emulator);
  for (let i = 0; i < 5; i += 1) {
    emulator.seed({ name: `fleet-app-${i}`, tags: { team: i < 2 ? 'orders' : 'billing' }, versions: [{ versionId: 'v1', data: '{}', stages: ['ACSCurrent'] }] });
  }
  emulator.seed({ name: 'other-db', description: 'orders database', versions: [{ versionId: 'v1', data: '{}', stages: ['ACSCurrent'] }] });
});
afterAll(() => emulator.close());

describe('the KMS emulator: ListSecrets', () => {
  it('pages with PageNumber, PageSize and TotalCount, tags only with FetchTags, as the 1.2.0 client reads it', async () => {
    const first = await client.listSecrets(new ListSecretsRequest({ pageNumber: 1, pageSize: 4, fetchTags: 'true' }));
    expect(first).toMatchObject({ pageNumber: 1, pageSize: 4, totalCount: 6 });
    expect(first.secretList.secret.map((secret) => secret.secretName)).toEqual(['fleet-app-0', 'fleet-app-1', 'fleet-app-2', 'fleet-app-3']);
    expect(first.secretList.secret[0]?.tags.tag).toEqual([expect.objectContaining({ tagKey: 'team', tagValue: 'orders' })]);
    const second = await client.listSecrets(new ListSecretsRequest({ pageNumber: 2, pageSize: 4 }));
    expect(second.secretList.secret.map((secret) => secret.secretName)).toEqual(['fleet-app-4', 'other-db']);
    expect(second.secretList.secret[0]?.tags).toBeUndefined();
    expect((await client.listSecrets(new ListSecretsRequest({}))).pageSize).toBe(10);
  });

  it('filters by the Filters JSON (which 1.2.0 does not model): keys ANDed, values ORed', async () => {
    const names = async (filters: unknown) => {
      const body = await rawKmsCall(client, 'ListSecrets', { Filters: JSON.stringify(filters), PageSize: '100' });
      return ((body as { SecretList: { Secret: { SecretName: string }[] } }).SecretList.Secret).map((secret) => secret.SecretName);
    };
    expect(await names([{ Key: 'TagKey', Values: ['team'] }, { Key: 'TagValue', Values: ['orders'] }])).toEqual(['fleet-app-0', 'fleet-app-1']);
    expect(await names([{ Key: 'SecretName', Values: ['app-3', 'other'] }])).toEqual(['fleet-app-3', 'other-db']);
    expect(await names([{ Key: 'Description', Values: ['orders'] }])).toEqual(['other-db']);
  });

  it('refuses PageSize over 100 and malformed Filters', async () => {
    await expectKmsError(client.listSecrets(new ListSecretsRequest({ pageSize: 101 })), ...INVALID);
    await expectKmsError(rawKmsCall(client, 'ListSecrets', { Filters: '[{"Key":"Colour","Values":["x"]}]' }), ...INVALID);
    await expectKmsError(rawKmsCall(client, 'ListSecrets', { Filters: 'not json' }), ...INVALID);
  });
});
