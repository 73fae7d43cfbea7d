import { describe, expect, it } from 'vitest';
import { isRotakitError, Redactor, type Login, type RotakitErrorCode } from '@rotakit/core';
import { classifyConnectError, statementError } from '../src/errors.js';

const PASSWORD = 'Classified-password-1';
const login = (tls: Login['tls'], username = 'app'): Login => ({ username, password: PASSWORD, tls });
const redactor = new Redactor();
redactor.add(PASSWORD);

/** What pg hands over: an error with the server's SQLSTATE (or Node's code) and message. */
const failure = (code: string | undefined, message: string): Error => Object.assign(new Error(message), code ? { code } : {});

// The servers of tls.test.ts and sync.test.ts produce these for real; the table's order is pinned here.
describe('the login classification table', () => {
  const cases: Array<[string, Error, Login, RotakitErrorCode]> = [
    ['a wrong password', failure('28P01', 'password authentication failed for user "app"'), login('verify'), 'TargetAuthFailed'],
    ['no pg_hba.conf entry', failure('28000', 'no pg_hba.conf entry for host "h", user "app", database "d", SSL encryption'), login('verify'), 'TargetAuthFailed'],
    ['a hostssl-only server refusing plaintext', failure('28000', 'no pg_hba.conf entry for host "h", user "app", database "d", no encryption'), login('disable'), 'TlsRequired'],
    ['the same before PostgreSQL 14', failure('28000', 'no pg_hba.conf entry for host "h", user "app", database "d", SSL off'), login('disable'), 'TlsRequired'],
    [
      'a user named like the plaintext refusal, over TLS',
      failure('28000', 'no pg_hba.conf entry for host "h", user "x, no encryption", database "d", SSL encryption'),
      login('verify', 'x, no encryption'),
      'TargetAuthFailed',
    ],
    ['a server without TLS', failure(undefined, 'The server does not support SSL connections'), login('require'), 'TlsRequired'],
    ['an untrusted certificate', failure('SELF_SIGNED_CERT_IN_CHAIN', 'self-signed certificate in certificate chain'), login('verify'), 'TlsRequired'],
    ['a refused port', failure('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:1'), login('disable'), 'TargetUnreachable'],
    ['a full server', failure('53300', 'sorry, too many clients already'), login('disable'), 'TargetUnreachable'],
    ['a timeout', failure(undefined, 'Connection terminated due to connection timeout'), login('disable'), 'TargetUnreachable'],
    ['anything else', failure('3D000', 'database "d" does not exist'), login('disable'), 'StepFailed'],
  ];
  it.each(cases)('%s', (_name, error, at, code) => {
    const classified = classifyConnectError(error, at, 'h:5432', redactor);
    expect(isRotakitError(classified, code), classified.message).toBe(true);
  });

  it('an unknown authority names the option that fixes it', () => {
    const error = failure('UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'unable to get local issuer certificate');
    expect(classifyConnectError(error, login('verify'), 'h:5432', redactor).message).toContain("tls.ca: 'aws-rds'");
  });

  it('removes every password the redactor knows from the driver text', () => {
    const classified = classifyConnectError(failure('XX000', `bad value ${PASSWORD}`), login('disable'), 'h:5432', redactor);
    expect(classified.message).not.toContain(PASSWORD);
    const statement = statementError(failure('42601', `syntax error at "${PASSWORD}"`), 'setting it', redactor);
    expect(statement.message).not.toContain(PASSWORD);
    expect(statement.message).toContain('(SQLSTATE 42601)');
    expect(statementError(failure('42601', 'echo'), 'setting it', redactor, false).message).toBe('setting it failed (SQLSTATE 42601)');
  });

  it('a statement whose connection was lost is TargetUnreachable', () => {
    expect(isRotakitError(statementError(failure('ECONNRESET', 'read ECONNRESET'), 'the ping', redactor), 'TargetUnreachable')).toBe(true);
    expect(isRotakitError(statementError(failure(undefined, 'Connection terminated unexpectedly'), 'the ping', redactor), 'TargetUnreachable')).toBe(true);
  });
});
