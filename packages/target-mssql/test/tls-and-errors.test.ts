import { X509Certificate } from 'node:crypto';
import { isRotakitError, type Login, type TlsMode } from '@rotakit/core';
import { createTestCertificateAuthority, MssqlFake, type TestCertificateAuthority } from '@rotakit/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mssqlTarget, type MssqlTargetOptions } from '../src/index.js';
import { CA_PRESETS } from '../src/internal.js';
import { closedPort } from './support.js';
import { caughtErrors, expectNoSecretInErrors, failure } from './secrets.js';

const ADMIN_PASSWORD = 'Tls-admin-password-1';
const WRONG_PASSWORD = 'Tls-wrong-password-9';
const fakes: MssqlFake[] = [];
let ca: TestCertificateAuthority;
let otherCa: TestCertificateAuthority;
let rightCert: MssqlFake;
let wrongName: MssqlFake;
let forcedEncryption: MssqlFake;
let noTls: MssqlFake;

async function start(tls?: { key: string; cert: string }, requireTls = false): Promise<MssqlFake> {
  const fake = await MssqlFake.start({ ...(tls ? { tls } : {}), requireTls });
  fake.catalog.addLogin('sa', ADMIN_PASSWORD, { sysadmin: true });
  fakes.push(fake);
  return fake;
}

const login = (fake: MssqlFake, tls: TlsMode, password = ADMIN_PASSWORD): Login => ({ username: 'sa', password, host: '127.0.0.1', port: fake.port, tls });

async function connects(fake: MssqlFake, tls: TlsMode, options: MssqlTargetOptions = {}): Promise<void> {
  const session = await mssqlTarget(options).connect(login(fake, tls));
  await session.ping();
  await session.close();
}

beforeAll(async () => {
  ca = createTestCertificateAuthority();
  otherCa = createTestCertificateAuthority('another CA');
  rightCert = await start(ca.issue(['localhost', '127.0.0.1']));
  wrongName = await start(ca.issue(['db.wrong.example']));
  forcedEncryption = await start(ca.issue(['localhost', '127.0.0.1']), true);
  noTls = await start();
});

afterAll(async () => {
  for (const fake of fakes) await fake.close();
  ca.remove();
  otherCa.remove();
});

describe('TLS against the TDS fake (TLS carried in PRELOGIN packets, as SQL Server does)', () => {
  it('verify with the right CA logs in over TLS', async () => {
    await connects(rightCert, 'verify', { tls: { ca: ca.cert } });
    expect(rightCert.logins.at(-1)).toMatchObject({ ok: true, encrypted: true });
  });

  it('verify refuses a certificate for another name, as TlsRequired', async () => {
    const error = await failure(connects(wrongName, 'verify', { tls: { ca: ca.cert } }));
    expect(isRotakitError(error, 'TlsRequired')).toBe(true);
    expect(wrongName.logins).toHaveLength(0);
  });

  it('verify accepts the other name when told to expect it (servername)', async () => {
    await connects(wrongName, 'verify', { tls: { ca: ca.cert, servername: 'db.wrong.example' } });
  });

  it('verify refuses a certificate from another CA, as TlsRequired', async () => {
    const error = await failure(connects(rightCert, 'verify', { tls: { ca: otherCa.cert } }));
    expect(isRotakitError(error, 'TlsRequired')).toBe(true);
  });

  it('an unknown authority (system roots, another CA, the RDS preset) names the option that fixes it', async () => {
    for (const tls of [{}, { ca: otherCa.cert }, { ca: 'aws-rds' }]) {
      const error = await failure(connects(rightCert, 'verify', { tls }));
      expect(isRotakitError(error, 'TlsRequired'), String(error)).toBe(true);
      expect((error as Error).message).toContain(CA_PRESETS.unknownAuthorityHint);
      expect((error as Error).message).toContain("tls.ca: 'aws-rds'");
    }
  });

  it("takes tls.ca: 'aws-rds' as the bundled RDS certificate authorities, loaded without a network", () => {
    const certificates = CA_PRESETS.certificates('aws-rds');
    expect(certificates.join('\n').match(/-----BEGIN CERTIFICATE-----/g)?.length ?? 0).toBeGreaterThan(10);
    const issuers = certificates.map((certificate) => new X509Certificate(certificate).issuer);
    expect(issuers.filter((issuer) => issuer.includes('OU=Amazon RDS')).length).toBeGreaterThan(10);
    expect(mssqlTarget({ tls: { ca: 'aws-rds' } }).tls).toBe('verify');
  });

  it('require accepts a certificate it cannot verify, and still encrypts', async () => {
    await connects(wrongName, 'require');
    expect(wrongName.logins.at(-1)).toMatchObject({ ok: true, encrypted: true });
  });

  it('takes a bare mode as the tls option', async () => {
    expect(mssqlTarget({ tls: 'require' }).tls).toBe('require');
    await connects(wrongName, 'require', { tls: 'require' });
    expect(wrongName.logins.at(-1)).toMatchObject({ ok: true, encrypted: true });
  });

  it('disable against a server that forces encryption fails as TlsRequired', async () => {
    const error = await failure(connects(forcedEncryption, 'disable'));
    expect(isRotakitError(error, 'TlsRequired')).toBe(true);
  });

  it.each(['verify', 'require'] as const)('%s against a server without TLS fails as TlsRequired before the password is sent', async (mode) => {
    const error = await failure(connects(noTls, mode));
    expect(isRotakitError(error, 'TlsRequired')).toBe(true);
    // The fake saw no LOGIN7: the client hung up after PRELOGIN instead of downgrading.
    expect(noTls.logins).toHaveLength(0);
  });

  it('disable against a server without TLS logs in in plaintext', async () => {
    await connects(noTls, 'disable');
    expect(noTls.logins.at(-1)).toMatchObject({ ok: true, encrypted: false });
  });
});

describe('login failures', () => {
  it('a wrong password over TLS is TargetAuthFailed, not retryable', async () => {
    const error = await failure(mssqlTarget({ tls: { ca: ca.cert } }).connect(login(rightCert, 'verify', WRONG_PASSWORD)));
    expect(isRotakitError(error, 'TargetAuthFailed')).toBe(true);
    expect((error as { retryable: boolean }).retryable).toBe(false);
  });

  it('a closed port is TargetUnreachable, retryable', async () => {
    const error = await failure(mssqlTarget().connect({ username: 'sa', password: WRONG_PASSWORD, host: '127.0.0.1', port: await closedPort(), tls: 'disable' }));
    expect(isRotakitError(error, 'TargetUnreachable')).toBe(true);
    expect((error as { retryable: boolean }).retryable).toBe(true);
  });

  it('an unknown host name is TargetUnreachable', async () => {
    const error = await failure(mssqlTarget().connect({ username: 'sa', password: WRONG_PASSWORD, host: 'no-such-host.invalid', port: 1433, tls: 'disable' }));
    expect(isRotakitError(error, 'TargetUnreachable')).toBe(true);
  });

  it('a server that accepts the connection and never answers times out as TargetUnreachable', async () => {
    const { createServer } = await import('node:net');
    const silent = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', () => resolve()));
    const port = (silent.address() as { port: number }).port;
    const error = await failure(mssqlTarget({ connectTimeoutMs: 300 }).connect({ username: 'sa', password: WRONG_PASSWORD, host: '127.0.0.1', port, tls: 'disable' }));
    silent.close();
    expect(isRotakitError(error, 'TargetUnreachable')).toBe(true);
  });
});

describe('options', () => {
  it.each([
    [{ colour: 'blue' }, 'colour'],
    [{ tls: { mode: 'sometimes' } }, 'tls.mode'],
    [{ tls: { verify: true } }, 'tls.verify'],
    [{ tls: { ca: 42 } }, 'tls.ca'],
    [{ tls: { ca: 'aws-rdz' } }, 'tls.ca'],
    [{ tls: { servername: '' } }, 'tls.servername'],
    // One TLS shape for every target: ca and servername go with verify only (require checks no certificate).
    [{ tls: { mode: 'require', ca: 'aws-rds' } }, 'tls.ca'],
    [{ tls: { mode: 'disable', ca: 'aws-rds' } }, 'tls.ca'],
    [{ tls: { mode: 'require', servername: 'db.example' } }, 'tls.servername'],
    [{ tls: { ca: 'not a certificate' } }, 'tls.ca'],
    [{ tls: 'sometimes' }, 'tls'],
    [{ tls: ['verify'] }, 'tls'],
    [null, 'options'],
    [{ connectTimeoutMs: 0 }, 'connectTimeoutMs'],
    [{ connectTimeoutMs: 1.5 }, 'connectTimeoutMs'],
    [{ requestTimeoutMs: -1 }, 'requestTimeoutMs'],
    [{ maxUsernameLength: 129 }, 'maxUsernameLength'],
  ])('%j is refused naming %s', (options, field) => {
    let error: unknown;
    try {
      mssqlTarget(options as MssqlTargetOptions);
    } catch (e) {
      error = e;
    }
    expect(isRotakitError(error, 'InvalidOptions')).toBe(true);
    expect((error as { field: string }).field).toBe(field);
  });

  it('defaults to verify, 128-character names and 128-character passwords', () => {
    const target = mssqlTarget();
    expect(target).toMatchObject({ engine: 'mssql', tls: 'verify', maxUsernameLength: 128, passwordConstraints: { maxLength: 128 } });
    expect(mssqlTarget({ maxUsernameLength: 64, tls: { mode: 'require' } })).toMatchObject({ maxUsernameLength: 64, tls: 'require' });
  });
});

describe('secrets', () => {
  it('no password appears in any error thrown above', () => {
    expect(caughtErrors.length).toBeGreaterThan(5);
    expectNoSecretInErrors([ADMIN_PASSWORD, WRONG_PASSWORD]);
  });
});
