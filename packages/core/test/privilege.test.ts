import { describe, expect, it } from 'vitest';
import {
  alternatingUsers,
  MemoryTarget,
  rotate,
  singleUser,
  type Login,
  type Target,
} from '@rotakit/core';
import { alibabaSchema } from './cloud-schemas.js';
import { capture, MASTER_ID, rejection, rotationFixture, SECRET_ID, snapshot } from './helpers.js';

/** The application secret with other fields. */
function withSecret(fixture: ReturnType<typeof rotationFixture>, changes: Record<string, unknown>): void {
  fixture.store.putSecret(SECRET_ID, { ...JSON.parse(fixture.store.valueAt(SECRET_ID, 'current')!), ...changes });
}

describe('the privileged account never acts on itself', () => {
  for (const [name, username] of [
    ['the alternate of the current user is the privileged user', 'admin_clone'],
    ['the current user is the privileged user', 'admin'],
  ] as const) {
    it(`refuses in create, before anything is written, when ${name}`, async () => {
      const fixture = rotationFixture('alternating');
      // An application user that logs in: the privileged account's former clone, or itself.
      fixture.target.users.set('admin_clone', { password: 'initial-clone-password', privileges: ['SELECT on shop.*'] });
      const password = username === 'admin' ? 'initial-admin-password' : 'initial-clone-password';
      withSecret(fixture, { username, password });
      const versions = Object.keys(fixture.store.describe(SECRET_ID).versions);
      const before = snapshot(fixture.store, fixture.target, [SECRET_ID, MASTER_ID]).users;
      const error = await rejection(rotate({ ...fixture.options, secretId: SECRET_ID }));
      expect(error).toMatchObject({ code: 'PrivilegedSecretInvalid', field: 'username', retryable: false });
      expect(Object.keys(fixture.store.describe(SECRET_ID).versions)).toEqual(versions);
      expect(snapshot(fixture.store, fixture.target, [SECRET_ID, MASTER_ID]).users).toEqual(before);
      expect(fixture.target.users.get('admin')).toMatchObject({ password: 'initial-admin-password', privileged: true });
    });
  }

  it('refuses the same for a secret in Alibaba\'s convention, whose MasterSecret names the privileged account', async () => {
    const fixture = rotationFixture('alternating');
    fixture.target.users.set('admin_rt', { password: 'initial-rt-password', privileges: ['SELECT on shop.*'] });
    fixture.store.putSecret('alibaba/master', { AccountName: 'admin', AccountPassword: 'initial-admin-password' });
    fixture.store.putSecret('alibaba/app', {
      AccountName: 'admin_rt',
      AccountPassword: 'initial-rt-password',
      Endpoint: 'db.internal',
      MasterSecret: 'alibaba/master',
    });
    const strategy = alternatingUsers({ suffix: '_rt' });
    const error = await rejection(rotate({ ...fixture.options, strategy, schema: alibabaSchema, secretId: 'alibaba/app' }));
    expect(error).toMatchObject({ code: 'PrivilegedSecretInvalid', field: 'AccountName' });
    expect(fixture.store.stages('alibaba/app').pending).toBeUndefined();
    expect(fixture.target.users.get('admin')?.password).toBe('initial-admin-password');
  });

  it('refuses an alternate rule that leads to the privileged user', async () => {
    const fixture = rotationFixture('alternating');
    const strategy = alternatingUsers({ alternate: (name) => (name === 'app' ? 'admin' : 'app') });
    const error = await rejection(rotate({ ...fixture.options, strategy, secretId: SECRET_ID }));
    expect(error).toMatchObject({ code: 'PrivilegedSecretInvalid', field: 'username' });
    expect(fixture.store.stages(SECRET_ID).pending).toBeUndefined();
  });

  it('refuses when the target\'s own privileged session is the user (a cloud account API)', async () => {
    const fixture = rotationFixture('alternating');
    fixture.target.users.set('admin_clone', { password: 'initial-clone-password', privileges: ['SELECT on shop.*'] });
    withSecret(fixture, { username: 'admin_clone', password: 'initial-clone-password' });
    const target: Target = {
      ...fixture.target,
      engine: 'account-api',
      maxUsernameLength: 32,
      tls: 'verify',
      connect: (login: Login) => fixture.target.connect(login),
      connectPrivileged: () => fixture.target.connect({ username: 'admin', password: 'initial-admin-password', tls: 'verify' }),
    };
    const error = await rejection(rotate({ ...fixture.options, target, secretId: SECRET_ID }));
    expect(error).toMatchObject({ code: 'PrivilegedSecretInvalid', field: 'username' });
    expect(fixture.store.stages(SECRET_ID).pending).toBeUndefined();
  });

  it('the privileged session refuses its own account and a privileged source, changing nothing', async () => {
    const fixture = rotationFixture('alternating');
    const session = await fixture.target.connect({ username: 'admin', password: 'initial-admin-password', tls: 'verify' });
    const before = snapshot(fixture.store, fixture.target).users;
    for (const request of [
      { source: 'app', user: 'admin', password: 'hijacked-password-1' },
      { source: 'admin', user: 'admin_clone', password: 'hijacked-password-1' },
    ]) {
      const error = await rejection(session.syncUser(request));
      expect(error).toMatchObject({ code: 'PrivilegedSecretInvalid', changedNothing: true });
    }
    expect(snapshot(fixture.store, fixture.target).users).toEqual(before);
  });

  it('will not clone a current user with administrative rights unless allowed, naming the right', async () => {
    const fixture = rotationFixture('alternating');
    fixture.target.users.get('app')!.privileged = true;
    const error = await rejection(rotate({ ...fixture.options, secretId: SECRET_ID }));
    expect(error).toMatchObject({ code: 'AdministrativeSource', right: 'privileged', retryable: false });
    expect(fixture.target.users.has('app_clone')).toBe(false);
    // Refused before the database changed: the pending version is withdrawn, the next rotation may start.
    expect(fixture.store.stages(SECRET_ID).pending).toBeUndefined();
    await rotate({ ...fixture.options, strategy: alternatingUsers({ allowAdministrativeUsers: true }), secretId: SECRET_ID });
    expect(fixture.target.users.get('app_clone')?.privileged).toBeUndefined();
    expect(fixture.target.users.has('app_clone')).toBe(true);
  });

  it('allows single user of the privileged user, with a warning that the privileged secret goes stale', async () => {
    const fixture = rotationFixture('alternating');
    withSecret(fixture, { username: 'admin', password: 'initial-admin-password' });
    const { lines, logger } = capture();
    await rotate({ ...fixture.options, strategy: singleUser(), logger, secretId: SECRET_ID });
    expect(fixture.target.users.get('admin')?.password).not.toBe('initial-admin-password');
    expect(lines.some(([level, , message]) => level === 'warn' && String(message).includes('stale'))).toBe(true);
  });
});

describe('the same server is proven by the servers, not guessed from a host name', () => {
  function twoServers(fixture: ReturnType<typeof rotationFixture>) {
    // Another server on the same host, another port, where an admin of the same password exists.
    const other = new MemoryTarget({ host: 'db.internal', users: { admin: { password: 'initial-admin-password', privileged: true } } });
    const target: Target = {
      engine: 'memory',
      maxUsernameLength: 32,
      tls: 'verify',
      connect: (login) => (login.port === 5433 ? other : fixture.target).connect(login),
    };
    return { other, target };
  }

  it('refuses a privileged secret for the same host on another port (another server), creating no user anywhere', async () => {
    const fixture = rotationFixture('alternating');
    fixture.store.putSecret(MASTER_ID, { host: 'db.internal', port: 5433, username: 'admin', password: 'initial-admin-password' });
    const { other, target } = twoServers(fixture);
    const error = await rejection(rotate({ ...fixture.options, target, secretId: SECRET_ID }));
    expect(error).toMatchObject({ code: 'PrivilegedSecretInvalid', field: 'masterarn' });
    expect(other.users.has('app_clone')).toBe(false);
    expect(fixture.target.users.has('app_clone')).toBe(false);
    expect(fixture.store.stages(SECRET_ID).pending).toBeUndefined();
  });

  it('accepts a host alias that reaches the same server, because the servers agree', async () => {
    const fixture = rotationFixture('alternating');
    const aliased = new MemoryTarget({
      host: 'db.internal',
      aliases: ['writer.cluster.internal'],
      users: Object.fromEntries(fixture.target.users),
    });
    fixture.store.putSecret(MASTER_ID, { host: 'writer.cluster.internal', username: 'admin', password: 'initial-admin-password' });
    await rotate({ ...fixture.options, target: aliased, secretId: SECRET_ID });
    expect(aliased.users.has('app_clone')).toBe(true);
  });
});

describe('a permanent failure does not wedge the secret', () => {
  it('withdraws the pending version when the step changed nothing in the database, so the next rotation starts', async () => {
    const fixture = rotationFixture('alternating');
    fixture.store.putSecret(MASTER_ID, { username: 'admin', password: 'wrong-admin-password' });
    const first = await rejection(rotate({ ...fixture.options, secretId: SECRET_ID }));
    expect(first).toMatchObject({ code: 'PrivilegedSecretInvalid', retryable: false });
    expect(fixture.store.stages(SECRET_ID).pending).toBeUndefined();
    fixture.store.putSecret(MASTER_ID, { username: 'admin', password: 'initial-admin-password' });
    await rotate({ ...fixture.options, secretId: SECRET_ID });
    expect(fixture.target.users.has('app_clone')).toBe(true);
  });

  it('keeps the pending version when the failing step had changed the database, so a re-run can finish it', async () => {
    const fixture = rotationFixture('alternating');
    const base = fixture.target;
    const target: Target = {
      engine: base.engine,
      maxUsernameLength: base.maxUsernameLength,
      tls: base.tls,
      connect: async (login) => {
        const session = await base.connect(login);
        return {
          ping: () => session.ping(),
          setOwnPassword: (password: string) => session.setOwnPassword(password),
          identity: () => session.identity!(),
          close: () => session.close(),
          syncUser: async (request: Parameters<typeof session.syncUser>[0]) => {
            await session.syncUser(request);
            throw new Error('the connection dropped after the user was changed');
          },
        };
      },
    };
    const error = await rejection(rotate({ ...fixture.options, target, secretId: SECRET_ID }));
    expect(error).toMatchObject({ code: 'StepFailed', retryable: false });
    const token = fixture.store.stages(SECRET_ID).pending;
    expect(token).toBeDefined();
    await rotate({ ...fixture.options, secretId: SECRET_ID, token: token! });
    expect(JSON.parse(fixture.store.valueAt(SECRET_ID, 'current')!)).toMatchObject({ username: 'app_clone' });
  });
});
