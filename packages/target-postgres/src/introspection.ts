import type { Login, UserIntrospection } from '@rotakit/core';
import { profileOf, readRole } from './catalog.js';
import { statementError } from './errors.js';
import { openConnection, type PostgresTarget } from './target.js';

/**
 * Opens core's `UserIntrospection` on the server `login` names, logged in with `target`'s options
 * (a privileged login: it reads `pg_roles`, `pg_auth_members` and the ACLs of the connected
 * database). `inspectUser` describes a role as the sync compares it: non-default attributes and
 * privileges (`attribute CREATEDB`, `SELECT on TABLE "s"."t"`), memberships, and `tls: 'n/a'`;
 * undefined when the role does not exist. No rotation calls it.
 */
export async function openPostgresIntrospection(target: PostgresTarget, login: Login): Promise<UserIntrospection> {
  const { client, version, redactor } = await openConnection(login, target.options);
  let closed = false;
  return {
    async inspectUser(username) {
      try {
        const state = await readRole(client, version, username);
        return state === undefined ? undefined : profileOf(username, state);
      } catch (error) {
        throw statementError(error, `reading the role ${username}`, redactor);
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      await client.end().catch(() => undefined);
    },
  };
}
