import { generatePassword, isRotakitError } from '@rotakit/core';
import { ServiceFailure } from './responses.js';

/** Options of Generate Random Secret, defaults applied. */
export interface RandomSecretOptions {
  length: number;
  excludeCharacters: string;
  excludeNumbers: boolean;
  excludePunctuation: boolean;
  excludeUppercase: boolean;
  excludeLowercase: boolean;
  includeSpace: boolean;
  requireEachIncludedType: boolean;
}


/** What Add Pending Stage generates for each rotation target: the documented default length, no space (inferred). */
export const PENDING_VALUE_OPTIONS: RandomSecretOptions = {
  length: 12,
  excludeCharacters: '',
  excludeNumbers: false,
  excludePunctuation: false,
  excludeUppercase: false,
  excludeLowercase: false,
  includeSpace: false,
  requireEachIncludedType: true,
};

const BOOLEAN_DEFAULTS = {
  excludeNumbers: false,
  excludePunctuation: false,
  excludeUppercase: false,
  excludeLowercase: false,
  includeSpace: true,
  requireEachIncludedType: true,
} as const;

/**
 * Reads a Generate Random Secret body: `length` is required, a whole number from 5 to 32;
 * `excludeCharacters` a string; the flags booleans with the documented defaults
 * (`includeSpace` true, `requireEachIncludedType` true, the `exclude*` flags false).
 */
export function parseRandomSecretOptions(body: unknown): RandomSecretOptions {
  if (!isRecord(body)) throw new ServiceFailure('INVALID_REQUEST', 'The request body must be a JSON object.');
  const { length, excludeCharacters = '' } = body;
  if (typeof length !== 'number' || !Number.isInteger(length) || length < 5 || length > 32) {
    throw new ServiceFailure('INVALID_REQUEST', 'length must be a whole number from 5 to 32.');
  }
  if (typeof excludeCharacters !== 'string') {
    throw new ServiceFailure('INVALID_REQUEST', 'excludeCharacters must be a string.');
  }
  const flags = { ...BOOLEAN_DEFAULTS } as Record<keyof typeof BOOLEAN_DEFAULTS, boolean>;
  for (const name of Object.keys(BOOLEAN_DEFAULTS) as Array<keyof typeof BOOLEAN_DEFAULTS>) {
    const value = body[name];
    if (value === undefined) continue;
    if (typeof value !== 'boolean') throw new ServiceFailure('INVALID_REQUEST', `${name} must be a boolean.`);
    flags[name] = value;
  }
  return { length, excludeCharacters, ...flags };
}

/**
 * A random string by rotakit's generator: the included classes minus `excludeCharacters`; with
 * `requireEachIncludedType`, at least one character of every included class that still has
 * characters left (space is not a required class).
 */
export function generateRandomSecret(options: RandomSecretOptions): string {
  try {
    return generatePassword(options);
  } catch (error) {
    if (!isRotakitError(error, 'PasswordPolicyInvalid')) throw error;
    throw new ServiceFailure('INVALID_REQUEST', 'No characters are left to generate from.');
  }
}

/** True for a plain JSON object (not an array, not null). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
