import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import {
  InvalidOptionsError,
  InvalidSecretValueError,
  isRotakitError,
  PrivilegedSecretInvalidError,
  RotationInProgressError,
  RotationTokenInvalidError,
  SecretNotFoundError,
  StepFailedError,
  TargetAuthFailedError,
  UsernameTooLongError,
  type RotakitError,
} from './errors.js';
import type { EventError, RotationEvent, RotationEventListener, StepName } from './events.js';
import { STEPS } from './events.js';
import { redactingLogger, silentLogger, type Logger, type LoggerOption } from './logger.js';
import { DEFAULT_PASSWORD_POLICY, generatePassword, resolvePasswordPolicy, type PasswordPolicy } from './password.js';
import { Redactor } from './redact.js';
import type { CredentialSchema, SecretDocument } from './schema.js';
import type { StagePointers } from './stages.js';
import type { SecretStore, StoreSession } from './store.js';
import type { CreateContext, SetContext, Strategy } from './strategy.js';
import { loginOf, type Credentials, type Target, type TargetSession } from './target.js';

/** Password settings of a rotation: a policy, and who generates (rotakit by default, or the store). */
export interface PasswordOptions extends PasswordPolicy {
  /** `local` (node:crypto, default) or `store` (the cloud's own generator). */
  readonly generator?: 'local' | 'store';
}

/**
 * The database side of a rotation: a target, or a function that picks one from the secret's
 * credentials (by `engine`, `host`, …). Core calls the function once per step that needs the
 * database, inside its guard, with the credentials it read for that step: the current ones in
 * create and set, the pending ones in test. Both name the same server (create copies every field
 * of the current value but the user name and password, and set refuses a pending host that
 * differs), so pick by those fields, not by the user name. What it throws is scrubbed, and nothing
 * has been written when it throws. The function may return a promise of the target (a caller
 * that imports its driver only when a secret needs it); core awaits it in the same guard.
 */
export type TargetSource = Target | ((credentials: Credentials) => Target | Promise<Target>);

/** Everything a rotation needs besides the secret and the token. */
export interface RotationOptions {
  readonly store: SecretStore;
  readonly target: TargetSource;
  readonly strategy: Strategy;
  readonly schema: CredentialSchema;
  readonly password?: PasswordOptions;
  /** Receives redacted log lines (a pino-style or a message-first logger, see `LoggerOption`); silent by default. */
  readonly logger?: LoggerOption;
  /** Receives lifecycle events. */
  readonly onEvent?: RotationEventListener;
}

/** One step's request: the options plus the secret and the rotation's token. */
export interface StepRequest extends RotationOptions {
  readonly secretId: string;
  readonly token: string;
}

/** A whole rotation's request; without a token a new one (a UUID) is made. */
export interface RotateRequest extends RotationOptions {
  readonly secretId: string;
  /** Resume a rotation by passing its token (e.g. `RotationInProgressError.pendingToken`). */
  readonly token?: string;
}

/** What a step did: `done` changed something, `skipped` found it already done. */
export type StepOutcome = 'done' | 'skipped';

/** The result of one step. */
export interface StepResult {
  readonly step: StepName;
  readonly outcome: StepOutcome;
}

/** The result of a whole rotation. */
export interface RotationResult {
  readonly secretId: string;
  readonly token: string;
  readonly steps: Readonly<Record<StepName, StepOutcome>>;
}

/**
 * Runs one step of a rotation, for clouds that call the rotation function once per step (AWS
 * Lambda, Alibaba's workflow). Safe to re-run: a step already done is skipped. Errors are
 * `RotakitError`s scrubbed of every secret value the rotation has seen.
 */
export async function runStep(step: StepName, request: StepRequest): Promise<StepResult> {
  if (!STEPS.includes(step)) {
    throw new InvalidOptionsError(`unknown step; expected one of ${STEPS.join(', ')}`, { field: 'step' });
  }
  const rotation = new Rotation(request, request.token);
  const session = await rotation.guard(() => rotation.open());
  return { step, outcome: await rotation.step(step, session) };
}

/**
 * Runs all four steps in one process (NAVER's action, the CLI, tests). A failure is reported to
 * the store (`fail`, where it has one) and rethrown; re-running with the same token resumes.
 */
export async function rotate(request: RotateRequest): Promise<RotationResult> {
  const token = request.token ?? randomUUID();
  const rotation = new Rotation(request, token);
  const started = performance.now();
  rotation.emit({ type: 'rotation.started', secretId: request.secretId, token });
  let session: StoreSession | undefined;
  try {
    session = await rotation.guard(() => rotation.open());
    const steps = {} as Record<StepName, StepOutcome>;
    for (const step of STEPS) steps[step] = await rotation.step(step, session);
    rotation.emit({
      type: 'rotation.completed',
      secretId: request.secretId,
      token,
      durationMs: performance.now() - started,
    });
    return { secretId: request.secretId, token, steps };
  } catch (error) {
    const safe = rotation.safe(error);
    if (session?.fail) {
      try {
        await session.fail(safe);
      } catch (failError) {
        rotation.logger.error({ error: rotation.safe(failError) }, 'the store could not record the failure');
      }
    }
    rotation.emit({
      type: 'rotation.failed',
      secretId: request.secretId,
      token,
      durationMs: performance.now() - started,
      error: eventError(safe),
    });
    throw safe;
  }
}

/** Where the token stands: finished (it is current), pending (its version is pending), or fresh. */
type TokenState = 'finished' | 'pending' | 'fresh';

const PENDING_STORED = { outcome: 'skipped', reason: 'a pending value is already stored under this token' } as const;

/**
 * One rotation of one secret under one token, as one process sees it: the store session's stage
 * pointers, the values read so far (every password among them known to `redactor`), and whether
 * this process changed the database. `runStep` and `rotate` drive it step by step; each step
 * decides from the stages whether it is done already, so any step may be re-run.
 */
class Rotation {
  readonly redactor = new Redactor();
  readonly logger: Logger;
  readonly #options: StepRequest;
  /** The target, once known: at once for a target, after the current value is read for a target function. */
  #resolvedTarget: Target | undefined;
  /** The current value, read once per process: no step of this process moves the current stage before it is last needed. */
  #current: SecretDocument | undefined;
  /** The token's pending value, once stored or read: a version's value never changes. */
  #pending: SecretDocument | undefined;
  /** The privileged secrets read, by reference: create's check and set's login are one rotation apart. */
  readonly #privileged = new Map<string, Credentials>();
  #stages: StagePointers = {};
  /** Whether this process asked the database to change something (set); cleared by a change that says it made none. */
  #changedDatabase = false;
  /** Whether a failed create found (or could not rule out) a value under the token: it is then never withdrawn. */
  #pendingMayHoldValue = false;

  constructor(options: RotationOptions & { secretId: string }, token: string) {
    for (const key of ['store', 'target', 'strategy', 'schema'] as const) {
      if (options[key] === undefined || options[key] === null) {
        throw new InvalidOptionsError(`the ${key} option is required`, { field: key });
      }
    }
    if (typeof options.secretId !== 'string' || options.secretId.length === 0) {
      throw new InvalidOptionsError('secretId must be a non-empty string', { field: 'secretId' });
    }
    if (typeof token !== 'string' || token.length === 0) {
      throw new InvalidOptionsError('token must be a non-empty string', { field: 'token' });
    }
    checkPasswordOptions(options);
    if (typeof options.target !== 'function') this.#resolvedTarget = options.target;
    this.#options = { ...options, token };
    this.logger = redactingLogger(options.logger ?? silentLogger, this.redactor);
  }

  async open(): Promise<StoreSession> {
    const session = await this.#options.store.open(this.#options.secretId, this.#options.token);
    this.#stages = { ...session.stages };
    return session;
  }

  emit(event: RotationEvent): void {
    if (!this.#options.onEvent) return;
    try {
      this.#options.onEvent(this.redactor.value(event) as RotationEvent);
    } catch (error) {
      this.logger.warn({ error: this.safe(error) }, 'a rotation event listener threw');
    }
  }

  /** Turns anything thrown into a `RotakitError` with no secret value in it. */
  safe(error: unknown): RotakitError {
    if (isRotakitError(error)) return this.redactor.error(error);
    const cause = error instanceof Error ? this.redactor.error(error) : undefined;
    const message = error instanceof Error ? this.redactor.text(error.message) : 'a non-error value was thrown';
    return new StepFailedError(`rotation of ${this.#options.secretId} failed: ${message}`, false, { cause });
  }

  async guard<T>(action: () => Promise<T>): Promise<T> {
    try {
      return await action();
    } catch (error) {
      throw this.safe(error);
    }
  }

  async step(step: StepName, session: StoreSession): Promise<StepOutcome> {
    const base = { secretId: this.#options.secretId, token: this.#options.token, step };
    const started = performance.now();
    this.emit({ type: 'step.started', ...base });
    this.logger.info({ secretId: base.secretId, token: base.token, step }, `step ${step} started`);
    try {
      const result = await this.#run(step, session);
      const durationMs = performance.now() - started;
      if (result.outcome === 'skipped') {
        this.emit({ type: 'step.skipped', ...base, durationMs, reason: result.reason });
        this.logger.info({ ...base, durationMs, reason: result.reason }, `step ${step} skipped`);
        return 'skipped';
      }
      this.emit({ type: 'step.succeeded', ...base, durationMs });
      this.logger.info({ ...base, durationMs }, `step ${step} succeeded`);
      return 'done';
    } catch (error) {
      const safe = this.safe(error);
      const durationMs = performance.now() - started;
      this.emit({ type: 'step.failed', ...base, durationMs, error: eventError(safe) });
      this.logger.error({ ...base, durationMs, error: safe }, `step ${step} failed`);
      await this.#withdrawIfUnchanged(step, session, safe);
      throw safe;
    }
  }

  /**
   * A permanent failure in create or set that changed nothing in the database withdraws the
   * token's pending version, so the next rotation starts afresh instead of being refused as in
   * progress. The current stage still logs in: alternating users never touch the current user, and
   * single user reaches its change only after the pending login was tried (not on a target that
   * cannot prove passwords, where nothing is withdrawn).
   */
  async #withdrawIfUnchanged(step: StepName, session: StoreSession, error: RotakitError): Promise<void> {
    const { strategy, token } = this.#options;
    const target = this.#resolvedTarget;
    if (error.retryable || this.#changedDatabase || this.#pendingMayHoldValue || (step !== 'create' && step !== 'set')) return;
    if (this.#stages.pending !== token || !session.withdraw) return;
    if (target === undefined) {
      // No target, no login tried: in set, an earlier process's change cannot be ruled out. In
      // create, core read the pending version after the failure and found no value of this token,
      // so no set can have used it.
      if (step !== 'create') return;
    } else if (strategy.kind === 'single-user' && target.verifiesPasswords === false) {
      return;
    }
    try {
      await session.withdraw();
      const { pending: _withdrawn, ...others } = this.#stages;
      this.#stages = others;
      this.logger.warn({ secretId: this.#options.secretId, token, step }, 'withdrew the pending version: the step failed for good and changed nothing');
    } catch (withdrawError) {
      this.logger.error({ error: this.safe(withdrawError) }, 'the pending version could not be withdrawn');
    }
  }

  #state(): TokenState {
    const { token } = this.#options;
    const stages = this.#stages;
    if (stages.current === token) return 'finished';
    // A pending label left on the current version is the residue of a finished rotation, not a rotation.
    const pending = stages.pending !== undefined && stages.pending !== stages.current ? stages.pending : undefined;
    if (pending === token) return 'pending';
    if (pending !== undefined) {
      throw new RotationInProgressError(
        `another rotation of ${this.#options.secretId} is in progress; finish it with its token or clean it up first`,
        { pendingToken: pending },
      );
    }
    return 'fresh';
  }

  async #run(step: StepName, session: StoreSession): Promise<{ outcome: 'done' } | { outcome: 'skipped'; reason: string }> {
    const state = this.#state();
    if (state === 'finished') return { outcome: 'skipped', reason: 'the token is already current' };
    switch (step) {
      case 'create':
        return this.#create(session, state);
      case 'set':
        await this.#resolveTarget((await this.#currentDocument(session)).credentials);
        return this.#options.strategy.set(await this.#setContext(session));
      case 'test':
        await this.#test(session);
        return { outcome: 'done' };
      case 'finish':
        await this.#pendingDocument(session);
        await session.promote();
        this.#stages =
          this.#stages.current === undefined
            ? { current: this.#options.token }
            : { current: this.#options.token, previous: this.#stages.current };
        return { outcome: 'done' };
    }
  }

  /**
   * Stores a new pending value. No read of the pending version comes first: the store keeps a value
   * an earlier attempt stored under the token (`writePending`). Only when create fails with the
   * token's version pending does core read it: a value there means an earlier attempt's create is
   * done (a failure before the write is then a skip), and that the version is not withdrawn.
   */
  async #create(session: StoreSession, state: TokenState): Promise<{ outcome: 'done' } | { outcome: 'skipped'; reason: string }> {
    let writing = false;
    try {
      const value = await this.#newPendingValue(session);
      writing = true;
      const stored = await session.writePending(value);
      this.#stages = { ...this.#stages, pending: this.#options.token };
      this.#pending = this.#parse(stored, 'pending');
      return stored === value ? { outcome: 'done' } : PENDING_STORED;
    } catch (error) {
      if (state !== 'pending') throw error;
      let existing: string | undefined;
      try {
        existing = await session.read('pending');
      } catch (readError) {
        this.#pendingMayHoldValue = true;
        this.logger.warn({ error: this.safe(readError) }, 'the pending version could not be read after create failed; it is kept');
        throw error;
      }
      if (existing === undefined) throw error;
      this.#pendingMayHoldValue = true;
      if (writing) throw error;
      this.#pending = this.#parse(existing, 'pending');
      return PENDING_STORED;
    }
  }

  /** The pending value create would store, once every check that can be made before a write has passed. */
  async #newPendingValue(session: StoreSession): Promise<string> {
    const { schema, strategy } = this.#options;
    const current = await this.#currentDocument(session);
    const target = await this.#resolveTarget(current.credentials);
    const username = strategy.pendingUsername(current.credentials, conventionsOf(schema));
    const length = target.usernameLength ? target.usernameLength(username) : [...username].length;
    if (length > target.maxUsernameLength) {
      throw new UsernameTooLongError(
        `the pending ${schema.fields.username} would be ${length} long; ${target.engine} allows ${target.maxUsernameLength}`,
        { field: schema.fields.username, limit: target.maxUsernameLength },
      );
    }
    target.checkUsername?.(username, { synced: strategy.kind === 'alternating-users' });
    await strategy.check?.(this.#createContext(current.credentials, username));
    const password = await this.#newPassword();
    this.redactor.add(password);
    return schema.serialize(current, { username, password });
  }

  /**
   * The target of this rotation: the one given, or what the target function picks from the
   * credentials the step starts from (the current ones in create and set, the pending ones in test,
   * which name the same server: create copies every field of current but the user and password).
   * A target that cannot meet the password policy is refused here, before anything is written.
   */
  async #resolveTarget(credentials: Credentials): Promise<Target> {
    if (this.#resolvedTarget) return this.#resolvedTarget;
    const source = this.#options.target as (credentials: Credentials) => Target | Promise<Target>;
    const target = await source(credentials);
    if (typeof target !== 'object' || target === null || typeof target.connect !== 'function') {
      throw new InvalidOptionsError('the target function must return a target', { field: 'target' });
    }
    resolvePasswordPolicy(passwordPolicyOf(this.#options), target.passwordConstraints);
    this.#resolvedTarget = target;
    return target;
  }

  /** The resolved target; every step that needs it resolves it first. */
  get #target(): Target {
    if (!this.#resolvedTarget) throw new StepFailedError('the target was used before it was resolved', false);
    return this.#resolvedTarget;
  }

  #createContext(current: Credentials, pendingUsername: string): CreateContext {
    const { schema, secretId } = this.#options;
    const target = this.#target;
    const connectPrivileged = this.#connectPrivileged();
    return {
      secretId,
      current,
      pendingUsername,
      target,
      logger: this.logger,
      ...conventionsOf(schema),
      keyOf: (field) => schema.fields[field] ?? field,
      readPrivileged: (reference) => this.#readPrivileged(reference),
      ...(connectPrivileged ? { connectPrivileged } : {}),
    };
  }

  /** The target's privileged session, watched like every session. */
  #connectPrivileged(): (() => Promise<TargetSession>) | undefined {
    const target = this.#target;
    const open = target.connectPrivileged?.bind(target);
    if (!open) return undefined;
    return async () => this.#watch(await open({ logger: this.logger }));
  }

  /** A session whose changing calls are noted, so that a failure knows whether the database changed. */
  #watch(session: TargetSession): TargetSession {
    const changing =
      <A extends unknown[]>(call: (...args: A) => Promise<void>) =>
      async (...args: A): Promise<void> => {
        const before = this.#changedDatabase;
        this.#changedDatabase = true;
        try {
          await call(...args);
        } catch (error) {
          if (isRotakitError(error) && error.changedNothing === true) this.#changedDatabase = before;
          throw error;
        }
      };
    return {
      ping: () => session.ping(),
      setOwnPassword: changing((password: string) => session.setOwnPassword(password)),
      syncUser: changing((request) => session.syncUser(request)),
      identity: () => session.identity(),
      close: () => session.close(),
    };
  }

  async #newPassword(): Promise<string> {
    const { password: options = {}, store } = this.#options;
    const target = this.#target;
    const { generator = 'local', ...policy } = options;
    const constraints = target.passwordConstraints ?? {};
    if (generator === 'local' || !store.generatePassword) return generatePassword(policy, constraints);
    // The store's generator gets the target's excluded characters too.
    const excludeCharacters = (policy.excludeCharacters ?? DEFAULT_PASSWORD_POLICY.excludeCharacters) + (constraints.excludeCharacters ?? '');
    const password = await store.generatePassword({ ...policy, excludeCharacters });
    // The policy is the generator's to follow; the target's limits are hard, so they are checked here.
    const chars = [...password];
    const { minLength = 1, maxLength = Infinity, excludeCharacters: forbidden = '' } = constraints;
    if (chars.length < minLength || chars.length > maxLength || chars.some((c) => forbidden.includes(c))) {
      throw new StepFailedError(`the ${store.name} store generated a password the ${target.engine} target cannot take`, false);
    }
    return password;
  }

  async #test(session: StoreSession): Promise<void> {
    const pending = await this.#pendingDocument(session);
    const target = await this.#resolveTarget(pending.credentials);
    let connection: TargetSession;
    try {
      connection = await target.connect(loginOf(pending.credentials, target, this.logger), { logger: this.logger });
    } catch (error) {
      if (isRotakitError(error, 'TargetAuthFailed')) {
        throw new TargetAuthFailedError(`the pending credentials of ${this.#options.secretId} do not log in`, {
          cause: error,
        });
      }
      throw error;
    }
    try {
      await connection.ping();
    } finally {
      await connection.close();
    }
  }

  async #setContext(session: StoreSession): Promise<SetContext> {
    const { schema, secretId } = this.#options;
    const target = this.#target;
    const current = (await this.#currentDocument(session)).credentials;
    const pending = (await this.#pendingDocument(session)).credentials;
    const connect = async (credentials: Credentials): Promise<TargetSession> =>
      this.#watch(await target.connect(loginOf(credentials, target, this.logger), { logger: this.logger }));
    const connectPrivileged = this.#connectPrivileged();
    return {
      ...(connectPrivileged ? { connectPrivileged } : {}),
      secretId,
      current,
      pending,
      target,
      logger: this.logger,
      ...conventionsOf(schema),
      keyOf: (field) => schema.fields[field] ?? field,
      connect,
      tryConnect: async (credentials) => {
        try {
          return await connect(credentials);
        } catch (error) {
          if (isRotakitError(error, 'TargetAuthFailed')) return undefined;
          throw error;
        }
      },
      previous: async () => {
        const raw = await session.read('previous');
        if (raw === undefined) return undefined;
        try {
          return this.#parse(raw, 'previous').credentials;
        } catch (error) {
          // A malformed previous value must not mask the real state; the ladder just has one rung less.
          this.logger.warn({ secretId, error: this.safe(error) }, 'the previous value is malformed and is ignored');
          return undefined;
        }
      },
      readPrivileged: (reference) => this.#readPrivileged(reference),
    };
  }

  async #readPrivileged(reference: string): Promise<Credentials> {
    const known = this.#privileged.get(reference);
    if (known) return known;
    const credentials = await this.#readPrivilegedSecret(reference);
    this.#privileged.set(reference, credentials);
    return credentials;
  }

  async #readPrivilegedSecret(reference: string): Promise<Credentials> {
    const { schema, store } = this.#options;
    let raw: string;
    try {
      raw = await store.readCurrent(reference);
    } catch (error) {
      if (isRotakitError(error, 'SecretNotFound')) {
        throw new PrivilegedSecretInvalidError('the privileged secret does not exist', {
          field: schema.fields.masterSecret ?? 'masterSecret',
          cause: error,
        });
      }
      throw error;
    }
    try {
      return this.#parse(raw, 'privileged', ['username', 'password']).credentials;
    } catch (error) {
      throw new PrivilegedSecretInvalidError(
        `the privileged secret is malformed: ${isRotakitError(error) ? error.message : 'unreadable'}`,
        { field: schema.fields.masterSecret ?? 'masterSecret', cause: error },
      );
    }
  }

  async #currentDocument(session: StoreSession): Promise<SecretDocument> {
    if (this.#current) return this.#current;
    const raw = await session.read('current');
    if (raw === undefined) {
      throw new SecretNotFoundError(`${this.#options.secretId} has no current value to rotate from`);
    }
    this.#current = this.#parse(raw, 'current');
    return this.#current;
  }

  async #pendingDocument(session: StoreSession): Promise<SecretDocument> {
    const staged = this.#stages.pending === this.#options.token;
    if (staged && this.#pending) return this.#pending;
    const raw = staged ? await session.read('pending') : undefined;
    if (raw === undefined) {
      throw new RotationTokenInvalidError(
        `no pending value is stored under this token for ${this.#options.secretId}; run the create step first`,
      );
    }
    this.#pending = this.#parse(raw, 'pending');
    return this.#pending;
  }

  #parse(raw: string, stage: string, required?: readonly ('username' | 'password')[]): SecretDocument {
    const { schema } = this.#options;
    try {
      const document = schema.parse(raw, required);
      this.redactor.add(document.credentials.password);
      return document;
    } catch (error) {
      if (error instanceof InvalidSecretValueError) {
        throw new InvalidSecretValueError(`the ${stage} value: ${error.message}`, {
          ...(error.field === undefined ? {} : { field: error.field }),
        });
      }
      throw error;
    }
  }
}

/**
 * Checks the password options before anything is opened (a NAVER store starts a job on open): the
 * generator's name, that the store has one when asked for, and that the policy can be met within
 * the target's limits, whichever generator is used.
 */
function checkPasswordOptions(options: RotationOptions): void {
  const { generator = 'local' } = options.password ?? {};
  if (generator !== 'local' && generator !== 'store') {
    throw new InvalidOptionsError('password.generator must be local or store', { field: 'password.generator' });
  }
  if (generator === 'store' && !options.store.generatePassword) {
    throw new InvalidOptionsError(`the ${options.store.name} store has no password generator`, { field: 'password.generator' });
  }
  // A target function's limits are checked when it has picked its target, still before any write.
  if (typeof options.target !== 'function') resolvePasswordPolicy(passwordPolicyOf(options), options.target.passwordConstraints);
}

function passwordPolicyOf(options: RotationOptions): PasswordPolicy {
  const { generator: _generator, ...policy } = options.password ?? {};
  return policy;
}

/** The conventions of a secret's schema that strategies read. */
function conventionsOf(schema: CredentialSchema): { alternateSuffix?: string } {
  return schema.alternateSuffix === undefined ? {} : { alternateSuffix: schema.alternateSuffix };
}

function eventError(error: RotakitError): EventError {
  return { code: error.code, message: error.message, retryable: error.retryable };
}
