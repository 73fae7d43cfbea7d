import { awsErrors } from './errors.js';
import { checkLength, type RequestInput } from './input.js';
import {
  AWSCURRENT,
  AWSPENDING,
  attachStages,
  hasValue,
  holderOf,
  nowSeconds,
  pruneDeprecated,
  rateHours,
  sameValue,
  scheduleNextRotation,
  SECONDS_PER_DAY,
  sortedStages,
  todaySeconds,
  type RotationRules,
  type SecretRecord,
  type SecretTable,
  type SecretVersion,
} from './model.js';
import { randomPassword } from './password.js';
import type { AwsRotationSettings, RotationDriver, RotationFunctions } from './rotation.js';

type Json = Record<string, unknown>;

const NAME_PATTERN = /^[A-Za-z0-9/_+=.@-]{1,512}$/;
const MAX_VALUE_BYTES = 65_536;
const DEFAULT_KMS_KEY_ID = 'DefaultEncryptionKey';

/** The operations the emulator answers, by X-Amz-Target operation name. */
export const OPERATIONS = [
  'CreateSecret',
  'DescribeSecret',
  'GetSecretValue',
  'PutSecretValue',
  'UpdateSecretVersionStage',
  'ListSecretVersionIds',
  'ListSecrets',
  'GetRandomPassword',
  'RotateSecret',
  'CancelRotateSecret',
  'DeleteSecret',
  'RestoreSecret',
  'TagResource',
] as const;

/** One implemented operation name. */
export type Operation = (typeof OPERATIONS)[number];

/** The Secrets Manager API over the emulator's state: one method per operation. */
export class SecretsManagerService {
  readonly #table: SecretTable;
  readonly #functions: RotationFunctions;
  readonly #driver: RotationDriver;
  readonly #settings: AwsRotationSettings;

  constructor(table: SecretTable, functions: RotationFunctions, driver: RotationDriver, settings: AwsRotationSettings) {
    this.#table = table;
    this.#functions = functions;
    this.#driver = driver;
    this.#settings = settings;
  }

  /** Answers one operation; errors are thrown as AwsServiceError. */
  async call(operation: Operation, input: RequestInput): Promise<Json> {
    switch (operation) {
      case 'CreateSecret':
        return this.#createSecret(input);
      case 'DescribeSecret':
        return describeSecret(this.#table.readView(this.#table.get(secretIdOf(input))));
      case 'GetSecretValue':
        return this.#getSecretValue(input);
      case 'PutSecretValue':
        return this.#putSecretValue(input);
      case 'UpdateSecretVersionStage':
        return this.#updateSecretVersionStage(input);
      case 'ListSecretVersionIds':
        return this.#listSecretVersionIds(input);
      case 'ListSecrets':
        return this.#listSecrets(input);
      case 'GetRandomPassword':
        return { RandomPassword: randomPassword(readPasswordOptions(input)) };
      case 'RotateSecret':
        return this.#rotateSecret(input);
      case 'CancelRotateSecret':
        return this.#cancelRotateSecret(input);
      case 'DeleteSecret':
        return this.#deleteSecret(input);
      case 'RestoreSecret':
        return this.#restoreSecret(input);
      case 'TagResource':
        return this.#tagResource(input);
    }
  }

  #createSecret(input: RequestInput): Json {
    const token = requireToken(input, 'InvalidRequestException');
    const name = input.string('Name');
    if (!NAME_PATTERN.test(name)) throw awsErrors.invalidName();
    const value = readValue(input);
    const description = input.optionalString('Description');
    const kmsKeyId = input.optionalString('KmsKeyId');
    const tags = readTags(input);
    const existing = this.#table.find(name);
    if (existing) {
      if (existing.deletedDate !== undefined) throw awsErrors.nameScheduledForDeletion();
      const version = existing.versions.get(token);
      const retried = version
        ? sameValue(version, value.secretString, value.secretBinary)
        : existing.creationToken === token && value.secretString === undefined && value.secretBinary === undefined;
      if (!retried) throw awsErrors.secretExists(name);
      return { ARN: existing.arn, Name: existing.name, ...(version ? { VersionId: token } : {}) };
    }
    const now = nowSeconds();
    const secret: SecretRecord = {
      arn: this.#table.newArn(name),
      name,
      tags: new Map(tags),
      creationToken: token,
      createdDate: now,
      lastChangedDate: now,
      versions: new Map(),
      ...(description !== undefined ? { description } : {}),
      ...(kmsKeyId !== undefined ? { kmsKeyId } : {}),
    };
    const withValue = value.secretString !== undefined || value.secretBinary !== undefined;
    if (withValue) {
      secret.versions.set(token, { versionId: token, ...value, stages: new Set([AWSCURRENT]), createdDate: now });
    }
    this.#table.add(secret);
    return { ARN: secret.arn, Name: name, ...(withValue ? { VersionId: token } : {}) };
  }

  #getSecretValue(input: RequestInput): Json {
    const stored = this.#table.getLive(secretIdOf(input));
    const secret = this.#table.readView(stored);
    const versionId = input.optionalString('VersionId');
    const stage = input.optionalString('VersionStage');
    let version: SecretVersion | undefined;
    if (versionId !== undefined) {
      version = secret.versions.get(versionId);
      if (!version) throw awsErrors.versionNotFound(versionId);
      if (stage !== undefined && !version.stages.has(stage)) throw awsErrors.stageDisagreesWithVersion();
    } else {
      version = holderOf(secret, stage ?? AWSCURRENT);
      if (!version) throw awsErrors.stageNotFound(stage ?? AWSCURRENT);
    }
    // A value-less placeholder is not found. AWS's text is [unverified]: like moto, name the
    // label when one was asked for (or implied), else the version id.
    if (!hasValue(version)) {
      throw versionId !== undefined && stage === undefined
        ? awsErrors.versionNotFound(versionId)
        : awsErrors.stageNotFound(stage ?? AWSCURRENT);
    }
    const today = todaySeconds();
    stored.lastAccessedDate = today;
    version.lastAccessedDate = today;
    const storedVersion = stored.versions.get(version.versionId);
    if (storedVersion) storedVersion.lastAccessedDate = today;
    return {
      ARN: secret.arn,
      Name: secret.name,
      VersionId: version.versionId,
      ...(version.secretString !== undefined ? { SecretString: version.secretString } : {}),
      ...(version.secretBinary !== undefined ? { SecretBinary: version.secretBinary } : {}),
      VersionStages: sortedStages(version),
      CreatedDate: version.createdDate,
    };
  }

  #putSecretValue(input: RequestInput): Json {
    const token = requireToken(input, 'InvalidRequestException');
    const secret = this.#table.getLive(secretIdOf(input));
    refuseManaged(secret);
    const value = readValue(input);
    if (value.secretString === undefined && value.secretBinary === undefined) throw awsErrors.valueRequired();
    const stages = readStages(input);
    // RotationToken is accepted and not checked: the emulator has no assumed roles.
    input.optionalString('RotationToken');
    const existing = secret.versions.get(token);
    if (existing && hasValue(existing)) {
      if (!sameValue(existing, value.secretString, value.secretBinary)) throw awsErrors.tokenInUse(token, secret.arn);
      return { ARN: secret.arn, Name: secret.name, VersionId: token, VersionStages: sortedStages(existing) };
    }
    // A token naming RotateSecret's value-less placeholder fills that version.
    const now = nowSeconds();
    const version: SecretVersion = existing ?? { versionId: token, stages: new Set(), createdDate: now };
    const labels = stages ?? [AWSCURRENT];
    this.#table.beforeWrite(secret);
    attachStages(secret, version, labels);
    Object.assign(version, value);
    secret.versions.set(token, version);
    secret.lastChangedDate = now;
    // A manual change of AWSCURRENT counts as a rotation for the next-date calculation.
    if (labels.includes(AWSCURRENT)) scheduleNextRotation(secret, now);
    return { ARN: secret.arn, Name: secret.name, VersionId: token, VersionStages: sortedStages(version) };
  }

  #updateSecretVersionStage(input: RequestInput): Json {
    const secret = this.#table.getLive(secretIdOf(input));
    refuseManaged(secret);
    const stage = input.string('VersionStage');
    checkLength('VersionStage', stage, 1, 256);
    const versionOf = (member: string): SecretVersion | undefined => {
      const id = input.optionalString(member);
      if (id === undefined) return undefined;
      const version = secret.versions.get(id);
      if (!version) throw awsErrors.notAValidVersion(id);
      return version;
    };
    const target = versionOf('MoveToVersionId');
    const source = versionOf('RemoveFromVersionId');
    if (source && !source.stages.has(stage)) throw awsErrors.stageNotOnVersion(stage, source.versionId);
    const holder = holderOf(secret, stage);
    if (target && holder && holder !== target && holder !== source) {
      throw awsErrors.removeFromRequired(stage, holder.versionId);
    }
    this.#table.beforeWrite(secret);
    if (target) {
      attachStages(secret, target, [stage]);
    } else if (source) {
      source.stages.delete(stage);
      pruneDeprecated(secret);
    }
    secret.lastChangedDate = nowSeconds();
    return { ARN: secret.arn, Name: secret.name };
  }

  /**
   * ListSecrets: secrets in creation order, `Filters` ANDed across keys and ORed within one key's
   * values, each a case-sensitive prefix match (`description` not case-sensitive), a value
   * starting with `!` negating; pages of `MaxResults` (1–100; AWS's default page is the
   * emulator's 100) with an opaque `NextToken`. Secrets pending deletion only with
   * `IncludePlannedDeletion`. The `all` key is not emulated.
   */
  #listSecrets(input: RequestInput): Json {
    const maxResults = input.optionalInteger('MaxResults') ?? 100;
    if (maxResults < 1 || maxResults > 100) {
      throw awsErrors.constraint('maxResults', 'Member must have value between 1 and 100', maxResults);
    }
    const offset = decodeNextToken(input.optionalString('NextToken'));
    const includeDeleted = input.optionalBoolean('IncludePlannedDeletion') ?? false;
    const filters = (input.optionalObjectList('Filters') ?? []).map((filter) => {
      const key = filter.string('Key');
      if (!LIST_FILTER_KEYS.includes(key)) {
        throw awsErrors.constraint('filters.1.member.key', `Member must satisfy enum value set: [${LIST_FILTER_KEYS.join(', ')}, all]`, key);
      }
      const values = filter.optionalStringList('Values') ?? [];
      if (values.length < 1 || values.length > 10) throw awsErrors.constraint('filters.1.member.values', 'Member must have length between 1 and 10');
      return { key, values };
    });
    const listed = this.#table
      .all()
      .filter((secret) => includeDeleted || secret.deletedDate === undefined)
      .filter((secret) => filters.every(({ key, values }) => values.some((value) => filterMatches(secret, key, value))));
    const page = listed.slice(offset, offset + maxResults).map((secret) => listEntry(this.#table.readView(secret)));
    const next = offset + maxResults < listed.length ? Buffer.from(String(offset + maxResults)).toString('base64') : undefined;
    return { SecretList: page, ...(next === undefined ? {} : { NextToken: next }) };
  }

  #listSecretVersionIds(input: RequestInput): Json {
    const secret = this.#table.readView(this.#table.get(secretIdOf(input)));
    const maxResults = input.optionalInteger('MaxResults');
    if (maxResults !== undefined && (maxResults < 1 || maxResults > 100)) {
      throw awsErrors.constraint('maxResults', 'Member must have value between 1 and 100', maxResults);
    }
    const offset = decodeNextToken(input.optionalString('NextToken'));
    const includeDeprecated = input.optionalBoolean('IncludeDeprecated') ?? false;
    const listed = [...secret.versions.values()].filter((version) => includeDeprecated || version.stages.size > 0);
    const end = maxResults === undefined ? listed.length : offset + maxResults;
    const page = listed.slice(offset, end).map((version) => ({
      VersionId: version.versionId,
      // Deprecated versions are listed without a VersionStages key, as AWS does.
      ...(version.stages.size > 0 ? { VersionStages: sortedStages(version) } : {}),
      ...(version.lastAccessedDate !== undefined ? { LastAccessedDate: version.lastAccessedDate } : {}),
      CreatedDate: version.createdDate,
      KmsKeyIds: [secret.kmsKeyId ?? DEFAULT_KMS_KEY_ID],
    }));
    return {
      ARN: secret.arn,
      Name: secret.name,
      Versions: page,
      ...(end < listed.length ? { NextToken: Buffer.from(String(end)).toString('base64') } : {}),
    };
  }

  async #rotateSecret(input: RequestInput): Promise<Json> {
    const token = requireToken(input, 'InvalidParameterException');
    const lambdaArn = input.optionalString('RotationLambdaARN');
    const rules = readRotationRules(input);
    const rotateImmediately = input.optionalBoolean('RotateImmediately') ?? true;
    const secret = this.#table.getLive(secretIdOf(input));
    const functionArn = lambdaArn ?? secret.rotationLambdaArn;
    // A secret another service owns (RDS) is rotated by that service and needs no function.
    const managed = functionArn === undefined && secret.owningService !== undefined;
    if (functionArn === undefined && !managed) throw awsErrors.noRotationFunction();
    if (functionArn !== undefined && !this.#functions.mayInvoke(functionArn)) throw awsErrors.cannotInvoke();
    // AWSPENDING left on a version that is not AWSCURRENT is an unfinished rotation: only a
    // RotateSecret with that rotation's token, once its attempts have ended, re-attempts it.
    const pending = holderOf(secret, AWSPENDING);
    const unfinished = pending && !pending.stages.has(AWSCURRENT) ? pending : undefined;
    const reattempt = unfinished?.versionId === token && rotateImmediately && !this.#driver.isRunning(secret.arn);
    if (unfinished && !reattempt) throw awsErrors.previousRotationIncomplete();
    if (!reattempt && secret.versions.has(token)) throw awsErrors.tokenInUse(token, secret.arn);

    const now = nowSeconds();
    if (lambdaArn !== undefined) secret.rotationLambdaArn = lambdaArn;
    if (rules !== undefined) secret.rotationRules = rules;
    // Enabled whenever a schedule is stored; RotateSecret without any schedule rotates once
    // and leaves rotation disabled [unverified].
    secret.rotationEnabled =
      secret.rotationRules?.AutomaticallyAfterDays !== undefined || secret.rotationRules?.ScheduleExpression !== undefined;
    scheduleNextRotation(secret, secret.lastRotatedDate ?? now);
    secret.lastChangedDate = now;
    if (managed && !rotateImmediately) return { ARN: secret.arn, Name: secret.name };

    // The placeholder exists before the first step: value-less and labelled AWSPENDING, or
    // for RotateImmediately=false a temporary copy of AWSCURRENT that only testSecret sees.
    // That temporary version is named by the request's token [unverified: AWS was seen using
    // a new id, which the token is].
    // A re-attempt runs the steps again on the version the unfinished rotation left.
    if (!reattempt) {
      const current = holderOf(secret, AWSCURRENT);
      const placeholder: SecretVersion = { versionId: token, stages: new Set(), createdDate: now };
      if (!rotateImmediately && current) {
        if (current.secretString !== undefined) placeholder.secretString = current.secretString;
        if (current.secretBinary !== undefined) placeholder.secretBinary = current.secretBinary;
      }
      this.#table.beforeWrite(secret);
      attachStages(secret, placeholder, [AWSPENDING]);
      secret.versions.set(token, placeholder);
    }
    const done = this.#driver.start({
      secret,
      token,
      kind: managed ? 'managed' : rotateImmediately ? 'rotation' : 'test-only',
      ...(functionArn !== undefined ? { lambdaArn: functionArn } : {}),
    });
    if (this.#settings.driving === 'before-response') await done;
    return { ARN: secret.arn, Name: secret.name, VersionId: token };
  }

  #cancelRotateSecret(input: RequestInput): Json {
    const secret = this.#table.getLive(secretIdOf(input));
    if (secret.rotationLambdaArn === undefined && secret.owningService === undefined) {
      throw awsErrors.cancelWithoutFunction();
    }
    secret.rotationEnabled = false;
    secret.lastChangedDate = nowSeconds();
    scheduleNextRotation(secret, secret.lastChangedDate);
    this.#driver.cancel(secret.arn);
    // Labels stay as they are; the answer names the rotation's version so the caller can clean up.
    const pending = holderOf(secret, AWSPENDING);
    const rotating = pending && !pending.stages.has(AWSCURRENT) ? pending : undefined;
    return { ARN: secret.arn, Name: secret.name, ...(rotating ? { VersionId: rotating.versionId } : {}) };
  }

  #deleteSecret(input: RequestInput): Json {
    const window = input.optionalInteger('RecoveryWindowInDays');
    const force = input.optionalBoolean('ForceDeleteWithoutRecovery') ?? false;
    if (force && window !== undefined) throw awsErrors.forceWithWindow();
    if (window !== undefined && (window < 7 || window > 30)) throw awsErrors.recoveryWindow();
    const secret = this.#table.get(secretIdOf(input));
    refuseManaged(secret);
    const now = nowSeconds();
    if (force) {
      this.#table.remove(secret);
      return { ARN: secret.arn, Name: secret.name, DeletionDate: now };
    }
    if (secret.deletedDate !== undefined) throw awsErrors.markedForDeletion();
    secret.deletedDate = now;
    secret.deletionDate = now + (window ?? 30) * SECONDS_PER_DAY;
    return { ARN: secret.arn, Name: secret.name, DeletionDate: secret.deletionDate };
  }

  #restoreSecret(input: RequestInput): Json {
    const secret = this.#table.get(secretIdOf(input));
    delete secret.deletedDate;
    delete secret.deletionDate;
    secret.lastChangedDate = nowSeconds();
    return { ARN: secret.arn, Name: secret.name };
  }

  #tagResource(input: RequestInput): Json {
    const tags = readTags(input);
    if (tags.length === 0) throw awsErrors.constraint('tags', 'Member must not be null', 'null');
    const secret = this.#table.getLive(secretIdOf(input));
    for (const [key, value] of tags) secret.tags.set(key, value);
    secret.lastChangedDate = nowSeconds();
    return {};
  }
}

const LIST_FILTER_KEYS = ['description', 'name', 'tag-key', 'tag-value', 'primary-region', 'owning-service'];

/** Whether one Filters value matches a secret (a leading `!` negates). */
function filterMatches(secret: SecretRecord, key: string, value: string): boolean {
  const negated = value.startsWith('!');
  const prefix = negated ? value.slice(1) : value;
  const candidates =
    key === 'name'
      ? [secret.name]
      : key === 'description'
        ? [(secret.description ?? '').toLowerCase()]
        : key === 'tag-key'
          ? [...secret.tags.keys()]
          : key === 'tag-value'
            ? [...secret.tags.values()]
            : key === 'owning-service'
              ? secret.owningService === undefined ? [] : [secret.owningService]
              : [];
  const wanted = key === 'description' ? prefix.toLowerCase() : prefix;
  const found = candidates.some((candidate) => candidate.startsWith(wanted));
  return negated ? !found : found;
}

/** One SecretList entry: DescribeSecret's members, with the stages as `SecretVersionsToStages`. */
function listEntry(secret: SecretRecord): Json {
  const { VersionIdsToStages, ...described } = describeSecret(secret);
  return { ...described, ...(VersionIdsToStages === undefined ? {} : { SecretVersionsToStages: VersionIdsToStages }) };
}

/** DescribeSecret's answer: only populated members, label-less versions left out. */
export function describeSecret(secret: SecretRecord): Json {
  const stages = Object.fromEntries(
    [...secret.versions.values()]
      .filter((version) => version.stages.size > 0)
      .map((version) => [version.versionId, sortedStages(version)]),
  );
  const optional: Json = {
    Description: secret.description,
    KmsKeyId: secret.kmsKeyId,
    RotationEnabled: secret.rotationEnabled,
    RotationLambdaARN: secret.rotationLambdaArn,
    RotationRules: secret.rotationRules,
    LastRotatedDate: secret.lastRotatedDate,
    LastChangedDate: secret.lastChangedDate,
    LastAccessedDate: secret.lastAccessedDate,
    DeletedDate: secret.deletedDate,
    NextRotationDate: secret.nextRotationDate,
    Tags: secret.tags.size > 0 ? [...secret.tags].map(([Key, Value]) => ({ Key, Value })) : undefined,
    VersionIdsToStages: Object.keys(stages).length > 0 ? stages : undefined,
    OwningService: secret.owningService,
    CreatedDate: secret.createdDate,
  };
  return {
    ARN: secret.arn,
    Name: secret.name,
    ...Object.fromEntries(Object.entries(optional).filter(([, value]) => value !== undefined)),
  };
}

function secretIdOf(input: RequestInput): string {
  const secretId = input.string('SecretId');
  checkLength('SecretId', secretId, 1, 2048);
  return secretId;
}

/** ClientRequestToken: required, 32–64 characters; which code a missing one gets depends on the operation. */
function requireToken(input: RequestInput, missingCode: 'InvalidRequestException' | 'InvalidParameterException'): string {
  const token = input.optionalString('ClientRequestToken');
  if (token === undefined) throw awsErrors.tokenRequired(missingCode);
  checkLength('ClientRequestToken', token, 32, 64);
  return token;
}

function refuseManaged(secret: SecretRecord): void {
  if (secret.owningService !== undefined) throw awsErrors.managedByService(secret.owningService);
}

/** SecretString or SecretBinary (base64), at most one, each at most 64 KiB. */
function readValue(input: RequestInput): { secretString?: string; secretBinary?: string } {
  const secretString = input.optionalString('SecretString');
  const secretBinary = input.optionalString('SecretBinary');
  if (secretString !== undefined && secretBinary !== undefined) throw awsErrors.bothValues();
  // 65,536 bytes per current docs (10,240 in the 2018 model) [unverified which applies].
  if (secretString !== undefined) {
    checkLength('SecretString', secretString, 1, MAX_VALUE_BYTES, { sensitive: true });
    return { secretString };
  }
  if (secretBinary !== undefined) {
    const bytes = Buffer.from(secretBinary, 'base64');
    if (bytes.length > MAX_VALUE_BYTES) {
      throw awsErrors.constraint('secretBinary', `Member must have length less than or equal to ${MAX_VALUE_BYTES}`);
    }
    return { secretBinary: bytes.toString('base64') };
  }
  return {};
}

/** VersionStages: 1–20 labels of 1–256 characters. */
function readStages(input: RequestInput): string[] | undefined {
  const stages = input.optionalStringList('VersionStages');
  if (stages === undefined) return undefined;
  if (stages.length < 1 || stages.length > 20) {
    throw awsErrors.constraint('versionStages', 'Member must have length between 1 and 20');
  }
  for (const stage of stages) checkLength('VersionStages.member', stage, 1, 256);
  return stages;
}

function readTags(input: RequestInput): [string, string][] {
  return (input.optionalObjectList('Tags') ?? []).map((tag) => {
    const key = tag.string('Key');
    const value = tag.optionalString('Value') ?? '';
    checkLength('Tags.member.Key', key, 1, 128);
    checkLength('Tags.member.Value', value, 0, 256);
    return [key, value];
  });
}

/**
 * RotationRules: AutomaticallyAfterDays (1–1000) or ScheduleExpression (`rate(…)` at least
 * every 4 hours, or `cron(…)` with minutes 0 and year `*`), not both; optional Duration (`Nh`).
 * The texts for malformed schedules are the emulator's own [unverified].
 */
function readRotationRules(input: RequestInput): RotationRules | undefined {
  const rules = input.optionalObject('RotationRules');
  if (!rules) return undefined;
  const days = rules.optionalInteger('AutomaticallyAfterDays');
  const expression = rules.optionalString('ScheduleExpression');
  const duration = rules.optionalString('Duration');
  if (days !== undefined && expression !== undefined) throw awsErrors.bothSchedules();
  if (days !== undefined && (days < 1 || days > 1000)) {
    throw awsErrors.invalidSchedule('RotationRules.AutomaticallyAfterDays must be within 1-1000.');
  }
  if (expression !== undefined) checkScheduleExpression(expression);
  if (duration !== undefined && !/^([1-9]|1\d|2[0-4])h$/.test(duration)) {
    throw awsErrors.invalidSchedule(`The Duration ${duration} is not valid: use 1h to 24h.`);
  }
  return {
    ...(days !== undefined ? { AutomaticallyAfterDays: days } : {}),
    ...(expression !== undefined ? { ScheduleExpression: expression } : {}),
    ...(duration !== undefined ? { Duration: duration } : {}),
  };
}

function checkScheduleExpression(expression: string): void {
  const hours = rateHours(expression);
  if (hours !== undefined && hours >= 4 && hours <= 1000 * 24) return;
  const cron = /^cron\((.+)\)$/.exec(expression)?.[1]?.split(' ');
  if (cron?.length === 6 && cron[0] === '0' && cron[5] === '*') return;
  throw awsErrors.invalidSchedule(`The schedule expression ${expression} is not valid.`);
}

function readPasswordOptions(input: RequestInput): Parameters<typeof randomPassword>[0] {
  const options: Parameters<typeof randomPassword>[0] = {};
  const length = input.optionalInteger('PasswordLength');
  const exclude = input.optionalString('ExcludeCharacters');
  if (length !== undefined) options.PasswordLength = length;
  if (exclude !== undefined) options.ExcludeCharacters = exclude;
  for (const flag of [
    'ExcludeNumbers',
    'ExcludePunctuation',
    'ExcludeUppercase',
    'ExcludeLowercase',
    'IncludeSpace',
    'RequireEachIncludedType',
  ] as const) {
    const value = input.optionalBoolean(flag);
    if (value !== undefined) options[flag] = value;
  }
  return options;
}

function decodeNextToken(token: string | undefined): number {
  if (token === undefined) return 0;
  const offset = Number(Buffer.from(token, 'base64').toString('utf8'));
  if (!Number.isInteger(offset) || offset < 0) throw awsErrors.invalidNextToken();
  return offset;
}
