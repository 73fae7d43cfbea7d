import { InvalidOptionsError, TLS_MODES, type TlsMode } from '@rotakit/core';
import { isTlsCaPreset, TLS_CA_PRESETS, tlsCaPreset, type TlsCaPreset } from './ca-presets.js';
import { MAX_IDENTIFIER_BYTES } from './sql.js';

/** TLS settings of the PostgreSQL target. */
export interface PostgresTlsOptions {
  /** `verify` (default): chain and host name checked; `require`: encrypted, unchecked; `disable`: plaintext. */
  readonly mode?: TlsMode;
  /**
   * PEM of the CA(s) to trust under `verify`, instead of Node's default bundle, or a preset name:
   * `aws-rds` for Amazon RDS and Aurora.
   */
  readonly ca?: string | Buffer | TlsCaPreset;
  /** The name the server certificate must carry under `verify`, when it differs from the host. */
  readonly servername?: string;
}

/** How a new password reaches the server. */
export type PasswordEncoding = 'scram-sha-256' | 'plaintext';

/** Options of `postgresTarget`. */
export interface PostgresTargetOptions {
  readonly tls?: PostgresTlsOptions;
  /** Connection (and TLS handshake) timeout in milliseconds; default 5000, 100 to 120000. */
  readonly connectTimeoutMs?: number;
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
export interface ResolvedPostgresOptions {
  /** `ca` is the PEM given, or a preset's certificates. */
  readonly tls: { readonly mode: TlsMode; readonly ca?: string | Buffer | string[]; readonly servername?: string };
  readonly connectTimeoutMs: number;
  readonly maxUsernameLength: number;
  readonly passwordEncoding: PasswordEncoding;
  readonly defaultDatabase: string;
  readonly defaultPort: number;
}

const OPTION_KEYS = [
  'tls',
  'connectTimeoutMs',
  'maxUsernameLength',
  'passwordEncoding',
  'defaultDatabase',
  'defaultPort',
] as const;
const TLS_KEYS = ['mode', 'ca', 'servername'] as const;
const PASSWORD_ENCODINGS: readonly PasswordEncoding[] = ['scram-sha-256', 'plaintext'];

function invalid(field: string, message: string): never {
  throw new InvalidOptionsError(`${field} ${message}`, { field });
}

function refuseUnknownKeys(value: object, known: readonly string[], prefix: string): void {
  for (const key of Object.keys(value)) {
    if (!known.includes(key)) invalid(`${prefix}${key}`, 'is not an option of the postgres target');
  }
}

function integerIn(field: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    invalid(field, `must be an integer from ${min} to ${max}`);
  }
  return value;
}

function nonEmptyString(field: string, value: unknown): string {
  if (typeof value !== 'string' || value.length === 0 || value.includes('\0')) {
    invalid(field, 'must be a non-empty string');
  }
  return value;
}

/** The CA given as PEM, or a preset's certificates. */
function resolveCa(ca: unknown): string | Buffer | string[] {
  if (isTlsCaPreset(ca)) return tlsCaPreset(ca);
  if (Buffer.isBuffer(ca) || (typeof ca === 'string' && ca.includes('-----BEGIN CERTIFICATE-----'))) return ca;
  invalid('tls.ca', `must be PEM (a string or a Buffer) or a preset (${TLS_CA_PRESETS.join(', ')})`);
}

/** Validates `options` and fills in defaults; throws `InvalidOptionsError` naming the field at fault. */
export function resolveOptions(options: PostgresTargetOptions | undefined): ResolvedPostgresOptions {
  const given: PostgresTargetOptions = options ?? {};
  if (typeof given !== 'object' || given === null || Array.isArray(given)) invalid('options', 'must be an object');
  refuseUnknownKeys(given, OPTION_KEYS, '');
  const tlsGiven = given.tls ?? {};
  if (typeof tlsGiven !== 'object' || tlsGiven === null || Array.isArray(tlsGiven)) invalid('tls', 'must be an object');
  refuseUnknownKeys(tlsGiven, TLS_KEYS, 'tls.');
  const mode = tlsGiven.mode ?? 'verify';
  if (!TLS_MODES.includes(mode)) invalid('tls.mode', `must be one of ${TLS_MODES.join(', ')}`);
  const tls = {
    mode,
    ...(tlsGiven.ca === undefined ? {} : { ca: resolveCa(tlsGiven.ca) }),
    ...(tlsGiven.servername === undefined ? {} : { servername: nonEmptyString('tls.servername', tlsGiven.servername) }),
  };
  const passwordEncoding = given.passwordEncoding ?? 'scram-sha-256';
  if (!PASSWORD_ENCODINGS.includes(passwordEncoding)) {
    invalid('passwordEncoding', `must be one of ${PASSWORD_ENCODINGS.join(', ')}`);
  }
  return {
    tls,
    connectTimeoutMs: integerIn('connectTimeoutMs', given.connectTimeoutMs ?? 5000, 100, 120_000),
    maxUsernameLength: integerIn('maxUsernameLength', given.maxUsernameLength ?? MAX_IDENTIFIER_BYTES, 1, MAX_IDENTIFIER_BYTES),
    passwordEncoding,
    defaultDatabase: nonEmptyString('defaultDatabase', given.defaultDatabase ?? 'postgres'),
    defaultPort: integerIn('defaultPort', given.defaultPort ?? 5432, 1, 65_535),
  };
}
