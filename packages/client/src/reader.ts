import {
  isRotakitError,
  optionChecks,
  Redactor,
  SecretNotFoundError,
  StoreUnavailableError,
  type CredentialSchema,
  type Credentials,
  type Stage,
} from '@rotakit/core';

/** One version of a secret as a source read it: the raw value and, where the cloud names versions, its id. */
export interface SourcedValue {
  readonly value: string;
  /** The version's id; changes with every rotation. Absent where the cloud does not say (NAVER). */
  readonly versionId?: string;
}

/** Which version each stage sits on now, as a cloud's metadata call answers it (no value read). */
export type StageVersions = Partial<Record<Stage, string>>;

/**
 * The port a `SecretReader` reads through: one secret in one cloud. `read` resolves to undefined
 * when the stage sits on no version (no rotation in progress, no rotation yet); it throws
 * rotakit's typed errors (`SecretNotFoundError`, `StoreUnavailableError`, `StoreAccessDeniedError`)
 * and never puts a value in a message. A cloud that can tell where the stages sit without reading
 * a value implements `locate`, and one that reads every stage in one call implements `readEvery`:
 * with either, a reader refreshing after a refused login reads one value, not one per stage tried.
 */
export interface SecretSource {
  /** A short name for messages (`aws`, `lambda-extension`, `ncloud`). */
  readonly name: string;
  /** The secret's id as the application named it. */
  readonly secretId: string;
  /** Reads the version `stage` sits on now; with `versionId`, that version (which `locate` found on `stage`). */
  read(stage: Stage, versionId?: string): Promise<SourcedValue | undefined>;
  /** Where each stage sits now, without reading a value (AWS DescribeSecret, Alibaba ListSecretVersionIds). */
  locate?(): Promise<StageVersions>;
  /** Every stage's value in one read (NAVER's secret chain). */
  readEvery?(): Promise<Partial<Record<Stage, SourcedValue>>>;
}

/** What a reader answers: the parsed credentials of one stage's version. */
export interface ReadCredentials {
  readonly stage: Stage;
  readonly credentials: Credentials;
  /** The version's id where the cloud names versions (see `SourcedValue.versionId`). */
  readonly versionId?: string;
}

/** What `SecretReader.refreshFirst` found: the credentials to move to, if any, and the values it read to find them. */
export interface FirstRefresh {
  /** The first stage's credentials that differ from the refused ones; undefined when no stage holds others. */
  readonly read: ReadCredentials | undefined;
  /** Values read: 1 or 0 where the cloud locates stages or reads them all at once, else one per stage tried. */
  readonly reads: number;
}

/** Options every secret reader takes. */
export interface SecretReaderOptions {
  /** How long a read value is served from memory, in milliseconds (default 300000, five minutes; 0 caches nothing). */
  readonly ttlMs?: number;
  /** The schema that parses the secret's JSON; default the cloud's, the one its rotation writes. */
  readonly schema?: CredentialSchema;
  /** The clock the time to live is measured on, in milliseconds (default `Date.now`); tests pass a fake one. */
  readonly now?: () => number;
}

/** The reader's time to live when none is given: five minutes, as AWS's caching clients and Lambda extension. */
export const DEFAULT_TTL_MS = 300_000;
/** The longest time to live a reader accepts: one day. */
const MAX_TTL_MS = 86_400_000;

/** The option keys of `SecretReaderOptions`, for readers that add their own. */
export const SECRET_READER_OPTION_KEYS: readonly string[] = ['ttlMs', 'schema', 'now'];

interface CacheEntry {
  readonly read: ReadCredentials | undefined;
  readonly expiresAt: number;
}

/**
 * A cached reader of one secret's credentials. Each stage's value is kept for `ttlMs`; callers that
 * ask while a read is on its way share that one read; `refresh()` reads current again at once (and
 * is shared the same way), so a pool whose connections all failed together reads the secret once.
 */
export class SecretReader {
  readonly #source: SecretSource;
  readonly #schema: CredentialSchema;
  readonly #ttlMs: number;
  readonly #now: () => number;
  readonly #cache = new Map<Stage, CacheEntry>();
  readonly #inFlight = new Map<string, Promise<ReadCredentials | undefined>>();
  readonly #redactor = new Redactor();
  /** Counts refreshes, so a read of another stage begun before one is not cached after it. */
  #generation = 0;
  /** Set once the source's `locate` was refused for lack of permission: refreshes read stage by stage then. */
  #locateRefused = false;

  /** A reader of `source`, parsing with `schema` (a cloud's reader passes its own as the default). */
  constructor(source: SecretSource, schema: CredentialSchema, options: SecretReaderOptions = {}) {
    const check = optionChecks('the secret reader');
    const given = check.record(options, 'options');
    check.refuseUnknownKeys(given, SECRET_READER_OPTION_KEYS);
    this.#ttlMs = check.integerIn(given['ttlMs'], 'ttlMs', { min: 0, max: MAX_TTL_MS, fallback: DEFAULT_TTL_MS });
    if (given['now'] !== undefined && typeof given['now'] !== 'function') throw check.invalid('now', 'must be a function');
    if (given['schema'] !== undefined && typeof (given['schema'] as { parse?: unknown }).parse !== 'function') {
      throw check.invalid('schema', 'must be a credential schema');
    }
    this.#source = source;
    this.#schema = (given['schema'] as CredentialSchema | undefined) ?? schema;
    this.#now = (given['now'] as (() => number) | undefined) ?? Date.now;
  }

  /** The secret's id. */
  get secretId(): string {
    return this.#source.secretId;
  }

  /** The current credentials, the ones to log in with. Throws `SecretNotFoundError` when the secret has no current version. */
  async current(): Promise<ReadCredentials> {
    return this.#required(await this.#cached('current'));
  }

  /**
   * The previous credentials, or undefined before the first rotation (and when the secret does not
   * exist: `current()` is the one that tells). With alternating users they still log in during the switch.
   */
  previous(): Promise<ReadCredentials | undefined> {
    return this.#cached('previous');
  }

  /**
   * The pending credentials while a rotation is in progress, else undefined. In a single-user
   * rotation, between its set and finish steps only the pending password logs in.
   */
  pending(): Promise<ReadCredentials | undefined> {
    return this.#cached('pending');
  }

  /**
   * Reads current again now, whatever the cache holds, and forgets the other stages so their next
   * call reads them too. Callers that refresh while a read of current is on its way share it.
   */
  async refresh(): Promise<ReadCredentials> {
    this.#forget();
    return this.#required(await this.#fetch('current'));
  }

  /**
   * Reads pending again now, whatever the cache holds (an answer of "no rotation in progress"
   * cached a moment ago says nothing about a rotation begun since), and caches what it reads.
   * Callers that ask while a read of pending is on its way share it.
   */
  refreshPending(): Promise<ReadCredentials | undefined> {
    this.#cache.delete('pending');
    return this.#fetch('pending');
  }

  /**
   * Reads anew the first stage of `order` holding credentials other than `refused`'s (a login the
   * database refused): where the cloud locates stages without reading a value, one read (by
   * version id, so a rotation that moves on meanwhile cannot make it miss), and none when no stage
   * sits on another version; where it reads every stage at once, one read; elsewhere (or when the
   * locating call is not allowed) stage by stage, as `refresh()` and `refreshPending()`. Forgets
   * and caches as those do. `differs` says whether credentials read are other than the refused ones.
   */
  async refreshFirst(order: readonly Stage[], refused: { readonly versionId?: string }, differs: (read: ReadCredentials) => boolean): Promise<FirstRefresh> {
    const source = this.#source;
    if (source.locate !== undefined && !this.#locateRefused) {
      const located = await this.#locate(source.locate.bind(source));
      if (located !== undefined) return this.#readLocated(located, order, refused, differs);
    }
    if (source.readEvery !== undefined) return this.#readEvery(source.readEvery.bind(source), order, differs);
    let reads = 0;
    for (const stage of order) {
      reads += 1;
      const read = stage === 'current' ? await this.refresh() : await this.refreshPending();
      if (read !== undefined && differs(read)) return { read, reads };
    }
    return { read: undefined, reads };
  }

  /** The stages' versions, or undefined (from now on) when the source may not locate them: its reads still serve. */
  async #locate(locate: () => Promise<StageVersions>): Promise<StageVersions | undefined> {
    try {
      return await locate();
    } catch (error) {
      if (isRotakitError(error, 'StoreAccessDenied')) {
        this.#locateRefused = true;
        return undefined;
      }
      throw this.#safe(error);
    }
  }

  async #readLocated(located: StageVersions, order: readonly Stage[], refused: { readonly versionId?: string }, differs: (read: ReadCredentials) => boolean): Promise<FirstRefresh> {
    this.#forget();
    const tried = new Set<string>();
    let reads = 0;
    for (const stage of new Set(order)) {
      const versionId = located[stage];
      // Pending resting on current's version is no rotation in progress: current's read is the one.
      if (versionId === undefined || (stage === 'pending' && versionId === located.current)) continue;
      if (versionId === refused.versionId || tried.has(versionId)) continue;
      tried.add(versionId);
      reads += 1;
      const read = await this.#fetch(stage, versionId);
      if (read !== undefined && differs(read)) return { read, reads };
    }
    return { read: undefined, reads };
  }

  async #readEvery(readEvery: () => Promise<Partial<Record<Stage, SourcedValue>>>, order: readonly Stage[], differs: (read: ReadCredentials) => boolean): Promise<FirstRefresh> {
    this.#forget();
    let values: Partial<Record<Stage, SourcedValue>>;
    try {
      values = await readEvery();
    } catch (error) {
      throw this.#safe(error);
    }
    const reads = new Map<Stage, ReadCredentials | undefined>();
    // Only the stages asked for (and current, which the read refreshes) are parsed and cached: a
    // previous value an older schema wrote cannot fail a refresh that does not need it.
    for (const stage of new Set<Stage>(['current', ...order])) {
      const sourced = values[stage];
      const read = sourced === undefined ? undefined : this.#parse(stage, sourced);
      reads.set(stage, read);
      if (this.#ttlMs > 0) this.#cache.set(stage, { read, expiresAt: this.#now() + this.#ttlMs });
    }
    const first = order.map((stage) => reads.get(stage)).find((read) => read !== undefined && differs(read));
    return { read: first, reads: 1 };
  }

  /** A refresh begins: cached stages other than current are forgotten, and reads of them begun before it are not cached. */
  #forget(): void {
    this.#generation += 1;
    this.#cache.delete('previous');
    this.#cache.delete('pending');
  }

  #required(read: ReadCredentials | undefined): ReadCredentials {
    if (read === undefined) throw new SecretNotFoundError(`${this.#source.name} secret ${this.#source.secretId} has no current version`);
    return read;
  }

  #cached(stage: Stage): Promise<ReadCredentials | undefined> {
    const entry = this.#cache.get(stage);
    if (entry !== undefined && this.#now() < entry.expiresAt) return Promise.resolve(entry.read);
    return this.#fetch(stage);
  }

  /**
   * One read of `stage` for every caller that asks while it is on its way; with `versionId`, a read
   * of that version (located on `stage`), which is shared only with reads of the same version.
   */
  #fetch(stage: Stage, versionId?: string): Promise<ReadCredentials | undefined> {
    const key = versionId === undefined ? stage : `${stage}:${versionId}`;
    const running = this.#inFlight.get(key);
    if (running !== undefined) return running;
    const read = this.#read(stage, versionId).finally(() => this.#inFlight.delete(key));
    this.#inFlight.set(key, read);
    return read;
  }

  async #read(stage: Stage, versionId?: string): Promise<ReadCredentials | undefined> {
    const generation = this.#generation;
    let sourced: SourcedValue | undefined;
    try {
      sourced = versionId === undefined ? await this.#source.read(stage) : await this.#source.read(stage, versionId);
    } catch (error) {
      throw this.#safe(error);
    }
    const read = sourced === undefined ? undefined : this.#parse(stage, sourced);
    const outdated = stage !== 'current' && generation !== this.#generation;
    if (this.#ttlMs > 0 && !outdated) this.#cache.set(stage, { read, expiresAt: this.#now() + this.#ttlMs });
    return read;
  }

  #parse(stage: Stage, sourced: SourcedValue): ReadCredentials {
    this.#redactor.add(sourced.value);
    let credentials: Credentials;
    try {
      ({ credentials } = this.#schema.parse(sourced.value));
    } catch (error) {
      throw this.#safe(error);
    }
    this.#redactor.add(credentials.password);
    return { stage, credentials, ...(sourced.versionId === undefined ? {} : { versionId: sourced.versionId }) };
  }

  /** A source's or schema's error as rotakit's typed error, with every value this reader has seen removed. */
  #safe(error: unknown): Error {
    if (isRotakitError(error)) return this.#redactor.error(error);
    const message = error instanceof Error ? `: ${this.#redactor.text(error.message)}` : '';
    return new StoreUnavailableError(`${this.#source.name} secret ${this.#source.secretId} could not be read${message}`);
  }
}
