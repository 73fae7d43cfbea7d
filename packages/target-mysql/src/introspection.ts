import type { Login, UserIntrospection } from '@rotakit/core';
import { openCatalog, type MysqlTarget } from './target.js';

/**
 * Opens a look at the server's users as `login` (an account that may read `mysql.user` and every
 * account's grants), over a connection of its own made with `target`'s options. No rotation calls
 * it: it is how tests and drift checks compare users after a sync. `inspectUser` reports privileges
 * as `SELECT ON \`db\`.*`, `GRANT OPTION ON …`, `REVOKE … ON …` (partial revokes), roles as the
 * server prints them plus `DEFAULT ROLE …`, and the TLS requirement (`NONE`, `SSL`, `X509`,
 * `ISSUER '…' AND SUBJECT '…'`); a user with several host entries gets each item prefixed with
 * its host. Login failures are classified as `target.connect`'s are.
 */
export async function openMysqlIntrospection(target: MysqlTarget, login: Login): Promise<UserIntrospection> {
  const { catalog } = await openCatalog(login, target.options);
  return { inspectUser: (username) => catalog.describeUser(username), close: () => catalog.close() };
}
