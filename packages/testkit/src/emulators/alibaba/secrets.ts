import { kmsError } from './errors.js';

/** KMS secret types: `Generic` holds what the caller puts; the others are managed ("dynamic"). */
export type SecretType = 'Generic' | 'Rds' | 'RAMCredentials' | 'ECS' | 'Redis' | 'PolarDB';

/** The secret types KMS knows. */
export const SECRET_TYPES: readonly SecretType[] = ['Generic', 'Rds', 'RAMCredentials', 'ECS', 'Redis', 'PolarDB'];

/** How a version's SecretData is to be read: plain text, or base64 of binary data. */
export type SecretDataType = 'text' | 'binary';

/** The built-in stage labels; they can be moved but never simply removed. */
export const ACS_CURRENT = 'ACSCurrent';
/** See {@link ACS_CURRENT}. */
export const ACS_PREVIOUS = 'ACSPrevious';

/** At most this many versions per generic secret; the oldest label-less one goes first. */
export const MAX_VERSIONS = 10;
/** At most this many distinct stage labels per generic secret. */
export const MAX_STAGE_LABELS = 8;

/** A secret tag. */
export interface SecretTag {
  key: string;
  value: string;
}

/** One version of a secret value. */
export interface SecretVersion {
  versionId: string;
  data: string;
  dataType: SecretDataType;
  createTime: string;
}

/** The rotation settings of a managed secret. */
export interface ManagedRotation {
  automaticRotation: 'Enabled' | 'Disabled';
  /** Normalised to seconds, e.g. `604800s`. */
  rotationInterval?: string;
  lastRotationDate?: string;
  nextRotationDate?: string;
}

/** A secret as the emulator stores it. Stage labels map to the one version each marks. */
export interface StoredSecret {
  name: string;
  type: SecretType;
  description?: string;
  encryptionKeyId?: string;
  tags: SecretTag[];
  createTime: string;
  updateTime: string;
  plannedDeleteTime?: string;
  /** Managed secrets only: the JSON text of ExtendedConfig. */
  extendedConfig?: string;
  rotation?: ManagedRotation;
  /** In creation order. */
  versions: Map<string, SecretVersion>;
  stages: Map<string, string>;
}

/** A version to seed, with the stage labels it carries. */
export interface AlibabaSecretVersionSeed {
  versionId: string;
  data: string;
  dataType?: SecretDataType;
  stages?: string[];
  /** `YYYY-MM-DDTHH:mm:ssZ`; defaults to now. */
  createTime?: string;
}

/** A secret to seed, with its versions oldest first. */
export interface AlibabaSecretSeed {
  name: string;
  type?: SecretType;
  description?: string;
  encryptionKeyId?: string;
  tags?: Record<string, string>;
  /** Managed secrets: ExtendedConfig, e.g. `{SecretSubType: 'DoubleUsers', DBInstanceId: 'rm-…'}`. */
  extendedConfig?: Record<string, unknown>;
  /** Managed secrets: rotation settings. */
  rotation?: ManagedRotation;
  /** Puts the secret in its deletion window until this time. */
  plannedDeleteTime?: string;
  versions: AlibabaSecretVersionSeed[];
}

/** One version in {@link AlibabaKmsState}. */
export interface AlibabaSecretVersionState extends SecretVersion {
  stages: string[];
}

/** One secret in {@link AlibabaKmsState}. */
export interface AlibabaSecretState {
  name: string;
  arn: string;
  type: SecretType;
  description?: string;
  encryptionKeyId?: string;
  tags: Record<string, string>;
  createTime: string;
  updateTime: string;
  plannedDeleteTime?: string;
  extendedConfig?: Record<string, unknown>;
  rotation?: ManagedRotation;
  versions: AlibabaSecretVersionState[];
}

/** The emulator's whole state, values included (it is for tests). */
export interface AlibabaKmsState {
  regionId: string;
  accountId: string;
  secrets: AlibabaSecretState[];
}

/** A new secret for {@link KmsSecrets.create}. */
export interface NewSecret {
  name: string;
  type: SecretType;
  firstVersion: { versionId: string; data: string; dataType: SecretDataType };
  description?: string | undefined;
  encryptionKeyId?: string | undefined;
  tags: SecretTag[];
  extendedConfig?: string | undefined;
  rotation?: ManagedRotation | undefined;
}

/** Time in KMS's format: UTC, second precision, `Z`. */
export function kmsTime(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Options of {@link KmsSecrets}. */
export interface KmsSecretsOptions {
  regionId: string;
  accountId: string;
  /**
   * When ACSCurrent moves to another version (PutSecretValue, UpdateSecretVersionStage), the
   * version it left gets ACSPrevious. Alibaba documents this only for PutSecretValue's default.
   */
  previousFollowsCurrent: boolean;
}

/** The secrets of one emulated region and the stage rules of KMS generic secrets. */
export class KmsSecrets {
  readonly #secrets = new Map<string, StoredSecret>();
  readonly #options: KmsSecretsOptions;

  constructor(options: KmsSecretsOptions) {
    this.#options = options;
  }

  /** The secret's ARN: `acs:kms:<region>:<account>:secret/<name>`. */
  arn(secret: StoredSecret): string {
    return `acs:kms:${this.#options.regionId}:${this.#options.accountId}:secret/${secret.name}`;
  }

  /** The secret named by a name or an ARN, whether or not it is planned for deletion. */
  find(nameOrArn: string): StoredSecret {
    const prefix = `acs:kms:${this.#options.regionId}:${this.#options.accountId}:secret/`;
    const secret = this.#live(nameOrArn.startsWith(prefix) ? nameOrArn.slice(prefix.length) : nameOrArn);
    if (!secret) throw kmsError('Forbidden.ResourceNotFound');
    return secret;
  }

  /** Like {@link find}, refusing a secret in its deletion window. */
  findActive(nameOrArn: string): StoredSecret {
    const secret = this.find(nameOrArn);
    if (secret.plannedDeleteTime !== undefined) throw kmsError('Rejected.ResourceInDeleteWindow');
    return secret;
  }

  /** Every secret, in creation order, those past their deletion window dropped. */
  all(): StoredSecret[] {
    return [...this.#secrets.keys()].flatMap((name) => this.#live(name) ?? []);
  }

  /** Creates a secret whose first version carries ACSCurrent. */
  create(input: NewSecret): StoredSecret {
    const existing = this.#live(input.name);
    if (existing) {
      throw kmsError(
        existing.plannedDeleteTime === undefined ? 'Rejected.ResourceExist' : 'Rejected.ResourceInDeleteWindow',
      );
    }
    const now = kmsTime(new Date());
    const secret: StoredSecret = {
      name: input.name,
      type: input.type,
      tags: input.tags,
      createTime: now,
      updateTime: now,
      versions: new Map([[input.firstVersion.versionId, { ...input.firstVersion, createTime: now }]]),
      stages: new Map([[ACS_CURRENT, input.firstVersion.versionId]]),
      ...optional('description', input.description),
      ...optional('encryptionKeyId', input.encryptionKeyId),
      ...optional('extendedConfig', input.extendedConfig),
      ...optional('rotation', input.rotation),
    };
    this.#secrets.set(secret.name, secret);
    return secret;
  }

  /** Stage labels on one version, built-in ones first. */
  stagesOf(secret: StoredSecret, versionId: string): string[] {
    return [...secret.stages]
      .filter(([, id]) => id === versionId)
      .map(([stage]) => stage)
      .sort((a, b) => rank(a) - rank(b));
  }

  /**
   * The version GetSecretValue serves: by id, by stage, or both (the version must then carry
   * the stage); ACSCurrent when neither is given. Managed secrets ignore the id and serve only
   * ACSCurrent and ACSPrevious.
   */
  read(secret: StoredSecret, selector: { versionId?: string | undefined; stage?: string | undefined }): SecretVersion {
    const managed = secret.type !== 'Generic';
    const versionId = managed ? undefined : selector.versionId;
    const stage = selector.stage ?? (versionId === undefined ? ACS_CURRENT : undefined);
    if (managed && stage !== ACS_CURRENT && stage !== ACS_PREVIOUS) throw kmsError('Forbidden.ResourceNotFound');
    const id = versionId ?? (stage === undefined ? undefined : secret.stages.get(stage));
    const version = id === undefined ? undefined : secret.versions.get(id);
    if (!version || (stage !== undefined && secret.stages.get(stage) !== version.versionId)) {
      throw kmsError('Forbidden.ResourceNotFound');
    }
    return version;
  }

  /**
   * PutSecretValue on a generic secret. A VersionId already stored with the same data is a
   * success that changes nothing; with other data it is Rejected.ResourceExist (Alibaba
   * documents a rejection without naming the code). Without `stages` the version gets
   * ACSCurrent.
   */
  put(
    secret: StoredSecret,
    input: { versionId: string; data: string; dataType: SecretDataType; stages: string[] | undefined },
  ): SecretVersion {
    requireGeneric(secret);
    const existing = secret.versions.get(input.versionId);
    if (existing) {
      if (existing.data !== input.data || existing.dataType !== input.dataType) throw kmsError('Rejected.ResourceExist');
      return existing;
    }
    const stages = [...new Set(input.stages ?? [ACS_CURRENT])];
    this.#checkLabelLimit(secret, stages);
    const now = new Date();
    const version: SecretVersion = { ...input, createTime: kmsTime(now) };
    secret.versions.set(version.versionId, version);
    for (const stage of stages) this.#attach(secret, stage, version.versionId, !stages.includes(ACS_PREVIOUS));
    this.#pruneVersions(secret);
    secret.updateTime = kmsTime(now);
    return version;
  }

  /**
   * UpdateSecretVersionStage on a generic secret: moves `stage` to `moveTo`, or removes it from
   * `removeFrom`. A version or a label that is not where the call says is Forbidden.ResourceNotFound
   * (the code is not documented for this case; it is KMS's not-found answer everywhere else).
   */
  updateStage(
    secret: StoredSecret,
    input: { stage: string; moveTo?: string | undefined; removeFrom?: string | undefined },
  ): void {
    requireGeneric(secret);
    if (input.moveTo === undefined && input.removeFrom === undefined) throw kmsError('InvalidParameter');
    if (isBuiltIn(input.stage) && input.moveTo === undefined) throw kmsError('InvalidParameter');
    for (const id of [input.moveTo, input.removeFrom]) {
      if (id !== undefined && !secret.versions.has(id)) throw kmsError('Forbidden.ResourceNotFound');
    }
    if (input.removeFrom !== undefined && secret.stages.get(input.stage) !== input.removeFrom) {
      throw kmsError('Forbidden.ResourceNotFound');
    }
    if (input.moveTo === undefined) {
      secret.stages.delete(input.stage);
    } else {
      this.#checkLabelLimit(secret, [input.stage]);
      this.#attach(secret, input.stage, input.moveTo, true);
    }
    secret.updateTime = kmsTime(new Date());
  }

  /** DeleteSecret: now, or at the end of a recovery window. Returns the planned deletion time. */
  delete(secret: StoredSecret, input: { force: boolean; recoveryWindowInDays: number }): string {
    if (input.force) {
      this.#secrets.delete(secret.name);
      return kmsTime(new Date());
    }
    if (secret.plannedDeleteTime !== undefined) throw kmsError('Rejected.ResourceInDeleteWindow');
    secret.plannedDeleteTime = kmsTime(new Date(Date.now() + input.recoveryWindowInDays * 86_400_000));
    return secret.plannedDeleteTime;
  }

  /** Adds or replaces secrets; all or none. Throws a plain Error when a seed breaks a KMS rule. */
  seed(seeds: readonly AlibabaSecretSeed[]): void {
    const built = seeds.map((seed) => seededSecret(seed));
    for (const secret of built) this.#secrets.set(secret.name, secret);
  }

  /** Every secret, values included. */
  snapshot(): AlibabaKmsState {
    return {
      regionId: this.#options.regionId,
      accountId: this.#options.accountId,
      secrets: [...this.#secrets.values()].map((secret) => ({
        name: secret.name,
        arn: this.arn(secret),
        type: secret.type,
        tags: Object.fromEntries(secret.tags.map((tag) => [tag.key, tag.value])),
        createTime: secret.createTime,
        updateTime: secret.updateTime,
        ...optional('description', secret.description),
        ...optional('encryptionKeyId', secret.encryptionKeyId),
        ...optional('plannedDeleteTime', secret.plannedDeleteTime),
        ...optional(
          'extendedConfig',
          secret.extendedConfig === undefined ? undefined : (JSON.parse(secret.extendedConfig) as Record<string, unknown>),
        ),
        ...optional('rotation', secret.rotation && { ...secret.rotation }),
        versions: [...secret.versions.values()].map((version) => ({
          ...version,
          stages: this.stagesOf(secret, version.versionId),
        })),
      })),
    };
  }

  /** The stored secret, dropping it first if its deletion window has passed. */
  #live(name: string): StoredSecret | undefined {
    const secret = this.#secrets.get(name);
    if (secret?.plannedDeleteTime !== undefined && Date.parse(secret.plannedDeleteTime) <= Date.now()) {
      this.#secrets.delete(name);
      return undefined;
    }
    return secret;
  }

  #checkLabelLimit(secret: StoredSecret, stages: readonly string[]): void {
    const labels = new Set([...secret.stages.keys(), ...stages]);
    if (labels.size > MAX_STAGE_LABELS) throw kmsError('Rejected.LimitExceeded');
  }

  /** One label marks one version: attaching moves it. `previousFollows` lets ACSPrevious trail ACSCurrent. */
  #attach(secret: StoredSecret, stage: string, versionId: string, previousFollows: boolean): void {
    const formerHolder = secret.stages.get(stage);
    secret.stages.set(stage, versionId);
    if (
      stage === ACS_CURRENT &&
      previousFollows &&
      this.#options.previousFollowsCurrent &&
      formerHolder !== undefined &&
      formerHolder !== versionId
    ) {
      secret.stages.set(ACS_PREVIOUS, formerHolder);
    }
  }

  #pruneVersions(secret: StoredSecret): void {
    const labelled = new Set(secret.stages.values());
    for (const versionId of secret.versions.keys()) {
      if (secret.versions.size <= MAX_VERSIONS) return;
      if (!labelled.has(versionId)) secret.versions.delete(versionId);
    }
  }
}

/** A stored secret from a seed, checked against the KMS rules. */
function seededSecret(seed: AlibabaSecretSeed): StoredSecret {
  if (typeof seed.name !== 'string' || !Array.isArray(seed.versions)) {
    throw new Error('seed: every secret needs a name and a list of versions');
  }
  const type = seed.type ?? 'Generic';
  if (!SECRET_TYPES.includes(type)) throw new Error(`seed ${seed.name}: unknown secret type ${type}`);
  const now = kmsTime(new Date());
  const secret: StoredSecret = {
    name: seed.name,
    type,
    tags: Object.entries(seed.tags ?? {}).map(([key, value]) => ({ key, value })),
    createTime: seed.versions[0]?.createTime ?? now,
    updateTime: seed.versions.at(-1)?.createTime ?? now,
    versions: new Map(),
    stages: new Map(),
    ...optional('description', seed.description),
    ...optional('encryptionKeyId', seed.encryptionKeyId),
    ...optional('plannedDeleteTime', seed.plannedDeleteTime),
    ...optional('extendedConfig', seed.extendedConfig === undefined ? undefined : JSON.stringify(seed.extendedConfig)),
    ...optional('rotation', seed.rotation ?? (type === 'Generic' ? undefined : { automaticRotation: 'Disabled' })),
  };
  for (const version of seed.versions) {
    if (secret.versions.has(version.versionId)) {
      throw new Error(`seed ${seed.name}: version ${version.versionId} appears twice`);
    }
    secret.versions.set(version.versionId, {
      versionId: version.versionId,
      data: version.data,
      dataType: version.dataType ?? 'text',
      createTime: version.createTime ?? now,
    });
    for (const stage of version.stages ?? []) {
      if (secret.stages.has(stage)) throw new Error(`seed ${seed.name}: stage ${stage} marks two versions`);
      secret.stages.set(stage, version.versionId);
    }
  }
  if (type === 'Generic' && secret.versions.size > MAX_VERSIONS) {
    throw new Error(`seed ${seed.name}: more than ${MAX_VERSIONS} versions`);
  }
  if (type === 'Generic' && secret.stages.size > MAX_STAGE_LABELS) {
    throw new Error(`seed ${seed.name}: more than ${MAX_STAGE_LABELS} stage labels`);
  }
  return secret;
}

function requireGeneric(secret: StoredSecret): void {
  // Managed secrets are written by KMS itself. The code KMS answers is not documented;
  // InvalidParameter (the secret named is of the wrong kind) is the emulator's choice.
  if (secret.type !== 'Generic') throw kmsError('InvalidParameter');
}

function isBuiltIn(stage: string): boolean {
  return stage === ACS_CURRENT || stage === ACS_PREVIOUS;
}

function rank(stage: string): number {
  return stage === ACS_CURRENT ? 0 : stage === ACS_PREVIOUS ? 1 : 2;
}

/** `{[key]: value}` when value is defined, else `{}` (for exactOptionalPropertyTypes). */
function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}
