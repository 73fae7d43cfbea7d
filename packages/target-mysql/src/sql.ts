import type { ServerVersion } from './version.js';

/** What statement text depends on: the server's version and how its session reads string literals. */
export interface SqlDialect {
  readonly server: ServerVersion;
  /** `NO_BACKSLASH_ESCAPES` is in the session's sql_mode: a backslash in a literal is an ordinary character. */
  readonly noBackslashEscapes: boolean;
}

/** One statement to run, with whether its text holds a secret (then its errors never echo it). */
export interface Statement {
  readonly sql: string;
  /** What the statement does, for error messages and logs (never a secret). */
  readonly purpose: string;
  readonly secret: boolean;
}

/** Quotes an identifier with backticks, doubling any backtick inside; no sql_mode changes how it reads. */
export function quoteIdentifier(name: string): string {
  return `\`${name.replaceAll('`', '``')}\``;
}

/**
 * Quotes a string literal by the session's rule: quotes are always doubled; backslashes are
 * doubled (and NUL written `\0`) only when backslash escapes are on, since under
 * `NO_BACKSLASH_ESCAPES` a doubled backslash would be two characters of the value.
 */
export function quoteString(value: string, noBackslashEscapes: boolean): string {
  const quoted = value.replaceAll("'", "''");
  if (noBackslashEscapes) return `'${quoted}'`;
  return `'${quoted.replaceAll('\\', '\\\\').replaceAll('\0', '\\0')}'`;
}

/** An account name `user@host`, both parts quoted as identifiers. */
export function accountName(user: string, host: string): string {
  return `${quoteIdentifier(user)}@${quoteIdentifier(host)}`;
}
