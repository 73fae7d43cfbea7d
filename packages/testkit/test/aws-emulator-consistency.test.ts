import {
  CreateSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  ListSecretVersionIdsCommand,
  PutSecretValueCommand,
  UpdateSecretVersionStageCommand,
  type SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAwsSecretsManagerEmulator, type AwsSecretsManagerEmulator } from '../src/index.js';
import { clientFor, expectAwsError, stagesOf, token } from './aws-emulator-helpers.js';

describe('read-after-write lag (eventualConsistency)', () => {
  let lagging: AwsSecretsManagerEmulator;
  let prompt: AwsSecretsManagerEmulator;
  let sm: SecretsManagerClient;
  let promptClient: SecretsManagerClient;
  let counter = 0;

  /** A secret with version `v1` current, on `emulator`; returns its name. */
  async function secretOn(client: SecretsManagerClient): Promise<{ name: string; v1: string }> {
    counter += 1;
    const name = `lag/db-${counter}`;
    const v1 = token();
    await client.send(new CreateSecretCommand({ Name: name, SecretString: 'one', ClientRequestToken: v1 }));
    return { name, v1 };
  }

  beforeAll(async () => {
    [lagging, prompt] = await Promise.all([
      startAwsSecretsManagerEmulator({ eventualConsistency: { staleReads: 2 } }),
      startAwsSecretsManagerEmulator(),
    ]);
    sm = clientFor(lagging.url);
    promptClient = clientFor(prompt.url);
  });
  afterAll(async () => {
    sm.destroy();
    promptClient.destroy();
    await Promise.all([lagging.close(), prompt.close()]);
  });

  it('lets the reads just after PutSecretValue see the stages as before it, then the write', async () => {
    const { name, v1 } = await secretOn(sm);
    const v2 = token();
    await sm.send(new PutSecretValueCommand({ SecretId: name, SecretString: 'two', ClientRequestToken: v2 }));
    const reads = [];
    for (let i = 0; i < 3; i += 1) reads.push((await sm.send(new GetSecretValueCommand({ SecretId: name }))).VersionId);
    expect(reads).toEqual([v1, v1, v2]);
    // The lag is over: every kind of stage read now agrees.
    expect(await stagesOf(sm, name)).toEqual({ [v1]: ['AWSPREVIOUS'], [v2]: ['AWSCURRENT'] });
  });

  it('holds DescribeSecret and ListSecretVersionIds back too, after UpdateSecretVersionStage', async () => {
    const { name, v1 } = await secretOn(sm);
    const v2 = token();
    await sm.send(new PutSecretValueCommand({ SecretId: name, SecretString: 'two', ClientRequestToken: v2, VersionStages: ['AWSPENDING'] }));
    // Spend the lag of the put.
    await stagesOf(sm, name);
    await stagesOf(sm, name);
    await sm.send(new UpdateSecretVersionStageCommand({ SecretId: name, VersionStage: 'AWSCURRENT', MoveToVersionId: v2, RemoveFromVersionId: v1 }));
    const before = { [v1]: ['AWSCURRENT'], [v2]: ['AWSPENDING'] };
    expect(await stagesOf(sm, name)).toEqual(before);
    const listed = await sm.send(new ListSecretVersionIdsCommand({ SecretId: name }));
    expect(Object.fromEntries((listed.Versions ?? []).map((v) => [v.VersionId, v.VersionStages]))).toEqual(before);
    expect(await stagesOf(sm, name)).toEqual({ [v1]: ['AWSPREVIOUS'], [v2]: ['AWSCURRENT', 'AWSPENDING'] });
  });

  it('makes a fresh AWSPENDING unreadable for a moment, the failure of aws-sdk-js-v3#7701', async () => {
    const { name } = await secretOn(sm);
    const pending = token();
    await sm.send(new PutSecretValueCommand({ SecretId: name, SecretString: 'next', ClientRequestToken: pending, VersionStages: ['AWSPENDING'] }));
    const read = () => sm.send(new GetSecretValueCommand({ SecretId: name, VersionStage: 'AWSPENDING' }));
    const missing = "Secrets Manager can't find the specified secret value for staging label: AWSPENDING";
    await expectAwsError(read(), 'ResourceNotFoundException', missing);
    await expectAwsError(read(), 'ResourceNotFoundException', missing);
    expect((await read()).SecretString).toBe('next');
  });

  it('is off by default: a read just after a write sees it', async () => {
    const { name } = await secretOn(promptClient);
    const v2 = token();
    await promptClient.send(new PutSecretValueCommand({ SecretId: name, SecretString: 'two', ClientRequestToken: v2 }));
    expect((await promptClient.send(new GetSecretValueCommand({ SecretId: name }))).VersionId).toBe(v2);
    expect((await promptClient.send(new DescribeSecretCommand({ SecretId: name }))).VersionIdsToStages?.[v2]).toEqual(['AWSCURRENT']);
  });

  it('refuses a malformed eventualConsistency option, naming the field', async () => {
    for (const [option, field] of [
      [{ staleReads: -1 }, 'eventualConsistency.staleReads'],
      [{ staleReads: 1.5 }, 'eventualConsistency.staleReads'],
      [{ lagMs: 100 }, 'eventualConsistency.lagMs'],
      ['2', 'eventualConsistency'],
    ] as const) {
      await expect(startAwsSecretsManagerEmulator({ eventualConsistency: option as never })).rejects.toMatchObject({
        name: 'InvalidOptionsError',
        field,
      });
    }
  });
});
