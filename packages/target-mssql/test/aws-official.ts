import { generatePassword, type MemorySecretStore } from '@rotakit/core';
import type sql from 'mssql';
import { catalogQuery, quoteIdentifier, type Statement } from '../src/sql.js';
import { adminPool, execute } from './support.js';

/**
 * What AWS's official SQL Server rotation functions send, reproduced from their statement shapes
 * (their published source) to hand rotakit the state they leave behind. The functions bind
 * values client-side (pymssql), so values arrive as quoted literals; passwords are literals in
 * T-SQL anyway. Their reads are answered here by the target's own catalog queries, which ask the
 * same catalog views; the writes are the functions' shapes, unbracketed names included.
 */

/** The secret JSON the official functions read and write. */
export interface OfficialSecret {
  readonly engine: 'sqlserver';
  readonly host: string;
  readonly port: number;
  readonly dbname: string;
  readonly username: string;
  readonly password: string;
  readonly masterarn?: string;
  readonly [key: string]: unknown;
}

/** A literal as the client-side binding writes it: quotes doubled. */
function literal(value: string): string {
  return `N'${value.replaceAll("'", "''")}'`;
}

const plain = (text: string): Statement => ({ text, parameters: {} });

/** `_clone` appended or removed. */
export function officialAlternate(username: string): string {
  return username.endsWith('_clone') ? username.slice(0, -'_clone'.length) : `${username}_clone`;
}

async function poolFor(secret: OfficialSecret, as: { username: string; password: string }): Promise<sql.ConnectionPool> {
  return adminPool({ host: secret.host, port: secret.port, database: secret.dbname, admin: as, tls: 'disable' });
}

async function logsIn(secret: OfficialSecret): Promise<boolean> {
  try {
    await (await poolFor(secret, secret)).close();
    return true;
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ELOGIN') return false;
    throw error;
  }
}

async function isContained(pool: sql.ConnectionPool): Promise<boolean> {
  const [row] = await execute(pool, catalogQuery('context'));
  return row?.['containment'] === 1;
}

/** Single user, set step: logged in as the user, its own password, with the secret's current password as OLD_PASSWORD. */
async function setSingleUser(current: OfficialSecret, pending: OfficialSecret): Promise<void> {
  const pool = await poolFor(current, current);
  try {
    const kind = (await isContained(pool)) ? 'USER' : 'LOGIN';
    await execute(pool, plain(`ALTER ${kind} ${quoteIdentifier(current.username)} WITH PASSWORD = ${literal(pending.password)} OLD_PASSWORD = ${literal(current.password)}`));
  } finally {
    await pool.close();
  }
}

/** Role memberships and database permissions of `from`, re-issued to `to` (at creation only). */
async function copyDatabasePermissions(pool: sql.ConnectionPool, from: string, to: string): Promise<void> {
  for (const row of await execute(pool, catalogQuery('databaseRoles', from))) {
    await execute(pool, plain(`ALTER ROLE ${String(row['role_name'])} ADD MEMBER ${to}`));
  }
  for (const row of await execute(pool, catalogQuery('databasePermissions', from))) {
    const name = String(row['permission_name']);
    let permission: string;
    switch (row['class']) {
      case 0:
        permission = name;
        break;
      case 1:
        permission = `${name} ON OBJECT::${String(row['schema_name'])}.${String(row['object_name'])}`;
        if (typeof row['column_name'] === 'string') permission = `${permission} (${row['column_name']}) `;
        break;
      case 3:
        permission = `${name} ON SCHEMA::${String(row['schema_name'])}`;
        break;
      default:
        throw new Error(`the reproduction covers permission classes 0, 1 and 3, not ${String(row['class'])}`);
    }
    const state = String(row['state_desc']);
    await execute(pool, plain(state === 'GRANT_WITH_GRANT_OPTION' ? `GRANT ${permission} TO ${to} WITH GRANT OPTION` : `${state} ${permission} TO ${to}`));
  }
}

/** Multi user, set step: as the master user, in the secret's database. */
async function setMultiUser(current: OfficialSecret, pending: OfficialSecret, master: { username: string; password: string }): Promise<void> {
  const pool = await poolFor(current, master);
  try {
    const [context] = await execute(pool, catalogQuery('context'));
    const database = String(context?.['database_name']);
    const quoted = quoteIdentifier(pending.username);
    if (context?.['containment'] === 1) {
      if ((await execute(pool, catalogQuery('containedUser', pending.username))).length === 0) {
        await execute(pool, plain(`CREATE USER ${quoted} WITH PASSWORD = ${literal(pending.password)}`));
        await copyDatabasePermissions(pool, current.username, quoted);
      } else {
        await execute(pool, plain(`ALTER USER ${quoted} WITH PASSWORD = ${literal(pending.password)}`));
      }
      return;
    }
    if ((await execute(pool, catalogQuery('sqlLogin', pending.username))).length > 0) {
      await execute(pool, plain(`ALTER LOGIN ${quoted} WITH PASSWORD = ${literal(pending.password)}`));
      return;
    }
    await execute(pool, plain(`CREATE LOGIN ${quoted} WITH PASSWORD = ${literal(pending.password)}`));
    if (database === 'master') {
      // Server permissions only, re-issued without their securable; server role memberships are not copied.
      for (const row of await execute(pool, catalogQuery('serverPermissions', current.username))) {
        const [state, name] = [String(row['state_desc']), String(row['permission_name'])];
        await execute(pool, plain(state === 'GRANT_WITH_GRANT_OPTION' ? `GRANT ${name} TO ${quoted} WITH GRANT OPTION` : `${state} ${name} TO ${quoted}`));
      }
      return;
    }
    const [user] = await execute(pool, catalogQuery('userOfLogin', current.username));
    const currentUser = String(user?.['name']);
    await execute(pool, plain(`CREATE USER ${quoteIdentifier(officialAlternate(currentUser))} FOR LOGIN ${quoted}`));
    await copyDatabasePermissions(pool, currentUser, quoted);
  } finally {
    await pool.close();
  }
}

/**
 * One rotation as the official function does it, all four steps: a pending copy of current with a
 * new password (and the alternate user, multi user), set, `SELECT @@VERSION AS version` as pending,
 * and finish (the pending value becomes current).
 */
export async function officialRotation(store: MemorySecretStore, secretId: string, kind: 'single-user' | 'multi-user'): Promise<OfficialSecret> {
  const current = JSON.parse(store.valueAt(secretId, 'current') ?? 'null') as OfficialSecret;
  const password = generatePassword({ length: 32, excludeCharacters: '/@"\'\\' });
  const pending: OfficialSecret = { ...current, password, ...(kind === 'multi-user' ? { username: officialAlternate(current.username) } : {}) };
  if (!(await logsIn(pending))) {
    if (kind === 'single-user') {
      await setSingleUser(current, pending);
    } else {
      if (!(await logsIn(current))) throw new Error('Unable to log into database using current credentials');
      const master = JSON.parse(store.valueAt(current.masterarn ?? '', 'current') ?? 'null') as { username: string; password: string };
      await setMultiUser(current, pending, master);
    }
  }
  const test = await poolFor(pending, pending);
  try {
    await execute(test, plain('SELECT @@VERSION AS version'));
  } finally {
    await test.close();
  }
  store.putSecret(secretId, pending);
  return pending;
}
