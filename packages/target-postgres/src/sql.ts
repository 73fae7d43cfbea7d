import { InvalidOptionsError } from '@rotakit/core';

/** PostgreSQL's identifier limit: NAMEDATALEN - 1 bytes; longer names are silently truncated by the server. */
export const MAX_IDENTIFIER_BYTES = 63;

/** A username's length as PostgreSQL measures it: UTF-8 bytes. */
export function identifierLength(name: string): number {
  return Buffer.byteLength(name, 'utf8');
}

function refuseNul(value: string, what: string): void {
  if (value.includes('\0')) throw new InvalidOptionsError(`${what} must not contain a NUL character`, { field: what });
}

/** Quotes an identifier by PostgreSQL's rule: double quotes around it, each double quote doubled. */
export function quoteIdentifier(name: string): string {
  refuseNul(name, 'username');
  return `"${name.replaceAll('"', '""')}"`;
}

/**
 * Quotes a string literal as an escape string (`E'…'`): backslashes and single quotes doubled.
 * An `E''` literal reads the same whatever `standard_conforming_strings` is set to, so this is
 * correct on every server configuration.
 */
export function quoteLiteral(value: string): string {
  refuseNul(value, 'password');
  return `E'${value.replaceAll('\\', '\\\\').replaceAll("'", "''")}'`;
}
