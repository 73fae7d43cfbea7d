import {
  errorClassifier,
  errorFacts,
  errorOfKind,
  isUnknownAuthority,
  NETWORK_ERROR_CODES,
  type ErrorFacts,
  type ErrorKind,
  type ErrorTable,
  type Login,
  type Redactor,
  type RotakitError,
} from '@rotakit/core';
import { CA_PRESETS } from './options.js';
import type { Statement } from './sql.js';

/** What classification reads of a mysql2 or Node error: core's facts, the server's error number, and mysql2's `fatal`. */
interface MysqlFacts extends ErrorFacts {
  /** The server's error number (`1045`); undefined for an error that did not come from the server. */
  readonly errno: number | undefined;
  /** mysql2 says the connection is unusable after this error. */
  readonly fatal: boolean;
}

/** The facts of a driver error; the message is the server's own (`sqlMessage`) when there is one. */
function factsOf(error: unknown): MysqlFacts {
  const facts = errorFacts(error);
  const driver = (typeof error === 'object' && error !== null ? error : {}) as Record<string, unknown>;
  const sqlMessage = driver['sqlMessage'];
  return {
    ...facts,
    message: typeof sqlMessage === 'string' ? sqlMessage : facts.message || String(error),
    errno: typeof driver['errno'] === 'number' ? driver['errno'] : undefined,
    fatal: driver['fatal'] === true,
  };
}

/** A row match on the server's error number (facts without one never match). */
const errno =
  (...numbers: number[]) =>
  (facts: ErrorFacts): boolean =>
    'errno' in facts && typeof facts.errno === 'number' && numbers.includes(facts.errno);

/** A row match on the message. */
const message =
  (pattern: RegExp) =>
  (facts: ErrorFacts): boolean =>
    pattern.test(facts.message);

/**
 * The connection is gone or the server cannot take it now: network codes, mysql2's lost
 * connection, too many connections, shutdown. How a failed statement is classified too: a lost
 * connection is retryable, anything else fails the step.
 */
const LOST: ErrorTable = [
  ['unreachable', [...NETWORK_ERROR_CODES, 'PROTOCOL_CONNECTION_LOST', 'PROTOCOL_SEQUENCE_TIMEOUT']],
  ['unreachable', errno(1040, 1053, 1927)],
];

/**
 * How a failed login is classified, first match wins: refused credentials (1045, 1698); TLS that
 * could not be had as asked (no TLS offered, plaintext refused by `require_secure_transport`, a
 * certificate rejected); an unreachable or busy server; anything else fails the step.
 */
const CONNECT_ERRORS: ErrorTable = [
  ['authFailed', errno(1045, 1698)],
  ['tls', ['HANDSHAKE_NO_SSL_SUPPORT']],
  ['tls', errno(3159, 4151)],
  ['tls', message(/secure transport/i)],
  ['tls', /^(ERR_TLS_|ERR_SSL_|CERT_|DEPTH_ZERO_|SELF_SIGNED_|UNABLE_TO_|HOSTNAME_|ERR_OSSL_)/],
  ['tls', message(/certificate|ssl routines|secure TLS connection/i)],
  ...LOST,
];

const classifyConnect = errorClassifier(CONNECT_ERRORS);
const classifyStatement = errorClassifier(LOST);

/** Server errors that mean the privileged account may not grant something (it lacks it or its GRANT OPTION). */
const GRANT_DENIED = errno(1044, 1142, 1143, 1227, 1370);

/** The error's code, else its server error number, for a message. */
function label(facts: MysqlFacts): string {
  return facts.code || (facts.errno === undefined ? '?' : `errno ${facts.errno}`);
}

/** A plain error standing for a driver error: its code and scrubbed message, no SQL text, no parameters. */
function scrubbedCause(facts: MysqlFacts, redactor: Redactor, withMessage: boolean): Error {
  const head = [facts.code, facts.errno === undefined ? '' : `errno ${facts.errno}`].filter(Boolean).join(', ');
  return new Error(withMessage ? `${head ? `${head}: ` : ''}${redactor.text(facts.message)}` : head || 'driver error');
}

/** Whether the privileged account was refused a grant for lack of the privilege or its GRANT OPTION. */
export function grantDenied(error: unknown): boolean {
  return GRANT_DENIED(factsOf(error));
}

/** The server error number of a driver error, if it has one. */
export function errnoOf(error: unknown): number | undefined {
  return factsOf(error).errno;
}

/**
 * Whether the server answered a statement with an error, so that the statement did not apply
 * (account statements are atomic). A lost connection, a shutdown or a fatal error leave it unknown.
 */
export function refusedByServer(error: unknown): boolean {
  const facts = factsOf(error);
  return facts.errno !== undefined && facts.errno > 0 && !facts.fatal && classifyStatement(facts) !== 'unreachable';
}

/**
 * Classifies a failed login of `login` at `where`. Messages carry the driver's text only with
 * every secret the redactor knows removed; a TLS failure from an unknown authority names the fix.
 */
export function connectError(error: unknown, login: Login, where: string, redactor: Redactor): RotakitError {
  const facts = factsOf(error);
  const kind = classifyConnect(facts);
  const cause = scrubbedCause(facts, redactor, true);
  const hint = isUnknownAuthority(facts.code, facts.message) ? `; ${CA_PRESETS.unknownAuthorityHint}` : '';
  const messages: Partial<Record<ErrorKind, string>> = {
    authFailed: `authentication failed for user ${login.username} at ${where}`,
    tls:
      login.tls === 'disable'
        ? `the server at ${where} requires TLS but the login has tls: disable (${redactor.text(facts.message)})`
        : `TLS with the server at ${where} failed, and no plaintext fallback is made: ${redactor.text(facts.message)}${hint}`,
    unreachable: `the server at ${where} cannot be reached (${label(facts)})`,
  };
  return errorOfKind(kind, messages[kind] ?? `connecting to ${where} as ${login.username} failed (${label(facts)})`, { cause });
}

/**
 * Wraps the failure of `statement`. The statement's text never appears; the server's message only
 * when the statement holds no secret (a syntax error message quotes the text it choked on).
 */
export function statementError(error: unknown, statement: Statement, redactor: Redactor): RotakitError {
  const facts = factsOf(error);
  const cause = scrubbedCause(facts, redactor, !statement.secret);
  if (classifyStatement(facts) === 'unreachable') {
    return errorOfKind('unreachable', `the connection was lost trying to ${statement.purpose} (${label(facts)})`, { cause });
  }
  const detail = statement.secret ? '' : `: ${redactor.text(facts.message)}`;
  return errorOfKind('failed', `could not ${statement.purpose} (${label(facts)})${detail}`, { cause });
}
