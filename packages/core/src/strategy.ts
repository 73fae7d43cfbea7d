import {
  InvalidOptionsError,
  PendingMismatchError,
  PrivilegedSecretInvalidError,
  TargetAuthFailedError,
} from './errors.js';
import type { Logger } from './logger.js';
import type { CredentialField } from './schema.js';
import type { Credentials, SessionIdentity, Target, TargetSession } from './target.js';

/** What a strategy can see in `create`, before anything is written. */
export interface CreateContext {
  readonly secretId: string;
  readonly current: Credentials;
  /** The username the pending value will get. */
  readonly pendingUsername: string;
  readonly target: Target;
  readonly logger: Logger;
  /** The alternate-user suffix of the secret's convention (its schema's), when it has one. */
  readonly alternateSuffix?: string;
  /** Reads and parses the current value of the privileged secret `reference`. */
  readPrivileged(reference: string): Promise<Credentials>;
  /** The target's own privileged session (cloud account APIs); undefined when it has none. */
  connectPrivileged?(): Promise<TargetSession>;
  /** The secret key that holds `field`, for error messages. */
  keyOf(field: CredentialField): string;
}

/** What a strategy's set step can see and do. */
export interface SetContext {
  readonly secretId: string;
  readonly current: Credentials;
  readonly pending: Credentials;
  readonly target: Target;
  readonly logger: Logger;
  /** The alternate-user suffix of the secret's convention (its schema's), when it has one. */
  readonly alternateSuffix?: string;
  /** The previous stage's credentials; undefined when absent or malformed. */
  previous(): Promise<Credentials | undefined>;
  /** Opens a session; authentication failure gives undefined, any other failure throws. */
  tryConnect(credentials: Credentials): Promise<TargetSession | undefined>;
  /** Opens a session; every failure throws. */
  connect(credentials: Credentials): Promise<TargetSession>;
  /** Reads and parses the current value of the privileged secret `reference`. */
  readPrivileged(reference: string): Promise<Credentials>;
  /** The target's own privileged session (cloud account APIs); undefined when it has none. */
  connectPrivileged?(): Promise<TargetSession>;
  /** The secret key that holds `field`, for error messages. */
  keyOf(field: CredentialField): string;
}

/** What the set step did: changed the database, or found nothing to do. */
export type SetOutcome = { readonly outcome: 'done' } | { readonly outcome: 'skipped'; readonly reason: string };

/** How the pending credentials are derived and made to work on the database. */
export interface Strategy {
  readonly kind: 'single-user' | 'alternating-users';
  /**
   * The username the pending value gets, derived from the current one; `conventions` are the
   * secret's (its schema's alternate-user suffix).
   */
  pendingUsername(current: Credentials, conventions?: { readonly alternateSuffix?: string }): string;
  /** Checks what can be checked before anything is written; called in `create`. */
  check?(context: CreateContext): Promise<void>;
  /** Makes the database accept the pending credentials. */
  set(context: SetContext): Promise<SetOutcome>;
}

const PENDING_LOGS_IN: SetOutcome = { outcome: 'skipped', reason: 'the pending credentials already log in' };

/**
 * One user whose password changes. The set step logs in as the user itself (no privileged account)
 * with the pending, then current, then previous credentials, and refuses a change of user or host.
 *
 * Rotating the privileged account's own user this way is allowed, but every other secret that holds
 * its password (a master secret) goes stale: when the secret names a privileged secret of the same
 * user, `create` logs a warning.
 */
export function singleUser(): Strategy {
  return {
    kind: 'single-user',
    pendingUsername: (current) => current.username,
    async check(context) {
      const reference = context.current.masterSecret;
      if (reference === undefined) return;
      const privileged = await context.readPrivileged(reference).catch(() => undefined);
      if (privileged && sameUser(context.target, privileged.username, context.current.username)) {
        context.logger.warn(
          { secretId: context.secretId, username: context.current.username },
          'single-user rotation of the privileged account\'s own user: the privileged secret will hold a stale password',
        );
      }
    },
    async set(context) {
      const { current, pending } = context;
      requireSame(context, 'username', pending, current, 'current');
      requireSame(context, 'host', pending, current, 'current');
      if (await pendingLogsIn(context)) return PENDING_LOGS_IN;
      let session = await context.tryConnect(current);
      if (!session) {
        const previous = await context.previous();
        if (previous) {
          requireSame(context, 'username', pending, previous, 'previous');
          requireSame(context, 'host', pending, previous, 'previous');
          session = await context.tryConnect(withTlsOf(previous, current));
        }
      }
      if (!session) {
        throw new TargetAuthFailedError(
          `none of the pending, current or previous credentials of ${context.secretId} log in to the database`,
        );
      }
      try {
        await session.setOwnPassword(pending.password);
      } finally {
        await session.close();
      }
      return { outcome: 'done' };
    },
  };
}

/** Options of the alternating-users strategy. */
export interface AlternatingUsersOptions {
  /**
   * The suffix that turns one user into the other: a name ending with it loses it, any other name
   * gains it. Default the suffix of the secret's convention: each provider's schema names its
   * cloud's (`alternateSuffix`); a schema without one needs this option or `alternate`.
   */
  readonly suffix?: string;
  /** Derives the other username yourself instead of by suffix. */
  readonly alternate?: (username: string) => string;
  /**
   * Accepts a privileged secret whose server differs from the current one (e.g. the primary of the
   * read replica the current credentials name). By default the two sessions must reach one server,
   * as the servers themselves say (`TargetSession.identity`).
   */
  readonly allowPrivilegedHost?: (current: Credentials, privileged: Credentials) => Promise<boolean>;
  /**
   * Clone a current user that holds administrative rights (MySQL global GRANT OPTION, PostgreSQL
   * SUPERUSER, SQL Server sysadmin, …). Refused by default: the clone would be a second administrator.
   */
  readonly allowAdministrativeUsers?: boolean;
}

/**
 * Two users take turns: the pending value names the other user. The current credentials must log
 * in before the privileged account (the secret's `masterSecret`, or the target's own account API)
 * creates or updates the other user with the current user's grants, roles and TLS requirement.
 *
 * The privileged account never acts on itself: `create` refuses, before anything is written, a
 * secret whose user or alternate user is the privileged account's user, and `set` acts only when the
 * current user's session and the privileged session reach the same server by the servers' own answer
 * (or `allowPrivilegedHost` accepts the pair), and the privileged session is not the user it changes.
 */
export function alternatingUsers(options: AlternatingUsersOptions = {}): Strategy {
  const chosen = options.alternate ?? (options.suffix === undefined ? undefined : suffixRule(options.suffix));
  const alternateOf = (alternateSuffix: string | undefined): ((username: string) => string) => {
    if (chosen) return chosen;
    if (alternateSuffix === undefined) {
      throw new InvalidOptionsError('alternatingUsers needs a suffix (or alternate): the secret schema names no alternate-user suffix', {
        field: 'suffix',
      });
    }
    return suffixRule(alternateSuffix);
  };
  return {
    kind: 'alternating-users',
    pendingUsername: (current, conventions) => alternateOf(conventions?.alternateSuffix)(current.username),
    async check(context) {
      const { current, pendingUsername, target } = context;
      const alternate = alternateOf(context.alternateSuffix);
      let privilegedUser: string;
      if (context.connectPrivileged) {
        const session = await context.connectPrivileged();
        try {
          privilegedUser = (await session.identity()).user;
        } finally {
          await session.close();
        }
      } else {
        privilegedUser = (await context.readPrivileged(requireMasterReference(context))).username;
      }
      for (const name of new Set([current.username, pendingUsername, alternate(current.username)])) {
        if (sameUser(target, name, privilegedUser)) {
          throw new PrivilegedSecretInvalidError(
            `${name === current.username ? 'the current' : 'the alternate'} ${context.keyOf('username')} is the privileged account's own user; the privileged account never acts on itself`,
            { field: context.keyOf('username') },
          );
        }
      }
    },
    async set(context) {
      const { current, pending } = context;
      if (pending.username !== alternateOf(context.alternateSuffix)(current.username)) {
        throw new PendingMismatchError(
          `the pending ${context.keyOf('username')} is neither the current user nor its alternate`,
          { field: context.keyOf('username') },
        );
      }
      requireSame(context, 'host', pending, current, 'current');
      if (await pendingLogsIn(context)) return PENDING_LOGS_IN;
      // The privileged account acts only for credentials that prove themselves (no confused deputy).
      const asCurrent = await context.tryConnect(current);
      if (!asCurrent) {
        throw new TargetAuthFailedError(
          `the current credentials of ${context.secretId} do not log in; the privileged account will not act for them`,
        );
      }
      let currentIdentity: SessionIdentity;
      try {
        currentIdentity = await asCurrent.identity();
      } finally {
        await asCurrent.close();
      }
      const privileged = await openPrivileged(context, options, currentIdentity);
      try {
        await privileged.syncUser({
          source: current.username,
          user: pending.username,
          password: pending.password,
          ...(options.allowAdministrativeUsers === true ? { allowAdministrativeSource: true } : {}),
        });
      } finally {
        await privileged.close();
      }
      return { outcome: 'done' };
    },
  };
}

/**
 * Opens the privileged session and proves it may act: it reaches the current user's server (the
 * servers' identities agree, or `allowPrivilegedHost` accepts the pair) and is not logged in as
 * the current or the pending user.
 */
async function openPrivileged(
  context: SetContext,
  options: AlternatingUsersOptions,
  currentIdentity: SessionIdentity,
): Promise<TargetSession> {
  const { current, pending, target } = context;
  const field = context.keyOf('masterSecret');
  let session: TargetSession;
  let privileged: Credentials | undefined;
  if (context.connectPrivileged) {
    session = await context.connectPrivileged();
  } else {
    const read = await context.readPrivileged(requireMasterReference(context));
    // A privileged secret that names no host is taken to be for the current user's server (host and port).
    const sameServer = read.host === undefined;
    privileged = {
      ...read,
      ...(sameServer && current.host !== undefined ? { host: current.host } : {}),
      ...(sameServer && read.port === undefined && current.port !== undefined ? { port: current.port } : {}),
      ...(current.database !== undefined ? { database: current.database } : {}),
      ...(current.tls !== undefined && read.tls === undefined ? { tls: current.tls } : {}),
    };
    const opened = await context.tryConnect(privileged);
    if (!opened) {
      throw new PrivilegedSecretInvalidError('the privileged secret\'s credentials do not log in to the database', { field });
    }
    session = opened;
  }
  try {
    const identity = await session.identity();
    const agreed = identity.server === currentIdentity.server;
    if (!agreed && !(privileged !== undefined && (await options.allowPrivilegedHost?.(current, privileged)))) {
      throw new PrivilegedSecretInvalidError(
        'the privileged account is on another database server than the current credentials (the servers say so)',
        { field },
      );
    }
    for (const name of [current.username, pending.username]) {
      if (sameUser(target, identity.user, name)) {
        throw new PrivilegedSecretInvalidError(
          `the privileged session is logged in as ${name}; the privileged account never acts on itself`,
          { field: context.keyOf('username') },
        );
      }
    }
    return session;
  } catch (error) {
    await session.close();
    throw error;
  }
}

/** The secret's reference to its privileged secret; a typed error naming the field when there is none. */
function requireMasterReference(context: Pick<SetContext, 'current' | 'keyOf'>): string {
  const reference = context.current.masterSecret;
  if (reference === undefined) {
    throw new PrivilegedSecretInvalidError(
      `alternating users need a privileged secret: ${context.keyOf('masterSecret')} is missing from the secret`,
      { field: context.keyOf('masterSecret') },
    );
  }
  return reference;
}

function sameUser(target: Target, a: string, b: string): boolean {
  return target.sameUser ? target.sameUser(a, b) : a === b;
}

/**
 * Whether the pending credentials already log in, so that set has nothing to do. A target that
 * cannot prove a password never says so: setting the password again is the safe answer.
 */
async function pendingLogsIn(context: SetContext): Promise<boolean> {
  if (context.target.verifiesPasswords === false) return false;
  const session = await context.tryConnect(context.pending);
  if (!session) return false;
  await session.close();
  return true;
}

/** The suffix rule: `name` ↔ `name<suffix>`. */
export function suffixRule(suffix: string): (username: string) => string {
  if (typeof suffix !== 'string' || suffix.length === 0 || /\p{Cc}/u.test(suffix)) {
    throw new InvalidOptionsError('suffix must be a non-empty string without control characters', { field: 'suffix' });
  }
  return (username) =>
    username.endsWith(suffix) && username.length > suffix.length ? username.slice(0, -suffix.length) : username + suffix;
}

function requireSame(
  context: SetContext,
  field: 'username' | 'host',
  pending: Credentials,
  other: Credentials,
  otherStage: 'current' | 'previous',
): void {
  if (pending[field] !== other[field]) {
    const key = context.keyOf(field);
    throw new PendingMismatchError(`the pending ${key} differs from the ${otherStage} ${key}; single-user rotation keeps it`, {
      field: key,
    });
  }
}

function withTlsOf(credentials: Credentials, source: Credentials): Credentials {
  const { tls: _ignored, ...rest } = credentials;
  return source.tls === undefined ? rest : { ...rest, tls: source.tls };
}
