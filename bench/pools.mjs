// Measures what a rotating pool costs per query against the bare driver pool, in the same run, and
// how many secret reads a process makes under load while the secret rotates.
// Run: pnpm bench:pools (from the repository root). Prints Markdown tables.
//
// Overhead: for each driver, a bare pool (mysql2 createPool, pg.Pool, mssql ConnectionPool),
// rotakit's pool over the same user, and a second bare pool as a control (what the method makes of
// no difference), all warmed up, then ROUNDS rounds in which each runs in turn (each runs first,
// second and third equally often); a round is QUERIES `SELECT 1` queries from WORKERS concurrent
// workers; the per-query time is the round's time ÷ QUERIES, and the process's CPU time (user +
// system) ÷ QUERIES beside it. Reported: the median of each, the median of the per-round ratio to
// the bare pool, and that median's 95 % confidence interval (distribution-free: order statistics
// of the rounds' ratios). mysql2 runs three ways: as configured by default, with the query site
// ten frames deep (mysql2 captures its caller's stack on every query, at most Error.stackTraceLimit
// frames, so the depth of the caller's stack is part of a query's cost), and with `trace: false`.
// BENCH_ROUNDS and BENCH_QUERIES override ROUNDS and QUERIES; BENCH_ONLY picks drivers by the
// start of their name, BENCH_PART one of the two parts (overhead, reads).
// Reads: WORKERS workers query through rotakit's pool for LOAD_MS while the secret is rotated every
// ROTATE_EVERY_MS (single user, rotakit's handler through the Secrets Manager emulator), with the
// reader's time to live at READ_TTL_MS; CHURNING of the workers open a new connection for each
// query (mysql2 and pg; the mssql pool only queries), so the pool logs in again and meets each
// rotation. Reads are the application's GetSecretValue calls as the emulator counted them for its
// signing key, beside its DescribeSecret calls, the rotations the pool detected (its change
// events), and the bound the proof test asserts: one per time to live, plus one, plus one per
// rotation detected.
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
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 300);
const QUERIES = Number(process.env.BENCH_QUERIES ?? 1000);
const LOAD_MS = 60_000;
const ROTATE_EVERY_MS = 5000;
const READ_TTL_MS = 15_000;
const CHURNING = 2;
const APP_KEY = { accessKeyId: 'bench-application', secretAccessKey: 'bench-application-secret' };
const PASSWORD = 'Bench-app-password-1';

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
};

/**
 * The ranks (0-based, in sorted order) bounding a 95 % confidence interval of the median of `n`
 * values: the widest symmetric pair whose binomial(n, ½) tails each hold at most 2.5 %.
 */
function medianInterval(n) {
  let tail = 0;
  let k = 0;
  let term = 0.5 ** n; // P(X = 0)
  while (k < n / 2) {
    if (tail + term > 0.025) break;
    tail += term;
    term = (term * (n - k)) / (k + 1);
    k += 1;
  }
  return [k, n - 1 - k];
}

/** The median of `values` and its 95 % confidence interval. */
function medianWithInterval(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const [low, high] = medianInterval(sorted.length);
  return { median: median(sorted), low: sorted[low], high: sorted[high] };
}

/** Runs `total` calls of `query` from WORKERS concurrent workers; resolves to the elapsed and CPU milliseconds. */
async function round(query, total) {
  let left = total;
  const cpu = process.cpuUsage();
  const started = performance.now();
  await Promise.all(
    Array.from({ length: WORKERS }, async () => {
      while (left > 0) {
        left -= 1;
        await query();
      }
    }),
  );
  const elapsed = performance.now() - started;
  const used = process.cpuUsage(cpu);
  return { elapsed, cpu: (used.user + used.system) / 1000 };
}

const sm = await startAwsSecretsManagerEmulator({ rotation: { driving: 'before-response' }, credentials: [AWS_EMULATOR_CREDENTIALS, APP_KEY] });
const smConfig = { endpoint: sm.url, region: 'us-east-1', credentials: AWS_EMULATOR_CREDENTIALS, maxAttempts: 1 };
const admin = new SecretsManagerClient(smConfig);
const reader = (id, ttlMs) => awsSecretReader(id, { secretsManager: { ...smConfig, credentials: APP_KEY }, ...(ttlMs === undefined ? {} : { ttlMs }) });

/** Calls `query` from `depth` frames deeper than its caller: an application's query site, not a bench's. */
const deeper = (depth, query) => (depth === 0 ? query() : deeper(depth - 1, query));

/**
 * mysql2 on MariaDB. `settings` go to both pools (`trace: false` drops the stack mysql2 captures
 * on every query); `depth` puts the query site that many frames deep; `reads` runs the reads part.
 */
const mysqlEngine = (name, { settings = {}, depth = 0, reads = true } = {}) => ({
  name,
  reads,
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
    const pool = mysql.createPool({ host: db.host, port: db.port, user: 'app', password: PASSWORD, connectionLimit: WORKERS, ...settings });
    return { query: () => deeper(depth, () => pool.query('SELECT 1')), end: () => pool.end() };
  },
  rotating(id, { ttlMs, onEvent } = {}) {
    const pool = createRotatingMysqlPool(reader(id, ttlMs), { pool: { connectionLimit: WORKERS, ...settings }, ...(onEvent ? { onEvent } : {}) });
    return {
      query: () => deeper(depth, () => pool.query('SELECT 1')),
      async churn() {
        const connection = await pool.getConnection();
        await connection.query('SELECT 1');
        connection.destroy();
      },
      end: () => pool.end(),
    };
  },
});

/** Each engine: a server with an `app` user, the bare pool, rotakit's pool, and the target that rotates it. */
const allEngines = [
  mysqlEngine('mysql2 (MariaDB)'),
  mysqlEngine('mysql2 (MariaDB), query site 10 frames deep', { depth: 10, reads: false }),
  mysqlEngine('mysql2 (MariaDB), trace: false', { settings: { trace: false }, reads: false }),
  {
    name: 'pg (PostgreSQL)',
    reads: true,
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
    rotating(id, { ttlMs, onEvent } = {}) {
      const pool = createRotatingPgPool(reader(id, ttlMs), { pool: { max: WORKERS }, ...(onEvent ? { onEvent } : {}) });
      return {
        query: () => pool.query('SELECT 1'),
        async churn() {
          const client = await pool.connect();
          await client.query('SELECT 1');
          client.release(true);
        },
        end: () => pool.end(),
      };
    },
  },
  {
    name: 'mssql (TDS fake)',
    reads: true,
    // A query on the fake costs about six times one on MariaDB: rounds as long, not as many queries.
    queryShare: 0.25,
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
    rotating(id, { ttlMs, onEvent } = {}) {
      const pool = createRotatingMssqlPool(reader(id, ttlMs), { config: { options: { encrypt: false }, pool: { max: WORKERS } }, ...(onEvent ? { onEvent } : {}) });
      const query = () => pool.query('SELECT 1');
      return { query, churn: query, end: () => pool.end() };
    },
  },
];

// BENCH_ONLY=mysql2 (or pg, mssql) runs one driver; BENCH_PART=overhead or reads one part.
const PARTS = process.env.BENCH_PART ?? 'overhead,reads';
const engines = allEngines.filter((engine) => engine.name.startsWith(process.env.BENCH_ONLY ?? ''));
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
  if (PARTS.includes('overhead')) {
    const bare = engine.bare(db);
    const rotating = engine.rotating(id);
    // A second bare pool, measured as rotakit's is: what the method itself makes of no difference.
    const control = engine.bare(db);
    const perRound = Math.round(QUERIES * (engine.queryShare ?? 1));
    for (const pool of [bare, rotating, control]) await round(pool.query, perRound);
    const measured = { bare: [], rotating: [], control: [] };
    for (let r = 0; r < ROUNDS; r += 1) {
      // Each pool runs first, second and third equally often.
      const names = ['bare', 'rotating', 'control'];
      const order = [...names.slice(r % 3), ...names.slice(0, r % 3)];
      const pools = { bare, rotating, control };
      for (const name of order) measured[name].push(await round(pools[name].query, perRound));
    }
    const perQuery = (rounds, field) => median(rounds.map((one) => (one[field] / perRound) * 1000));
    const ratioOf = (name, field) => medianWithInterval(measured[name].map((one, r) => one[field] / measured.bare[r][field]));
    overhead.push({
      name: engine.name,
      bare: perQuery(measured.bare, 'elapsed'),
      rotating: perQuery(measured.rotating, 'elapsed'),
      ratio: ratioOf('rotating', 'elapsed'),
      control: ratioOf('control', 'elapsed'),
      bareCpu: perQuery(measured.bare, 'cpu'),
      rotatingCpu: perQuery(measured.rotating, 'cpu'),
      cpuRatio: ratioOf('rotating', 'cpu'),
      controlCpu: ratioOf('control', 'cpu'),
    });
    await Promise.all([bare.end(), rotating.end(), control.end()]);
  }

  // Reads under load, with rotations.
  if (!engine.reads || !PARTS.includes('reads')) {
    await db.close();
    continue;
  }
  const handler = createRotationHandler({ target: engine.target, strategy: singleUser(), secretsManager: smConfig });
  const arn = sm.functionArn(`bench-rotator-${secrets}`);
  sm.registerRotationFunction(arn, (event) => handler(event));
  let detected = 0;
  const pool = engine.rotating(id, { ttlMs: READ_TTL_MS, onEvent: (event) => (detected += event.type === 'pool.credentials-changed' ? 1 : 0) });
  sm.resetCalls();
  let stop = false;
  let queries = 0;
  let failed = 0;
  const started = performance.now();
  const workers = Array.from({ length: WORKERS }, async (_, worker) => {
    while (!stop) {
      try {
        await (worker < CHURNING ? pool.churn() : pool.query());
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
  const calls = sm.callCountsBy(APP_KEY.accessKeyId);
  const count = calls['GetSecretValue'] ?? 0;
  const bound = Math.ceil((minutes * 60_000) / READ_TTL_MS) + 1 + detected;
  reads.push({ name: engine.name, minutes, queries, failed, rotations, detected, reads: count, locates: calls['DescribeSecret'] ?? 0, bound, perMinute: count / minutes });
  await pool.end();
  await db.close();
}
admin.destroy();
await sm.close();

const fmt = (value, digits = 1) => value.toFixed(digits);
console.log(`Node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}; ${WORKERS} workers, ${ROUNDS} rounds per pool of ${QUERIES} queries (the TDS fake: a quarter as many)\n`);
const percent = (ratio) => `${ratio >= 1 ? '+' : ''}${fmt((ratio - 1) * 100)} %`;
const interval = (row) => `${fmt(row.median, 3)} (${percent(row.median)}; 95 % CI ${fmt(row.low, 3)}–${fmt(row.high, 3)})`;
if (overhead.length > 0) {
  console.log('| pool | bare, per query | rotakit, per query | rotakit ÷ bare, time | second bare ÷ bare, time | bare, CPU per query | rotakit, CPU per query | rotakit ÷ bare, CPU | second bare ÷ bare, CPU |');
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const row of overhead) {
    console.log(
      `| ${row.name} | ${fmt(row.bare)} µs | ${fmt(row.rotating)} µs | ${interval(row.ratio)} | ${interval(row.control)} | ${fmt(row.bareCpu)} µs | ${fmt(row.rotatingCpu)} µs | ${interval(row.cpuRatio)} | ${interval(row.controlCpu)} |`,
    );
  }
}
if (reads.length > 0) {
  console.log(`\n${WORKERS} workers (${CHURNING} opening a connection per query) for ${LOAD_MS / 1000} s, a rotation every ${ROTATE_EVERY_MS / 1000} s, time to live ${READ_TTL_MS / 1000} s\n`);
  console.log('| pool | load | queries | failed | rotations | detected | GetSecretValue | bound | DescribeSecret | reads per minute |');
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const row of reads) {
    console.log(
      `| ${row.name} | ${fmt(row.minutes * 60)} s | ${row.queries} | ${row.failed} | ${row.rotations} | ${row.detected} | ${row.reads} | ${row.bound} | ${row.locates} | ${fmt(row.perMinute)} |`,
    );
  }
}
