import { createServer, connect as netConnect, type AddressInfo, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isRotakitError, type RotakitErrorCode, type TlsMode } from '@rotakit/core';
import { startMariaDb, type MariaDbServer } from '@rotakit/testkit';
import { mysqlTarget, type MysqlTlsOptions } from '../src/index.js';
import { Admin, adminConnection, expectNoSecret, loginTo, thrown } from './helpers.js';

const PASSWORD = 'Tls-user-pw-1';

async function startWithUser(options: Parameters<typeof startMariaDb>[0]): Promise<MariaDbServer> {
  const server = await startMariaDb(options);
  const admin = new Admin(await adminConnection(server));
  await admin.createUser('tls_user', PASSWORD);
  await admin.connection.end();
  return server;
}

/** Logs in as `tls_user` with the given target TLS settings and login mode; resolves when a ping works. */
async function login(server: MariaDbServer, tls: MysqlTlsOptions, host = server.host): Promise<void> {
  const mode: TlsMode = tls.mode ?? 'verify';
  const session = await mysqlTarget({ tls }).connect({ ...loginTo(server, 'tls_user', PASSWORD, mode), host });
  await session.ping();
  await session.close();
}

async function expectCode(attempt: Promise<void>, code: RotakitErrorCode): Promise<void> {
  const error = await thrown(attempt);
  expect(isRotakitError(error, code), `${error.name}: ${error.message}`).toBe(true);
  expectNoSecret(error, [PASSWORD]);
}

/** A TCP relay to `server` that counts the connections made through it: each is one login attempt. */
async function countingRelay(server: MariaDbServer): Promise<{ port: number; connections: () => number; close: () => Promise<void> }> {
  let connections = 0;
  const open = new Set<{ destroy(): void }>();
  const relay: Server = createServer((client) => {
    connections += 1;
    const upstream = netConnect({ host: server.host, port: server.port });
    open.add(client).add(upstream);
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
  return {
    port: (relay.address() as AddressInfo).port,
    connections: () => connections,
    close: () =>
      new Promise<void>((resolve) => {
        relay.close(() => resolve());
        for (const socket of open) socket.destroy();
      }),
  };
}

/** The connections one refused `tls: 'disable'` login of `tls_user` makes, through a counting relay. */
async function connectionsOfRefusedLogin(server: MariaDbServer): Promise<number> {
  const relay = await countingRelay(server);
  try {
    const attempt = mysqlTarget({ tls: 'disable' })
      .connect({ ...loginTo(server, 'tls_user', 'Wrong-pw-1', 'disable'), host: '127.0.0.1', port: relay.port })
      .then((session) => session.close());
    await expectCode(attempt, 'TargetAuthFailed');
    return relay.connections();
  } finally {
    await relay.close();
  }
}

describe('a refused plaintext login', () => {
  let server: MariaDbServer;

  beforeAll(async () => {
    server = await startWithUser({});
  });
  afterAll(async () => {
    await server?.close();
  });

  it('is not retried over TLS on a server whose handshake offers no TLS', async () => {
    const admin = await adminConnection(server);
    const [rows] = await admin.query('SELECT @@have_ssl AS haveSsl');
    await admin.end();
    const offersTls = (rows as { haveSsl: string }[])[0]?.haveSsl === 'YES';
    // testkit's server runs with --skip-ssl; one given by URL may offer TLS, and then the retry is kept.
    expect(await connectionsOfRefusedLogin(server)).toBe(offersTls ? 2 : 1);
  });
});

describe('TLS against a server that requires secure transport', () => {
  let server: MariaDbServer;

  beforeAll(async () => {
    server = await startWithUser({ requireSecureTransport: true });
  });
  afterAll(async () => {
    await server?.close();
  });

  it('verifies the certificate with the right CA, by IP address and by host name', async () => {
    await login(server, { mode: 'verify', ca: server.ca as string });
    await login(server, { mode: 'verify', ca: Buffer.from(server.ca as string) }, 'localhost');
  });

  it('refuses a certificate from another CA, or one the system roots do not know, under verify', async () => {
    await expectCode(login(server, { mode: 'verify', ca: server.otherCa as string }), 'TlsRequired');
    await expectCode(login(server, { mode: 'verify' }), 'TlsRequired');
  });

  it('accepts the certificate unchecked under require', async () => {
    await login(server, { mode: 'require' });
  });

  it('names the option that fixes an unknown authority (system roots, another CA, the RDS preset)', async () => {
    const unknownAuthorities: MysqlTlsOptions[] = [
      { mode: 'verify' },
      { mode: 'verify', ca: server.otherCa as string },
      { mode: 'verify', ca: 'aws-rds' },
    ];
    for (const tls of unknownAuthorities) {
      const error = await thrown(login(server, tls));
      expect(isRotakitError(error, 'TlsRequired'), `${error.name}: ${error.message}`).toBe(true);
      expect(error.message).toContain("pass the server's CA (PEM) as tls.ca, or tls.ca: 'aws-rds'");
      expectNoSecret(error, [PASSWORD]);
    }
  });

  it('gets a typed error, not a session, when plaintext is asked of it', async () => {
    await expectCode(login(server, { mode: 'disable' }), 'TlsRequired');
  });
});

describe('TLS against a server whose certificate names another host', () => {
  let server: MariaDbServer;

  beforeAll(async () => {
    server = await startWithUser({ tls: true, certificateHosts: ['db.wrong.example'] });
  });
  afterAll(async () => {
    await server?.close();
  });

  it('refuses the certificate under verify, even from the right CA', async () => {
    await expectCode(login(server, { mode: 'verify', ca: server.ca as string }), 'TlsRequired');
    await expectCode(login(server, { mode: 'verify', ca: server.ca as string, servername: 'db.other.example' }), 'TlsRequired');
  });

  it('checks the name given as servername instead of the login host', async () => {
    await login(server, { mode: 'verify', ca: server.ca as string, servername: 'db.wrong.example' });
  });

  it('accepts it under require', async () => {
    await login(server, { mode: 'require' });
  });

  it('tells an account that requires TLS, logging in as plaintext, apart from a wrong password', async () => {
    const admin = new Admin(await adminConnection(server));
    await admin.createUser('tls_only', PASSWORD);
    await admin.run("ALTER USER tls_only REQUIRE SSL");
    await admin.connection.end();
    const attempt = (password: string): Promise<void> =>
      mysqlTarget({ tls: 'disable' })
        .connect(loginTo(server, 'tls_only', password, 'disable'))
        .then((session) => session.close());
    await expectCode(attempt(PASSWORD), 'TlsRequired');
    await expectCode(attempt('Wrong-pw-1'), 'TargetAuthFailed');
  });

  it('retries a refused plaintext login over TLS once on a server that offers TLS', async () => {
    expect(await connectionsOfRefusedLogin(server)).toBe(2);
  });
});
