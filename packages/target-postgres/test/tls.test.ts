import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPostgres, type PostgresFixture } from '@rotakit/testkit';
import { postgresTarget } from '@rotakit/target-postgres';
import { expectNoPasswordIn, failsWith, loginOn, logsIn, thrown } from './helpers.js';

const PASSWORD = 'Tls-test-password-1';

describe('TLS against a server that offers it', () => {
  let server: PostgresFixture;
  beforeAll(async () => {
    server = await startPostgres({ tls: 'on' });
    await server.query(`CREATE ROLE tls_user LOGIN PASSWORD '${PASSWORD}'`);
  });
  afterAll(() => server?.close());

  it('verify with the right CA logs in, and the session really is encrypted', async () => {
    const target = postgresTarget({ tls: { mode: 'verify', ca: server.ca as string } });
    const session = await target.connect(loginOn(server, 'tls_user', PASSWORD, 'verify'));
    await session.ping();
    const ssl = await server.query<{ ssl: boolean }>(
      "SELECT s.ssl FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid) WHERE a.usename = 'tls_user'",
    );
    await session.close();
    expect(ssl.rows).toEqual([{ ssl: true }]);
  });

  it('verify with another CA is TlsRequired', async () => {
    const target = postgresTarget({ tls: { mode: 'verify', ca: server.otherCa as string } });
    await failsWith(target.connect(loginOn(server, 'tls_user', PASSWORD, 'verify')), 'TlsRequired');
  });

  it('verify with no CA (the system bundle) is TlsRequired for a self-made certificate', async () => {
    const target = postgresTarget();
    await failsWith(target.connect(loginOn(server, 'tls_user', PASSWORD, 'verify')), 'TlsRequired');
  });

  it('an unknown authority (system roots, another CA, the RDS preset) names the option that fixes it', async () => {
    for (const ca of [undefined, server.otherCa as string, 'aws-rds']) {
      const target = postgresTarget({ tls: { mode: 'verify', ...(ca === undefined ? {} : { ca }) } });
      const error = await failsWith(target.connect(loginOn(server, 'tls_user', PASSWORD, 'verify')), 'TlsRequired');
      expect(error.message).toContain("pass the server's CA (PEM) as tls.ca, or tls.ca: 'aws-rds'");
    }
  });

  it('verify against a certificate for another name is TlsRequired', async () => {
    const target = postgresTarget({ tls: { mode: 'verify', ca: server.ca as string, servername: 'db.example.org' } });
    await failsWith(target.connect(loginOn(server, 'tls_user', PASSWORD, 'verify')), 'TlsRequired');
  });

  it('require accepts a certificate it cannot verify', async () => {
    // No ca: require checks no certificate, so the one TLS shape refuses a ca with it.
    const target = postgresTarget({ tls: 'require' });
    await logsIn(target, loginOn(server, 'tls_user', PASSWORD, 'require'));
  });
});

describe('TLS against a server without it', () => {
  let server: PostgresFixture;
  beforeAll(async () => {
    server = await startPostgres({ tls: 'off', allowExternal: false });
    await server.query(`CREATE ROLE plain_user LOGIN PASSWORD '${PASSWORD}'`);
  });
  afterAll(() => server?.close());

  it.each(['verify', 'require'] as const)('%s is TlsRequired, never a silent plaintext login', async (mode) => {
    const target = postgresTarget({ tls: { mode } });
    const error = await failsWith(target.connect(loginOn(server, 'plain_user', PASSWORD, mode)), 'TlsRequired');
    expect(error.message).toMatch(/does not support SSL/);
  });

  it('disable logs in', async () => {
    await logsIn(postgresTarget({ tls: { mode: 'disable' } }), loginOn(server, 'plain_user', PASSWORD));
  });
});

describe('a server that requires TLS (hostssl only)', () => {
  let server: PostgresFixture;
  beforeAll(async () => {
    server = await startPostgres({ tls: 'required' });
    await server.query(`CREATE ROLE ssl_only LOGIN PASSWORD '${PASSWORD}'`);
  });
  afterAll(() => server?.close());

  it('refuses disable with TlsRequired', async () => {
    const target = postgresTarget({ tls: { mode: 'disable' } });
    await failsWith(target.connect(loginOn(server, 'ssl_only', PASSWORD)), 'TlsRequired');
  });

  it('accepts verify with its CA', async () => {
    await logsIn(postgresTarget({ tls: { ca: server.ca as string } }), loginOn(server, 'ssl_only', PASSWORD, 'verify'));
  });

  it('still tells a wrong password apart as TargetAuthFailed over TLS', async () => {
    const target = postgresTarget({ tls: { ca: server.ca as string } });
    await failsWith(target.connect(loginOn(server, 'ssl_only', 'Wrong-password-9', 'verify')), 'TargetAuthFailed');
  });
});

it('no error thrown in this file contains a password', () => {
  expect(thrown.length).toBeGreaterThan(5);
  expectNoPasswordIn(thrown, [PASSWORD, 'Wrong-password-9']);
});
