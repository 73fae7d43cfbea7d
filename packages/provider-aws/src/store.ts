import {
  DescribeSecretCommand,
  GetRandomPasswordCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  UpdateSecretVersionStageCommand,
  type DescribeSecretResponse,
  type GetSecretValueResponse,
  type PutSecretValueResponse,
  type SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import {
  DEFAULT_PASSWORD_POLICY,
  InvalidOptionsError,
  InvalidSecretValueError,
  RotationNotEnabledError,
  RotationTokenInvalidError,
  type PasswordPolicy,
  type SecretStore,
  type Stage,
  type StagePointers,
  type StoreSession,
} from '@rotakit/core';
import { AWS_STAGE_LABELS } from './conventions.js';
import { secretsManagerClient, type SecretsManagerClientOption } from './client.js';
import {
  awsCall,
  awsError,
  isAwsError,
  isAwsNotFound,
  isStageMoveRefusal,
  lostStageRace,
  type AwsCallContext,
} from './errors.js';


/** Options of `SecretsManagerStore`. */
export interface SecretsManagerStoreOptions {
  /** A Secrets Manager client, or the configuration to build one (built once, here). */
  readonly client?: SecretsManagerClientOption;
  /** Endpoint override; default the configuration's, else `SECRETS_MANAGER_ENDPOINT`. */
  readonly endpoint?: string;
  /**
   * Whether `open` requires the token to be a version AWSPENDING already sits on, as it does when
   * Secrets Manager's RotateSecret drives the rotation (default true). Set false to rotate with
   * core's `rotate()` outside Lambda: a token with no version is then accepted as a new rotation.
   */
  readonly requireStagedToken?: boolean;
  /** Passed back as PutSecretValue's RotationToken (the rotation event's `RotationToken`). */
  readonly rotationToken?: string;
}

const { current: AWSCURRENT, pending: AWSPENDING, previous: AWSPREVIOUS } = AWS_STAGE_LABELS;
/** Prefix of the label an in-process claim puts on its own version (see `writePending`). */
const CLAIM_LABEL_PREFIX = 'ROTAKIT_CLAIM_';

/**
 * A `SecretStore` on AWS Secrets Manager. `current`/`pending`/`previous` are AWSCURRENT,
 * AWSPENDING and AWSPREVIOUS; the token is the ClientRequestToken, i.e. the pending version's id.
 *
 * `open` applies the gate the service expects before every step, from one DescribeSecret:
 * RotationEnabled false → `RotationNotEnabledError`; a token with no stage (unless
 * `requireStagedToken: false`) or with a stage other than AWSPENDING/AWSCURRENT →
 * `RotationTokenInvalidError`; a token already AWSCURRENT is reported through
 * `stages.current === token`, so core skips the step. With `requireStagedToken: false` a version
 * that carries only its own claim label (`ROTAKIT_CLAIM_<token>`, see the session's
 * `writePending`) is a claim an earlier attempt left half done, and is resumed.
 */
export class SecretsManagerStore implements SecretStore {
  readonly name = 'aws';
  /** The client every call goes through; built once per store. */
  readonly client: SecretsManagerClient;
  readonly #requireStagedToken: boolean;
  readonly #rotationToken: string | undefined;

  constructor(options: SecretsManagerStoreOptions = {}) {
    this.client = secretsManagerClient(options.client, options.endpoint);
    this.#requireStagedToken = options.requireStagedToken ?? true;
    this.#rotationToken = options.rotationToken;
  }

  /** The same store (same client) passing `rotationToken` back on PutSecretValue. */
  withRotationToken(rotationToken: string | undefined): SecretsManagerStore {
    return new SecretsManagerStore({
      client: this.client,
      requireStagedToken: this.#requireStagedToken,
      ...(rotationToken === undefined ? {} : { rotationToken }),
    });
  }

  /** DescribeSecret, with errors converted. */
  describe(secretId: string): Promise<DescribeSecretResponse> {
    return awsCall(smContext('DescribeSecret', secretId), () =>
      this.client.send(new DescribeSecretCommand({ SecretId: secretId })),
    );
  }

  async open(secretId: string, token: string): Promise<StoreSession> {
    const described = await this.describe(secretId);
    if (described.RotationEnabled === false) {
      throw new RotationNotEnabledError(`rotation is not enabled for ${secretId}`);
    }
    const versions = described.VersionIdsToStages ?? {};
    const stages = stagePointers(versions);
    const labels = versions[token];
    if (labels === undefined) {
      if (this.#requireStagedToken) {
        throw new RotationTokenInvalidError(`version ${token} of ${secretId} has no stage; start rotations with RotateSecret`);
      }
      if (token.length < 32 || token.length > 64) {
        throw new InvalidOptionsError('token must be 32 to 64 characters long to name a Secrets Manager version', {
          field: 'token',
        });
      }
    } else if (!labels.includes(AWSCURRENT) && !labels.includes(AWSPENDING) && !this.#claimedOnly(token, labels)) {
      throw new RotationTokenInvalidError(`version ${token} of ${secretId} is not set as ${AWSPENDING}`);
    }
    return new SecretsManagerSession({
      client: this.client,
      secretId,
      token,
      stages,
      claims: !this.#requireStagedToken,
      rotationToken: this.#rotationToken,
      labels: labels ?? [],
    });
  }

  /** In process, a version that carries only its claim label is a claim that crashed before AWSPENDING: resumable. */
  #claimedOnly(token: string, labels: readonly string[]): boolean {
    return !this.#requireStagedToken && labels.length > 0 && labels.every((label) => label === claimLabelOf(token));
  }

  async readCurrent(secretId: string): Promise<string> {
    const response = await awsCall(smContext('GetSecretValue', secretId), () =>
      this.client.send(new GetSecretValueCommand({ SecretId: secretId })),
    );
    return secretStringOf(response, secretId);
  }

  async generatePassword(policy: PasswordPolicy): Promise<string> {
    const { RandomPassword } = await awsCall(smContext('GetRandomPassword', 'a password'), () =>
      this.client.send(
        new GetRandomPasswordCommand({
          PasswordLength: policy.length ?? DEFAULT_PASSWORD_POLICY.length,
          ExcludeCharacters: policy.excludeCharacters ?? DEFAULT_PASSWORD_POLICY.excludeCharacters,
          ExcludeNumbers: policy.excludeNumbers ?? false,
          ExcludePunctuation: policy.excludePunctuation ?? false,
          ExcludeUppercase: policy.excludeUppercase ?? false,
          ExcludeLowercase: policy.excludeLowercase ?? false,
          IncludeSpace: policy.includeSpace ?? false,
          RequireEachIncludedType: policy.requireEachIncludedType ?? true,
        }),
      ),
    );
    if (typeof RandomPassword !== 'string') {
      throw awsError(new Error('GetRandomPassword answered no password'), smContext('GetRandomPassword', 'a password'));
    }
    return RandomPassword;
  }
}

/**
 * One rotation of one secret under one token. `claims` is the in-process mode
 * (`requireStagedToken: false`), where nothing but this session guards the pending stage.
 */
class SecretsManagerSession implements StoreSession {
  readonly secretId: string;
  readonly token: string;
  readonly stages: StagePointers;
  readonly #client: SecretsManagerClient;
  readonly #claims: boolean;
  readonly #rotationToken: string | undefined;
  readonly #claimLabel: string;
  /** Whether the token's version may still carry its claim label (an earlier attempt crashed after its PutSecretValue). */
  #claimHeld: boolean;

  constructor(options: {
    client: SecretsManagerClient;
    secretId: string;
    token: string;
    stages: StagePointers;
    claims: boolean;
    rotationToken: string | undefined;
    labels: readonly string[];
  }) {
    this.#client = options.client;
    this.secretId = options.secretId;
    this.token = options.token;
    this.stages = options.stages;
    this.#claims = options.claims;
    this.#rotationToken = options.rotationToken;
    this.#claimLabel = claimLabelOf(options.token);
    this.#claimHeld = options.labels.includes(this.#claimLabel);
  }

  async read(stage: Stage): Promise<string | undefined> {
    const input =
      stage === 'pending'
        ? { SecretId: this.secretId, VersionId: this.token, VersionStage: AWSPENDING }
        : { SecretId: this.secretId, VersionStage: AWS_STAGE_LABELS[stage] };
    try {
      return secretStringOf(await this.#client.send(new GetSecretValueCommand(input)), this.secretId);
    } catch (error) {
      // Absent stage, value-less placeholder, or a token that is not (or no longer) pending.
      if (isAwsNotFound(error) || (stage === 'pending' && isAwsError(error, 'InvalidRequestException'))) return undefined;
      throw awsError(error, smContext('GetSecretValue', this.secretId));
    }
  }

  /**
   * With RotateSecret driving, the service has put AWSPENDING on this token's placeholder and
   * refuses a second rotation, so one PutSecretValue fills the placeholder.
   *
   * In process, Secrets Manager's only compare-and-set is UpdateSecretVersionStage: moving a label
   * that sits on another version fails unless `RemoveFromVersionId` names that version. The claim:
   * 1. PutSecretValue stores the value under the token with the token's own claim label (a
   *    PutSecretValue naming AWSPENDING would take the label from a rival without a check);
   * 2. UpdateSecretVersionStage moves AWSPENDING to the token without `RemoveFromVersionId`, so it
   *    succeeds only when no version holds it (the current version's leftover AWSPENDING, residue of
   *    a finished rotation, is named in `RemoveFromVersionId`); when refused, a DescribeSecret tells
   *    why: a rival holding it, or a current that moved since `open` → `RotationInProgressError`
   *    naming that rotation;
   * 3. DescribeSecret checks that AWSCURRENT has not moved since `open` (a rotation finished
   *    meanwhile): else AWSPENDING is withdrawn and `RotationInProgressError` names the new current;
   * 4. UpdateSecretVersionStage removes the claim label.
   * A crash between any two calls resumes with the same token: a re-run finds its value under the
   * token (ResourceExistsException) and keeps it; a claim label left behind is removed by the
   * re-run's `writePending`, `promote` or `withdraw`.
   */
  async writePending(value: string): Promise<string> {
    if (!this.#claims) return this.#fillPlaceholder(value);
    const stored = await this.#storeUnderClaim(value);
    await this.#takePending();
    const now = stagePointers((await this.#describe()).VersionIdsToStages ?? {});
    const currentMoved = now.current !== this.stages.current;
    if (currentMoved || now.pending !== this.token) {
      await this.withdraw();
      throw currentMoved ? lostStageRace(this.secretId, AWSCURRENT, now.current) : lostStageRace(this.secretId, AWSPENDING, now.pending);
    }
    await this.#removeLabel(this.#claimLabel);
    this.#claimHeld = false;
    return stored;
  }

  /**
   * Moves AWSCURRENT to the token on condition that it is still on the version the rotation started
   * from (`RemoveFromVersionId`); a move that lost a race → `RotationInProgressError` naming the
   * version that holds AWSCURRENT. Then removes AWSPENDING (the service does after a RotateSecret,
   * nobody does after core's `rotate()`), tolerating a label already gone.
   */
  async promote(): Promise<void> {
    try {
      await this.#moveLabel(AWSCURRENT, this.stages.current);
    } catch (error) {
      if (!isStageMoveRefusal(error)) throw awsError(error, this.#stageContext());
      const holder = stagePointers((await this.#describe()).VersionIdsToStages ?? {}).current;
      // Current on the token: an earlier attempt's move went through. Still where it was: no race explains the refusal.
      if (holder === this.stages.current) throw awsError(error, this.#stageContext());
      if (holder !== this.token) throw lostStageRace(this.secretId, AWSCURRENT, holder);
    }
    await this.#removeLabel(AWSPENDING);
    if (this.#claimHeld) await this.#removeLabel(this.#claimLabel);
    this.#claimHeld = false;
  }

  /** Removes AWSPENDING (and a claim label left behind) from the token's version, where it still is. */
  async withdraw(): Promise<void> {
    await this.#removeLabel(AWSPENDING);
    if (this.#claimHeld) await this.#removeLabel(this.#claimLabel);
    this.#claimHeld = false;
  }

  /** RotateSecret's placeholder gets the value; an earlier attempt's value, still pending, is kept. */
  async #fillPlaceholder(value: string): Promise<string> {
    if ((await this.#put(value, AWSPENDING)) !== 'exists') return value;
    const stored = await this.read('pending');
    if (stored === undefined) {
      throw new RotationTokenInvalidError(`version ${this.token} of ${this.secretId} holds a value but is no longer ${AWSPENDING}`);
    }
    return stored;
  }

  /** Step 1 of the claim: the value under the token with its claim label, or the value stored there already. */
  async #storeUnderClaim(value: string): Promise<string> {
    const put = await this.#put(value, this.#claimLabel);
    let labels = put === 'exists' ? [] : (put.VersionStages ?? []);
    let stored = value;
    if (put === 'exists') {
      // An earlier attempt under this token stored its value (and crashed, or withdrew): keep it.
      const existing = await awsCall(smContext('GetSecretValue', this.secretId), () =>
        this.#client.send(new GetSecretValueCommand({ SecretId: this.secretId, VersionId: this.token })),
      );
      labels = existing.VersionStages ?? [];
      stored = secretStringOf(existing, this.secretId);
    }
    if (labels.includes(this.#claimLabel)) this.#claimHeld = true;
    const used = labels.filter((label) => label === AWSCURRENT || label === AWSPREVIOUS);
    if (used.length > 0) {
      throw new RotationTokenInvalidError(`version ${this.token} of ${this.secretId} is already ${used.join(', ')}`);
    }
    return stored;
  }

  /** Step 2 of the claim: AWSPENDING onto the token, only if no rival holds it. */
  async #takePending(): Promise<void> {
    const { current, pending } = this.stages;
    // AWSPENDING on the current version is a finished rotation's residue, free to take.
    let residue = pending !== undefined && pending === current ? pending : undefined;
    for (let attempt = 1; ; attempt += 1) {
      try {
        await this.#moveLabel(AWSPENDING, residue);
        return;
      } catch (error) {
        if (!isStageMoveRefusal(error)) throw awsError(error, this.#stageContext());
        const now = stagePointers((await this.#describe()).VersionIdsToStages ?? {});
        if (now.pending === this.token) return;
        const rival = now.pending !== undefined && now.pending !== now.current ? now.pending : undefined;
        if (rival !== undefined || now.current !== this.stages.current) {
          // A rival holds AWSPENDING, or finished (its AWSPENDING may be going with its promote as we
          // look). Our version never held AWSPENDING; its claim label is inert now, and the caller
          // needs the RotationInProgress more than this clean-up.
          await this.#removeLabel(this.#claimLabel).catch(() => undefined);
          throw rival !== undefined
            ? lostStageRace(this.secretId, AWSPENDING, rival)
            : lostStageRace(this.secretId, AWSCURRENT, now.current);
        }
        // Current unmoved: the residue appeared or went since open (the service cleans it up after a RotateSecret). Once more.
        if (attempt === 2) throw awsError(error, this.#stageContext());
        residue = now.pending;
      }
    }
  }

  /** PutSecretValue under the token with one label; `exists` when a different value is stored under it already. */
  async #put(value: string, label: string): Promise<PutSecretValueResponse | 'exists'> {
    try {
      return await this.#client.send(
        new PutSecretValueCommand({
          SecretId: this.secretId,
          ClientRequestToken: this.token,
          SecretString: value,
          VersionStages: [label],
          ...(this.#rotationToken === undefined ? {} : { RotationToken: this.#rotationToken }),
        }),
      );
    } catch (error) {
      if (isAwsError(error, 'ResourceExistsException')) return 'exists';
      throw awsError(error, { ...smContext('PutSecretValue', this.secretId), carriesSecret: true });
    }
  }

  /** UpdateSecretVersionStage moving `label` to the token; SDK errors are left to the caller. */
  #moveLabel(label: string, removeFrom: string | undefined): Promise<unknown> {
    return this.#client.send(
      new UpdateSecretVersionStageCommand({
        SecretId: this.secretId,
        VersionStage: label,
        MoveToVersionId: this.token,
        ...(removeFrom === undefined ? {} : { RemoveFromVersionId: removeFrom }),
      }),
    );
  }

  /**
   * Removes `label` from the token's version; a label already gone is fine. Removing from a version
   * that exists is refused (InvalidParameterException) only when the label is not on it.
   */
  async #removeLabel(label: string): Promise<void> {
    try {
      await this.#client.send(
        new UpdateSecretVersionStageCommand({ SecretId: this.secretId, VersionStage: label, RemoveFromVersionId: this.token }),
      );
    } catch (error) {
      if (isAwsError(error, 'InvalidParameterException')) return;
      throw awsError(error, this.#stageContext());
    }
  }

  #describe(): Promise<DescribeSecretResponse> {
    return awsCall(smContext('DescribeSecret', this.secretId), () =>
      this.#client.send(new DescribeSecretCommand({ SecretId: this.secretId })),
    );
  }

  #stageContext(): AwsCallContext {
    return { ...smContext('UpdateSecretVersionStage', this.secretId), stageMove: true };
  }
}

/** The label the in-process claim puts on its token's version until AWSPENDING is on it. */
function claimLabelOf(token: string): string {
  return `${CLAIM_LABEL_PREFIX}${token}`;
}

/** Which version each label sits on, from DescribeSecret's VersionIdsToStages (readers use it too). */
export function stagePointers(versions: Record<string, string[]>): StagePointers {
  const pointers: StagePointers = {};
  for (const [versionId, labels] of Object.entries(versions)) {
    if (labels.includes(AWSCURRENT)) pointers.current = versionId;
    if (labels.includes(AWSPENDING)) pointers.pending = versionId;
    if (labels.includes(AWSPREVIOUS)) pointers.previous = versionId;
  }
  return pointers;
}

function secretStringOf(response: GetSecretValueResponse, secretId: string): string {
  if (typeof response.SecretString === 'string') return response.SecretString;
  throw new InvalidSecretValueError(`${secretId} holds SecretBinary; rotakit rotates JSON SecretString values`, {
    field: 'SecretString',
  });
}

function smContext(operation: string, subject: string): AwsCallContext {
  return { service: 'Secrets Manager', operation, subject };
}
