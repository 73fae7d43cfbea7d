import { InvalidOptionsError, TLS_MODES, type TlsMode } from '@rotakit/core';
import { isTlsCaPreset, TLS_CA_PRESETS, tlsCaPreset, type TlsCaPreset } from './ca-presets.js';

/** TLS settings of the SQL Server target. */
export interface MssqlTlsOptions {
  /**
   * `verify` (default): encrypt and check the certificate chain and name (mssql `encrypt: true`,
   * `trustServerCertificate: false`); `require`: encrypt without checks (`trustServerCertificate:
   * true`); `disable`: no TLS (`encrypt: false`).
   */
  readonly mode?: TlsMode;
  /**
   * CA certificate(s), PEM, trusted instead of the system roots under `verify`, or a preset name:
   * `aws-rds` for Amazon RDS.
   */
  readonly ca?: string | Buffer | TlsCaPreset;
  /** The name the certificate must carry, when it differs from the host (also sent as SNI). */
  readonly servername?: string;
}

/** Options of `mssqlTarget`. */
export interface MssqlTargetOptions {
  readonly tls?: MssqlTlsOptions;
  /** Login timeout in milliseconds; default 5000, from 100 to 120000. */
  readonly connectTimeoutMs?: number;
  /** Statement timeout in milliseconds; default 15000, from 100 to 600000. */
  readonly requestTimeoutMs?: number;
  /** Longest username accepted; default and maximum 128 (SQL Server's `sysname`). */
  readonly maxUsernameLength?: number;
}

/** Options after validation, with defaults filled in. */
export interface ResolvedMssqlOptions {
  /** `ca` is the PEM given, or a preset's certificates. */
  readonly tls: { readonly mode: TlsMode; readonly ca?: string | Buffer | string[]; readonly servername?: string };
  readonly connectTimeoutMs: number;
  readonly requestTimeoutMs: number;
  readonly maxUsernameLength: number;
}

/** SQL Server's identifier limit (`sysname` is nvarchar(128)). */
export const SQL_SERVER_MAX_IDENTIFIER = 128;

const OPTION_KEYS = ['tls', 'connectTimeoutMs', 'requestTimeoutMs', 'maxUsernameLength'];
const TLS_KEYS = ['mode', 'ca', 'servername'];

function invalid(field: string, message: string): InvalidOptionsError {
  return new InvalidOptionsError(`mssqlTarget option ${field} ${message}`, { field });
}

function rejectUnknownKeys(value: object, known: readonly string[], prefix: string): void {
  for (const key of Object.keys(value)) {
    if (!known.includes(key)) throw invalid(`${prefix}${key}`, 'is not a known option');
  }
}

function boundedInteger(value: unknown, field: string, min: number, max: number, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw invalid(field, `must be an integer from ${min} to ${max}`);
  }
  return value;
}

/** The CA given as PEM, or a preset's certificates. */
function resolveCa(ca: unknown): string | Buffer | string[] {
  if (isTlsCaPreset(ca)) return tlsCaPreset(ca);
  if (Buffer.isBuffer(ca) || (typeof ca === 'string' && ca.includes('-----BEGIN CERTIFICATE-----'))) return ca;
  throw invalid('tls.ca', `must be PEM (a string or a Buffer) or a preset (${TLS_CA_PRESETS.join(', ')})`);
}

/** Validates `options` before anything connects; the error names the field, never a value. */
export function resolveOptions(options: unknown = {}): ResolvedMssqlOptions {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) throw invalid('options', 'must be an object');
  rejectUnknownKeys(options, OPTION_KEYS, '');
  const given = options as MssqlTargetOptions;
  const tls = given.tls ?? {};
  if (typeof tls !== 'object' || tls === null || Array.isArray(tls)) throw invalid('tls', 'must be an object');
  rejectUnknownKeys(tls, TLS_KEYS, 'tls.');
  const mode = tls.mode ?? 'verify';
  if (!TLS_MODES.includes(mode)) throw invalid('tls.mode', `must be one of ${TLS_MODES.join(', ')}`);
  if (tls.servername !== undefined && (typeof tls.servername !== 'string' || tls.servername.length === 0)) {
    throw invalid('tls.servername', 'must be a non-empty string');
  }
  return {
    tls: {
      mode,
      ...(tls.ca === undefined ? {} : { ca: resolveCa(tls.ca) }),
      ...(tls.servername === undefined ? {} : { servername: tls.servername }),
    },
    connectTimeoutMs: boundedInteger(given.connectTimeoutMs, 'connectTimeoutMs', 100, 120_000, 5_000),
    requestTimeoutMs: boundedInteger(given.requestTimeoutMs, 'requestTimeoutMs', 100, 600_000, 15_000),
    maxUsernameLength: boundedInteger(given.maxUsernameLength, 'maxUsernameLength', 1, SQL_SERVER_MAX_IDENTIFIER, SQL_SERVER_MAX_IDENTIFIER),
  };
}
