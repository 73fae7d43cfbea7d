import { isDeepStrictEqual } from 'node:util';
import {
  DEFAULT_PASSWORD_POLICY,
  InvalidOptionsError,
  InvalidSecretValueError,
  PasswordPolicyInvalidError,
  passwordSatisfies,
  PendingMismatchError,
  RotationTokenInvalidError,
  StepFailedError,
  type PasswordPolicy,
  type SecretStore,
  type Stage,
  type StagePointers,
  type StoreSession,
} from '@rotakit/core';
import type { NcloudRandomSecretOptions, NcloudRotationJob, NcloudSecretManagerClient } from './client.js';
import { isRecord } from './errors.js';

/** Options of {@link NcloudSecretStore}. */
export interface NcloudSecretStoreOptions {
  /** The Secret Manager client; build one per process. */
  readonly client: NcloudSecretManagerClient;
  /**
   * Secret keys a rotation will change (the password key; the username key for alternating
   * users). Opening a job refuses a secret whose rotationTargets lack one of them.
   */
  readonly requiredTargets?: readonly string[];
}

/** The version names the store reports for stages no job token names (NAVER's chain has no version ids). */
const ACTIVE_VERSION = 'ncloud:active';
const PREVIOUS_VERSION = 'ncloud:previous';

/** Length limits of NAVER's Generate Random Secret. */
const GENERATOR_LENGTH = { min: 5, max: 32 } as const;

interface Job {
  readonly secretId: string;
  readonly token: string;
}

/**
 * A `SecretStore` over NAVER Secret Manager's rotation jobs; the job token is the rotation token.
 * `open` starts the job (Start Rotation Job may be repeated while the job is open) and reads the
 * chain; a pending value in the chain is adopted as this job's, since NAVER keeps the pending value
 * a failed job left and core must reuse it rather than make another password. `writePending`
 * keeps that value; with none, it refuses a value that changes anything but the secret's
 * rotationTargets, then PUTs it; `promote`
 * completes the job (the chain shifts) and `fail` fails it.
 */
export class NcloudSecretStore implements SecretStore {
  readonly name = 'ncloud';
  readonly #client: NcloudSecretManagerClient;
  readonly #requiredTargets: readonly string[];
  /** Per secret, the job this store completed and the value it made active. */
  readonly #completed = new Map<string, { token: string; value: string }>();
  /** Jobs this store opened and has not completed or failed, most recent last. */
  #openJobs: Job[] = [];
  /** Jobs this store sent complete or fail for, whatever the answer (`secretId\n token`). */
  readonly #finished = new Set<string>();

  constructor(options: NcloudSecretStoreOptions) {
    if (!options?.client) throw new InvalidOptionsError('the client option is required', { field: 'client' });
    this.#client = options.client;
    this.#requiredTargets = options.requiredTargets ?? [];
  }

  async open(secretId: string, token: string): Promise<StoreSession> {
    const job = await this.#client.startRotationJob(secretId, token);
    const missing = this.#requiredTargets.find((key) => !job.rotationTargets.includes(key));
    if (missing !== undefined) {
      throw new InvalidSecretValueError(
        `the rotation changes ${missing}, which is not among the rotationTargets of secret ${secretId}`,
        { field: missing },
      );
    }
    const { active, previous } = job.chain;
    // A pending value equal to active is what a finished rotation left, not a rotation.
    let pending = job.chain.pending !== active ? job.chain.pending : undefined;
    const completed = this.#completed.get(secretId);
    const stages: StagePointers = { current: completed?.value === active ? completed.token : ACTIVE_VERSION };
    if (pending !== undefined) stages.pending = token;
    if (previous !== undefined) stages.previous = PREVIOUS_VERSION;
    this.#openJobs = [...this.#openJobs.filter((open) => !sameJob(open, { secretId, token })), { secretId, token }];

    const values = (): Record<Stage, string | undefined> => ({ current: active, pending, previous });
    return {
      secretId,
      token,
      stages,
      read: async (stage) => values()[stage],
      writePending: async (value) => {
        // A pending value in the chain is kept, never replaced: a set may already have used it.
        if (pending !== undefined) return pending;
        requireOnlyTargetsChange(secretId, job, value);
        await this.#client.updatePendingStage(secretId, token, value);
        pending = value;
        return value;
      },
      promote: async () => {
        if (this.#hasFinished({ secretId, token })) return;
        if (pending === undefined) throw new RotationTokenInvalidError(`job ${token} of secret ${secretId} has no pending value to promote`);
        // Marked only once complete succeeded: after a failed complete, core's fail must still be sent.
        await this.#client.completeRotationJob(secretId, token);
        this.#markFinished({ secretId, token });
        this.#completed.set(secretId, { token, value: pending });
      },
      fail: () => this.failJob(secretId, token),
    };
  }

  /** Fails a job, unless this store has already sent complete or fail for it. */
  async failJob(secretId: string, token: string): Promise<void> {
    if (this.#hasFinished({ secretId, token })) return;
    this.#markFinished({ secretId, token });
    await this.#client.failRotationJob(secretId, token);
  }

  async readCurrent(secretId: string): Promise<string> {
    return this.#client.getSecretValue(secretId, 'active');
  }

  /**
   * Secret Manager's Generate Random Secret. It is a call of the job API, so it runs under the
   * job this store opened most recently and has not finished (the rotation in progress).
   */
  async generatePassword(policy: PasswordPolicy): Promise<string> {
    const job = this.#openJobs.at(-1);
    if (!job) {
      throw new InvalidOptionsError('NAVER generates passwords only inside an open rotation job', { field: 'password.generator' });
    }
    const options = generatorOptions(policy);
    const password = await this.#client.generateRandomSecret(job.secretId, job.token, options);
    if (!passwordSatisfies(password, policy)) {
      throw new StepFailedError('the password Secret Manager generated does not satisfy the password policy', false);
    }
    return password;
  }

  #hasFinished(job: Job): boolean {
    return this.#finished.has(`${job.secretId}\n${job.token}`);
  }

  #markFinished(job: Job): void {
    this.#finished.add(`${job.secretId}\n${job.token}`);
    this.#openJobs = this.#openJobs.filter((open) => !sameJob(open, job));
  }
}

function sameJob(a: Job, b: Job): boolean {
  return a.secretId === b.secretId && a.token === b.token;
}

/** Maps rotakit's policy (its defaults filled in) to Generate Random Secret's body. */
function generatorOptions(policy: PasswordPolicy): NcloudRandomSecretOptions {
  const length = policy.length ?? DEFAULT_PASSWORD_POLICY.length;
  if (length < GENERATOR_LENGTH.min || length > GENERATOR_LENGTH.max) {
    throw new PasswordPolicyInvalidError(
      `Secret Manager generates ${GENERATOR_LENGTH.min} to ${GENERATOR_LENGTH.max} characters; the policy asks for ${length}`,
      { field: 'length' },
    );
  }
  const setting = <K extends keyof PasswordPolicy>(key: K): NonNullable<PasswordPolicy[K]> =>
    (policy[key] ?? DEFAULT_PASSWORD_POLICY[key]) as NonNullable<PasswordPolicy[K]>;
  return {
    length,
    excludeCharacters: setting('excludeCharacters'),
    excludeNumbers: setting('excludeNumbers'),
    excludePunctuation: setting('excludePunctuation'),
    excludeUppercase: setting('excludeUppercase'),
    excludeLowercase: setting('excludeLowercase'),
    // NAVER includes spaces unless told not to; rotakit's default is no space.
    includeSpace: setting('includeSpace'),
    requireEachIncludedType: setting('requireEachIncludedType'),
  };
}

/**
 * NAVER's rule for a supplied pending value: only rotation targets may differ from active, and
 * every target must be present. Checked before the PUT so the refusal names the key.
 */
function requireOnlyTargetsChange(secretId: string, job: NcloudRotationJob, value: string): void {
  const active = parseObject(job.chain.active, 'active', secretId);
  const pending = parseObject(value, 'pending', secretId);
  const targets = job.rotationTargets;
  const lacking = targets.find((target) => !Object.hasOwn(pending, target));
  if (lacking !== undefined) {
    throw new PendingMismatchError(`the pending value of secret ${secretId} lacks the rotation target ${lacking}`, {
      field: lacking,
    });
  }
  for (const key of new Set([...Object.keys(active), ...Object.keys(pending)])) {
    if (targets.includes(key)) continue;
    if (!Object.hasOwn(active, key) || !Object.hasOwn(pending, key) || !isDeepStrictEqual(active[key], pending[key])) {
      throw new PendingMismatchError(
        `the pending value of secret ${secretId} changes ${key}, which is not among its rotationTargets`,
        { field: key },
      );
    }
  }
}

function parseObject(raw: string, stage: 'active' | 'pending', secretId: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    parsed = undefined;
  }
  if (!isRecord(parsed)) {
    throw new InvalidSecretValueError(`the ${stage} value of secret ${secretId} is not a JSON object`, { field: '(value)' });
  }
  return parsed;
}
