import { InvalidSecretValueError } from './errors.js';
import { jsonObjectEntries, jsonObjectText } from './json-entries.js';
import { suffixRule } from './strategy.js';
import type { Credentials } from './target.js';

/** The credential fields rotakit understands. */
export type CredentialField = keyof Credentials;

/** Which secret key holds each credential field. */
export type CredentialFieldMap = Readonly<Partial<Record<CredentialField, string>>> & {
  readonly username: string;
  readonly password: string;
};

/** A parsed secret: its credentials, plus every member as written so it can be rewritten faithfully. */
export interface SecretDocument {
  readonly credentials: Credentials;
  /** Top-level members in their original order, values as raw JSON text. */
  readonly entries: ReadonlyArray<readonly [string, string]>;
}

/** Changes a rotation makes to a secret. */
export interface CredentialChanges {
  readonly username?: string;
  readonly password?: string;
}

/** Maps a secret's JSON to `Credentials` and back, keeping every other field untouched. */
export interface CredentialSchema {
  /** A short name for messages (`aws`, `alibaba`, `ncloud`, …). */
  readonly name: string;
  /** Which secret key holds each credential field. */
  readonly fields: CredentialFieldMap;
  /** Fields that must be present. */
  readonly required: readonly CredentialField[];
  /** The suffix of the convention's alternate user (`alternatingUsers`' default), when it has one. */
  readonly alternateSuffix?: string;
  /**
   * Parses a secret string; throws `InvalidSecretValueError` naming the secret key at fault.
   * `required` overrides the schema's required fields (a privileged secret needs fewer).
   */
  parse(raw: string, required?: readonly CredentialField[]): SecretDocument;
  /** Writes `document` back with `changes` applied; other members keep their order and text. */
  serialize(document: SecretDocument, changes?: CredentialChanges): string;
}

/** The definition `defineCredentialSchema` takes. */
export interface CredentialSchemaDefinition {
  readonly name: string;
  readonly fields: CredentialFieldMap;
  /** Defaults to `username`, `password` and `host`. */
  readonly required?: readonly CredentialField[];
  /** The suffix of the convention's alternate user; none by default. */
  readonly alternateSuffix?: string;
}

const CONTROL_CHARACTER = /\p{Cc}/u;

/** Builds a credential schema from a field map. */
export function defineCredentialSchema(definition: CredentialSchemaDefinition): CredentialSchema {
  const { name, fields } = definition;
  const required = definition.required ?? ['username', 'password', 'host'];
  const keyOf = (field: CredentialField): string => fields[field] ?? field;

  if (definition.alternateSuffix !== undefined) suffixRule(definition.alternateSuffix);
  const schema: CredentialSchema = {
    name,
    fields,
    required,
    ...(definition.alternateSuffix === undefined ? {} : { alternateSuffix: definition.alternateSuffix }),
    parse(raw, requiredFields = required) {
      if (typeof raw !== 'string') {
        throw new InvalidSecretValueError('the secret value is not a string', { field: '(value)' });
      }
      const parsed = jsonObjectEntries(raw);
      if (!parsed) throw new InvalidSecretValueError('the secret value is not a JSON object', { field: '(value)' });
      if (parsed.duplicate !== undefined) {
        throw new InvalidSecretValueError(`the secret repeats the key ${parsed.duplicate}`, { field: parsed.duplicate });
      }
      const values = new Map(parsed.entries.map(([key, text]) => [key, JSON.parse(text) as unknown]));
      const credentials: Record<string, unknown> = {};
      for (const field of Object.keys(fields) as CredentialField[]) {
        const key = keyOf(field);
        const value = values.get(key);
        if (value === undefined || value === null) {
          if (requiredFields.includes(field)) {
            throw new InvalidSecretValueError(`${key} is missing from the ${name} secret`, { field: key });
          }
          continue;
        }
        credentials[field] = readField(field, key, value);
      }
      return { credentials: credentials as unknown as Credentials, entries: parsed.entries };
    },
    serialize(document, changes = {}) {
      const replacements = new Map<string, string>();
      for (const field of ['username', 'password'] as const) {
        const value = changes[field];
        if (value !== undefined) replacements.set(keyOf(field), JSON.stringify(value));
      }
      const entries = document.entries.map(([key, text]): [string, string] => [key, replacements.get(key) ?? text]);
      for (const [key, text] of replacements) {
        if (!document.entries.some(([existing]) => existing === key)) entries.push([key, text]);
      }
      return jsonObjectText(entries);
    },
  };
  return schema;
}

function readField(field: CredentialField, key: string, value: unknown): unknown {
  switch (field) {
    case 'port': {
      const port = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
      if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) {
        throw new InvalidSecretValueError(`${key} must be a port number from 1 to 65535`, { field: key });
      }
      return port;
    }
    case 'tls': {
      if (typeof value === 'boolean') return value;
      if (typeof value === 'string' && /^(true|false)$/i.test(value)) return value.toLowerCase() === 'true';
      throw new InvalidSecretValueError(`${key} must be true or false`, { field: key });
    }
    default: {
      if (typeof value !== 'string') throw new InvalidSecretValueError(`${key} must be a string`, { field: key });
      if (value.length === 0) throw new InvalidSecretValueError(`${key} must not be empty`, { field: key });
      if (field !== 'password' && CONTROL_CHARACTER.test(value)) {
        throw new InvalidSecretValueError(`${key} must not contain control characters`, { field: key });
      }
      if (field === 'password' && value.includes('\u0000')) {
        throw new InvalidSecretValueError(`${key} must not contain a NUL character`, { field: key });
      }
      return value;
    }
  }
}

/**
 * A neutral convention, for examples, demos and tests: the credential fields under their own names
 * (`username, password, host, port, database, engine, masterSecret, tls`). Each provider exports
 * its cloud's schema.
 */
export const defaultSchema: CredentialSchema = defineCredentialSchema({
  name: 'default',
  fields: {
    username: 'username',
    password: 'password',
    host: 'host',
    port: 'port',
    database: 'database',
    engine: 'engine',
    masterSecret: 'masterSecret',
    tls: 'tls',
  },
});
