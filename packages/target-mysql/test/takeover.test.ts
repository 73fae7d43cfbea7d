import { describe, expect, it } from 'vitest';
import { createConnection } from 'mysql2/promise';
import {
  alternatingUsers,
  MemorySecretStore,
  rotate,
  singleUser,
} from '@rotakit/core';
import { awsSchema } from './aws-schema.js';
import { mysqlTarget } from '../src/index.js';
import { SAMPLE_DB, useSampleServer } from './helpers.js';
import { officialRotation, type OfficialSecret, type OfficialTemplate } from './official.js';

const db = useSampleServer();
const ROLE = 'rk_take_role';
const TABLES = ['a', 'b', 'c'] as const;

/**
 * What the credentials can actually do: each probe that the server allows, without and with the
 * role set (writes are rolled back). Privileges held through a role count once the role is set.
 */
async function effectiveRights(secret: OfficialSecret): Promise<string[]> {
  const connection = await createConnection({ host: secret.host, port: secret.port, user: secret.username, password: secret.password });
  const allowed: string[] = [];
  const probe = async (label: string, sql: string): Promise<void> => {
    try {
      await connection.query('START TRANSACTION');
      await connection.query(sql);
      allowed.push(label);
    } catch (error) {
      if ((error as { errno?: number }).errno !== 1142 && (error as { errno?: number }).errno !== 1143) throw error;
    } finally {
      await connection.query('ROLLBACK');
    }
  };
  try {
    for (const role of ['NONE', ROLE]) {
      const set = await connection.query(`SET ROLE ${role}`).then(
        () => true,
        () => false,
      );
      if (!set) continue;
      for (const table of TABLES) {
        const name = `${SAMPLE_DB}.${table}`;
        await probe(`${role}: SELECT ${table}`, `SELECT * FROM ${name}`);
        await probe(`${role}: SELECT ${table}.id`, `SELECT id FROM ${name}`);
        await probe(`${role}: INSERT ${table}`, `INSERT INTO ${name} (id) VALUES (1)`);
        await probe(`${role}: UPDATE ${table}`, `UPDATE ${name} SET id = 2 WHERE FALSE`);
        await probe(`${role}: DELETE ${table}`, `DELETE FROM ${name} WHERE FALSE`);
      }
    }
  } finally {
    await connection.end();
  }
  return allowed.sort();
}

const currentOf = (store: MemorySecretStore, id: string): OfficialSecret => JSON.parse(store.valueAt(id, 'current') as string) as OfficialSecret;

async function hostsOf(user: string): Promise<string[]> {
  const rows = (await db.admin.run('SELECT Host AS host FROM mysql.user WHERE User = ? ORDER BY Host', [user])) as { host: string }[];
  return rows.map((row) => row.host);
}

async function logsIn(secret: OfficialSecret): Promise<boolean> {
  try {
    await (await createConnection({ host: secret.host, port: secret.port, user: secret.username, password: secret.password })).end();
    return true;
  } catch {
    return false;
  }
}

/** An application user as the official functions find it: host `%` and another host entry, table, column and role grants. */
async function arrangeApplication(template: OfficialTemplate, username: string): Promise<MemorySecretStore> {
  const { admin, server } = db;
  await admin.run(`CREATE TABLE IF NOT EXISTS ${SAMPLE_DB}.c (id INT, note TEXT)`);
  await admin.run(`CREATE ROLE IF NOT EXISTS ${ROLE}`);
  await admin.run(`GRANT UPDATE, SELECT ON ${SAMPLE_DB}.a TO ${ROLE}`);
  await admin.createUser(username, 'App-pw-1');
  await admin.createUser(username, 'App-pw-1', '10.0.0.%');
  await admin.run(`GRANT SELECT ON ${SAMPLE_DB}.a TO ${username}@'%'`);
  await admin.run(`GRANT SELECT, INSERT ON ${SAMPLE_DB}.b TO ${username}@'%'`);
  await admin.run(`GRANT SELECT (id) ON ${SAMPLE_DB}.c TO ${username}@'%'`);
  await admin.run(`GRANT DELETE ON ${SAMPLE_DB}.* TO ${username}@'10.0.0.%'`);
  await admin.run(`GRANT ${ROLE} TO ${username}@'%'`);
  const store = new MemorySecretStore();
  const base = { engine: template, host: server.host, port: server.port, ssl: false };
  store.putSecret(`${username}-master`, { ...base, username: server.admin.username, password: server.admin.password });
  store.putSecret(username, { ...base, username, password: 'App-pw-1', masterarn: `${username}-master` });
  return store;
}

const target = mysqlTarget({ tls: 'disable' });

async function rotakit(store: MemorySecretStore, secretId: string, multiUser: boolean): Promise<void> {
  await rotate({ store, target, secretId, schema: awsSchema, strategy: multiUser ? alternatingUsers() : singleUser() });
}

describe.each(['mysql', 'mariadb'] as const)('taking over from the official %s rotation functions', (template) => {
  it('rotates alternating users the official functions made, keeping what the application can do, and hands back', async () => {
    const username = `tk_${template}`;
    const store = await arrangeApplication(template, username);
    const rights = await effectiveRights(currentOf(store, username));
    expect(rights).toContain(`${ROLE}: UPDATE a`);
    expect(rights).toContain('NONE: SELECT c.id');

    await officialRotation(store, username, template, true);
    expect(currentOf(store, username).username).toBe(`${username}_clone`);
    expect(await hostsOf(`${username}_clone`)).toEqual(['%']);
    expect(await effectiveRights(currentOf(store, username))).toEqual(rights);
    // The current user loses a grant; the official functions would never revoke it from the other user.
    await db.admin.run(`REVOKE INSERT ON ${SAMPLE_DB}.b FROM ${username}_clone@'%'`);
    const reduced = rights.filter((right) => !right.endsWith(': INSERT b'));
    expect(await effectiveRights(currentOf(store, username))).toEqual(reduced);

    // rotakit takes over: the original user is brought in step with the official clone, then the other way.
    for (const expected of [username, `${username}_clone`]) {
      const before = currentOf(store, username);
      await rotakit(store, username, true);
      expect(currentOf(store, username).username).toBe(expected);
      expect(await effectiveRights(currentOf(store, username))).toEqual(reduced);
      expect(await logsIn(before)).toBe(true);
    }
    expect(await hostsOf(username)).toEqual(['%']);

    // And the official functions can take it back.
    for (const expected of [username, `${username}_clone`]) {
      await officialRotation(store, username, template, true);
      expect(currentOf(store, username).username).toBe(expected);
      expect(await effectiveRights(currentOf(store, username))).toEqual(reduced);
    }
  });

  it('rotates a single user the official function rotated, and hands back', async () => {
    const username = `tks_${template}`;
    const store = await arrangeApplication(template, username);
    const rights = await effectiveRights(currentOf(store, username));
    await officialRotation(store, username, template, false);
    await rotakit(store, username, false);
    const rotated = currentOf(store, username);
    expect(rotated.username).toBe(username);
    expect(await effectiveRights(rotated)).toEqual(rights);
    await officialRotation(store, username, template, false);
    expect(await logsIn(rotated)).toBe(false);
    expect(await effectiveRights(currentOf(store, username))).toEqual(rights);
  });
});
