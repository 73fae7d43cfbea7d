import { X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { isRotakitError } from '@rotakit/core';
import { mysqlTarget, type MysqlTargetOptions } from '../src/index.js';
import { resolveOptions } from '../src/options.js';
import { expectNoSecret, thrown } from './helpers.js';

const SECRET = 'Option-secret-pw-1';

function optionsError(options: unknown): Error {
  try {
    mysqlTarget(options as MysqlTargetOptions);
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the options to be refused');
}

describe('mysqlTarget options', () => {
  it('has MySQL defaults: engine mysql, tls verify, 32-character usernames counted in characters', () => {
    const target = mysqlTarget();
    expect(target.engine).toBe('mysql');
    expect(target.tls).toBe('verify');
    expect(target.maxUsernameLength).toBe(32);
    expect(target.usernameLength?.('ünï😀')).toBe(4);
    expect(mysqlTarget({ maxUsernameLength: 16, tls: { mode: 'require' } })).toMatchObject({ maxUsernameLength: 16, tls: 'require' });
  });

  it.each([
    [{ password: SECRET }, 'password'],
    [{ tls: { mode: 'verify', rejectUnauthorized: false } }, 'tls.rejectUnauthorized'],
    [{ tls: 'strict' }, 'tls'],
    [{ tls: { mode: 'strict' } }, 'tls.mode'],
    [{ tls: 42 }, 'tls'],
    [{ tls: { mode: 'verify', ca: SECRET } }, 'tls.ca'],
    [{ tls: { mode: 'require', ca: '-----BEGIN CERTIFICATE-----' } }, 'tls.ca'],
    [{ tls: { mode: 'verify', ca: 'aws-rdz' } }, 'tls.ca'],
    [{ tls: { mode: 'require', ca: 'aws-rds' } }, 'tls.ca'],
    [{ tls: { servername: 'bad name!' } }, 'tls.servername'],
    [{ tls: { mode: 'disable', servername: 'db.example' } }, 'tls.servername'],
    [{ connectTimeoutMs: 0 }, 'connectTimeoutMs'],
    [{ connectTimeoutMs: 1e9 }, 'connectTimeoutMs'],
    [{ maxUsernameLength: 2.5 }, 'maxUsernameLength'],
    [{ logger: { warn: () => undefined } }, 'logger'],
    ['verify', 'options'],
  ])('refuses %j naming %s', (options, field) => {
    const error = optionsError(options);
    expect(isRotakitError(error, 'InvalidOptions')).toBe(true);
    expect((error as { field?: string }).field).toBe(field);
    expect(error.message).toContain(field);
    expectNoSecret(error, [SECRET]);
  });

  it("takes tls.ca: 'aws-rds' as the bundled RDS certificate authorities, loaded without a network", () => {
    expect(mysqlTarget({ tls: { ca: 'aws-rds' } }).tls).toBe('verify');
    const { ca } = resolveOptions({ tls: { mode: 'verify', ca: 'aws-rds' } }).tls;
    expect(Array.isArray(ca)).toBe(true);
    const pem = (ca as readonly string[]).join('\n');
    expect(pem.match(/-----BEGIN CERTIFICATE-----/g)?.length ?? 0).toBeGreaterThan(10);
    const issuers = (ca as readonly string[]).map((certificate) => new X509Certificate(certificate).issuer);
    expect(issuers.filter((issuer) => issuer.includes('OU=Amazon RDS')).length).toBeGreaterThan(10);
  });

  it('refuses a login with an unknown TLS mode before connecting', async () => {
    const login = { username: 'u', password: SECRET, host: '127.0.0.1', port: 1, tls: 'maybe' as 'verify' };
    const error = await thrown(mysqlTarget().connect(login));
    expect(isRotakitError(error, 'InvalidOptions')).toBe(true);
    expectNoSecret(error, [SECRET]);
  });
});

describe('unreachable servers', () => {
  it.each([
    ['a closed port', '127.0.0.1', 1],
    ['a host name that does not resolve', 'no-such-host.invalid', 3306],
  ])('gives a retryable TargetUnreachable for %s, without the password', async (_label, host, port) => {
    for (const tls of ['disable', 'verify'] as const) {
      const error = await thrown(mysqlTarget({ connectTimeoutMs: 2000 }).connect({ username: 'u', password: SECRET, host, port, tls }));
      expect(isRotakitError(error, 'TargetUnreachable'), `${error.name}: ${error.message}`).toBe(true);
      expect((error as { retryable?: boolean }).retryable).toBe(true);
      expect(error.message).toContain(host);
      expectNoSecret(error, [SECRET]);
    }
  });
});
