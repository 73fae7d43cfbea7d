import * as $Kms from '@alicloud/kms20160120';
import {
  CLOUD_STAGE_LABELS,
  DEFAULT_PASSWORD_POLICY,
  PasswordPolicyInvalidError,
  RotationNotEnabledError,
  RotationTokenInvalidError,
  stageOfLabel,
  type PasswordPolicy,
  type RotakitError,
  type SecretStore,
  type Stage,
  type StagePointers,
  type StoreSession,
} from '@rotakit/core';
import { alibabaErrorFacts, isTransient, kmsError } from './errors.js';
import { createKmsClient, kmsRuntime, type AlibabaClientOptions, type KmsClient } from './sdk.js';

const LABELS = CLOUD_STAGE_LABELS.alibaba;
const API_VERSION = '2016-01-20';

/** Retries of KMS calls the service throttled or failed with a 5xx (1.2.0 retries neither itself). */
export interface KmsRetryOptions {
  /** Attempts in all, the first included; default 3. */
  readonly attempts?: number;
  /** Delay before the first retry in milliseconds, doubled each time (with jitter); default 200. */
  readonly baseDelayMs?: number;
}

/** Options of {@link KmsSecretStore}: a client, or what it takes to build one. */
export type KmsSecretStoreOptions = (
  | { readonly client: KmsClient }
  | AlibabaClientOptions
) & { readonly retry?: KmsRetryOptions };

/**
 * Thrown when a secret is not a KMS generic secret. KMS rotates its managed secrets (Rds, Redis,
 * PolarDB, RAMCredentials, ECS) itself; rotakit refuses to write to them.
 */
export class UnsupportedSecretTypeError extends RotationNotEnabledError {
  /** The secret's `SecretType`, as KMS reports it. */
  readonly secretType: string;

  constructor(secretName: string, secretType: string) {
    super(
      `${secretName} is a ${secretType} secret; rotakit rotates only Generic secrets (KMS rotates managed secrets itself)`,
      { field: 'SecretType' },
    );
    this.secretType = secretType;
  }
}

/**
 * The `SecretStore` of Alibaba Cloud KMS generic secrets, on `@alicloud/kms20160120` 1.2.0.
 * Stages map to `ACSCurrent` / `ACSPending` / `ACSPrevious`; the rotation's token is the KMS
 * `VersionId` of the pending version. `ACSPending` is a custom label (KMS has only the two
 * built-in ones), written with PutSecretValue and removed when the rotation finishes.
 */
export class KmsSecretStore implements SecretStore {
  readonly name = 'alibaba';
  readonly #client: KmsClient;
  readonly #attempts: number;
  readonly #baseDelayMs: number;

  constructor(options: KmsSecretStoreOptions) {
    this.#client = 'client' in options ? options.client : createKmsClient(options);
    this.#attempts = Math.max(1, options.retry?.attempts ?? 3);
    this.#baseDelayMs = Math.max(0, options.retry?.baseDelayMs ?? 200);
  }

  async open(secretName: string, token: string): Promise<StoreSession> {
    const secretType = await this.#secretType(secretName);
    if (secretType !== 'Generic') throw new UnsupportedSecretTypeError(secretName, secretType);
    const stages = await this.#stages(secretName);
    return {
      secretId: secretName,
      token,
      stages,
      read: (stage) => this.#read(secretName, stage, token),
      writePending: (value) => this.#writePending(secretName, token, value),
      promote: () => this.#promote(secretName, token),
    };
  }

  async readCurrent(secretName: string): Promise<string> {
    const value = await this.#getValue(secretName, { versionStage: LABELS.current });
    return value.secretData ?? '';
  }

  async generatePassword(policy: PasswordPolicy): Promise<string> {
    // Core has already merged in the target's excluded characters; KMS's own bounds are checked here.
    const merged = { ...DEFAULT_PASSWORD_POLICY, ...definedOnly(policy) };
    // GetRandomPassword takes 8 to 128 characters and cannot include a space.
    if (!Number.isInteger(merged.length) || merged.length < 8 || merged.length > 128) {
      throw new PasswordPolicyInvalidError('KMS generates passwords of 8 to 128 characters', { field: 'length' });
    }
    if (merged.includeSpace) {
      throw new PasswordPolicyInvalidError('KMS cannot put a space in a password', { field: 'includeSpace' });
    }
    const request = new $Kms.GetRandomPasswordRequest({
      passwordLength: String(merged.length),
      excludeCharacters: merged.excludeCharacters,
      excludeLowercase: String(merged.excludeLowercase),
      excludeUppercase: String(merged.excludeUppercase),
      excludeNumbers: String(merged.excludeNumbers),
      excludePunctuation: String(merged.excludePunctuation),
      requireEachIncludedType: String(merged.requireEachIncludedType),
    });
    const response = await this.#call('GetRandomPassword', '(password generator)', () =>
      this.#client.getRandomPasswordEx(request, kmsRuntime()),
    );
    return response.randomPassword ?? '';
  }

  /** DescribeSecret through the raw call: 1.2.0's model drops `SecretType`. */
  async #secretType(secretName: string): Promise<string> {
    const raw = await this.#call('DescribeSecret', secretName, () =>
      this.#client.doRequest(
        'DescribeSecret',
        'HTTPS',
        'POST',
        API_VERSION,
        'AK',
        { SecretName: secretName },
        // 1.2.0's own methods pass a null body; its declared type leaves null out.
        null as unknown as Record<string, string>,
        kmsRuntime(),
      ) as Promise<Record<string, unknown>>,
    );
    const type = raw['SecretType'];
    // A region whose DescribeSecret does not report the type predates managed secrets: all are generic.
    return typeof type === 'string' && type.length > 0 ? type : 'Generic';
  }

  async #stages(secretName: string): Promise<StagePointers> {
    const stages: StagePointers = {};
    for (let page = 1; ; page += 1) {
      const request = new $Kms.ListSecretVersionIdsRequest({ secretName, pageNumber: page, pageSize: 100 });
      const response = await this.#call('ListSecretVersionIds', secretName, () =>
        this.#client.listSecretVersionIdsEx(request, kmsRuntime()),
      );
      const versions = response.versionIds?.versionId ?? [];
      for (const version of versions) {
        for (const label of version.versionStages?.versionStage ?? []) {
          const stage = stageOfLabel(LABELS, label);
          if (stage !== undefined && version.versionId) stages[stage] = version.versionId;
        }
      }
      if (versions.length === 0 || page * 100 >= (response.totalCount ?? 0)) return stages;
    }
  }

  async #read(secretName: string, stage: Stage, token: string): Promise<string | undefined> {
    const selector = stage === 'pending' ? { versionId: token, versionStage: LABELS.pending } : { versionStage: LABELS[stage] };
    try {
      return (await this.#getValue(secretName, selector)).secretData;
    } catch (error) {
      if ((error as RotakitError).code === 'SecretNotFound') return undefined;
      throw error;
    }
  }

  async #getValue(secretName: string, selector: { versionId?: string; versionStage: string }) {
    const request = new $Kms.GetSecretValueRequest({ secretName, ...selector });
    return this.#call('GetSecretValue', secretName, () => this.#client.getSecretValueEx(request, kmsRuntime()));
  }

  async #writePending(secretName: string, token: string, value: string): Promise<string> {
    const request = new $Kms.PutSecretValueRequest({
      secretName,
      versionId: token,
      secretData: value,
      secretDataType: 'text',
      versionStages: JSON.stringify([LABELS.pending]),
    });
    try {
      await this.#call('PutSecretValue', secretName, () => this.#client.putSecretValueEx(request, kmsRuntime()));
      return value;
    } catch (error) {
      if ((error as { cause?: unknown }).cause === 'Rejected.ResourceExist') {
        throw new RotationTokenInvalidError(`a different value is already stored under this token for ${secretName}`);
      }
      throw error;
    }
  }

  /**
   * Moves ACSPrevious to the current version first, then ACSCurrent to the token's version (the move
   * names the version it leaves, so a concurrent change fails it), then removes ACSPending. A crash
   * between any two calls leaves a state the re-run finishes: until ACSCurrent moves, the token is
   * still pending; after it, a leftover ACSPending on the current version is ignored by core.
   */
  async #promote(secretName: string, token: string): Promise<void> {
    const stages = await this.#stages(secretName);
    if (stages.current !== token) {
      if (stages.current !== undefined) {
        await this.#moveStage(secretName, { versionStage: LABELS.previous, moveToVersion: stages.current });
      }
      await this.#moveStage(secretName, {
        versionStage: LABELS.current,
        moveToVersion: token,
        ...(stages.current === undefined ? {} : { removeFromVersion: stages.current }),
      });
    }
    if (stages.pending === token) {
      await this.#moveStage(secretName, { versionStage: LABELS.pending, removeFromVersion: token });
    }
  }

  async #moveStage(
    secretName: string,
    move: { versionStage: string; moveToVersion?: string; removeFromVersion?: string },
  ): Promise<void> {
    const request = new $Kms.UpdateSecretVersionStageRequest({ secretName, ...move });
    await this.#call('UpdateSecretVersionStage', secretName, () =>
      this.#client.updateSecretVersionStageEx(request, kmsRuntime()),
    );
  }

  /**
   * Runs one KMS call, retrying throttling and 5xx answers with jittered exponential backoff, and
   * turns a failure into rotakit's typed error (see `kmsError`).
   */
  async #call<T>(action: string, secretName: string, call: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await call();
      } catch (error) {
        const facts = alibabaErrorFacts(error);
        if (attempt < this.#attempts && !facts.transport && isTransient(facts)) {
          await sleep(this.#baseDelayMs * 2 ** (attempt - 1) * (0.5 + Math.random() / 2));
          continue;
        }
        throw kmsError(error, action, secretName);
      }
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
