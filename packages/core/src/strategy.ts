import {
  InvalidOptionsError,
  PendingMismatchError,
  PrivilegedSecretInvalidError,
  TargetAuthFailedError,
} from './errors.js';
import type { Logger } from './logger.js';
import type { CredentialField } from './schema.js';
import type { Credentials, Target, TargetSession } from './target.js';

/** What a strategy's set step can see and do. */
export interface SetContext {
  readonly secretId: string;
  readonly current: Credentials;
  readonly pending: Credentials;
  readonly target: Target;
  readonly logger: Logger;
  /** The previous stage's credentials; undefined when absent or malformed. */
  previous(): Promise<Credentials | undefined>;
  /** Opens a session; authentication failure gives undefined, any other failure throws. */
  tryConnect(credentials: Credentials): Promise<TargetSession | undefined>;
  /** Opens a session; every failure throws. */
  connect(credentials: Credentials): Promise<TargetSession>;
  /** Reads and parses the current value of the privileged secret `reference`. */
  readPrivileged(reference: string): Promise<Credentials>;
  /** The secret key that holds `field`, for error messages. */
  keyOf(field: CredentialField): string;
}

/** What the set step did: changed the database, or found nothing to do. */
export type SetOutcome = { readonly outcome: 'done' } | { readonly outcome: 'skipped'; readonly reason: string };

/** How the pending credentials are derived and made to work on the database. */
export interface Strategy {
  readonly kind: 'single-user' | 'alternating-users';
  /** The username the pending value gets, derived from the current one. */
  pendingUsername(current: Credentials): string;
  /** Makes the database accept the pending credentials. */
  set(context: SetContext): Promise<SetOutcome>;
}

const PENDING_LOGS_IN: SetOutcome = { outcome: 'skipped', reason: 'the pending credentials already log in' };

/**
 * One user whose password changes. The set step logs in as the user itself (no privileged account)
 * with the pending, then current, then previous credentials, and refuses a change of user or host.
 */
export function singleUser(): Strategy {
  return {
    kind: 'single-user',
    pendingUsername: (current) => current.username,
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
   * gains it. Default `_clone` (AWS's convention); Alibaba's is `_rt`.
   */
  readonly suffix?: string;
  /** Derives the other username yourself instead of by suffix. */
  readonly alternate?: (username: string) => string;
  /**
   * Accepts a privileged secret whose host differs from the current one (e.g. a read replica of
   * it). By default the hosts must be equal.
   */
  readonly allowPrivilegedHost?: (current: Credentials, privileged: Credentials) => Promise<boolean>;
}

/** Suffix presets of the clouds' conventions for the alternate user. */
export const ALTERNATE_USER_SUFFIX = { aws: '_clone', alibaba: '_rt' } as const;

/**
 * Two users take turns: the pending value names the other user. The current credentials must log
 * in before the privileged account (the secret's `masterSecret`, or the target's own account API)
 * creates or updates the other user with the current user's grants, roles and TLS requirement.
 */
export function alternatingUsers(options: AlternatingUsersOptions = {}): Strategy {
  const alternate = options.alternate ?? suffixRule(options.suffix ?? ALTERNATE_USER_SUFFIX.aws);
  return {
    kind: 'alternating-users',
    pendingUsername: (current) => alternate(current.username),
    async set(context) {
      const { current, pending } = context;
      if (pending.username !== alternate(current.username)) {
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
      await asCurrent.close();
      const privileged = await openPrivileged(context, options);
      try {
        await privileged.syncUser({ source: current.username, user: pending.username, password: pending.password });
      } finally {
        await privileged.close();
      }
      return { outcome: 'done' };
    },
  };
}

async function openPrivileged(context: SetContext, options: AlternatingUsersOptions): Promise<TargetSession> {
  const { current, target } = context;
  if (target.connectPrivileged) return target.connectPrivileged({ logger: context.logger });
  const reference = current.masterSecret;
  if (reference === undefined) {
    throw new PrivilegedSecretInvalidError(
      `alternating users need a privileged secret: ${context.keyOf('masterSecret')} is missing from the secret`,
      { field: context.keyOf('masterSecret') },
    );
  }
  const read = await context.readPrivileged(reference);
  // A privileged secret that names no host is taken to be for the current user's server (host and port).
  const sameServer = read.host === undefined;
  const privileged: Credentials = {
    ...read,
    ...(sameServer && current.host !== undefined ? { host: current.host } : {}),
    ...(sameServer && read.port === undefined && current.port !== undefined ? { port: current.port } : {}),
    ...(current.database !== undefined ? { database: current.database } : {}),
    ...(current.tls !== undefined && read.tls === undefined ? { tls: current.tls } : {}),
  };
  if (privileged.host !== current.host && !(await options.allowPrivilegedHost?.(current, privileged))) {
    throw new PrivilegedSecretInvalidError(
      'the privileged secret is for another database host than the current credentials',
      { field: context.keyOf('masterSecret') },
    );
  }
  const session = await context.tryConnect(privileged);
  if (!session) {
    throw new PrivilegedSecretInvalidError('the privileged secret\'s credentials do not log in to the database', {
      field: context.keyOf('masterSecret'),
    });
  }
  return session;
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
