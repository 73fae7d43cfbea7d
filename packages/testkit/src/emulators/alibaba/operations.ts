import { kmsError, missingParameter } from './errors.js';
import { randomPassword } from './password.js';
import {
  SECRET_TYPES,
  type KmsSecrets,
  type ManagedRotation,
  type SecretDataType,
  type SecretTag,
  type SecretType,
  type StoredSecret,
  kmsTime,
} from './secrets.js';

/** The KMS actions the emulator answers. */
export const KMS_ACTIONS = [
  'CreateSecret',
  'GetSecretValue',
  'PutSecretValue',
  'UpdateSecretVersionStage',
  'GetRandomPassword',
  'DescribeSecret',
  'ListSecretVersionIds',
  'ListSecrets',
  'DeleteSecret',
] as const;

/** One of {@link KMS_ACTIONS}. */
export type KmsAction = (typeof KMS_ACTIONS)[number];

/** A success body, without its RequestId. */
type ResponseBody = Record<string, unknown>;

// Limits from KMS's API reference.
const SECRET_NAME = /^[\w/+=.@-]{1,192}$/;
const MAX_SECRET_DATA_BYTES = 30_720;
const MAX_VERSION_ID_LENGTH = 64;
const MAX_STAGE_LENGTH = 64;
const MAX_EXTENDED_CONFIG_LENGTH = 1024;

/** The request parameters, all strings as the wire carries them. */
class Params {
  readonly #values: Readonly<Record<string, string>>;

  constructor(values: Readonly<Record<string, string>>) {
    this.#values = values;
  }

  optional(name: string): string | undefined {
    const value = this.#values[name];
    return value === undefined || value === '' ? undefined : value;
  }

  required(name: string): string {
    const value = this.optional(name);
    if (value === undefined) throw missingParameter(name);
    return value;
  }

  /** `"true"` or `"false"`; anything else is an InvalidParameter. */
  boolean(name: string, fallback: boolean): boolean {
    const value = this.optional(name);
    if (value === undefined) return fallback;
    if (value !== 'true' && value !== 'false') throw kmsError('InvalidParameter');
    return value === 'true';
  }

  integer(name: string, fallback: number, min: number, max: number): number {
    const value = this.optional(name);
    if (value === undefined) return fallback;
    const n = Number(value);
    if (!/^\d+$/.test(value) || n < min || n > max) throw kmsError('InvalidParameter');
    return n;
  }

  json(name: string): unknown {
    const value = this.optional(name);
    if (value === undefined) return undefined;
    try {
      return JSON.parse(value) as unknown;
    } catch {
      throw kmsError('InvalidParameter');
    }
  }
}

/** Runs one action against `secrets` and returns its success body (RequestId added by the caller). */
export function runAction(
  action: KmsAction,
  values: Readonly<Record<string, string>>,
  secrets: KmsSecrets,
): ResponseBody {
  const params = new Params(values);
  switch (action) {
    case 'CreateSecret':
      return createSecret(params, secrets);
    case 'GetSecretValue':
      return getSecretValue(params, secrets);
    case 'PutSecretValue':
      return putSecretValue(params, secrets);
    case 'UpdateSecretVersionStage':
      return updateSecretVersionStage(params, secrets);
    case 'GetRandomPassword':
      return getRandomPassword(params);
    case 'DescribeSecret':
      return describeSecret(params, secrets);
    case 'ListSecretVersionIds':
      return listSecretVersionIds(params, secrets);
    case 'ListSecrets':
      return listSecrets(params, secrets);
    case 'DeleteSecret':
      return deleteSecret(params, secrets);
  }
}

function createSecret(params: Params, secrets: KmsSecrets): ResponseBody {
  const name = params.required('SecretName');
  const versionId = versionIdParam(params.required('VersionId'));
  const data = secretData(params.required('SecretData'));
  if (!SECRET_NAME.test(name) || name.startsWith('acs/')) throw kmsError('InvalidParameter');
  const type = (params.optional('SecretType') ?? 'Generic') as SecretType;
  if (!SECRET_TYPES.includes(type)) throw kmsError('InvalidParameter');
  const extendedConfigText = params.optional('ExtendedConfig');
  const extendedConfig = params.json('ExtendedConfig');
  if (
    extendedConfig !== undefined &&
    (type === 'Generic' || !isRecord(extendedConfig) || (extendedConfigText ?? '').length > MAX_EXTENDED_CONFIG_LENGTH)
  ) {
    throw kmsError('InvalidParameter');
  }
  const secret = secrets.create({
    name,
    type,
    firstVersion: { versionId, data: type === 'Rds' ? rdsAccountValue(data) : data, dataType: dataTypeParam(params) },
    description: params.optional('Description'),
    encryptionKeyId: params.optional('EncryptionKeyId'),
    tags: tagsParam(params),
    extendedConfig: extendedConfig === undefined ? undefined : JSON.stringify(extendedConfig),
    rotation: type === 'Generic' ? undefined : rotationParams(params),
  });
  return { Arn: secrets.arn(secret), VersionId: versionId, SecretName: name, SecretType: type };
}

function getSecretValue(params: Params, secrets: KmsSecrets): ResponseBody {
  const secret = secrets.findActive(params.required('SecretName'));
  const version = secrets.read(secret, {
    versionId: params.optional('VersionId'),
    stage: params.optional('VersionStage'),
  });
  return {
    SecretName: secret.name,
    SecretType: secret.type,
    VersionId: version.versionId,
    CreateTime: version.createTime,
    SecretData: version.data,
    SecretDataType: version.dataType,
    VersionStages: { VersionStage: secrets.stagesOf(secret, version.versionId) },
    ...managedFields(secret, params.boolean('FetchExtendedConfig', false)),
  };
}

function putSecretValue(params: Params, secrets: KmsSecrets): ResponseBody {
  const secret = secrets.findActive(params.required('SecretName'));
  const version = secrets.put(secret, {
    versionId: versionIdParam(params.required('VersionId')),
    data: secretData(params.required('SecretData')),
    dataType: dataTypeParam(params),
    stages: stagesParam(params),
  });
  return {
    SecretName: secret.name,
    VersionId: version.versionId,
    VersionStages: { VersionStage: secrets.stagesOf(secret, version.versionId) },
  };
}

function updateSecretVersionStage(params: Params, secrets: KmsSecrets): ResponseBody {
  const secret = secrets.findActive(params.required('SecretName'));
  secrets.updateStage(secret, {
    stage: stageName(params.required('VersionStage')),
    moveTo: params.optional('MoveToVersion'),
    removeFrom: params.optional('RemoveFromVersion'),
  });
  return { SecretName: secret.name };
}

function getRandomPassword(params: Params): ResponseBody {
  const password = randomPassword({
    length: params.integer('PasswordLength', 32, 8, 128),
    excludeCharacters: params.optional('ExcludeCharacters') ?? '',
    exclude: {
      lowercase: params.boolean('ExcludeLowercase', false),
      uppercase: params.boolean('ExcludeUppercase', false),
      numbers: params.boolean('ExcludeNumbers', false),
      punctuation: params.boolean('ExcludePunctuation', false),
    },
    // The API documents false as the default: a password need not hold every class.
    requireEachIncludedType: params.boolean('RequireEachIncludedType', false),
  });
  return { RandomPassword: password };
}

function describeSecret(params: Params, secrets: KmsSecrets): ResponseBody {
  const secret = secrets.find(params.required('SecretName'));
  const fetchTags = params.boolean('FetchTags', false);
  return {
    Arn: secrets.arn(secret),
    SecretName: secret.name,
    SecretType: secret.type,
    CreateTime: secret.createTime,
    UpdateTime: secret.updateTime,
    ...defined({
      Description: secret.description,
      EncryptionKeyId: secret.encryptionKeyId,
      PlannedDeleteTime: secret.plannedDeleteTime,
    }),
    ...(fetchTags ? { Tags: { Tag: secret.tags.map((tag) => ({ TagKey: tag.key, TagValue: tag.value })) } } : {}),
    ...managedFields(secret, true),
  };
}

const LIST_FILTER_KEYS = ['SecretName', 'Description', 'TagKey', 'TagValue'];

/**
 * ListSecrets: every secret in creation order, pages of `PageSize` (1–100, default 10) from
 * `PageNumber` 1 with `TotalCount`; `Tags` only with `FetchTags=true`. `Filters` is JSON text,
 * up to 10 `{Key, Values}` (Key SecretName, Description, TagKey, TagValue), keys ANDed, values
 * ORed. How the service matches a value is not documented: the emulator takes SecretName and
 * Description as substrings, TagKey and TagValue exactly [unverified].
 */
function listSecrets(params: Params, secrets: KmsSecrets): ResponseBody {
  const pageNumber = params.integer('PageNumber', 1, 1, Number.MAX_SAFE_INTEGER);
  const pageSize = params.integer('PageSize', 10, 1, 100);
  const fetchTags = params.boolean('FetchTags', false);
  const filters = params.json('Filters') ?? [];
  if (!Array.isArray(filters) || filters.length > 10) throw kmsError('InvalidParameter');
  const conditions = filters.map((filter: unknown) => {
    if (!isRecord(filter) || typeof filter['Key'] !== 'string' || !LIST_FILTER_KEYS.includes(filter['Key'])) throw kmsError('InvalidParameter');
    const values = filter['Values'];
    if (!Array.isArray(values) || values.length > 10 || values.some((value) => typeof value !== 'string')) throw kmsError('InvalidParameter');
    return { key: filter['Key'], values: values as string[] };
  });
  const matches = (secret: StoredSecret, key: string, value: string): boolean =>
    key === 'SecretName'
      ? secret.name.includes(value)
      : key === 'Description'
        ? (secret.description ?? '').includes(value)
        : secret.tags.some((tag) => (key === 'TagKey' ? tag.key : tag.value) === value);
  const listed = secrets.all().filter((secret) => conditions.every(({ key, values }) => values.some((value) => matches(secret, key, value))));
  const page = listed.slice((pageNumber - 1) * pageSize, pageNumber * pageSize);
  return {
    PageNumber: pageNumber,
    PageSize: pageSize,
    TotalCount: listed.length,
    SecretList: {
      Secret: page.map((secret) => ({
        SecretName: secret.name,
        SecretType: secret.type,
        CreateTime: secret.createTime,
        UpdateTime: secret.updateTime,
        ...defined({ PlannedDeleteTime: secret.plannedDeleteTime }),
        ...(fetchTags ? { Tags: { Tag: secret.tags.map((tag) => ({ TagKey: tag.key, TagValue: tag.value })) } } : {}),
      })),
    },
  };
}

function listSecretVersionIds(params: Params, secrets: KmsSecrets): ResponseBody {
  const secret = secrets.findActive(params.required('SecretName'));
  const includeDeprecated = params.boolean('IncludeDeprecated', false);
  const pageNumber = params.integer('PageNumber', 1, 1, Number.MAX_SAFE_INTEGER);
  const pageSize = params.integer('PageSize', 10, 1, 100);
  // A version no label marks is "deprecated" and listed only on request.
  const versions = [...secret.versions.values()]
    .map((version) => ({ version, stages: secrets.stagesOf(secret, version.versionId) }))
    .filter(({ stages }) => includeDeprecated || stages.length > 0);
  const page = versions.slice((pageNumber - 1) * pageSize, pageNumber * pageSize);
  return {
    SecretName: secret.name,
    PageNumber: pageNumber,
    PageSize: pageSize,
    TotalCount: versions.length,
    VersionIds: {
      VersionId: page.map(({ version, stages }) => ({
        VersionId: version.versionId,
        CreateTime: version.createTime,
        VersionStages: { VersionStage: stages },
      })),
    },
  };
}

function deleteSecret(params: Params, secrets: KmsSecrets): ResponseBody {
  const secret = secrets.find(params.required('SecretName'));
  const plannedDeleteTime = secrets.delete(secret, {
    force: params.boolean('ForceDeleteWithoutRecovery', false),
    // The documented default; the documents give no bounds, so any positive day count is taken.
    recoveryWindowInDays: params.integer('RecoveryWindowInDays', 30, 1, 36_500),
  });
  return { SecretName: secret.name, PlannedDeleteTime: plannedDeleteTime };
}

/** Rotation fields of a managed secret (ExtendedConfig only when asked for). */
function managedFields(secret: StoredSecret, withExtendedConfig: boolean): ResponseBody {
  if (secret.type === 'Generic' || !secret.rotation) return {};
  return defined({
    AutomaticRotation: secret.rotation.automaticRotation,
    RotationInterval: secret.rotation.rotationInterval,
    LastRotationDate: secret.rotation.lastRotationDate,
    NextRotationDate: secret.rotation.nextRotationDate,
    ExtendedConfig: withExtendedConfig ? secret.extendedConfig : undefined,
  });
}

function rotationParams(params: Params): ManagedRotation {
  const enabled = params.boolean('EnableAutomaticRotation', false);
  const interval = params.optional('RotationInterval');
  if (!enabled) return { automaticRotation: 'Disabled' };
  const seconds = interval === undefined ? undefined : intervalSeconds(interval);
  // Rotation intervals run from 6 hours to 365 days.
  if (seconds === undefined || seconds < 6 * 3600 || seconds > 365 * 86_400) throw kmsError('InvalidParameter');
  return {
    automaticRotation: 'Enabled',
    rotationInterval: `${seconds}s`,
    nextRotationDate: kmsTime(new Date(Date.now() + seconds * 1000)),
  };
}

function intervalSeconds(text: string): number | undefined {
  const match = /^(\d+)([dhms])$/.exec(text);
  if (!match) return undefined;
  const unit = { d: 86_400, h: 3600, m: 60, s: 1 }[match[2] as 'd' | 'h' | 'm' | 's'];
  return Number(match[1]) * unit;
}

/**
 * A managed Rds secret is created with `{"Accounts": [{"AccountName", "AccountPassword"}, …]}`
 * and read back as one account's `{"AccountName", "AccountPassword"}`; the emulator serves the
 * first account as ACSCurrent (which account a DoubleUsers secret starts on is not documented).
 */
function rdsAccountValue(data: string): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(data);
  } catch {
    throw kmsError('InvalidParameter');
  }
  const accounts = isRecord(parsed) ? parsed['Accounts'] : undefined;
  const first: unknown = Array.isArray(accounts) ? accounts[0] : undefined;
  const valid =
    Array.isArray(accounts) &&
    accounts.every(
      (account: unknown) =>
        isRecord(account) && typeof account['AccountName'] === 'string' && typeof account['AccountPassword'] === 'string',
    );
  if (!valid || !isRecord(first)) throw kmsError('InvalidParameter');
  return JSON.stringify({ AccountName: first['AccountName'], AccountPassword: first['AccountPassword'] });
}

function versionIdParam(versionId: string): string {
  if (versionId.length > MAX_VERSION_ID_LENGTH) throw kmsError('InvalidParameter');
  return versionId;
}

function secretData(data: string): string {
  if (Buffer.byteLength(data) > MAX_SECRET_DATA_BYTES) throw kmsError('InvalidParameter');
  return data;
}

function dataTypeParam(params: Params): SecretDataType {
  const value = params.optional('SecretDataType') ?? 'text';
  if (value !== 'text' && value !== 'binary') throw kmsError('InvalidParameter');
  return value;
}

function stageName(stage: string): string {
  if (stage.length > MAX_STAGE_LENGTH) throw kmsError('InvalidParameter');
  return stage;
}

/** VersionStages as JSON text: `["ACSPending"]`, or the older `{"VersionStage": [...]}`. */
function stagesParam(params: Params): string[] | undefined {
  const value = params.json('VersionStages');
  if (value === undefined) return undefined;
  const list = isRecord(value) ? value['VersionStage'] : value;
  if (!Array.isArray(list) || !list.every((stage) => typeof stage === 'string' && stage !== '')) {
    throw kmsError('InvalidParameter');
  }
  return list.map(stageName);
}

/** Tags as JSON text: `[{"TagKey": "k", "TagValue": "v"}]`. */
function tagsParam(params: Params): SecretTag[] {
  const value = params.json('Tags') ?? [];
  if (!Array.isArray(value)) throw kmsError('InvalidParameter');
  return value.map((tag: unknown) => {
    if (!isRecord(tag) || typeof tag['TagKey'] !== 'string' || typeof tag['TagValue'] !== 'string') {
      throw kmsError('InvalidParameter');
    }
    return { key: tag['TagKey'], value: tag['TagValue'] };
  });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The entries whose value is defined. */
function defined(fields: Record<string, unknown>): ResponseBody {
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined));
}
