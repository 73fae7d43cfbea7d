import {
  CreateSecretCommand,
  DeleteSecretCommand,
  DescribeSecretCommand,
  GetRandomPasswordCommand,
  GetSecretValueCommand,
  InvalidParameterException,
  InvalidRequestException,
  ListSecretVersionIdsCommand,
  PutSecretValueCommand,
  ResourceExistsException,
  ResourceNotFoundException,
  RestoreSecretCommand,
  RotateSecretCommand,
  TagResourceCommand,
  UpdateSecretVersionStageCommand,
  type SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAwsSecretsManagerEmulator, type AwsSecretsManagerEmulator } from '../src/index.js';
import { clientFor, expectAwsError, stagesOf, stripClientRequestToken, token } from './aws-emulator-helpers.js';

const NOT_FOUND = "Secrets Manager can't find the specified secret.";
const MARKED_FOR_DELETION = "You can't perform this operation on the secret because it was marked for deletion.";
const TOKEN_REQUIRED = 'You must provide a ClientRequestToken value. We recommend a UUID-type value.';
const PUNCTUATION = '!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~';

let emulator: AwsSecretsManagerEmulator;
let sm: SecretsManagerClient;
let nameCounter = 0;

/** A unique secret name per test, so tests share one emulator without interfering. */
function uniqueName(prefix = 'app/db'): string {
  nameCounter += 1;
  return `${prefix}-${nameCounter}`;
}

async function createWithValue(value = '{"password":"one"}'): Promise<{ arn: string; versionId: string }> {
  const versionId = token();
  const out = await sm.send(new CreateSecretCommand({ Name: uniqueName(), SecretString: value, ClientRequestToken: versionId }));
  return { arn: out.ARN ?? '', versionId };
}

beforeAll(async () => {
  emulator = await startAwsSecretsManagerEmulator({ region: 'us-east-1', accountId: '111122223333' });
  sm = clientFor(emulator.url);
});

afterAll(async () => {
  sm.destroy();
  await emulator.close();
});

describe('wire protocol', () => {
  it('answers with epoch-second timestamps the SDK turns into Dates, and a request id', async () => {
    const { arn } = await createWithValue();
    const out = await sm.send(new DescribeSecretCommand({ SecretId: arn }));
    expect(out.CreatedDate).toBeInstanceOf(Date);
    expect(out.LastChangedDate).toBeInstanceOf(Date);
    expect(Math.abs((out.CreatedDate?.getTime() ?? 0) - Date.now())).toBeLessThan(86_400_000);
    expect(out.$metadata.httpStatusCode).toBe(200);
    expect(out.$metadata.requestId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('answers not-found as HTTP 400 with the modelled exception class', async () => {
    const failure = sm.send(new DescribeSecretCommand({ SecretId: 'missing' }));
    await expect(failure).rejects.toBeInstanceOf(ResourceNotFoundException);
    await expectAwsError(sm.send(new DescribeSecretCommand({ SecretId: 'missing' })), 'ResourceNotFoundException', NOT_FOUND);
  });

  it('builds ARNs from the region, account, name and a six-character suffix', async () => {
    const name = uniqueName();
    const out = await sm.send(new CreateSecretCommand({ Name: name, SecretString: 'x' }));
    expect(out.ARN).toMatch(new RegExp(`^arn:aws:secretsmanager:us-east-1:111122223333:secret:${name}-[A-Za-z0-9]{6}$`));
  });

  it('finds a secret by name, full ARN and partial ARN', async () => {
    const name = uniqueName();
    const { ARN } = await sm.send(new CreateSecretCommand({ Name: name, SecretString: 'x' }));
    const partial = `arn:aws:secretsmanager:us-east-1:111122223333:secret:${name}`;
    for (const secretId of [name, ARN, partial]) {
      expect((await sm.send(new GetSecretValueCommand({ SecretId: secretId }))).ARN).toBe(ARN);
    }
  });
});

describe('ClientRequestToken', () => {
  it('is filled in by the SDK and becomes the version id', async () => {
    const out = await sm.send(new CreateSecretCommand({ Name: uniqueName(), SecretString: 'x' }));
    expect(out.VersionId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('is required on CreateSecret and PutSecretValue (InvalidRequestException) and RotateSecret (InvalidParameterException)', async () => {
    const raw = clientFor(emulator.url);
    stripClientRequestToken(raw);
    const { arn } = await createWithValue();
    await expectAwsError(
      raw.send(new CreateSecretCommand({ Name: uniqueName(), SecretString: 'x' })),
      'InvalidRequestException',
      TOKEN_REQUIRED,
    );
    await expectAwsError(
      raw.send(new PutSecretValueCommand({ SecretId: arn, SecretString: 'y' })),
      'InvalidRequestException',
      TOKEN_REQUIRED,
    );
    // Rejected before the secret is looked up: an unknown secret gets the same answer.
    await expectAwsError(
      raw.send(new RotateSecretCommand({ SecretId: 'no-such-secret' })),
      'InvalidParameterException',
      TOKEN_REQUIRED,
    );
    raw.destroy();
  });

  it('must be 32 to 64 characters long', async () => {
    const { arn } = await createWithValue();
    await expectAwsError(
      sm.send(new PutSecretValueCommand({ SecretId: arn, SecretString: 'y', ClientRequestToken: 'short' })),
      'ValidationException',
      "1 validation error detected: Value 'short' at 'clientRequestToken' failed to satisfy constraint: Member must have length greater than or equal to 32",
    );
    const long = 'a'.repeat(65);
    await expectAwsError(
      sm.send(new PutSecretValueCommand({ SecretId: arn, SecretString: 'y', ClientRequestToken: long })),
      'ValidationException',
      `1 validation error detected: Value '${long}' at 'clientRequestToken' failed to satisfy constraint: Member must have length less than or equal to 64`,
    );
    const ok = await sm.send(
      new PutSecretValueCommand({ SecretId: arn, SecretString: 'y', ClientRequestToken: 'b'.repeat(64) }),
    );
    expect(ok.VersionId).toBe('b'.repeat(64));
  });
});

describe('CreateSecret', () => {
  it('labels the first version AWSCURRENT and answers ARN, Name and VersionId', async () => {
    const name = uniqueName();
    const versionId = token();
    const out = await sm.send(new CreateSecretCommand({ Name: name, SecretString: 'v1', ClientRequestToken: versionId }));
    expect(out).toMatchObject({ Name: name, VersionId: versionId });
    expect(await stagesOf(sm, name)).toEqual({ [versionId]: ['AWSCURRENT'] });
  });

  it('without a value creates no version; a later put gets AWSCURRENT', async () => {
    const name = uniqueName();
    const out = await sm.send(new CreateSecretCommand({ Name: name }));
    expect(out.VersionId).toBeUndefined();
    const described = await sm.send(new DescribeSecretCommand({ SecretId: name }));
    expect(described).not.toHaveProperty('VersionIdsToStages');
    await expectAwsError(
      sm.send(new GetSecretValueCommand({ SecretId: name })),
      'ResourceNotFoundException',
      "Secrets Manager can't find the specified secret value for staging label: AWSCURRENT",
    );
    const put = await sm.send(new PutSecretValueCommand({ SecretId: name, SecretString: 'v1' }));
    expect(put.VersionStages).toEqual(['AWSCURRENT']);
  });

  it('is idempotent for the same name, token and value', async () => {
    const name = uniqueName();
    const versionId = token();
    const first = await sm.send(new CreateSecretCommand({ Name: name, SecretString: 'v', ClientRequestToken: versionId }));
    const again = await sm.send(new CreateSecretCommand({ Name: name, SecretString: 'v', ClientRequestToken: versionId }));
    expect(again.ARN).toBe(first.ARN);
    expect(again.VersionId).toBe(versionId);
  });

  it('refuses an existing name', async () => {
    const name = uniqueName();
    await sm.send(new CreateSecretCommand({ Name: name, SecretString: 'v' }));
    const failure = sm.send(new CreateSecretCommand({ Name: name, SecretString: 'v' }));
    await expect(failure).rejects.toBeInstanceOf(ResourceExistsException);
    await expectAwsError(
      sm.send(new CreateSecretCommand({ Name: name, SecretString: 'v' })),
      'ResourceExistsException',
      `The operation failed because the secret ${name} already exists.`,
    );
  });

  it('refuses an invalid name with ValidationException', async () => {
    await expectAwsError(
      sm.send(new CreateSecretCommand({ Name: 'bad name!', SecretString: 'v' })),
      'ValidationException',
      'Invalid name. Must be a valid name containing alphanumeric characters, or any of the following: -/_+=.@!',
    );
  });

  it('accepts every allowed name character', async () => {
    const out = await sm.send(new CreateSecretCommand({ Name: uniqueName('a/b_c+d=e.f@g-H9'), SecretString: 'v' }));
    expect(out.Name).toMatch(/^a\/b_c\+d=e\.f@g-H9-\d+$/);
  });

  it('round-trips SecretBinary as bytes', async () => {
    const name = uniqueName();
    const bytes = new Uint8Array([0, 1, 2, 250, 255]);
    await sm.send(new CreateSecretCommand({ Name: name, SecretBinary: bytes }));
    const out = await sm.send(new GetSecretValueCommand({ SecretId: name }));
    expect(out.SecretBinary).toEqual(bytes);
    expect(out.SecretString).toBeUndefined();
  });
});

describe('DescribeSecret', () => {
  it('omits rotation members, Description, KmsKeyId and Tags on a plain never-rotated secret', async () => {
    const { arn } = await createWithValue();
    const out = await sm.send(new DescribeSecretCommand({ SecretId: arn }));
    for (const member of ['RotationEnabled', 'RotationRules', 'RotationLambdaARN', 'Description', 'KmsKeyId', 'Tags', 'DeletedDate', 'NextRotationDate', 'LastRotatedDate']) {
      expect(out, member).not.toHaveProperty(member);
    }
  });

  it('shows description, key and tags when given', async () => {
    const name = uniqueName();
    await sm.send(
      new CreateSecretCommand({
        Name: name,
        SecretString: 'v',
        Description: 'db creds',
        KmsKeyId: 'alias/custom',
        Tags: [{ Key: 'team', Value: 'data' }],
      }),
    );
    const out = await sm.send(new DescribeSecretCommand({ SecretId: name }));
    expect(out).toMatchObject({ Description: 'db creds', KmsKeyId: 'alias/custom', Tags: [{ Key: 'team', Value: 'data' }] });
  });
});

describe('GetSecretValue', () => {
  it('reads AWSCURRENT by default, by stage and by version id, with sorted labels', async () => {
    const { arn, versionId } = await createWithValue('v1');
    const second = token();
    await sm.send(new PutSecretValueCommand({ SecretId: arn, SecretString: 'v2', ClientRequestToken: second }));
    const current = await sm.send(new GetSecretValueCommand({ SecretId: arn }));
    expect(current).toMatchObject({ ARN: arn, VersionId: second, SecretString: 'v2', VersionStages: ['AWSCURRENT'] });
    expect(current.CreatedDate).toBeInstanceOf(Date);
    const previous = await sm.send(new GetSecretValueCommand({ SecretId: arn, VersionStage: 'AWSPREVIOUS' }));
    expect(previous).toMatchObject({ VersionId: versionId, SecretString: 'v1', VersionStages: ['AWSPREVIOUS'] });
    const byId = await sm.send(new GetSecretValueCommand({ SecretId: arn, VersionId: versionId }));
    expect(byId.SecretString).toBe('v1');
  });

  it('answers labels sorted, whatever order they were given in', async () => {
    const { arn } = await createWithValue('v1');
    const out = await sm.send(
      new PutSecretValueCommand({ SecretId: arn, SecretString: 'v2', VersionStages: ['SAMPLESTAGE1', 'SAMPLESTAGE0'] }),
    );
    expect(out.VersionStages).toEqual(['SAMPLESTAGE0', 'SAMPLESTAGE1']);
    const read = await sm.send(new GetSecretValueCommand({ SecretId: arn, VersionStage: 'SAMPLESTAGE1' }));
    expect(read.VersionStages).toEqual(['SAMPLESTAGE0', 'SAMPLESTAGE1']);
    expect((await stagesOf(sm, arn))[out.VersionId ?? '']).toEqual(['SAMPLESTAGE0', 'SAMPLESTAGE1']);
  });

  it('answers ResourceNotFoundException for a missing stage or version id', async () => {
    const { arn } = await createWithValue();
    await expectAwsError(
      sm.send(new GetSecretValueCommand({ SecretId: arn, VersionStage: 'AWSPREVIOUS' })),
      'ResourceNotFoundException',
      "Secrets Manager can't find the specified secret value for staging label: AWSPREVIOUS",
    );
    const unknown = token();
    await expectAwsError(
      sm.send(new GetSecretValueCommand({ SecretId: arn, VersionId: unknown })),
      'ResourceNotFoundException',
      `Secrets Manager can't find the specified secret value for VersionId: ${unknown}`,
    );
    await expectAwsError(sm.send(new GetSecretValueCommand({ SecretId: 'nope' })), 'ResourceNotFoundException', NOT_FOUND);
  });

  it('requires VersionId and VersionStage to agree', async () => {
    const { arn, versionId } = await createWithValue();
    const failure = sm.send(new GetSecretValueCommand({ SecretId: arn, VersionId: versionId, VersionStage: 'AWSPENDING' }));
    await expect(failure).rejects.toBeInstanceOf(InvalidRequestException);
    await expectAwsError(
      sm.send(new GetSecretValueCommand({ SecretId: arn, VersionId: versionId, VersionStage: 'AWSPREVIOUS' })),
      'InvalidRequestException',
      'You provided a VersionStage that is not associated to the provided VersionId.',
    );
    const agreed = await sm.send(new GetSecretValueCommand({ SecretId: arn, VersionId: versionId, VersionStage: 'AWSCURRENT' }));
    expect(agreed.VersionId).toBe(versionId);
  });

  it('records LastAccessedDate at date granularity', async () => {
    const { arn } = await createWithValue();
    expect((await sm.send(new DescribeSecretCommand({ SecretId: arn }))).LastAccessedDate).toBeUndefined();
    await sm.send(new GetSecretValueCommand({ SecretId: arn }));
    const accessed = (await sm.send(new DescribeSecretCommand({ SecretId: arn }))).LastAccessedDate;
    expect(accessed?.toISOString()).toBe(`${new Date().toISOString().slice(0, 10)}T00:00:00.000Z`);
    const versions = await sm.send(new ListSecretVersionIdsCommand({ SecretId: arn }));
    expect(versions.Versions?.[0]?.LastAccessedDate?.getTime()).toBe(accessed?.getTime());
  });
});

describe('PutSecretValue', () => {
  it('without stages moves AWSCURRENT to the new version and AWSPREVIOUS to the old one; the oldest becomes deprecated', async () => {
    const { arn, versionId: v1 } = await createWithValue('v1');
    const v2 = token();
    const v3 = token();
    await sm.send(new PutSecretValueCommand({ SecretId: arn, SecretString: 'v2', ClientRequestToken: v2 }));
    expect(await stagesOf(sm, arn)).toEqual({ [v1]: ['AWSPREVIOUS'], [v2]: ['AWSCURRENT'] });
    const out = await sm.send(new PutSecretValueCommand({ SecretId: arn, SecretString: 'v3', ClientRequestToken: v3 }));
    expect(out).toMatchObject({ ARN: arn, VersionId: v3, VersionStages: ['AWSCURRENT'] });
    expect(await stagesOf(sm, arn)).toEqual({ [v2]: ['AWSPREVIOUS'], [v3]: ['AWSCURRENT'] });
  });

  it('with stages puts exactly those labels on the new version, moving them off others', async () => {
    const { arn, versionId: v1 } = await createWithValue('v1');
    const v2 = token();
    const v3 = token();
    await sm.send(
      new PutSecretValueCommand({ SecretId: arn, SecretString: 'v2', ClientRequestToken: v2, VersionStages: ['one', 'three', 'two'] }),
    );
    const out = await sm.send(
      new PutSecretValueCommand({ SecretId: arn, SecretString: 'v3', ClientRequestToken: v3, VersionStages: ['four', 'one', 'two'] }),
    );
    expect(out.VersionStages).toEqual(['four', 'one', 'two']);
    expect(await stagesOf(sm, arn)).toEqual({ [v1]: ['AWSCURRENT'], [v2]: ['three'], [v3]: ['four', 'one', 'two'] });
  });

  it('with AWSPENDING only leaves AWSCURRENT where it is; with AWSCURRENT in the list moves AWSPREVIOUS too', async () => {
    const { arn, versionId: v1 } = await createWithValue('v1');
    const pending = token();
    await sm.send(
      new PutSecretValueCommand({ SecretId: arn, SecretString: 'p', ClientRequestToken: pending, VersionStages: ['AWSPENDING'] }),
    );
    expect(await stagesOf(sm, arn)).toEqual({ [v1]: ['AWSCURRENT'], [pending]: ['AWSPENDING'] });
    const v3 = token();
    await sm.send(
      new PutSecretValueCommand({ SecretId: arn, SecretString: 'v3', ClientRequestToken: v3, VersionStages: ['AWSCURRENT', 'extra'] }),
    );
    expect(await stagesOf(sm, arn)).toEqual({ [v1]: ['AWSPREVIOUS'], [pending]: ['AWSPENDING'], [v3]: ['AWSCURRENT', 'extra'] });
  });

  it('treats a known token with the same value as a no-op answering the current labels', async () => {
    const { arn, versionId: v1 } = await createWithValue('v1');
    await sm.send(new PutSecretValueCommand({ SecretId: arn, SecretString: 'v2', ClientRequestToken: token() }));
    const again = await sm.send(new PutSecretValueCommand({ SecretId: arn, SecretString: 'v1', ClientRequestToken: v1 }));
    expect(again).toMatchObject({ VersionId: v1, VersionStages: ['AWSPREVIOUS'] });
  });

  it('refuses a known token with a different value', async () => {
    const { arn, versionId } = await createWithValue('v1');
    const failure = sm.send(new PutSecretValueCommand({ SecretId: arn, SecretString: 'other', ClientRequestToken: versionId }));
    await expect(failure).rejects.toBeInstanceOf(ResourceExistsException);
    await expectAwsError(
      sm.send(new PutSecretValueCommand({ SecretId: arn, SecretString: 'other', ClientRequestToken: versionId })),
      'ResourceExistsException',
      `You can't use ClientRequestToken ${versionId} because that value is already in use for a version of secret ${arn}.`,
    );
  });

  it('requires a value', async () => {
    const { arn } = await createWithValue();
    await expectAwsError(
      sm.send(new PutSecretValueCommand({ SecretId: arn })),
      'InvalidRequestException',
      'You must provide either SecretString or SecretBinary.',
    );
  });

  it('takes SecretString or SecretBinary, not both, of at most 65,536 characters', async () => {
    const { arn } = await createWithValue();
    await expectAwsError(
      sm.send(new PutSecretValueCommand({ SecretId: arn, SecretString: 'x', SecretBinary: new Uint8Array([1]) })),
      'InvalidParameterException',
      "You can't specify both a binary secret value and a string secret value in the same secret.",
    );
    // The value is sensitive: the validation message leaves it out.
    await expectAwsError(
      sm.send(new PutSecretValueCommand({ SecretId: arn, SecretString: 'x'.repeat(65_537) })),
      'ValidationException',
      "1 validation error detected: Value at 'secretString' failed to satisfy constraint: Member must have length less than or equal to 65536",
    );
    const largest = await sm.send(new PutSecretValueCommand({ SecretId: arn, SecretString: 'x'.repeat(65_536) }));
    expect(largest.VersionStages).toEqual(['AWSCURRENT']);
  });

  it('takes labels of 1 to 256 characters', async () => {
    const { arn, versionId } = await createWithValue();
    const long = 'L'.repeat(257);
    await expectAwsError(
      sm.send(new PutSecretValueCommand({ SecretId: arn, SecretString: 'x', VersionStages: [long] })),
      'ValidationException',
      `1 validation error detected: Value '${long}' at 'versionStages.member' failed to satisfy constraint: Member must have length less than or equal to 256`,
    );
    await expectAwsError(
      sm.send(new UpdateSecretVersionStageCommand({ SecretId: arn, VersionStage: long, MoveToVersionId: versionId })),
      'ValidationException',
      `1 validation error detected: Value '${long}' at 'versionStage' failed to satisfy constraint: Member must have length less than or equal to 256`,
    );
    await sm.send(new UpdateSecretVersionStageCommand({ SecretId: arn, VersionStage: long.slice(1), MoveToVersionId: versionId }));
    expect((await stagesOf(sm, arn))[versionId]).toContain(long.slice(1));
  });

  it('allows at most 20 labels per version', async () => {
    const { arn } = await createWithValue();
    const labels = Array.from({ length: 21 }, (_, i) => `L${i}`);
    await expectAwsError(
      sm.send(new PutSecretValueCommand({ SecretId: arn, SecretString: 'x', VersionStages: labels })),
      'ValidationException',
      "1 validation error detected: Value at 'versionStages' failed to satisfy constraint: Member must have length between 1 and 20",
    );
    const twenty = await sm.send(
      new PutSecretValueCommand({ SecretId: arn, SecretString: 'x', VersionStages: labels.slice(0, 20) }),
    );
    expect(twenty.VersionStages).toHaveLength(20);
    await expectAwsError(
      sm.send(
        new UpdateSecretVersionStageCommand({ SecretId: arn, VersionStage: 'L20', MoveToVersionId: twenty.VersionId }),
      ),
      'LimitExceededException',
      `A version of a secret can have at most 20 staging labels; version ${twenty.VersionId} would have more.`,
    );
  });
});

describe('UpdateSecretVersionStage', () => {
  it('moving AWSCURRENT moves AWSPREVIOUS to its former holder and leaves AWSPENDING alone', async () => {
    const { arn, versionId: v1 } = await createWithValue('v1');
    const pending = token();
    await sm.send(
      new PutSecretValueCommand({ SecretId: arn, SecretString: 'v2', ClientRequestToken: pending, VersionStages: ['AWSPENDING'] }),
    );
    const out = await sm.send(
      new UpdateSecretVersionStageCommand({ SecretId: arn, VersionStage: 'AWSCURRENT', MoveToVersionId: pending, RemoveFromVersionId: v1 }),
    );
    expect(Object.keys(out).filter((key) => key !== '$metadata').sort()).toEqual(['ARN', 'Name']);
    expect(await stagesOf(sm, arn)).toEqual({ [v1]: ['AWSPREVIOUS'], [pending]: ['AWSCURRENT', 'AWSPENDING'] });
  });

  it('takes AWSPREVIOUS off its former holder, deprecating it', async () => {
    const { arn, versionId: v1 } = await createWithValue('v1');
    const v2 = token();
    const v3 = token();
    await sm.send(new PutSecretValueCommand({ SecretId: arn, SecretString: 'v2', ClientRequestToken: v2 }));
    await sm.send(
      new PutSecretValueCommand({ SecretId: arn, SecretString: 'v3', ClientRequestToken: v3, VersionStages: ['AWSPENDING'] }),
    );
    await sm.send(
      new UpdateSecretVersionStageCommand({ SecretId: arn, VersionStage: 'AWSCURRENT', MoveToVersionId: v3, RemoveFromVersionId: v2 }),
    );
    expect(await stagesOf(sm, arn)).toEqual({ [v2]: ['AWSPREVIOUS'], [v3]: ['AWSCURRENT', 'AWSPENDING'] });
    expect(await stagesOf(sm, arn)).not.toHaveProperty(v1);
  });

  it('requires RemoveFromVersionId when the label sits on another version', async () => {
    const { arn, versionId: v1 } = await createWithValue('v1');
    const v2 = token();
    await sm.send(
      new PutSecretValueCommand({ SecretId: arn, SecretString: 'v2', ClientRequestToken: v2, VersionStages: ['AWSPENDING'] }),
    );
    const failure = sm.send(new UpdateSecretVersionStageCommand({ SecretId: arn, VersionStage: 'AWSCURRENT', MoveToVersionId: v2 }));
    await expect(failure).rejects.toBeInstanceOf(InvalidParameterException);
    await expectAwsError(
      sm.send(new UpdateSecretVersionStageCommand({ SecretId: arn, VersionStage: 'AWSCURRENT', MoveToVersionId: v2 })),
      'InvalidParameterException',
      `The parameter RemoveFromVersionId can't be empty. Staging label AWSCURRENT is currently attached to version ${v1}, so you must explicitly reference that version in RemoveFromVersionId.`,
    );
    expect(await stagesOf(sm, arn)).toEqual({ [v1]: ['AWSCURRENT'], [v2]: ['AWSPENDING'] });
  });

  it('rejects unknown versions and a RemoveFromVersionId without the label', async () => {
    const { arn, versionId: v1 } = await createWithValue('v1');
    const unknown = token();
    await expectAwsError(
      sm.send(new UpdateSecretVersionStageCommand({ SecretId: arn, VersionStage: 'X', MoveToVersionId: unknown })),
      'InvalidParameterException',
      `Not a valid version: ${unknown}`,
    );
    await expectAwsError(
      sm.send(new UpdateSecretVersionStageCommand({ SecretId: arn, VersionStage: 'X', RemoveFromVersionId: v1 })),
      'InvalidParameterException',
      `Version stage X not found in version ${v1}`,
    );
  });

  it('adds a custom label to existing ones, and without MoveToVersionId only removes it', async () => {
    const { arn, versionId: v1 } = await createWithValue('v1');
    await sm.send(new UpdateSecretVersionStageCommand({ SecretId: arn, VersionStage: 'blue', MoveToVersionId: v1 }));
    expect(await stagesOf(sm, arn)).toEqual({ [v1]: ['AWSCURRENT', 'blue'] });
    await sm.send(new UpdateSecretVersionStageCommand({ SecretId: arn, VersionStage: 'blue', RemoveFromVersionId: v1 }));
    expect(await stagesOf(sm, arn)).toEqual({ [v1]: ['AWSCURRENT'] });
  });

  it('removing the last label of a version deprecates it', async () => {
    const { arn, versionId: v1 } = await createWithValue('v1');
    const v2 = token();
    await sm.send(new PutSecretValueCommand({ SecretId: arn, SecretString: 'v2', ClientRequestToken: v2, VersionStages: ['blue'] }));
    await sm.send(new UpdateSecretVersionStageCommand({ SecretId: arn, VersionStage: 'blue', RemoveFromVersionId: v2 }));
    expect(await stagesOf(sm, arn)).toEqual({ [v1]: ['AWSCURRENT'] });
    expect((await sm.send(new ListSecretVersionIdsCommand({ SecretId: arn }))).Versions?.map((v) => v.VersionId)).toEqual([v1]);
    const all = await sm.send(new ListSecretVersionIdsCommand({ SecretId: arn, IncludeDeprecated: true }));
    expect(all.Versions?.find((v) => v.VersionId === v2)).not.toHaveProperty('VersionStages');
  });
});

describe('ListSecretVersionIds and deprecated versions', () => {
  it('lists labelled versions; deprecated ones only with IncludeDeprecated and without VersionStages', async () => {
    const { arn, versionId: v1 } = await createWithValue('v1');
    const v2 = token();
    const v3 = token();
    await sm.send(new PutSecretValueCommand({ SecretId: arn, SecretString: 'v2', ClientRequestToken: v2 }));
    await sm.send(new PutSecretValueCommand({ SecretId: arn, SecretString: 'v3', ClientRequestToken: v3 }));
    const listed = await sm.send(new ListSecretVersionIdsCommand({ SecretId: arn }));
    expect(listed.ARN).toBe(arn);
    expect(listed.Versions?.map((v) => [v.VersionId, v.VersionStages])).toEqual([
      [v2, ['AWSPREVIOUS']],
      [v3, ['AWSCURRENT']],
    ]);
    expect(listed.Versions?.[0]?.KmsKeyIds).toEqual(['DefaultEncryptionKey']);
    expect(listed.Versions?.[0]?.CreatedDate).toBeInstanceOf(Date);
    const all = await sm.send(new ListSecretVersionIdsCommand({ SecretId: arn, IncludeDeprecated: true }));
    const deprecated = all.Versions?.find((v) => v.VersionId === v1);
    expect(deprecated).toBeDefined();
    expect(deprecated).not.toHaveProperty('VersionStages');
    // Deprecated versions stay readable by id.
    expect((await sm.send(new GetSecretValueCommand({ SecretId: arn, VersionId: v1 }))).SecretString).toBe('v1');
  });

  it('answers ResourceNotFoundException for an unknown secret', async () => {
    await expectAwsError(sm.send(new ListSecretVersionIdsCommand({ SecretId: 'no/such/secret' })), 'ResourceNotFoundException', NOT_FOUND);
  });

  it('pages with MaxResults and NextToken', async () => {
    const { arn } = await createWithValue('v1');
    for (let i = 0; i < 3; i += 1) {
      await sm.send(new PutSecretValueCommand({ SecretId: arn, SecretString: `v${i}`, VersionStages: [`S${i}`] }));
    }
    const first = await sm.send(new ListSecretVersionIdsCommand({ SecretId: arn, MaxResults: 3 }));
    expect(first.Versions).toHaveLength(3);
    const rest = await sm.send(new ListSecretVersionIdsCommand({ SecretId: arn, MaxResults: 3, NextToken: first.NextToken }));
    expect(rest.Versions).toHaveLength(1);
    expect(rest.NextToken).toBeUndefined();
  });

  it('keeps at most 100 deprecated versions, never deleting one younger than a day', async () => {
    const name = uniqueName();
    const twoDaysAgo = new Date(Date.now() - 2 * 86_400_000);
    emulator.seedSecret({
      name,
      versions: [
        ...Array.from({ length: 100 }, (_, i) => ({ versionId: `old-${String(i).padStart(30, '0')}`, secretString: 'o', createdDate: twoDaysAgo })),
        { versionId: 'c'.repeat(32), secretString: 'c', stages: ['AWSCURRENT'] },
      ],
    });
    // The second put deprecates the seeded current version: 101 deprecated, so the oldest goes.
    await sm.send(new PutSecretValueCommand({ SecretId: name, SecretString: 'n1', ClientRequestToken: 'n'.repeat(32) }));
    await sm.send(new PutSecretValueCommand({ SecretId: name, SecretString: 'n2', ClientRequestToken: 'm'.repeat(32) }));
    const all = await sm.send(new ListSecretVersionIdsCommand({ SecretId: name, IncludeDeprecated: true }));
    const deprecated = (all.Versions ?? []).filter((v) => v.VersionStages === undefined).map((v) => v.VersionId);
    expect(deprecated).toHaveLength(100);
    expect(deprecated).toContain('c'.repeat(32));
    expect(deprecated).not.toContain(`old-${'0'.repeat(30)}`);
  });

  it('never deletes young deprecated versions, even beyond 100', async () => {
    const name = uniqueName();
    emulator.seedSecret({
      name,
      versions: [
        ...Array.from({ length: 101 }, (_, i) => ({ versionId: `young-${String(i).padStart(30, '0')}`, secretString: 'y' })),
        { versionId: 'c'.repeat(32), secretString: 'c', stages: ['AWSCURRENT'] },
      ],
    });
    await sm.send(new PutSecretValueCommand({ SecretId: name, SecretString: 'n1' }));
    const all = await sm.send(new ListSecretVersionIdsCommand({ SecretId: name, IncludeDeprecated: true }));
    expect(all.Versions).toHaveLength(103);
  });
});

describe('GetRandomPassword', () => {
  it('defaults to 32 characters with every class present', async () => {
    const { RandomPassword } = await sm.send(new GetRandomPasswordCommand({}));
    expect(RandomPassword).toHaveLength(32);
    expect(RandomPassword).toMatch(/[a-z]/);
    expect(RandomPassword).toMatch(/[A-Z]/);
    expect(RandomPassword).toMatch(/[0-9]/);
    expect([...(RandomPassword ?? '')].some((c) => PUNCTUATION.includes(c))).toBe(true);
    expect(RandomPassword).not.toContain(' ');
  });

  it('draws only from letters, digits and the 32 punctuation characters, one of each class even at length 4', async () => {
    const alphabet = /^[A-Za-z0-9]$/;
    for (let i = 0; i < 30; i += 1) {
      const { RandomPassword = '' } = await sm.send(new GetRandomPasswordCommand({ PasswordLength: 4 }));
      expect([...RandomPassword].filter((c) => !alphabet.test(c) && !PUNCTUATION.includes(c))).toEqual([]);
      expect([/[a-z]/, /[A-Z]/, /[0-9]/].every((pattern) => pattern.test(RandomPassword))).toBe(true);
      expect([...RandomPassword].some((c) => PUNCTUATION.includes(c))).toBe(true);
    }
  });

  it('honours exclusions, IncludeSpace and length', async () => {
    const excluded = '/@"\'\\:';
    for (let i = 0; i < 20; i += 1) {
      const { RandomPassword = '' } = await sm.send(
        new GetRandomPasswordCommand({ PasswordLength: 40, ExcludeCharacters: excluded, ExcludeUppercase: true }),
      );
      expect(RandomPassword).toHaveLength(40);
      expect([...RandomPassword].filter((c) => excluded.includes(c) || /[A-Z]/.test(c))).toEqual([]);
    }
    const digitsOnly = await sm.send(
      new GetRandomPasswordCommand({ PasswordLength: 12, ExcludeLowercase: true, ExcludeUppercase: true, ExcludePunctuation: true }),
    );
    expect(digitsOnly.RandomPassword).toMatch(/^[0-9]{12}$/);
    const spaced = await sm.send(
      new GetRandomPasswordCommand({ PasswordLength: 200, IncludeSpace: true, ExcludeLowercase: true, ExcludeUppercase: true, ExcludeNumbers: true, ExcludePunctuation: true, RequireEachIncludedType: false }),
    );
    expect(spaced.RandomPassword).toBe(' '.repeat(200));
  });

  it('rejects lengths too short for the required classes and outside 1 to 4096', async () => {
    await expectAwsError(
      sm.send(new GetRandomPasswordCommand({ PasswordLength: 3 })),
      'InvalidParameterException',
      'Password length is too short based on the required types.',
    );
    await expectAwsError(
      sm.send(new GetRandomPasswordCommand({ PasswordLength: 4097 })),
      'ValidationException',
      "1 validation error detected: Value '4097' at 'passwordLength' failed to satisfy constraint: Member must have value less than or equal to 4096",
    );
    const single = await sm.send(new GetRandomPasswordCommand({ PasswordLength: 1, RequireEachIncludedType: false }));
    expect(single.RandomPassword).toHaveLength(1);
  });
});

describe('secrets pending deletion, restore and tags', () => {
  it('Describe works and shows DeletedDate; Get, Put, Rotate and Tag fail; Create with the name fails', async () => {
    const name = uniqueName();
    const { ARN } = await sm.send(new CreateSecretCommand({ Name: name, SecretString: 'v' }));
    emulator.registerRotationFunction(emulator.functionArn('deleted-test'), () => undefined);
    const deleted = await sm.send(new DeleteSecretCommand({ SecretId: name, RecoveryWindowInDays: 7 }));
    expect(deleted.ARN).toBe(ARN);
    expect((deleted.DeletionDate?.getTime() ?? 0) - Date.now()).toBeGreaterThan(6 * 86_400_000);
    const described = await sm.send(new DescribeSecretCommand({ SecretId: name }));
    expect(described.DeletedDate).toBeInstanceOf(Date);
    await expectAwsError(sm.send(new GetSecretValueCommand({ SecretId: name })), 'InvalidRequestException', MARKED_FOR_DELETION);
    await expectAwsError(
      sm.send(new PutSecretValueCommand({ SecretId: name, SecretString: 'w' })),
      'InvalidRequestException',
      MARKED_FOR_DELETION,
    );
    await expectAwsError(
      sm.send(new RotateSecretCommand({ SecretId: name, RotationLambdaARN: emulator.functionArn('deleted-test') })),
      'InvalidRequestException',
      MARKED_FOR_DELETION,
    );
    await expectAwsError(
      sm.send(new TagResourceCommand({ SecretId: name, Tags: [{ Key: 'k', Value: 'v' }] })),
      'InvalidRequestException',
      MARKED_FOR_DELETION,
    );
    await expectAwsError(
      sm.send(new CreateSecretCommand({ Name: name, SecretString: 'v' })),
      'InvalidRequestException',
      "You can't create this secret because a secret with this name is already scheduled for deletion.",
    );
    await sm.send(new RestoreSecretCommand({ SecretId: name }));
    expect((await sm.send(new GetSecretValueCommand({ SecretId: name }))).SecretString).toBe('v');
    expect(await sm.send(new DescribeSecretCommand({ SecretId: name }))).not.toHaveProperty('DeletedDate');
  });

  it('force-deletes at once, freeing the name', async () => {
    const name = uniqueName();
    await sm.send(new CreateSecretCommand({ Name: name, SecretString: 'v' }));
    await sm.send(new DeleteSecretCommand({ SecretId: name, ForceDeleteWithoutRecovery: true }));
    await expectAwsError(sm.send(new DescribeSecretCommand({ SecretId: name })), 'ResourceNotFoundException', NOT_FOUND);
    await sm.send(new CreateSecretCommand({ Name: name, SecretString: 'again' }));
  });

  it('checks DeleteSecret arguments', async () => {
    const { arn } = await createWithValue();
    await expectAwsError(
      sm.send(new DeleteSecretCommand({ SecretId: arn, RecoveryWindowInDays: 7, ForceDeleteWithoutRecovery: true })),
      'InvalidParameterException',
      "You can't use ForceDeleteWithoutRecovery in conjunction with RecoveryWindowInDays.",
    );
    await expectAwsError(
      sm.send(new DeleteSecretCommand({ SecretId: arn, RecoveryWindowInDays: 6 })),
      'InvalidParameterException',
      'The RecoveryWindowInDays value must be between 7 and 30 days (inclusive).',
    );
  });

  it('TagResource adds and overwrites tags', async () => {
    const name = uniqueName();
    await sm.send(new CreateSecretCommand({ Name: name, SecretString: 'v', Tags: [{ Key: 'a', Value: '1' }] }));
    await sm.send(new TagResourceCommand({ SecretId: name, Tags: [{ Key: 'a', Value: '2' }, { Key: 'b', Value: '3' }] }));
    const out = await sm.send(new DescribeSecretCommand({ SecretId: name }));
    expect(out.Tags).toEqual([
      { Key: 'a', Value: '2' },
      { Key: 'b', Value: '3' },
    ]);
  });
});

describe('RDS-managed secrets', () => {
  it('look as RDS creates them and refuse direct changes', async () => {
    const dbArn = 'arn:aws:rds:us-east-1:111122223333:cluster:orders';
    const { arn, name } = emulator.seedRdsManagedSecret({ kind: 'cluster', dbArn, username: 'admin', password: 'pw-1' });
    expect(name).toMatch(/^rds!cluster-[0-9a-f-]{36}$/);
    const described = await sm.send(new DescribeSecretCommand({ SecretId: arn }));
    expect(described).toMatchObject({
      OwningService: 'rds',
      Description: `The secret associated with the primary RDS DB cluster: ${dbArn}`,
      Tags: [{ Key: 'aws:rds:primaryDBClusterArn', Value: dbArn }],
      RotationEnabled: true,
    });
    const value = await sm.send(new GetSecretValueCommand({ SecretId: arn }));
    expect(Object.keys(JSON.parse(value.SecretString ?? '{}') as object).sort()).toEqual(['password', 'username']);
    await expectAwsError(
      sm.send(new PutSecretValueCommand({ SecretId: arn, SecretString: '{}' })),
      'InvalidRequestException',
      "The secret is managed by another service (rds). You can't perform this operation on it directly.",
    );
    const instance = emulator.seedRdsManagedSecret({
      kind: 'instance',
      dbArn: 'arn:aws:rds:us-east-1:111122223333:db:orders-1',
      username: 'admin',
      password: 'pw-2',
    });
    expect(instance.name).toMatch(/^rds!db-[0-9a-f-]{36}$/);
    const tags = (await sm.send(new DescribeSecretCommand({ SecretId: instance.arn }))).Tags;
    expect(tags).toEqual([{ Key: 'aws:rds:primaryDBInstanceArn', Value: 'arn:aws:rds:us-east-1:111122223333:db:orders-1' }]);
  });

  it('are rotated by the owning service without a Lambda ARN', async () => {
    const { arn } = emulator.seedRdsManagedSecret({
      kind: 'cluster',
      dbArn: 'arn:aws:rds:us-east-1:111122223333:cluster:c2',
      username: 'admin',
      password: 'before',
    });
    const rotated = await sm.send(
      new RotateSecretCommand({ SecretId: arn, RotationRules: { ScheduleExpression: 'cron(0 16 1,15 * ? *)', Duration: '2h' } }),
    );
    const record = await emulator.rotationSettled(arn);
    expect(record).toMatchObject({ kind: 'managed', status: 'succeeded', token: rotated.VersionId });
    const current = await sm.send(new GetSecretValueCommand({ SecretId: arn }));
    const value = JSON.parse(current.SecretString ?? '{}') as { username: string; password: string };
    expect(value.username).toBe('admin');
    expect(value.password).not.toBe('before');
    expect(current.VersionStages).toEqual(['AWSCURRENT']);
    const described = await sm.send(new DescribeSecretCommand({ SecretId: arn }));
    expect(described.RotationRules).toEqual({ ScheduleExpression: 'cron(0 16 1,15 * ? *)', Duration: '2h' });
    expect(described).not.toHaveProperty('RotationLambdaARN');
  });
});

describe('admin', () => {
  it('counts calls per operation, logs them in order, and exposes the full state', async () => {
    emulator.resetCalls();
    const { arn } = await createWithValue('state-value');
    await sm.send(new GetSecretValueCommand({ SecretId: arn }));
    await sm.send(new GetSecretValueCommand({ SecretId: arn }));
    expect(emulator.calls('GetSecretValue')).toBe(2);
    expect(emulator.callCounts()).toEqual({ CreateSecret: 1, GetSecretValue: 2 });
    expect(emulator.callLog()).toEqual(['CreateSecret', 'GetSecretValue', 'GetSecretValue']);
    const secret = emulator.state().secrets.find((s) => s.ARN === arn);
    expect(secret?.Versions).toEqual([
      expect.objectContaining({ SecretString: 'state-value', VersionStages: ['AWSCURRENT'] }),
    ]);
  });

  it('serves state and seeds over the admin routes', async () => {
    const seeded = await fetch(`${emulator.url}/_rotakit/seed`, {
      method: 'POST',
      body: JSON.stringify({ secrets: [{ name: 'seeded/over-http', versions: [{ secretString: 's', stages: ['AWSCURRENT'] }] }] }),
    });
    expect(seeded.status).toBe(200);
    expect((await sm.send(new GetSecretValueCommand({ SecretId: 'seeded/over-http' }))).SecretString).toBe('s');
    const state = (await (await fetch(`${emulator.url}/_rotakit/state`)).json()) as { secrets: { Name: string }[] };
    expect(state.secrets.map((s) => s.Name)).toContain('seeded/over-http');
  });
});
