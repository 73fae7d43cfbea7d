import { X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { isRotakitError } from '@rotakit/core';
import { postgresTarget, type PostgresTargetOptions } from '@rotakit/target-postgres';
import { expectNoPasswordIn, failsWith, thrown } from './helpers.js';

const PASSWORD = 'Unreachable-password-1';

describe('options', () => {
  const cases: Array<[string, unknown]> = [
    ['colour', { colour: 'blue' }],
    ['tls', { tls: 'prefer' }],
    ['tls', { tls: 42 }],
    ['tls.mode', { tls: { mode: 'prefer' } }],
    ['tls.cert', { tls: { cert: 'x' } }],
    ['tls.ca', { tls: { ca: 42 } }],
    ['tls.ca', { tls: { ca: 'aws-rdz' } }],
    ['tls.servername', { tls: { servername: '' } }],
    ['tls.ca', { tls: { mode: 'require', ca: 'aws-rds' } }],
    ['tls.servername', { tls: { mode: 'disable', servername: 'db.example.org' } }],
    ['connectTimeoutMs', { connectTimeoutMs: 0 }],
    ['connectTimeoutMs', { connectTimeoutMs: 1.5 }],
    ['connectTimeoutMs', { connectTimeoutMs: 10 * 60_000 }],
    ['maxUsernameLength', { maxUsernameLength: 64 }],
    ['passwordEncoding', { passwordEncoding: 'md5' }],
    ['defaultDatabase', { defaultDatabase: '' }],
    ['defaultPort', { defaultPort: 70_000 }],
  ];
  it.each(cases)('a bad %s throws InvalidOptionsError naming it', (field, options) => {
    let error: unknown;
    try {
      postgresTarget(options as PostgresTargetOptions);
    } catch (e) {
      error = e;
    }
    expect(isRotakitError(error, 'InvalidOptions')).toBe(true);
    expect((error as { field: string }).field).toBe(field);
  });

  it("takes tls.ca: 'aws-rds' as the bundled RDS certificate authorities, loaded without a network", () => {
    const { ca } = postgresTarget({ tls: { ca: 'aws-rds' } }).options.tls;
    expect(Array.isArray(ca)).toBe(true);
    const certificates = ca as readonly string[];
    expect(certificates.join('\n').match(/-----BEGIN CERTIFICATE-----/g)?.length ?? 0).toBeGreaterThan(10);
    const issuers = certificates.map((certificate) => new X509Certificate(certificate).issuer);
    expect(issuers.filter((issuer) => issuer.includes('OU=Amazon RDS')).length).toBeGreaterThan(10);
  });

  it('takes a bare TLS mode as the tls option', () => {
    expect(postgresTarget({ tls: 'require' }).options.tls).toEqual({ mode: 'require' });
    expect(postgresTarget({ tls: 'disable' }).tls).toBe('disable');
  });

  it('defaults: verify, 5000 ms, 63 bytes, SCRAM', () => {
    const target = postgresTarget();
    expect(target.tls).toBe('verify');
    expect(target.maxUsernameLength).toBe(63);
    expect(target.options).toMatchObject({ connectTimeoutMs: 5000, passwordEncoding: 'scram-sha-256' });
  });

  it('measures usernames in UTF-8 bytes', () => {
    const target = postgresTarget();
    expect(target.usernameLength?.('abc')).toBe(3);
    expect(target.usernameLength?.('é')).toBe(2);
    expect(target.usernameLength?.('密')).toBe(3);
  });
});

describe('unreachable servers are TargetUnreachable and retryable', () => {
  const target = postgresTarget({ tls: { mode: 'disable' }, connectTimeoutMs: 300 });
  const logins = [
    ['a closed port', { host: '127.0.0.1', port: 1 }],
    ['an unknown host name', { host: 'no-such-host.invalid', port: 5432 }],
    ['an address that never answers', { host: '10.255.255.1', port: 5432 }],
  ] as const;
  it.each(logins)('%s', async (_name, where) => {
    const error = await failsWith(target.connect({ username: 'u', password: PASSWORD, tls: 'disable', ...where }), 'TargetUnreachable');
    expect((error as unknown as { retryable: boolean }).retryable).toBe(true);
  });

  it('no error thrown in this file contains the password', () => {
    expectNoPasswordIn(thrown, [PASSWORD]);
  });
});
