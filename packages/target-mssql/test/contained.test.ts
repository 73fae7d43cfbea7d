import { MssqlFake } from '@rotakit/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mssqlTarget } from '../src/index.js';

const target = mssqlTarget({ tls: { mode: 'disable' } });
let fake: MssqlFake;

beforeAll(async () => {
  fake = await MssqlFake.start();
  const database = fake.catalog.addDatabase('contained_app', { contained: true });
  const login = fake.catalog.addLogin('app_login', 'Login-password-1', { checkPolicy: false });
  fake.catalog.addUser(database, 'app_login', { loginSid: login.sid });
  fake.catalog.addUser(database, 'app_user', { password: 'User-password-1' });
});

afterAll(async () => {
  await fake.close();
});

const connect = (username: string, password: string) =>
  target.connect({ username, password, host: fake.host, port: fake.port, database: 'contained_app', tls: 'disable' });

describe('self-rotation in a contained database', () => {
  it('a contained user changes its own password with ALTER USER', async () => {
    const session = await connect('app_user', 'User-password-1');
    await session.setOwnPassword('User-password-2');
    await session.close();
    expect(fake.catalog.databases.get('contained_app')?.users.get('app_user')?.password).toBe('User-password-2');
    await (await connect('app_user', 'User-password-2')).close();
  });

  it('a server login connected to a contained database changes its login password with ALTER LOGIN', async () => {
    const session = await connect('app_login', 'Login-password-1');
    await session.setOwnPassword('Login-password-2');
    await session.close();
    expect(fake.catalog.logins.get('app_login')?.password).toBe('Login-password-2');
    await (await connect('app_login', 'Login-password-2')).close();
  });
});
