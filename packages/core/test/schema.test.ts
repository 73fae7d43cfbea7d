import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  defineCredentialSchema,
  type CredentialSchema,
} from '@rotakit/core';
import { alibabaSchema } from './cloud-schemas.js';
import { awsSchema } from './cloud-schemas.js';
import { ncloudSchema } from './cloud-schemas.js';
import { jsonObjectEntries } from '../src/json-entries.js';

const presets: Array<[CredentialSchema, Record<string, unknown>]> = [
  [awsSchema, { engine: 'mysql', host: 'h', port: 3306, username: 'u', password: 'p', dbname: 'd', masterarn: 'arn:m', ssl: true }],
  [alibabaSchema, { Endpoint: 'h', Port: '3306', AccountName: 'u', AccountPassword: 'p', DBName: 'd', SSL: 'false', MasterSecret: 'm' }],
  [ncloudSchema, { cdbHost: 'h', cdbPort: 3306, cdbUser: 'u', cdbPassword: 'p', cdbDatabase: 'd' }],
];

const keyOrder = (raw: string) => jsonObjectEntries(raw)!.entries.map(([key]) => key);

describe('credential schemas', () => {
  it.each(presets)('the $name preset maps its convention', (schema, secret) => {
    const { credentials } = schema.parse(JSON.stringify(secret));
    expect(credentials).toMatchObject({ username: 'u', password: 'p', host: 'h', port: 3306, database: 'd' });
  });

  it('reads TLS flags and masterSecret references', () => {
    expect(awsSchema.parse(JSON.stringify(presets[0]![1])).credentials).toMatchObject({ tls: true, masterSecret: 'arn:m', engine: 'mysql' });
    expect(alibabaSchema.parse(JSON.stringify(presets[1]![1])).credentials).toMatchObject({ tls: false, masterSecret: 'm' });
  });

  it('round-trips every unknown field and the field order, integer-like keys included', () => {
    const required = { username: 'u', password: 'p', host: 'h' };
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue(), { maxKeys: 12 }), fc.boolean(), (extra, spaced) => {
        const secret = { ...extra, ...required };
        const raw = JSON.stringify(secret, null, spaced ? 2 : undefined);
        const written = awsSchema.serialize(awsSchema.parse(raw));
        expect(keyOrder(written)).toEqual(keyOrder(raw));
        expect(JSON.parse(written)).toEqual(JSON.parse(raw));
      }),
      { numRuns: 300 },
    );
  });

  it('changes only the rotated fields, keeping the text of every other value', () => {
    const raw = '{"3":1.50,"username":"app","extra":{"a" : [1, 2]},"password":"old","host":"h","1":"x"}';
    const written = awsSchema.serialize(awsSchema.parse(raw), { username: 'app_clone', password: 'n"e\\w' });
    expect(written).toBe(String.raw`{"3":1.50,"username":"app_clone","extra":{"a" : [1, 2]},"password":"n\"e\\w","host":"h","1":"x"}`);
    expect(keyOrder(written)).toEqual(['3', 'username', 'extra', 'password', 'host', '1']);
    expect(JSON.parse(written).password).toBe('n"e\\w');
  });

  it('adds a rotated field the document lacks, at the end', () => {
    const schema = defineCredentialSchema({ name: 'loose', fields: { username: 'user', password: 'pass' }, required: ['username'] });
    const written = schema.serialize(schema.parse('{"user":"a"}'), { password: 'b' });
    expect(written).toBe('{"user":"a","pass":"b"}');
  });

  it('rejects bad values with a typed error naming the field and never the value', () => {
    const base = { host: 'h', username: 'u', password: 'secret-value-1' };
    const cases: Array<[unknown, string]> = [
      ['not json', '(value)'],
      ['[1,2]', '(value)'],
      [42, '(value)'],
      [JSON.stringify({ host: 'h', password: 'secret-value-1' }), 'username'],
      [JSON.stringify({ ...base, username: 7 }), 'username'],
      [JSON.stringify({ ...base, username: '' }), 'username'],
      [JSON.stringify({ ...base, username: 'a\u0000b' }), 'username'],
      [JSON.stringify({ ...base, host: 'h\nX-Injected: 1' }), 'host'],
      [JSON.stringify({ ...base, password: 'nul\u0000secret-value-1' }), 'password'],
      [JSON.stringify({ ...base, port: 0 }), 'port'],
      [JSON.stringify({ ...base, port: '3306a' }), 'port'],
      [JSON.stringify({ ...base, port: 70000 }), 'port'],
      [JSON.stringify({ ...base, ssl: 'maybe' }), 'ssl'],
      ['{"host":"h","username":"u","password":"secret-value-1","username":"v"}', 'username'],
    ];
    for (const [raw, field] of cases) {
      let error: unknown;
      try {
        awsSchema.parse(raw as string);
      } catch (e) {
        error = e;
      }
      expect(error, String(raw)).toMatchObject({ code: 'InvalidSecretValue', field });
      expect(String((error as Error).message)).not.toContain('secret-value-1');
    }
  });

  it('accepts a port written as a string and null optional fields', () => {
    const { credentials } = awsSchema.parse('{"host":"h","username":"u","password":"p","port":"1433","dbname":null}');
    expect(credentials.port).toBe(1433);
    expect(credentials.database).toBeUndefined();
  });
});
