import { randomInt } from 'node:crypto';
import { kmsError } from './errors.js';

/** The character classes GetRandomPassword draws from. */
export const PASSWORD_CLASSES = {
  lowercase: 'abcdefghijklmnopqrstuvwxyz',
  uppercase: 'ABCDEFGHIJKLMNOPQRSTUVWXYZ',
  numbers: '0123456789',
  punctuation: '!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~',
} as const;

/** What a GetRandomPassword call asks for, parameters already parsed. */
export interface PasswordRequest {
  length: number;
  excludeCharacters: string;
  exclude: Record<keyof typeof PASSWORD_CLASSES, boolean>;
  requireEachIncludedType: boolean;
}

/**
 * A random password from the classes left after the exclusions. With
 * `requireEachIncludedType`, every class that still has a character appears at least once.
 * Nothing left to draw from is an InvalidParameter.
 */
export function randomPassword(request: PasswordRequest): string {
  const pools = (Object.keys(PASSWORD_CLASSES) as (keyof typeof PASSWORD_CLASSES)[])
    .filter((name) => !request.exclude[name])
    .map((name) => [...PASSWORD_CLASSES[name]].filter((c) => !request.excludeCharacters.includes(c)))
    .filter((pool) => pool.length > 0);
  const all = pools.flat();
  if (all.length === 0) throw kmsError('InvalidParameter');
  const chars = request.requireEachIncludedType ? pools.map(pick) : [];
  while (chars.length < request.length) chars.push(pick(all));
  for (let i = chars.length - 1; i > 0; i -= 1) {
    const j = randomInt(i + 1);
    [chars[i], chars[j]] = [chars[j] as string, chars[i] as string];
  }
  return chars.join('');
}

function pick(pool: readonly string[]): string {
  return pool[randomInt(pool.length)] as string;
}
