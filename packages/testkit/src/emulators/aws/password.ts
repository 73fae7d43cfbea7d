import { randomInt } from 'node:crypto';
import { awsErrors } from './errors.js';

/** GetRandomPassword's options, as the API names them. */
export interface RandomPasswordOptions {
  PasswordLength?: number;
  ExcludeCharacters?: string;
  ExcludeNumbers?: boolean;
  ExcludePunctuation?: boolean;
  ExcludeUppercase?: boolean;
  ExcludeLowercase?: boolean;
  IncludeSpace?: boolean;
  RequireEachIncludedType?: boolean;
}

const LOWERCASE = 'abcdefghijklmnopqrstuvwxyz';
const UPPERCASE = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const DIGITS = '0123456789';
/** The 32 characters Secrets Manager counts as punctuation. */
export const PUNCTUATION = '!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~';

/**
 * Generates a password as GetRandomPassword does: one character of every included class
 * when RequireEachIncludedType (default true) is set, the rest drawn from all included
 * characters, then shuffled so the required characters sit at unpredictable positions.
 */
export function randomPassword(options: RandomPasswordOptions): string {
  const length = options.PasswordLength ?? 32;
  // The API model's bounds; moto enforces 4 as the minimum [unverified which AWS applies now].
  if (!Number.isInteger(length) || length < 1) {
    throw awsErrors.constraint('passwordLength', 'Member must have value greater than or equal to 1', length);
  }
  if (length > 4096) {
    throw awsErrors.constraint('passwordLength', 'Member must have value less than or equal to 4096', length);
  }
  const excluded = new Set(options.ExcludeCharacters ?? '');
  const keep = (characters: string): string => [...characters].filter((c) => !excluded.has(c)).join('');
  const classes = [
    options.ExcludeLowercase ? '' : keep(LOWERCASE),
    options.ExcludeUppercase ? '' : keep(UPPERCASE),
    options.ExcludeNumbers ? '' : keep(DIGITS),
    options.ExcludePunctuation ? '' : keep(PUNCTUATION),
  ].filter((characters) => characters.length > 0);
  // A space joins the pool but is not a class that must appear.
  const pool = classes.join('') + (options.IncludeSpace ? keep(' ') : '');
  if (pool.length === 0) throw awsErrors.noCharactersLeft();
  const pick = (characters: string): string => characters[randomInt(characters.length)] ?? '';
  const chosen: string[] = [];
  if (options.RequireEachIncludedType ?? true) {
    if (length < classes.length) throw awsErrors.passwordTooShort();
    for (const characters of classes) chosen.push(pick(characters));
  }
  while (chosen.length < length) chosen.push(pick(pool));
  for (let i = chosen.length - 1; i > 0; i -= 1) {
    const j = randomInt(i + 1);
    [chosen[i], chosen[j]] = [chosen[j] ?? '', chosen[i] ?? ''];
  }
  return chosen.join('');
}
