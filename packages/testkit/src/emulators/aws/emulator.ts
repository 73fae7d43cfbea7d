import { randomUUID } from 'node:crypto';
import { optionChecks } from '@rotakit/core';
import { stageValuesOf, type StageValues } from '../../assertions/rotation.js';
import type { EmulatorProtocol, EmulatorRequest, EmulatorResponse } from '../http.js';
import { AwsEmulatorBase, checkEmulatorOptions, type AwsEmulatorIdentity } from './base.js';
import { AwsServiceError, awsErrors } from './errors.js';
import { RequestInput } from './input.js';
import {
  AWSCURRENT,
  nowSeconds,
  scheduleNextRotation,
  SECONDS_PER_DAY,
  SecretTable,
  type RotationRules,
  type SecretRecord,
} from './model.js';
import {
  RotationDriver,
  RotationFunctions,
  type AwsRotationSettings,
  type RotationFunctionOptions,
  type RotationFunctionSource,
  type RotationFunctionState,
  type RotationHandler,
  type RotationRecord,
} from './rotation.js';
import { describeSecret, OPERATIONS, SecretsManagerService, type Operation } from './service.js';
import { jsonSignatureErrorCode, type SignatureFailure } from './sigv4.js';

/** A point in time for seeding: a Date, epoch seconds, or an ISO-8601 string. */
export type SeedTime = Date | number | string;

/** One version to seed. */
export interface SeedVersionInput {
  /** Defaults to a random UUID. */
  versionId?: string;
  secretString?: string;
  /** Raw bytes, or base64 text (the form JSON seeding uses). */
  secretBinary?: Uint8Array | string;
  /** Labels; each may sit on one version only. Omit (or leave empty) for a deprecated version. */
  stages?: string[];
  createdDate?: SeedTime;
}

/** A secret to seed directly into the emulator's state, bypassing API validation. */
export interface SeedSecretInput {
  name: string;
  description?: string;
  kmsKeyId?: string;
  tags?: Record<string, string>;
  versions?: SeedVersionInput[];
  rotation?: { lambdaArn?: string; rules?: RotationRules; enabled?: boolean; lastRotatedDate?: SeedTime };
  /** Marks the secret as owned by another service (e.g. `rds`). */
  owningService?: string;
  createdDate?: SeedTime;
  /** Seeds the secret as pending deletion since this time (30-day window). */
  deletedDate?: SeedTime;
}

/** An RDS-managed master secret (`ManageMasterUserPassword`) to seed. */
export interface SeedRdsManagedSecretInput {
  /** `cluster` names the secret `rds!cluster-…`, `instance` names it `rds!db-…`. */
  kind: 'cluster' | 'instance';
  /** ARN of the DB cluster or instance that owns the secret. */
  dbArn: string;
  username: string;
  password: string;
}

/** What POST /_rotakit/seed accepts: secrets, managed secrets, HTTP rotation functions, settings. */
export interface AwsSeedDocument {
  secrets?: SeedSecretInput[];
  rdsManagedSecrets?: SeedRdsManagedSecretInput[];
  /** Lambda-style HTTP rotation functions, with the options of `registerRotationFunction`. */
  rotationFunctions?: ({ arn: string; url: string } & RotationFunctionOptions)[];
  rotation?: Partial<AwsRotationSettings>;
}

/** A seeded secret's identity. */
export interface SeededSecret {
  arn: string;
  name: string;
}

/** One version of a secret in {@link AwsEmulatorState}, its value included. Dates are epoch seconds. */
export interface AwsSecretVersionState {
  VersionId: string;
  SecretString?: string;
  /** Base64. */
  SecretBinary?: string;
  /** Sorted; empty for a deprecated version. */
  VersionStages: string[];
  CreatedDate: number;
  LastAccessedDate?: number;
}

/**
 * One secret in {@link AwsEmulatorState}: the members DescribeSecret answers with (those the secret
 * has), the purge date of a secret pending deletion, and every version. Dates are epoch seconds.
 */
export interface AwsSecretState {
  ARN: string;
  Name: string;
  Description?: string;
  KmsKeyId?: string;
  RotationEnabled?: boolean;
  RotationLambdaARN?: string;
  RotationRules?: RotationRules;
  LastRotatedDate?: number;
  LastChangedDate?: number;
  LastAccessedDate?: number;
  DeletedDate?: number;
  NextRotationDate?: number;
  Tags?: { Key: string; Value: string }[];
  VersionIdsToStages?: Record<string, string[]>;
  OwningService?: string;
  CreatedDate?: number;
  /** When a secret pending deletion is purged. */
  DeletionDate?: number;
  Versions: AwsSecretVersionState[];
}

/** The emulator's whole state, for assertions: secrets as DescribeSecret shows them plus every version. */
export interface AwsEmulatorState {
  region: string;
  accountId: string;
  secrets: AwsSecretState[];
  rotationFunctions: RotationFunctionState[];
  rotations: RotationRecord[];
  rotationSettings: AwsRotationSettings;
}

/** Options of `startAwsSecretsManagerEmulator`. */
export interface AwsSecretsManagerEmulatorOptions extends AwsEmulatorIdentity {
  /** Port to listen on; 0 (default) picks a free one. */
  port?: number;
  /** Address to listen on; default 127.0.0.1. */
  host?: string;
  /** How rotations are driven (see AwsRotationSettings). */
  rotation?: Partial<AwsRotationSettings>;
  /**
   * Read-after-write lag, off by default: after a write that changes a secret's versions or
   * labels (PutSecretValue, UpdateSecretVersionStage, RotateSecret's placeholder, the rotation's
   * own clean-up), its next `staleReads` stage reads (GetSecretValue, DescribeSecret,
   * ListSecretVersionIds) still see the versions as they were before it, as clients of the
   * eventually consistent service sometimes do. `{}` means one stale read.
   */
  eventualConsistency?: { staleReads: number };
}

const TARGET_PREFIX = 'secretsmanager.';
const JSON_HEADERS = { 'content-type': 'application/x-amz-json-1.1' };

/** `eventualConsistency`: `{ staleReads }`, an integer from 0 (no lag) to 1000; absent is no lag. */
function readStaleReads(value: unknown): number {
  const check = optionChecks('the AWS Secrets Manager emulator');
  const consistency = check.record(value, 'eventualConsistency');
  check.refuseUnknownKeys(consistency, ['staleReads'], 'eventualConsistency.');
  if (value === undefined) return 0;
  return check.integerIn(consistency['staleReads'], 'eventualConsistency.staleReads', { min: 0, max: 1000, fallback: 1 });
}

function toSeconds(time: SeedTime | undefined, fallback: number): number {
  if (time === undefined) return fallback;
  if (typeof time === 'number') return time;
  return new Date(time).getTime() / 1000;
}

function awsResponse(status: number, body: unknown): EmulatorResponse {
  return { status, headers: { ...JSON_HEADERS, 'x-amzn-requestid': randomUUID() }, body: JSON.stringify(body) };
}

function errorResponse(error: AwsServiceError): EmulatorResponse {
  return awsResponse(error.status, { __type: error.code, Message: error.message });
}

/** A refused signature, answered by the front door: HTTP 400, the message member in lower case. */
function signatureErrorResponse(failure: SignatureFailure): EmulatorResponse {
  return awsResponse(400, { __type: jsonSignatureErrorCode(failure.kind), message: failure.message });
}

/**
 * A local AWS Secrets Manager speaking the JSON 1.1 protocol to the unmodified SDK, with a
 * rotation driver that invokes registered functions as the service does.
 */
export class AwsSecretsManagerEmulator extends AwsEmulatorBase {
  readonly #table: SecretTable;
  readonly #functions: RotationFunctions;
  readonly #driver: RotationDriver;
  readonly #settings: AwsRotationSettings;
  readonly #service: SecretsManagerService;

  /** Use `startAwsSecretsManagerEmulator`; the constructor does not listen. */
  constructor(options: Omit<AwsSecretsManagerEmulatorOptions, 'port' | 'host'> = {}) {
    checkEmulatorOptions(options, 'the AWS Secrets Manager emulator', ['rotation', 'eventualConsistency']);
    super(options, { service: 'secretsmanager', wording: 'json' });
    this.#functions = new RotationFunctions({ credentials: this.signingCredentials, region: this.region });
    this.#settings = { driving: 'background', retries: 0, keepPendingLabel: false, ...options.rotation };
    this.#table = new SecretTable(this.region, this.accountId, readStaleReads(options.eventualConsistency));
    this.#driver = new RotationDriver(this.#table, this.#functions, this.#settings);
    this.#service = new SecretsManagerService(this.#table, this.#functions, this.#driver, this.#settings);
  }

  /** A Lambda function ARN in this emulator's region and account. */
  functionArn(name: string): string {
    return `arn:aws:lambda:${this.region}:${this.accountId}:function:${name}`;
  }

  /**
   * Registers the rotation function behind `arn`: an in-process handler, or the URL of a
   * Lambda-style endpoint (POST the event; non-2xx or an X-Amz-Function-Error header is a
   * function error). An invocation still running at `options.timeoutMs` (default 3 s, Lambda's
   * default) is a function error, as Lambda reports a timeout.
   */
  registerRotationFunction(arn: string, handlerOrUrl: RotationHandler | string, options?: RotationFunctionOptions): void {
    this.#functions.register(arn, handlerOrUrl, options);
  }

  /**
   * Finds rotation functions not registered here in a Lambda emulator, which then also decides
   * (by its functions' resource policies) whether RotateSecret may invoke them.
   */
  useLambda(lambda: RotationFunctionSource): void {
    this.#functions.connect(lambda);
  }

  /** Changes how rotations are driven from now on. */
  configureRotation(settings: Partial<AwsRotationSettings>): void {
    Object.assign(this.#settings, settings);
  }

  /** Waits for the secret's latest rotation to end; undefined if it never rotated. */
  rotationSettled(secretId: string): Promise<RotationRecord | undefined> {
    const secret = this.#table.find(secretId);
    return secret ? this.#driver.settled(secret.arn) : Promise.resolve(undefined);
  }

  /**
   * Starts a rotation as the service's scheduler does when NextRotationDate comes: the
   * stored function and rules, and a fresh token, upper-case like those seen in real events.
   * Refused (thrown) like RotateSecret would be. Returns the token.
   */
  async startScheduledRotation(secretId: string): Promise<string> {
    const secret = this.#table.get(secretId);
    if (!secret.rotationEnabled) throw new Error(`rotation is not enabled for ${secret.name}`);
    const token = randomUUID().toUpperCase();
    await this.#service.call('RotateSecret', new RequestInput(JSON.stringify({ SecretId: secret.arn, ClientRequestToken: token })));
    return token;
  }

  /** Seeds a secret with versions and labels as given. */
  seedSecret(input: SeedSecretInput): SeededSecret {
    if (this.#table.find(input.name)) throw new Error(`a secret named ${input.name} already exists`);
    const now = nowSeconds();
    const created = toSeconds(input.createdDate, now);
    const secret: SecretRecord = {
      arn: this.#table.newArn(input.name),
      name: input.name,
      tags: new Map(Object.entries(input.tags ?? {})),
      createdDate: created,
      lastChangedDate: created,
      versions: new Map(),
    };
    if (input.description !== undefined) secret.description = input.description;
    if (input.kmsKeyId !== undefined) secret.kmsKeyId = input.kmsKeyId;
    if (input.owningService !== undefined) secret.owningService = input.owningService;
    if (input.deletedDate !== undefined) {
      secret.deletedDate = toSeconds(input.deletedDate, now);
      secret.deletionDate = secret.deletedDate + 30 * SECONDS_PER_DAY;
    }
    const labelled = new Set<string>();
    for (const version of input.versions ?? []) {
      const versionId = version.versionId ?? randomUUID();
      for (const stage of version.stages ?? []) {
        if (labelled.has(stage)) throw new Error(`label ${stage} is given to more than one version of ${input.name}`);
        labelled.add(stage);
      }
      secret.versions.set(versionId, {
        versionId,
        stages: new Set(version.stages ?? []),
        createdDate: toSeconds(version.createdDate, created),
        ...(version.secretString !== undefined ? { secretString: version.secretString } : {}),
        ...(version.secretBinary !== undefined
          ? {
              secretBinary:
                typeof version.secretBinary === 'string'
                  ? version.secretBinary
                  : Buffer.from(version.secretBinary).toString('base64'),
            }
          : {}),
      });
    }
    const rotation = input.rotation;
    if (rotation) {
      if (rotation.lambdaArn !== undefined) secret.rotationLambdaArn = rotation.lambdaArn;
      if (rotation.rules !== undefined) secret.rotationRules = rotation.rules;
      secret.rotationEnabled = rotation.enabled ?? true;
      if (rotation.lastRotatedDate !== undefined) secret.lastRotatedDate = toSeconds(rotation.lastRotatedDate, now);
      scheduleNextRotation(secret, secret.lastRotatedDate ?? created);
    }
    this.#table.add(secret);
    return { arn: secret.arn, name: secret.name };
  }

  /**
   * Seeds an RDS-managed master secret as RDS creates it: owned by `rds`, named
   * `rds!cluster-<uuid>` or `rds!db-<uuid>`, tagged with the DB's ARN, value
   * `{username, password}` only, rotated by RDS every seven days.
   */
  seedRdsManagedSecret(input: SeedRdsManagedSecretInput): SeededSecret {
    const cluster = input.kind === 'cluster';
    return this.seedSecret({
      name: `${cluster ? 'rds!cluster-' : 'rds!db-'}${randomUUID()}`,
      // The instance wording mirrors the recorded cluster one [unverified].
      description: `The secret associated with the primary RDS DB ${cluster ? 'cluster' : 'instance'}: ${input.dbArn}`,
      tags: { [cluster ? 'aws:rds:primaryDBClusterArn' : 'aws:rds:primaryDBInstanceArn']: input.dbArn },
      owningService: 'rds',
      versions: [
        { secretString: JSON.stringify({ username: input.username, password: input.password }), stages: [AWSCURRENT] },
      ],
      // "Rotating it every seven days by default"; stored as AutomaticallyAfterDays [unverified].
      rotation: { rules: { AutomaticallyAfterDays: 7 }, enabled: true, lastRotatedDate: new Date() },
    });
  }

  /** Applies a seed document (the admin route's body). */
  seed(document: AwsSeedDocument): void {
    for (const secret of document.secrets ?? []) this.seedSecret(secret);
    for (const managed of document.rdsManagedSecrets ?? []) this.seedRdsManagedSecret(managed);
    for (const { arn, url, ...options } of document.rotationFunctions ?? []) {
      this.registerRotationFunction(arn, url, options);
    }
    if (document.rotation) this.configureRotation(document.rotation);
  }

  /** The full state: every secret with every version (values included), functions and rotations. */
  state(): AwsEmulatorState {
    return {
      region: this.region,
      accountId: this.accountId,
      secrets: this.#table.all().map((secret) => ({
        ...(describeSecret(secret) as Omit<AwsSecretState, 'Versions'>),
        ARN: secret.arn,
        Name: secret.name,
        ...(secret.deletionDate !== undefined ? { DeletionDate: secret.deletionDate } : {}),
        Versions: [...secret.versions.values()].map((version) => ({
          VersionId: version.versionId,
          ...(version.secretString !== undefined ? { SecretString: version.secretString } : {}),
          ...(version.secretBinary !== undefined ? { SecretBinary: version.secretBinary } : {}),
          VersionStages: [...version.stages].sort(),
          CreatedDate: version.createdDate,
          ...(version.lastAccessedDate !== undefined ? { LastAccessedDate: version.lastAccessedDate } : {}),
        })),
      })),
      rotationFunctions: this.#functions.snapshot(),
      rotations: this.#driver.history(),
      rotationSettings: { ...this.#settings },
    };
  }

  /**
   * The values of a secret's AWSCURRENT, AWSPENDING and AWSPREVIOUS versions (by name or ARN), for
   * `checkRotation`; AWSPENDING only where it sits on a version other than AWSCURRENT. Throws for an
   * unknown secret.
   */
  stageValues(secretId: string): StageValues {
    const secret = this.#table.find(secretId);
    if (!secret) throw new Error(`the emulator holds no secret ${secretId}`);
    const versions = [...secret.versions.values()];
    const holding = (stage: string) => versions.find((version) => version.stages.has(stage));
    const current = holding('AWSCURRENT');
    const pending = holding('AWSPENDING');
    return stageValuesOf({
      current: current?.secretString,
      pending: pending === undefined || pending === current ? undefined : (pending.secretString ?? null),
      previous: holding('AWSPREVIOUS')?.secretString,
    });
  }

  protected protocol(): EmulatorProtocol {
    const service = this.#service;
    return {
      operationOf: (request: EmulatorRequest) => {
        const target = request.headers['x-amz-target'];
        return typeof target === 'string' && target.startsWith(TARGET_PREFIX)
          ? target.slice(TARGET_PREFIX.length)
          : undefined;
      },
      handle: async (request: EmulatorRequest, operation: string | undefined) => {
        const refused = await this.authenticate(request);
        if (refused) return signatureErrorResponse(refused);
        try {
          if (request.method !== 'POST' || !operation || !(OPERATIONS as readonly string[]).includes(operation)) {
            throw awsErrors.unknownOperation(operation ?? String(request.headers['x-amz-target'] ?? '(none)'));
          }
          return awsResponse(200, await service.call(operation as Operation, new RequestInput(request.body)));
        } catch (error) {
          if (error instanceof AwsServiceError) return errorResponse(error);
          throw error;
        }
      },
      throttleResponse: () => errorResponse(new AwsServiceError('ThrottlingException', 'Rate exceeded')),
      errorResponse: () =>
        errorResponse(new AwsServiceError('InternalServiceError', 'An error occurred on the server side.', 500)),
      snapshot: () => this.state(),
      seed: (input: unknown) => this.seed(input as AwsSeedDocument),
    };
  }
}

/** Starts an AWS Secrets Manager emulator; give its `url` to the SDK as `endpoint`. */
export async function startAwsSecretsManagerEmulator(
  options: AwsSecretsManagerEmulatorOptions = {},
): Promise<AwsSecretsManagerEmulator> {
  const { port, host, ...rest } = options;
  const emulator = new AwsSecretsManagerEmulator(rest);
  await emulator.listen(port, host);
  return emulator;
}
