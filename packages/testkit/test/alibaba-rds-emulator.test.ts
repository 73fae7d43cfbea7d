// The RDS account API emulator, driven through the unmodified @alicloud/rds20140815 client (ACS3 signatures).
import { createRequire } from 'node:module';
import * as $OpenApi from '@alicloud/openapi-core';
import * as $Rds from '@alicloud/rds20140815';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { startAlibabaRdsEmulator, type AlibabaRdsEmulator } from '../src/index.js';

const require = createRequire(import.meta.url);
const Rds = (require('@alicloud/rds20140815') as typeof $Rds.default).default;
type Rds = InstanceType<typeof Rds>;

const KEY = { accessKeyId: 'LTAI5tRdsEmulator', accessKeySecret: 'rds-emulator-secret' };
const INSTANCE = 'rm-emulated0001';

let emulator: AlibabaRdsEmulator;
let client: Rds;

function rdsClient(options: { accessKeySecret?: string; securityToken?: string } = {}): Rds {
  return new Rds(
    new $OpenApi.$OpenApiUtil.Config({
      ...KEY,
      ...options,
      regionId: 'cn-hangzhou',
      endpoint: emulator.endpoint,
      protocol: 'http',
    }),
  );
}

async function rejection(call: Promise<unknown>): Promise<{ name: string; code: string; statusCode: number; message: string }> {
  try {
    await call;
  } catch (error) {
    return error as { name: string; code: string; statusCode: number; message: string };
  }
  throw new Error('expected the call to fail');
}

beforeAll(async () => {
  emulator = await startAlibabaRdsEmulator({ credentials: KEY });
  client = rdsClient();
});
afterAll(() => emulator.close());
beforeEach(() => {
  emulator.seed({
    id: INSTANCE,
    engine: 'MySQL',
    engineVersion: '8.0',
    databases: ['orders', 'billing', 'audit'],
    accounts: [{ name: 'app', password: 'Initial-Pass1', type: 'Normal', privileges: { orders: 'ReadWrite', billing: 'ReadOnly' } }],
  });
  emulator.resetCalls();
  emulator.clearFaults();
});

const describeAccount = (accountName: string) =>
  client.describeAccounts(new $Rds.DescribeAccountsRequest({ DBInstanceId: INSTANCE, accountName }));

describe('account calls', () => {
  test('DescribeAccounts casts to the model with its mixed key casing', async () => {
    const response = await describeAccount('app');
    expect(response.statusCode).toBe(200);
    expect(response.body?.totalRecordCount).toBe(1);
    const account = response.body?.accounts?.DBInstanceAccount?.[0];
    expect(account).toMatchObject({ accountName: 'app', accountType: 'Normal', accountStatus: 'Available', DBInstanceId: INSTANCE });
    expect(account?.databasePrivileges?.databasePrivilege?.map((p) => [p.DBName, p.accountPrivilege])).toEqual([
      ['orders', 'ReadWrite'],
      ['billing', 'ReadOnly'],
    ]);
    expect((await describeAccount('nobody')).body?.accounts?.DBInstanceAccount).toEqual([]);
  });

  test('CreateAccount, ResetAccountPassword, GrantAccountPrivilege (lists) and RevokeAccountPrivilege change the state', async () => {
    await client.createAccount(
      new $Rds.CreateAccountRequest({ DBInstanceId: INSTANCE, accountName: 'app_rt', accountPassword: 'Second-Pass2', accountType: 'Normal' }),
    );
    expect(emulator.account(INSTANCE, 'app_rt')).toMatchObject({ password: 'Second-Pass2', type: 'Normal', privileges: {} });
    await client.resetAccountPassword(
      new $Rds.ResetAccountPasswordRequest({ DBInstanceId: INSTANCE, accountName: 'app_rt', accountPassword: 'Third-Pass3' }),
    );
    await client.grantAccountPrivilege(
      new $Rds.GrantAccountPrivilegeRequest({ DBInstanceId: INSTANCE, accountName: 'app_rt', DBName: 'orders,audit', accountPrivilege: 'ReadWrite,DMLOnly' }),
    );
    await client.revokeAccountPrivilege(new $Rds.RevokeAccountPrivilegeRequest({ DBInstanceId: INSTANCE, accountName: 'app_rt', DBName: 'audit' }));
    expect(emulator.account(INSTANCE, 'app_rt')).toMatchObject({ password: 'Third-Pass3', privileges: { orders: 'ReadWrite' } });
    expect(emulator.calls()).toEqual({ CreateAccount: 1, ResetAccountPassword: 1, GrantAccountPrivilege: 1, RevokeAccountPrivilege: 1 });
  });
});

describe('account rules and errors', () => {
  test('a missing instance is ClientError InvalidDBInstanceId.NotFound with status 404', async () => {
    const error = await rejection(client.describeAccounts(new $Rds.DescribeAccountsRequest({ DBInstanceId: 'rm-missing000' })));
    expect(error).toMatchObject({ name: 'ClientError', code: 'InvalidDBInstanceId.NotFound', statusCode: 404 });
    expect(error.message).toMatch(/^InvalidDBInstanceId\.NotFound: code: 404, The specified instance is not found\. request id: /);
  });

  test.each([
    ['a name over the engine limit', 'a'.repeat(33), 'Good-Pass1', 'InvalidAccountName.Malformed'],
    ['a name ending in an underscore', 'app_', 'Good-Pass1', 'InvalidAccountName.Malformed'],
    ['a name starting with a digit', '1app', 'Good-Pass1', 'InvalidAccountName.Malformed'],
    ['a duplicate name, case aside', 'APP', 'Good-Pass1', 'InvalidAccountName.Duplicate'],
    ['a short password', 'other', 'Ab1-', 'InvalidAccountPassword.Malformed'],
    ['a password of two classes', 'other', 'alllowercase1', 'InvalidAccountPassword.Malformed'],
    ['a password with a special RDS refuses', 'other', 'Good~Pass1', 'InvalidAccountPassword.Malformed'],
  ])('CreateAccount refuses %s and writes nothing', async (_case, accountName, accountPassword, code) => {
    const error = await rejection(
      client.createAccount(new $Rds.CreateAccountRequest({ DBInstanceId: INSTANCE, accountName, accountPassword })),
    );
    expect(error).toMatchObject({ name: 'ClientError', code, statusCode: 400 });
    expect(emulator.state().instances[0]?.accounts.map((a) => a.name)).toEqual(['app']);
  });

  test('MariaDB and MySQL 5.6 allow 16 characters', async () => {
    emulator.seed({ id: 'rm-mariadb0001', engine: 'MariaDB', databases: [] });
    const create = (accountName: string) =>
      client.createAccount(new $Rds.CreateAccountRequest({ DBInstanceId: 'rm-mariadb0001', accountName, accountPassword: 'Good-Pass1' }));
    await create('a'.repeat(16));
    expect((await rejection(create('b'.repeat(17)))).code).toBe('InvalidAccountName.Malformed');
  });

  test('grants need existing databases, matching lists and the engine\'s privileges', async () => {
    const grant = (DBName: string, accountPrivilege: string) =>
      client.grantAccountPrivilege(new $Rds.GrantAccountPrivilegeRequest({ DBInstanceId: INSTANCE, accountName: 'app', DBName, accountPrivilege }));
    expect((await rejection(grant('nowhere', 'ReadOnly'))).code).toBe('InvalidDBName.NotFound');
    expect((await rejection(grant('orders,audit', 'ReadOnly'))).code).toBe('InvalidParameter');
    expect((await rejection(grant('audit', 'DBOwner'))).code).toBe('InvalidAccountPrivilege.Malformed');
    expect(emulator.account(INSTANCE, 'app')?.privileges).toEqual({ orders: 'ReadWrite', billing: 'ReadOnly' });
  });

  test('an unknown account is InvalidAccountName.NotFound', async () => {
    const reset = new $Rds.ResetAccountPasswordRequest({ DBInstanceId: INSTANCE, accountName: 'ghost', accountPassword: 'Good-Pass1' });
    expect(await rejection(client.resetAccountPassword(reset))).toMatchObject({ code: 'InvalidAccountName.NotFound', statusCode: 404 });
  });
});

describe('DescribeDBInstances', () => {
  // Instances of their own region, so the account tests' instance stays out of the lists.
  const REGION = 'cn-shanghai';
  beforeEach(() => {
    emulator.seed([
      { id: 'rm-sh-primary', regionId: REGION, engine: 'MySQL', engineVersion: '8.0', description: 'orders' },
      { id: 'rr-sh-replica', regionId: REGION, engine: 'MySQL', engineVersion: '8.0', role: 'Readonly', masterInstanceId: 'rm-sh-primary' },
      { id: 'pgm-sh-other', regionId: REGION, engine: 'PostgreSQL', engineVersion: '16.0', status: 'Creating' },
    ]);
  });
  const describeInstances = (request: Record<string, unknown>) =>
    client.describeDBInstances(new $Rds.DescribeDBInstancesRequest({ regionId: REGION, ...request }));
  const idsOf = (response: Awaited<ReturnType<typeof describeInstances>>) => response.body?.items?.DBInstance?.map((i) => i.DBInstanceId);

  test("lists the region's instances in Items.DBInstance with their role, endpoint, primary and read-only instances", async () => {
    const response = await describeInstances({});
    expect(response.body).toMatchObject({ pageNumber: 1, pageRecordCount: 3, totalRecordCount: 3 });
    const [primary, replica, other] = response.body?.items?.DBInstance ?? [];
    expect(primary).toMatchObject({
      DBInstanceId: 'rm-sh-primary',
      DBInstanceDescription: 'orders',
      regionId: REGION,
      zoneId: `${REGION}-b`,
      engine: 'MySQL',
      engineVersion: '8.0',
      DBInstanceStatus: 'Running',
      DBInstanceType: 'Primary',
      connectionString: 'rm-sh-primary.mysql.rds.aliyuncs.com',
      readOnlyDBInstanceIds: { readOnlyDBInstanceId: [{ DBInstanceId: 'rr-sh-replica' }] },
    });
    expect(primary?.createTime).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    expect(primary?.masterInstanceId).toBeUndefined();
    expect(replica).toMatchObject({ DBInstanceType: 'Readonly', masterInstanceId: 'rm-sh-primary', connectionString: 'rr-sh-replica.mysql.rds.aliyuncs.com' });
    expect(other).toMatchObject({ engine: 'PostgreSQL', DBInstanceStatus: 'Creating', connectionString: 'pgm-sh-other.pg.rds.aliyuncs.com' });
    expect(idsOf(await describeInstances({ regionId: 'cn-beijing' }))).toEqual([]);
  });

  test('narrows by instance ids, endpoint, engine, status and role, and pages', async () => {
    expect(idsOf(await describeInstances({ DBInstanceId: 'rr-sh-replica,pgm-sh-other' }))).toEqual(['rr-sh-replica', 'pgm-sh-other']);
    expect(idsOf(await describeInstances({ connectionString: 'rr-sh-replica.mysql.rds.aliyuncs.com' }))).toEqual(['rr-sh-replica']);
    expect(idsOf(await describeInstances({ engine: 'PostgreSQL' }))).toEqual(['pgm-sh-other']);
    expect(idsOf(await describeInstances({ DBInstanceStatus: 'Running', DBInstanceType: 'Primary' }))).toEqual(['rm-sh-primary']);
    const second = await describeInstances({ pageSize: 2, pageNumber: 2 });
    expect(second.body).toMatchObject({ pageNumber: 2, pageRecordCount: 1, totalRecordCount: 3 });
    expect(idsOf(second)).toEqual(['pgm-sh-other']);
  });

  test('needs RegionId, and a page size of 1 to 100', async () => {
    const missing = await rejection(client.describeDBInstances(new $Rds.DescribeDBInstancesRequest({})));
    expect(missing).toMatchObject({ code: 'MissingRegionId', statusCode: 400 });
    expect(await rejection(describeInstances({ pageSize: 101 }))).toMatchObject({ code: 'InvalidParameter', statusCode: 400 });
  });
});

describe('signatures and faults', () => {
  test('a request signed with another secret is refused; STS tokens are accepted', async () => {
    const error = await rejection(rdsClient({ accessKeySecret: 'wrong' }).describeAccounts(new $Rds.DescribeAccountsRequest({ DBInstanceId: INSTANCE })));
    expect(error).toMatchObject({ code: 'SignatureDoesNotMatch', statusCode: 400 });
    const sts = await rdsClient({ securityToken: 'sts-token' }).describeAccounts(new $Rds.DescribeAccountsRequest({ DBInstanceId: INSTANCE }));
    expect(sts.body?.totalRecordCount).toBe(1);
  });

  test('throttling is a ThrottlingError and an injected error a ServerError; neither writes', async () => {
    emulator.injectFault({ operation: 'CreateAccount', kind: 'throttle' });
    const create = () =>
      client.createAccount(new $Rds.CreateAccountRequest({ DBInstanceId: INSTANCE, accountName: 'app_rt', accountPassword: 'Good-Pass1' }));
    expect(await rejection(create())).toMatchObject({ name: 'ThrottlingError', code: 'Throttling.User' });
    emulator.injectFault({ operation: 'CreateAccount', kind: 'error' });
    expect(await rejection(create())).toMatchObject({ name: 'ServerError', code: 'InternalError', statusCode: 500 });
    expect(emulator.account(INSTANCE, 'app_rt')).toBeUndefined();
  });
});
