import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { MemorySecretStore } from '@rotakit/core';
import { expect } from 'vitest';

/**
 * The STATEMENTS of AWS's official PostgreSQL rotation functions (SecretsManagerRDSPostgreSQLRotation
 * SingleUser / MultiUser), replayed on a real server for the take-over tests: createSecret copies
 * the current JSON with a new password (and, multi user, the other username); setSecret runs the
 * functions' SQL; testSecret logs in with the pending value; finishSecret makes it current.
 * Not their code: only what reaches the server and the secret.
 */

/** The keys the official functions read from a PostgreSQL secret. */
interface OfficialSecret {
  readonly engine: string;
  readonly host: string;
  readonly username: string;
  readonly password: string;
  readonly port?: number;
  readonly dbname?: string;
  readonly masterarn?: string;
}

const CLONE_SUFFIX = '_clone';

function parse(value: string | undefined, multiUser: boolean): OfficialSecret {
  const secret = JSON.parse(value ?? '{}') as Record<string, unknown>;
  // The functions' validation: required keys, and the engine this function rotates.
  for (const key of multiUser ? ['host', 'username', 'password', 'engine'] : ['host', 'username', 'password']) {
    expect(secret, `${key} key is missing from secret JSON`).toHaveProperty(key);
  }
  if ('engine' in secret) expect(['postgres', 'aurora-postgresql']).toContain(secret.engine);
  return secret as unknown as OfficialSecret;
}

/** A login as the functions open it: defaults port 5432 and database postgres; the fixtures offer no TLS. */
async function loginAs(secret: OfficialSecret): Promise<pg.Client> {
  const client = new pg.Client({
    host: secret.host,
    port: secret.port ?? 5432,
    database: secret.dbname ?? 'postgres',
    user: secret.username,
    password: secret.password,
    ssl: false,
  });
  await client.connect();
  return client;
}

/** The value of `SELECT quote_ident(?)`, as the functions quote every role name. */
async function quoteIdent(client: pg.Client, name: string): Promise<string> {
  const result = await client.query<{ quoted: string }>('SELECT quote_ident($1) AS quoted', [name]);
  return result.rows[0]?.quoted ?? '';
}

/** `ALTER USER <q> WITH PASSWORD ?`, the password substituted as a literal as the Python driver does. */
async function alterPassword(client: pg.Client, quoted: string, password: string): Promise<void> {
  const built = await client.query<{ sql: string }>("SELECT format('ALTER USER %s WITH PASSWORD %L', $1::text, $2::text) AS sql", [quoted, password]);
  await client.query(built.rows[0]?.sql ?? '');
}

/** GetRandomPassword's default shape for PostgreSQL: 32 characters, none of `: / @ " ' \`. */
function randomPassword(): string {
  return randomBytes(24).toString('base64url');
}

/** One whole rotation of `secretId` as the official single-user or multi-user function does it. */
export async function officialRotation(store: MemorySecretStore, secretId: string, kind: 'single user' | 'multi user'): Promise<void> {
  const multiUser = kind === 'multi user';
  // createSecret
  const current = parse(store.valueAt(secretId, 'current'), multiUser);
  let username = current.username;
  if (multiUser) {
    username = username.endsWith(CLONE_SUFFIX) ? username.slice(0, -CLONE_SUFFIX.length) : `${username}${CLONE_SUFFIX}`;
    expect(username.length, 'username length with _clone appended would exceed 63 characters').toBeLessThanOrEqual(63);
  }
  const pending: OfficialSecret = { ...current, username, password: randomPassword() };
  // setSecret
  if (multiUser) {
    // The confused-deputy check: the current credentials must log in.
    await (await loginAs(current)).end();
    // The master secret is validated as strictly (engine too); an RDS-managed one is not reproduced.
    const master = parse(store.valueAt(current.masterarn ?? '', 'current'), true);
    expect(master.host, 'Current database host is not the same host as master').toBe(current.host);
    const client = await loginAs({ ...master, ...(current.dbname === undefined ? {} : { dbname: current.dbname }) });
    try {
      const pendingName = await quoteIdent(client, pending.username);
      const currentName = await quoteIdent(client, current.username);
      await client.query('BEGIN');
      const exists = await client.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [pending.username]);
      if (exists.rowCount === 0) {
        const built = await client.query<{ sql: string }>(
          "SELECT format('CREATE ROLE %s WITH LOGIN PASSWORD %L', $1::text, $2::text) AS sql",
          [pendingName, pending.password],
        );
        await client.query(built.rows[0]?.sql ?? '');
        await client.query(`GRANT ${currentName} TO ${pendingName}`);
      } else {
        await alterPassword(client, pendingName, pending.password);
      }
      await client.query('COMMIT');
    } finally {
      await client.end();
    }
  } else {
    // Logged in as the rotated user itself.
    const client = await loginAs(current);
    try {
      await client.query('BEGIN');
      await alterPassword(client, await quoteIdent(client, pending.username), pending.password);
      await client.query('COMMIT');
    } finally {
      await client.end();
    }
  }
  // testSecret
  const test = await loginAs(pending);
  await test.query('SELECT NOW()');
  await test.end();
  // finishSecret: the pending version becomes current, the former current previous.
  store.putSecret(secretId, pending);
}
