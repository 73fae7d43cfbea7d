import { awsErrors } from './errors.js';

type Json = Record<string, unknown>;

/** Reads one request's JSON members with the type checks the service's deserializer makes. */
export class RequestInput {
  readonly #body: Json;

  constructor(body: string) {
    let parsed: unknown;
    try {
      parsed = body.trim() === '' ? {} : JSON.parse(body);
    } catch {
      throw awsErrors.serialization('The request body is not valid JSON.');
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw awsErrors.serialization('The request body must be a JSON object.');
    }
    this.#body = parsed as Json;
  }

  /** A required string member; absent is AWS's "must not be null" validation error. */
  string(member: string): string {
    const value = this.optionalString(member);
    if (value === undefined) throw awsErrors.constraint(camel(member), 'Member must not be null', 'null');
    return value;
  }

  /** An optional string member. */
  optionalString(member: string): string | undefined {
    return this.#typed(member, 'string', (value): value is string => typeof value === 'string');
  }

  /** An optional boolean member. */
  optionalBoolean(member: string): boolean | undefined {
    return this.#typed(member, 'boolean', (value): value is boolean => typeof value === 'boolean');
  }

  /** An optional integer member. */
  optionalInteger(member: string): number | undefined {
    return this.#typed(member, 'integer', (value): value is number => Number.isInteger(value));
  }

  /** An optional list of strings. */
  optionalStringList(member: string): string[] | undefined {
    return this.#typed(
      member,
      'list of strings',
      (value): value is string[] => Array.isArray(value) && value.every((item) => typeof item === 'string'),
    );
  }

  /** An optional JSON object member, read with its own RequestInput. */
  optionalObject(member: string): RequestInput | undefined {
    const value = this.#typed(
      member,
      'structure',
      (candidate): candidate is Json => typeof candidate === 'object' && candidate !== null && !Array.isArray(candidate),
    );
    return value === undefined ? undefined : new RequestInput(JSON.stringify(value));
  }

  /** An optional list of JSON objects. */
  optionalObjectList(member: string): RequestInput[] | undefined {
    const value = this.#typed(
      member,
      'list of structures',
      (candidate): candidate is Json[] =>
        Array.isArray(candidate) && candidate.every((item) => typeof item === 'object' && item !== null),
    );
    return value?.map((item) => new RequestInput(JSON.stringify(item)));
  }

  #typed<T>(member: string, expected: string, check: (value: unknown) => value is T): T | undefined {
    const value = this.#body[member];
    if (value === undefined || value === null) return undefined;
    if (!check(value)) throw awsErrors.serialization(`${member} must be a ${expected}.`);
    return value;
  }
}

/** AWS validation messages name members in camelCase (`secretId`, `clientRequestToken`). */
export function camel(member: string): string {
  return member.charAt(0).toLowerCase() + member.slice(1);
}

/** Checks a string's length against the API model's bounds. */
export function checkLength(
  member: string,
  value: string,
  min: number,
  max: number,
  options: { sensitive?: boolean } = {},
): void {
  const shown = options.sensitive ? undefined : value;
  if (value.length < min) {
    throw awsErrors.constraint(camel(member), `Member must have length greater than or equal to ${min}`, shown);
  }
  if (value.length > max) {
    throw awsErrors.constraint(camel(member), `Member must have length less than or equal to ${max}`, shown);
  }
}
