import { tmpdir } from 'node:os';
import { createConnection } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MARIADB_URL_ENV, startMariaDb, type MariaDbServer } from '../src/index.js';

// Several servers started at once in one file. A starting mariadbd deletes every `#sql*` file in
// its tmpdir as a leftover: with /tmp shared, concurrent mariadb-install-db runs deleted each
// other's temporary tables and aborted (`ERROR: 1051 Unknown table 'mysql.tmp_user_sys'`).
const servers: MariaDbServer[] = [];
const fromEnv = process.env[MARIADB_URL_ENV];

beforeAll(async () => {
  // Started here, not an existing server's URL: this is the start being tested.
  delete process.env[MARIADB_URL_ENV];
  const started = await Promise.allSettled([startMariaDb(), startMariaDb(), startMariaDb()]);
  for (const result of started) if (result.status === 'fulfilled') servers.push(result.value);
  const failed = started.find((result) => result.status === 'rejected');
  if (failed !== undefined) throw (failed as PromiseRejectedResult).reason;
});
afterAll(async () => {
  if (fromEnv !== undefined) process.env[MARIADB_URL_ENV] = fromEnv;
  await Promise.all(servers.map((server) => server.close()));
});

async function query<T>(server: MariaDbServer, sql: string): Promise<T[]> {
  const connection = await createConnection({ host: server.host, port: server.port, user: server.admin.username, password: server.admin.password });
  try {
    const [rows] = await connection.query(sql);
    return rows as T[];
  } finally {
    await connection.end();
  }
}

describe('startMariaDb, three at once', () => {
  it('starts three independent servers, each with its own port, data and temporary directory', async () => {
    expect(servers).toHaveLength(3);
    expect(servers.every((server) => server.started)).toBe(true);
    expect(new Set(servers.map((server) => server.port)).size).toBe(3);
    const dirs = await Promise.all(servers.map(async (server) => (await query<{ tmp: string; data: string }>(server, 'SELECT @@tmpdir AS tmp, @@datadir AS data'))[0]!));
    expect(new Set(dirs.map((dir) => dir.tmp)).size).toBe(3);
    expect(new Set(dirs.map((dir) => dir.data)).size).toBe(3);
    for (const dir of dirs) expect(dir.tmp).not.toBe(tmpdir());
  });

  it('each takes its own writes and temporary tables, unseen by the others', async () => {
    await Promise.all(
      servers.map(async (server, index) => {
        const connection = await createConnection({ host: server.host, port: server.port, user: server.admin.username, password: server.admin.password });
        try {
          await connection.query(`CREATE USER 'fixture_${index}'@'%' IDENTIFIED BY 'fixture-pw-${index}'`);
          // A temporary table's files live in the server's tmpdir.
          await connection.query('CREATE DATABASE fixture');
          await connection.query('CREATE TEMPORARY TABLE fixture.scratch (n INT) ENGINE=Aria');
          await connection.query('INSERT INTO fixture.scratch VALUES (1), (2), (3)');
          const [rows] = await connection.query('SELECT SUM(n) AS total FROM fixture.scratch');
          expect(rows).toEqual([{ total: '6' }]);
        } finally {
          await connection.end();
        }
      }),
    );
    for (const [index, server] of servers.entries()) {
      const users = await query<{ User: string }>(server, "SELECT User FROM mysql.user WHERE User LIKE 'fixture\\_%' ORDER BY User");
      expect(users.map((user) => user.User)).toEqual([`fixture_${index}`]);
    }
  });
});
