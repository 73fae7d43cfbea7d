import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isRotakitError, type Login, type Target, type TargetSession, type UserIntrospection } from '@rotakit/core';
import { HOSTILE_PASSWORDS, HOSTILE_USERNAMES } from './hostile.js';

/** What an engine's test file provides to run the target conformance suite against a real server. */
export interface TargetConformanceFixture {
  /** The target under test, configured for the fixture's server. */
  readonly target: Target;
  /** A login for `username` on the fixture's server (host, port, database, TLS filled in). */
  login(username: string, password: string): Login;
  /** The server's privileged account (may create users and grant). */
  readonly admin: { readonly username: string; readonly password: string };
  /** A login to an address where no server listens. */
  readonly unreachable: Login;
  /** Creates a user with `password` and no privileges, as the privileged account. */
  createUser(username: string, password: string): Promise<void>;
  /**
   * Grants (or revokes) one of two distinct sample privileges to `username`, as the privileged
   * account; the engine picks what `a` and `b` are (e.g. SELECT on two tables).
   */
  grant(username: string, which: 'a' | 'b'): Promise<void>;
  /** Revokes the sample privilege `which` that `grant` gave `username`, as the privileged account. */
  revoke(username: string, which: 'a' | 'b'): Promise<void>;
  /** Drops a user if it exists. */
  dropUser(username: string): Promise<void>;
  /**
   * Opens the target's introspection (its `./internal` entry's, as the privileged account): how the
   * suite compares users after a sync. Closed by the suite.
   */
  introspect(): Promise<UserIntrospection>;
  /** Stops whatever the fixture started. */
  close(): Promise<void>;
}

/**
 * Registers the target conformance suite: login classification (auth failure apart from an
 * unreachable server), self password change, the alternate user's creation and re-sync (grants
 * added and revoked), hostile names and passwords, and no change to bystanders.
 */
export function describeTargetConformance(name: string, setup: () => Promise<TargetConformanceFixture>): void {
  describe(`Target conformance: ${name}`, () => {
    let fixture: TargetConformanceFixture;
    const opened: TargetSession[] = [];
    let introspection: UserIntrospection | undefined;
    /** The fixture's introspection, opened once. */
    const inspect = async (username: string) => {
      introspection ??= await fixture.introspect();
      return introspection.inspectUser(username);
    };
    const connect = async (username: string, password: string): Promise<TargetSession> => {
      const session = await fixture.target.connect(fixture.login(username, password));
      opened.push(session);
      return session;
    };
    const asAdmin = (): Promise<TargetSession> => connect(fixture.admin.username, fixture.admin.password);
    const authFails = async (username: string, password: string): Promise<void> => {
      const error = await connect(username, password).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(isRotakitError(error, 'TargetAuthFailed'), `expected ${username} to be refused`).toBe(true);
    };
    let counter = 0;
    const unique = (base: string): string => `${base}${(counter += 1)}`;

    beforeAll(async () => {
      fixture = await setup();
    });
    afterAll(async () => {
      for (const session of opened) await session.close();
      await introspection?.close();
      await fixture?.close();
    });

    it('logs in with the right password and pings', async () => {
      const user = unique('cf_ok');
      await fixture.createUser(user, 'Right-password-1');
      const session = await connect(user, 'Right-password-1');
      await session.ping();
      await session.close();
      await session.close();
    });

    it('tells a wrong password apart as TargetAuthFailed, not retryable', async () => {
      const user = unique('cf_auth');
      await fixture.createUser(user, 'Right-password-1');
      const error = await connect(user, 'Wrong-password-1').catch((e: unknown) => e);
      expect(isRotakitError(error, 'TargetAuthFailed')).toBe(true);
      expect((error as { retryable: boolean }).retryable).toBe(false);
      expect(String((error as Error).message)).not.toContain('Wrong-password-1');
    });

    it('tells an unreachable server apart as TargetUnreachable, retryable', async () => {
      const error = await fixture.target.connect(fixture.unreachable).catch((e: unknown) => e);
      expect(isRotakitError(error, 'TargetUnreachable')).toBe(true);
      expect((error as { retryable: boolean }).retryable).toBe(true);
    });

    it('changes its own password: the new one logs in, the old one no longer does', async () => {
      const user = unique('cf_self');
      await fixture.createUser(user, 'Old-password-1');
      const session = await connect(user, 'Old-password-1');
      await session.setOwnPassword('New-password-2');
      await session.close();
      await (await connect(user, 'New-password-2')).close();
      await authFails(user, 'Old-password-1');
    });

    it('creates the alternate user with the source user\'s privileges, and re-syncs them', async () => {
      const source = unique('cf_src');
      const alternate = `${source}_clone`;
      await fixture.dropUser(alternate);
      await fixture.createUser(source, 'Source-password-1');
      await fixture.grant(source, 'a');
      const admin = await asAdmin();
      await admin.syncUser({ source, user: alternate, password: 'Alt-password-1' });
      await (await connect(alternate, 'Alt-password-1')).close();
      const sourceProfile = await inspect(source);
      const alternateProfile = await inspect(alternate);
      expect(sourceProfile?.privileges.length).toBeGreaterThan(0);
      expect(alternateProfile?.privileges).toEqual(sourceProfile?.privileges);
      expect(alternateProfile?.roles).toEqual(sourceProfile?.roles);
      expect(alternateProfile?.tls).toEqual(sourceProfile?.tls);

      // The source loses `a` and gains `b`: the next sync revokes and grants on the alternate too.
      await fixture.revoke(source, 'a');
      await fixture.grant(source, 'b');
      await admin.syncUser({ source, user: alternate, password: 'Alt-password-2' });
      const resynced = await inspect(alternate);
      expect(resynced?.privileges).toEqual((await inspect(source))?.privileges);
      expect(resynced?.privileges).not.toEqual(alternateProfile?.privileges);
      await authFails(alternate, 'Alt-password-1');
      await (await connect(alternate, 'Alt-password-2')).close();
    });

    it('reports an unknown user as undefined', async () => {
      expect(await inspect(unique('cf_nobody'))).toBeUndefined();
    });

    it('quotes hostile usernames and binds hostile passwords', async () => {
      const source = unique('cf_hsrc');
      await fixture.createUser(source, 'Source-password-1');
      await fixture.grant(source, 'a');
      const admin = await asAdmin();
      for (const [i, base] of HOSTILE_USERNAMES.entries()) {
        const user = `${base}${i}`;
        const password = HOSTILE_PASSWORDS[i % HOSTILE_PASSWORDS.length] as string;
        await fixture.dropUser(user);
        await admin.syncUser({ source, user, password });
        const session = await connect(user, password);
        const next = `${password}-next`;
        await session.setOwnPassword(next);
        await session.close();
        await (await connect(user, next)).close();
        expect((await inspect(user))?.privileges).toEqual((await inspect(source))?.privileges);
        await fixture.dropUser(user);
      }
    });

    it('changes no other account', async () => {
      const bystander = unique('cf_by');
      const rotated = unique('cf_rot');
      await fixture.createUser(bystander, 'Bystander-password-1');
      await fixture.grant(bystander, 'b');
      await fixture.createUser(rotated, 'Rotated-password-1');
      const admin = await asAdmin();
      const before = await inspect(bystander);
      const session = await connect(rotated, 'Rotated-password-1');
      await session.setOwnPassword('Rotated-password-2');
      await session.close();
      await admin.syncUser({ source: rotated, user: `${rotated}_clone`, password: 'Clone-password-1' });
      expect(await inspect(bystander)).toEqual(before);
      await (await connect(bystander, 'Bystander-password-1')).close();
    });
  });
}
