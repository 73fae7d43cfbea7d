import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';
import { saslprep } from '@mongodb-js/saslprep';

/** Iterations PostgreSQL uses by default (`scram_iterations`), and the RFC 7677 minimum. */
export const SCRAM_ITERATIONS = 4096;

/** Longest password PostgreSQL's SASLprep (server and libpq) accepts, in bytes. */
export const MAX_PASSWORD_BYTES = 1024;

/** Salt length PostgreSQL uses for the verifiers it builds itself. */
const SALT_BYTES = 16;

// eslint-disable-next-line no-control-regex -- the ASCII range is the point
const ASCII_ONLY = /^[\x00-\x7f]*$/;

/**
 * Prepares a password the way PostgreSQL does before hashing it for SCRAM: SASLprep (RFC 4013),
 * and when that fails (a prohibited or unassigned code point, or a bidi violation) the password
 * as given. ASCII passwords are left untouched, as PostgreSQL does; an empty result also falls
 * back to the password as given.
 */
export function preparePassword(password: string): string {
  if (ASCII_ONLY.test(password)) return password;
  try {
    const prepared = saslprep(password);
    return prepared.length === 0 ? password : prepared;
  } catch {
    return password;
  }
}

/** Options of `scramSha256Verifier`, mainly for tests that compare with the server's own verifier. */
export interface ScramVerifierOptions {
  /** Default: 16 random bytes. */
  readonly salt?: Buffer;
  /** Default 4096. */
  readonly iterations?: number;
}

/**
 * Builds the SCRAM-SHA-256 verifier PostgreSQL stores for `password` (RFC 5802 / RFC 7677):
 * `SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>`, all base64. Sending this instead
 * of the password keeps the plaintext out of the server's statement log.
 */
export function scramSha256Verifier(password: string, options: ScramVerifierOptions = {}): string {
  const salt = options.salt ?? randomBytes(SALT_BYTES);
  const iterations = options.iterations ?? SCRAM_ITERATIONS;
  const saltedPassword = pbkdf2Sync(Buffer.from(preparePassword(password), 'utf8'), salt, iterations, 32, 'sha256');
  const clientKey = createHmac('sha256', saltedPassword).update('Client Key').digest();
  const storedKey = createHash('sha256').update(clientKey).digest();
  const serverKey = createHmac('sha256', saltedPassword).update('Server Key').digest();
  return `SCRAM-SHA-256$${iterations}:${salt.toString('base64')}$${storedKey.toString('base64')}:${serverKey.toString('base64')}`;
}
