/**
 * The statements AWS's official MySQL and MariaDB rotation functions send (their statement shapes,
 * not their code), run with client-side `?` substitution as their Python driver does it, and a
 * whole official rotation of a secret held in core's MemorySecretStore. For takeover tests: the
 * database state these leave is what a user migrating to rotakit hands over.
 */
import { randomBytes } from 'node:crypto';
import { createConnection, type Connection } from 'mysql2/promise';
import type { MemorySecretStore } from '@rotakit/core';

/** Which official template: the MySQL one (engine `mysql`) or the MariaDB one (engine `mariadb`). */
export type OfficialTemplate = 'mysql' | 'mariadb';

/** The fields of an AWS database secret the official functions read. */
export interface OfficialSecret {
  readonly engine: string;
  readonly host: string;
  readonly port: number;
  readonly username: string;
  readonly password: string;
  readonly masterarn?: string;
  readonly [key: string]: unknown;
}

async function login(secret: OfficialSecret): Promise<Connection> {
  return createConnection({ host: secret.host, port: secret.port, user: secret.username, password: secret.password });
}

async function rows(connection: Connection, sql: string, values: unknown[] = []): Promise<unknown[][]> {
  const [result] = await connection.query({ sql, values, rowsAsArray: true });
  return result as unknown[][];
}

/** The alternate user by AWS's `_clone` rule. */
export const officialAlternate = (username: string): string =>
  username.endsWith('_clone') ? username.slice(0, -'_clone'.length) : `${username}_clone`;

/** The TLS requirement copy both templates do: read the first row of the current user's, set it on `pending@'%'`. */
async function copyTls(connection: Connection, template: OfficialTemplate, current: string, pending: string): Promise<void> {
  const [tls = []] = await rows(connection, 'SELECT ssl_type, ssl_cipher, x509_issuer, x509_subject FROM mysql.user WHERE User = ?', [current]);
  const [sslType, cipher, issuer, subject] = tls.map((value) => (Buffer.isBuffer(value) ? value.toString() : String(value ?? '')));
  const [version = []] = template === 'mysql' ? await rows(connection, 'SELECT VERSION()') : [[]];
  const head = String(version[0] ?? '').startsWith('5.6') ? "GRANT USAGE ON *.* TO ?@'%' REQUIRE" : "ALTER USER ?@'%' REQUIRE";
  if (!sslType) await rows(connection, `${head} NONE`, [pending]);
  else if (sslType === 'ANY') await rows(connection, `${head} SSL`, [pending]);
  else if (sslType === 'X509') await rows(connection, `${head} X509`, [pending]);
  else await rows(connection, `${head} CIPHER ? AND ISSUER ? AND SUBJECT ?`, [pending, cipher, issuer, subject]);
}

/**
 * The multi-user setSecret's statements, as the master: MySQL template — create `pending` (host
 * `%`) if missing, re-issue every `SHOW GRANTS` row of `current` to it (additive), copy the TLS
 * requirement, set the password; MariaDB template — re-issue every row `TO pending IDENTIFIED BY
 * password` (which creates it and sets the password), copy the TLS requirement.
 */
export async function officialMultiUserStatements(
  master: OfficialSecret,
  template: OfficialTemplate,
  current: string,
  pending: { username: string; password: string },
): Promise<void> {
  const connection = await login(master);
  try {
    if (template === 'mysql') {
      const existing = await rows(connection, 'SELECT User FROM mysql.user WHERE User = ?', [pending.username]);
      if (existing.length === 0) await rows(connection, 'CREATE USER ? IDENTIFIED BY ?', [pending.username, pending.password]);
    }
    for (const [line] of await rows(connection, 'SHOW GRANTS FOR ?', [current])) {
      const [grant = ''] = String(line).split(' TO ');
      if (template === 'mysql') await rows(connection, `${grant} TO ?`, [pending.username]);
      else await rows(connection, `${grant} TO ? IDENTIFIED BY ?`, [pending.username, pending.password]);
    }
    await copyTls(connection, template, current, pending.username);
    if (template === 'mysql') {
      const [[version] = []] = await rows(connection, 'SELECT VERSION()');
      const value = String(version).startsWith('8') ? '?' : 'PASSWORD(?)';
      await rows(connection, `SET PASSWORD FOR ? = ${value}`, [pending.username, pending.password]);
    }
  } finally {
    await connection.end();
  }
}

/** The single-user setSecret's statement, as the user itself (`PASSWORD()` unless the version starts with 8). */
export async function officialSingleUserStatements(current: OfficialSecret, template: OfficialTemplate, password: string): Promise<void> {
  const connection = await login(current);
  try {
    const [[version] = []] = template === 'mysql' ? await rows(connection, 'SELECT VERSION()') : [['']];
    await rows(connection, String(version).startsWith('8') ? 'SET PASSWORD = ?' : 'SET PASSWORD = PASSWORD(?)', [password]);
  } finally {
    await connection.end();
  }
}

/**
 * One whole official rotation of `secretId` in `store`: the pending value is a copy of the current
 * JSON with a new password (and, multi user, the alternate username); the set step's statements
 * run; the pending credentials must log in (testSecret); the value becomes current (finishSecret).
 */
export async function officialRotation(store: MemorySecretStore, secretId: string, template: OfficialTemplate, multiUser: boolean): Promise<void> {
  const current = JSON.parse(store.valueAt(secretId, 'current') as string) as OfficialSecret;
  const password = randomBytes(16).toString('hex');
  const pending: OfficialSecret = { ...current, password, ...(multiUser ? { username: officialAlternate(current.username) } : {}) };
  if (multiUser) {
    const master = JSON.parse(store.valueAt(current.masterarn as string, 'current') as string) as OfficialSecret;
    await officialMultiUserStatements(master, template, current.username, pending);
  } else {
    await officialSingleUserStatements(current, template, password);
  }
  await (await login(pending)).end();
  store.putSecret(secretId, pending);
}
