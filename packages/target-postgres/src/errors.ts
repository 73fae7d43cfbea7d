import {
  errorClassifier,
  errorFacts,
  errorOfKind,
  isRotakitError,
  isUnknownAuthority,
  markChangedNothing,
  NETWORK_ERROR_CODES,
  type ErrorKind,
  type Login,
  type Redactor,
  type RotakitError,
} from '@rotakit/core';
import { CA_PRESETS } from './options.js';

/** SQLSTATEs that mean the server is there but cannot take the session now. */
const UNAVAILABLE_SQLSTATES = ['53300', '57P01', '57P02', '57P03', '08006', '08001', '08004'];

/** TLS not offered, refused, or failed in the handshake or the certificate check. */
const TLS_MESSAGE = /does not support SSL|error establishing an SSL connection/i;
const TLS_CODE = /CERT|TLS|SSL|SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER/;

/** A connection lost, or never made within the timeout, as pg words it. */
const LOST = /terminated/i;
const LOST_OR_TIMED_OUT = /timeout|terminated/i;

/**
 * A failed login, first match wins: a server whose pg_hba.conf has only `hostssl` lines refuses a
 * plaintext login with 28000 "…, no encryption" (before PostgreSQL 14 "…, SSL off"), at the end
 * of the message, after the user and database names it quotes; other 28000s (no pg_hba.conf
 * entry, role may not log in) and 28P01 are refused credentials.
 */
const classifyLogin = errorClassifier([
  ['tls', (facts) => facts.code === '28000' && /, (?:no encryption|SSL off)$/.test(facts.message)],
  ['authFailed', ['28P01', '28000']],
  ['tls', (facts) => TLS_MESSAGE.test(facts.message) || TLS_CODE.test(facts.code)],
  ['unreachable', [...NETWORK_ERROR_CODES, ...UNAVAILABLE_SQLSTATES]],
  ['unreachable', (facts) => LOST_OR_TIMED_OUT.test(facts.message)],
]);

/** A failed statement in an open session: the connection lost, or the server's refusal. */
const classifyStatement = errorClassifier([
  ['unreachable', NETWORK_ERROR_CODES],
  ['unreachable', (facts) => LOST.test(facts.message)],
]);

/** What each kind of failed login says, after `at <host:port>: <driver's message> (<code>)`. */
function loginMessage(kind: ErrorKind, login: Login, detail: string, hint: string): string {
  switch (kind) {
    case 'authFailed':
      return `the server refused the login of ${login.username} at ${detail}`;
    case 'tls':
      return login.tls === 'disable'
        ? `the server refuses plaintext logins and tls is disable, at ${detail}`
        : `TLS could not be established as ${login.tls} asks, at ${detail}; no plaintext fallback${hint}`;
    case 'unreachable':
      return `the PostgreSQL server is unreachable at ${detail}`;
    default:
      return `connecting to PostgreSQL failed at ${detail}`;
  }
}

/**
 * Turns a failed connection attempt into rotakit's login classification: refused credentials
 * (28P01, or 28000 "no pg_hba.conf entry") → `TargetAuthFailedError`; TLS not offered, refused or
 * not trusted, or a server that refuses plaintext → `TlsRequiredError`; refused, timed out, DNS,
 * server starting or full → `TargetUnreachableError`; anything else → `StepFailedError`. Messages
 * keep the driver's text with every secret `redactor` knows removed, and carry no cause.
 */
export function classifyConnectError(error: unknown, login: Login, where: string, redactor: Redactor): RotakitError {
  if (isRotakitError(error)) return error;
  const facts = errorFacts(error);
  const kind = classifyLogin(facts);
  const detail = `${where}: ${redactor.text(facts.message)}${facts.code ? ` (${facts.code})` : ''}`;
  const hint = isUnknownAuthority(facts.code, facts.message) ? `; ${CA_PRESETS.unknownAuthorityHint}` : '';
  return errorOfKind(kind, loginMessage(kind, login, detail, hint));
}

/**
 * Wraps an error of a statement run in an open session: SQLSTATE and the server message with every
 * secret `redactor` knows removed, or only the SQLSTATE when the statement carried a password (a
 * syntax error could echo it in a form the redactor does not know).
 */
export function statementError(error: unknown, action: string, redactor: Redactor, withServerText = true): RotakitError {
  if (isRotakitError(error)) return error;
  const facts = errorFacts(error);
  if (classifyStatement(facts) === 'unreachable') {
    return errorOfKind('unreachable', `${action} failed: the connection was lost (${facts.code || 'closed'})`);
  }
  const text = withServerText ? `: ${redactor.text(facts.message)}` : '';
  return errorOfKind('failed', `${action} failed${text}${facts.code ? ` (SQLSTATE ${facts.code})` : ''}`);
}

/**
 * The error of a statement that commits on its own (or of COMMIT): when the server answered with
 * an error, nothing was committed (`changedNothing`); when the connection was lost, nobody knows.
 */
export function unchangedUnlessLost(error: unknown): unknown {
  return isRotakitError(error, 'TargetUnreachable') ? error : markChangedNothing(error);
}
