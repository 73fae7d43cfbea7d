import { randomUUID } from 'node:crypto';
import { TargetAuthFailedError, TargetUnreachableError, TlsRequiredError } from './errors.js';
import {
  checkUserSyncRequest,
  refuseAdministrativeSource,
  refuseOwnAccount,
  type Login,
  type SessionIdentity,
  type Target,
  type TargetSession,
  type TlsMode,
  type UserIntrospection,
  type UserProfile,
  type UserSyncRequest,
} from './target.js';

/** A user of the memory target. */
export interface MemoryUser {
  password: string;
  /** May create users and copy grants (a privileged account): an administrative right, `privileged`. */
  privileged?: boolean;
  privileges?: string[];
  roles?: string[];
  /** TLS requirement, e.g. `NONE` or `SSL`. */
  tls?: string;
}

/** Options of the memory target. */
export interface MemoryTargetOptions {
  readonly engine?: string;
  /** The pretend server's host name; a login naming another host finds nothing there. */
  readonly host?: string;
  /**
   * Other names that reach the same pretend server (a DNS alias). Two memory targets given the same
   * `serverId` are one server seen through two names; by default each target is a server of its own.
   */
  readonly aliases?: readonly string[];
  /** What `identity()` reports as the server; default a random id per target. */
  readonly serverId?: string;
  readonly maxUsernameLength?: number;
  /** The TLS mode used when a secret does not say; default `verify`. */
  readonly tls?: TlsMode;
  /** Whether the pretend server offers TLS; default true. */
  readonly serverTls?: boolean;
  readonly users?: Readonly<Record<string, MemoryUser>>;
}

/** One login the memory target saw (the password is not recorded). */
export interface MemoryLogin {
  readonly username: string;
  readonly ok: boolean;
}

/** One password change the memory target made. */
export interface MemoryPasswordChange {
  readonly username: string;
  /** Who changed it: the user itself or a privileged user. */
  readonly by: string;
}

/**
 * A `Target` held in memory: users with passwords, privileges, roles and a TLS requirement. It
 * records every login and password change, and can be made unreachable. For tests and the demo.
 */
export class MemoryTarget implements Target {
  readonly engine: string;
  readonly maxUsernameLength: number;
  readonly tls: TlsMode;
  readonly users = new Map<string, MemoryUser>();
  readonly logins: MemoryLogin[] = [];
  readonly passwordChanges: MemoryPasswordChange[] = [];
  /** Set false to make every connection fail as unreachable. */
  reachable = true;
  /** What every session's `identity()` reports as the server. */
  readonly serverId: string;
  readonly #serverTls: boolean;
  readonly #hosts: readonly string[] | undefined;

  constructor(options: MemoryTargetOptions = {}) {
    this.engine = options.engine ?? 'memory';
    this.maxUsernameLength = options.maxUsernameLength ?? 32;
    this.tls = options.tls ?? 'verify';
    this.#serverTls = options.serverTls ?? true;
    this.#hosts = options.host === undefined ? undefined : [options.host, ...(options.aliases ?? [])];
    this.serverId = options.serverId ?? `memory-${randomUUID()}`;
    for (const [name, user] of Object.entries(options.users ?? {})) this.users.set(name, { ...user });
  }

  /** Whether `username` logs in with `password` (recorded like any login). */
  accepts(username: string, password: string): boolean {
    const ok = this.users.get(username)?.password === password;
    this.logins.push({ username, ok });
    return ok;
  }

  async connect(login: Login): Promise<TargetSession> {
    if (!this.reachable || (this.#hosts !== undefined && login.host !== undefined && !this.#hosts.includes(login.host))) {
      throw new TargetUnreachableError(`the memory target is unreachable at ${login.host ?? 'its host'}`);
    }
    if (login.tls !== 'disable' && !this.#serverTls) {
      throw new TlsRequiredError('the memory target does not offer TLS');
    }
    if (!this.accepts(login.username, login.password)) {
      throw new TargetAuthFailedError(`authentication failed for user ${login.username}`);
    }
    return new MemorySession(this, login.username);
  }

  /** Describes a user as a target's introspection does (`UserIntrospection`), or undefined when it does not exist. */
  async inspectUser(username: string): Promise<UserProfile | undefined> {
    const user = this.users.get(username);
    if (!user) return undefined;
    return {
      username,
      privileges: [...(user.privileges ?? [])].sort(),
      roles: [...(user.roles ?? [])].sort(),
      tls: user.tls ?? 'NONE',
    };
  }

  /** This target's users seen through the `UserIntrospection` port. */
  introspection(): UserIntrospection {
    return { inspectUser: (username) => this.inspectUser(username), close: async () => undefined };
  }
}

class MemorySession implements TargetSession {
  readonly #target: MemoryTarget;
  readonly #username: string;
  #open = true;

  constructor(target: MemoryTarget, username: string) {
    this.#target = target;
    this.#username = username;
  }

  async ping(): Promise<void> {
    this.#check();
  }

  async setOwnPassword(newPassword: string): Promise<void> {
    this.#check();
    const user = this.#target.users.get(this.#username);
    if (user) user.password = newPassword;
    this.#target.passwordChanges.push({ username: this.#username, by: this.#username });
  }

  /** Refuses its own account and a privileged source (unless allowed) before it changes anything. */
  async syncUser(request: UserSyncRequest): Promise<void> {
    this.#check();
    checkUserSyncRequest(request);
    if (!this.#target.users.get(this.#username)?.privileged) {
      throw new Error(`permission denied: ${this.#username} may not manage users`);
    }
    refuseOwnAccount(this.#username, request);
    const source = this.#target.users.get(request.source);
    if (!source) throw new Error(`user ${request.source} does not exist`);
    refuseAdministrativeSource(request, source.privileged ? ['privileged'] : []);
    const existing = this.#target.users.get(request.user);
    this.#target.users.set(request.user, {
      ...existing,
      password: request.password,
      privileges: [...(source.privileges ?? [])],
      roles: [...(source.roles ?? [])],
      tls: source.tls ?? 'NONE',
    });
    this.#target.passwordChanges.push({ username: request.user, by: this.#username });
  }

  async identity(): Promise<SessionIdentity> {
    this.#check();
    return { server: this.#target.serverId, user: this.#username };
  }

  async close(): Promise<void> {
    this.#open = false;
  }

  #check(): void {
    if (!this.#open) throw new Error('the memory session is closed');
    if (!this.#target.reachable) throw new TargetUnreachableError('the memory target is unreachable');
  }
}
