import {
  isUnknownAuthority,
  markChangedNothing,
  isRotakitError,
  StepFailedError,
  TargetAuthFailedError,
  TargetUnreachableError,
  TlsRequiredError,
  type Login,
  type RotakitError,
} from '@rotakit/core';
import { CA_PRESETS } from './options.js';

/** SQLSTATEs that mean the server is there but cannot take the session now. */
const UNAVAILABLE_SQLSTATES = new Set(['53300', '57P01', '57P02', '57P03', '08006', '08001', '08004']);

/** Network error codes of Node's net, dns and tls layers that mean "cannot reach the server". */
const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EHOSTDOWN',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
]);

interface DriverError {
  message?: unknown;
  code?: unknown;
  library?: unknown;
}

/** Removes every occurrence of the given secrets from a driver's message. */
export function scrub(text: string, secrets: readonly string[]): string {
  let result = text;
  for (const secret of secrets) if (secret.length > 0) result = result.replaceAll(secret, '[redacted]');
  return result;
}

function describe(error: unknown): { message: string; code: string } {
  const driver = (typeof error === 'object' && error !== null ? error : {}) as DriverError;
  return {
    message: typeof driver.message === 'string' ? driver.message : String(error),
    code: typeof driver.code === 'string' ? driver.code : '',
  };
}

function isTlsFailure(error: unknown, message: string, code: string): boolean {
  if (/does not support SSL|error establishing an SSL connection/i.test(message)) return true;
  if ((error as DriverError).library === 'SSL routines') return true;
  return /CERT|TLS|SSL|SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER/.test(code);
}

/**
 * Turns a failed connection attempt into rotakit's login classification: refused credentials
 * (28P01, or 28000 "no pg_hba.conf entry") → `TargetAuthFailedError`; TLS not offered, refused or
 * not trusted, or a server that refuses plaintext → `TlsRequiredError`; refused, timed out, DNS,
 * server starting or full → `TargetUnreachableError`; anything else → `StepFailedError`. Messages
 * keep the driver's text with the password removed, and carry no cause.
 */
export function classifyConnectError(error: unknown, login: Login, where: string): RotakitError {
  if (isRotakitError(error)) return error;
  const { message: raw, code } = describe(error);
  const message = scrub(raw, [login.password]);
  const detail = `${where}: ${message}${code ? ` (${code})` : ''}`;
  if (code === '28P01') return new TargetAuthFailedError(`authentication failed for ${login.username} at ${detail}`);
  if (code === '28000') {
    // A server whose pg_hba.conf has only hostssl lines refuses a plaintext login this way.
    if (login.tls === 'disable' && /no encryption|SSL off/i.test(message)) {
      return new TlsRequiredError(`the server refuses plaintext logins and tls is disable, at ${detail}`);
    }
    return new TargetAuthFailedError(`the server refused the login of ${login.username} at ${detail}`);
  }
  if (isTlsFailure(error, message, code)) {
    const hint = isUnknownAuthority(code, message) ? `; ${CA_PRESETS.unknownAuthorityHint}` : '';
    return new TlsRequiredError(`TLS could not be established as ${login.tls} asks, at ${detail}; no plaintext fallback${hint}`);
  }
  if (UNREACHABLE_CODES.has(code) || UNAVAILABLE_SQLSTATES.has(code) || /timeout|terminated/i.test(message)) {
    return new TargetUnreachableError(`the PostgreSQL server is unreachable at ${detail}`);
  }
  return new StepFailedError(`connecting to PostgreSQL failed at ${detail}`, false);
}

/**
 * Wraps an error of a statement run in an open session: SQLSTATE and the scrubbed server message,
 * or only the SQLSTATE when the statement carried a password (a syntax error could echo it).
 */
export function statementError(error: unknown, action: string, secrets: readonly string[], withServerText = true): RotakitError {
  if (isRotakitError(error)) return error;
  const { message, code } = describe(error);
  if (UNREACHABLE_CODES.has(code) || /terminated/i.test(message)) {
    return new TargetUnreachableError(`${action} failed: the connection was lost (${code || 'closed'})`);
  }
  const text = withServerText ? `: ${scrub(message, secrets)}` : '';
  return new StepFailedError(`${action} failed${text}${code ? ` (SQLSTATE ${code})` : ''}`, false);
}

/**
 * The error of a statement that commits on its own (or of COMMIT): when the server answered with
 * an error, nothing was committed (`changedNothing`); when the connection was lost, nobody knows.
 */
export function unchangedUnlessLost(error: unknown): unknown {
  return isRotakitError(error, 'TargetUnreachable') ? error : markChangedNothing(error);
}
