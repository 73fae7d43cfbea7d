import {
  alternatingUsers,
  isRotakitError,
  MemorySecretStore,
  rotate,
  singleUser,
} from '@rotakit/core';
import { awsSchema } from './aws-schema.js';
import { MssqlFake } from '@rotakit/testkit';
import fc from 'fast-check';
import type sql from 'mssql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mssqlTarget } from '../src/index.js';
import { openMssqlIntrospection } from '../src/internal.js';
import { applyPermission, createLogin, createUserForLogin, setLoginPassword } from '../src/sql.js';
import { adminPool, execute } from './support.js';
import { caughtErrors, expectNoSecretInErrors, failure } from './secrets.js';

const ADMIN = { username: 'sa', password: 'Rotation-admin-password-1' };
const DATABASE = 'rotakit';
const target = mssqlTarget({ tls: { mode: 'disable' } });
let fake: MssqlFake;
let admin: sql.ConnectionPool;
const seenPasswords: string[] = [ADMIN.password];

beforeAll(async () => {
  fake = await MssqlFake.start();
  fake.catalog.addLogin(ADMIN.username, ADMIN.password, { sysadmin: true });
  fake.catalog.addDatabase(DATABASE, { tables: ['dbo.orders', 'sales.invoices'] });
  admin = await adminPool({ host: fake.host, port: fake.port, database: DATABASE, admin: ADMIN, tls: 'disable' });
  // A bystander with grants of its own: the snapshot proves it is never touched.
  await createAppUser('bystander', 'Bystander-password-1');
});

afterAll(async () => {
  await admin.close();
  await fake.close();
});

/** A login with a user in the database and two grants (one with grant option), made as the admin. */
async function createAppUser(name: string, password: string): Promise<void> {
  await execute(admin, createLogin(name, password, { checkPolicy: false, checkExpiration: false }));
  await execute(admin, createUserForLogin(name));
  await execute(admin, applyPermission({ state: 'GRANT', permission: 'SELECT', on: { class: 'OBJECT', schema: 'dbo', object: 'orders' } }, name));
  await execute(admin, applyPermission({ state: 'GRANT_WITH_GRANT_OPTION', permission: 'INSERT', on: { class: 'OBJECT', schema: 'sales', object: 'invoices' } }, name));
  await execute(admin, { text: `ALTER ROLE [db_datareader] ADD MEMBER [${name.replaceAll(']', ']]')}]`, parameters: {} });
}

function secretOf(username: string, password: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { engine: 'sqlserver', host: fake.host, port: fake.port, dbname: DATABASE, username, password, ssl: false, ...extra };
}

function currentOf(store: MemorySecretStore, secretId: string): { username: string; password: string } {
  const value = JSON.parse(store.valueAt(secretId, 'current') ?? '{}') as { username: string; password: string };
  seenPasswords.push(value.password);
  return value;
}

async function logsIn(username: string, password: string): Promise<boolean> {
  try {
    await (await target.connect({ username, password, host: fake.host, port: fake.port, database: DATABASE, tls: 'disable' })).close();
    return true;
  } catch (error) {
    caughtErrors.push(error);
    if (isRotakitError(error, 'TargetAuthFailed')) return false;
    throw error;
  }
}

const ALPHABET = [...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'];
const HOSTILE = ["'", '"', '\\', '%', ';', '-', '--', ']', '[', '`', '$', ' ', 'ü', 'ç', 'п', '密', '€', '_', '*/', '/*', "''"];
const piece = fc.oneof(fc.constantFrom(...ALPHABET), fc.constantFrom(...HOSTILE));
/** Names up to 122 characters, so that the `_clone` alternate reaches SQL Server's 128 at most. */
const usernameBody = fc.oneof(
  fc.array(piece, { minLength: 1, maxLength: 30 }).map((parts) => parts.join('')),
  fc.array(piece, { minLength: 122, maxLength: 122 }).map((parts) => parts.join('')),
);
/** Passwords up to SQL Server's 128 characters. */
const password = fc.oneof(
  fc.array(piece, { minLength: 8, maxLength: 40 }).map((parts) => parts.join('').slice(0, 128)),
  fc.array(fc.constantFrom(...ALPHABET, ...HOSTILE.filter((h) => h.length === 1)), { minLength: 128, maxLength: 128 }).map((parts) => parts.join('')),
);

let counter = 0;
function uniqueName(body: string): string {
  counter += 1;
  // SQL Server ignores trailing spaces when it compares names; keep them out of the generated ones.
  return `p${counter}_${body}`.slice(0, 122).replace(/\s+$/, 'x');
}

describe('rotate() with the SQL Server target against the TDS fake', () => {
  it('rotates hostile names and passwords single-user then alternating; only the rotated accounts change', async () => {
    await fc.assert(
      fc.asyncProperty(usernameBody, password, async (body, initialPassword) => {
        const name = uniqueName(body);
        const clone = `${name}_clone`;
        seenPasswords.push(initialPassword);
        await createAppUser(name, initialPassword);
        const before = fake.catalog.snapshot([name, clone]);
        const store = new MemorySecretStore();
        store.putSecret('privileged', { username: ADMIN.username, password: ADMIN.password, host: fake.host, port: fake.port });

        const single = `single-${counter}`;
        store.putSecret(single, secretOf(name, initialPassword));
        await rotate({ store, target, strategy: singleUser(), schema: awsSchema, secretId: single });
        const afterSingle = currentOf(store, single);
        expect(afterSingle.username).toBe(name);
        expect(await logsIn(name, afterSingle.password)).toBe(true);
        expect(await logsIn(name, initialPassword)).toBe(false);

        const alternating = `alternating-${counter}`;
        store.putSecret(alternating, secretOf(name, afterSingle.password, { masterarn: 'privileged' }));
        for (const expected of [clone, name]) {
          await rotate({ store, target, strategy: alternatingUsers(), schema: awsSchema, secretId: alternating });
          const current = currentOf(store, alternating);
          expect(current.username).toBe(expected);
          expect(await logsIn(current.username, current.password)).toBe(true);
        }
        const introspection = await openMssqlIntrospection(target, { ...ADMIN, host: fake.host, port: fake.port, database: DATABASE, tls: 'disable' });
        const [source, alternate] = [await introspection.inspectUser(name), await introspection.inspectUser(clone)];
        await introspection.close();
        expect(alternate?.privileges).toEqual(source?.privileges);
        expect(alternate?.roles).toEqual(source?.roles);
        expect(source?.privileges).toContain('GRANT_WITH_GRANT_OPTION INSERT on OBJECT::[sales].[invoices]');
        expect(fake.catalog.snapshot([name, clone])).toEqual(before);
      }),
      { numRuns: 20 },
    );
  });

  it('single-user rotation logged in with the previous password passes that one as OLD_PASSWORD', async () => {
    const name = uniqueName('ladder');
    await createAppUser(name, 'Database-has-this-1');
    const store = new MemorySecretStore();
    // The database still has the previous stage's password; current holds one it never took.
    store.putSecret('ladder', secretOf(name, 'Database-has-this-1'));
    store.putSecret('ladder', secretOf(name, 'Never-applied-2'));
    seenPasswords.push('Database-has-this-1', 'Never-applied-2');
    await rotate({ store, target, strategy: singleUser(), schema: awsSchema, secretId: 'ladder' });
    const current = currentOf(store, 'ladder');
    expect(await logsIn(name, current.password)).toBe(true);
    expect(await logsIn(name, 'Database-has-this-1')).toBe(false);
  });

  it('a self-change with a wrong OLD_PASSWORD is refused by the server and reported without secrets', async () => {
    const name = uniqueName('stale');
    await createAppUser(name, 'Stale-session-password-1');
    const session = await target.connect({ username: name, password: 'Stale-session-password-1', host: fake.host, port: fake.port, database: DATABASE, tls: 'disable' });
    await session.ping();
    // Someone else changes the password under the open session: its OLD_PASSWORD is now wrong.
    await execute(admin, setLoginPassword(name, 'Changed-elsewhere-2'));
    seenPasswords.push('Stale-session-password-1', 'Changed-elsewhere-2', 'Wanted-password-3');
    const error = await failure(session.setOwnPassword('Wanted-password-3'));
    await session.close();
    expect(isRotakitError(error, 'StepFailed')).toBe(true);
    expect((error as Error).message).toMatch(/error 15151/);
  });

  it('no password seen in these rotations appears in any error the target threw', () => {
    expectNoSecretInErrors(seenPasswords);
  });
});
