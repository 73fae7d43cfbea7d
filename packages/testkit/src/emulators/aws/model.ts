import { randomInt } from 'node:crypto';
import { awsErrors } from './errors.js';

/** The labels Secrets Manager itself gives meaning to. */
export const AWSCURRENT = 'AWSCURRENT';
/** Follows AWSCURRENT's former holder whenever AWSCURRENT moves. */
export const AWSPREVIOUS = 'AWSPREVIOUS';
/** Marks the version a rotation is building. */
export const AWSPENDING = 'AWSPENDING';

/** Rotation schedule as the API carries it. */
export interface RotationRules {
  AutomaticallyAfterDays?: number;
  Duration?: string;
  ScheduleExpression?: string;
}

/** One version of a secret; a version may have no value (RotateSecret's placeholder). */
export interface SecretVersion {
  versionId: string;
  secretString?: string;
  /** Base64, as it travels in JSON. */
  secretBinary?: string;
  stages: Set<string>;
  /** Epoch seconds. */
  createdDate: number;
  lastAccessedDate?: number;
}

/** A secret and everything the emulator keeps about it. Dates are epoch seconds. */
export interface SecretRecord {
  arn: string;
  name: string;
  description?: string;
  kmsKeyId?: string;
  tags: Map<string, string>;
  /** CreateSecret's token, for idempotent retries of a value-less create. */
  creationToken?: string;
  createdDate: number;
  lastChangedDate: number;
  lastAccessedDate?: number;
  deletedDate?: number;
  /** When a secret pending deletion is purged. */
  deletionDate?: number;
  rotationEnabled?: boolean;
  rotationLambdaArn?: string;
  rotationRules?: RotationRules;
  lastRotatedDate?: number;
  nextRotationDate?: number;
  owningService?: string;
  /** In creation order. */
  versions: Map<string, SecretVersion>;
  /** The versions as they were before the latest write, and how many stage reads still see them. */
  stale?: { versions: Map<string, SecretVersion>; readsLeft: number };
}

/** Seconds in a day, for dates kept in epoch seconds. */
export const SECONDS_PER_DAY = 86_400;
const MAX_LABELS_PER_VERSION = 20;
const MAX_DEPRECATED_VERSIONS = 100;
const ARN_SUFFIX_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** The current time in epoch seconds. */
export function nowSeconds(): number {
  return Date.now() / 1000;
}

/** Start of the current UTC day in epoch seconds: LastAccessedDate has date granularity. */
export function todaySeconds(): number {
  return Math.floor(nowSeconds() / SECONDS_PER_DAY) * SECONDS_PER_DAY;
}

/** The version holding `stage`, if any. */
export function holderOf(secret: SecretRecord, stage: string): SecretVersion | undefined {
  for (const version of secret.versions.values()) if (version.stages.has(stage)) return version;
  return undefined;
}

/** Whether the version carries a value (RotateSecret's placeholder does not). */
export function hasValue(version: SecretVersion): boolean {
  return version.secretString !== undefined || version.secretBinary !== undefined;
}

/**
 * Attaches `stages` to `target`, taking each off whichever version held it; when AWSCURRENT
 * moves, AWSPREVIOUS goes to AWSCURRENT's former holder. Checks the 20-label limit first
 * so a refused call changes nothing.
 */
export function attachStages(secret: SecretRecord, target: SecretVersion, stages: readonly string[]): void {
  const after = new Set([...target.stages, ...stages]);
  if (after.size > MAX_LABELS_PER_VERSION) throw awsErrors.tooManyLabels(target.versionId);
  // AWSCURRENT first, so an explicit AWSPREVIOUS in the same list still lands on the target.
  const ordered = [...new Set(stages)].sort((a, b) => Number(b === AWSCURRENT) - Number(a === AWSCURRENT));
  for (const stage of ordered) {
    const holder = holderOf(secret, stage);
    if (holder && holder !== target) {
      holder.stages.delete(stage);
      if (stage === AWSCURRENT) {
        holderOf(secret, AWSPREVIOUS)?.stages.delete(AWSPREVIOUS);
        holder.stages.add(AWSPREVIOUS);
      }
    }
    target.stages.add(stage);
  }
  pruneDeprecated(secret);
}

/**
 * Deletes the oldest label-less versions beyond 100, never one less than 24 hours old,
 * as the service does.
 */
export function pruneDeprecated(secret: SecretRecord): void {
  const deprecated = [...secret.versions.values()]
    .filter((version) => version.stages.size === 0)
    .sort((a, b) => a.createdDate - b.createdDate);
  const cutoff = nowSeconds() - SECONDS_PER_DAY;
  let excess = deprecated.length - MAX_DEPRECATED_VERSIONS;
  for (const version of deprecated) {
    if (excess <= 0 || version.createdDate > cutoff) break;
    secret.versions.delete(version.versionId);
    excess -= 1;
  }
}

/** Labels in a stable order: recorded AWS responses list them sorted. */
export function sortedStages(version: SecretVersion): string[] {
  return [...version.stages].sort();
}

/** `secretString` and `secretBinary` compare equal (binary compared by bytes). */
export function sameValue(version: SecretVersion, secretString?: string, secretBinary?: string): boolean {
  if (version.secretString !== secretString) return false;
  if (version.secretBinary === undefined || secretBinary === undefined) return version.secretBinary === secretBinary;
  return Buffer.from(version.secretBinary, 'base64').equals(Buffer.from(secretBinary, 'base64'));
}

/** The interval of a `rate(N hours|days)` schedule expression in hours, or undefined for anything else. */
export function rateHours(expression: string): number | undefined {
  const rate = /^rate\((\d+) (hours?|days?)\)$/.exec(expression);
  if (!rate) return undefined;
  return Number(rate[1]) * (rate[2]?.startsWith('hour') ? 1 : 24);
}

/**
 * Sets NextRotationDate from `from` for an enabled AutomaticallyAfterDays or `rate(…)`
 * schedule, and clears it otherwise (cron schedules are not computed).
 */
export function scheduleNextRotation(secret: SecretRecord, from: number): void {
  const rules = secret.rotationRules;
  const hours =
    rules?.AutomaticallyAfterDays !== undefined
      ? rules.AutomaticallyAfterDays * 24
      : rateHours(rules?.ScheduleExpression ?? '');
  if (secret.rotationEnabled && hours !== undefined) secret.nextRotationDate = from + hours * 3600;
  else delete secret.nextRotationDate;
}

/** All secrets of one emulator, found by name, full ARN or partial ARN. */
export class SecretTable {
  readonly region: string;
  readonly accountId: string;
  readonly #secrets = new Map<string, SecretRecord>();
  /** The same secrets by name: a lookup by name or partial ARN is one map read, not a scan. */
  readonly #byName = new Map<string, SecretRecord>();
  readonly #staleReads: number;

  /** `staleReads`: how many stage reads after a write still see the versions as before it (0: none). */
  constructor(region: string, accountId: string, staleReads = 0) {
    this.region = region;
    this.accountId = accountId;
    this.#staleReads = staleReads;
  }

  /**
   * To be called just before a write changes the secret's versions or labels: under
   * read-after-write lag, the next stage reads see the versions as they are now.
   */
  beforeWrite(secret: SecretRecord): void {
    if (this.#staleReads === 0) return;
    const versions = new Map([...secret.versions].map(([id, version]) => [id, { ...version, stages: new Set(version.stages) }]));
    secret.stale = { versions, readsLeft: this.#staleReads };
  }

  /** The secret as a stage read (Get, Describe, List) sees it: stale while the lag lasts. */
  readView(secret: SecretRecord): SecretRecord {
    const stale = secret.stale;
    if (!stale) return secret;
    stale.readsLeft -= 1;
    if (stale.readsLeft <= 0) delete secret.stale;
    return { ...secret, versions: stale.versions };
  }

  /** The ARN prefix before the secret name. */
  get arnPrefix(): string {
    return `arn:aws:secretsmanager:${this.region}:${this.accountId}:secret:`;
  }

  /** A fresh ARN: the name plus a hyphen and six random characters. */
  newArn(name: string): string {
    let suffix = '';
    for (let i = 0; i < 6; i += 1) suffix += ARN_SUFFIX_ALPHABET[randomInt(ARN_SUFFIX_ALPHABET.length)];
    return `${this.arnPrefix}${name}-${suffix}`;
  }

  /** Finds a secret by name, ARN or ARN without its random suffix; a secret whose deletion is due is forgotten, not found. */
  find(secretId: string): SecretRecord | undefined {
    const name = secretId.startsWith(this.arnPrefix) ? secretId.slice(this.arnPrefix.length) : secretId;
    const now = nowSeconds();
    for (const candidate of [this.#secrets.get(secretId), this.#byName.get(name)]) {
      if (candidate === undefined) continue;
      if (candidate.deletionDate !== undefined && candidate.deletionDate <= now) {
        this.remove(candidate);
        continue;
      }
      return candidate;
    }
    return undefined;
  }

  /** Like `find`, but an unknown secret is `ResourceNotFoundException`. */
  get(secretId: string): SecretRecord {
    const secret = this.find(secretId);
    if (!secret) throw awsErrors.secretNotFound();
    return secret;
  }

  /** Like `get`, but a secret pending deletion is refused. */
  getLive(secretId: string): SecretRecord {
    const secret = this.get(secretId);
    if (secret.deletedDate !== undefined) throw awsErrors.markedForDeletion();
    return secret;
  }

  /** Stores a new secret, replacing any with the same ARN. */
  add(secret: SecretRecord): void {
    const replaced = this.#secrets.get(secret.arn);
    if (replaced !== undefined) this.remove(replaced);
    this.#secrets.set(secret.arn, secret);
    this.#byName.set(secret.name, secret);
  }

  /** Forgets a secret. */
  remove(secret: SecretRecord): void {
    if (this.#secrets.get(secret.arn) === secret) this.#secrets.delete(secret.arn);
    if (this.#byName.get(secret.name) === secret) this.#byName.delete(secret.name);
  }

  /** Every secret, in creation order. */
  all(): SecretRecord[] {
    this.#purgeExpired();
    return [...this.#secrets.values()];
  }

  #purgeExpired(): void {
    const now = nowSeconds();
    for (const secret of this.#secrets.values()) {
      if (secret.deletionDate !== undefined && secret.deletionDate <= now) this.remove(secret);
    }
  }
}
