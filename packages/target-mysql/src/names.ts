import { InvalidOptionsError, InvalidSecretValueError } from '@rotakit/core';

/**
 * Whether two user names are one account to the server: `mysql.user.User` is a `utf8mb3_bin`
 * column with PAD SPACE, so trailing spaces do not count (`app` and `app ` are one account) while
 * case and every other character do.
 */
export function sameMysqlUser(a: string, b: string): boolean {
  return a.replace(/ +$/, '') === b.replace(/ +$/, '');
}

/**
 * Whether `name` holds a character outside the Basic Multilingual Plane (4 bytes in UTF-8). The
 * account catalog of MySQL and MariaDB is utf8mb3: MariaDB stores such a character as `?` (so two
 * names become one account) and refuses to compare it with the catalog (error 1267).
 */
export function outsideCatalogCharset(name: string): boolean {
  return /[\u{10000}-\u{10FFFF}]/u.test(name);
}

const CATALOG_RULE = 'holds a character outside the Basic Multilingual Plane (4 bytes in UTF-8, e.g. an emoji), which the utf8mb3 account catalog cannot keep';

/**
 * `Target.checkUsername`: a name the privileged account will create or update (alternating users)
 * must fit the catalog's utf8mb3; a single user only logs in as itself and changes its own
 * password, which works. Throws `InvalidSecretValueError` naming `username`, never the name.
 */
export function checkCatalogUsername(username: string, synced: boolean): void {
  if (synced && outsideCatalogCharset(username)) {
    throw new InvalidSecretValueError(`the username ${CATALOG_RULE}; alternating users cannot create or update it`, {
      field: 'username',
    });
  }
}

/** The same rule for the names of a `syncUser` request, naming the request's field. */
export function checkSyncNames(request: { readonly source: string; readonly user: string }): void {
  for (const field of ['source', 'user'] as const) {
    if (outsideCatalogCharset(request[field])) throw new InvalidOptionsError(`${field} ${CATALOG_RULE}`, { field });
  }
}

/** The user part of `CURRENT_USER()` (`user@host`; the host never holds an `@`, the user may). */
export function userOfAccount(account: string): string {
  const at = account.lastIndexOf('@');
  return at < 0 ? account : account.slice(0, at);
}
