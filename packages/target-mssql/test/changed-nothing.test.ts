import {
  alternatingUsers,
  isRotakitError,
  MemorySecretStore,
  rotate,
  type RotakitError,
  type TargetSession,
} from '@rotakit/core';
import { awsSchema } from './aws-schema.js';
import { MssqlFake } from '@rotakit/testkit';
import type sql from 'mssql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mssqlTarget } from '../src/index.js';
import { createLogin, createUserForLogin } from '../src/sql.js';
import { adminPool, execute } from './support.js';
import { expectNoSecretInErrors, failure } from './secrets.js';

const ADMIN = { username: 'sa', password: 'Unchanged-admin-password-1' };
const DATABASE = 'rotakit';
const target = mssqlTarget({ tls: { mode: 'disable' } });
let fake: MssqlFake;
let admin: sql.ConnectionPool;
let counter = 0;
const unique = (base: string): string => `${base}${(counter += 1)}`;

beforeAll(async () => {
  fake = await MssqlFake.start();
  fake.catalog.addLogin(ADMIN.username, ADMIN.password, { sysadmin: true });
  fake.catalog.addDatabase(DATABASE, { tables: ['dbo.orders'] });
  admin = await adminPool({ host: fake.host, port: fake.port, database: DATABASE, admin: ADMIN, tls: 'disable' });
});

afterAll(async () => {
  await admin.close();
  await fake.close();
});

const connect = (username: string, password: string): Promise<TargetSession> =>
  target.connect({ username, password, host: fake.host, port: fake.port, database: DATABASE, tls: 'disable' });

async function appLogin(name: string, password: string, checkPolicy = false): Promise<void> {
  await execute(admin, createLogin(name, password, { checkPolicy, checkExpiration: false }));
  await execute(admin, createUserForLogin(name));
}

/** Runs `call` as the administrator and returns what it threw, with the catalog it left. */
async function refused(call: (session: TargetSession) => Promise<void>): Promise<{ error: RotakitError; unchanged: boolean }> {
  const session = await connect(ADMIN.username, ADMIN.password);
  const before = fake.catalog.snapshot();
  try {
    const error = (await failure(call(session))) as RotakitError;
    return { error, unchanged: JSON.stringify(fake.catalog.snapshot()) === JSON.stringify(before) };
  } finally {
    await session.close();
  }
}

describe('errors that say the database is unchanged (changedNothing)', () => {
  it.each([
    ['an empty password', { password: '' }, 'InvalidSecretValue'],
    ['an empty user name', { user: '' }, 'InvalidOptions'],
    ['a password over 128 characters', { password: 'p'.repeat(129) }, 'InvalidSecretValue'],
  ])('a request the checks refuse (%s) says so', async (_what, change, code) => {
    const source = unique('cn_check');
    await appLogin(source, 'Check-password-1');
    const { error, unchanged } = await refused((s) => s.syncUser({ source, user: `${source}_clone`, password: 'Clone-password-1', ...change }));
    expect(isRotakitError(error, code as never), String(error)).toBe(true);
    expect(error.changedNothing).toBe(true);
    expect(unchanged).toBe(true);
  });

  it('a source that is neither a login nor a contained user says so', async () => {
    const { error, unchanged } = await refused((s) => s.syncUser({ source: unique('cn_nobody'), user: unique('cn_alt'), password: 'Clone-password-1' }));
    expect(isRotakitError(error, 'StepFailed'), String(error)).toBe(true);
    expect(error.changedNothing).toBe(true);
    expect(unchanged).toBe(true);
  });

  it('a first write the server refuses (its password policy) says so: one statement fails whole', async () => {
    const source = unique('cn_policy');
    await appLogin(source, 'Policy-password-1', true);
    const { error, unchanged } = await refused((s) => s.syncUser({ source, user: `${source}_clone`, password: 'Sh0rt!' }));
    expect((error as Error).message).toMatch(/error 15116/);
    expect(error.changedNothing).toBe(true);
    expect(unchanged).toBe(true);
  });

  it('a self-change the server refuses says so, as does one the checks refuse', async () => {
    const name = unique('cn_self');
    await appLogin(name, 'Self-password-1', true);
    for (const password of ['Sh0rt!', '']) {
      const session = await connect(name, 'Self-password-1');
      const before = fake.catalog.snapshot();
      const error = (await failure(session.setOwnPassword(password))) as RotakitError;
      await session.close();
      expect(error.changedNothing, String(error)).toBe(true);
      expect(fake.catalog.snapshot()).toEqual(before);
    }
  });

  it('a failure after the first write does not claim the database is unchanged', async () => {
    const source = unique('cn_late');
    const clone = `${source}_clone`;
    await appLogin(source, 'Late-password-1');
    // A user of the clone's name without a login: the login is created, then its user cannot be.
    await execute(admin, { text: `CREATE USER [${clone}] WITHOUT LOGIN`, parameters: {} });
    const { error, unchanged } = await refused((s) => s.syncUser({ source, user: clone, password: 'Clone-password-1' }));
    expect((error as Error).message).toMatch(/error 15023/);
    expect(unchanged).toBe(false);
    expect(error.changedNothing).toBeUndefined();
  });
});

describe('through rotate(): a refused clone withdraws its pending version', () => {
  it('refuses a sysadmin source for good, leaves nothing pending, and clones it when allowed', async () => {
    const name = unique('cn_sysadmin');
    await appLogin(name, 'Sysadmin-app-password-1');
    await execute(admin, { text: `ALTER SERVER ROLE [sysadmin] ADD MEMBER [${name}]`, parameters: {} });
    const store = new MemorySecretStore();
    store.putSecret('privileged', { username: ADMIN.username, password: ADMIN.password });
    store.putSecret('app', { engine: 'sqlserver', host: fake.host, port: fake.port, dbname: DATABASE, username: name, password: 'Sysadmin-app-password-1', ssl: false, masterarn: 'privileged' });
    const options = { store, target, schema: awsSchema, secretId: 'app' };
    for (let attempt = 0; attempt < 2; attempt += 1) {
      const error = (await failure(rotate({ ...options, strategy: alternatingUsers() }))) as RotakitError;
      expect(isRotakitError(error, 'AdministrativeSource'), String(error)).toBe(true);
      expect(store.stages('app').pending).toBeUndefined();
    }
    expect(fake.catalog.logins.has(`${name}_clone`)).toBe(false);
    await rotate({ ...options, strategy: alternatingUsers({ allowAdministrativeUsers: true }) });
    expect(JSON.parse(store.valueAt('app', 'current') ?? '{}')).toMatchObject({ username: `${name}_clone` });
  });

  it('no password appears in any error above', () => {
    expectNoSecretInErrors([ADMIN.password, 'Check-password-1', 'Clone-password-1', 'Sh0rt!', 'Self-password-1', 'Sysadmin-app-password-1']);
  });
});

