// KMS secrets rules, driven through the unmodified @alicloud/kms20160120 1.2.0 client.
import * as $Kms from '@alicloud/kms20160120';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { PASSWORD_CHARACTER_CLASSES } from '@rotakit/core';
import { startAlibabaKmsEmulator, type AlibabaKmsEmulator } from '../src/index.js';
import { type Kms, expectKmsError, kmsClient, rawKmsCall } from './alibaba-kms-clients.js';

const NOT_FOUND = ['Forbidden.ResourceNotFound', 404, 'The resource is not found.'] as const;
const INVALID = ['InvalidParameter', 400, 'The specified parameter is invalid.'] as const;
const EXISTS = ['Rejected.ResourceExist', 409, 'The resource already exists.'] as const;
const LIMIT = ['Rejected.LimitExceeded', 400, 'The secret quota is exceeded.'] as const;
const IN_DELETE_WINDOW = ['Rejected.ResourceInDeleteWindow', 409, 'The secret is planned to be deleted.'] as const;

let emulator: AlibabaKmsEmulator;
let client: Kms;

beforeAll(async () => {
  emulator = await startAlibabaKmsEmulator();
  client = kmsClient(emulator);
});
afterAll(() => emulator.close());

let secretName: string;
let counter = 0;
beforeEach(() => {
  counter += 1;
  secretName = `db/app-${counter}`;
});

const create = (name: string, versionId: string, data: string, extra: Record<string, string> = {}) =>
  client.createSecret(new $Kms.CreateSecretRequest({ secretName: name, versionId, secretData: data, ...extra }));
const get = (request: { versionId?: string; versionStage?: string }, name = secretName) =>
  client.getSecretValue(new $Kms.GetSecretValueRequest({ secretName: name, ...request }));
const put = (versionId: string, data: string, versionStages?: string) =>
  client.putSecretValue(
    new $Kms.PutSecretValueRequest({ secretName, versionId, secretData: data, ...(versionStages ? { versionStages } : {}) }),
  );
const moveStage = (versionStage: string, move: { moveToVersion?: string; removeFromVersion?: string }) =>
  client.updateSecretVersionStage(new $Kms.UpdateSecretVersionStageRequest({ secretName, versionStage, ...move }));
const listVersions = (extra: { includeDeprecated?: string; pageNumber?: number; pageSize?: number } = {}) =>
  client.listSecretVersionIds(new $Kms.ListSecretVersionIdsRequest({ secretName, ...extra }));
const randomPassword = (request: Record<string, string>) =>
  client.getRandomPassword(new $Kms.GetRandomPasswordRequest(request));

/** Stage labels per version id, as the emulator holds them. */
function stagesByVersion(name = secretName): Record<string, string[]> {
  const secret = emulator.state().secrets.find((s) => s.name === name);
  return Object.fromEntries((secret?.versions ?? []).map((v) => [v.versionId, v.stages]));
}

describe('CreateSecret and GetSecretValue', () => {
  test('the first version carries ACSCurrent and round-trips characters the query string must encode', async () => {
    const data = '{"AccountName":"app","AccountPassword":"a&b=c+d/e ü!*()\'~%"}';
    const created = await create(secretName, 'v1', data, { description: 'app user' });
    expect(created).toMatchObject({
      arn: `acs:kms:cn-hangzhou:1234567890123456:secret/${secretName}`,
      versionId: 'v1',
      secretName,
      requestId: expect.stringMatching(/^[0-9a-f-]{36}$/),
    });
    const value = await get({});
    expect(value).toMatchObject({
      secretName,
      versionId: 'v1',
      secretData: data,
      secretDataType: 'text',
      versionStages: { versionStage: ['ACSCurrent'] },
      createTime: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
    });
  });

  test('a second secret with the same name is Rejected.ResourceExist', async () => {
    await create(secretName, 'v1', 'one');
    await expectKmsError(create(secretName, 'v2', 'two'), ...EXISTS);
  });

  test('names outside the documented alphabet, or under acs/, are InvalidParameter', async () => {
    await expectKmsError(create('has space', 'v1', 'x'), ...INVALID);
    await expectKmsError(create('acs/reserved', 'v1', 'x'), ...INVALID);
  });

  test('binary secret data keeps its type', async () => {
    await create(secretName, 'v1', Buffer.from([0, 1, 2, 255]).toString('base64'), { secretDataType: 'binary' });
    expect(await get({})).toMatchObject({ secretData: 'AAEC/w==', secretDataType: 'binary' });
    await expectKmsError(create(`${secretName}-bad`, 'v1', 'x', { secretDataType: 'hex' }), ...INVALID);
  });

  test('reads by stage, by version id, by both, and by ARN', async () => {
    emulator.seed({
      name: secretName,
      versions: [
        { versionId: 'old', data: 'o', stages: ['ACSPrevious'] },
        { versionId: 'cur', data: 'c', stages: ['ACSCurrent'] },
        { versionId: 'new', data: 'n', stages: ['ACSPending'] },
      ],
    });
    expect((await get({ versionStage: 'ACSPrevious' })).secretData).toBe('o');
    expect((await get({ versionId: 'new' })).versionStages.versionStage).toEqual(['ACSPending']);
    expect((await get({ versionId: 'new', versionStage: 'ACSPending' })).secretData).toBe('n');
    const arn = `acs:kms:cn-hangzhou:1234567890123456:secret/${secretName}`;
    expect((await get({}, arn)).secretData).toBe('c');
  });

  test('a missing secret, version, stage, or a stage the version does not carry is Forbidden.ResourceNotFound', async () => {
    await create(secretName, 'v1', 'x');
    await expectKmsError(get({}, 'no-such-secret'), ...NOT_FOUND);
    await expectKmsError(get({ versionId: 'v9' }), ...NOT_FOUND);
    // The seed's `new` step relies on this answer for "no pending value yet".
    await expectKmsError(get({ versionId: 'v1', versionStage: 'ACSPending' }), ...NOT_FOUND);
    await expectKmsError(get({ versionStage: 'ACSPrevious' }), ...NOT_FOUND);
  });

  test('1.2.0 drops SecretType, but the raw map shows it', async () => {
    await create(secretName, 'v1', 'x');
    const value = await get({});
    expect(value).not.toHaveProperty('secretType');
    const raw = await rawKmsCall(client, 'GetSecretValue', { SecretName: secretName });
    expect(raw).toMatchObject({ SecretType: 'Generic', SecretData: 'x', VersionStages: { VersionStage: ['ACSCurrent'] } });
  });

  test('a missing required parameter is Missing<Name>; an unknown action is InvalidAction.NotFound', async () => {
    await expectKmsError(
      rawKmsCall(client, 'GetSecretValue', {}),
      'MissingSecretName',
      400,
      'SecretName is mandatory for this action.',
    );
    await expectKmsError(
      rawKmsCall(client, 'NoSuchAction', { SecretName: secretName }),
      'InvalidAction.NotFound',
      404,
      'Specified api is not found, please check your url and method.',
    );
  });
});

describe('PutSecretValue', () => {
  test('by default the new version becomes ACSCurrent and the former current ACSPrevious', async () => {
    await create(secretName, 'v1', 'one');
    await put('v2', 'two');
    const put3 = await put('v3', 'three');
    expect(put3).toMatchObject({ secretName, versionId: 'v3', versionStages: { versionStage: ['ACSCurrent'] } });
    expect(stagesByVersion()).toEqual({ v1: [], v2: ['ACSPrevious'], v3: ['ACSCurrent'] });
  });

  test('explicit stages (JSON text, either documented form) leave ACSCurrent and ACSPrevious alone', async () => {
    await create(secretName, 'v1', 'one');
    await put('v2', 'two');
    await put('v3', 'three', '["ACSPending"]');
    await put('v4', 'four', '{"VersionStage":["MyLabel"]}');
    expect(stagesByVersion()).toEqual({ v1: ['ACSPrevious'], v2: ['ACSCurrent'], v3: ['ACSPending'], v4: ['MyLabel'] });
  });

  test('a label names one version: putting it again moves it', async () => {
    await create(secretName, 'v1', 'one');
    await put('p1', 'pending 1', '["ACSPending"]');
    await put('p2', 'pending 2', '["ACSPending"]');
    expect(stagesByVersion()).toEqual({ v1: ['ACSCurrent'], p1: [], p2: ['ACSPending'] });
  });

  test('the same VersionId with the same data succeeds and changes nothing', async () => {
    await create(secretName, 'v1', 'one');
    await put('v2', 'two', '["ACSPending"]');
    const again = await put('v2', 'two');
    expect(again).toMatchObject({ versionId: 'v2', versionStages: { versionStage: ['ACSPending'] } });
    expect(stagesByVersion()).toEqual({ v1: ['ACSCurrent'], v2: ['ACSPending'] });
  });

  test('the same VersionId with other data is Rejected.ResourceExist', async () => {
    await create(secretName, 'v1', 'one');
    await expectKmsError(put('v1', 'changed'), ...EXISTS);
    expect((await get({})).secretData).toBe('one');
  });

  test('malformed VersionStages, or a missing secret, are refused', async () => {
    await create(secretName, 'v1', 'one');
    await expectKmsError(put('v2', 'two', 'ACSPending'), ...INVALID);
    await expectKmsError(put('v2', 'two', '[1]'), ...INVALID);
    await expectKmsError(
      client.putSecretValue(new $Kms.PutSecretValueRequest({ secretName: 'nope', versionId: 'v', secretData: 'x' })),
      ...NOT_FOUND,
    );
  });

  test('an eleventh version deletes the oldest version without a label', async () => {
    await create(secretName, 'v1', 'one');
    await moveStage('Pinned', { moveToVersion: 'v1' });
    for (let i = 2; i <= 11; i += 1) await put(`v${i}`, `value ${i}`);
    const versions = Object.keys(stagesByVersion());
    expect(versions).toHaveLength(10);
    // v1 keeps its custom label; v2 is the oldest one left without a label.
    expect(versions).toEqual(['v1', 'v3', 'v4', 'v5', 'v6', 'v7', 'v8', 'v9', 'v10', 'v11']);
    await expectKmsError(get({ versionId: 'v2' }), ...NOT_FOUND);
    expect((await listVersions({ includeDeprecated: 'true', pageSize: 20 })).totalCount).toBe(10);
  });

  test('a ninth stage label is Rejected.LimitExceeded', async () => {
    await create(secretName, 'v1', 'one');
    await put('v2', 'two');
    for (let i = 1; i <= 6; i += 1) await moveStage(`L${i}`, { moveToVersion: 'v1' });
    await expectKmsError(put('v3', 'three', '["L7"]'), ...LIMIT);
    await expectKmsError(moveStage('L7', { moveToVersion: 'v2' }), ...LIMIT);
    // Moving a label already in use is no new label.
    await moveStage('L6', { moveToVersion: 'v2' });
    expect(stagesByVersion().v2).toEqual(['ACSCurrent', 'L6']);
  });
});

describe('UpdateSecretVersionStage', () => {
  beforeEach(async () => {
    await create(secretName, 'v1', 'one');
    await put('v2', 'two', '["ACSPending"]');
  });

  test("the seed's end step: ACSCurrent moves, the former current becomes ACSPrevious, ACSPending is removed", async () => {
    expect(await moveStage('ACSCurrent', { moveToVersion: 'v2' })).toMatchObject({ secretName });
    await moveStage('ACSPending', { removeFromVersion: 'v2' });
    expect(stagesByVersion()).toEqual({ v1: ['ACSPrevious'], v2: ['ACSCurrent'] });
    expect((await get({})).secretData).toBe('two');
    expect((await get({ versionStage: 'ACSPrevious' })).secretData).toBe('one');
  });

  test('moving ACSCurrent to the version that has it changes nothing', async () => {
    await moveStage('ACSCurrent', { moveToVersion: 'v1', removeFromVersion: 'v1' });
    expect(stagesByVersion()).toEqual({ v1: ['ACSCurrent'], v2: ['ACSPending'] });
  });

  test('ACSCurrent and ACSPrevious can only be moved, never simply removed', async () => {
    await expectKmsError(moveStage('ACSCurrent', { removeFromVersion: 'v1' }), ...INVALID);
    await moveStage('ACSCurrent', { moveToVersion: 'v2' });
    await expectKmsError(moveStage('ACSPrevious', { removeFromVersion: 'v1' }), ...INVALID);
  });

  test('one of MoveToVersion and RemoveFromVersion is required', async () => {
    await expectKmsError(moveStage('ACSPending', {}), ...INVALID);
  });

  test('a custom label moves without RemoveFromVersion: one label, one version', async () => {
    await moveStage('ACSPending', { moveToVersion: 'v1' });
    expect(stagesByVersion()).toEqual({ v1: ['ACSCurrent', 'ACSPending'], v2: [] });
  });

  test('an unknown version, or RemoveFromVersion that does not hold the label, is Forbidden.ResourceNotFound', async () => {
    await expectKmsError(moveStage('ACSCurrent', { moveToVersion: 'v9' }), ...NOT_FOUND);
    await expectKmsError(moveStage('ACSPending', { removeFromVersion: 'v1' }), ...NOT_FOUND);
    await expectKmsError(moveStage('ACSCurrent', { moveToVersion: 'v2', removeFromVersion: 'v2' }), ...NOT_FOUND);
    expect(stagesByVersion()).toEqual({ v1: ['ACSCurrent'], v2: ['ACSPending'] });
  });

  test('ACSPrevious following ACSCurrent is a switch', async () => {
    const strict = await startAlibabaKmsEmulator({ previousFollowsCurrent: false });
    try {
      const strictClient = kmsClient(strict);
      strict.seed({
        name: 's',
        versions: [
          { versionId: 'a', data: 'a', stages: ['ACSPrevious'] },
          { versionId: 'b', data: 'b', stages: ['ACSCurrent'] },
          { versionId: 'c', data: 'c', stages: ['ACSPending'] },
        ],
      });
      await strictClient.updateSecretVersionStage(
        new $Kms.UpdateSecretVersionStageRequest({ secretName: 's', versionStage: 'ACSCurrent', moveToVersion: 'c' }),
      );
      expect(strict.state().secrets[0]?.versions.map((v) => v.stages)).toEqual([['ACSPrevious'], [], ['ACSCurrent', 'ACSPending']]);
    } finally {
      await strict.close();
    }
  });
});

describe('GetRandomPassword', () => {
  const classes = Object.values(PASSWORD_CHARACTER_CLASSES);

  const missesAClass = (password: string): boolean => classes.some((chars) => ![...password].some((c) => chars.includes(c)));

  test('defaults to 32 characters from every class', async () => {
    const { randomPassword: password } = await randomPassword({});
    expect(password).toHaveLength(32);
    const drawn = (await Promise.all(Array.from({ length: 20 }, () => randomPassword({})))).map((r) => r.randomPassword).join('');
    for (const chars of classes) expect([...drawn].some((c) => chars.includes(c))).toBe(true);
  });

  test('RequireEachIncludedType defaults to false, as the API documents: a short password may miss a class', async () => {
    // Eight characters drawn freely from the four classes miss one more often than not;
    // sixty draws that all hold every class would mean the emulator requires them.
    const drawn = await Promise.all(Array.from({ length: 60 }, () => randomPassword({ passwordLength: '8' })));
    expect(drawn.some((r) => missesAClass(r.randomPassword))).toBe(true);
  });

  test("honours length bounds, ExcludeCharacters (the seed's default set) and class exclusions", async () => {
    expect((await randomPassword({ passwordLength: '8' })).randomPassword).toHaveLength(8);
    expect((await randomPassword({ passwordLength: '128' })).randomPassword).toHaveLength(128);
    const excluded = '\\"\',./:;<>?[]{|}~`';
    const { randomPassword: password } = await randomPassword({ passwordLength: '128', excludeCharacters: excluded });
    expect([...password].filter((c) => excluded.includes(c))).toEqual([]);
    const digitsOnly = await randomPassword({
      excludeLowercase: 'true',
      excludeUppercase: 'true',
      excludePunctuation: 'true',
    });
    expect(digitsOnly.randomPassword).toMatch(/^\d{32}$/);
  });

  test('RequireEachIncludedType "true" puts every class in even the shortest password; "false" is accepted', async () => {
    for (let round = 0; round < 30; round += 1) {
      const { randomPassword: password } = await randomPassword({ passwordLength: '8', requireEachIncludedType: 'true' });
      for (const chars of classes) expect([...password].some((c) => chars.includes(c))).toBe(true);
    }
    const loose = await randomPassword({ passwordLength: '8', requireEachIncludedType: 'false' });
    expect(loose.randomPassword).toHaveLength(8);
    await expectKmsError(randomPassword({ requireEachIncludedType: 'yes' }), ...INVALID);
  });

  test('an impossible request is InvalidParameter', async () => {
    await expectKmsError(randomPassword({ passwordLength: '7' }), ...INVALID);
    await expectKmsError(randomPassword({ passwordLength: '129' }), ...INVALID);
    await expectKmsError(randomPassword({ excludeNumbers: 'yes' }), ...INVALID);
    await expectKmsError(
      randomPassword({ excludeLowercase: 'true', excludeUppercase: 'true', excludePunctuation: 'true', excludeCharacters: '0123456789' }),
      ...INVALID,
    );
  });
});

describe('DescribeSecret, ListSecretVersionIds, DeleteSecret', () => {
  test('DescribeSecret returns tags only when asked', async () => {
    await create(secretName, 'v1', 'x', { description: 'd', encryptionKeyId: 'key-1', tags: '[{"TagKey":"team","TagValue":"db"}]' });
    const described = await client.describeSecret(new $Kms.DescribeSecretRequest({ secretName }));
    expect(described).toMatchObject({
      arn: `acs:kms:cn-hangzhou:1234567890123456:secret/${secretName}`,
      secretName,
      description: 'd',
      encryptionKeyId: 'key-1',
      createTime: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
      updateTime: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
      requestId: expect.stringMatching(/^[0-9a-f-]{36}$/),
    });
    expect(described.tags).toBeUndefined();
    const tagged = await client.describeSecret(new $Kms.DescribeSecretRequest({ secretName, fetchTags: 'true' }));
    expect(tagged.tags.tag).toEqual([{ tagKey: 'team', tagValue: 'db' }]);
    await expectKmsError(create(`${secretName}-t`, 'v1', 'x', { tags: '{"team":"db"}' }), ...INVALID);
  });

  test('ListSecretVersionIds hides label-less versions unless asked, and pages', async () => {
    await create(secretName, 'v1', 'one');
    await put('v2', 'two');
    await put('v3', 'three');
    const labelled = await listVersions();
    expect(labelled).toMatchObject({ secretName, totalCount: 2, pageNumber: 1, pageSize: 10 });
    expect(labelled.versionIds.versionId.map((v) => [v.versionId, v.versionStages.versionStage])).toEqual([
      ['v2', ['ACSPrevious']],
      ['v3', ['ACSCurrent']],
    ]);
    for (const version of labelled.versionIds.versionId) expect(version.createTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const page2 = await listVersions({ includeDeprecated: 'true', pageNumber: 2, pageSize: 2 });
    expect(page2.totalCount).toBe(3);
    expect(page2.versionIds.versionId.map((v) => v.versionId)).toEqual(['v3']);
    await expectKmsError(listVersions({ pageSize: 101 }), ...INVALID);
  });

  test('a deletion window blocks reads, writes and re-creation; force deletion frees the name', async () => {
    await create(secretName, 'v1', 'x');
    const deleted = await client.deleteSecret(new $Kms.DeleteSecretRequest({ secretName, recoveryWindowInDays: '7' }));
    const planned = Date.parse(deleted.plannedDeleteTime);
    expect(planned - Date.now()).toBeGreaterThan(6 * 86_400_000);
    await expectKmsError(get({}), ...IN_DELETE_WINDOW);
    await expectKmsError(put('v2', 'y'), ...IN_DELETE_WINDOW);
    await expectKmsError(create(secretName, 'v1', 'x'), ...IN_DELETE_WINDOW);
    const described = await client.describeSecret(new $Kms.DescribeSecretRequest({ secretName }));
    expect(described.plannedDeleteTime).toBe(deleted.plannedDeleteTime);
    await client.deleteSecret(new $Kms.DeleteSecretRequest({ secretName, forceDeleteWithoutRecovery: 'true' }));
    await expectKmsError(client.describeSecret(new $Kms.DescribeSecretRequest({ secretName })), ...NOT_FOUND);
    await create(secretName, 'v1', 'again');
    expect((await get({})).secretData).toBe('again');
  });

  test('a secret whose deletion time has passed is gone', async () => {
    emulator.seed({ name: secretName, plannedDeleteTime: '2020-01-01T00:00:00Z', versions: [{ versionId: 'v1', data: 'x', stages: ['ACSCurrent'] }] });
    await expectKmsError(client.describeSecret(new $Kms.DescribeSecretRequest({ secretName })), ...NOT_FOUND);
  });
});

describe('managed secrets', () => {
  beforeEach(() => {
    emulator.seed({
      name: secretName,
      type: 'Rds',
      extendedConfig: { SecretSubType: 'DoubleUsers', DBInstanceId: 'rm-emulator' },
      rotation: { automaticRotation: 'Enabled', rotationInterval: '604800s' },
      versions: [
        { versionId: 'r1', data: '{"AccountName":"app_rt","AccountPassword":"p1"}', stages: ['ACSPrevious'] },
        { versionId: 'r2', data: '{"AccountName":"app","AccountPassword":"p2"}', stages: ['ACSCurrent'] },
      ],
    });
  });

  test('serve ACSCurrent and ACSPrevious only, ignoring VersionId', async () => {
    expect((await get({ versionId: 'r1' })).versionId).toBe('r2');
    expect((await get({ versionStage: 'ACSPrevious' })).versionId).toBe('r1');
    await expectKmsError(get({ versionStage: 'ACSPending' }), ...NOT_FOUND);
  });

  test('report their type and rotation; ExtendedConfig only on request', async () => {
    const raw = await rawKmsCall(client, 'GetSecretValue', { SecretName: secretName });
    expect(raw).toMatchObject({ SecretType: 'Rds', AutomaticRotation: 'Enabled', RotationInterval: '604800s' });
    expect(raw).not.toHaveProperty('ExtendedConfig');
    const extended = await rawKmsCall(client, 'GetSecretValue', { SecretName: secretName, FetchExtendedConfig: 'true' });
    expect(JSON.parse(extended['ExtendedConfig'] as string)).toEqual({ SecretSubType: 'DoubleUsers', DBInstanceId: 'rm-emulator' });
  });

  test('refuse PutSecretValue and UpdateSecretVersionStage', async () => {
    await expectKmsError(put('r3', 'x'), ...INVALID);
    await expectKmsError(moveStage('ACSCurrent', { moveToVersion: 'r1' }), ...INVALID);
    expect(stagesByVersion()).toEqual({ r1: ['ACSPrevious'], r2: ['ACSCurrent'] });
  });

  test('can be created with SecretType through the raw call', async () => {
    const name = `${secretName}-created`;
    const created = await rawKmsCall(client, 'CreateSecret', {
      SecretName: name,
      VersionId: 'm1',
      SecretData: '{"Accounts":[{"AccountName":"a","AccountPassword":"b"}]}',
      SecretType: 'Rds',
      ExtendedConfig: '{"SecretSubType":"SingleUser","DBInstanceId":"rm-1"}',
      EnableAutomaticRotation: 'true',
      RotationInterval: '7d',
    });
    expect(created).toMatchObject({ SecretName: name, SecretType: 'Rds', VersionId: 'm1' });
    const described = await rawKmsCall(client, 'DescribeSecret', { SecretName: name });
    expect(described).toMatchObject({
      SecretType: 'Rds',
      AutomaticRotation: 'Enabled',
      RotationInterval: '604800s',
      NextRotationDate: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
    });
    await expectKmsError(
      rawKmsCall(client, 'CreateSecret', { SecretName: `${name}-2`, VersionId: 'm1', SecretData: 'x', SecretType: 'Rds', EnableAutomaticRotation: 'true', RotationInterval: '1h' }),
      ...INVALID,
    );
  });

  test('an Rds secret is created from an Accounts list and read back as one account', async () => {
    const name = `${secretName}-accounts`;
    const accounts = '{"Accounts":[{"AccountName":"app","AccountPassword":"pw-1"}]}';
    await rawKmsCall(client, 'CreateSecret', { SecretName: name, VersionId: 'a1', SecretData: accounts, SecretType: 'Rds' });
    expect((await get({}, name)).secretData).toBe('{"AccountName":"app","AccountPassword":"pw-1"}');
    for (const data of ['{"AccountName":"app","AccountPassword":"pw"}', '{"Accounts":[]}', '{"Accounts":[{"AccountName":"app"}]}', 'x']) {
      await expectKmsError(
        rawKmsCall(client, 'CreateSecret', { SecretName: `${name}-bad`, VersionId: 'a1', SecretData: data, SecretType: 'Rds' }),
        ...INVALID,
      );
    }
  });

  test('ExtendedConfig is JSON of at most 1024 characters', async () => {
    const create = (config: string, suffix: string) =>
      rawKmsCall(client, 'CreateSecret', {
        SecretName: `${secretName}-${suffix}`,
        VersionId: 'e1',
        SecretData: '{"Accounts":[{"AccountName":"a","AccountPassword":"b"}]}',
        SecretType: 'Rds',
        ExtendedConfig: config,
      });
    const padded = (length: number) => {
      const base = '{"SecretSubType":"SingleUser","DBInstanceId":"rm-1","CustomData":{"note":""}}';
      return base.replace('"note":""', `"note":"${'n'.repeat(length - base.length)}"`);
    };
    expect(padded(1024)).toHaveLength(1024);
    await create(padded(1024), 'max');
    await expectKmsError(create(padded(1025), 'over'), ...INVALID);
    await expectKmsError(create('{"SecretSubType":', 'broken'), ...INVALID);
  });
});

test("the seed's rotation, step by step, through the official client", async () => {
  emulator.seed({
    name: secretName,
    versions: [{ versionId: 'initial', data: '{"AccountName":"app","AccountPassword":"old"}', stages: ['ACSCurrent'] }],
  });
  const token = 'fc-request-1';
  // new: no pending value for this token yet
  await expectKmsError(get({ versionId: token, versionStage: 'ACSPending' }), ...NOT_FOUND);
  const { randomPassword: password } = await randomPassword({ excludeCharacters: '\\"\',./:;<>?[]{|}~`' });
  const pending = JSON.stringify({ AccountName: 'app_rt', AccountPassword: password });
  await put(token, pending, '["ACSPending"]');
  // re-running new finds it and writes nothing
  expect((await get({ versionId: token, versionStage: 'ACSPending' })).secretData).toBe(pending);
  await put(token, pending, '["ACSPending"]');
  // end
  await moveStage('ACSCurrent', { moveToVersion: token });
  await moveStage('ACSPending', { removeFromVersion: token });
  expect(stagesByVersion()).toEqual({ initial: ['ACSPrevious'], [token]: ['ACSCurrent'] });
  expect(emulator.state().secrets.find((s) => s.name === secretName)?.versions).toHaveLength(2);
});
