// The Function Compute handler: event validation, the version id, STS credentials, and refusals
// that write nothing. The database side is core's MemoryTarget; the e2e files use real ones.
import { beforeEach, describe, expect, test } from 'vitest';
import { alternatingUsers, MemoryTarget, runStep, STEPS } from '@rotakit/core';
import type { AlibabaKmsEmulator, AlibabaRdsEmulator } from '@rotakit/testkit';
import { alibabaSchema, createFcHandler, InvalidEventError, kmsVpcEndpoint, parseFcEvent, versionIdOfExecution, type FcHandler } from '@rotakit/provider-alibaba';
import { rdsAccountApi } from '@rotakit/provider-alibaba/rds';
import { failure, KEY, kmsStore, seedSecret, stagesOf, withEmulators } from './helpers.js';

let kms: AlibabaKmsEmulator;
let rds: AlibabaRdsEmulator;
let target: MemoryTarget;
let handler: FcHandler;
const context = (requestId = 'req-0001') => ({ requestId, credentials: { ...KEY, securityToken: 'sts-token' } });
const secret = { Endpoint: 'db.internal', Port: 3306, AccountName: 'app', AccountPassword: 'Current-Pass1', MasterSecret: 'db/master' };

withEmulators((started) => ({ kms, rds } = started));
beforeEach(() => {
  seedSecret(kms, 'db/app', secret);
  seedSecret(kms, 'db/master', { AccountName: 'admin', AccountPassword: 'Admin-Pass1' });
  target = new MemoryTarget({
    tls: 'disable',
    users: { app: { password: 'Current-Pass1' }, admin: { password: 'Admin-Pass1', privileged: true } },
  });
  handler = createFcHandler({ target, strategy: alternatingUsers(), endpoint: kms.endpoint, protocol: 'http' });
  kms.resetCalls();
  rds.resetCalls();
});


describe('options', () => {
  const base = () => ({ target, strategy: alternatingUsers(), endpoint: kms.endpoint, protocol: 'http' as const });

  test.each([
    ['without a target', { target: undefined }, 'target'],
    ['without a strategy', { strategy: undefined }, 'strategy'],
    ['with an unknown option', { endpiont: 'x' }, 'endpiont'],
    ['with an empty endpoint', { endpoint: '' }, 'endpoint'],
    ['with a protocol that is not one', { protocol: 'ftp' }, 'protocol'],
    ['with retry attempts out of range', { retry: { attempts: 0 } }, 'retry.attempts'],
    ['with an unknown retry setting', { retry: { tries: 2 } }, 'retry.tries'],
    ['with a resumeInProgress that is no boolean', { resumeInProgress: 'no' }, 'resumeInProgress'],
  ])('a handler built %s is InvalidOptions naming %s, before any invocation', (_case, change, field) => {
    expect(() => createFcHandler({ ...base(), ...change } as never)).toThrow(expect.objectContaining({ code: 'InvalidOptions', field }));
  });

  test.each([
    ['kmsEndpoint', 'endpoint'],
    ['kmsProtocol', 'protocol'],
    ['kmsRetry', 'retry'],
  ])('the renamed option %s is refused, naming %s', (old, now) => {
    let thrown: unknown;
    try {
      createFcHandler({ ...base(), [old]: old === 'kmsRetry' ? { attempts: 2 } : 'http' } as never);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toMatchObject({ code: 'InvalidOptions', field: old });
    expect((thrown as Error).message).toContain(`renamed to ${now}`);
  });

  test('a target function gets the credentials core read for the step (current, then pending in test) and the invocation, and end does not call it', async () => {
    const seen: Array<{ username: string | undefined; step: string; versionId: string }> = [];
    const picking = createFcHandler({
      ...base(),
      target: (credentials, invocation) => {
        seen.push({ username: credentials.username, step: invocation.event.Step, versionId: invocation.versionId });
        expect(invocation.credential).toBeDefined();
        return target;
      },
    });
    const reads = async (rotation: () => Promise<unknown>): Promise<number> => {
      seedSecret(kms, 'db/app', secret);
      kms.resetCalls();
      await rotation();
      return kms.callCount('GetSecretValue');
    };
    const throughHandler = await reads(async () => {
      for (const Step of ['new', 'set', 'test', 'end']) await picking({ SecretName: 'db/app', RegionId: 'cn-hangzhou', ExecutionName: 'picked', Step }, context());
    });
    // Alternating users: the pending credentials name the alternate user.
    expect(seen).toEqual(
      [['new', 'app'], ['set', 'app'], ['test', 'app_rt']].map(([step, username]) => ({ username, step, versionId: 'picked' })),
    );
    // The handler reads nothing itself to pick the target: as many reads as core's own steps make.
    const store = kmsStore(kms);
    const throughCore = await reads(async () => {
      for (const step of STEPS) await runStep(step, { store, target: () => target, strategy: alternatingUsers(), schema: alibabaSchema, secretId: 'db/app', token: 'direct' });
    });
    expect(throughHandler).toBe(throughCore);
  });
});

describe('events', () => {
  test('a Buffer, a string and an object are read alike; unknown keys are ignored', () => {
    const event = { SecretName: 'db/app', RegionId: 'cn-hangzhou', Step: 'new', Extra: 1 };
    const parsed = { SecretName: 'db/app', RegionId: 'cn-hangzhou', Step: 'new' };
    expect(parseFcEvent(Buffer.from(JSON.stringify(event)))).toEqual(parsed);
    expect(parseFcEvent(JSON.stringify(event))).toEqual(parsed);
    expect(parseFcEvent(event)).toEqual(parsed);
  });

  test.each([
    ['not JSON', 'not json', '(event)'],
    ['an array', '[]', '(event)'],
    ['without SecretName', { RegionId: 'cn-hangzhou', Step: 'new' }, 'SecretName'],
    ['with a SecretName KMS cannot have', { SecretName: 'a b', RegionId: 'cn-hangzhou', Step: 'new' }, 'SecretName'],
    ['without RegionId', { SecretName: 'db/app', Step: 'new' }, 'RegionId'],
    ['with a hostile RegionId', { SecretName: 'db/app', RegionId: 'evil.com/x', Step: 'new' }, 'RegionId'],
    ['without Step', { SecretName: 'db/app', RegionId: 'cn-hangzhou' }, 'Step'],
    ['with an unknown Step', { SecretName: 'db/app', RegionId: 'cn-hangzhou', Step: 'createSecret' }, 'Step'],
    ['with a VersionId of another type', { SecretName: 'db/app', RegionId: 'cn-hangzhou', Step: 'set', VersionId: 7 }, 'VersionId'],
    ['with a malformed InstanceId', { SecretName: 'db/app', RegionId: 'cn-hangzhou', Step: 'set', InstanceId: 'RM 1' }, 'InstanceId'],
    ['with an ExecutionName CloudFlow cannot give', { SecretName: 'db/app', RegionId: 'cn-hangzhou', Step: 'new', ExecutionName: '1st run' }, 'ExecutionName'],
  ])('an event %s is InvalidEventError naming %s, and nothing is called', async (_case, event, field) => {
    const input = typeof event === 'string' ? Buffer.from(event) : Buffer.from(JSON.stringify(event));
    const error = await failure(handler(input, context()));
    expect(error).toBeInstanceOf(InvalidEventError);
    expect(error).toMatchObject({ code: 'InvalidOptions', field: field === '(event)' ? '(event)' : field });
    expect(kms.calls()).toEqual({});
  });

  test('a context without credentials is refused before any call', async () => {
    const error = await failure(handler({ SecretName: 'db/app', RegionId: 'cn-hangzhou', Step: 'new' }, { requestId: 'r1' }));
    expect(error).toMatchObject({ code: 'InvalidOptions', field: 'context.credentials' });
    expect(kms.calls()).toEqual({});
  });
});

describe('steps', () => {
  test('the version id defaults to the request id and is returned for the workflow', async () => {
    const result = await handler({ SecretName: 'db/app', RegionId: 'cn-hangzhou', Step: 'new' }, context('req-new-1'));
    expect(result).toEqual({ VersionId: 'req-new-1' });
    expect(stagesOf(kms, 'db/app')).toEqual({ 'v-initial': ['ACSCurrent'], 'req-new-1': ['ACSPending'] });
    // A later step with the VersionId the workflow carried addresses the same version.
    expect(await handler({ SecretName: 'db/app', RegionId: 'cn-hangzhou', Step: 'set', VersionId: 'req-new-1' }, context('req-set'))).toEqual({
      VersionId: 'req-new-1',
    });
  });

  test('the version id derives from the execution name: the same for every state and retry of the execution', async () => {
    const event = { SecretName: 'db/app', RegionId: 'cn-hangzhou', ExecutionName: 'schedule-20261201-a1' };
    expect(await handler({ ...event, Step: 'new' }, context('req-a'))).toEqual({ VersionId: 'schedule-20261201-a1' });
    expect(await handler({ ...event, Step: 'new' }, context('req-retry'))).toEqual({ VersionId: 'schedule-20261201-a1' });
    expect(await handler({ ...event, Step: 'set' }, context('req-b'))).toEqual({ VersionId: 'schedule-20261201-a1' });
    expect(stagesOf(kms, 'db/app')).toEqual({ 'v-initial': ['ACSCurrent'], 'schedule-20261201-a1': ['ACSPending'] });
  });

  test('an execution name longer than a VersionId may be keeps a prefix and a digest of the whole name', () => {
    const long = `exec_${'x'.repeat(100)}`;
    const versionId = versionIdOfExecution(long);
    expect(versionId).toHaveLength(64);
    expect(versionId.startsWith(long.slice(0, 23))).toBe(true);
    expect(versionIdOfExecution(long)).toBe(versionId);
    expect(versionIdOfExecution(`${long}y`)).not.toBe(versionId);
  });

  test('an invocation without a VersionId resumes the rotation pending under another one', async () => {
    await handler({ SecretName: 'db/app', RegionId: 'cn-hangzhou', Step: 'new', ExecutionName: 'yesterday' }, context());
    const today = { SecretName: 'db/app', RegionId: 'cn-hangzhou', ExecutionName: 'today' };
    for (const Step of ['new', 'set', 'test', 'end']) expect(await handler({ ...today, Step }, context())).toEqual({ VersionId: 'yesterday' });
    expect(stagesOf(kms, 'db/app')).toEqual({ 'v-initial': ['ACSPrevious'], yesterday: ['ACSCurrent'] });
    expect(target.accepts('app_rt', JSON.parse(kms.state().secrets.find((x) => x.name === 'db/app')!.versions.find((v) => v.versionId === 'yesterday')!.data).AccountPassword)).toBe(true);
  });

  test('a VersionId the event names, or resumeInProgress: false, is refused while another version is pending', async () => {
    await handler({ SecretName: 'db/app', RegionId: 'cn-hangzhou', Step: 'new', VersionId: 'v-first' }, context());
    const refused = await failure(handler({ SecretName: 'db/app', RegionId: 'cn-hangzhou', Step: 'new', VersionId: 'v-second' }, context()));
    expect(refused).toMatchObject({ code: 'RotationInProgress', pendingToken: 'v-first' });
    const strict = createFcHandler({ target, strategy: alternatingUsers(), endpoint: kms.endpoint, protocol: 'http', resumeInProgress: false });
    const alsoRefused = await failure(strict({ SecretName: 'db/app', RegionId: 'cn-hangzhou', Step: 'new', ExecutionName: 'other' }, context()));
    expect(alsoRefused).toMatchObject({ code: 'RotationInProgress', pendingToken: 'v-first' });
  });

  test.each([
    ['not JSON', 'not json', '(value)'],
    ['without AccountName', JSON.stringify({ ...secret, AccountName: undefined }), 'AccountName'],
    ['without Endpoint', JSON.stringify({ ...secret, Endpoint: undefined }), 'Endpoint'],
    ['with a Port that is not one', JSON.stringify({ ...secret, Port: 'x' }), 'Port'],
  ])('a current secret %s is InvalidSecretValue naming %s, and nothing is written', async (_case, value, field) => {
    seedSecret(kms, 'db/app', value);
    const error = await failure(handler({ SecretName: 'db/app', RegionId: 'cn-hangzhou', Step: 'new' }, context()));
    expect(error).toMatchObject({ code: 'InvalidSecretValue', field });
    expect(kms.callCount('PutSecretValue')).toBe(0);
    expect(target.passwordChanges).toEqual([]);
  });

  test('a managed secret is refused and nothing is written', async () => {
    seedSecret(kms, 'db/app', secret, { type: 'Rds' });
    const error = await failure(handler({ SecretName: 'db/app', RegionId: 'cn-hangzhou', Step: 'new' }, context()));
    expect(error).toMatchObject({ code: 'RotationNotEnabled', field: 'SecretType' });
    expect(kms.callCount('PutSecretValue')).toBe(0);
  });

  test('KMS is reached at the region\'s VPC endpoint unless told otherwise', () => {
    expect(kmsVpcEndpoint('cn-shanghai')).toBe('kms-vpc.cn-shanghai.aliyuncs.com');
  });
});

describe('scenario 1 refusals', () => {
  const rdsHandler = (options: Parameters<typeof rdsAccountApi>[0] = {}) =>
    createFcHandler({
      ...rdsAccountApi({ endpoint: rds.endpoint, protocol: 'http', ...options }),
      endpoint: kms.endpoint,
      protocol: 'http',
    });

  beforeEach(() => {
    rds.seed({ id: 'rm-pinned00001', databases: ['orders'], accounts: [{ name: 'app', password: 'Current-Pass1' }] });
    seedSecret(kms, 'db/rds-app', { AccountName: 'app', AccountPassword: 'Current-Pass1' });
  });

  // The target function runs after core's read of the current value, before anything is written.
  test('without an instance id in the event or the options, InstanceId is named, and nothing is written', async () => {
    const error = await failure(rdsHandler()({ SecretName: 'db/rds-app', RegionId: 'cn-hangzhou', Step: 'new', VersionId: 'v2' }, context()));
    expect(error).toMatchObject({ code: 'InvalidOptions', field: 'InstanceId' });
    expect(kms.callCount('PutSecretValue')).toBe(0);
    expect(rds.calls()).toEqual({});
  });

  test('an event naming another instance than the pinned one is refused, and nothing is written', async () => {
    const event = { SecretName: 'db/rds-app', RegionId: 'cn-hangzhou', Step: 'new', InstanceId: 'rm-other000001' };
    const error = await failure(rdsHandler({ dbInstanceId: 'rm-pinned00001' })(event, context()));
    expect(error).toMatchObject({ code: 'InvalidOptions', field: 'InstanceId' });
    expect(kms.callCount('PutSecretValue')).toBe(0);
    expect(rds.calls()).toEqual({});
  });

  test('a secret of the instance\'s high-privilege account is refused in new, before KMS is written', async () => {
    rds.seed({
      id: 'rm-pinned00001',
      databases: ['orders'],
      accounts: [
        { name: 'app', password: 'Current-Pass1' },
        { name: 'boss', password: 'Admin-Pass1', type: 'Super' },
      ],
    });
    seedSecret(kms, 'db/rds-app', { AccountName: 'boss', AccountPassword: 'Admin-Pass1' });
    const event = { SecretName: 'db/rds-app', RegionId: 'cn-hangzhou', Step: 'new', InstanceId: 'rm-pinned00001' };
    const error = await failure(rdsHandler({ engine: 'MySQL' })(event, context()));
    expect(error).toMatchObject({ code: 'PrivilegedSecretInvalid', field: 'AccountName' });
    expect(kms.callCount('PutSecretValue')).toBe(0);
    expect(Object.keys(rds.calls())).toEqual(['DescribeAccounts']);
  });

  test.each([
    ['an account name RDS would refuse for the other account', 'app-user', 'InvalidSecretValue', 'AccountName'],
    ['an account name whose _rt form is over the engine limit', 'a_sixteen_chars1', 'UsernameTooLong', 'AccountName'],
  ])('%s is refused in new, before KMS is written', async (_case, accountName, code, field) => {
    seedSecret(kms, 'db/rds-app', { AccountName: accountName, AccountPassword: 'Current-Pass1' });
    const event = { SecretName: 'db/rds-app', RegionId: 'cn-hangzhou', Step: 'new', InstanceId: 'rm-pinned00001' };
    const error = await failure(rdsHandler({ engine: 'MariaDB' })(event, context()));
    expect(error).toMatchObject({ code, field });
    expect(kms.callCount('PutSecretValue')).toBe(0);
    expect(rds.calls()).toEqual({});
  });
});
