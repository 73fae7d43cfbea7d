/**
 * Reading `SHOW GRANTS` output into an account-free form, and the difference between two accounts'
 * grants as statements. The output's own quoting is kept verbatim (it is the server's), so a grant
 * line's object or role is re-issued exactly as the server printed it.
 */

interface Token {
  readonly kind: 'word' | 'quoted' | 'punct';
  readonly text: string;
  readonly start: number;
  readonly end: number;
}

/** Privileges held on one object (`*.*`, `` `db`.* ``, `` PROCEDURE `db`.`p` ``, an account for PROXY). */
export interface ObjectGrant {
  /** Privilege items, column privileges split one column each: `SELECT`, ``UPDATE (`a`)``. */
  readonly privileges: Set<string>;
  grantOption: boolean;
}

/** One account's grants with the account itself removed. */
export interface AccountGrants {
  /** Object → privileges granted on it. */
  readonly objects: Map<string, ObjectGrant>;
  /** Partial revokes (MySQL 8 `partial_revokes`): object → privileges revoked below a global grant. */
  readonly restrictions: Map<string, Set<string>>;
  /** Role → whether it was granted WITH ADMIN OPTION. */
  readonly roles: Map<string, boolean>;
  /** Default roles as `SHOW GRANTS` lists them (MariaDB); undefined when the output does not say. */
  defaultRoles: string[] | undefined;
}

/** An empty grant set. */
export function emptyGrants(): AccountGrants {
  return { objects: new Map(), restrictions: new Map(), roles: new Map(), defaultRoles: undefined };
}

function tokenize(line: string, backslashEscapes: boolean): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < line.length) {
    const char = line[i] as string;
    if (/\s/.test(char)) {
      i += 1;
    } else if (char === '`' || char === "'" || char === '"') {
      let j = i + 1;
      for (; j < line.length; j += 1) {
        const c = line[j];
        if (c === '\\' && char !== '`' && backslashEscapes) j += 1;
        else if (c === char && line[j + 1] === char) j += 1;
        else if (c === char) break;
      }
      tokens.push({ kind: 'quoted', text: line.slice(i, j + 1), start: i, end: j + 1 });
      i = j + 1;
    } else if (',()@'.includes(char)) {
      tokens.push({ kind: 'punct', text: char, start: i, end: i + 1 });
      i += 1;
    } else {
      let j = i;
      while (j < line.length && !/[\s,()@`'"]/.test(line[j] as string)) j += 1;
      tokens.push({ kind: 'word', text: line.slice(i, j), start: i, end: j });
      i = j;
    }
  }
  return tokens;
}

const isWord = (token: Token | undefined, word: string): boolean =>
  token?.kind === 'word' && token.text.toUpperCase() === word;

/** Index of the first top-level (outside parentheses) word `word` at or after `from`, or -1. */
function findTopLevel(tokens: readonly Token[], word: string, from = 0): number {
  let depth = 0;
  for (let i = from; i < tokens.length; i += 1) {
    const token = tokens[i] as Token;
    if (token.text === '(' && token.kind === 'punct') depth += 1;
    else if (token.text === ')' && token.kind === 'punct') depth -= 1;
    else if (depth === 0 && isWord(token, word)) return i;
  }
  return -1;
}

/** Number of tokens an account name (`user`, `user@host`) takes from `index`. */
function accountLength(tokens: readonly Token[], index: number): number {
  return tokens[index + 1]?.text === '@' && tokens[index + 1]?.kind === 'punct' ? 3 : 1;
}

/** Splits `tokens[from, to)` on top-level commas into the source text of each part. */
function splitList(line: string, tokens: readonly Token[], from: number, to: number): string[] {
  const parts: string[] = [];
  let depth = 0;
  let partStart = from;
  const flush = (end: number): void => {
    if (end > partStart) parts.push(sourceText(line, tokens, partStart, end));
  };
  for (let i = from; i < to; i += 1) {
    const token = tokens[i] as Token;
    if (token.kind !== 'punct') continue;
    if (token.text === '(') depth += 1;
    else if (token.text === ')') depth -= 1;
    else if (token.text === ',' && depth === 0) {
      flush(i);
      partStart = i + 1;
    }
  }
  flush(to);
  return parts;
}

/** The text of `tokens[from, to)` as the server wrote it, with each run of whitespace made one space. */
function sourceText(line: string, tokens: readonly Token[], from: number, to: number): string {
  let text = '';
  for (let i = from; i < to; i += 1) {
    const token = tokens[i] as Token;
    const previous = tokens[i - 1];
    if (i > from && previous !== undefined && previous.end < token.start) text += ' ';
    text += token.text;
  }
  return text;
}

/** Splits a privilege item with a column list into one item per column: ``SELECT (`a`, `b`)`` → two. */
function expandColumns(item: string, backslashEscapes: boolean): string[] {
  const tokens = tokenize(item, backslashEscapes);
  const open = tokens.findIndex((token) => token.kind === 'punct' && token.text === '(');
  if (open < 0) return [item];
  const name = sourceText(item, tokens, 0, open);
  const columns = splitList(item, tokens, open + 1, tokens.length - 1);
  return columns.map((column) => `${name} (${column})`);
}

function objectGrant(grants: AccountGrants, object: string): ObjectGrant {
  let entry = grants.objects.get(object);
  if (!entry) {
    entry = { privileges: new Set(), grantOption: false };
    grants.objects.set(object, entry);
  }
  return entry;
}

function hasOption(tokens: readonly Token[], from: number, option: 'GRANT' | 'ADMIN'): boolean {
  for (let i = from; i < tokens.length - 1; i += 1) {
    if (isWord(tokens[i], option) && isWord(tokens[i + 1], 'OPTION')) return true;
  }
  return false;
}

/**
 * Adds one `SHOW GRANTS` line to `grants`, without the account it was granted to. Lines that grant
 * nothing (`USAGE`), and the password hash, TLS requirement and resource limits the USAGE line may
 * carry, are left out: the TLS requirement is read from `mysql.user` instead.
 */
export function addGrantLine(grants: AccountGrants, line: string, backslashEscapes = true): void {
  const tokens = tokenize(line, backslashEscapes);
  if (isWord(tokens[0], 'SET') && isWord(tokens[1], 'DEFAULT') && isWord(tokens[2], 'ROLE')) {
    const forIndex = findTopLevel(tokens, 'FOR', 3);
    const roles = splitList(line, tokens, 3, forIndex < 0 ? tokens.length : forIndex);
    grants.defaultRoles = roles.length === 1 && roles[0]?.toUpperCase() === 'NONE' ? [] : roles;
    return;
  }
  const revoke = isWord(tokens[0], 'REVOKE');
  if (!revoke && !isWord(tokens[0], 'GRANT')) throw new Error(`unrecognised grant line: ${line.slice(0, 40)}`);
  const accountIndex = findTopLevel(tokens, revoke ? 'FROM' : 'TO', 1);
  if (accountIndex < 0) throw new Error(`grant line names no account: ${line.slice(0, 40)}`);
  const tailIndex = accountIndex + 1 + accountLength(tokens, accountIndex + 1);
  const onIndex = findTopLevel(tokens, 'ON', 1);
  if (onIndex < 0 || onIndex > accountIndex) {
    const admin = hasOption(tokens, tailIndex, 'ADMIN');
    for (const role of splitList(line, tokens, 1, accountIndex)) grants.roles.set(role, admin);
    return;
  }
  const object = sourceText(line, tokens, onIndex + 1, accountIndex);
  const privileges = splitList(line, tokens, 1, onIndex)
    .flatMap((item) => expandColumns(item, backslashEscapes))
    .filter((item) => item.toUpperCase() !== 'USAGE');
  if (revoke) {
    const restricted = grants.restrictions.get(object) ?? new Set<string>();
    for (const privilege of privileges) restricted.add(privilege);
    grants.restrictions.set(object, restricted);
    return;
  }
  const grantOption = hasOption(tokens, tailIndex, 'GRANT');
  if (privileges.length === 0 && !grantOption) return;
  const entry = objectGrant(grants, object);
  for (const privilege of privileges) entry.privileges.add(privilege);
  entry.grantOption ||= grantOption;
}

/** Reads a whole `SHOW GRANTS` result. */
export function parseGrants(lines: readonly string[], backslashEscapes = true): AccountGrants {
  const grants = emptyGrants();
  for (const line of lines) addGrantLine(grants, line, backslashEscapes);
  return grants;
}

/** The account-free description of `grants`: privileges (`SELECT ON ...`) and roles, each sorted. */
export function describeGrants(grants: AccountGrants): { privileges: string[]; roles: string[] } {
  const privileges: string[] = [];
  for (const [object, entry] of grants.objects) {
    for (const privilege of entry.privileges) privileges.push(`${privilege} ON ${object}`);
    if (entry.grantOption) privileges.push(`GRANT OPTION ON ${object}`);
  }
  for (const [object, restricted] of grants.restrictions) {
    for (const privilege of restricted) privileges.push(`REVOKE ${privilege} ON ${object}`);
  }
  const roles = [...grants.roles].map(([role, admin]) => (admin ? `${role} WITH ADMIN OPTION` : role));
  if (grants.defaultRoles !== undefined && grants.defaultRoles.length > 0) {
    roles.push(`DEFAULT ROLE ${grants.defaultRoles.join(', ')}`);
  }
  return { privileges: privileges.sort(), roles: roles.sort() };
}

/** One change that brings an account's grants to a source's: what to grant or revoke, on what. */
export type GrantChange =
  | { readonly kind: 'revoke'; readonly privileges: readonly string[]; readonly object: string }
  | { readonly kind: 'revoke-grant-option'; readonly object: string }
  | { readonly kind: 'grant'; readonly privileges: readonly string[]; readonly object: string; readonly grantOption: boolean }
  | { readonly kind: 'revoke-role'; readonly role: string }
  | { readonly kind: 'grant-role'; readonly role: string; readonly admin: boolean };

const missingFrom = (items: Iterable<string>, other: ReadonlySet<string> | undefined): string[] =>
  [...items].filter((item) => !other?.has(item));

/**
 * The changes that make `target`'s privileges and role memberships equal to `source`'s: extras
 * revoked first (so a narrower grant replacing `ALL PRIVILEGES` is not swallowed), then what is
 * missing granted. Partial revokes are mirrored: a restriction the target lacks is revoked, one
 * only the target has is granted back. Default roles are not part of this (set separately).
 */
export function grantChanges(source: AccountGrants, target: AccountGrants): GrantChange[] {
  const changes: GrantChange[] = [];
  for (const [object, held] of target.objects) {
    const wanted = source.objects.get(object);
    if (held.grantOption && !wanted?.grantOption) changes.push({ kind: 'revoke-grant-option', object });
    const extra = missingFrom(held.privileges, wanted?.privileges);
    if (extra.length > 0) changes.push({ kind: 'revoke', privileges: extra, object });
  }
  for (const [role, admin] of target.roles) {
    const wanted = source.roles.get(role);
    // A membership held with ADMIN OPTION that the source holds without it is revoked and granted again.
    if (wanted === undefined || (admin && !wanted)) changes.push({ kind: 'revoke-role', role });
  }
  for (const [object, wanted] of source.objects) {
    const held = target.objects.get(object);
    const addOption = wanted.grantOption && !held?.grantOption;
    const privileges = addOption ? [...wanted.privileges] : missingFrom(wanted.privileges, held?.privileges);
    if (addOption && privileges.length === 0) privileges.push('USAGE');
    if (privileges.length > 0) changes.push({ kind: 'grant', privileges, object, grantOption: wanted.grantOption });
  }
  for (const [role, admin] of source.roles) {
    const held = target.roles.get(role);
    if (held === undefined || (admin && !held) || (!admin && held)) changes.push({ kind: 'grant-role', role, admin });
  }
  for (const [object, restricted] of source.restrictions) {
    const missing = missingFrom(restricted, target.restrictions.get(object));
    if (missing.length > 0) changes.push({ kind: 'revoke', privileges: missing, object });
  }
  for (const [object, restricted] of target.restrictions) {
    const extra = missingFrom(restricted, source.restrictions.get(object));
    if (extra.length > 0) changes.push({ kind: 'grant', privileges: extra, object, grantOption: false });
  }
  return changes;
}

/** Global privileges that make an account an administrator: it can create accounts or grant anything. */
const ADMINISTRATIVE_PRIVILEGES = new Set(['ALL', 'ALL PRIVILEGES', 'CREATE USER', 'SUPER']);

/**
 * The administrative rights `grants` hold directly, as `PRIVILEGE ON *.*`: global `ALL
 * PRIVILEGES`, `CREATE USER`, `SUPER`, and the global `GRANT OPTION`. Roles are not followed here.
 */
export function administrativeRights(grants: AccountGrants): string[] {
  const global = grants.objects.get('*.*');
  if (!global) return [];
  const rights = [...global.privileges].filter((privilege) => ADMINISTRATIVE_PRIVILEGES.has(privilege.toUpperCase()));
  if (global.grantOption) rights.push('GRANT OPTION');
  return rights.map((right) => `${right} ON *.*`);
}
