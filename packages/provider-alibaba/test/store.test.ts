// KmsSecretStore specifics: stage mapping, the explicit finish, error normalisation and the
// refusal of managed secrets, through kms20160120 1.2.0 against the KMS emulator.
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { isRotakitError } from '@rotakit/core';
import { startAlibabaKmsEmulator, type AlibabaKmsEmulator } from '@rotakit/testkit';
import { KmsSecretStore, UnsupportedSecretTypeError } from '@rotakit/provider-alibaba';
import { failure, KEY, kmsStore, seedSecret, stagesOf } from './helpers.js';

let emulator: AlibabaKmsEmulator;
let store: KmsSecretStore;
let name: string;
let counter = 0;

beforeAll(async () => {
  emulator = await startAlibabaKmsEmulator({ credentials: KEY, previousFollowsCurrent: false });
  store = kmsStore(emulator);
});
afterAll(() => emulator.close());
beforeEach(() => {
  counter += 1;
  name = `store/app-${counter}`;
  emulator.clearFaults();
  emulator.resetCalls();
});


describe('stages', () => {
  test('open maps ACSCurrent, ACSPending and ACSPrevious and ignores other labels', async () => {
    emulator.seed({
      name,
      versions: [
        { versionId: 'v1', data: 'one', stages: ['ACSPrevious'] },
        { versionId: 'v2', data: 'two', stages: ['ACSCurrent', 'MyLabel'] },
        { versionId: 'v3', data: 'three', stages: ['ACSPending'] },
      ],
    });
    const session = await store.open(name, 'v3');
    expect(session.stages).toEqual({ previous: 'v1', current: 'v2', pending: 'v3' });
    expect(await session.read('pending')).toBe('three');
    // Another token's pending version is not this token's pending value.
    expect(await (await store.open(name, 'v9')).read('pending')).toBeUndefined();
  });

  test('finish moves ACSPrevious and ACSCurrent explicitly and removes ACSPending', async () => {
    emulator.seed({
      name,
      versions: [
        { versionId: 'v1', data: 'one', stages: ['ACSPrevious'] },
        { versionId: 'v2', data: 'two', stages: ['ACSCurrent'] },
      ],
    });
    const session = await store.open(name, 'v3');
    await session.writePending('three');
    expect(stagesOf(emulator, name)).toEqual({ v1: ['ACSPrevious'], v2: ['ACSCurrent'], v3: ['ACSPending'] });
    emulator.resetCalls();
    await session.promote();
    expect(stagesOf(emulator, name)).toEqual({ v1: [], v2: ['ACSPrevious'], v3: ['ACSCurrent'] });
    expect(emulator.callCount('UpdateSecretVersionStage')).toBe(3);
  });

  test.each([
    ['after ACSPrevious moved', { v1: ['ACSCurrent', 'ACSPrevious'], v2: ['ACSPending'] }],
    ['after ACSCurrent moved', { v1: ['ACSPrevious'], v2: ['ACSCurrent', 'ACSPending'] }],
  ])('a finish interrupted %s is completed by the re-run', async (_case, interrupted) => {
    emulator.seed({
      name,
      versions: Object.entries(interrupted).map(([versionId, stages]) => ({ versionId, data: versionId, stages })),
    });
    await (await store.open(name, 'v2')).promote();
    expect(stagesOf(emulator, name)).toEqual({ v1: ['ACSPrevious'], v2: ['ACSCurrent'] });
  });

  test('a failed stage move is reported and leaves the token pending', async () => {
    seedSecret(emulator, name, 'one', { versionId: 'v1' });
    const session = await store.open(name, 'v2');
    await session.writePending('two');
    emulator.injectFault({ operation: 'UpdateSecretVersionStage', kind: 'error', response: emulator.errorResponse('Forbidden.NoPermission') });
    expect((await failure(session.promote())).code).toBe('StoreAccessDenied');
    expect((await store.open(name, 'v2')).stages).toEqual({ current: 'v1', pending: 'v2' });
  });

  test('a second write under the same token keeps the value already stored, and resolves to it', async () => {
    seedSecret(emulator, name, 'one');
    const session = await store.open(name, 'v2');
    await session.writePending('two');
    expect(await session.writePending('other')).toBe('two');
    expect(await session.read('pending')).toBe('two');
  });

  test('a token whose version is already current or previous is RotationTokenInvalid', async () => {
    emulator.seed({
      name,
      versions: [
        { versionId: 'v1', data: 'one', stages: ['ACSPrevious'] },
        { versionId: 'v2', data: 'two', stages: ['ACSCurrent'] },
      ],
    });
    expect((await failure((await store.open(name, 'v1')).writePending('again'))).code).toBe('RotationTokenInvalid');
    expect(stagesOf(emulator, name)).toEqual({ v1: ['ACSPrevious'], v2: ['ACSCurrent'] });
  });
});

describe('the pending claim', () => {
  test('another token\'s version holding ACSPending: RotationInProgress naming it, and nothing of ours is pending', async () => {
    seedSecret(emulator, name, 'one', { versionId: 'v1' });
    const ours = await store.open(name, 'v-ours');
    await (await store.open(name, 'v-rival')).writePending('rival');
    const error = await failure(ours.writePending('ours'));
    expect(error).toMatchObject({ code: 'RotationInProgress', pendingToken: 'v-rival', retryable: false });
    expect(stagesOf(emulator, name)).toMatchObject({ v1: ['ACSCurrent'], 'v-rival': ['ACSPending'] });
    expect(stagesOf(emulator, name)['v-ours'] ?? []).not.toContain('ACSPending');
  });

  test('a current that moved since open: RotationInProgress naming the new current', async () => {
    seedSecret(emulator, name, 'one', { versionId: 'v1' });
    const stale = await store.open(name, 'v-stale');
    const winner = await store.open(name, 'v-winner');
    await winner.writePending('two');
    await winner.promote();
    const error = await failure(stale.writePending('three'));
    expect(error).toMatchObject({ code: 'RotationInProgress', pendingToken: 'v-winner' });
    expect(Object.entries(stagesOf(emulator, name)).filter(([, labels]) => labels.includes('ACSPending'))).toEqual([]);
  });

  test('a first claim on a secret no rotation has touched creates one anchor version and moves ACSPending from it', async () => {
    seedSecret(emulator, name, 'one', { versionId: 'v1' });
    const session = await store.open(name, 'v2');
    expect(await session.writePending('two')).toBe('two');
    const secret = emulator.state().secrets.find((s) => s.name === name);
    expect(secret?.versions.map((v) => [v.versionId === 'v1' || v.versionId === 'v2' ? v.versionId : 'anchor', v.stages])).toEqual([
      ['v1', ['ACSCurrent']],
      ['v2', ['ACSPending']],
      ['anchor', []],
    ]);
    // The anchor holds no secret value, and open() does not take it for a rotation.
    expect(secret?.versions.find((v) => v.versionId !== 'v1' && v.versionId !== 'v2')?.data).not.toContain('one');
    expect((await store.open(name, 'v2')).stages).toEqual({ current: 'v1', pending: 'v2' });
  });

  test('an earlier attempt\'s value under this token is kept (its answer was lost), and the claim completes', async () => {
    seedSecret(emulator, name, 'one', { versionId: 'v1' });
    const session = await store.open(name, 'v2');
    emulator.injectFault({ operation: 'PutSecretValue', kind: 'lose-answer' });
    expect((await failure(session.writePending('first'))).code).toBe('StoreUnavailable');
    expect(await (await store.open(name, 'v2')).writePending('second')).toBe('first');
    expect(await (await store.open(name, 'v2')).read('pending')).toBe('first');
  });

  test('promote refuses a current that moved since open, naming it, and changes nothing', async () => {
    seedSecret(emulator, name, 'one', { versionId: 'v1' });
    const session = await store.open(name, 'v2');
    await session.writePending('two');
    emulator.seed({
      name,
      versions: [
        { versionId: 'v1', data: 'one', stages: ['ACSPrevious'] },
        { versionId: 'v2', data: 'two', stages: ['ACSPending'] },
        { versionId: 'v-elsewhere', data: 'three', stages: ['ACSCurrent'] },
      ],
    });
    const before = stagesOf(emulator, name);
    expect(await failure(session.promote())).toMatchObject({ code: 'RotationInProgress', pendingToken: 'v-elsewhere' });
    expect(stagesOf(emulator, name)).toEqual(before);
  });

  test('withdraw removes ACSPending from the token\'s version; the next rotation then claims it', async () => {
    seedSecret(emulator, name, 'one', { versionId: 'v1' });
    const first = await store.open(name, 'v2');
    await first.writePending('two');
    await first.withdraw?.();
    expect(stagesOf(emulator, name)['v2']).toEqual([]);
    const next = await store.open(name, 'v3');
    expect(next.stages).toEqual({ current: 'v1' });
    await next.writePending('three');
    await next.promote();
    expect(stagesOf(emulator, name)).toMatchObject({ v1: ['ACSPrevious'], v2: [], v3: ['ACSCurrent'] });
    // A withdraw by a token that no longer holds ACSPending changes nothing.
    const after = stagesOf(emulator, name);
    await first.withdraw?.();
    expect(stagesOf(emulator, name)).toEqual(after);
  });
});

describe('secret types', () => {
  test('a managed secret is refused with UnsupportedSecretTypeError before anything is read or written', async () => {
    seedSecret(emulator, name, { AccountName: 'app', AccountPassword: 'managed-Pass1' }, { type: 'Rds' });
    const error = await failure(store.open(name, 'v2'));
    expect(error).toBeInstanceOf(UnsupportedSecretTypeError);
    expect(error).toMatchObject({ code: 'RotationNotEnabled', field: 'SecretType', secretType: 'Rds' });
    expect(emulator.calls()).toEqual({ DescribeSecret: 1 });
  });

  test('a managed secret may still be the privileged secret another one names', async () => {
    seedSecret(emulator, name, { AccountName: 'admin', AccountPassword: 'managed-Pass1' }, { type: 'Rds' });
    expect(JSON.parse(await store.readCurrent(name))).toMatchObject({ AccountName: 'admin' });
  });
});

describe('errors', () => {
  test('not found is SecretNotFound, naming the action and the code only', async () => {
    const error = await failure(store.readCurrent('store/missing'));
    expect(error.code).toBe('SecretNotFound');
    expect(error.message).toBe('KMS GetSecretValue on store/missing failed: Forbidden.ResourceNotFound (HTTP 404)');
  });

  test('an unknown AccessKey or a wrong secret key is StoreAccessDenied, not SecretNotFound', async () => {
    seedSecret(emulator, name, 'one');
    for (const credentials of [
      { accessKeyId: 'no-such-key', accessKeySecret: KEY.accessKeySecret },
      { accessKeyId: KEY.accessKeyId, accessKeySecret: 'wrong-secret' },
    ]) {
      const stranger = new KmsSecretStore({ endpoint: emulator.endpoint, regionId: emulator.regionId, credentials, protocol: 'http' });
      const error = await failure(stranger.readCurrent(name));
      expect(error).toMatchObject({ code: 'StoreAccessDenied', retryable: false });
      expect(error.message).not.toContain('wrong-secret');
    }
  });

  test('throttling is retried; when it persists the step fails with a retryable StoreUnavailable', async () => {
    seedSecret(emulator, name, 'one');
    emulator.injectFault({ operation: 'GetSecretValue', kind: 'throttle', times: 2 });
    expect(await store.readCurrent(name)).toBe('one');
    expect(emulator.callCount('GetSecretValue')).toBe(3);
    emulator.injectFault({ operation: 'GetSecretValue', kind: 'error', times: 3 });
    const error = await failure(store.readCurrent(name));
    expect(error).toMatchObject({ code: 'StoreUnavailable', retryable: true });
    expect(error.message).toContain('InternalFailure (HTTP 500)');
  });

  test("a dropped connection on PutSecretValue never lets the client's URL-quoting message through", async () => {
    seedSecret(emulator, name, 'one');
    const session = await store.open(name, 'v2');
    emulator.injectFault({ operation: 'PutSecretValue', kind: 'drop', times: 3 });
    const error = await failure(session.writePending('{"AccountPassword":"leaky-Pass1"}'));
    expect(error).toMatchObject({ code: 'StoreUnavailable', retryable: true });
    expect(JSON.stringify({ message: error.message, stack: error.stack, cause: String(error.cause) })).not.toContain('leaky-Pass1');
    expect(error.cause).toBeUndefined();
  });

  test.each([
    ['Rejected.ResourceInDeleteWindow', 'RotationNotEnabled', false, 1],
    ['InvalidParameter', 'StepFailed', false, 1],
    ['Rejected.Throttling', 'StoreUnavailable', true, 3],
  ] as const)('KMS answering %s is %s (retryable: %s) after %i call(s), its code the cause', async (code, kind, retryable, calls) => {
    seedSecret(emulator, name, 'one');
    emulator.injectFault({ operation: 'GetSecretValue', kind: 'error', times: 3, response: emulator.errorResponse(code) });
    const error = await failure(store.readCurrent(name));
    expect(error).toMatchObject({ code: kind, retryable, cause: code });
    expect(error.message).toContain(`KMS GetSecretValue on ${name} failed: ${code} (HTTP `);
    expect(emulator.callCount('GetSecretValue')).toBe(calls);
  });

  test('a permission refusal is a non-retryable StoreAccessDenied', async () => {
    seedSecret(emulator, name, 'one');
    emulator.injectFault({ operation: 'DescribeSecret', kind: 'error', response: emulator.errorResponse('Forbidden.NoPermission') });
    const error = await failure(store.open(name, 'v2'));
    expect(error).toMatchObject({ code: 'StoreAccessDenied', retryable: false, cause: 'Forbidden.NoPermission' });
  });
});

describe('password generator', () => {
  test('GetRandomPassword gets the policy merged over rotakit\'s default', async () => {
    const password = await store.generatePassword({ length: 20, excludePunctuation: true });
    expect(password).toMatch(/^[A-Za-z0-9]{20}$/);
    expect(emulator.callCount('GetRandomPassword')).toBe(1);
  });

  test.each([
    [{ length: 7 }, 'length'],
    [{ length: 129 }, 'length'],
    [{ includeSpace: true }, 'includeSpace'],
  ])('a policy KMS cannot serve (%j) is PasswordPolicyInvalid before any call', async (policy, field) => {
    const error = await failure(store.generatePassword(policy));
    expect(isRotakitError(error, 'PasswordPolicyInvalid')).toBe(true);
    expect(error.field).toBe(field);
    expect(emulator.callCount('GetRandomPassword')).toBe(0);
  });
});
