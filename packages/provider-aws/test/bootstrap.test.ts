import { CreateSecretCommand, DescribeSecretCommand } from '@aws-sdk/client-secrets-manager';
import { isRotakitError, MemoryTarget, singleUser } from '@rotakit/core';
import type { SecretsManagerRotationEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRotationHandler, getCurrentSecret } from '../src/index.js';
import { registerDatabaseSecret, type RegisterDatabaseSecretOptions } from '../src/setup/index.js';
import { startAwsWorld, testConfig, type AwsWorld } from './helpers.js';

let world: AwsWorld;
let target: MemoryTarget;
let clients: NonNullable<RegisterDatabaseSecretOptions['clients']>;

beforeAll(async () => {
  world = await startAwsWorld();
  clients = { secretsManager: world.smClient, rds: world.rdsClient, lambda: world.lambdaClient };
  target = new MemoryTarget({ engine: 'mysql', tls: 'disable', users: { admin: { password: 'first-admin-password' } } });
  const handler = createRotationHandler({ target, strategy: singleUser(), secretsManager: testConfig(world.sm.url) });
  world.lambda.addFunction('SecretsManagerRotator', (event) => handler(event as SecretsManagerRotationEvent));
  world.rds.seedCluster({
    identifier: 'phat-cluster',
    engine: 'aurora-mysql',
    masterUsername: 'admin',
    databaseName: 'phat',
    members: [{ instanceIdentifier: 'phat-1', writer: true }],
  });
  world.rds.seedInstance({ identifier: 'legacy', engine: 'mariadb', port: 3307, masterUsername: 'admin' });
});
afterAll(() => world.close());

/** The seed's flow: the Aurora cluster's master login, rotated every 30 days. */
const clusterSecret = (): RegisterDatabaseSecretOptions => ({
  name: 'rds_login',
  database: { clusterIdentifier: 'phat-cluster' },
  password: 'first-admin-password',
  rotationFunction: 'SecretsManagerRotator',
  schedule: { automaticallyAfterDays: 30 },
  clients,
});

describe('registerDatabaseSecret', () => {
  it('builds the secret from RDS and Lambda, grants Secrets Manager the invoke, rotates at once; getCurrentSecret reads the result', async () => {
    const registered = await registerDatabaseSecret(clusterSecret());
    expect(registered).toMatchObject({
      name: 'rds_login',
      rotationLambdaArn: world.lambda.functionArn('SecretsManagerRotator'),
      created: true,
      valueStored: true,
      rotationEnabled: true,
    });
    expect(world.lambda.policy('SecretsManagerRotator')).toMatchObject([
      { Sid: 'SecretsManagerAccess', Principal: { Service: 'secretsmanager.amazonaws.com' }, Action: 'lambda:InvokeFunction' },
    ]);
    expect((await world.sm.rotationSettled('rds_login'))?.status).toBe('succeeded');
    const secret = await getCurrentSecret('rds_login', { secretsManager: world.smClient });
    expect(secret.credentials).toMatchObject({
      engine: 'aurora-mysql',
      host: 'phat-cluster.cluster-c0ffee123456.us-east-1.rds.amazonaws.com',
      port: 3306,
      username: 'admin',
      database: 'phat',
    });
    expect(secret.credentials.password).not.toBe('first-admin-password');
    expect(target.accepts('admin', secret.credentials.password)).toBe(true);
    const described = await world.smClient.send(new DescribeSecretCommand({ SecretId: 'rds_login' }));
    expect(described.RotationRules).toEqual({ AutomaticallyAfterDays: 30 });
    expect(described.VersionIdsToStages?.[secret.versionId]).toEqual(['AWSCURRENT']);
  });

  it('is safe to re-run: keeps the secret and its rotated value, adds no permission, starts no rotation', async () => {
    const before = await getCurrentSecret('rds_login', { secretsManager: world.smClient });
    const rotations = world.sm.state().rotations.length;
    const again = await registerDatabaseSecret(clusterSecret());
    expect(again).toMatchObject({ created: false, valueStored: false, rotationEnabled: false });
    expect(world.sm.state().rotations).toHaveLength(rotations);
    expect(world.lambda.policy('SecretsManagerRotator')).toHaveLength(1);
    expect(await getCurrentSecret('rds_login', { secretsManager: world.smClient })).toEqual(before);
  });

  it('finishes a run that stopped after CreateSecret, with an instance, a schedule expression and a window', async () => {
    await world.smClient.send(new CreateSecretCommand({ Name: 'legacy_login' }));
    const registered = await registerDatabaseSecret({
      name: 'legacy_login',
      database: { instanceIdentifier: 'legacy' },
      username: 'admin',
      password: 'first-admin-password',
      dbname: 'legacy',
      ssl: false,
      rotationFunction: world.lambda.functionArn('SecretsManagerRotator'),
      schedule: { scheduleExpression: 'cron(0 16 1,15 * ? *)', duration: '2h' },
      rotateImmediately: false,
      grantInvoke: false,
      clients,
    });
    expect(registered).toMatchObject({ created: false, valueStored: true, rotationEnabled: true });
    const described = await world.smClient.send(new DescribeSecretCommand({ SecretId: 'legacy_login' }));
    expect(described.RotationRules).toEqual({ ScheduleExpression: 'cron(0 16 1,15 * ? *)', Duration: '2h' });
    const secret = await getCurrentSecret('legacy_login', { secretsManager: world.smClient });
    expect(secret.credentials).toMatchObject({ engine: 'mariadb', port: 3307, database: 'legacy', tls: false, password: 'first-admin-password' });
  });

  it('names what it cannot find or accept', async () => {
    const base = { name: 'nowhere', password: 'pw-123456', rotationFunction: 'SecretsManagerRotator', clients } as const;
    const cluster = await registerDatabaseSecret({ ...base, database: { clusterIdentifier: 'ghost' }, schedule: { automaticallyAfterDays: 1 } }).catch(
      (e: unknown) => e,
    );
    expect(isRotakitError(cluster, 'SecretNotFound')).toBe(true);
    const fn = await registerDatabaseSecret({
      ...base,
      rotationFunction: 'ghost',
      database: { instanceIdentifier: 'legacy' },
      schedule: { automaticallyAfterDays: 1 },
    }).catch((e: unknown) => e);
    expect(isRotakitError(fn, 'SecretNotFound')).toBe(true);
    const days = await registerDatabaseSecret({ ...base, database: { instanceIdentifier: 'legacy' }, schedule: { automaticallyAfterDays: 0 } }).catch(
      (e: unknown) => e,
    );
    expect(isRotakitError(days, 'InvalidOptions')).toBe(true);
    expect((days as { field?: string }).field).toBe('schedule.automaticallyAfterDays');
    expect(world.sm.state().secrets.some((s) => s.Name === 'nowhere')).toBe(false);
    const missing = await getCurrentSecret('nowhere', { secretsManager: world.smClient }).catch((e: unknown) => e);
    expect(isRotakitError(missing, 'SecretNotFound')).toBe(true);
  });

  it.each<[string, Partial<Record<keyof RegisterDatabaseSecretOptions, unknown>>]>([
    ['name', { name: 'has a space' }],
    ['password', { password: 'pw-with-\u0000-nul' }],
    ['username', { username: '' }],
    ['dbname', { dbname: 42 }],
    ['masterarn', { masterarn: '' }],
    ['ssl', { ssl: 'yes' }],
    ['tags', { tags: { team: 'x'.repeat(300) } }],
    ['description', { description: 7 }],
    ['rotateImmediately', { rotateImmediately: 'no' }],
    ['grantInvoke', { grantInvoke: { statementId: 5 } }],
    ['schedule.duration', { schedule: { scheduleExpression: 'rate(10 days)', duration: 'two hours' } }],
  ])('refuses a bad %s with InvalidOptions naming it, before anything is written', async (field, bad) => {
    const rotationFunction = `untouched-${field.replace('.', '-')}`;
    world.lambda.addFunction(rotationFunction, () => Promise.resolve({}));
    const options = { ...clusterSecret(), name: `never_written_${field}`, rotationFunction, ...bad } as RegisterDatabaseSecretOptions;
    const error = await registerDatabaseSecret(options).catch((e: unknown) => e);
    expect(isRotakitError(error, 'InvalidOptions')).toBe(true);
    expect((error as { field?: string }).field).toBe(field);
    expect(world.lambda.policy(rotationFunction)).toEqual([]);
    expect(world.sm.state().secrets.some((s) => s.Name === options.name)).toBe(false);
  });
});
