import { isRotakitError, Redactor } from '@rotakit/core';
import { describe, expect, it } from 'vitest';
import { CA_PRESETS, classifyConnectError, preloginEncryptionAnswer, statementError } from '../src/internal.js';

const PASSWORD = 'Classified-password-1';

/** A Redactor that knows the test's password, as a session's does from its login on. */
function redactor(): Redactor {
  const known = new Redactor();
  known.add(PASSWORD);
  return known;
}

describe('PRELOGIN answer', () => {
  // Header (type 0x04, EOM, length), then VERSION and ENCRYPTION options, terminator, data.
  const packet = (encryption: number): Buffer => {
    const payload = Buffer.from([0x00, 0, 11, 0, 6, 0x01, 0, 17, 0, 1, 0xff, 16, 0, 0, 0, 0, 0, encryption]);
    const header = Buffer.from([0x04, 0x01, 0, 8 + payload.length, 0, 0, 1, 0]);
    return Buffer.concat([header, payload]);
  };

  it('reads the ENCRYPTION option once the packet is whole', () => {
    expect(preloginEncryptionAnswer(packet(0x02))).toBe(0x02);
    expect(preloginEncryptionAnswer(packet(0x01))).toBe(0x01);
    expect(preloginEncryptionAnswer(packet(0x01).subarray(0, 12))).toBeUndefined();
  });
});

describe('login failure classification', () => {
  const login = { username: 'app', password: PASSWORD, host: 'db', port: 1433, tls: 'verify' as const };
  const driverError = (code: string, cause?: object): object => ({ code, originalError: { code, cause } });

  it.each([
    [driverError('ELOGIN'), 'TargetAuthFailed'],
    [driverError('EENCRYPT'), 'TlsRequired'],
    [driverError('ESOCKET', { code: 'ERR_TLS_CERT_ALTNAME_INVALID' }), 'TlsRequired'],
    [driverError('ESOCKET', { code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' }), 'TlsRequired'],
    [driverError('ESOCKET', { code: 'ECONNREFUSED' }), 'TargetUnreachable'],
    [driverError('ETIMEOUT'), 'TargetUnreachable'],
    [driverError('EINSTLOOKUP'), 'TargetUnreachable'],
    [driverError('EWHATEVER'), 'StepFailed'],
  ])('%j → %s', (error, code) => {
    expect(isRotakitError(classifyConnectError(error, login, redactor()), code as never)).toBe(true);
  });

  it('keeps SQL Server\'s login message, without the password', () => {
    const error = classifyConnectError({ code: 'ELOGIN', message: `Login failed for user 'app'. ${PASSWORD}` }, login, redactor());
    expect(error.message).toContain("Login failed for user 'app'.");
    expect(error.message).not.toContain(PASSWORD);
  });

  it('names the failing codes: the driver\'s and the network\'s under it', () => {
    expect(classifyConnectError(driverError('ESOCKET', { code: 'ECONNREFUSED' }), login, redactor()).message).toContain('(ESOCKET, ECONNREFUSED)');
  });

  it('an unknown authority names the options that fix it, another TLS failure does not', () => {
    const unknown = classifyConnectError(driverError('ESOCKET', { code: 'SELF_SIGNED_CERT_IN_CHAIN' }), login, redactor());
    expect(unknown.message).toContain(CA_PRESETS.unknownAuthorityHint);
    expect(classifyConnectError(driverError('ESOCKET', { code: 'ERR_TLS_CERT_ALTNAME_INVALID' }), login, redactor()).message).not.toContain('tls.ca');
  });

  it('a server that refused TLS under verify/require is TlsRequired whatever the driver said', () => {
    expect(isRotakitError(classifyConnectError(driverError('ESOCKET'), login, redactor(), true), 'TlsRequired')).toBe(true);
  });
});

describe('statement failures', () => {
  it('carry SQL Server\'s error number and message, without any password the session has seen', () => {
    const error = statementError({ number: 15116, message: `Password validation failed: '${PASSWORD}'` }, 'set the login\'s password', redactor());
    expect(isRotakitError(error, 'StepFailed')).toBe(true);
    expect(error.retryable).toBe(false);
    expect(error.message).toBe("SQL Server could not set the login's password: error 15116: Password validation failed: '[REDACTED]'");
  });

  it.each(['ESOCKET', 'ETIMEOUT', 'ECONNCLOSED'])('are retryable when the connection failed under them (%s)', (code) => {
    const error = statementError({ code, message: 'Connection lost' }, 'ping', redactor());
    expect(error.retryable).toBe(true);
    expect(error.message).toBe(`SQL Server could not ping: ${code}: Connection lost`);
  });
});
