// What the pool tests share: a real database per engine (MariaDB, PostgreSQL, the TDS fake), the
// Secrets Manager emulator with rotakit's rotation handler wired as the rotation function, and a
// rotating pool of each driver behind a small common face.
import { CreateSecretCommand, RotateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { alternatingUsers, singleUser, type Target } from '@rotakit/core';
import { createRotationHandler, type RotationHandlerEvent } from '@rotakit/provider-aws';
import { mssqlTarget } from '@rotakit/target-mssql';
import { mysqlTarget } from '@rotakit/target-mysql';
import { postgresTarget } from '@rotakit/target-postgres';
import { quoteIdentifier } from '@rotakit/target-postgres/internal';
import { AWS_EMULATOR_CREDENTIALS, MssqlFake, startAwsSecretsManagerEmulator, startMariaDb, startPostgres, type AwsSecretsManagerEmulator } from '@rotakit/testkit';
import { createConnection, type RowDataPacket } from 'mysql2/promise';
import { expect } from 'vitest';
import { awsSecretReader } from '../src/aws.js';
import type { PoolEvent, RotatingPoolOptions } from '../src/index.js';
import { createRotatingMssqlPool } from '../src/mssql.js';
import { createRotatingMysqlPool } from '../src/mysql2.js';
import { createRotatingPgPool } from '../src/pg.js';
import type { SecretReader } from '../src/reader.js';

/** The key pair the application's reader signs with, so the emulator counts its reads apart from the rotation function's. */
export const APP_KEY = { accessKeyId: 'application-key', secretAccessKey: 'application-secret-key' };
/** A second application's key pair, so two pools run side by side on one emulator with their reads counted apart. */
export const OTHER_APP_KEY = { accessKeyId: 'other-application-key', secretAccessKey: 'other-application-secret-key' };

/** An access key pair the emulator accepts. */
export type AppKey = typeof APP_KEY;

/** A real database server (or the TDS fake) and what the tests arrange on it. */
export interface Database {
  readonly host: string;
  readonly port: number;
  readonly database: string;
  readonly admin: { readonly username: string; readonly password: string };
  /** Creates a login user that may connect and run `SELECT 1`. Test passwords hold no quote. */
  createUser(username: string, password: string): Promise<void>;
  /** Refused logins the server counted so far: MariaDB's Aborted_connects, PostgreSQL's log, the fake's login log. */
  refusedLogins(): Promise<number>;
  close(): Promise<void>;
}

/** A rotating pool of one driver, as the tests use it. */
export interface TestPool {
  /** `SELECT 1` through the pool's own query call. */
  query(): Promise<unknown>;
  /** `SELECT 1` on a connection that is then closed, so the pool logs in again (mssql: idle connections are reaped). */
  churn(): Promise<unknown>;
  /** `SELECT 1` twice on one held connection (mssql: one request on its pool), running `during` in between. */
  holdAcross(during: () => Promise<void>): Promise<unknown>;
  readonly generation: number;
  end(): Promise<void>;
}

/** One engine: its server, the rotakit target that rotates it, the AWS engine name, and its rotating pool. */
export interface Engine {
  readonly name: string;
  readonly awsEngine: string;
  readonly target: Target;
  start(): Promise<Database>;
  /** The engine's rotating pool; `reapIdle` (mssql) closes idle connections within milliseconds, so the pool logs in often. */
  pool(reader: SecretReader, options: RotatingPoolOptions, reapIdle?: boolean): TestPool;
}

export const ENGINES: Engine[] = [
  {
    name: 'mysql2 on MariaDB',
    awsEngine: 'mariadb',
    target: mysqlTarget({ tls: 'disable' }),
    async start() {
      const server = await startMariaDb();
      const admin = await createConnection({ host: server.host, port: server.port, user: server.admin.username, password: server.admin.password });
      await admin.query('CREATE DATABASE IF NOT EXISTS shop');
      return {
        host: server.host,
        port: server.port,
        database: 'shop',
        admin: server.admin,
        createUser: async (username, password) => {
          await admin.query(`CREATE USER ?@'%' IDENTIFIED BY '${password}'`, [username]);
          await admin.query("GRANT SELECT ON shop.* TO ?@'%'", [username]);
        },
        refusedLogins: async () => {
          const [rows] = await admin.query<Array<{ Variable_name: string; Value: string } & RowDataPacket>>(
            "SHOW GLOBAL STATUS WHERE Variable_name = 'Aborted_connects'",
          );
          return rows.reduce((sum, row) => sum + Number(row.Value), 0);
        },
        close: async () => {
          await admin.end();
          await server.close();
        },
      };
    },
    pool(reader, options) {
      const pool = createRotatingMysqlPool(reader, { ...options, pool: { connectionLimit: 16 } });
      return {
        query: () => pool.query('SELECT 1 AS one'),
        churn: async () => {
          const connection = await pool.getConnection();
          try {
            return await connection.query('SELECT 1 AS one');
          } finally {
            connection.destroy();
          }
        },
        holdAcross: async (during) => {
          const connection = await pool.getConnection();
          try {
            await connection.query('SELECT 1 AS one');
            await during();
            return await connection.query('SELECT 1 AS one');
          } finally {
            connection.release();
          }
        },
        get generation() {
          return pool.generation;
        },
        end: () => pool.end(),
      };
    },
  },
  {
    name: 'pg on PostgreSQL',
    awsEngine: 'postgres',
    target: postgresTarget({ tls: { mode: 'disable' } }),
    async start() {
      const server = await startPostgres({ allowExternal: false });
      await server.query('CREATE TABLE IF NOT EXISTS login_probe (n int)');
      return {
        host: server.host,
        port: server.port,
        database: server.database,
        admin: server.admin,
        createUser: async (username, password) => {
          await server.query(`CREATE ROLE ${quoteIdentifier(username)} LOGIN PASSWORD '${password}'`);
          await server.query(`GRANT CONNECT ON DATABASE ${quoteIdentifier(server.database)} TO ${quoteIdentifier(username)}`);
        },
        refusedLogins: () => Promise.resolve(server.log().split('password authentication failed for user').length - 1),
        close: () => server.close(),
      };
    },
    pool(reader, options) {
      const pool = createRotatingPgPool(reader, { ...options, pool: { max: 16 } });
      return {
        query: () => pool.query('SELECT 1 AS one'),
        churn: async () => {
          const client = await pool.connect();
          try {
            return await client.query('SELECT 1 AS one');
          } finally {
            client.release(true);
          }
        },
        holdAcross: async (during) => {
          const client = await pool.connect();
          try {
            await client.query('SELECT 1 AS one');
            await during();
            return await client.query('SELECT 1 AS one');
          } finally {
            client.release();
          }
        },
        get generation() {
          return pool.generation;
        },
        end: () => pool.end(),
      };
    },
  },
  {
    name: 'mssql on the TDS fake',
    awsEngine: 'sqlserver',
    target: mssqlTarget({ tls: { mode: 'disable' } }),
    async start() {
      const fake = await MssqlFake.start();
      const admin = { username: 'sa_admin', password: 'Admin-password-1' };
      fake.catalog.addLogin(admin.username, admin.password, { sysadmin: true });
      return {
        host: fake.host,
        port: fake.port,
        database: 'master',
        admin,
        createUser: async (username, password) => {
          fake.catalog.addLogin(username, password, { checkPolicy: false });
        },
        refusedLogins: () => Promise.resolve(fake.logins.filter((login) => !login.ok).length),
        close: () => fake.close(),
      };
    },
    pool(reader, options, reapIdle = true) {
      const pool = createRotatingMssqlPool(reader, {
        ...options,
        config: { options: { encrypt: false }, pool: reapIdle ? { max: 16, min: 0, idleTimeoutMillis: 20, reapIntervalMillis: 10 } : { max: 16 } },
      });
      return {
        query: () => pool.query('SELECT 1'),
        churn: async () => {
          const result = await pool.query('SELECT 1');
          await new Promise((resolve) => setTimeout(resolve, 40));
          return result;
        },
        holdAcross: (during) =>
          pool.request(async (request) => {
            await request.query('SELECT 1');
            await during();
            return request.query('SELECT 1');
          }),
        get generation() {
          return pool.generation;
        },
        end: () => pool.end(),
      };
    },
  },
];

/** The Secrets Manager emulator (rotations run before RotateSecret answers) and an admin client. */
export interface World {
  readonly sm: AwsSecretsManagerEmulator;
  readonly admin: SecretsManagerClient;
  /** The application's GetSecretValue calls (signed with `key`, default `APP_KEY`), as the emulator counted them. */
  appReads(key?: AppKey): number;
  /** A reader signing as the application (with `key`, default `APP_KEY`). */
  reader(secretId: string, ttlMs: number, key?: AppKey): SecretReader;
  close(): Promise<void>;
}

export async function startWorld(): Promise<World> {
  const sm = await startAwsSecretsManagerEmulator({ rotation: { driving: 'before-response' }, credentials: [AWS_EMULATOR_CREDENTIALS, APP_KEY, OTHER_APP_KEY] });
  const config = { endpoint: sm.url, region: 'us-east-1', credentials: AWS_EMULATOR_CREDENTIALS, maxAttempts: 1 };
  const admin = new SecretsManagerClient(config);
  return {
    sm,
    admin,
    appReads: (key = APP_KEY) => sm.callCountsBy(key.accessKeyId)['GetSecretValue'] ?? 0,
    reader: (secretId, ttlMs, key = APP_KEY) =>
      awsSecretReader(secretId, { ttlMs, secretsManager: { endpoint: sm.url, region: 'us-east-1', credentials: key, maxAttempts: 1 } }),
    close: async () => {
      admin.destroy();
      await sm.close();
    },
  };
}

let secrets = 0;

/** Creates the user and its secret (holding `stored`, default the user's password); `alternating` adds a masterarn secret. */
export async function appSecret(
  world: World,
  engine: Engine,
  db: Database,
  username: string,
  {
    alternating = false,
    password = `Initial-${username}-pw-1`,
    stored = password,
  }: { alternating?: boolean; password?: string; stored?: string } = {},
): Promise<{ id: string; password: string }> {
  await db.createUser(username, password);
  // Numbered before any await: two secrets made side by side get names of their own.
  secrets += 1;
  const number = secrets;
  const base = { engine: engine.awsEngine, host: db.host, port: db.port, dbname: db.database };
  let masterarn: string | undefined;
  if (alternating) {
    const master = await world.admin.send(
      new CreateSecretCommand({ Name: `master-${number}`, SecretString: JSON.stringify({ ...base, username: db.admin.username, password: db.admin.password }) }),
    );
    masterarn = master.ARN as string;
  }
  const { ARN } = await world.admin.send(
    new CreateSecretCommand({
      Name: `app-${number}`,
      SecretString: JSON.stringify({ ...base, username, password: stored, ...(masterarn === undefined ? {} : { masterarn }) }),
    }),
  );
  return { id: ARN as string, password };
}

/** Registers rotakit's handler for `engine` with `strategy` and answers a function that rotates a secret once, through RotateSecret. */
export function rotator(world: World, engine: Engine, alternating: boolean): (secretId: string) => Promise<void> {
  secrets += 1;
  const handler = createRotationHandler({
    target: engine.target,
    strategy: alternating ? alternatingUsers() : singleUser(),
    secretsManager: { endpoint: world.sm.url, region: 'us-east-1', credentials: AWS_EMULATOR_CREDENTIALS, maxAttempts: 1 },
  });
  const arn = world.sm.functionArn(`rotator-${secrets}`);
  // Thirty seconds, as rotation functions are commonly given: Lambda's default of three is a close
  // call for a step on a machine this test shares with a 32-worker load.
  world.sm.registerRotationFunction(arn, (event) => handler(event as RotationHandlerEvent), { timeoutMs: 30_000 });
  return async (secretId) => {
    await world.admin.send(new RotateSecretCommand({ SecretId: secretId, RotationLambdaARN: arn, RotationRules: { AutomaticallyAfterDays: 30 } }));
    const settled = await world.sm.rotationSettled(secretId);
    expect(settled?.error ?? '', 'rotation failed').toBe('');
    expect(settled?.status).toBe('succeeded');
  };
}

/** Collects a pool's events. */
export function eventLog(): { events: PoolEvent[]; onEvent: (event: PoolEvent) => void } {
  const events: PoolEvent[] = [];
  return { events, onEvent: (event) => void events.push(event) };
}
