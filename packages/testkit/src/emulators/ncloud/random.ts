import { randomInt } from 'node:crypto';
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

const UPPERCASE = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const LOWERCASE = 'abcdefghijklmnopqrstuvwxyz';
const NUMBERS = '0123456789';
const PUNCTUATION = '!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~';

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
 * A random string drawn from the included character classes minus `excludeCharacters`; with
 * `requireEachIncludedType`, at least one character of every included class that still has
 * characters left (space is not a required class).
 */
export function generateRandomSecret(options: RandomSecretOptions): string {
  const allowed = (characters: string): string =>
    [...characters].filter((c) => !options.excludeCharacters.includes(c)).join('');
  const classes = [
    options.excludeUppercase ? '' : allowed(UPPERCASE),
    options.excludeLowercase ? '' : allowed(LOWERCASE),
    options.excludeNumbers ? '' : allowed(NUMBERS),
    options.excludePunctuation ? '' : allowed(PUNCTUATION),
  ].filter((characters) => characters.length > 0);
  const pool = classes.join('') + (options.includeSpace ? allowed(' ') : '');
  if (pool.length === 0) {
    throw new ServiceFailure('INVALID_REQUEST', 'No characters are left to generate from.');
  }
  const pick = (characters: string): string => characters[randomInt(characters.length)] ?? '';
  const chosen = options.requireEachIncludedType ? classes.map(pick) : [];
  while (chosen.length < options.length) chosen.push(pick(pool));
  // Fisher-Yates, so the required characters are not always in front.
  for (let i = chosen.length - 1; i > 0; i -= 1) {
    const j = randomInt(i + 1);
    [chosen[i], chosen[j]] = [chosen[j] ?? '', chosen[i] ?? ''];
  }
  return chosen.join('');
}

/** True for a plain JSON object (not an array, not null). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
