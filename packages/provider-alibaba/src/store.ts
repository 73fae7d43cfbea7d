import { createHash } from 'node:crypto';
import * as $Kms from '@alicloud/kms20160120';
import {
  DEFAULT_PASSWORD_POLICY,
  optionChecks,
  PasswordPolicyInvalidError,
  RotationTokenInvalidError,
  StoreUnavailableError,
  type PasswordPolicy,
  type RotakitError,
  type SecretStore,
  type Stage,
  type StagePointers,
  type StoreSession,
} from '@rotakit/core';
import { KMS_STAGE_LABELS } from './conventions.js';
import { isRetriedAnswer, isStageNotHeld, isVersionExists, kmsError, rotationInProgress, UnsupportedSecretTypeError } from './errors.js';
import { createKmsClient, kmsRuntime, type AlibabaClientOptions, type KmsClient } from './client.js';

const LABELS = KMS_STAGE_LABELS;
const API_VERSION = '2016-01-20';

/**
 * The custom label a pending value is written with before it is claimed: PutSecretValue must be
 * given a label (without one the value would become ACSCurrent), and writing ACSPending itself
 * would take it from whichever rotation holds it. The label is removed right after the write.
 */
export const KMS_STAGING_LABEL = 'RotakitStaged';

/** How many times a claim that lost a stage move re-reads the labels and tries again. */
const CLAIM_ROUNDS = 3;

/** Which version each label of a secret sits on (one label marks one version). */
type Labels = ReadonlyMap<string, string>;

/** A secret's versions as ListSecretVersionIds lists them, and where each label sits. */
interface VersionListing {
  readonly versionIds: readonly string[];
  readonly labels: Labels;
}

/** Retries of KMS calls the service throttled or failed with a 5xx (1.2.0 retries neither itself). */
export interface KmsRetryOptions {
  /** Attempts in all, the first included; default 3. */
  readonly attempts?: number;
  /** Delay before the first retry in milliseconds, doubled each time (with jitter); default 200. */
  readonly baseDelayMs?: number;
}

/**
 * `retry` checked and filled in: `attempts` 1 to 10 (default 3), `baseDelayMs` 0 to 60000
 * (default 200). Throws `InvalidOptionsError` naming `retry`, `retry.attempts` or
 * `retry.baseDelayMs`; `subject` names who took the option.
 */
export function resolveKmsRetry(option: unknown, subject: string): Required<KmsRetryOptions> {
  const check = optionChecks(subject);
  const given = check.record(option, 'retry');
  check.refuseUnknownKeys(given, ['attempts', 'baseDelayMs'], 'retry.');
  return {
    attempts: check.integerIn(given['attempts'], 'retry.attempts', { min: 1, max: 10, fallback: 3 }),
    baseDelayMs: check.integerIn(given['baseDelayMs'], 'retry.baseDelayMs', { min: 0, max: 60_000, fallback: 200 }),
  };
}

/** Options of {@link KmsSecretStore}: a client, or what it takes to build one. */
export type KmsSecretStoreOptions = (
  | { readonly client: KmsClient }
  | AlibabaClientOptions
) & { readonly retry?: KmsRetryOptions };

/**
 * The `SecretStore` of Alibaba Cloud KMS generic secrets, on `@alicloud/kms20160120` 1.2.0.
 * Stages map to `ACSCurrent` / `ACSPending` / `ACSPrevious`; the rotation's token is the KMS
 * `VersionId` of the pending version. `ACSPending` is a custom label (KMS has only the two
 * built-in ones), removed when the rotation finishes.
 *
 * The pending claim. KMS has no conditional write of a label: a PutSecretValue naming ACSPending,
 * or an UpdateSecretVersionStage with only MoveToVersion, takes the label from whichever version
 * holds it ("each stage label marks only one version"). It offers two compare-and-sets, and the
 * claim is built on them:
 * - UpdateSecretVersionStage with `RemoveFromVersion` moves a label only if that version holds it,
 *   and fails otherwise: a move from where ACSPending rests to the token's version succeeds for
 *   exactly one rotation;
 * - PutSecretValue of an existing `VersionId` is ignored when its data is the same (documented as
 *   idempotent) and refused when it differs: a version named after the current version, written
 *   with ACSPending, is created once, whoever races to write it.
 *
 * So `writePending` first stores the value under the token with {@link KMS_STAGING_LABEL} (and
 * drops that label), then moves ACSPending to it from where it is. When no version holds it (the
 * usual case: finish and withdraw remove it), that is a new anchor of the current version — a
 * version whose id and data derive from the current version's id and the anchors it already has
 * (no secret in it), created with ACSPending by whichever rotation writes it first; every other
 * writer's PutSecretValue is ignored. ACSPending left on the current or previous version (by a
 * crash after the ACSCurrent move, or a tool that does not remove it) is taken from there. The move
 * names the version it takes ACSPending from, so of two rotations only one wins; the other is
 * refused with RotationInProgress naming the winner, and nothing of its own holds ACSPending. A
 * current that moved since `open` is refused the same way, naming the new current. `promote`
 * moves ACSCurrent with `RemoveFromVersion` set to the current version `open` saw; `withdraw`
 * removes ACSPending from the token's version, only if it still holds it.
 */
export class KmsSecretStore implements SecretStore {
  readonly name = 'alibaba';
  readonly #client: KmsClient;
  readonly #attempts: number;
  readonly #baseDelayMs: number;

  constructor(options: KmsSecretStoreOptions) {
    this.#client = 'client' in options ? options.client : createKmsClient(options);
    const retry = resolveKmsRetry(options.retry, 'the KMS store');
    this.#attempts = retry.attempts;
    this.#baseDelayMs = retry.baseDelayMs;
  }

  async open(secretName: string, token: string): Promise<StoreSession> {
    const secretType = await this.#secretType(secretName);
    if (secretType !== 'Generic') throw new UnsupportedSecretTypeError(secretName, secretType);
    const stages = stagePointers((await this.#list(secretName, false)).labels);
    return {
      secretId: secretName,
      token,
      stages,
      read: (stage) => this.#read(secretName, stage, token),
      writePending: (value) => this.#writePending(secretName, token, stages, value),
      promote: () => this.#promote(secretName, token, stages),
      withdraw: () => this.#withdraw(secretName, token),
    };
  }

  async readCurrent(secretName: string): Promise<string> {
    const value = await this.#getValue(secretName, { versionStage: LABELS.current });
    return value.secretData ?? '';
  }

  /**
   * Where rotakit's stages sit, from one ListSecretVersionIds (no value read, no session opened):
   * what `open` reports as `stages`, for readers of the secret.
   */
  async locateStages(secretName: string): Promise<StagePointers> {
    return stagePointers((await this.#list(secretName, false)).labels);
  }

  /**
   * One GetSecretValue of the version `stage`'s label is on, or of version `versionId`: its value
   * and id, or undefined when no such version exists.
   */
  async readVersion(secretName: string, selector: { readonly stage: Stage } | { readonly versionId: string }): Promise<{ value: string; versionId: string } | undefined> {
    try {
      const read = await this.#getValue(secretName, 'stage' in selector ? { versionStage: LABELS[selector.stage] } : { versionId: selector.versionId });
      return { value: read.secretData ?? '', versionId: read.versionId ?? ('versionId' in selector ? selector.versionId : '') };
    } catch (error) {
      if ((error as RotakitError).code === 'SecretNotFound') return undefined;
      throw error;
    }
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

  /**
   * ListSecretVersionIds, every page: the version ids and where each label sits. Versions no
   * label marks are listed only with `includeDeprecated`.
   */
  async #list(secretName: string, includeDeprecated: boolean): Promise<VersionListing> {
    const versionIds: string[] = [];
    const labels = new Map<string, string>();
    for (let page = 1; ; page += 1) {
      const request = new $Kms.ListSecretVersionIdsRequest({
        secretName,
        pageNumber: page,
        pageSize: 100,
        ...(includeDeprecated ? { includeDeprecated: 'true' } : {}),
      });
      const response = await this.#call('ListSecretVersionIds', secretName, () =>
        this.#client.listSecretVersionIdsEx(request, kmsRuntime()),
      );
      const versions = response.versionIds?.versionId ?? [];
      for (const version of versions) {
        if (!version.versionId) continue;
        versionIds.push(version.versionId);
        for (const label of version.versionStages?.versionStage ?? []) labels.set(label, version.versionId);
      }
      if (versions.length === 0 || page * 100 >= (response.totalCount ?? 0)) return { versionIds, labels };
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

  async #getValue(secretName: string, selector: { versionId?: string; versionStage?: string }) {
    const request = new $Kms.GetSecretValueRequest({ secretName, ...selector });
    return this.#call('GetSecretValue', secretName, () => this.#client.getSecretValueEx(request, kmsRuntime()));
  }

  /** Stores the value under the token, then claims ACSPending for it (see the class comment). */
  async #writePending(secretName: string, token: string, opened: StagePointers, value: string): Promise<string> {
    const stored = await this.#putStaged(secretName, token, value);
    for (let round = 1; ; round += 1) {
      const { versionIds, labels } = await this.#list(secretName, true);
      const current = labels.get(LABELS.current);
      const holder = labels.get(LABELS.pending);
      if (holder === token) return stored;
      if (current === undefined || current !== opened.current) throw rotationInProgress(secretName, current ?? '(none)', 'current');
      if (holder !== undefined && !restsOn(labels, holder)) throw rotationInProgress(secretName, holder, 'pending');
      let from = holder;
      if (from === undefined) {
        from = nextAnchor(current, versionIds);
        await this.#put(secretName, from, anchorData(from), LABELS.pending);
      }
      try {
        await this.#moveStage(secretName, { versionStage: LABELS.pending, moveToVersion: token, removeFromVersion: from });
        return stored;
      } catch (error) {
        // Another rotation moved ACSPending first; the next round names it.
        if (!isStageNotHeld(error)) throw error;
        if (round === CLAIM_ROUNDS) {
          throw new StoreUnavailableError(`ACSPending of ${secretName} kept moving while this rotation claimed it; run the step again`);
        }
      }
    }
  }

  /**
   * Writes the token's version with the staging label, then drops the label. A version an earlier
   * attempt wrote under this token (its answer lost, or a crash before the claim) is kept: its
   * value is returned. A token whose version is already current or previous is refused.
   */
  async #putStaged(secretName: string, token: string, value: string): Promise<string> {
    let stored = value;
    try {
      await this.#put(secretName, token, value, KMS_STAGING_LABEL);
    } catch (error) {
      if (!isVersionExists(error)) throw error;
      const existing = await this.#getValue(secretName, { versionId: token });
      const labels = existing.versionStages?.versionStage ?? [];
      if (labels.includes(LABELS.current) || labels.includes(LABELS.previous)) {
        throw new RotationTokenInvalidError(`the version under this token of ${secretName} is already ${labels.join(', ')}`);
      }
      stored = existing.secretData ?? '';
    }
    await this.#removeLabel(secretName, KMS_STAGING_LABEL, token);
    return stored;
  }

  async #put(secretName: string, versionId: string, secretData: string, label: string): Promise<void> {
    const request = new $Kms.PutSecretValueRequest({
      secretName,
      versionId,
      secretData,
      secretDataType: 'text',
      versionStages: JSON.stringify([label]),
    });
    await this.#call('PutSecretValue', secretName, () => this.#client.putSecretValueEx(request, kmsRuntime()));
  }

  /** Removes `label` from `versionId`; a label that is no longer there is left alone. */
  async #removeLabel(secretName: string, label: string, versionId: string): Promise<void> {
    try {
      await this.#moveStage(secretName, { versionStage: label, removeFromVersion: versionId });
    } catch (error) {
      if (!isStageNotHeld(error)) throw error;
    }
  }

  /**
   * Moves ACSPrevious to the current version, then ACSCurrent to the token's version, naming the
   * current version `open` saw as the one it leaves (so a current that moved meanwhile refuses the
   * move: RotationInProgress naming the new current), then removes ACSPending. A crash between any
   * two calls leaves a state the re-run finishes: until ACSCurrent moves, the token is still
   * pending; after it, a leftover ACSPending on the current version is ignored by core.
   */
  async #promote(secretName: string, token: string, opened: StagePointers): Promise<void> {
    const { labels } = await this.#list(secretName, false);
    const current = labels.get(LABELS.current);
    if (current !== token) {
      if (current !== opened.current) throw rotationInProgress(secretName, current ?? '(none)', 'current');
      const holder = labels.get(LABELS.pending);
      if (holder !== token) {
        if (holder === undefined) throw new RotationTokenInvalidError(`no pending version of ${secretName} is under this token`);
        throw rotationInProgress(secretName, holder, 'pending');
      }
      if (current !== undefined) {
        await this.#moveStage(secretName, { versionStage: LABELS.previous, moveToVersion: current });
      }
      try {
        await this.#moveStage(secretName, {
          versionStage: LABELS.current,
          moveToVersion: token,
          ...(current === undefined ? {} : { removeFromVersion: current }),
        });
      } catch (error) {
        if (!isStageNotHeld(error)) throw error;
        const moved = (await this.#list(secretName, false)).labels.get(LABELS.current);
        throw rotationInProgress(secretName, moved ?? '(none)', 'current');
      }
    }
    if (labels.get(LABELS.pending) === token) await this.#removeLabel(secretName, LABELS.pending, token);
  }

  /** Removes ACSPending from the token's version, when the token still holds it. */
  async #withdraw(secretName: string, token: string): Promise<void> {
    await this.#removeLabel(secretName, LABELS.pending, token);
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
        if (attempt < this.#attempts && isRetriedAnswer(error)) {
          await sleep(this.#baseDelayMs * 2 ** (attempt - 1) * (0.5 + Math.random() / 2));
          continue;
        }
        throw kmsError(error, action, secretName);
      }
    }
  }
}

/**
 * The stage pointers core sees. ACSPending on the previous version or on an anchor of the current
 * version is no rotation, and is not reported; on the current version it is reported, as core
 * itself takes a pending stage on the current version for a finished rotation.
 */
function stagePointers(labels: Labels): StagePointers {
  const stages: StagePointers = {};
  const current = labels.get(LABELS.current);
  const previous = labels.get(LABELS.previous);
  const pending = labels.get(LABELS.pending);
  if (current !== undefined) stages.current = current;
  if (previous !== undefined) stages.previous = previous;
  if (pending !== undefined && (pending === current || !restsOn(labels, pending))) stages.pending = pending;
  return stages;
}

/** Whether ACSPending on `versionId` is held by no rotation: the current, previous or an anchor version. */
function restsOn(labels: Labels, versionId: string): boolean {
  const current = labels.get(LABELS.current);
  return (
    versionId === current ||
    versionId === labels.get(LABELS.previous) ||
    (current !== undefined && versionId.startsWith(anchorPrefix(current)))
  );
}

/** What the ids of a current version's anchors start with; the rest is the anchor's number. */
function anchorPrefix(currentVersionId: string): string {
  return `rotakit-anchor-${createHash('sha256').update(currentVersionId).digest('hex').slice(0, 40)}-`;
}

/**
 * The anchor a claim creates when no version holds ACSPending: the current version's first
 * anchor, or the one after the last it has (an earlier one was used by a withdrawn rotation).
 * Every rotation that lists the same versions picks the same id.
 */
function nextAnchor(currentVersionId: string, versionIds: readonly string[]): string {
  const prefix = anchorPrefix(currentVersionId);
  const used = versionIds.filter((id) => id.startsWith(prefix)).map((id) => Number(id.slice(prefix.length)));
  return `${prefix}${used.length === 0 ? 0 : Math.max(...used) + 1}`;
}

/** An anchor's data: the same for every writer (so a second write is ignored), and no secret. */
function anchorData(anchorVersionId: string): string {
  return JSON.stringify({ rotakitClaimAnchor: anchorVersionId });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
