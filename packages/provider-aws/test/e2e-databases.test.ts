import { GetSecretValueCommand, RotateSecretCommand } from '@aws-sdk/client-secrets-manager';
import {
  alternatingUsers,
  isRotakitError,
  singleUser,
  TargetUnreachableError,
  type Credentials,
  type Strategy,
  type Target,
} from '@rotakit/core';
import { awsSchema } from '@rotakit/provider-aws';
import { mysqlTarget } from '@rotakit/target-mysql';
import { postgresTarget } from '@rotakit/target-postgres';
import { quoteIdentifier } from '@rotakit/target-postgres/internal';
import { startMariaDb, startPostgres } from '@rotakit/testkit';
import type { SecretsManagerRotationEvent } from 'aws-lambda';
import { createConnection } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AWS_STEPS, createRotationHandler } from '../src/index.js';
import { capture, createSecret, expectNoSecrets, startAwsWorld, testConfig, type AwsWorld } from './helpers.js';

/** A real database server for one engine, with what the tests need to arrange it. */
interface Database {
  readonly host: string;
  readonly port: number;
  readonly dbname: string;
  readonly admin: { readonly username: string; readonly password: string };
  /** Creates a login user that can read the database. Test passwords hold no quote. */
  createUser(username: string, password: string): Promise<void>;
  close(): Promise<void>;
}

interface Engine {
  readonly name: string;
  /** The `engine` value of AWS's secret convention. */
  readonly awsEngine: string;
  readonly target: Target;
  start(): Promise<Database>;
}

const engines: Engine[] = [
  {
    name: 'MariaDB',
    awsEngine: 'mariadb',
    target: mysqlTarget({ tls: 'disable' }),
    async start() {
      const server = await startMariaDb();
      const admin = await createConnection({
        host: server.host,
        port: server.port,
        user: server.admin.username,
        password: server.admin.password,
      });
      await admin.query('CREATE DATABASE IF NOT EXISTS shop');
      return {
        host: server.host,
        port: server.port,
        dbname: 'shop',
        admin: server.admin,
        createUser: async (username, password) => {
          await admin.query(`CREATE USER ?@'%' IDENTIFIED BY '${password}'`, [username]);
          await admin.query("GRANT SELECT ON shop.* TO ?@'%'", [username]);
        },
        close: async () => {
          await admin.end();
          await server.close();
        },
      };
    },
  },
  {
    name: 'PostgreSQL',
    awsEngine: 'postgres',
    target: postgresTarget({ tls: { mode: 'disable' } }),
    async start() {
      const server = await startPostgres({ allowExternal: false });
      return {
        host: server.host,
        port: server.port,
        dbname: server.database,
        admin: server.admin,
        createUser: async (username, password) => {
          await server.query(`CREATE ROLE ${quoteIdentifier(username)} LOGIN PASSWORD '${password}'`);
          await server.query(`GRANT CONNECT ON DATABASE ${quoteIdentifier(server.database)} TO ${quoteIdentifier(username)}`);
        },
        close: () => server.close(),
      };
    },
  },
];

describe.each(engines)('end to end on $name: RotateSecret → Lambda handler → real database', (engine) => {
  let world: AwsWorld;
  let db: Database;
  const passwords: string[] = [];
  const seen = capture();
  let deployed = 0;

  beforeAll(async () => {
    [world, db] = await Promise.all([startAwsWorld(), engine.start()]);
    passwords.push(db.admin.password);
  });
  afterAll(async () => {
    expectNoSecrets(passwords, seen.lines, seen.events);
    await Promise.all([world?.close(), db?.close()]);
  });

  function deploy(strategy: Strategy, target: Target = engine.target) {
    const handler = createRotationHandler({
      target,
      strategy,
      secretsManager: testConfig(world.sm.url),
      rds: testConfig(world.rds.url),
      logger: seen.logger,
      onEvent: seen.onEvent,
    });
    deployed += 1;
    const arn = world.sm.functionArn(`rotator-${deployed}`);
    world.sm.registerRotationFunction(arn, handler);
    return { arn, handler };
  }

  async function appSecret(username: string, extra: Record<string, unknown> = {}): Promise<string> {
    const password = `Initial-${username}-pw-1`;
    passwords.push(password);
    await db.createUser(username, password);
    return createSecret(world.smClient, {
      engine: engine.awsEngine,
      host: db.host,
      port: db.port,
      username,
      password,
      dbname: db.dbname,
      ...extra,
    });
  }

  async function rotate(arn: string, secretId: string): Promise<string> {
    const { VersionId } = await world.smClient.send(
      new RotateSecretCommand({ SecretId: secretId, RotationLambdaARN: arn, RotationRules: { AutomaticallyAfterDays: 7 } }),
    );
    return VersionId as string;
  }

  /** The application's view: read AWSCURRENT and log in with it. */
  async function applicationLogsIn(secretId: string): Promise<Credentials> {
    const { SecretString } = await world.smClient.send(new GetSecretValueCommand({ SecretId: secretId }));
    const credentials = awsSchema.parse(SecretString as string).credentials;
    passwords.push(credentials.password);
    const session = await engine.target.connect({
      username: credentials.username,
      password: credentials.password,
      host: db.host,
      port: db.port,
      database: db.dbname,
      tls: 'disable',
    });
    await session.ping();
    await session.close();
    return credentials;
  }

  it('single user: the four steps run, and the application logs in with AWSCURRENT', async () => {
    const { arn } = deploy(singleUser());
    const id = await appSecret('app_single');
    await rotate(arn, id);
    const record = await world.sm.rotationSettled(id);
    expect(record?.error ?? '').toBe('');
    expect(record?.invocations.map((i) => i.step)).toEqual(Object.keys(AWS_STEPS));
    const now = await applicationLogsIn(id);
    expect(now.password).not.toBe('Initial-app_single-pw-1');
    const old = await engine.target
      .connect({ username: 'app_single', password: 'Initial-app_single-pw-1', host: db.host, port: db.port, database: db.dbname, tls: 'disable' })
      .catch((e: unknown) => e);
    expect(isRotakitError(old, 'TargetAuthFailed')).toBe(true);
  });

  it('alternating users with a masterarn secret: app → app_clone → app, the application logging in each time', async () => {
    const { arn } = deploy(alternatingUsers());
    const master = await createSecret(world.smClient, {
      engine: engine.awsEngine,
      host: db.host,
      port: db.port,
      username: db.admin.username,
      password: db.admin.password,
    });
    const id = await appSecret('app_alt', { masterarn: master });
    await rotate(arn, id);
    expect((await world.sm.rotationSettled(id))?.error ?? '').toBe('');
    expect((await applicationLogsIn(id)).username).toBe('app_alt_clone');
    await rotate(arn, id);
    expect((await world.sm.rotationSettled(id))?.error ?? '').toBe('');
    expect((await applicationLogsIn(id)).username).toBe('app_alt');
  });

  it('alternating users with an RDS-managed master secret: host and port come from RDS through its tag', async () => {
    const instance = world.rds.seedInstance({ identifier: `${engine.awsEngine}-main`, engine: engine.awsEngine, address: db.host, port: db.port });
    const managed = world.sm.seedRdsManagedSecret({
      kind: 'instance',
      dbArn: instance.arn,
      username: db.admin.username,
      password: db.admin.password,
    });
    const { arn } = deploy(alternatingUsers());
    const id = await appSecret('app_rds', { masterarn: managed.arn });
    world.rds.resetCalls();
    await rotate(arn, id);
    expect((await world.sm.rotationSettled(id))?.error ?? '').toBe('');
    expect(world.rds.calls('DescribeDBInstances')).toBeGreaterThan(0);
    expect((await applicationLogsIn(id)).username).toBe('app_rds_clone');
  });

  it('a second RotateSecret while one is stuck is refused; re-driving with the same token completes it', async () => {
    let down = true;
    const real = engine.target;
    const flaky: Target = {
      engine: real.engine,
      maxUsernameLength: real.maxUsernameLength,
      tls: real.tls,
      ...(real.passwordConstraints === undefined ? {} : { passwordConstraints: real.passwordConstraints }),
      ...(real.usernameLength === undefined ? {} : { usernameLength: real.usernameLength.bind(real) }),
      connect: (login) => (down ? Promise.reject(new TargetUnreachableError('the database is down for this test')) : real.connect(login)),
    };
    const { arn, handler } = deploy(singleUser(), flaky);
    const id = await appSecret('app_stuck');
    const token = await rotate(arn, id);
    const failed = await world.sm.rotationSettled(id);
    expect(failed?.status).toBe('failed');
    const second = await rotate(arn, id).catch((e: unknown) => e);
    expect((second as Error).name).toBe('InvalidRequestException');
    down = false;
    for (const step of Object.keys(AWS_STEPS) as SecretsManagerRotationEvent['Step'][]) {
      await handler({ Step: step, SecretId: id, ClientRequestToken: token });
    }
    const now = await applicationLogsIn(id);
    expect(now.username).toBe('app_stuck');
  });
});
