import { X509Certificate } from 'node:crypto';
import { InvalidOptionsError, silentLogger, TLS_MODES, type Logger, type TlsMode } from '@rotakit/core';
import { isTlsCaPreset, TLS_CA_PRESETS, tlsCaPreset, type TlsCaPreset } from './ca-presets.js';

/** TLS settings of the MySQL target. */
export interface MysqlTlsOptions {
  /** `verify` (default): certificate and host name checked; `require`: encrypted, unchecked; `disable`: plaintext. */
  readonly mode?: TlsMode;
  /**
   * PEM CA certificate(s) to verify the server against instead of Node's bundled roots (`verify`
   * only), or a preset name: `aws-rds` for Amazon RDS and Aurora.
   */
  readonly ca?: string | Buffer | TlsCaPreset;
  /** The name the server certificate must carry when it differs from the login's host (`verify` only). */
  readonly servername?: string;
}

/** Options of `mysqlTarget`. */
export interface MysqlTargetOptions {
  /** A TLS mode, or TLS settings. Default `verify`. */
  readonly tls?: TlsMode | MysqlTlsOptions;
  /** How long a login may take, in milliseconds (100 to 120000). Default 5000. */
  readonly connectTimeoutMs?: number;
  /**
   * The longest username accepted, in characters. Default 32 (MySQL 5.7 and later, MariaDB);
   * set 16 for MySQL 5.6.
   */
  readonly maxUsernameLength?: number;
  /**
   * Receives warnings (a grant that could not be copied) when the target is used outside a rotation;
   * inside one, the rotation's redacting logger is used. Silent by default.
   */
  readonly logger?: Logger;
}

/** Options after validation, defaults filled in. */
export interface ResolvedMysqlOptions {
  /** `ca` is the PEM given, or a preset's certificates. */
  readonly tls: { readonly mode: TlsMode; readonly ca?: string | Buffer | string[]; readonly servername?: string };
  readonly connectTimeoutMs: number;
  readonly maxUsernameLength: number;
  readonly logger: Logger;
}

const OPTION_KEYS = ['tls', 'connectTimeoutMs', 'maxUsernameLength', 'logger'] as const;
const TLS_KEYS = ['mode', 'ca', 'servername'] as const;

/** Default login timeout. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 5000;
/** Default username limit: MySQL 5.7 and later take 32 characters, MariaDB at least as many. */
export const DEFAULT_MAX_USERNAME_LENGTH = 32;

const invalid = (field: string, message: string): InvalidOptionsError =>
  new InvalidOptionsError(`mysql target option ${field} ${message}`, { field });

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !Buffer.isBuffer(value);
}

function rejectUnknownKeys(value: Record<string, unknown>, known: readonly string[], prefix: string): void {
  for (const key of Object.keys(value)) {
    if (!known.includes(key)) throw invalid(`${prefix}${key}`, `is unknown; known options: ${known.join(', ')}`);
  }
}

function integerIn(value: unknown, field: string, min: number, max: number, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw invalid(field, `must be a whole number from ${min} to ${max}`);
  }
  return value;
}

function resolveTls(value: unknown): ResolvedMysqlOptions['tls'] {
  if (value === undefined) return { mode: 'verify' };
  const settings = typeof value === 'string' ? { mode: value } : value;
  if (!isRecord(settings)) throw invalid('tls', `must be one of ${TLS_MODES.join(', ')} or an object`);
  rejectUnknownKeys(settings, TLS_KEYS, 'tls.');
  const mode = settings.mode ?? 'verify';
  if (typeof mode !== 'string' || !(TLS_MODES as readonly string[]).includes(mode)) {
    throw invalid('tls.mode', `must be one of ${TLS_MODES.join(', ')}`);
  }
  const resolved: { mode: TlsMode; ca?: string | Buffer | string[]; servername?: string } = { mode: mode as TlsMode };
  if (settings.ca !== undefined) {
    if (mode !== 'verify') throw invalid('tls.ca', 'is only used with mode verify; require does not check certificates');
    if (typeof settings.ca !== 'string' && !Buffer.isBuffer(settings.ca)) throw invalid('tls.ca', 'must be a PEM string or Buffer');
    if (isTlsCaPreset(settings.ca)) {
      resolved.ca = tlsCaPreset(settings.ca);
    } else {
      try {
        new X509Certificate(settings.ca);
      } catch {
        throw invalid('tls.ca', `is neither a PEM certificate nor a preset (${TLS_CA_PRESETS.join(', ')})`);
      }
      resolved.ca = settings.ca;
    }
  }
  if (settings.servername !== undefined) {
    if (mode !== 'verify') throw invalid('tls.servername', 'is only used with mode verify');
    if (typeof settings.servername !== 'string' || !/^[A-Za-z0-9.-]{1,253}$/.test(settings.servername)) {
      throw invalid('tls.servername', 'must be a DNS host name');
    }
    resolved.servername = settings.servername;
  }
  return resolved;
}

function resolveLogger(value: unknown): Logger {
  if (value === undefined) return silentLogger;
  const methods = ['debug', 'info', 'warn', 'error'] as const;
  if (!isRecord(value) || methods.some((method) => typeof value[method] !== 'function')) {
    throw invalid('logger', 'must have debug, info, warn and error methods');
  }
  return value as unknown as Logger;
}

/** Validates `mysqlTarget`'s options and fills in defaults; throws `InvalidOptionsError` naming the field. */
export function resolveOptions(options: unknown): ResolvedMysqlOptions {
  if (options === undefined) options = {};
  if (!isRecord(options)) throw invalid('options', 'must be an object');
  rejectUnknownKeys(options, OPTION_KEYS, '');
  return {
    tls: resolveTls(options.tls),
    connectTimeoutMs: integerIn(options.connectTimeoutMs, 'connectTimeoutMs', 100, 120_000, DEFAULT_CONNECT_TIMEOUT_MS),
    maxUsernameLength: integerIn(options.maxUsernameLength, 'maxUsernameLength', 1, 255, DEFAULT_MAX_USERNAME_LENGTH),
    logger: resolveLogger(options.logger),
  };
}
