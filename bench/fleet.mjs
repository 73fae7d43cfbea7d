// Measures `rotakit fleet`: `fleet rotate --local` over ROTATE_COUNT secrets on testkit's AWS
// Secrets Manager emulator and a MariaDB server, against a raw mysql2 loop doing the same logins
// and password changes at the same concurrency, interleaved in one run (raw, rotakit, raw,
// rotakit, …) so that the machine's drift weighs on both; then `fleet status` over STATUS_COUNT
// secrets. The built bin runs as a child process under /usr/bin/time for its peak RSS.
// Run: pnpm bench:fleet (from the repository root). Prints Markdown tables.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  paginateListSecrets,
  PutSecretValueCommand,
  SecretsManagerClient,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import mysql from 'mysql2/promise';
import { generatePassword } from '@rotakit/core';
import { startAwsSecretsManagerEmulator, startMariaDb } from '@rotakit/testkit';

const arg = (name, fallback) => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback);
const ROTATE_COUNT = arg('secrets', 1000);
const STATUS_COUNT = arg('status-secrets', 10_000);
const CONCURRENCY = arg('concurrency', 16);
const ROUNDS = arg('rounds', 2);
const BIN = fileURLToPath(new URL('../packages/cli/dist/bin.js', import.meta.url));
const TIME = '/usr/bin/time';
const work = mkdtempSync(join(tmpdir(), 'rotakit-bench-fleet-'));
/** `--profile`: the bin writes a V8 CPU profile per run into the printed folder. */
const BIN_NODE_OPTIONS = process.argv.find((arg) => arg.startsWith('--bin-node-options='))?.slice('--bin-node-options='.length);
const PROFILE = process.argv.includes('--profile') ? ['--cpu-prof', `--cpu-prof-dir=${work}`] : [];
if (PROFILE.length > 0) console.error(`CPU profiles in ${work}`);

const db = await startMariaDb();
const sm = await startAwsSecretsManagerEmulator();
const admin = await mysql.createConnection({ host: db.host, port: db.port, user: db.admin.username, password: db.admin.password });
const env = {
  PATH: process.env.PATH ?? '',
  AWS_ACCESS_KEY_ID: 'test',
  AWS_SECRET_ACCESS_KEY: 'test',
  AWS_REGION: 'us-east-1',
  SECRETS_MANAGER_ENDPOINT: sm.url,
  // `--bin-node-options="…"`: NODE_OPTIONS for the bin only (as a user would set them), printed with the results.
  ...(BIN_NODE_OPTIONS === undefined ? {} : { NODE_OPTIONS: BIN_NODE_OPTIONS }),
};

/** Database users `prefix0…`, each with a fresh password; returns the passwords. */
async function users(prefix, count) {
  const passwords = [];
  for (let i = 0; i < count; i += 1) {
    const password = generatePassword();
    await admin.query('CREATE OR REPLACE USER ?@? IDENTIFIED BY ?', [`${prefix}${i}`, '%', password]);
    passwords.push(password);
  }
  return passwords;
}

/** Runs `fn(i)` for i in 0…count-1, at most `concurrency` at once. */
async function pool(count, concurrency, fn) {
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < count) {
      const i = next;
      next += 1;
      await fn(i);
    }
  }));
}

/** A login the database refuses: resolves, as rotakit's check that the new password is not set yet. */
async function refusedLogin(user, password) {
  const connection = await mysql.createConnection({ host: db.host, port: db.port, user, password }).catch((error) => {
    if (error.code !== 'ER_ACCESS_DENIED_ERROR') throw error;
    return undefined;
  });
  if (connection !== undefined) throw new Error(`${user} logged in with a password it should not have`);
}

/**
 * The raw loop: per user, the logins and the password change of a single-user rotation: try the
 * new password (refused), log in with the current one, SET PASSWORD (as @rotakit/target-mysql does
 * on MariaDB), log in with the new one and ping. With `client`, also the Secrets Manager calls
 * rotakit's store makes, through one SDK client: ListSecrets once, then per secret
 * DescribeSecret, GetSecretValue, PutSecretValue (AWSPENDING), UpdateSecretVersionStage (a claim
 * label), and after the logins DescribeSecret and UpdateSecretVersionStage three times (AWSCURRENT
 * moved, AWSPENDING and the claim removed).
 */
async function rawRound(passwords, prefix, client) {
  const started = performance.now();
  const arns = [];
  if (client !== undefined) {
    for await (const page of paginateListSecrets({ client, pageSize: 100 }, { Filters: [{ Key: 'name', Values: [`${prefix}/`] }] })) {
      for (const secret of page.SecretList ?? []) arns.push(secret.ARN);
    }
    if (arns.length !== passwords.length) throw new Error(`listed ${arns.length} secrets, not ${passwords.length}`);
  }
  await pool(passwords.length, CONCURRENCY, async (i) => {
    const user = `${prefix}${i}`;
    const next = generatePassword();
    let pendingId;
    let currentId;
    const secretId = arns[i];
    if (client !== undefined) {
      const described = await client.send(new DescribeSecretCommand({ SecretId: secretId }));
      currentId = Object.entries(described.VersionIdsToStages ?? {}).find(([, stages]) => stages.includes('AWSCURRENT'))?.[0];
      const value = JSON.parse((await client.send(new GetSecretValueCommand({ SecretId: secretId, VersionStage: 'AWSCURRENT' }))).SecretString);
      const put = await client.send(new PutSecretValueCommand({ SecretId: secretId, SecretString: JSON.stringify({ ...value, password: next }), VersionStages: ['AWSPENDING'] }));
      pendingId = put.VersionId;
      await client.send(new UpdateSecretVersionStageCommand({ SecretId: secretId, VersionStage: 'bench-claim', MoveToVersionId: pendingId }));
    }
    await refusedLogin(user, next);
    const current = await mysql.createConnection({ host: db.host, port: db.port, user, password: passwords[i] });
    await current.query('SET PASSWORD = PASSWORD(?)', [next]);
    await current.end();
    const test = await mysql.createConnection({ host: db.host, port: db.port, user, password: next });
    await test.ping();
    await test.end();
    passwords[i] = next;
    if (client !== undefined) {
      await client.send(new DescribeSecretCommand({ SecretId: secretId }));
      await client.send(new UpdateSecretVersionStageCommand({ SecretId: secretId, VersionStage: 'AWSCURRENT', MoveToVersionId: pendingId, RemoveFromVersionId: currentId }));
      await client.send(new UpdateSecretVersionStageCommand({ SecretId: secretId, VersionStage: 'AWSPENDING', RemoveFromVersionId: pendingId }));
      await client.send(new UpdateSecretVersionStageCommand({ SecretId: secretId, VersionStage: 'bench-claim', RemoveFromVersionId: pendingId }));
    }
  });
  return performance.now() - started;
}

/** Runs the bin under /usr/bin/time: wall time, peak RSS, and its stdout. */
function bin(args) {
  const timeFile = join(work, `time-${Math.random().toString(36).slice(2)}`);
  return new Promise((resolve, reject) => {
    const started = performance.now();
    execFile(TIME, ['-f', '%M', '-o', timeFile, process.execPath, ...PROFILE, BIN, ...args], { env, maxBuffer: 1 << 28, encoding: 'utf8' }, (error, stdout, stderr) => {
      const ms = performance.now() - started;
      if (error && typeof error.code !== 'number') return reject(error);
      const rssKb = Number(readFileSync(timeFile, 'utf8').trim().split('\n').pop());
      resolve({ ms, rssMb: rssKb / 1024, stdout, stderr, code: error ? error.code : 0 });
    });
  });
}

function summaryLine(stdout) {
  return /^fleet \w+: .*$/m.exec(stdout)?.[0] ?? '(no summary)';
}

if (!existsSync(TIME)) throw new Error(`${TIME} is needed for the peak RSS of the bin`);
console.error(`seeding ${ROTATE_COUNT} users and secrets (rotakit) and ${ROTATE_COUNT} users (raw)…`);
const rotakitPasswords = await users('fr', ROTATE_COUNT);
for (const [i, password] of rotakitPasswords.entries()) {
  sm.seedSecret({
    name: `fleet-rotate/fr${i}`,
    versions: [{ secretString: JSON.stringify({ engine: 'mariadb', host: db.host, port: db.port, username: `fr${i}`, password }), stages: ['AWSCURRENT'] }],
  });
}
const rawPasswords = await users('rr', ROTATE_COUNT);
const sdkPasswords = await users('rs', ROTATE_COUNT);
for (const [i, password] of sdkPasswords.entries()) {
  sm.seedSecret({
    name: `rs/rs${i}`,
    versions: [{ secretString: JSON.stringify({ engine: 'mariadb', host: db.host, port: db.port, username: `rs${i}`, password }), stages: ['AWSCURRENT'] }],
  });
}
const client = new SecretsManagerClient({ endpoint: sm.url, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, retryMode: 'adaptive', maxAttempts: 5 });

const rotate = [];
for (let round = 1; round <= ROUNDS; round += 1) {
  const rawMs = await rawRound(rawPasswords, 'rr');
  const sdkMs = await rawRound(sdkPasswords, 'rs', client);
  const run = await bin(['fleet', 'rotate', '--cloud', 'aws', '--match', 'fleet-rotate/', '--local', '--tls', 'disable', '--concurrency', String(CONCURRENCY)]);
  const summary = summaryLine(run.stdout);
  if (run.code !== 0) throw new Error(`fleet rotate exited ${run.code}: ${summary} ${run.stderr.slice(0, 500)}`);
  rotate.push({ round, rawMs, sdkMs, rotakitMs: run.ms, rssMb: run.rssMb, summary });
  console.error(`round ${round}: raw ${rawMs.toFixed(0)} ms, raw + SDK ${sdkMs.toFixed(0)} ms, rotakit ${run.ms.toFixed(0)} ms, ${run.rssMb.toFixed(1)} MB; ${summary}`);
}

console.error(`seeding ${STATUS_COUNT} more secrets for fleet status…`);
for (let i = 0; i < STATUS_COUNT; i += 1) {
  sm.seedSecret({ name: `fleet-status/s${i}`, versions: [{ secretString: '{"username":"u","password":"p-not-used"}', stages: ['AWSCURRENT'] }] });
}
const status = await bin(['fleet', 'status', '--cloud', 'aws', '--match', 'fleet-status/', '--concurrency', String(CONCURRENCY)]);
if (status.code !== 0) throw new Error(`fleet status exited ${status.code}: ${summaryLine(status.stdout)} ${status.stderr.slice(0, 500)}`);

const rate = (count, ms) => (count / (ms / 1000)).toFixed(1);
console.log(`Node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, load average ${loadavg().map((l) => l.toFixed(2)).join(' ')} at the end\n`);
console.log(`fleet rotate --local, ${ROTATE_COUNT} secrets, --concurrency ${CONCURRENCY}${BIN_NODE_OPTIONS === undefined ? "" : `, the bin with NODE_OPTIONS=${BIN_NODE_OPTIONS}`}\n`);
console.log('| round | raw mysql2 loop | raw mysql2 + SDK calls | rotakit fleet rotate (whole process) | rotakit ÷ raw mysql2 | rotakit ÷ raw + SDK | rotakit peak RSS |');
console.log('|---:|---:|---:|---:|---:|---:|---:|');
for (const row of rotate) {
  const cell = (ms) => `${(ms / 1000).toFixed(2)} s, ${rate(ROTATE_COUNT, ms)}/s`;
  console.log(`| ${row.round} | ${cell(row.rawMs)} | ${cell(row.sdkMs)} | ${cell(row.rotakitMs)} | ${((100 * row.rawMs) / row.rotakitMs).toFixed(0)} % | ${((100 * row.sdkMs) / row.rotakitMs).toFixed(0)} % | ${row.rssMb.toFixed(1)} MB |`);
}
console.log(`\nfleet status, ${STATUS_COUNT} secrets, --concurrency ${CONCURRENCY}: ${(status.ms / 1000).toFixed(2)} s (${rate(STATUS_COUNT, status.ms)}/s), peak RSS ${status.rssMb.toFixed(1)} MB; ${summaryLine(status.stdout)}`);

client.destroy();
await admin.end();
await sm.close();
await db.close();
