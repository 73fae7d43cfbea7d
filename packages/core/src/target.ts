import {
  AdministrativeSourceError,
  InvalidOptionsError,
  InvalidSecretValueError,
  PrivilegedSecretInvalidError,
  TlsRequiredError,
} from './errors.js';
import type { Logger } from './logger.js';

/**
 * How a target connects:
 * - `verify`: TLS with the certificate chain and host name checked (against a CA when given);
 * - `require`: TLS without certificate checks (encrypted, not authenticated);
 * - `disable`: plaintext.
 */
export type TlsMode = 'verify' | 'require' | 'disable';

/** Every TLS mode, for validating options. */
export const TLS_MODES: readonly TlsMode[] = ['verify', 'require', 'disable'];

/** Credentials for one database login, as read from a secret. */
export interface Credentials {
  readonly username: string;
  readonly password: string;
  readonly host?: string;
  readonly port?: number;
  readonly database?: string;
  /** The database engine named by the secret, if it names one. */
  readonly engine?: string;
  /** What the secret says about TLS: `true` use it, `false` plaintext, absent: the target's setting. */
  readonly tls?: boolean;
  /** Reference to the privileged secret that may create and update the alternate user. */
  readonly masterSecret?: string;
}

/** One login attempt as a target receives it: the credentials plus the TLS mode to use. */
export interface Login {
  readonly username: string;
  readonly password: string;
  readonly host?: string;
  readonly port?: number;
  readonly database?: string;
  readonly tls: TlsMode;
}

/** What a privileged login copies from the source user to the alternate user. */
export interface UserSyncRequest {
  /** The user whose grants, role memberships and TLS requirement are copied. */
  readonly source: string;
  /** The user to create or update. */
  readonly user: string;
  /** The password the user must have afterwards. */
  readonly password: string;
  /**
   * Clone a source that holds administrative rights (see each target's README for the list).
   * Refused by default with `AdministrativeSourceError`: the clone would be a second administrator.
   */
  readonly allowAdministrativeSource?: boolean;
}

/**
 * What a server says about one of its sessions. Two sessions reach the same server exactly when
 * their `server` values are equal; each target documents what it asks (and that an unprivileged
 * login may ask it).
 */
export interface SessionIdentity {
  /** Names the server (not the host string the client dialled): equal for every session on it. */
  readonly server: string;
  /** The account the session is logged in as, as the server names it. */
  readonly user: string;
}

/** How a username will be used, for {@link Target.checkUsername}. */
export interface UsernameUse {
  /** True when a privileged account will create or update the user from another (alternating users). */
  readonly synced: boolean;
}

/** An engine-neutral view of one user, for drift checks and tests. Values are normalised per engine. */
export interface UserProfile {
  readonly username: string;
  /** Privileges as `privilege on object` strings, with the user's own name removed, sorted. */
  readonly privileges: readonly string[];
  /** Role memberships, sorted. */
  readonly roles: readonly string[];
  /** The TLS requirement in the engine's own words (`NONE`, `SSL`, `X509`, …). */
  readonly tls: string;
}

/** Limits a target puts on passwords; merged into the password policy before generating. */
export interface PasswordConstraints {
  readonly minLength?: number;
  readonly maxLength?: number;
  /** Characters the engine or platform cannot take in a password. */
  readonly excludeCharacters?: string;
}

/** An open, authenticated session on a target. */
export interface TargetSession {
  /** Runs a trivial read-only query that proves the session works. */
  ping(): Promise<void>;
  /** Changes the password of the logged-in user itself (single-user strategy). */
  setOwnPassword(newPassword: string): Promise<void>;
  /**
   * As a privileged login: creates `request.user` if missing, sets its password, and makes its
   * grants, role memberships and TLS requirement equal to `request.source`'s (revoking extras).
   */
  syncUser(request: UserSyncRequest): Promise<void>;
  /**
   * Asks the server which server it is and which account the session is logged in as; core
   * compares the answers of the current user's and the privileged account's sessions before the
   * privileged account acts (the same server, never its own account).
   */
  identity(): Promise<SessionIdentity>;
  /** Closes the session; safe to call twice. */
  close(): Promise<void>;
}

/**
 * A look at a database's users from outside the rotation: what the conformance suites compare
 * (grants, roles, TLS requirement) after a sync. No rotation calls it; each target offers one from
 * its `./internal` entry, opened with a privileged login.
 */
export interface UserIntrospection {
  /** Describes a user, or undefined when it does not exist. */
  inspectUser(username: string): Promise<UserProfile | undefined>;
  /** Closes whatever the introspection opened; safe to call twice. */
  close(): Promise<void>;
}

/** What core hands a target with each connection: the rotation's redacting logger. */
export interface ConnectContext {
  readonly logger: Logger;
}

/**
 * The port every database engine implements. `connect` throws `TargetAuthFailedError` when the
 * server refuses the credentials, `TargetUnreachableError` when it cannot be reached and
 * `TlsRequiredError` when TLS cannot be negotiated as asked; the login ladder relies on the
 * difference.
 */
export interface Target {
  /** Engine name, e.g. `mysql`, `postgres`, `mssql`. */
  readonly engine: string;
  /** Longest username the engine accepts; checked before anything is written. */
  readonly maxUsernameLength: number;
  /** How the engine measures a username against the limit; characters by default (PostgreSQL: bytes). */
  usernameLength?(username: string): number;
  /** The TLS mode used when the secret does not say; `verify` unless configured. */
  readonly tls: TlsMode;
  /** Password limits of the engine or platform. */
  readonly passwordConstraints?: PasswordConstraints;
  /**
   * False for a target whose `connect` cannot prove a password (a cloud account API that only
   * sees whether an account exists): the set step then always sets the pending password instead
   * of taking "pending logs in" for done. Default true.
   */
  readonly verifiesPasswords?: boolean;
  /**
   * Checks a username against the engine's or platform's naming rules (beyond the length limit),
   * throwing a typed error naming the problem. Called in `create`, before anything is written.
   */
  checkUsername?(username: string, use?: UsernameUse): void;
  /** Whether two names are one account on this engine; exact comparison by default. */
  sameUser?(a: string, b: string): boolean;
  /** Opens a session as `login`; log through `context.logger`, which redacts the rotation's secrets. */
  connect(login: Login, context?: ConnectContext): Promise<TargetSession>;
  /**
   * For targets that act through a cloud account API instead of a privileged secret: a session
   * with the right to create and update users. When present, it is used and a master reference in
   * the secret is ignored.
   */
  connectPrivileged?(context?: ConnectContext): Promise<TargetSession>;
}

/**
 * Decides the TLS mode of a login from the secret's TLS field and the target's setting.
 * A secret that asks for TLS is never downgraded; a plaintext login is logged as a warning.
 */
export function effectiveTlsMode(credentials: Credentials, target: Pick<Target, 'tls'>, logger: Logger): TlsMode {
  if (!TLS_MODES.includes(target.tls)) {
    throw new InvalidOptionsError(`target tls must be one of ${TLS_MODES.join(', ')}`, { field: 'tls' });
  }
  if (credentials.tls === true && target.tls === 'disable') {
    throw new TlsRequiredError('the secret asks for TLS but the target is configured with tls: disable');
  }
  if (credentials.tls === false) {
    logger.warn({ username: credentials.username }, 'connecting without TLS because the secret says so');
    return 'disable';
  }
  if (target.tls === 'disable') {
    logger.warn({ username: credentials.username }, 'connecting without TLS because the target options say so');
  }
  return target.tls;
}

/** Builds the login for `credentials` with the effective TLS mode. */
export function loginOf(credentials: Credentials, target: Pick<Target, 'tls'>, logger: Logger): Login {
  const login: { -readonly [K in keyof Login]: Login[K] } = {
    username: credentials.username,
    password: credentials.password,
    tls: effectiveTlsMode(credentials, target, logger),
  };
  if (credentials.host !== undefined) login.host = credentials.host;
  if (credentials.port !== undefined) login.port = credentials.port;
  if (credentials.database !== undefined) login.database = credentials.database;
  return login;
}

/** Engine limits for {@link checkUserSyncRequest} and {@link checkNewPassword}. */
export interface UserChangeLimits {
  readonly maxUsernameLength?: number;
  readonly maxPasswordLength?: number;
}

/**
 * Checks a password a target is about to set, before it writes anything: a non-empty string
 * (an empty one would let the account log in without any) within the engine's length.
 * Throws `InvalidSecretValueError` (field `password`, `changedNothing`); the message never repeats
 * the value.
 */
export function checkNewPassword(password: unknown, limits: UserChangeLimits = {}): asserts password is string {
  const max = limits.maxPasswordLength ?? Infinity;
  if (typeof password !== 'string' || password.length === 0 || password.length > max) {
    const bound = Number.isFinite(max) ? ` of 1 to ${max} characters` : '';
    throw new InvalidSecretValueError(`the password must be a non-empty string${bound}`, { field: 'password', changedNothing: true });
  }
}

/**
 * Checks a `syncUser` request before the target writes anything: `source` and `user` non-empty
 * names within the engine's length (an empty name is MySQL's anonymous account), and the password
 * as {@link checkNewPassword} does. Targets call it first, since `syncUser` is also called directly.
 */
export function checkUserSyncRequest(request: UserSyncRequest, limits: UserChangeLimits = {}): void {
  const max = limits.maxUsernameLength ?? Infinity;
  for (const field of ['source', 'user'] as const) {
    const name: unknown = request?.[field];
    if (typeof name !== 'string' || name.length === 0 || name.length > max) {
      const bound = Number.isFinite(max) ? ` of 1 to ${max} characters` : '';
      throw new InvalidOptionsError(`${field} must be a non-empty user name${bound}`, { field, changedNothing: true });
    }
  }
  checkNewPassword(request.password, limits);
}

/**
 * Refuses a privileged session's change to its own account: `sessionUser` (the account the session
 * is logged in as) may be neither the user changed nor the source copied. Targets call it before
 * their first write; the error says nothing was changed.
 */
export function refuseOwnAccount(
  sessionUser: string,
  request: Pick<UserSyncRequest, 'user'> & Partial<Pick<UserSyncRequest, 'source'>>,
  sameUser: (a: string, b: string) => boolean = (a, b) => a === b,
): void {
  for (const field of ['user', 'source'] as const) {
    const name = request[field];
    if (name !== undefined && sameUser(name, sessionUser)) {
      throw new PrivilegedSecretInvalidError(
        `the privileged account may not ${field === 'user' ? 'change' : 'copy'} its own account ${sessionUser}`,
        { field, changedNothing: true },
      );
    }
  }
}

/**
 * Refuses to clone a source that holds administrative rights unless the request allows it.
 * `rights` are the rights the target found on `request.source`, in the engine's words.
 */
export function refuseAdministrativeSource(request: UserSyncRequest, rights: readonly string[]): void {
  const [right] = rights;
  if (right === undefined || request.allowAdministrativeSource === true) return;
  throw new AdministrativeSourceError(
    `${request.source} holds the administrative right ${right}; it is not cloned into ${request.user} unless allowed (alternatingUsers({ allowAdministrativeUsers }), or a sync request's allowAdministrativeSource)`,
    { field: 'source', right, changedNothing: true },
  );
}
