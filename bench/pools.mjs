// Measures what a rotating pool costs per query against the bare driver pool, in the same run, and
// how many secret reads a process makes under load while the secret rotates.
// Run: pnpm bench:pools (from the repository root). Prints Markdown tables.
//
// Overhead: for each driver, a bare pool (mysql2 createPool, pg.Pool, mssql ConnectionPool) and
// rotakit's pool over the same user, both warmed up, then ROUNDS interleaved rounds (which goes
// first alternates); a round is QUERIES `SELECT 1` queries from WORKERS concurrent workers; the
// per-query time is the round's time ÷ QUERIES. Reported: the median of each, and the median of the
// per-round ratio rotakit ÷ bare.
// Reads: WORKERS workers query through rotakit's pool for LOAD_MS while the secret is rotated every
// ROTATE_EVERY_MS (single user, rotakit's handler through the Secrets Manager emulator); reads are
// the application's GetSecretValue calls as the emulator counted them for its signing key, with
// the reader's default time to live (five minutes).
import { cpus } from 'node:os';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { CreateSecretCommand, RotateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { awsSecretReader } from '@rotakit/client/aws';
import { createRotatingMssqlPool } from '@rotakit/client/mssql';
import { createRotatingMysqlPool } from '@rotakit/client/mysql2';
import { createRotatingPgPool } from '@rotakit/client/pg';
import { singleUser } from '@rotakit/core';
import { createRotationHandler } from '@rotakit/provider-aws';
import { mssqlTarget } from '@rotakit/target-mssql';
import { mysqlTarget } from '@rotakit/target-mysql';
import { postgresTarget } from '@rotakit/target-postgres';
import { AWS_EMULATOR_CREDENTIALS, MssqlFake, startAwsSecretsManagerEmulator, startMariaDb, startPostgres } from '@rotakit/testkit';
import mssql from 'mssql';
import mysql from 'mysql2/promise';
import pg from 'pg';

const WORKERS = 8;
const ROUNDS = 15;
const QUERIES = 2000;
const LOAD_MS = 20_000;
const ROTATE_EVERY_MS = 4000;
const APP_KEY = { accessKeyId: 'bench-application', secretAccessKey: 'bench-application-secret' };
const PASSWORD = 'Bench-app-password-1';

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
};

/** Runs `total` calls of `query` from WORKERS concurrent workers; resolves to the elapsed milliseconds. */
async function round(query, total) {
  let left = total;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: WORKERS }, async () => {
      while (left > 0) {
        left -= 1;
        await query();
      }
    }),
  );
  return performance.now() - started;
}

const sm = await startAwsSecretsManagerEmulator({ rotation: { driving: 'before-response' }, credentials: [AWS_EMULATOR_CREDENTIALS, APP_KEY] });
const smConfig = { endpoint: sm.url, region: 'us-east-1', credentials: AWS_EMULATOR_CREDENTIALS, maxAttempts: 1 };
const admin = new SecretsManagerClient(smConfig);
const reader = (id) => awsSecretReader(id, { secretsManager: { ...smConfig, credentials: APP_KEY } });

/** Each engine: a server with an `app` user, the bare pool, rotakit's pool, and the target that rotates it. */
const engines = [
  {
    name: 'mysql2 (MariaDB)',
    awsEngine: 'mariadb',
    target: mysqlTarget({ tls: 'disable' }),
    async start() {
      const server = await startMariaDb();
      const root = await mysql.createConnection({ host: server.host, port: server.port, user: server.admin.username, password: server.admin.password });
      await root.query(`CREATE USER 'app'@'%' IDENTIFIED BY '${PASSWORD}'`);
      await root.end();
      return { host: server.host, port: server.port, database: undefined, close: () => server.close() };
    },
    bare(db) {
      const pool = mysql.createPool({ host: db.host, port: db.port, user: 'app', password: PASSWORD, connectionLimit: WORKERS });
      return { query: () => pool.query('SELECT 1'), end: () => pool.end() };
    },
    rotating(id) {
      const pool = createRotatingMysqlPool(reader(id), { pool: { connectionLimit: WORKERS } });
      return { query: () => pool.query('SELECT 1'), end: () => pool.end() };
    },
  },
  {
    name: 'pg (PostgreSQL)',
    awsEngine: 'postgres',
    target: postgresTarget({ tls: { mode: 'disable' } }),
    async start() {
      const server = await startPostgres({ allowExternal: false });
      await server.query(`CREATE ROLE app LOGIN PASSWORD '${PASSWORD}'`);
      return { host: server.host, port: server.port, database: server.database, close: () => server.close() };
    },
    bare(db) {
      const pool = new pg.Pool({ host: db.host, port: db.port, database: db.database, user: 'app', password: PASSWORD, max: WORKERS });
      return { query: () => pool.query('SELECT 1'), end: () => pool.end() };
    },
    rotating(id) {
      const pool = createRotatingPgPool(reader(id), { pool: { max: WORKERS } });
      return { query: () => pool.query('SELECT 1'), end: () => pool.end() };
    },
  },
  {
    name: 'mssql (TDS fake)',
    awsEngine: 'sqlserver',
    target: mssqlTarget({ tls: { mode: 'disable' } }),
    async start() {
      const fake = await MssqlFake.start();
      fake.catalog.addLogin('app', PASSWORD, { checkPolicy: false });
      return { host: fake.host, port: fake.port, database: 'master', close: () => fake.close() };
    },
    bare(db) {
      const pool = new mssql.ConnectionPool({
        server: db.host,
        port: db.port,
        database: db.database,
        user: 'app',
        password: PASSWORD,
        options: { encrypt: false },
        pool: { max: WORKERS },
      });
      const connected = pool.connect();
      return { query: async () => (await connected).request().query('SELECT 1'), end: () => pool.close() };
    },
    rotating(id) {
      const pool = createRotatingMssqlPool(reader(id), { config: { options: { encrypt: false }, pool: { max: WORKERS } } });
      return { query: () => pool.query('SELECT 1'), end: () => pool.end() };
    },
  },
];

const overhead = [];
const reads = [];
let secrets = 0;
for (const engine of engines) {
  const db = await engine.start();
  secrets += 1;
  const { ARN: id } = await admin.send(
    new CreateSecretCommand({
      Name: `bench-${secrets}`,
      SecretString: JSON.stringify({ engine: engine.awsEngine, host: db.host, port: db.port, username: 'app', password: PASSWORD, ...(db.database ? { dbname: db.database } : {}) }),
    }),
  );
  const bare = engine.bare(db);
  const rotating = engine.rotating(id);
  await round(bare.query, QUERIES);
  await round(rotating.query, QUERIES);
  const bareMs = [];
  const rotatingMs = [];
  const ratios = [];
  for (let r = 0; r < ROUNDS; r += 1) {
    const order = r % 2 === 0 ? [bare, rotating] : [rotating, bare];
    const [first, second] = [await round(order[0].query, QUERIES), await round(order[1].query, QUERIES)];
    const [b, x] = r % 2 === 0 ? [first, second] : [second, first];
    bareMs.push((b / QUERIES) * 1000);
    rotatingMs.push((x / QUERIES) * 1000);
    ratios.push(x / b);
  }
  overhead.push({ name: engine.name, bare: median(bareMs), rotating: median(rotatingMs), ratio: median(ratios), min: Math.min(...ratios), max: Math.max(...ratios) });
  await Promise.all([bare.end(), rotating.end()]);

  // Reads under load, with rotations.
  const handler = createRotationHandler({ target: engine.target, strategy: singleUser(), secretsManager: smConfig });
  const arn = sm.functionArn(`bench-rotator-${secrets}`);
  sm.registerRotationFunction(arn, (event) => handler(event));
  const pool = engine.rotating(id);
  sm.resetCalls();
  let stop = false;
  let queries = 0;
  let failed = 0;
  const started = performance.now();
  const workers = Array.from({ length: WORKERS }, async () => {
    while (!stop) {
      try {
        await pool.query();
        queries += 1;
      } catch {
        failed += 1;
      }
    }
  });
  let rotations = 0;
  while (performance.now() - started < LOAD_MS) {
    await sleep(ROTATE_EVERY_MS);
    await admin.send(new RotateSecretCommand({ SecretId: id, RotationLambdaARN: arn, RotationRules: { AutomaticallyAfterDays: 30 } }));
    rotations += 1;
  }
  stop = true;
  await Promise.all(workers);
  const minutes = (performance.now() - started) / 60_000;
  const count = sm.callCountsBy(APP_KEY.accessKeyId)['GetSecretValue'] ?? 0;
  reads.push({ name: engine.name, minutes, queries, failed, rotations, reads: count, perMinute: count / minutes });
  await pool.end();
  await db.close();
}
admin.destroy();
await sm.close();

const fmt = (value, digits = 1) => value.toFixed(digits);
console.log(`Node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}; ${WORKERS} workers, ${ROUNDS} interleaved rounds of ${QUERIES} queries\n`);
console.log('| pool | bare driver, per query | rotakit, per query | rotakit ÷ bare (median of rounds) | range of rounds |');
console.log('|---|---:|---:|---:|---:|');
for (const row of overhead) {
  console.log(`| ${row.name} | ${fmt(row.bare)} µs | ${fmt(row.rotating)} µs | ${fmt(row.ratio, 3)} (${fmt((row.ratio - 1) * 100)} %) | ${fmt(row.min, 3)}–${fmt(row.max, 3)} |`);
}
console.log('\n| pool | load | queries | failed | rotations | GetSecretValue | reads per minute |');
console.log('|---|---:|---:|---:|---:|---:|---:|');
for (const row of reads) {
  console.log(`| ${row.name} | ${fmt(row.minutes * 60)} s | ${row.queries} | ${row.failed} | ${row.rotations} | ${row.reads} | ${fmt(row.perMinute)} |`);
}
