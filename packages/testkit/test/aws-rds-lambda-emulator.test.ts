import { AddPermissionCommand, GetFunctionCommand, InvokeCommand, LambdaClient, ResourceConflictException, ResourceNotFoundException } from '@aws-sdk/client-lambda';
import {
  DBClusterNotFoundFault,
  DBInstanceNotFoundFault,
  DescribeDBClustersCommand,
  DescribeDBInstancesCommand,
  RDSClient,
} from '@aws-sdk/client-rds';
import { CreateSecretCommand, DescribeSecretCommand, RotateSecretCommand } from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AWS_EMULATOR_CREDENTIALS,
  startAwsLambdaEmulator,
  startAwsRdsEmulator,
  startAwsSecretsManagerEmulator,
  type AwsLambdaEmulator,
  type AwsRdsEmulator,
  type AwsSecretsManagerEmulator,
  type RotationEvent,
} from '../src/index.js';
import { clientFor, expectAwsError, token } from './aws-emulator-helpers.js';

const testConfig = (endpoint: string) => ({
  endpoint,
  region: 'us-east-1',
  credentials: AWS_EMULATOR_CREDENTIALS,
  maxAttempts: 1,
});

describe('RDS emulator, through the official RDSClient', () => {
  let rds: AwsRdsEmulator;
  let client: RDSClient;
  beforeAll(async () => {
    rds = await startAwsRdsEmulator();
    client = new RDSClient(testConfig(rds.url));
    rds.seedCluster({
      identifier: 'orders',
      engine: 'aurora-postgresql',
      masterUsername: 'admin',
      databaseName: 'orders',
      members: [
        { instanceIdentifier: 'orders-1', writer: true },
        { instanceIdentifier: 'orders-2', writer: false },
      ],
      masterUserSecretArn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:rds!cluster-1-AbCdEf',
    });
    rds.seedInstance({ identifier: 'orders-1', engine: 'aurora-postgresql', clusterIdentifier: 'orders' });
    rds.seedInstance({ identifier: 'shop', engine: 'mysql', masterUsername: 'root', dbName: 'shop' });
    rds.seedInstance({ identifier: 'shop-replica', engine: 'mysql', readReplicaSourceIdentifier: 'shop' });
  });
  afterAll(async () => {
    client.destroy();
    await rds.close();
  });

  it('describes a cluster by identifier and by ARN, members and managed secret included', async () => {
    for (const id of ['orders', rds.clusterArn('orders')]) {
      const { DBClusters } = await client.send(new DescribeDBClustersCommand({ DBClusterIdentifier: id }));
      expect(DBClusters).toHaveLength(1);
      const cluster = DBClusters?.[0];
      expect(cluster).toMatchObject({
        DBClusterIdentifier: 'orders',
        DBClusterArn: rds.clusterArn('orders'),
        Engine: 'aurora-postgresql',
        Endpoint: 'orders.cluster-c0ffee123456.us-east-1.rds.amazonaws.com',
        ReaderEndpoint: 'orders.cluster-ro-c0ffee123456.us-east-1.rds.amazonaws.com',
        Port: 5432,
        MasterUsername: 'admin',
        DatabaseName: 'orders',
        DBClusterMembers: [
          { DBInstanceIdentifier: 'orders-1', IsClusterWriter: true },
          { DBInstanceIdentifier: 'orders-2', IsClusterWriter: false },
        ],
        MasterUserSecret: { SecretArn: expect.stringContaining('rds!cluster-1'), SecretStatus: 'active' },
      });
    }
  });

  it('describes instances: endpoint, replica source, cluster', async () => {
    const { DBInstances } = await client.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: 'shop-replica' }));
    expect(DBInstances?.[0]).toMatchObject({
      DBInstanceIdentifier: 'shop-replica',
      Engine: 'mysql',
      Endpoint: { Address: 'shop-replica.c0ffee123456.us-east-1.rds.amazonaws.com', Port: 3306 },
      ReadReplicaSourceDBInstanceIdentifier: 'shop',
    });
    const all = await client.send(new DescribeDBInstancesCommand({}));
    expect(all.DBInstances?.map((i) => i.DBInstanceIdentifier)).toEqual(['orders-1', 'shop', 'shop-replica']);
    const byArn = await client.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: rds.instanceArn('orders-1') }));
    expect(byArn.DBInstances?.[0]?.DBClusterIdentifier).toBe('orders');
  });

  it('answers the modelled not-found faults', async () => {
    const cluster = await client.send(new DescribeDBClustersCommand({ DBClusterIdentifier: 'nope' })).catch((e: unknown) => e);
    expect(cluster).toBeInstanceOf(DBClusterNotFoundFault);
    expect((cluster as Error).message).toBe('DBCluster nope not found.');
    const instance = await client.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: 'nope' })).catch((e: unknown) => e);
    expect(instance).toBeInstanceOf(DBInstanceNotFoundFault);
    expect(rds.calls('DescribeDBInstances')).toBeGreaterThan(0);
  });
});

describe('Lambda emulator, through the official LambdaClient, connected to Secrets Manager', () => {
  let lambda: AwsLambdaEmulator;
  let sm: AwsSecretsManagerEmulator;
  let client: LambdaClient;
  const events: RotationEvent[] = [];
  beforeAll(async () => {
    lambda = await startAwsLambdaEmulator();
    sm = await startAwsSecretsManagerEmulator({ rotation: { driving: 'before-response' } });
    sm.useLambda(lambda);
    client = new LambdaClient(testConfig(lambda.url));
    lambda.addFunction('echo', (event) => ({ received: event }));
    lambda.addFunction('broken', () => {
      throw new TypeError('no such column');
    });
    lambda.addFunction('recorder', (event) => {
      events.push(event as RotationEvent);
    });
  });
  afterAll(async () => {
    client.destroy();
    await Promise.all([lambda.close(), sm.close()]);
  });

  it('GetFunction answers the configuration by name or ARN, and 404 for an unknown function', async () => {
    const byName = await client.send(new GetFunctionCommand({ FunctionName: 'echo' }));
    expect(byName.Configuration?.FunctionArn).toBe('arn:aws:lambda:us-east-1:123456789012:function:echo');
    const byArn = await client.send(new GetFunctionCommand({ FunctionName: byName.Configuration?.FunctionArn }));
    expect(byArn.Configuration?.FunctionName).toBe('echo');
    const missing = await client.send(new GetFunctionCommand({ FunctionName: 'ghost' })).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(ResourceNotFoundException);
    expect((missing as ResourceNotFoundException).$metadata.httpStatusCode).toBe(404);
  });

  it('Invoke returns the result, and a function error as FunctionError with its payload', async () => {
    const ok = await client.send(new InvokeCommand({ FunctionName: 'echo', Payload: JSON.stringify({ a: 1 }) }));
    expect(ok.FunctionError).toBeUndefined();
    expect(JSON.parse(Buffer.from(ok.Payload ?? new Uint8Array()).toString('utf8'))).toEqual({ received: { a: 1 } });
    const failed = await client.send(new InvokeCommand({ FunctionName: 'broken', Payload: '{}' }));
    expect(failed.FunctionError).toBe('Unhandled');
    expect(JSON.parse(Buffer.from(failed.Payload ?? new Uint8Array()).toString('utf8'))).toEqual({
      errorType: 'TypeError',
      errorMessage: 'no such column',
    });
  });

  it("stops a function at its timeout: Invoke answers Lambda's timeout payload, RotateSecret sees a function error", async () => {
    const arn = lambda.addFunction('stuck', () => new Promise(() => undefined), { timeoutMs: 200 });
    const configuration = (await client.send(new GetFunctionCommand({ FunctionName: 'stuck' }))).Configuration;
    expect(configuration?.Timeout).toBe(1);
    expect((await client.send(new GetFunctionCommand({ FunctionName: 'echo' }))).Configuration?.Timeout).toBe(3);
    const invoked = await client.send(new InvokeCommand({ FunctionName: 'stuck', Payload: '{}' }));
    expect(invoked.FunctionError).toBe('Unhandled');
    expect(JSON.parse(Buffer.from(invoked.Payload ?? new Uint8Array()).toString('utf8'))).toEqual({
      errorMessage: expect.stringMatching(/^\S+Z [0-9a-f-]{36} Task timed out after 0\.20 seconds$/),
    });
    await client.send(
      new AddPermissionCommand({ FunctionName: 'stuck', StatementId: 'sm', Action: 'lambda:InvokeFunction', Principal: 'secretsmanager.amazonaws.com' }),
    );
    const smClient = clientFor(sm.url);
    const { ARN } = await smClient.send(new CreateSecretCommand({ Name: 'via-stuck-lambda', SecretString: '{}' }));
    await smClient.send(new RotateSecretCommand({ SecretId: ARN, RotationLambdaARN: arn }));
    const record = await sm.rotationSettled(ARN ?? '');
    expect(record?.status).toBe('failed');
    expect(record?.error).toMatch(/^createSecret failed: Unhandled: \S+Z [0-9a-f-]{36} Task timed out after 0\.20 seconds$/);
    expect(() => lambda.addFunction('bad', () => undefined, { timeoutMs: 0 })).toThrow(
      expect.objectContaining({ name: 'InvalidOptionsError', field: 'timeoutMs' }),
    );
    smClient.destroy();
  });

  it('AddPermission answers 201 with the statement; a repeated statement id is a ResourceConflictException', async () => {
    const permission = {
      FunctionName: 'recorder',
      StatementId: 'SecretsManagerAccess',
      Action: 'lambda:InvokeFunction',
      Principal: 'secretsmanager.amazonaws.com',
      SourceAccount: '123456789012',
    };
    const added = await client.send(new AddPermissionCommand(permission));
    expect(JSON.parse(added.Statement ?? '{}')).toMatchObject({
      Sid: 'SecretsManagerAccess',
      Principal: { Service: 'secretsmanager.amazonaws.com' },
      Action: 'lambda:InvokeFunction',
      Condition: { StringEquals: { 'AWS:SourceAccount': '123456789012' } },
    });
    const again = await client.send(new AddPermissionCommand(permission)).catch((e: unknown) => e);
    expect(again).toBeInstanceOf(ResourceConflictException);
    expect(lambda.policy('recorder')).toHaveLength(1);
  });

  it('RotateSecret invokes a Lambda-emulator function only once its policy lets Secrets Manager in', async () => {
    const smClient = clientFor(sm.url);
    const { ARN } = await smClient.send(new CreateSecretCommand({ Name: 'via-lambda', SecretString: '{}' }));
    await expectAwsError(
      smClient.send(new RotateSecretCommand({ SecretId: ARN, RotationLambdaARN: lambda.functionArn('echo') })),
      'AccessDeniedException',
      'Secrets Manager cannot invoke the specified Lambda function. Ensure that the function policy grants access to the principal secretsmanager.amazonaws.com.',
    );
    const clientRequestToken = token();
    await smClient.send(
      new RotateSecretCommand({ SecretId: ARN, RotationLambdaARN: lambda.functionArn('recorder'), ClientRequestToken: clientRequestToken }),
    );
    expect(events.map((e) => [e.Step, e.ClientRequestToken, e.SecretId])).toEqual(
      ['createSecret', 'setSecret', 'testSecret', 'finishSecret'].map((step) => [step, clientRequestToken, ARN]),
    );
    // The recorder rotates nothing, so the rotation fails and AWSPENDING stays on the placeholder.
    const described = await smClient.send(new DescribeSecretCommand({ SecretId: ARN }));
    expect(described.VersionIdsToStages?.[clientRequestToken]).toEqual(['AWSPENDING']);
    smClient.destroy();
  });
});
