import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SessionIdentity, TargetSession } from '@rotakit/core';
import { startMariaDb, type MariaDbServer } from '@rotakit/testkit';
import { mysqlTarget } from '../src/index.js';
import { Admin, adminConnection, loginTo, useSampleServer } from './helpers.js';

const db = useSampleServer();
const target = mysqlTarget({ tls: 'disable' });

async function identityOf(server: MariaDbServer, username: string, password: string, host = server.host): Promise<SessionIdentity> {
  const session: TargetSession = await target.connect({ ...loginTo(server, username, password), host });
  try {
    expect(session.identity, 'the session answers identity()').toBeTypeOf('function');
    return (await session.identity?.()) as SessionIdentity;
  } finally {
    await session.close();
  }
}

describe('identity() of a MariaDB session', () => {
  let other: MariaDbServer;

  beforeAll(async () => {
    other = await startMariaDb();
    await db.admin.createUser('id_plain', 'Plain-pw-1');
    await db.admin.createUser('id@user', 'At-pw-1', 'localhost');
  });
  afterAll(async () => {
    await other?.close();
  });

  it('names one server for sessions through different host strings, and an unprivileged login may ask', async () => {
    const { admin } = db.server;
    const byAddress = await identityOf(db.server, admin.username, admin.password, '127.0.0.1');
    const byName = await identityOf(db.server, admin.username, admin.password, 'localhost');
    const plain = await identityOf(db.server, 'id_plain', 'Plain-pw-1', 'localhost');
    expect(byName.server).toBe(byAddress.server);
    expect(plain.server).toBe(byAddress.server);
    expect(byAddress.user).toBe(admin.username);
    expect(plain.user).toBe('id_plain');
  });

  it('gives the account name only, even one holding an @, matched on a host entry other than %', async () => {
    expect(await identityOf(db.server, 'id@user', 'At-pw-1')).toMatchObject({ user: 'id@user' });
  });

  it('tells two servers on one machine apart', async () => {
    const otherAdmin = new Admin(await adminConnection(other));
    try {
      await otherAdmin.createUser('id_plain', 'Plain-pw-1');
    } finally {
      await otherAdmin.connection.end();
    }
    const here = await identityOf(db.server, 'id_plain', 'Plain-pw-1');
    const there = await identityOf(other, 'id_plain', 'Plain-pw-1');
    expect(there.server).not.toBe(here.server);
    expect(there.user).toBe(here.user);
  });
});
