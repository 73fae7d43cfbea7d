import type { SessionIdentity } from '@rotakit/core';
import { MssqlFake, MssqlFakeCatalog } from '@rotakit/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import { mssqlTarget } from '../src/index.js';

const target = mssqlTarget({ tls: { mode: 'disable' } });
const fakes: MssqlFake[] = [];

async function start(catalog = new MssqlFakeCatalog()): Promise<MssqlFake> {
  const fake = await MssqlFake.start({ catalog });
  if (!catalog.logins.has('app')) {
    catalog.addLogin('App', 'App-password-1', { checkPolicy: false });
    const contained = catalog.addDatabase('contained_app', { contained: true });
    catalog.addUser(contained, 'Report_User', { password: 'Report-password-1' });
  }
  fakes.push(fake);
  return fake;
}

async function identityOf(fake: MssqlFake, options: { host?: string; username?: string; password?: string; database?: string } = {}): Promise<SessionIdentity | undefined> {
  const session = await target.connect({
    username: options.username ?? 'App',
    password: options.password ?? 'App-password-1',
    host: options.host ?? '127.0.0.1',
    port: fake.port,
    ...(options.database === undefined ? {} : { database: options.database }),
    tls: 'disable',
  });
  try {
    return await session.identity?.();
  } finally {
    await session.close();
  }
}

afterAll(async () => {
  for (const fake of fakes) await fake.close();
});

describe('identity() of SQL Server sessions (SERVERPROPERTY and tempdb, readable by any login)', () => {
  it('agrees for two sessions to one server through different host strings', async () => {
    const fake = await start();
    const [byAddress, byName] = [await identityOf(fake, { host: '127.0.0.1' }), await identityOf(fake, { host: 'localhost' })];
    expect(byAddress?.server).toBeTruthy();
    expect(byName?.server).toBe(byAddress?.server);
  });

  it('agrees for one server listening on two ports', async () => {
    const first = await start();
    const second = await start(first.catalog);
    const [throughFirst, throughSecond] = [await identityOf(first), await identityOf(second)];
    expect(throughFirst?.server).toBeTruthy();
    expect(throughSecond?.server).toBe(throughFirst?.server);
  });

  it('differs between two servers started on one machine', async () => {
    const [one, other] = [await start(), await start()];
    expect((await identityOf(other))?.server).not.toBe((await identityOf(one))?.server);
  });

  it('differs between two servers of one name (containers given the same host name) by their start', async () => {
    const one = await start(new MssqlFakeCatalog({ serverName: 'SQL01', startedAt: new Date('2025-01-02T03:04:05.006Z') }));
    const other = await start(new MssqlFakeCatalog({ serverName: 'SQL01', startedAt: new Date('2025-01-02T03:04:05.010Z') }));
    expect((await identityOf(other))?.server).not.toBe((await identityOf(one))?.server);
  });

  it('names the login as the server spells it, however the client spelled it', async () => {
    const fake = await start();
    expect((await identityOf(fake, { username: 'APP' }))?.user).toBe('App');
  });

  it('answers a contained database user with its own name, and the same server', async () => {
    const fake = await start();
    const contained = await identityOf(fake, { username: 'report_user', password: 'Report-password-1', database: 'contained_app' });
    expect(contained?.user).toBe('Report_User');
    expect(contained?.server).toBe((await identityOf(fake))?.server);
  });
});

describe('sameUser (SQL Server logins compare as its default CI collation does)', () => {
  it.each([
    ['app', 'APP', true],
    ['app', 'app  ', true],
    ['Ünï', 'üNÏ', true],
    ['app', ' app', false],
    ['app', 'app_clone', false],
    ['cafe', 'café', false],
  ])('%j and %j: %s', (a, b, same) => {
    expect(target.sameUser?.(a, b)).toBe(same);
  });
});
