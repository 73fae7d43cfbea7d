import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  alternatingUsers,
  MemorySecretStore,
  rotate,
  singleUser,
} from '@rotakit/core';
import { awsSchema } from './aws-schema.js';
import { mysqlTarget } from '../src/index.js';
import { expectNoSecret, logsIn, useInspect, useSampleServer } from './helpers.js';

const SUFFIX = '_clone';
const LIMIT = 32;
// Characters of the Basic Multilingual Plane only: MariaDB keeps user names in a utf8mb3 column.
const NAME_CHARS = ['a', 'Z', '0', '_', "'", '"', '\\', '%', ';', '-', '`', '@', 'ü', 'д', '密'];
const PASSWORD_CHARS = [...NAME_CHARS, ' ', '$', '/', 'пароль', '😀'];

const db = useSampleServer();
const inspect = useInspect(db);

describe('rotate() with the mysql target, on hostile names and passwords', () => {
  const target = mysqlTarget({ tls: 'disable' });
  let counter = 0;

  const canLogIn = (user: string, password: string): Promise<boolean> => logsIn(target, db.server, user, password);

  const scenario = fc.record({
    alternating: fc.boolean(),
    name: fc.string({ unit: fc.constantFrom(...NAME_CHARS), minLength: 1, maxLength: LIMIT }),
    password: fc.string({ unit: fc.constantFrom(...PASSWORD_CHARS), minLength: 1, maxLength: 64 }),
  });

  it('logs in with exactly the stored current password and changes no other account', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async ({ alternating, name, password }) => {
        // A unique two-character prefix; the name is cut so the pending name is exactly at most the limit.
        counter += 1;
        const room = LIMIT - (alternating ? SUFFIX.length : 0);
        const username = `${counter.toString(36).padStart(2, '0')}${name}`.slice(0, room);
        const alternate = `${username}${SUFFIX}`;
        const rotated = (user: string): boolean => user === username || user === alternate;
        await db.admin.createUser(username, password);
        await db.admin.grant(username, 'a');
        const before = await db.admin.catalog(rotated);

        const store = new MemorySecretStore();
        const base = { host: db.server.host, port: db.server.port, engine: 'mysql', ssl: false };
        store.putSecret('master', { ...base, username: db.server.admin.username, password: db.server.admin.password });
        store.putSecret('app', { ...base, username, password, masterarn: 'master' });
        const secrets = [password, db.server.admin.password];
        try {
          await rotate({
            store,
            target,
            secretId: 'app',
            schema: awsSchema,
            strategy: alternating ? alternatingUsers({ suffix: SUFFIX }) : singleUser(),
            password: { length: 40, excludeCharacters: '' },
          });
        } catch (error) {
          expectNoSecret(error, secrets);
          throw error;
        }

        const current = JSON.parse(store.valueAt('app', 'current') as string) as { username: string; password: string };
        expect(current.username).toBe(alternating ? alternate : username);
        expect(await canLogIn(current.username, current.password)).toBe(true);
        expect(await canLogIn(current.username, `${current.password}x`)).toBe(false);
        // Single user: the old password is gone. Alternating: the old user keeps it for the grace period.
        expect(await canLogIn(username, password)).toBe(alternating);
        if (alternating) {
          const [source, clone] = [await inspect(username), await inspect(alternate)];
          expect(clone).toEqual({ ...source, username: alternate });
        }
        expect(await db.admin.catalog(rotated)).toEqual(before);
        await db.admin.dropUser(username);
        await db.admin.dropUser(alternate);
      }),
      { numRuns: 25 },
    );
  });
});
