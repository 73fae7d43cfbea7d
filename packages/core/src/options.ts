import { InvalidOptionsError } from './errors.js';

/**
 * The option checks every adapter runs on what its user passes: each throws `InvalidOptionsError`
 * whose `field` names the option by the path the user wrote (`tls.ca`, `connectTimeoutMs`), and
 * whose message says what `subject` (`the postgres target`, …) takes instead. No check quotes the
 * value it refused: an option may hold a secret.
 */
export interface OptionChecks {
  /** `value` itself when it is a plain object (no array, no Buffer); `undefined` gives `{}`. */
  record(value: unknown, field: string): Record<string, unknown>;
  /** Refuses a key of `value` that is not in `known`; `prefix` is the path to `value` (`tls.`). */
  refuseUnknownKeys(value: object, known: readonly string[], prefix?: string): void;
  /** An integer from `min` to `max`; `undefined` gives `fallback`. */
  integerIn(value: unknown, field: string, range: { readonly min: number; readonly max: number; readonly fallback: number }): number;
  /** A non-empty string without NUL; `undefined` gives `fallback` (or stays undefined without one). */
  nonEmptyString(value: unknown, field: string, fallback?: string): string;
  /** One of `choices`; `undefined` gives `fallback`. */
  oneOf<T extends string>(value: unknown, field: string, choices: readonly T[], fallback: T): T;
  /** An `InvalidOptionsError` naming `field`, for the checks an adapter adds itself. */
  invalid(field: string, rule: string): InvalidOptionsError;
}

/** The option checks of one adapter; `subject` names it in messages (`the mysql target`). */
export function optionChecks(subject: string): OptionChecks {
  const invalid = (field: string, rule: string): InvalidOptionsError =>
    new InvalidOptionsError(`${subject} option ${field} ${rule}`, { field });
  return {
    invalid,
    record(value, field) {
      if (value === undefined) return {};
      if (typeof value !== 'object' || value === null || Array.isArray(value) || Buffer.isBuffer(value)) {
        throw invalid(field, 'must be an object');
      }
      return value as Record<string, unknown>;
    },
    refuseUnknownKeys(value, known, prefix = '') {
      for (const key of Object.keys(value)) {
        if (!known.includes(key)) throw invalid(`${prefix}${key}`, `is not an option of ${subject}`);
      }
    },
    integerIn(value, field, { min, max, fallback }) {
      const given = value === undefined ? fallback : value;
      if (typeof given !== 'number' || !Number.isInteger(given) || given < min || given > max) {
        throw invalid(field, `must be an integer from ${min} to ${max}`);
      }
      return given;
    },
    nonEmptyString(value, field, fallback) {
      const given = value === undefined ? fallback : value;
      if (typeof given !== 'string' || given.length === 0 || given.includes('\0')) throw invalid(field, 'must be a non-empty string');
      return given;
    },
    oneOf(value, field, choices, fallback) {
      const given = value === undefined ? fallback : value;
      if (typeof given !== 'string' || !(choices as readonly string[]).includes(given)) {
        throw invalid(field, `must be one of ${choices.join(', ')}`);
      }
      return given as (typeof choices)[number];
    },
  };
}
