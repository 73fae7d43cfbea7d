// rotakit demo: a throwaway PostgreSQL (no database needs to be installed), a secret held in
// memory, one single-user rotation and two alternating-users rotations, each proved by a real
// login of an "application" with the pg driver. Run it with `pnpm demo` from the repository root.
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import pg from 'pg';
import { alternatingUsers, defaultSchema, MemorySecretStore, rotate, singleUser } from '@rotakit/core';
import { postgresTarget } from '@rotakit/target-postgres';
import { openPostgresIntrospection } from '@rotakit/target-postgres/internal';
import { startPostgres } from '@rotakit/testkit';

const APP_SECRET = 'demo/app';
const PRIVILEGED_SECRET = 'demo/privileged';

/** The first 8 hex characters of the password's SHA-256: enough to see it change, useless to an attacker. */
const fingerprint = (password) => createHash('sha256').update(password).digest('hex').slice(0, 8);
const newPassword = () => randomBytes(18).toString('base64url');

function printStages(store, title) {
  console.log(`\n${title}`);
  const rows = [];
  for (const [versionId, version] of Object.entries(store.describe(APP_SECRET).versions)) {
    if (version.stages.length === 0) continue;
    const value = JSON.parse(store.valueAt(APP_SECRET, version.stages[0]));
    rows.push({
      version: versionId.slice(0, 8),
      stages: version.stages.join(','),
      username: value.username,
      password: `sha256:${fingerprint(value.password)}`,
    });
  }
  console.table(rows);
}

function printEvent(event) {
  const step = 'step' in event ? ` ${event.step}` : '';
  const detail = event.type === 'step.skipped' ? ` (${event.reason})` : event.type.endsWith('failed') ? ` (${event.error.code})` : '';
  console.log(`  event ${event.type}${step}${detail}`);
}

/** Logs in as the application would, with the secret's value at `stage`, and touches its table. */
async function applicationLogin(server, store, stage) {
  const value = JSON.parse(store.valueAt(APP_SECRET, stage));
  const client = new pg.Client({
    host: value.host,
    port: value.port,
    database: value.database,
    user: value.username,
    password: value.password,
    tls: false,
  });
  try {
    await client.connect();
    await client.query('INSERT INTO shop.orders (note) VALUES ($1)', [`written by ${value.username}`]);
    const { rows } = await client.query('SELECT count(*)::int AS n FROM shop.orders');
    console.log(`login with ${stage} (${value.username}) ok: wrote an order, ${rows[0].n} in the table`);
    return true;
  } catch (error) {
    console.log(`login with ${stage} (${value.username}) refused: ${error.code ?? error.message}`);
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Asks the target, as the privileged user, whether current's and previous's users have the same grants and roles. */
async function usersInStep(target, store) {
  const privileged = JSON.parse(store.valueAt(PRIVILEGED_SECRET, 'current'));
  const [current, previous] = ['current', 'previous'].map((stage) => JSON.parse(store.valueAt(APP_SECRET, stage)).username);
  const introspection = await openPostgresIntrospection(target, { ...privileged, database: privileged.database, tls: 'disable' });
  try {
    const [a, b] = [await introspection.inspectUser(current), await introspection.inspectUser(previous)];
    const same = JSON.stringify([a.privileges, a.roles]) === JSON.stringify([b.privileges, b.roles]);
    console.log(`${current} and ${previous} have the same grants and roles: ${same ? 'yes' : 'NO'}`);
    for (const entry of [...a.privileges, ...a.roles.map((role) => `member of ${role}`)]) console.log(`  ${entry}`);
    return same;
  } finally {
    await introspection.close();
  }
}

/** Runs a statement the server builds itself with format(), so names and passwords are quoted by PostgreSQL. */
async function exec(client, template, ...values) {
  const placeholders = values.map((_, i) => `$${i + 2}::text`).join(', ');
  const { rows } = await client.query(`SELECT format($1::text, ${placeholders}) AS sql`, [template, ...values]);
  await client.query(rows[0].sql);
}

async function setUp(server) {
  const privileged = { username: 'rotator', password: newPassword() };
  const app = { username: 'app_user', password: newPassword() };
  const admin = new pg.Client({ ...connection(server), user: server.admin.username, password: server.admin.password });
  await admin.connect();
  try {
    // The privileged account is no superuser: CREATEROLE, and the owner of the application's tables.
    await exec(admin, 'CREATE ROLE %I LOGIN CREATEROLE PASSWORD %L', privileged.username, privileged.password);
    await exec(admin, 'CREATE SCHEMA shop AUTHORIZATION %I', privileged.username);
  } finally {
    await admin.end();
  }
  const rotator = new pg.Client({ ...connection(server), user: privileged.username, password: privileged.password });
  await rotator.connect();
  try {
    await rotator.query('CREATE TABLE shop.orders (id serial PRIMARY KEY, note text)');
    await rotator.query('CREATE ROLE shop_readers NOLOGIN');
    await rotator.query('GRANT USAGE ON SCHEMA shop TO shop_readers');
    await rotator.query('GRANT SELECT ON shop.orders TO shop_readers');
    await exec(rotator, 'CREATE ROLE %I LOGIN PASSWORD %L', app.username, app.password);
    await exec(rotator, 'GRANT shop_readers TO %I', app.username);
    await exec(rotator, 'GRANT INSERT ON shop.orders TO %I', app.username);
    await exec(rotator, 'GRANT USAGE ON SEQUENCE shop.orders_id_seq TO %I', app.username);
  } finally {
    await rotator.end();
  }
  console.log(`created the application user ${app.username} and the privileged user ${privileged.username}`);
  return { privileged, app };
}

function connection(server) {
  return { host: server.host, port: server.port, database: server.database, tls: false };
}

async function main(server) {
  const { privileged, app } = await setUp(server);
  const store = new MemorySecretStore();
  const where = { host: server.host, port: server.port, database: server.database };
  store.putSecret(PRIVILEGED_SECRET, { ...privileged, ...where });
  store.putSecret(APP_SECRET, { engine: 'postgres', ...where, ...app, masterSecret: PRIVILEGED_SECRET });
  // The fixture's server listens on loopback without TLS; a real deployment keeps the default `verify`.
  const target = postgresTarget({ tls: { mode: 'disable' } });
  const options = { secretId: APP_SECRET, store, target, schema: defaultSchema, onEvent: printEvent };

  printStages(store, 'stages before any rotation');
  let ok = await applicationLogin(server, store, 'current');

  console.log('\nrotating single-user (app_user changes its own password)');
  await rotate({ ...options, strategy: singleUser() });
  console.log('single-user rotation completed');
  printStages(store, 'stages after the single-user rotation');
  ok = (await applicationLogin(server, store, 'current')) && ok;
  // Single user: the previous password no longer works; that is why alternating users exist.
  ok = !(await applicationLogin(server, store, 'previous')) && ok;

  for (const turn of [1, 2]) {
    console.log(`\nrotating alternating-users, turn ${turn} (the privileged user syncs the other user)`);
    await rotate({ ...options, strategy: alternatingUsers({ suffix: '_clone' }) });
    console.log(`alternating-users rotation ${turn} completed`);
    printStages(store, `stages after alternating-users rotation ${turn}`);
    ok = (await usersInStep(target, store)) && ok;
    ok = (await applicationLogin(server, store, 'current')) && ok;
    ok = (await applicationLogin(server, store, 'previous')) && ok;
  }
  return ok;
}

let server;
const stop = async () => {
  const current = server;
  server = undefined;
  if (!current) return;
  await current.close();
  const removed = current.directory === undefined || !existsSync(current.directory);
  console.log(`\ndemo finished: server stopped, temporary directory ${removed ? 'removed' : 'NOT removed'}`);
};
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    stop().finally(() => process.exit(130));
  });
}

try {
  console.log('starting a throwaway PostgreSQL server…');
  server = await startPostgres({ allowExternal: false });
  console.log(`PostgreSQL is listening on ${server.host}:${server.port}`);
  const ok = await main(server);
  console.log(ok ? '\nevery login behaved as expected' : '\nSOME LOGIN DID NOT BEHAVE AS EXPECTED');
  process.exitCode = ok ? 0 : 1;
} catch (error) {
  console.error(`demo failed: ${error?.code ?? ''} ${error?.message ?? error}`);
  process.exitCode = 1;
} finally {
  await stop();
}
