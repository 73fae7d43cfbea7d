import { isRotakitError, type Login, type RotakitError, type Target, type TargetSession } from '@rotakit/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { quoteIdentifier } from '../src/sql.js';
import { failure } from './secrets.js';

/** A SQL Server (the fake or a real one) to check the privileged session's boundaries on. */
export interface BoundaryFixture {
  readonly target: Target;
  readonly admin: { readonly username: string; readonly password: string };
  /** A login to the fixture's database. */
  login(username: string, password: string): Login;
  /** Runs T-SQL as the administrator, in the fixture's database or in master (server-scope grants). */
  run(text: string, where?: 'database' | 'master'): Promise<void>;
  /** A SQL login without rights (CHECK_POLICY as asked, OFF by default), with a user in the fixture's database unless that is master. */
  createLogin(name: string, password: string, options?: { checkPolicy?: boolean }): Promise<void>;
  /** Drops the login and its user in the fixture's database, if they exist. */
  dropLogin(name: string): Promise<void>;
  /** Everything about every account the server shows the administrator, to compare before and after. */
  snapshot(): Promise<unknown>;
  close(): Promise<void>;
}

const q = quoteIdentifier;

/**
 * The privileged session's boundaries, on a server a fixture provides: `identity()` as any login
 * may ask it, no change to its own account (as `user` or as `source`), and no clone of an
 * administrative source unless allowed. Registered for the fake and for `MSSQL_URL`.
 */
export function describePrivilegeBoundaries(name: string, setup: () => Promise<BoundaryFixture>): void {
  describe(`privilege boundaries: ${name}`, () => {
    let fixture: BoundaryFixture;
    const opened: TargetSession[] = [];
    let counter = 0;
    const unique = (base: string): string => `${base}_${process.pid}_${(counter += 1)}`;
    const connect = async (username: string, password: string): Promise<TargetSession> => {
      const session = await fixture.target.connect(fixture.login(username, password));
      opened.push(session);
      return session;
    };
    const asAdmin = (): Promise<TargetSession> => connect(fixture.admin.username, fixture.admin.password);

    beforeAll(async () => {
      fixture = await setup();
    });
    afterAll(async () => {
      for (const session of opened) await session.close();
      await fixture?.close();
    });

    describe('identity()', () => {
      it('gives every session on the server the same server, and each its own login as the server names it', async () => {
        const app = unique('rk_Ident');
        await fixture.createLogin(app, 'Identity-password-1');
        try {
          const admin = await asAdmin();
          const unprivileged = await connect(app, 'Identity-password-1');
          const [adminIdentity, appIdentity] = [await admin.identity?.(), await unprivileged.identity?.()];
          expect(appIdentity?.server, 'an unprivileged login can ask').toBeTruthy();
          expect(appIdentity?.server).toBe(adminIdentity?.server);
          expect(appIdentity?.user).toBe(app);
          expect(fixture.target.sameUser?.(adminIdentity?.user ?? '', fixture.admin.username)).toBe(true);
        } finally {
          await fixture.dropLogin(app);
        }
      });
    });

    describe('its own account', () => {
      const variants = (own: string): string[] => [own, own.toUpperCase(), `${own}  `];

      it('is never the user syncUser changes, however it is spelled; nothing changes', async () => {
        const app = unique('rk_own_src');
        await fixture.createLogin(app, 'Own-source-password-1');
        try {
          const admin = await asAdmin();
          const before = await fixture.snapshot();
          for (const user of variants(fixture.admin.username)) {
            const error = (await failure(admin.syncUser({ source: app, user, password: 'Taken-over-password-1' }))) as RotakitError;
            expect(isRotakitError(error, 'PrivilegedSecretInvalid'), String(error)).toBe(true);
            expect(error).toMatchObject({ field: 'user', changedNothing: true });
          }
          expect(await fixture.snapshot()).toEqual(before);
          await (await asAdmin()).ping();
        } finally {
          await fixture.dropLogin(app);
        }
      });

      it('is never the source syncUser copies, however it is spelled; nothing changes', async () => {
        const clone = unique('rk_own_clone');
        const admin = await asAdmin();
        const before = await fixture.snapshot();
        for (const source of variants(fixture.admin.username)) {
          const error = (await failure(admin.syncUser({ source, user: clone, password: 'Second-admin-password-1' }))) as RotakitError;
          expect(isRotakitError(error, 'PrivilegedSecretInvalid'), String(error)).toBe(true);
          expect(error).toMatchObject({ field: 'source', changedNothing: true });
        }
        expect(await fixture.snapshot()).toEqual(before);
        await fixture.dropLogin(clone);
      });
    });

    describe('administrative sources', () => {
      /** How a source comes to hold a right, and what to undo afterwards. */
      interface Holding {
        readonly right: string;
        readonly how: string;
        give(source: string, role: string): Promise<void>;
        undo(source: string, role: string): Promise<void>;
      }
      const noRole = async (): Promise<void> => undefined;
      const dropRole = async (source: string, role: string): Promise<void> => {
        await fixture.run(`ALTER SERVER ROLE ${q(role)} DROP MEMBER ${q(source)}`);
        await fixture.run(`DROP SERVER ROLE ${q(role)}`);
      };
      const holdings: Holding[] = [
        { right: 'sysadmin', how: 'as a member of sysadmin', give: (s) => fixture.run(`ALTER SERVER ROLE [sysadmin] ADD MEMBER ${q(s)}`), undo: noRole },
        { right: 'securityadmin', how: 'as a member of securityadmin', give: (s) => fixture.run(`ALTER SERVER ROLE [securityadmin] ADD MEMBER ${q(s)}`), undo: noRole },
        { right: 'CONTROL SERVER', how: 'granted to it', give: (s) => fixture.run(`GRANT CONTROL SERVER TO ${q(s)}`, 'master'), undo: noRole },
        {
          right: 'CONTROL SERVER',
          how: 'through a user-defined server role',
          async give(source, role) {
            await fixture.run(`CREATE SERVER ROLE ${q(role)}`);
            await fixture.run(`GRANT CONTROL SERVER TO ${q(role)}`, 'master');
            await fixture.run(`ALTER SERVER ROLE ${q(role)} ADD MEMBER ${q(source)}`);
          },
          undo: dropRole,
        },
        {
          right: 'sysadmin',
          how: 'through a user-defined server role in sysadmin',
          async give(source, role) {
            await fixture.run(`CREATE SERVER ROLE ${q(role)}`);
            await fixture.run(`ALTER SERVER ROLE [sysadmin] ADD MEMBER ${q(role)}`);
            await fixture.run(`ALTER SERVER ROLE ${q(role)} ADD MEMBER ${q(source)}`);
          },
          undo: dropRole,
        },
      ];

      it.each(holdings)('a source holding $right $how is refused before anything is written, and cloned when allowed', async (holding) => {
        const source = unique('rk_adm');
        const clone = `${source}_clone`;
        const role = `${source}_role`;
        await fixture.createLogin(source, 'Admin-source-password-1');
        try {
          await holding.give(source, role);
          const admin = await asAdmin();
          const before = await fixture.snapshot();
          const request = { source, user: clone, password: 'Clone-password-1' };
          const error = (await failure(admin.syncUser(request))) as RotakitError;
          expect(isRotakitError(error, 'AdministrativeSource'), String(error)).toBe(true);
          expect(error).toMatchObject({ field: 'source', right: holding.right, changedNothing: true });
          expect(await fixture.snapshot()).toEqual(before);

          await admin.syncUser({ ...request, allowAdministrativeSource: true });
          await (await connect(clone, 'Clone-password-1')).ping();
        } finally {
          // The clone first: once allowed it may be a member of the role too.
          await fixture.dropLogin(clone);
          await holding.undo(source, role);
          await fixture.dropLogin(source);
        }
      });
    });
  });
}
