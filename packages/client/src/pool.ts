import { optionChecks, Redactor, TargetAuthFailedError, type Credentials, type Stage, type Strategy } from '@rotakit/core';
import { SecretReader, type ReadCredentials } from './reader.js';

/** The credentials a pool logs in with, numbered: every change of credentials is a new generation. */
export interface PoolLogin {
  /** Starts at 1 and grows by one each time the pool moves to other credentials. */
  readonly generation: number;
  /** The stage the credentials were read from: `current`, or `pending` in a single-user rotation's window. */
  readonly stage: Stage;
  readonly credentials: Credentials;
  /** The version the credentials were read from, where the cloud names versions (see `SourcedValue.versionId`). */
  readonly versionId?: string;
}

/** What a rotating pool tells its `onEvent` listener; never a password. */
export type PoolEvent =
  | {
      /** The pool moved to other credentials: read after the time to live (`ttl`) or after the database refused a login (`refused`). */
      readonly type: 'pool.credentials-changed';
      readonly generation: number;
      readonly username: string;
      readonly stage: Stage;
      readonly via: 'ttl' | 'refused';
      /**
       * The reads of a value that found these credentials: 1, where the cloud tells where the
       * stages sit without reading a value (AWS with `secretsmanager:DescribeSecret` allowed,
       * Alibaba) or reads them all at once (NAVER). Where it does not (the Lambda extension, or
       * DescribeSecret denied), the stages are read one by one, and a refusal whose first stage
       * held nothing new costs 2 or more (single user: a rotation met after its finish step,
       * pending gone).
       */
      readonly reads: number;
    }
  | {
      /** The database refused a login, and the secret read anew holds nothing else that could log in. */
      readonly type: 'pool.auth-failed';
      readonly generation: number;
      readonly username: string;
    };

/** Options every rotating pool takes besides its driver's. */
export interface RotatingPoolOptions {
  /**
   * The least time between two reads of the secret made because the database refused a login, in
   * milliseconds (default 1000). A refusal sooner waits for it; after credentials read anew are
   * refused too, new logins fail at once with `TargetAuthFailedError` for this long, without
   * reaching the database, so retries never become a login storm.
   */
  readonly minRefreshIntervalMs?: number;
  /**
   * How the secret is rotated, which decides what the pool reads first when the database refuses
   * its login. `single-user`: between the rotation's set and finish steps only pending logs in (and
   * after finish pending's password is the new current's), so pending is read first, then current
   * when there is no other pending. `alternating-users`: the user in use keeps logging in through
   * the switch, so current is read first. Default: `alternating-users` when the secret names a
   * privileged secret (`masterSecret`, AWS's `masterarn`), else `single-user`. Either order finds
   * the credentials that log in. Where the cloud tells where the stages sit first (see
   * `PoolEvent`'s `reads`), a rotation met costs one read of a value; elsewhere the right order
   * keeps it to one in most cases.
   */
  readonly strategy?: Strategy['kind'];
  /** Told when the pool changes credentials or gives up on them; never a password. */
  readonly onEvent?: (event: PoolEvent) => void;
  /** The clock the interval is measured on (default `Date.now`); tests pass a fake one. */
  readonly now?: () => number;
}

/** The option keys of `RotatingPoolOptions`, for pools that add their own. */
export const ROTATING_POOL_OPTION_KEYS: readonly string[] = ['minRefreshIntervalMs', 'strategy', 'onEvent', 'now'];

const DEFAULT_MIN_REFRESH_INTERVAL_MS = 1000;
/**
 * Generations one operation may move through before it gives up: each needs the secret to have
 * changed since the last, so only rotations run back to back (a test runs eight a second) come near.
 */
const MAX_LOGIN_ROUNDS = 8;
/** How often the reader is asked whether current changed, at most (its own time to live decides when it reads). */
const FOLLOW_INTERVAL_MS = 1000;

function sameLogin(a: Credentials, b: Credentials): boolean {
  return a.username === b.username && a.password === b.password && a.host === b.host && a.port === b.port && a.database === b.database;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * The credentials a pool logs in with, kept in step with a rotated secret: the one module every
 * rotating pool (mysql2, pg, mssql) shares. New connections log in with `login()`: the reader's
 * current credentials (cached for its time to live), unless a refusal moved the pool on. When the
 * database refuses a login, `refused()` reads the secret once for every connection refused with
 * the same generation, and answers the credentials to try next, in the order the rotation's
 * strategy makes right (see `RotatingPoolOptions.strategy`): single user, pending read anew (the
 * password of a rotation's set-to-finish window, and of the current it becomes), else current;
 * alternating users, current read anew, else pending. A generation refused after that
 * is `TargetAuthFailedError`, and new logins fail fast for `minRefreshIntervalMs`.
 */
export class RotatingLogin {
  readonly #reader: SecretReader;
  readonly #minIntervalMs: number;
  readonly #now: () => number;
  readonly #onEvent: ((event: PoolEvent) => void) | undefined;
  readonly #strategy: Strategy['kind'] | undefined;
  readonly #redactor = new Redactor();
  #active: PoolLogin | undefined;
  #lastCurrent: ReadCredentials | undefined;
  #recovery: { readonly from: number; gaveUp: boolean; promise: Promise<PoolLogin> } | undefined;
  #lastRefreshAt = Number.NEGATIVE_INFINITY;
  #blockedUntil = Number.NEGATIVE_INFINITY;
  #refreshes = 0;
  #refreshReads = 0;
  #checkedAt = Number.NEGATIVE_INFINITY;

  /** Credentials of `reader`'s secret for a pool; `subject` names the pool in messages. */
  constructor(reader: SecretReader, options: RotatingPoolOptions = {}, subject = 'the rotating pool') {
    const check = optionChecks(subject);
    if (!(reader instanceof SecretReader)) throw check.invalid('reader', 'must be a SecretReader (awsSecretReader, alibabaSecretReader, …)');
    const given = check.record(options, 'options');
    this.#minIntervalMs = check.integerIn(given['minRefreshIntervalMs'], 'minRefreshIntervalMs', {
      min: 0,
      max: 3_600_000,
      fallback: DEFAULT_MIN_REFRESH_INTERVAL_MS,
    });
    const strategy = given['strategy'];
    if (strategy !== undefined && strategy !== 'single-user' && strategy !== 'alternating-users') {
      throw check.invalid('strategy', "must be 'single-user' or 'alternating-users'");
    }
    this.#strategy = strategy;
    if (given['onEvent'] !== undefined && typeof given['onEvent'] !== 'function') throw check.invalid('onEvent', 'must be a function');
    if (given['now'] !== undefined && typeof given['now'] !== 'function') throw check.invalid('now', 'must be a function');
    this.#reader = reader;
    this.#now = (given['now'] as (() => number) | undefined) ?? Date.now;
    this.#onEvent = given['onEvent'] as ((event: PoolEvent) => void) | undefined;
  }

  /** How many times the secret was read anew because the database refused a login. */
  get refreshes(): number {
    return this.#refreshes;
  }

  /**
   * The reads of a value those refreshes made: at most one each where the cloud locates the stages
   * first (none when no stage holds other credentials); elsewhere one per stage read (see
   * `PoolEvent`'s `reads`).
   */
  get refreshReads(): number {
    return this.#refreshReads;
  }

  /** The strategy that orders the reads after a refusal of `login`: the option, else told by the secret. */
  strategyOf(login: PoolLogin): Strategy['kind'] {
    return this.#strategy ?? (login.credentials.masterSecret === undefined ? 'single-user' : 'alternating-users');
  }

  /** The generation logins use now (0 before the first `login()`). */
  get generation(): number {
    return this.#active?.generation ?? 0;
  }

  /**
   * The credentials to open a connection with. Follows the reader's current value when it changes
   * (after its time to live; the reader is asked at most once a second), and keeps the
   * credentials in use when the store cannot be read then; throws
   * `TargetAuthFailedError` without reaching the database while credentials that were refused
   * after a refresh are being held back.
   */
  async login(): Promise<PoolLogin> {
    let current: ReadCredentials;
    try {
      current = await this.#reader.current();
    } catch (error) {
      // The store is out of reach: credentials already in use keep serving (asked again in a second).
      if (this.#active === undefined) throw error;
      this.#checkedAt = this.#now();
      return this.#unlessHeldBack(this.#active);
    }
    this.#checkedAt = this.#now();
    if (current !== this.#lastCurrent) this.#follow(current);
    return this.#unlessHeldBack(this.#active as PoolLogin);
  }

  /**
   * The login of the moment when it is known without waiting (the reader was asked less than a
   * second ago, and logins are not held back); else undefined, and `run` or `login` tells more.
   */
  peek(): PoolLogin | undefined {
    const active = this.#active;
    if (active === undefined || this.#now() - this.#checkedAt >= FOLLOW_INTERVAL_MS || this.#now() < this.#blockedUntil) return undefined;
    return active;
  }

  /** The login of the moment without asking the reader, when it was asked less than a second ago. */
  #loginNow(): PoolLogin | undefined {
    const active = this.#active;
    if (active === undefined || this.#now() - this.#checkedAt >= FOLLOW_INTERVAL_MS) return undefined;
    return this.#unlessHeldBack(active);
  }

  #unlessHeldBack(active: PoolLogin): PoolLogin {
    if (this.#now() < this.#blockedUntil) throw this.#authFailed(active, 'was refused again after the secret was read anew; logins are held back');
    return active;
  }

  /**
   * The database refused a login made with `failed`: the credentials to try next, shared by every
   * connection refused with the same generation. Throws `TargetAuthFailedError` when the secret,
   * read anew, holds nothing else to try. `error` is the driver's; its text is scrubbed.
   */
  refused(failed: PoolLogin, error?: unknown): Promise<PoolLogin> {
    const active = this.#active as PoolLogin;
    if (active.generation > failed.generation) return Promise.resolve(active);
    const recovery = this.#recovery;
    // A recovery of this generation is shared; one that gave up is shared until the interval has passed.
    if (recovery?.from === failed.generation && !(recovery.gaveUp && this.#now() >= this.#blockedUntil)) return recovery.promise;
    const next = { from: failed.generation, gaveUp: false, promise: Promise.resolve(active) };
    next.promise = this.#recover(failed, error).catch((caught: unknown) => {
      next.gaveUp = true;
      throw caught;
    });
    this.#recovery = next;
    return next.promise;
  }

  /**
   * Runs `attempt` with the credentials of the moment, moving on when the database refuses them:
   * `attempt` hands its errors to `fail` (its second argument: `attempt(login, fail)` may chain
   * `.catch(fail)`, or let a single `.then` call it), and `isRefusal` says whether an error is the
   * database refusing the login (never an error of a statement that reached the database, so no
   * statement runs twice).
   */
  run<T>(attempt: (login: PoolLogin, fail: (error: unknown) => Promise<T>) => Promise<T>, isRefusal: (error: unknown) => boolean): Promise<T> {
    let login: PoolLogin | undefined;
    try {
      login = this.#loginNow();
    } catch (error) {
      return Promise.reject(error as Error);
    }
    if (login === undefined) return this.login().then((first) => this.#attempt(attempt, isRefusal, first, 1));
    return this.#attempt(attempt, isRefusal, login, 1);
  }

  #attempt<T>(
    attempt: (login: PoolLogin, fail: (error: unknown) => Promise<T>) => Promise<T>,
    isRefusal: (error: unknown) => boolean,
    login: PoolLogin,
    round: number,
  ): Promise<T> {
    return attempt(login, (error: unknown) => {
      if (!isRefusal(error)) return Promise.reject(error as Error);
      if (round >= MAX_LOGIN_ROUNDS) return Promise.reject(this.#authFailed(login, 'was refused, and so was every version read after it', error));
      return this.refused(login, error).then((next) => this.#attempt(attempt, isRefusal, next, round + 1));
    });
  }

  #follow(current: ReadCredentials): void {
    const before = this.#lastCurrent;
    this.#lastCurrent = current;
    this.#redactor.add(current.credentials.password);
    const changed = before === undefined || !sameLogin(before.credentials, current.credentials);
    if (this.#active === undefined || (changed && !sameLogin(this.#active.credentials, current.credentials))) this.#activate(current, 'ttl');
  }

  #activate(read: ReadCredentials, via: 'ttl' | 'refused', reads = 1): PoolLogin {
    const generation = this.generation + 1;
    this.#active = { generation, stage: read.stage, credentials: read.credentials, ...(read.versionId === undefined ? {} : { versionId: read.versionId }) };
    this.#blockedUntil = Number.NEGATIVE_INFINITY;
    if (generation > 1) this.#onEvent?.({ type: 'pool.credentials-changed', generation, username: read.credentials.username, stage: read.stage, via, reads });
    return this.#active;
  }

  async #recover(failed: PoolLogin, error: unknown): Promise<PoolLogin> {
    const wait = this.#lastRefreshAt + this.#minIntervalMs - this.#now();
    if (wait > 0) await sleep(wait);
    if (this.generation > failed.generation) return this.#active as PoolLogin;
    this.#lastRefreshAt = this.#now();
    this.#refreshes += 1;
    // Single user: pending then current suffice (a rotation finished before pending was read has
    // moved current). Alternating users: read stage by stage, a rotation may finish between
    // current and pending, so current is read once more (a located read names its versions).
    const order: Stage[] = this.strategyOf(failed) === 'single-user' ? ['pending', 'current'] : ['current', 'pending', 'current'];
    const { read, reads } = await this.#reader.refreshFirst(order, failed, (candidate) => {
      this.#redactor.add(candidate.credentials.password);
      if (candidate.stage === 'current') this.#lastCurrent = candidate;
      return !sameLogin(candidate.credentials, failed.credentials);
    });
    this.#refreshReads += reads;
    if (read !== undefined) return this.#activate(read, 'refused', reads);
    this.#blockedUntil = this.#now() + this.#minIntervalMs;
    this.#onEvent?.({ type: 'pool.auth-failed', generation: failed.generation, username: failed.credentials.username });
    throw this.#authFailed(failed, 'was refused, and the secret read anew holds no other credentials', error);
  }

  #authFailed(login: PoolLogin, why: string, error?: unknown): TargetAuthFailedError {
    this.#redactor.add(login.credentials.password);
    const detail = error instanceof Error && error.message ? `: ${this.#redactor.text(error.message)}` : '';
    return new TargetAuthFailedError(`the login of ${login.credentials.username} from secret ${this.#reader.secretId} ${why}${detail}`);
  }
}

/** How a rotating pool drives one driver's pool: built per generation, closed when no operation holds it. */
export interface GenerationDriver<P> {
  /** A driver pool logging in with `login` (resolves once usable; mssql connects here). */
  create(login: PoolLogin): P | Promise<P>;
  /** Ends a driver pool no operation holds any more. */
  close(pool: P): Promise<void>;
}

interface Entry<P> {
  readonly login: PoolLogin;
  readonly pool: Promise<P>;
  /** The pool once made: operations then hold it without waiting. */
  ready?: P;
  users: number;
  retired: boolean;
  closed?: Promise<void>;
}

/** A driver pool's methods, as `GenerationPools.call` calls them. */
type Methods<P, T> = Record<keyof P & string, (...given: readonly unknown[]) => Promise<T>>;

/** A driver pool held by one operation until `release()`. */
export interface HeldPool<P> {
  readonly pool: P;
  release(): void;
}

/**
 * One driver pool per generation of credentials: operations use the pool of the generation they
 * logged in with; when a newer generation is in use, an older pool is ended as soon as the last
 * operation holding it is done, so connections at work are left to finish.
 */
export class GenerationPools<P> {
  readonly #driver: GenerationDriver<P>;
  readonly #entries = new Map<number, Entry<P>>();
  #newest = 0;
  #ended = false;

  /** Pools built and closed by `driver`. */
  constructor(driver: GenerationDriver<P>) {
    this.#driver = driver;
  }

  /** How many driver pools are open (the newest, and older ones still held). */
  get open(): number {
    return [...this.#entries.values()].filter((entry) => entry.closed === undefined).length;
  }

  /**
   * Runs `operation` on the pool of `login`'s generation, holding it until the operation settles;
   * an error (of the operation or of making the pool) goes to `fail` once the pool is released.
   */
  use<T>(login: PoolLogin, operation: (pool: P) => Promise<T>, fail: (error: unknown) => Promise<T>): Promise<T> {
    const held = this.hold(login);
    if (!('then' in held)) return settle(held, operation, fail);
    return held.then((ready) => settle(ready, operation, fail), fail);
  }

  /**
   * Holds the pool of `login`'s generation until the returned `release` is called (at once when
   * that pool is made); retires older generations. Refuses once `end()` was called.
   */
  hold(login: PoolLogin): HeldPool<P> | Promise<HeldPool<P>> {
    if (this.#ended) return Promise.reject(new Error('the pool was ended'));
    let entry = this.#entries.get(login.generation);
    if (entry === undefined || entry.closed !== undefined) entry = this.#make(login);
    if (login.generation > this.#newest) this.#retireBefore(login.generation);
    const held = entry;
    held.users += 1;
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      held.users -= 1;
      this.#closeIfIdle(held);
    };
    if (held.ready !== undefined) return { pool: held.ready, release };
    return held.pool.then(
      (pool) => ({ pool, release }),
      (error: unknown) => {
        release();
        if (this.#entries.get(login.generation) === held) this.#entries.delete(login.generation);
        throw error;
      },
    );
  }

  /**
   * Calls `pool[method](...args)` on the driver pool of `login`'s credentials of the moment,
   * retrying a refused login as `login.run` with `use` does. When those credentials and their pool
   * are at hand (nearly every call), the driver is called from this frame, without waiting: a
   * driver that captures its caller's stack on every call (mysql2's default `trace`) then records
   * two frames of rotakit before the application's, not eight.
   */
  call<T>(login: RotatingLogin, isRefusal: (error: unknown) => boolean, method: keyof P & string, args: readonly unknown[]): Promise<T> {
    const at = login.peek();
    const entry = at === undefined ? undefined : this.#readyEntry(at);
    if (at === undefined || entry === undefined) return this.#callWaiting(login, isRefusal, method, args);
    entry.users += 1;
    let running: Promise<T>;
    try {
      running = (entry.ready as unknown as Methods<P, T>)[method](...args);
    } catch (error) {
      this.#release(entry);
      return Promise.reject(error as Error);
    }
    return this.#settleReady(entry, running, login, at, isRefusal, () => this.#callWaiting<T>(login, isRefusal, method, args));
  }

  /**
   * Runs `operation` on the driver pool of `login`'s credentials of the moment, retrying a refused
   * login as `login.run` with `use` does; when those credentials and their pool are at hand, with
   * no wait. For drivers that need more than one method call (mssql's request and its inputs).
   */
  run<T>(login: RotatingLogin, isRefusal: (error: unknown) => boolean, operation: (pool: P) => Promise<T>): Promise<T> {
    const waiting = () => login.run<T>((at, fail) => this.use(at, operation, fail), isRefusal);
    const at = login.peek();
    const entry = at === undefined ? undefined : this.#readyEntry(at);
    if (at === undefined || entry === undefined) return waiting();
    entry.users += 1;
    let running: Promise<T>;
    try {
      running = operation(entry.ready as P);
    } catch (error) {
      this.#release(entry);
      return Promise.reject(error as Error);
    }
    return this.#settleReady(entry, running, login, at, isRefusal, waiting);
  }

  /** The entry of `login`'s generation when its pool is made and is the newest: no wait, nothing to retire. */
  #readyEntry(login: PoolLogin): Entry<P> | undefined {
    const entry = this.#entries.get(login.generation);
    if (this.#ended || entry?.ready === undefined || entry.closed !== undefined || login.generation !== this.#newest) return undefined;
    return entry;
  }

  /** Releases `entry` when `running` settles; a refused login moves `login` on and goes `waiting`'s way. */
  #settleReady<T>(entry: Entry<P>, running: Promise<T>, login: RotatingLogin, at: PoolLogin, isRefusal: (error: unknown) => boolean, waiting: () => Promise<T>): Promise<T> {
    return running.then(
      (result) => {
        this.#release(entry);
        return result;
      },
      (error: unknown) => {
        this.#release(entry);
        if (!isRefusal(error)) throw error;
        return login.refused(at, error).then(waiting);
      },
    );
  }

  /** `call`'s way when the credentials or their pool are not at hand: `login.run` with `use`. */
  #callWaiting<T>(login: RotatingLogin, isRefusal: (error: unknown) => boolean, method: keyof P & string, args: readonly unknown[]): Promise<T> {
    return login.run<T>((at, fail) => this.use(at, (pool) => (pool as unknown as Methods<P, T>)[method](...args), fail), isRefusal);
  }

  #release(entry: Entry<P>): void {
    entry.users -= 1;
    this.#closeIfIdle(entry);
  }

  /** Ends every driver pool (waiting for those still held by nothing; call after your last query). */
  async end(): Promise<void> {
    this.#ended = true;
    await Promise.all([...this.#entries.values()].map((entry) => this.#close(entry)));
    this.#entries.clear();
  }

  #make(login: PoolLogin): Entry<P> {
    let made: P | Promise<P>;
    try {
      made = this.#driver.create(login);
    } catch (error) {
      made = Promise.reject(error as Error);
    }
    const entry: Entry<P> = { login, pool: Promise.resolve(made), users: 0, retired: false };
    if (!(made instanceof Promise)) entry.ready = made;
    else void made.then((pool) => (entry.ready = pool), () => undefined);
    this.#entries.set(login.generation, entry);
    return entry;
  }

  #retireBefore(generation: number): void {
    this.#newest = generation;
    for (const [older, other] of this.#entries) {
      if (older < generation && !other.retired) {
        other.retired = true;
        this.#closeIfIdle(other);
      }
    }
  }

  #closeIfIdle(entry: Entry<P>): void {
    if (entry.retired && entry.users === 0) {
      void this.#close(entry).then(() => this.#entries.get(entry.login.generation) === entry && this.#entries.delete(entry.login.generation));
    }
  }

  #close(entry: Entry<P>): Promise<void> {
    entry.closed ??= entry.pool.then(
      (pool) => this.#driver.close(pool).catch(() => undefined),
      () => undefined,
    );
    return entry.closed;
  }
}

/** Runs `operation` on a held pool, releases it when the operation settles, and hands an error to `fail`. */
function settle<P, T>(held: HeldPool<P>, operation: (pool: P) => Promise<T>, fail: (error: unknown) => Promise<T>): Promise<T> {
  let running: Promise<T>;
  try {
    running = operation(held.pool);
  } catch (error) {
    held.release();
    return fail(error);
  }
  return running.then(
    (result) => {
      held.release();
      return result;
    },
    (error: unknown) => {
      held.release();
      return fail(error);
    },
  );
}

/** The error's codes and numbers down its `cause` / `originalError` chain, outermost first. */
export function errorChain(error: unknown): Array<Record<string, unknown>> {
  const chain: Array<Record<string, unknown>> = [];
  let link: unknown = error;
  while (typeof link === 'object' && link !== null && chain.length < 6) {
    const record = link as Record<string, unknown>;
    chain.push(record);
    link = record['originalError'] ?? record['cause'];
  }
  return chain;
}
