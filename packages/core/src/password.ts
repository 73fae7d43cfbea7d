import { randomInt } from 'node:crypto';
import { PasswordPolicyInvalidError } from './errors.js';
import type { PasswordConstraints } from './target.js';

/**
 * How rotakit generates passwords. The fields follow AWS GetRandomPassword, so the same policy
 * can be handed to a cloud's generator.
 */
export interface PasswordPolicy {
  /** Number of characters; 1 to 4096, default 32. */
  readonly length?: number;
  /** Characters never used. */
  readonly excludeCharacters?: string;
  readonly excludeNumbers?: boolean;
  readonly excludePunctuation?: boolean;
  readonly excludeUppercase?: boolean;
  readonly excludeLowercase?: boolean;
  /** Whether a space may appear; default false. */
  readonly includeSpace?: boolean;
  /** At least one character of every included class (space excepted); default true. */
  readonly requireEachIncludedType?: boolean;
}

/** The policy rotakit uses unless told otherwise: 32 characters, none that break connection strings. */
export const DEFAULT_PASSWORD_POLICY: Readonly<Required<PasswordPolicy>> = {
  length: 32,
  excludeCharacters: `"'\\/@:`,
  excludeNumbers: false,
  excludePunctuation: false,
  excludeUppercase: false,
  excludeLowercase: false,
  includeSpace: false,
  requireEachIncludedType: true,
};

/** The most characters a generated password may have. */
export const MAX_PASSWORD_LENGTH = 4096;

/** The character classes a policy includes or excludes; punctuation is AWS GetRandomPassword's 32. */
export const PASSWORD_CHARACTER_CLASSES = {
  lowercase: 'abcdefghijklmnopqrstuvwxyz',
  uppercase: 'ABCDEFGHIJKLMNOPQRSTUVWXYZ',
  numbers: '0123456789',
  punctuation: '!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~',
} as const;

const CLASSES = PASSWORD_CHARACTER_CLASSES;

/** A policy checked and reduced to the alphabets a generator draws from. */
export interface ResolvedPasswordPolicy {
  readonly length: number;
  /** Every character that may appear. */
  readonly alphabet: string;
  /** Alphabets of which at least one character must appear. */
  readonly required: readonly string[];
}

/**
 * Checks a policy (merged over the default and with a target's constraints) and resolves its
 * alphabets. Throws `PasswordPolicyInvalidError` naming the setting that makes it impossible.
 */
export function resolvePasswordPolicy(
  policy: PasswordPolicy = {},
  constraints: PasswordConstraints = {},
): ResolvedPasswordPolicy {
  const merged = { ...DEFAULT_PASSWORD_POLICY, ...definedOnly(policy) };
  const { length } = merged;
  if (!Number.isInteger(length) || length < 1 || length > MAX_PASSWORD_LENGTH) {
    throw new PasswordPolicyInvalidError(`password length must be a whole number from 1 to ${MAX_PASSWORD_LENGTH}`, {
      field: 'length',
    });
  }
  if (constraints.minLength !== undefined && length < constraints.minLength) {
    throw new PasswordPolicyInvalidError(`password length is below the target's minimum of ${constraints.minLength}`, {
      field: 'length',
    });
  }
  if (constraints.maxLength !== undefined && length > constraints.maxLength) {
    throw new PasswordPolicyInvalidError(`password length is above the target's maximum of ${constraints.maxLength}`, {
      field: 'length',
    });
  }
  const excluded = new Set([...merged.excludeCharacters, ...(constraints.excludeCharacters ?? '')]);
  const keep = (chars: string): string => [...chars].filter((c) => !excluded.has(c)).join('');
  const classes = [
    merged.excludeLowercase ? '' : keep(CLASSES.lowercase),
    merged.excludeUppercase ? '' : keep(CLASSES.uppercase),
    merged.excludeNumbers ? '' : keep(CLASSES.numbers),
    merged.excludePunctuation ? '' : keep(CLASSES.punctuation),
  ].filter((chars) => chars.length > 0);
  const alphabet = classes.join('') + (merged.includeSpace && !excluded.has(' ') ? ' ' : '');
  if (alphabet.length === 0) {
    throw new PasswordPolicyInvalidError('the password policy excludes every character', {
      field: 'excludeCharacters',
    });
  }
  const required = merged.requireEachIncludedType ? classes : [];
  if (required.length > length) {
    throw new PasswordPolicyInvalidError(
      `password length ${length} is too short for one character of each of ${required.length} included types`,
      { field: 'length' },
    );
  }
  return { length, alphabet, required };
}

/**
 * Generates a password with node:crypto. Every character is drawn uniformly (no modulo bias); one
 * character of each required class is placed at a uniformly random position.
 */
export function generatePassword(policy: PasswordPolicy = {}, constraints: PasswordConstraints = {}): string {
  const { length, alphabet, required } = resolvePasswordPolicy(policy, constraints);
  const chars = required.map(pick);
  while (chars.length < length) chars.push(pick(alphabet));
  for (let i = chars.length - 1; i > 0; i -= 1) {
    const j = randomInt(i + 1);
    [chars[i], chars[j]] = [chars[j] as string, chars[i] as string];
  }
  return chars.join('');
}

/** Whether `password` satisfies `policy` (length, exclusions, required classes). */
export function passwordSatisfies(password: string, policy: PasswordPolicy = {}, constraints: PasswordConstraints = {}): boolean {
  const { length, alphabet, required } = resolvePasswordPolicy(policy, constraints);
  const chars = [...password];
  return (
    chars.length === length &&
    chars.every((c) => alphabet.includes(c)) &&
    required.every((set) => chars.some((c) => set.includes(c)))
  );
}

function pick(alphabet: string): string {
  return alphabet[randomInt(alphabet.length)] as string;
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
