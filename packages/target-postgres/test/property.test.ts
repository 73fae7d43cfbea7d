import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  alternatingUsers,
  MemorySecretStore,
  rotate,
  singleUser,
  type PasswordPolicy,
  type Strategy,
} from '@rotakit/core';
import { awsSchema } from './aws-schema.js';
import { startPostgres, type PostgresFixture } from '@rotakit/testkit';
import { postgresTarget } from '@rotakit/target-postgres';
import { openPostgresIntrospection } from '../src/internal.js';
import { catalog, expectNoPasswordIn, failsWith, loginOn, logsIn, thrown } from './helpers.js';

/** A store whose "native generator" hands out the hostile password the property chose. */
class ChosenPasswordStore extends MemorySecretStore {
  next = '';
  override async generatePassword(_policy: PasswordPolicy): Promise<string> {
    return this.next;
  }
}

const MAX_BYTES = 63;
const SUFFIX = '_clone';
const bytes = (text: string): number => Buffer.byteLength(text, 'utf8');

// No character that SASLprep rewrites (e.g. 'ﬁ'): next to one it prohibits (e.g. an emoji) PostgreSQL
// hashes the password as given while pg's client rewrites it, so no verifier satisfies both (see
// scram.test.ts and the README).
const nastyPieces = ["'", '"', '\\', '%', ';', '--', '$$', ' ', 'é', 'ü', '密', '😀', 'a', 'Z', '_', '9'];
/** Text built from pieces that break naive statement building, optionally padded to exactly `max` bytes. */
const nasty = (max: number, minPieces = 1) =>
  fc
    .tuple(fc.array(fc.constantFrom(...nastyPieces), { minLength: minPieces, maxLength: 24 }), fc.boolean())
    .map(([pieces, padToMax]) => {
      let text = '';
      for (const piece of pieces) if (bytes(text + piece) <= max) text += piece;
      return padToMax ? text + 'x'.repeat(max - bytes(text)) : text;
    });

describe('property: hostile names and passwords rotate through rotate() on a real server', () => {
  let server: PostgresFixture;
  const target = postgresTarget({ tls: { mode: 'disable' } });
  const store = new ChosenPasswordStore();
  const seen: string[] = [];
  let run = 0;

  beforeAll(async () => {
    server = await startPostgres({ allowExternal: false });
    await server.query('CREATE TABLE public.property_sample (id int)');
    await server.query("CREATE ROLE property_bystander LOGIN PASSWORD 'Bystander-1'");
    await server.query('GRANT SELECT ON public.property_sample TO property_bystander');
    store.putSecret('privileged', { ...server.admin, host: server.host, port: server.port });
  });
  afterAll(() => server?.close());

  /** Runs a statement the server itself builds with format() (%I, %L), independent of our quoting. */
  const serverFormatted = async (template: string, ...values: string[]): Promise<void> => {
    const placeholders = values.map((_, i) => `$${i + 2}::text`).join(', ');
    const built = await server.query<{ sql: string }>(`SELECT format($1::text, ${placeholders}) AS sql`, [template, ...values]);
    await server.query(built.rows[0]?.sql ?? '');
  };
  const createRole = async (username: string, password: string): Promise<void> => {
    await serverFormatted('CREATE ROLE %I LOGIN PASSWORD %L', username, password);
    await serverFormatted('GRANT SELECT ON public.property_sample TO %I', username);
  };
  const dropRoles = async (names: readonly string[]): Promise<void> => {
    for (const name of names) {
      await serverFormatted('DROP OWNED BY %I', name).catch(() => undefined);
      await serverFormatted('DROP ROLE IF EXISTS %I', name);
    }
  };
  const rotateWith = async (secretId: string, strategy: Strategy, password: string): Promise<{ username: string; password: string }> => {
    store.next = password;
    seen.push(password);
    await rotate({ secretId, store, target, strategy, schema: awsSchema, password: { generator: 'store' } });
    return JSON.parse(store.valueAt(secretId, 'current') ?? '{}') as { username: string; password: string };
  };
  const secretFor = (username: string, password: string, privileged: boolean) => ({
    username,
    password,
    engine: 'postgres',
    host: server.host,
    port: server.port,
    dbname: server.database,
    ...(privileged ? { masterarn: 'privileged' } : {}),
  });

  it('single user: exactly the stored current password logs in; nothing else changes', async () => {
    await fc.assert(
      fc.asyncProperty(nasty(MAX_BYTES - 4), nasty(200, 4), nasty(1024, 4), async (name, initial, next) => {
        const username = trimBytes(`p${(run += 1)}_${name}`, MAX_BYTES);
        seen.push(initial);
        await createRole(username, initial);
        const before = await catalog(server, [username]);
        try {
          const secretId = `single-${run}`;
          store.putSecret(secretId, secretFor(username, initial, false));
          const current = await rotateWith(secretId, singleUser(), next);
          expect(current).toMatchObject({ username, password: next });
          await logsIn(target, loginOn(server, username, next));
          if (initial !== next) await failsWith(target.connect(loginOn(server, username, initial)), 'TargetAuthFailed');
          expect(await catalog(server, [username])).toBe(before);
        } finally {
          await dropRoles([username]);
        }
      }),
      { numRuns: 15 },
    );
  });

  it('alternating users: current and previous log in after each turn; nothing else changes', async () => {
    await fc.assert(
      fc.asyncProperty(nasty(MAX_BYTES - 4 - bytes(SUFFIX)), nasty(200, 4), nasty(300, 4), nasty(1024, 4), async (name, initial, second, third) => {
        const username = trimBytes(`a${(run += 1)}_${name}`, MAX_BYTES - bytes(SUFFIX));
        const rotated = [username, `${username}${SUFFIX}`];
        seen.push(initial);
        await createRole(username, initial);
        const before = await catalog(server, rotated);
        try {
          const secretId = `alternating-${run}`;
          store.putSecret(secretId, secretFor(username, initial, true));
          const turn1 = await rotateWith(secretId, alternatingUsers(), second);
          expect(turn1).toMatchObject({ username: `${username}${SUFFIX}`, password: second });
          await logsIn(target, loginOn(server, turn1.username, second));
          await logsIn(target, loginOn(server, username, initial)); // previous
          const turn2 = await rotateWith(secretId, alternatingUsers(), third);
          expect(turn2).toMatchObject({ username, password: third });
          await logsIn(target, loginOn(server, username, third));
          await logsIn(target, loginOn(server, turn1.username, second)); // previous
          const users = await openPostgresIntrospection(target, loginOn(server, server.admin.username, server.admin.password));
          const [source, clone] = [await users.inspectUser(username), await users.inspectUser(turn1.username)];
          await users.close();
          expect(clone?.privileges).toEqual(source?.privileges);
          expect(await catalog(server, rotated)).toBe(before);
        } finally {
          await dropRoles(rotated);
        }
      }),
      { numRuns: 15 },
    );
  });

  it('no error thrown in this file contains a password', () => {
    expectNoPasswordIn(thrown, seen.filter((password) => password.length >= 4));
  });
});

function trimBytes(text: string, max: number): string {
  let result = '';
  for (const character of text) {
    if (bytes(result + character) > max) break;
    result += character;
  }
  return result;
}
