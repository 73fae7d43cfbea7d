import type { Login, UserIntrospection } from '@rotakit/core';
import { connect, type MssqlTarget } from './target.js';

/**
 * Opens a look at `target`'s users from outside the rotation, as `login` (a login that may read
 * other principals' catalog rows: a sysadmin, or one with `VIEW ANY DEFINITION` and a user in the
 * database). `inspectUser` reports a login's or contained user's permissions
 * (`STATE PERMISSION on SECURABLE`) and roles where the login's database is (server-wide in
 * master), and `tls` `NONE`: SQL Server has no per-login TLS requirement.
 */
export async function openMssqlIntrospection(target: MssqlTarget, login: Login): Promise<UserIntrospection> {
  return (await connect(login, target.options)).introspection();
}
