import type { PASSWORD_CHARACTER_CLASSES } from '@rotakit/core';
import { generatePassword, isRotakitError } from '@rotakit/core';
import { kmsError } from './errors.js';

/** What a GetRandomPassword call asks for, parameters already parsed. */
export interface PasswordRequest {
  length: number;
  excludeCharacters: string;
  exclude: Record<keyof typeof PASSWORD_CHARACTER_CLASSES, boolean>;
  requireEachIncludedType: boolean;
}

/**
 * A random password from the classes left after the exclusions, by rotakit's generator. With
 * `requireEachIncludedType`, every class that still has a character appears at least once.
 * A request no password can satisfy is an InvalidParameter.
 */
export function randomPassword(request: PasswordRequest): string {
  try {
    return generatePassword({
      length: request.length,
      excludeCharacters: request.excludeCharacters,
      excludeLowercase: request.exclude.lowercase,
      excludeUppercase: request.exclude.uppercase,
      excludeNumbers: request.exclude.numbers,
      excludePunctuation: request.exclude.punctuation,
      requireEachIncludedType: request.requireEachIncludedType,
    });
  } catch (error) {
    if (isRotakitError(error, 'PasswordPolicyInvalid')) throw kmsError('InvalidParameter');
    throw error;
  }
}
