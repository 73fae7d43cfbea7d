import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AxiosInstance } from 'axios';
import { startNcloudSecretManagerEmulator, type NcloudSecretManagerEmulator } from '@rotakit/testkit';
import { CDB_VALUE, ncloudClient, TEST_CREDENTIAL } from './ncloud-client.js';

const NOW = 1_700_000_000_000;
const DAY = 24 * 60 * 60 * 1000;

const invalidRequest = (details: string) => ({ error: { errorCode: 'INVALID_REQUEST', message: 'Invalid request', details } });

describe('NAVER emulator management API', () => {
  let emulator: NcloudSecretManagerEmulator;
  let regional: AxiosInstance;
  let global: AxiosInstance;
  let names = 0;
  const uniqueName = () => `secret_${(names += 1)}`;
  const validBody = (overrides: Record<string, unknown> = {}) => ({
    secretName: uniqueName(),
    secretValue: { value: JSON.stringify(CDB_VALUE), rotationTargets: ['cdbPassword'] },
    ...overrides,
  });

  beforeAll(async () => {
    emulator = await startNcloudSecretManagerEmulator({ credentials: [TEST_CREDENTIAL], clock: () => NOW });
    emulator.registerAction('trigger-1', () => Promise.resolve(null), { name: 'rotate-db' });
    regional = ncloudClient({ baseURL: emulator.regionalUrl, ...TEST_CREDENTIAL, timestamp: () => NOW });
    global = ncloudClient({ baseURL: emulator.url, ...TEST_CREDENTIAL, timestamp: () => NOW });
  });
  afterAll(() => emulator.close());

  it('creates a secret and answers its detail, values and stages', async () => {
    const created = await regional.post('/api/v1/secrets', {
      secretName: 'cdb-main',
      memo: 'main database',
      secretValue: { value: JSON.stringify(CDB_VALUE), rotationTargets: ['cdbPassword'] },
      secretType: 'BASIC',
      autoRotationYN: 'Y',
      autoRotationPeriod: 30,
      triggerId: 'trigger-1',
      protectionKeyType: 'DEFAULT',
    });
    expect(created.status).toBe(200);
    expect(created.data.code).toBe('SUCCESS');
    const secretId: string = created.data.data.secretId;
    expect(created.data.data).toMatchObject({
      secretName: 'cdb-main',
      secretStatus: 'ENABLE',
      secretType: 'BASIC',
      memo: 'main database',
      autoRotationYN: 'Y',
      autoRotationPeriod: 30,
      nextRotationDate: NOW + 30 * DAY,
      registerDate: NOW,
      rotationPhase: 'NONE',
      trigger: { id: 'trigger-1', name: 'rotate-db', url: null, recentlyExecutedAction: null },
      protectionKey: { type: 'DEFAULT', kmsKeyTag: null, kmsKeyName: null },
    });

    const detail = await regional.get(`/api/v1/secrets/${secretId}`);
    expect(detail.data.data.trigger).toEqual({ id: 'trigger-1', name: 'rotate-db', url: null });
    expect(Object.keys(detail.data.data as object).sort()).toEqual(
      [
        'secretId', 'secretName', 'secretStatus', 'secretType', 'memo', 'region', 'expectedDestroyDate', 'updateDate',
        'registerDate', 'autoRotationYN', 'autoRotationPeriod', 'nextRotationDate', 'rotationPhase', 'lastRotationDate',
        'lastRotationResultId', 'trigger', 'protectionKey',
      ].sort(),
    );

    const values = await regional.get(`/api/v1/secrets/${secretId}/values`);
    expect(values.data).toEqual({
      code: 'SUCCESS',
      data: { decryptedSecretChain: { active: JSON.stringify(CDB_VALUE) }, rotationTargets: ['cdbPassword'] },
    });

    const active = await regional.get(`/api/v1/secrets/${secretId}/active`);
    expect(active.data.data).toEqual({ decryptedSecretValue: { value: JSON.stringify(CDB_VALUE), valueStage: 'ACTIVE' } });

    const pending = await regional.get(`/api/v1/secrets/${secretId}/pending`);
    expect(pending.status).toBe(404);
    expect(pending.data).toEqual({ error: { errorCode: 'NOT_FOUND', message: 'Not found', details: 'The secret has no pending value.' } });
  });

  it('serves seeded previous and pending stages', async () => {
    const previous = { ...CDB_VALUE, cdbPassword: 'older' };
    const pendingValue = JSON.stringify({ ...CDB_VALUE, cdbPassword: 'newer' });
    const secretId = emulator.seedSecret({ chain: { active: CDB_VALUE, previous, pending: pendingValue }, rotationTargets: ['cdbPassword'] });
    const values = await regional.get(`/api/v1/secrets/${secretId}/values`);
    expect(values.data.data.decryptedSecretChain).toEqual({
      active: JSON.stringify(CDB_VALUE),
      previous: JSON.stringify(previous),
      pending: pendingValue,
    });
    const stage = await regional.get(`/api/v1/secrets/${secretId}/previous`);
    expect(stage.data.data.decryptedSecretValue).toEqual({ value: JSON.stringify(previous), valueStage: 'PREVIOUS' });
  });

  it('creates a secret on the host it was asked on unless kmsBoundaryType says otherwise', async () => {
    const onGlobal = await global.post('/api/v1/secrets', validBody());
    expect((await global.get(`/api/v1/secrets/${onGlobal.data.data.secretId}`)).status).toBe(200);
    const isolated = await global.post('/api/v1/secrets', validBody({ kmsBoundaryType: 'ISOLATED' }));
    expect((await global.get(`/api/v1/secrets/${isolated.data.data.secretId}`)).status).toBe(404);
    expect((await regional.get(`/api/v1/secrets/${isolated.data.data.secretId}`)).status).toBe(200);
  });

  it.each([
    ['secretName', 'ab'],
    ['secretName', 'a234567890123456'],
    ['secretName', '1abc'],
    ['secretName', 'ab.c'],
    ['secretName', undefined],
  ])('refuses %s %j', async (_field, secretName) => {
    const response = await regional.post('/api/v1/secrets', validBody({ secretName }));
    expect(response.status).toBe(400);
    expect(response.data).toEqual(invalidRequest('secretName must be 3 to 15 letters, digits, "-" or "_", starting with a letter.'));
  });

  it('accepts names of 3 and of 15 characters with - and _', async () => {
    for (const secretName of ['a_1', 'A-b_c-d_e-f_g-h']) {
      expect((await regional.post('/api/v1/secrets', validBody({ secretName }))).status).toBe(200);
    }
  });

  it('takes the memo up to 1000 bytes', async () => {
    expect((await regional.post('/api/v1/secrets', validBody({ memo: 'm'.repeat(1000) }))).status).toBe(200);
    const tooLong = await regional.post('/api/v1/secrets', validBody({ memo: '한'.repeat(334) }));
    expect(tooLong.status).toBe(400);
    expect(tooLong.data).toEqual(invalidRequest('memo must be a string of at most 1000 bytes.'));
  });

  const pairs = (count: number) => JSON.stringify(Object.fromEntries(Array.from({ length: count }, (_, i) => [`k${i}`, 'v'])));
  it.each([
    ['not a string', { cdbPassword: 'x' }, 'secretValue.value must be a JSON-object string.'],
    ['not JSON', '{cdbPassword', 'secretValue.value must be a JSON-object string.'],
    ['a JSON array', '["cdbPassword"]', 'secretValue.value must be a JSON-object string.'],
    ['over 10,000 bytes', JSON.stringify({ k0: 'x'.repeat(10_000) }), 'secretValue.value must be at most 10000 bytes.'],
    ['empty', '{}', 'secretValue.value must hold 1 to 100 key/value pairs.'],
    ['101 pairs', pairs(101), 'secretValue.value must hold 1 to 100 key/value pairs.'],
  ])('refuses a secret value that is %s', async (_case, value, details) => {
    const response = await regional.post('/api/v1/secrets', validBody({ secretValue: { value, rotationTargets: ['k0'] } }));
    expect(response.status).toBe(400);
    expect(response.data).toEqual(invalidRequest(details));
  });

  it('accepts 100 pairs', async () => {
    const response = await regional.post('/api/v1/secrets', validBody({ secretValue: { value: pairs(100), rotationTargets: ['k0', 'k99'] } }));
    expect(response.status).toBe(200);
  });

  it.each([
    [[], 'rotationTargets must list at least one key of the secret value.'],
    [undefined, 'rotationTargets must list at least one key of the secret value.'],
    [[3], 'rotationTargets must list at least one key of the secret value.'],
    [['cdbPassword', 'cdbPassword'], 'rotationTargets must not repeat a key.'],
    [['password'], 'rotationTargets names "password", which is not a key of the secret value.'],
  ])('refuses rotationTargets %j', async (rotationTargets, details) => {
    const response = await regional.post('/api/v1/secrets', validBody({ secretValue: { value: JSON.stringify(CDB_VALUE), rotationTargets } }));
    expect(response.status).toBe(400);
    expect(response.data).toEqual(invalidRequest(details));
  });

  const period = 'autoRotationPeriod must be a whole number of days from 1 to 730 (required when autoRotationYN is Y).';
  it.each([
    [{ secretValue: 'x' }, 'secretValue must be an object with value and rotationTargets.'],
    [{ secretType: 'CUSTOM' }, 'secretType must be BASIC.'],
    [{ autoRotationYN: 'yes' }, 'autoRotationYN must be Y or N.'],
    [{ autoRotationYN: 'Y', triggerId: 'trigger-1' }, period],
    [{ autoRotationYN: 'Y', autoRotationPeriod: 0, triggerId: 'trigger-1' }, period],
    [{ autoRotationYN: 'Y', autoRotationPeriod: 731, triggerId: 'trigger-1' }, period],
    [{ autoRotationYN: 'Y', autoRotationPeriod: 1.5, triggerId: 'trigger-1' }, period],
    [{ autoRotationYN: 'Y', autoRotationPeriod: 90 }, 'triggerId is required when autoRotationYN is Y.'],
    [{ triggerId: 'no-such-trigger' }, 'triggerId does not name a trigger.'],
    [{ protectionKeyType: 'HSM' }, 'protectionKeyType must be DEFAULT or USER_MANAGED_KEY.'],
    [{ protectionKeyType: 'USER_MANAGED_KEY' }, 'kmsKeyTag is required when protectionKeyType is USER_MANAGED_KEY.'],
    [{ kmsBoundaryType: 'LOCAL' }, 'kmsBoundaryType must be GLOBAL or ISOLATED.'],
  ])('refuses %j', async (overrides, details) => {
    const response = await regional.post('/api/v1/secrets', validBody(overrides));
    expect(response.status).toBe(400);
    expect(response.data).toEqual(invalidRequest(details));
  });

  it('accepts rotation periods of 1 and 730 days and a user-managed key with its tag', async () => {
    for (const autoRotationPeriod of [1, 730]) {
      const response = await regional.post('/api/v1/secrets', validBody({ autoRotationYN: 'Y', autoRotationPeriod, triggerId: 'trigger-1' }));
      expect(response.data.data.autoRotationPeriod).toBe(autoRotationPeriod);
    }
    const managed = await regional.post('/api/v1/secrets', validBody({ protectionKeyType: 'USER_MANAGED_KEY', kmsKeyTag: 'tag-1' }));
    expect(managed.data.data.protectionKey).toEqual({ type: 'USER_MANAGED_KEY', kmsKeyTag: 'tag-1', kmsKeyName: null });
  });

  it('refuses a body that is not a JSON object', async () => {
    // axios would quote an unparsable string as a JSON string; send the bytes as they are.
    const raw = { headers: { 'content-type': 'application/json' }, transformRequest: [(data: unknown) => data] };
    const truncated = await regional.post('/api/v1/secrets', '{"secretName":', raw);
    expect(truncated.status).toBe(400);
    expect(truncated.data).toEqual(invalidRequest('The request body is not valid JSON.'));
    const notAnObject = await regional.post('/api/v1/secrets', '"cdb-main"', raw);
    expect(notAnObject.status).toBe(400);
    expect(notAnObject.data).toEqual(invalidRequest('The request body must be a JSON object.'));
  });

  it('refuses a second secret with the same name as a rule violation', async () => {
    const body = validBody();
    expect((await regional.post('/api/v1/secrets', body)).status).toBe(200);
    const again = await regional.post('/api/v1/secrets', body);
    expect(again.status).toBe(422);
    expect(again.data).toEqual({
      error: { errorCode: 'UNPROCESSABLE_ENTITY', message: 'Invalid status', details: 'A secret with this name already exists.' },
    });
  });

  it('answers NOT_FOUND for an unknown secret', async () => {
    for (const path of ['', '/values', '/active', '/rotation']) {
      const response = await regional.request({ method: path === '/rotation' ? 'POST' : 'GET', url: `/api/v1/secrets/nope${path}` });
      expect(response.status).toBe(404);
      expect(response.data).toEqual({ error: { errorCode: 'NOT_FOUND', message: 'Not found', details: 'No such secret.' } });
    }
  });

  it('counts calls per operation', async () => {
    const before = emulator.calls().getSecretValues ?? 0;
    const secretId = emulator.seedSecret({ chain: { active: CDB_VALUE }, rotationTargets: ['cdbPassword'] });
    await regional.get(`/api/v1/secrets/${secretId}/values`);
    await regional.get(`/api/v1/secrets/${secretId}/values`);
    expect(emulator.calls().getSecretValues).toBe(before + 2);
  });
});
