import {
  errorClassifier,
  errorFacts,
  errorOfKind,
  isUnknownAuthority,
  NETWORK_ERROR_CODES,
  StepFailedError,
  type ErrorFacts,
  type ErrorTable,
  type Login,
  type Redactor,
  type RotakitError,
} from '@rotakit/core';
import { CA_PRESETS, DEFAULT_PORT } from './options.js';

/** Node's and OpenSSL's codes for a certificate or TLS handshake failure. */
const TLS_ERROR_CODE = /^(ERR_TLS_|ERR_SSL_|UNABLE_TO_|CERT_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT|HOSTNAME_MISMATCH|ERR_OSSL_)/;

/**
 * A failed login, by the codes mssql and tedious give (`ELOGIN` is SQL Server's error 18456,
 * `EENCRYPT` a server that forces encryption under `disable`) and those of Node underneath.
 */
const LOGIN_ERRORS: ErrorTable = [
  ['authFailed', ['ELOGIN']],
  ['tls', ['EENCRYPT']],
  ['tls', TLS_ERROR_CODE],
  ['unreachable', ['ESOCKET', 'ETIMEOUT', 'EINSTLOOKUP', ...NETWORK_ERROR_CODES]],
];

/** A failed statement worth running again: the connection failed under it, SQL Server did not refuse it. */
const STATEMENT_ERRORS: ErrorTable = [['unreachable', ['ETIMEOUT', 'ESOCKET', 'ECONNCLOSED', ...NETWORK_ERROR_CODES]]];

const classifyLogin = errorClassifier(LOGIN_ERRORS);
const classifyStatement = errorClassifier(STATEMENT_ERRORS);

/** The facts of mssql's error and of what it wraps (`originalError`, `cause`), outermost first. */
function causeChain(error: unknown): ErrorFacts[] {
  const chain: ErrorFacts[] = [];
  let current: unknown = error;
  while (typeof current === 'object' && current !== null && chain.length < 5) {
    chain.push(errorFacts(current));
    const link = current as { originalError?: unknown; cause?: unknown };
    current = link.originalError ?? link.cause;
  }
  return chain;
}

/** Who was logging in where, as a login failure names it. */
type Attempt = Pick<Login, 'username' | 'host' | 'port' | 'tls'>;

/**
 * Maps an mssql/tedious login failure to TargetAuthFailed, TlsRequired, TargetUnreachable or
 * StepFailed. The innermost cause the table knows decides (a certificate error under tedious's
 * `ESOCKET` is a TLS failure); `refusedPlaintext` (the server offered no TLS and the guard hung
 * up before LOGIN7) is TlsRequired whatever the driver said. SQL Server's message goes through
 * `redactor`.
 */
export function classifyConnectError(error: unknown, login: Attempt, redactor: Redactor, refusedPlaintext = false): RotakitError {
  const where = `${login.host ?? 'localhost'}:${login.port ?? DEFAULT_PORT}`;
  if (refusedPlaintext) {
    return errorOfKind('tls', `the SQL Server at ${where} does not offer TLS; tls is ${login.tls}, so the login was not sent`);
  }
  const chain = causeChain(error);
  const outer = chain[0]?.code ?? '';
  const facts = [...chain].reverse().find((link) => classifyLogin(link) !== 'failed') ?? chain[0] ?? errorFacts(error);
  const kind = classifyLogin(facts);
  switch (kind) {
    case 'authFailed':
      // SQL Server's login messages name the user and the database, never the password; it is cut out all the same.
      return errorOfKind(kind, `SQL Server refused the login of ${login.username} at ${where}: ${redactor.text(facts.message || 'login failed')}`);
    case 'tls': {
      if (facts.code === 'EENCRYPT') return errorOfKind(kind, `the SQL Server at ${where} requires encryption but tls is ${login.tls}`);
      const hint = isUnknownAuthority(facts.code, facts.message) ? `; ${CA_PRESETS.unknownAuthorityHint}` : '';
      return errorOfKind(kind, `TLS with the SQL Server at ${where} failed under tls ${login.tls} (${facts.code})${hint}`);
    }
    case 'unreachable': {
      const detail = chain.map((link) => link.code).find((code) => code !== '' && code !== outer);
      return errorOfKind(kind, `the SQL Server at ${where} cannot be reached (${outer || facts.code}${detail ? `, ${detail}` : ''})`);
    }
    default:
      return errorOfKind('failed', `connecting to the SQL Server at ${where} failed (${outer || 'unknown error'})`);
  }
}

/**
 * A statement's failure: what was being done, SQL Server's error number and message (through
 * `redactor`), retryable when the connection failed under it.
 */
export function statementError(error: unknown, doing: string, redactor: Redactor): StepFailedError {
  const facts = errorFacts(error);
  const number = (error as { number?: unknown } | null)?.number;
  const said = redactor.text(facts.message || 'unknown error');
  const answer = typeof number === 'number' ? `error ${number}: ${said}` : `${facts.code || 'error'}: ${said}`;
  return new StepFailedError(`SQL Server could not ${doing}: ${answer}`, classifyStatement(facts) === 'unreachable');
}

/** Whether SQL Server itself answered the statement with an error (it then ran none of it), not the connection failing. */
export function refusedByServer(error: unknown): boolean {
  return typeof (error as { number?: unknown } | null)?.number === 'number';
}
