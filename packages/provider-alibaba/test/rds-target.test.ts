// RdsAccountTarget through @alicloud/rds20140815 against the RDS account API emulator.
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { generatePassword, loginOf, silentLogger, type UserSyncRequest } from '@rotakit/core';
import { startAlibabaRdsEmulator, type AlibabaRdsEmulator } from '@rotakit/testkit';
import { checkRdsPassword, RdsAccountTarget, RDS_PASSWORD_CONSTRAINTS } from '@rotakit/provider-alibaba/rds';
import { failure, KEY } from './helpers.js';

const INSTANCE = 'rm-target000001';
let emulator: AlibabaRdsEmulator;
let target: RdsAccountTarget;

beforeAll(async () => {
  emulator = await startAlibabaRdsEmulator({ credentials: KEY });
  target = new RdsAccountTarget({ endpoint: emulator.endpoint, credentials: KEY, protocol: 'http', dbInstanceId: INSTANCE, engine: 'MySQL' });
});
afterAll(() => emulator.close());
beforeEach(() => {
  emulator.seed({
    id: INSTANCE,
    databases: ['orders', 'billing', 'audit'],
    accounts: [
      { name: 'app', password: 'Current-Pass1', privileges: { orders: 'ReadWrite', billing: 'ReadOnly' } },
      { name: 'gone', password: 'Gone-Pass1', status: 'Unavailable' },
    ],
  });
  emulator.resetCalls();
  emulator.clearFaults();
});

const login = (username: string, password = 'whatever-Pass1') => loginOf({ username, password }, target, silentLogger);


describe('connect', () => {
  test('an existing available account connects whatever the password: the API cannot check one', async () => {
    const session = await target.connect(login('app', 'not-the-password'));
    await session.ping();
    await session.close();
  });

  test('a missing or unavailable account is TargetAuthFailed', async () => {
    expect((await failure(target.connect(login('nobody')))).code).toBe('TargetAuthFailed');
    expect((await failure(target.connect(login('gone')))).code).toBe('TargetAuthFailed');
  });

  test('a session cannot change its own password: the target is for dual accounts', async () => {
    const session = await target.connect(login('app'));
    expect(await failure(session.setOwnPassword('New-Pass1'))).toMatchObject({ code: 'InvalidOptions', field: 'strategy' });
  });
});

describe('syncUser', () => {
  test('creates the other account with the source\'s type and privileges, then keeps them equal', async () => {
    const admin = await target.connectPrivileged();
    await admin.syncUser({ source: 'app', user: 'app_rt', password: 'Pending-Pass1' });
    expect(emulator.account(INSTANCE, 'app_rt')).toMatchObject({ password: 'Pending-Pass1', type: 'Normal' });
    const accounts = await target.introspect();
    expect(await accounts.inspectUser('app_rt')).toEqual({ ...(await accounts.inspectUser('app')), username: 'app_rt' });
    // The source changes; the next sync resets the password and revokes and grants to match.
    emulator.seed({
      ...emulator.state().instances[0]!,
      accounts: emulator.state().instances[0]!.accounts.map((a) =>
        a.name === 'app' ? { ...a, privileges: { orders: 'ReadOnly', audit: 'DMLOnly' } } : a,
      ),
    });
    emulator.resetCalls();
    await admin.syncUser({ source: 'app', user: 'app_rt', password: 'Pending-Pass2' });
    expect(emulator.account(INSTANCE, 'app_rt')).toMatchObject({ password: 'Pending-Pass2', privileges: { orders: 'ReadOnly', audit: 'DMLOnly' } });
    expect(emulator.calls()).toEqual({ DescribeAccounts: 2, ResetAccountPassword: 1, RevokeAccountPrivilege: 1, GrantAccountPrivilege: 1 });
    expect((await accounts.inspectUser('app_rt'))?.privileges).toEqual(['DMLOnly on audit', 'ReadOnly on orders']);
    expect(await accounts.inspectUser('nobody')).toBeUndefined();
    await accounts.close();
  });

  test('a create that finds the account already made (a retried first attempt) resets its password instead', async () => {
    const admin = await target.connectPrivileged();
    // The create is held until the account appears, as if an earlier attempt had made it.
    emulator.injectFault({ operation: 'CreateAccount', kind: 'latency', ms: 500 });
    const sync = admin.syncUser({ source: 'app', user: 'app_rt', password: 'Pending-Pass1' });
    while (emulator.callCount('CreateAccount') === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    const instance = emulator.state().instances[0]!;
    emulator.seed({
      ...instance,
      accounts: [...instance.accounts, { name: 'app_rt', password: 'Old-Pass1', type: 'Normal', status: 'Available', description: '', privileges: { audit: 'ReadOnly' } }],
    });
    await sync;
    expect(emulator.account(INSTANCE, 'app_rt')).toMatchObject({ password: 'Pending-Pass1', privileges: { orders: 'ReadWrite', billing: 'ReadOnly' } });
  });

  test.each([
    ['a name RDS refuses', { user: 'app-rt', password: 'Pending-Pass1' }, 'InvalidSecretValue', 'AccountName'],
    ['a name over the limit', { user: 'a'.repeat(33), password: 'Pending-Pass1' }, 'InvalidSecretValue', 'AccountName'],
    ['a password with a character RDS refuses', { user: 'app_rt', password: 'Pending~Pass1' }, 'InvalidSecretValue', 'AccountPassword'],
    ['a password of two classes', { user: 'app_rt', password: 'pendingpass' }, 'InvalidSecretValue', 'AccountPassword'],
    ['a missing password', { user: 'app_rt' }, 'InvalidSecretValue', 'AccountPassword'],
    ['a missing name', { password: 'Pending-Pass1' }, 'InvalidSecretValue', 'AccountName'],
  ])('%s is refused before any call, saying nothing changed', async (_case, request, code, field) => {
    const admin = await target.connectPrivileged();
    expect(await failure(admin.syncUser({ source: 'app', ...request } as UserSyncRequest))).toMatchObject({ code, field, changedNothing: true });
    expect(emulator.calls()).toEqual({});
  });

  test('a source with privileges the API cannot grant, or another account type, is refused before any write', async () => {
    emulator.seed({
      id: INSTANCE,
      databases: ['orders'],
      accounts: [
        { name: 'app', password: 'Current-Pass1', privileges: { orders: 'Custom' } },
        { name: 'boss', password: 'Current-Pass1', type: 'Super' },
        { name: 'boss_rt', password: 'Current-Pass1', type: 'Normal' },
      ],
    });
    const admin = await target.connectPrivileged();
    const ungrantable = await failure(admin.syncUser({ source: 'app', user: 'app_rt', password: 'Pending-Pass1' }));
    expect(ungrantable).toMatchObject({ code: 'StepFailed', changedNothing: true });
    expect(ungrantable.message).toContain('Custom on orders');
    const otherType = await failure(admin.syncUser({ source: 'boss', user: 'boss_rt', password: 'Pending-Pass1', allowAdministrativeSource: true }));
    expect(otherType).toMatchObject({ code: 'StepFailed', changedNothing: true });
    expect(otherType.message).toContain('type');
    expect(Object.keys(emulator.calls())).toEqual(['DescribeAccounts']);
  });
});

describe('administrative accounts', () => {
  const seedWith = (engine: 'MySQL' | 'SQLServer', admins: Array<{ name: string; type: 'Super' | 'Sysadmin' }>) =>
    emulator.seed({
      id: INSTANCE,
      engine,
      databases: ['orders'],
      accounts: [
        { name: 'app', password: 'Current-Pass1', privileges: { orders: 'ReadWrite' } },
        ...admins.map((a) => ({ ...a, password: 'Admin-Pass1' })),
      ],
    });

  test.each([
    ['MySQL', 'Super'],
    ['SQLServer', 'Sysadmin'],
  ] as const)('%s: a %s source is refused before any write unless allowAdministrativeSource', async (engine, type) => {
    seedWith(engine, [{ name: 'boss', type }]);
    const engineTarget = new RdsAccountTarget({ endpoint: emulator.endpoint, credentials: KEY, protocol: 'http', dbInstanceId: INSTANCE, engine });
    const admin = await engineTarget.connectPrivileged();
    const refused = await failure(admin.syncUser({ source: 'boss', user: 'boss_rt', password: 'Pending-Pass1' }));
    expect(refused).toMatchObject({ code: 'AdministrativeSource', field: 'source', right: type, changedNothing: true });
    expect(refused.message).not.toContain('Pending-Pass1');
    expect(Object.keys(emulator.calls())).toEqual(['DescribeAccounts']);
    await admin.syncUser({ source: 'boss', user: 'boss_rt', password: 'Pending-Pass1', allowAdministrativeSource: true });
    expect(emulator.account(INSTANCE, 'boss_rt')).toMatchObject({ type, password: 'Pending-Pass1' });
  });

  test.each([
    ['MySQL', 'Super'],
    ['SQLServer', 'Sysadmin'],
  ] as const)('%s: a %s account is never the user changed, even with allowAdministrativeSource', async (engine, type) => {
    seedWith(engine, [{ name: 'boss', type }]);
    const engineTarget = new RdsAccountTarget({ endpoint: emulator.endpoint, credentials: KEY, protocol: 'http', dbInstanceId: INSTANCE, engine });
    const admin = await engineTarget.connectPrivileged();
    const refused = await failure(admin.syncUser({ source: 'app', user: 'boss', password: 'Pending-Pass1', allowAdministrativeSource: true }));
    expect(refused).toMatchObject({ code: 'PrivilegedSecretInvalid', field: 'user', changedNothing: true });
    expect(Object.keys(emulator.calls())).toEqual(['DescribeAccounts']);
    expect(emulator.account(INSTANCE, 'boss')?.password).toBe('Admin-Pass1');
  });
});

describe('identity', () => {
  test('an account\'s session names the instance and the account', async () => {
    const session = await target.connect(login('app'));
    expect(await session.identity?.()).toEqual({ server: INSTANCE, user: 'app' });
  });

  test('the privileged session names the instance and its high-privilege account', async () => {
    emulator.seed({
      id: INSTANCE,
      databases: ['orders'],
      accounts: [
        { name: 'app', password: 'Current-Pass1' },
        { name: 'boss', password: 'Admin-Pass1', type: 'Super' },
      ],
    });
    expect(await (await target.connectPrivileged()).identity?.()).toEqual({ server: INSTANCE, user: 'boss' });
  });

  test('without a high-privilege account, the privileged session names no account of the instance', async () => {
    const identity = await (await target.connectPrivileged()).identity?.();
    expect(identity?.server).toBe(INSTANCE);
    for (const account of emulator.state().instances[0]?.accounts ?? []) expect(identity?.user).not.toBe(account.name);
    expect(() => target.checkUsername(identity?.user as string)).toThrow();
  });

  test('sessions on another instance name another server', async () => {
    emulator.seed({ id: 'rm-other0000001', databases: [], accounts: [{ name: 'app', password: 'Current-Pass1' }] });
    const elsewhere = new RdsAccountTarget({ endpoint: emulator.endpoint, credentials: KEY, protocol: 'http', dbInstanceId: 'rm-other0000001', engine: 'MySQL' });
    const [here, there] = await Promise.all([target.connect(login('app')), elsewhere.connect(login('app'))]);
    expect((await here.identity?.())?.server).not.toBe((await there.identity?.())?.server);
  });
});

describe('errors', () => {
  test('throttling is retried by the SDK; a missing instance is a non-retryable StepFailed', async () => {
    emulator.injectFault({ operation: 'DescribeAccounts', kind: 'throttle' });
    await (await target.connect(login('app'))).close();
    expect(emulator.callCount('DescribeAccounts')).toBe(2);
    const elsewhere = new RdsAccountTarget({ endpoint: emulator.endpoint, credentials: KEY, protocol: 'http', dbInstanceId: 'rm-missing0001' });
    const error = await failure(elsewhere.connect(login('app')));
    expect(error).toMatchObject({ code: 'StepFailed', retryable: false });
    expect(error.message).toBe('RDS DescribeAccounts on rm-missing0001 failed: InvalidDBInstanceId.NotFound (HTTP 404)');
  });

  test('an unanswered CreateAccount is a retryable TargetUnreachable that does not quote the request', async () => {
    emulator.injectFault({ operation: 'CreateAccount', kind: 'drop', times: 5 });
    const admin = await target.connectPrivileged();
    const error = await failure(admin.syncUser({ source: 'app', user: 'app_rt', password: 'Leaky-Pass1' }));
    expect(error).toMatchObject({ code: 'TargetUnreachable', retryable: true });
    expect(`${error.message} ${error.stack} ${String(error.cause)}`).not.toContain('Leaky-Pass1');
  });

  test('options are checked when the target is made', () => {
    const base = { endpoint: emulator.endpoint, credentials: KEY };
    expect(() => new RdsAccountTarget({ ...base, dbInstanceId: 'bad id' })).toThrow(expect.objectContaining({ field: 'dbInstanceId' }));
    expect(() => new RdsAccountTarget({ ...base, dbInstanceId: INSTANCE, engine: 'Oracle' as never })).toThrow(expect.objectContaining({ field: 'engine' }));
  });
});

describe('password rules', () => {
  test('passwords generated under the RDS constraints always pass the RDS rules', () => {
    for (let i = 0; i < 200; i += 1) expect(() => checkRdsPassword(generatePassword({}, RDS_PASSWORD_CONSTRAINTS))).not.toThrow();
  });

  test('engine limits follow the engine, 16 without one', () => {
    const base = { endpoint: emulator.endpoint, credentials: KEY, dbInstanceId: INSTANCE };
    expect(new RdsAccountTarget(base).maxUsernameLength).toBe(16);
    expect(new RdsAccountTarget({ ...base, engine: 'MySQL' }).maxUsernameLength).toBe(32);
    expect(new RdsAccountTarget({ ...base, engine: 'MariaDB' }).maxUsernameLength).toBe(16);
    expect(new RdsAccountTarget({ ...base, engine: 'MySQL', maxUsernameLength: 20 }).maxUsernameLength).toBe(20);
  });
});
