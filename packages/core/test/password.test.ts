import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_PASSWORD_POLICY,
  generatePassword,
  isRotakitError,
  MAX_PASSWORD_LENGTH,
  passwordSatisfies,
  type PasswordPolicy,
} from '@rotakit/core';

const LOWER = 'abcdefghijklmnopqrstuvwxyz';
const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const DIGITS = '0123456789';
const PUNCT = '!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~';

/** An independent statement of the rules: which classes survive, and whether the policy is possible. */
function oracle(policy: PasswordPolicy) {
  const merged = { ...DEFAULT_PASSWORD_POLICY, ...Object.fromEntries(Object.entries(policy).filter(([, v]) => v !== undefined)) };
  const strip = (chars: string) => [...chars].filter((c) => !merged.excludeCharacters.includes(c)).join('');
  const classes = [
    merged.excludeLowercase ? '' : strip(LOWER),
    merged.excludeUppercase ? '' : strip(UPPER),
    merged.excludeNumbers ? '' : strip(DIGITS),
    merged.excludePunctuation ? '' : strip(PUNCT),
  ].filter(Boolean);
  const space = merged.includeSpace && !merged.excludeCharacters.includes(' ');
  const allowed = classes.join('') + (space ? ' ' : '');
  const lengthOk = Number.isInteger(merged.length) && merged.length >= 1 && merged.length <= MAX_PASSWORD_LENGTH;
  const required = merged.requireEachIncludedType ? classes : [];
  return { merged, classes, allowed, possible: lengthOk && allowed.length > 0 && required.length <= merged.length, required };
}

const policies = fc.record(
  {
    length: fc.oneof(fc.integer({ min: 1, max: 48 }), fc.integer({ min: -2, max: 0 }), fc.constantFrom(4096, 4097, 2.5)),
    excludeCharacters: fc.oneof(
      fc.string({ unit: fc.constantFrom(...(LOWER + UPPER + DIGITS + PUNCT + ' ')), maxLength: 40 }),
      fc.constant(LOWER + UPPER + DIGITS),
    ),
    excludeNumbers: fc.boolean(),
    excludePunctuation: fc.boolean(),
    excludeUppercase: fc.boolean(),
    excludeLowercase: fc.boolean(),
    includeSpace: fc.boolean(),
    requireEachIncludedType: fc.boolean(),
  },
  { requiredKeys: [] },
);

describe('password generation', () => {
  it('holds length, classes and exclusions for 1,000 generated policies, and rejects the impossible ones', () => {
    let possible = 0;
    let impossible = 0;
    fc.assert(
      fc.property(policies, (policy) => {
        const expected = oracle(policy);
        let password: string;
        try {
          password = generatePassword(policy);
        } catch (error) {
          expect(isRotakitError(error, 'PasswordPolicyInvalid')).toBe(true);
          expect(expected.possible).toBe(false);
          impossible += 1;
          return;
        }
        possible += 1;
        expect(expected.possible).toBe(true);
        const chars = [...password];
        expect(chars).toHaveLength(expected.merged.length);
        for (const c of chars) expect(expected.allowed).toContain(c);
        for (const set of expected.required) expect(chars.some((c) => set.includes(c))).toBe(true);
        expect(passwordSatisfies(password, policy)).toBe(true);
      }),
      { numRuns: 1000 },
    );
    // The generator must have exercised both outcomes for the property to mean anything.
    expect(possible).toBeGreaterThan(300);
    expect(impossible).toBeGreaterThan(20);
  });

  it('uses a safe default: 32 characters, every class, none of " \' \\ / @ :', () => {
    for (let i = 0; i < 50; i += 1) {
      const password = generatePassword();
      expect(password).toHaveLength(32);
      expect(password).not.toMatch(/["'\\/@:\s]/);
      expect(passwordSatisfies(password)).toBe(true);
    }
  });

  it('names the setting that makes a policy impossible', () => {
    const field = (policy: PasswordPolicy, constraints = {}) => {
      try {
        generatePassword(policy, constraints);
      } catch (error) {
        return (error as { field?: string }).field;
      }
      return undefined;
    };
    expect(field({ length: 0 })).toBe('length');
    expect(field({ length: 3 })).toBe('length');
    expect(field({ excludeLowercase: true, excludeUppercase: true, excludeNumbers: true, excludePunctuation: true })).toBe('excludeCharacters');
    expect(field({ length: 8 }, { minLength: 12 })).toBe('length');
    expect(field({ length: 40 }, { maxLength: 32 })).toBe('length');
    expect(field({ length: 3, requireEachIncludedType: false })).toBeUndefined();
  });

  it('draws characters without bias', () => {
    // With a three-character alphabet, each character's share of 30,000 draws lies within 2 points of a
    // third unless the generator is biased (the standard deviation of a share is about 0.27 points).
    const counts = new Map<string, number>();
    const policy = { length: 1000, excludeCharacters: LOWER.slice(3) + UPPER + DIGITS + PUNCT, requireEachIncludedType: false };
    for (let i = 0; i < 30; i += 1) for (const c of generatePassword(policy)) counts.set(c, (counts.get(c) ?? 0) + 1);
    expect([...counts.keys()].sort()).toEqual(['a', 'b', 'c']);
    for (const count of counts.values()) expect(Math.abs(count / 30_000 - 1 / 3)).toBeLessThan(0.02);
  });

  it('places the required characters at random positions', () => {
    // Only '0' is left of the digits, and one digit is required: if the required character were always
    // put first (or anywhere fixed), the first '0' would always stand at that position.
    const policy = { length: 8, excludeCharacters: '123456789' + UPPER + PUNCT, excludeUppercase: true, excludePunctuation: true };
    const positions = new Set<number>();
    for (let i = 0; i < 400; i += 1) positions.add(generatePassword(policy).indexOf('0'));
    expect(positions.size).toBe(8);
  });
});
