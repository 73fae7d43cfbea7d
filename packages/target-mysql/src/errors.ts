import {
  isUnknownAuthority,
  StepFailedError,
  TargetAuthFailedError,
  TargetUnreachableError,
  TlsRequiredError,
  type RotakitError,
} from '@rotakit/core';
import { CA_PRESETS } from './options.js';
import type { Statement } from './sql.js';

/** The fields of a mysql2 or Node error that classification reads. */
interface DriverError {
  readonly message?: unknown;
  readonly code?: unknown;
  readonly errno?: unknown;
  readonly sqlMessage?: unknown;
}

/** Server error numbers that mean the credentials were refused (wrong password, unknown user). */
const AUTH_FAILED = new Set([1045, 1698]);
/** Server error numbers that mean a plaintext connection was refused (require_secure_transport). */
const SECURE_TRANSPORT_REQUIRED = new Set([3159, 4151]);
/** Server error numbers worth retrying: too many connections, shutting down. */
const SERVER_BUSY = new Set([1040, 1053, 1927]);
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  'PROTOCOL_CONNECTION_LOST',
  'PROTOCOL_SEQUENCE_TIMEOUT',
]);
const TLS_CODE = /^(ERR_TLS_|ERR_SSL_|CERT_|DEPTH_ZERO_|SELF_SIGNED_|UNABLE_TO_|HOSTNAME_|ERR_OSSL_)/;

/** Server errors that mean the privileged account may not grant something (it lacks it or its GRANT OPTION). */
export const GRANT_DENIED = new Set([1044, 1142, 1143, 1227, 1370]);

function fields(error: unknown): { message: string; code: string; errno: number | undefined } {
  const driver = (typeof error === 'object' && error !== null ? error : {}) as DriverError;
  const message = typeof driver.sqlMessage === 'string' ? driver.sqlMessage : typeof driver.message === 'string' ? driver.message : String(error);
  return {
    message,
    code: typeof driver.code === 'string' ? driver.code : '',
    errno: typeof driver.errno === 'number' ? driver.errno : undefined,
  };
}

/** The server error number of a driver error, if it has one. */
export function errnoOf(error: unknown): number | undefined {
  return fields(error).errno;
}

/** `text` with every occurrence of each secret replaced. */
export function scrub(text: string, secrets: readonly string[]): string {
  let result = text;
  for (const secret of secrets) if (secret.length > 0) result = result.split(secret).join('[REDACTED]');
  return result;
}

/** A plain error standing for a driver error: its code and scrubbed message, no SQL text, no parameters. */
function scrubbedCause(error: unknown, secrets: readonly string[], withMessage = true): Error {
  const { message, code, errno } = fields(error);
  const label = [code, errno === undefined ? '' : `errno ${errno}`].filter(Boolean).join(', ');
  return new Error(withMessage ? `${label ? `${label}: ` : ''}${scrub(message, secrets)}` : label || 'driver error');
}

function isNetworkError(code: string, errno: number | undefined): boolean {
  return NETWORK_CODES.has(code) || (errno !== undefined && SERVER_BUSY.has(errno));
}

/**
 * Whether the server answered a statement with an error, so that the statement did not apply
 * (account statements are atomic). A lost connection, a shutdown or a fatal error leave it unknown.
 */
export function refusedByServer(error: unknown): boolean {
  const { code, errno } = fields(error);
  const fatal = typeof error === 'object' && error !== null && (error as { fatal?: unknown }).fatal === true;
  return errno !== undefined && errno > 0 && !fatal && !isNetworkError(code, errno);
}

/**
 * Classifies a failed login: refused credentials, an unreachable or busy server, TLS that could not
 * be had as asked (no TLS offered, certificate rejected, plaintext refused), or something else.
 */
export function connectError(error: unknown, where: string, username: string, secrets: readonly string[]): RotakitError {
  const { message, code, errno } = fields(error);
  const cause = scrubbedCause(error, secrets);
  if (errno !== undefined && AUTH_FAILED.has(errno)) {
    return new TargetAuthFailedError(`authentication failed for user ${username} at ${where}`, { cause });
  }
  if (code === 'HANDSHAKE_NO_SSL_SUPPORT') {
    return new TlsRequiredError(`the server at ${where} does not offer TLS; no plaintext fallback is made`, { cause });
  }
  if ((errno !== undefined && SECURE_TRANSPORT_REQUIRED.has(errno)) || /secure transport/i.test(message)) {
    return new TlsRequiredError(`the server at ${where} requires TLS but the login has tls: disable`, { cause });
  }
  if (TLS_CODE.test(code) || /certificate|ssl routines|secure TLS connection/i.test(message)) {
    const hint = isUnknownAuthority(code, message) ? `; ${CA_PRESETS.unknownAuthorityHint}` : '';
    return new TlsRequiredError(`TLS with the server at ${where} failed: ${scrub(message, secrets)}${hint}`, { cause });
  }
  if (isNetworkError(code, errno)) {
    return new TargetUnreachableError(`the server at ${where} cannot be reached (${code || `errno ${errno}`})`, { cause });
  }
  return new StepFailedError(`connecting to ${where} as ${username} failed (${code || `errno ${errno ?? '?'}`})`, false, {
    cause,
  });
}

/**
 * Wraps the failure of `statement`. The statement's text never appears; the server's message only
 * when the statement holds no secret (a syntax error message quotes the text it choked on).
 */
export function statementError(error: unknown, statement: Statement, secrets: readonly string[]): RotakitError {
  const { message, code, errno } = fields(error);
  const cause = scrubbedCause(error, secrets, !statement.secret);
  if (isNetworkError(code, errno)) {
    return new TargetUnreachableError(`the connection was lost trying to ${statement.purpose} (${code || `errno ${errno}`})`, {
      cause,
    });
  }
  const detail = statement.secret ? '' : `: ${scrub(message, secrets)}`;
  return new StepFailedError(`could not ${statement.purpose} (${code || `errno ${errno ?? '?'}`})${detail}`, false, { cause });
}
