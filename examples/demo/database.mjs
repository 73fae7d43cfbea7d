// The demo's database side: the application's users on the embedded PostgreSQL, and the login an
// application makes with the credentials a secret holds.
import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** A password for an application user as its operator would first set it (letters, digits, - and _). */
export const initialPassword = () => randomBytes(18).toString('base64url');

function adminClient(server) {
  return new pg.Client({
    host: server.host,
    port: server.port,
    database: server.database,
    user: server.admin.username,
    password: server.admin.password,
  });
}

/** Runs a statement the server builds itself with format(), so names and passwords are quoted by PostgreSQL. */
async function exec(client, template, ...values) {
  const placeholders = values.map((_, i) => `$${i + 2}::text`).join(', ');
  const { rows } = await client.query(`SELECT format($1::text, ${placeholders}) AS sql`, [template, ...values]);
  await client.query(rows[0].sql);
}

/**
 * Creates the application's table and one login user per entry of `users` ({username, password}),
 * each allowed to write and read orders: what an operator has done before turning rotation on.
 */
export async function createApplicationUsers(server, users) {
  const admin = adminClient(server);
  await admin.connect();
  try {
    await admin.query('CREATE SCHEMA shop');
    await admin.query('CREATE TABLE shop.orders (id serial PRIMARY KEY, note text)');
    for (const { username, password } of users) {
      await exec(admin, 'CREATE ROLE %I LOGIN PASSWORD %L', username, password);
      await exec(admin, 'GRANT USAGE ON SCHEMA shop TO %I', username);
      await exec(admin, 'GRANT SELECT, INSERT ON shop.orders TO %I', username);
      await exec(admin, 'GRANT USAGE ON SEQUENCE shop.orders_id_seq TO %I', username);
    }
  } finally {
    await admin.end();
  }
}

/**
 * Logs in as the application would, with `login` ({host, port, database, username, password}),
 * and writes an order. Resolves to `{ ok: true, orders }` or `{ ok: false, code }` (the server's
 * SQLSTATE, 28P01 for a wrong password); never to anything holding the password.
 */
export async function applicationLogin(login) {
  const client = new pg.Client({
    host: login.host,
    port: login.port,
    database: login.database,
    user: login.username,
    password: login.password,
  });
  try {
    await client.connect();
    await client.query('INSERT INTO shop.orders (note) VALUES ($1)', [`written by ${login.username}`]);
    const { rows } = await client.query('SELECT count(*)::int AS n FROM shop.orders');
    return { ok: true, orders: rows[0].n };
  } catch (error) {
    return { ok: false, code: error.code ?? 'no SQLSTATE' };
  } finally {
    await client.end().catch(() => undefined);
  }
}
