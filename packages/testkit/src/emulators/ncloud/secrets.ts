import { ServiceFailure } from './responses.js';
import { isRecord } from './random.js';

/** A stage of a NAVER secret chain. */
export type NcloudStage = 'previous' | 'active' | 'pending';

/** The stages' values, each a JSON-object string; absent stages are left out. */
export interface NcloudSecretChain {
  previous?: string;
  active: string;
  pending?: string;
}

/** Which KMS key protects a secret, and so which host serves it. */
export type NcloudKmsBoundary = 'GLOBAL' | 'ISOLATED';

/** One secret as the emulator holds it. */
export interface NcloudSecret {
  secretId: string;
  secretName: string;
  memo: string;
  secretType: 'BASIC';
  secretStatus: 'ENABLE' | 'ROTATING';
  chain: NcloudSecretChain;
  rotationTargets: string[];
  autoRotationYN: 'Y' | 'N';
  autoRotationPeriod: number;
  triggerId: string | null;
  protectionKey: { type: 'DEFAULT' | 'USER_MANAGED_KEY'; kmsKeyTag: string | null };
  kmsBoundaryType: NcloudKmsBoundary;
  registerDate: number;
  updateDate: number;
  lastRotationDate: number | null;
  lastRotationResultId: string | null;
}

/** A trigger as a secret's detail shows it. */
export interface NcloudTriggerView {
  id: string;
  name: string;
  url: string | null;
}

const DAY_MS = 24 * 60 * 60 * 1000;
const MAX_VALUE_BYTES = 10_000;
const MAX_VALUE_PAIRS = 100;
const MAX_MEMO_BYTES = 1000;
const DEFAULT_ROTATION_PERIOD_DAYS = 90;

function invalid(details: string): ServiceFailure {
  return new ServiceFailure('INVALID_REQUEST', details);
}

/** Parses a secret value: a JSON-object string of at most 10,000 bytes with 1–100 pairs. */
export function parseSecretValue(value: unknown, field: string): Record<string, unknown> {
  if (typeof value !== 'string') throw invalid(`${field} must be a JSON-object string.`);
  if (Buffer.byteLength(value, 'utf8') > MAX_VALUE_BYTES) throw invalid(`${field} must be at most ${MAX_VALUE_BYTES} bytes.`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    throw invalid(`${field} must be a JSON-object string.`);
  }
  if (!isRecord(parsed)) throw invalid(`${field} must be a JSON-object string.`);
  const pairs = Object.keys(parsed).length;
  if (pairs < 1 || pairs > MAX_VALUE_PAIRS) throw invalid(`${field} must hold 1 to ${MAX_VALUE_PAIRS} key/value pairs.`);
  return parsed;
}

/** Checks rotation targets: at least one, no repeats, each a key of the value. */
export function parseRotationTargets(targets: unknown, value: Record<string, unknown>): string[] {
  if (!Array.isArray(targets) || targets.length === 0 || !targets.every((t) => typeof t === 'string')) {
    throw invalid('rotationTargets must list at least one key of the secret value.');
  }
  const keys = targets as string[];
  if (new Set(keys).size !== keys.length) throw invalid('rotationTargets must not repeat a key.');
  const missing = keys.find((key) => !Object.hasOwn(value, key));
  if (missing !== undefined) throw invalid(`rotationTargets names "${missing}", which is not a key of the secret value.`);
  return [...keys];
}

/** What Create Secret needs from the rest of the emulator. */
export interface CreateContext {
  secretId: string;
  now: number;
  /** The boundary of the host the request came to. */
  defaultBoundary: NcloudKmsBoundary;
  triggerExists(triggerId: string): boolean;
  nameTaken(secretName: string): boolean;
}

/**
 * Validates a Create Secret body field by field (as NAVER's API reference lists the fields) and returns the new secret.
 * Inferred where the reference is silent: `autoRotationPeriod` is required with `Y` and
 * otherwise defaults to 90; `kmsBoundaryType` defaults to the boundary of the host called, so
 * a secret created without it is served where it was created; `triggerId` must name a registered trigger (400);
 * a name already in use is a rule violation (422).
 */
export function createSecret(body: unknown, context: CreateContext): NcloudSecret {
  if (!isRecord(body)) throw invalid('The request body must be a JSON object.');
  const { secretName, memo = '', secretValue, secretType = 'BASIC', autoRotationYN = 'N' } = body;
  if (typeof secretName !== 'string' || !/^[A-Za-z][A-Za-z0-9_-]{2,14}$/.test(secretName)) {
    throw invalid('secretName must be 3 to 15 letters, digits, "-" or "_", starting with a letter.');
  }
  if (typeof memo !== 'string' || Buffer.byteLength(memo, 'utf8') > MAX_MEMO_BYTES) {
    throw invalid(`memo must be a string of at most ${MAX_MEMO_BYTES} bytes.`);
  }
  if (!isRecord(secretValue)) throw invalid('secretValue must be an object with value and rotationTargets.');
  const value = parseSecretValue(secretValue.value, 'secretValue.value');
  const rotationTargets = parseRotationTargets(secretValue.rotationTargets, value);
  if (secretType !== 'BASIC') throw invalid('secretType must be BASIC.');
  if (autoRotationYN !== 'Y' && autoRotationYN !== 'N') throw invalid('autoRotationYN must be Y or N.');
  const autoRotationPeriod = body.autoRotationPeriod ?? (autoRotationYN === 'Y' ? undefined : DEFAULT_ROTATION_PERIOD_DAYS);
  if (typeof autoRotationPeriod !== 'number' || !Number.isInteger(autoRotationPeriod) || autoRotationPeriod < 1 || autoRotationPeriod > 730) {
    throw invalid('autoRotationPeriod must be a whole number of days from 1 to 730 (required when autoRotationYN is Y).');
  }
  const triggerId = body.triggerId ?? null;
  if (triggerId === null && autoRotationYN === 'Y') throw invalid('triggerId is required when autoRotationYN is Y.');
  if (triggerId !== null && (typeof triggerId !== 'string' || !context.triggerExists(triggerId))) {
    throw invalid('triggerId does not name a trigger.');
  }
  const { protectionKeyType = 'DEFAULT', kmsKeyTag = null, kmsBoundaryType = context.defaultBoundary } = body;
  if (protectionKeyType !== 'DEFAULT' && protectionKeyType !== 'USER_MANAGED_KEY') {
    throw invalid('protectionKeyType must be DEFAULT or USER_MANAGED_KEY.');
  }
  if (protectionKeyType === 'USER_MANAGED_KEY' && (typeof kmsKeyTag !== 'string' || kmsKeyTag === '')) {
    throw invalid('kmsKeyTag is required when protectionKeyType is USER_MANAGED_KEY.');
  }
  if (kmsBoundaryType !== 'GLOBAL' && kmsBoundaryType !== 'ISOLATED') throw invalid('kmsBoundaryType must be GLOBAL or ISOLATED.');
  if (context.nameTaken(secretName)) throw new ServiceFailure('UNPROCESSABLE_ENTITY', 'A secret with this name already exists.');
  return {
    secretId: context.secretId,
    secretName,
    memo,
    secretType: 'BASIC',
    secretStatus: 'ENABLE',
    chain: { active: secretValue.value as string },
    rotationTargets,
    autoRotationYN,
    autoRotationPeriod,
    triggerId: triggerId as string | null,
    protectionKey: { type: protectionKeyType, kmsKeyTag: protectionKeyType === 'USER_MANAGED_KEY' ? (kmsKeyTag as string) : null },
    kmsBoundaryType,
    registerDate: context.now,
    updateDate: context.now,
    lastRotationDate: null,
    lastRotationResultId: null,
  };
}

/** A secret's detail as `GET /api/v1/secrets/{id}` answers it. */
export function secretDetail(secret: NcloudSecret, trigger: NcloudTriggerView | null, rotating: boolean): Record<string, unknown> {
  return {
    secretId: secret.secretId,
    secretName: secret.secretName,
    secretStatus: secret.secretStatus,
    secretType: secret.secretType,
    memo: secret.memo,
    region: 'KR',
    expectedDestroyDate: null,
    updateDate: secret.updateDate,
    registerDate: secret.registerDate,
    autoRotationYN: secret.autoRotationYN,
    autoRotationPeriod: secret.autoRotationPeriod,
    nextRotationDate: secret.autoRotationYN === 'Y' ? (secret.lastRotationDate ?? secret.registerDate) + secret.autoRotationPeriod * DAY_MS : null,
    // Only "NONE" is documented; "IN_PROGRESS" while a job is open is our guess.
    rotationPhase: rotating ? 'IN_PROGRESS' : 'NONE',
    lastRotationDate: secret.lastRotationDate,
    lastRotationResultId: secret.lastRotationResultId,
    trigger,
    protectionKey: { type: secret.protectionKey.type, kmsKeyTag: secret.protectionKey.kmsKeyTag, kmsKeyName: null },
  };
}
