import { ListSecretsCommand, paginateListSecrets, type ListSecretsCommandInput, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAwsSecretsManagerEmulator, type AwsSecretsManagerEmulator } from '../src/index.js';
import { clientFor, expectAwsError } from './aws-emulator-helpers.js';

let emulator: AwsSecretsManagerEmulator;
let sm: SecretsManagerClient;

beforeAll(async () => {
  emulator = await startAwsSecretsManagerEmulator();
  sm = clientFor(emulator.url);
  for (let i = 0; i < 7; i += 1) {
    emulator.seedSecret({ name: `fleet/app-${i}`, tags: { team: i % 2 === 0 ? 'orders' : 'billing' }, versions: [{ secretString: '{}', stages: ['AWSCURRENT'] }] });
  }
  emulator.seedSecret({ name: 'other/db', description: 'The Orders database', tags: { env: 'prod' }, versions: [{ secretString: '{}', stages: ['AWSCURRENT'] }] });
  emulator.seedSecret({ name: 'fleet/deleted', deletedDate: new Date(), versions: [{ secretString: '{}', stages: ['AWSCURRENT'] }] });
});
afterAll(async () => {
  sm.destroy();
  await emulator.close();
});

/** Every name the official paginator reads, page size `pageSize`. */
async function names(input: ListSecretsCommandInput, pageSize?: number): Promise<string[]> {
  const found: string[] = [];
  for await (const page of paginateListSecrets({ client: sm, ...(pageSize === undefined ? {} : { pageSize }) }, input)) {
    for (const secret of page.SecretList ?? []) found.push(secret.Name ?? '');
  }
  return found;
}

describe('the AWS emulator: ListSecrets', () => {
  it('pages through every live secret in creation order with NextToken, as the SDK paginator reads it', async () => {
    const first = await sm.send(new ListSecretsCommand({ MaxResults: 3 }));
    expect(first.SecretList?.map((secret) => secret.Name)).toEqual(['fleet/app-0', 'fleet/app-1', 'fleet/app-2']);
    expect(first.NextToken).toBeTypeOf('string');
    expect(first.SecretList?.[0]).toMatchObject({ ARN: expect.stringMatching(/^arn:aws:secretsmanager:us-east-1:\d{12}:secret:fleet\/app-0-.{6}$/), Tags: [{ Key: 'team', Value: 'orders' }] });
    expect(Object.values(first.SecretList?.[0]?.SecretVersionsToStages ?? {})).toEqual([['AWSCURRENT']]);
    expect(await names({}, 3)).toEqual([...Array.from({ length: 7 }, (_, i) => `fleet/app-${i}`), 'other/db']);
    expect(await names({ IncludePlannedDeletion: true })).toContain('fleet/deleted');
  });

  it('filters: name and tag prefixes (case-sensitive), description not case-sensitive, ! negates, keys ANDed, values ORed', async () => {
    expect(await names({ Filters: [{ Key: 'name', Values: ['fleet/'] }] }, 2)).toHaveLength(7);
    expect(await names({ Filters: [{ Key: 'name', Values: ['Fleet/'] }] })).toEqual([]);
    expect(await names({ Filters: [{ Key: 'tag-key', Values: ['team'] }, { Key: 'tag-value', Values: ['bill'] }] })).toEqual(['fleet/app-1', 'fleet/app-3', 'fleet/app-5']);
    expect(await names({ Filters: [{ Key: 'tag-value', Values: ['prod', 'orders'] }] })).toEqual(['fleet/app-0', 'fleet/app-2', 'fleet/app-4', 'fleet/app-6', 'other/db']);
    expect(await names({ Filters: [{ Key: 'description', Values: ['the orders'] }] })).toEqual(['other/db']);
    expect(await names({ Filters: [{ Key: 'name', Values: ['!fleet/'] }] })).toEqual(['other/db']);
  });

  it('refuses MaxResults out of 1–100, an unknown filter key and a bad NextToken, as the service does', async () => {
    await expectAwsError(sm.send(new ListSecretsCommand({ MaxResults: 101 })), 'ValidationException', "1 validation error detected: Value '101' at 'maxResults' failed to satisfy constraint: Member must have value between 1 and 100");
    await expectAwsError(sm.send(new ListSecretsCommand({ Filters: [{ Key: 'colour' as 'name', Values: ['x'] }] })), 'ValidationException', expect.stringContaining("Value 'colour' at 'filters.1.member.key'") as unknown as string);
    await expectAwsError(sm.send(new ListSecretsCommand({ NextToken: Buffer.from('-4').toString('base64') })), 'InvalidNextTokenException', 'The NextToken value is invalid.');
  });
});
