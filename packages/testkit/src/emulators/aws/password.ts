import { generatePassword, isRotakitError } from '@rotakit/core';
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

/**
 * Generates a password as GetRandomPassword does, with rotakit's generator (the same rules: one
 * character of every included class when RequireEachIncludedType, default true; a space never
 * required), answering Secrets Manager's own errors.
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
  try {
    return generatePassword({
      length,
      excludeCharacters: options.ExcludeCharacters ?? '',
      excludeNumbers: options.ExcludeNumbers ?? false,
      excludePunctuation: options.ExcludePunctuation ?? false,
      excludeUppercase: options.ExcludeUppercase ?? false,
      excludeLowercase: options.ExcludeLowercase ?? false,
      includeSpace: options.IncludeSpace ?? false,
      requireEachIncludedType: options.RequireEachIncludedType ?? true,
    });
  } catch (error) {
    if (!isRotakitError(error, 'PasswordPolicyInvalid')) throw error;
    throw error.field === 'length' ? awsErrors.passwordTooShort() : awsErrors.noCharactersLeft();
  }
}
