import { createHash } from 'node:crypto';
import {
  checkRuntimeOptions,
  InvalidOptionsError,
  type Logger,
  optionChecks,
  rotationOptionsOf,
  runStep,
  RUNTIME_OPTION_KEYS,
  type RuntimeOptions,
  type RuntimeTargetSource,
  toLogger,
} from '@rotakit/core';
import { endpointFromEnvironment, kmsVpcEndpoint, PROTOCOLS, RefreshableCredential, type AlibabaCredentials } from './client.js';
import { alibabaSchema, FC_STEP_TO_CORE, FC_STEPS, type FcStep } from './conventions.js';
import { InvalidEventError } from './errors.js';
import { KmsSecretStore, resolveKmsRetry, type KmsRetryOptions } from './store.js';

/** The event the workflow sends each invocation, validated. */
export interface FcRotationEvent {
  readonly SecretName: string;
  readonly RegionId: string;
  readonly Step: FcStep;
  /** The rotation's KMS VersionId, when the workflow names it. */
  readonly VersionId?: string;
  /** The workflow execution's name (`$Context.Execution.Name`); the VersionId derives from it. */
  readonly ExecutionName?: string;
  readonly InstanceId?: string;
}

/** The parts of Function Compute's context the handler uses. */
export interface FcContext {
  /** The invocation's request id: the version id when the event carries neither VersionId nor ExecutionName. */
  readonly requestId: string;
  /** The function role's STS credentials. */
  readonly credentials?: { readonly accessKeyId?: string; readonly accessKeySecret?: string; readonly securityToken?: string };
}

/** What the handler returns: the version id the workflow passes to the next step. */
export interface FcRotationResult {
  readonly VersionId: string;
}

/** One invocation, as a target function sees it. */
export interface FcInvocation {
  readonly event: FcRotationEvent;
  /**
   * The VersionId the step runs under: the one the event names or derives (see
   * {@link createFcHandler}), or the VersionId of the rotation in progress that the step resumes.
   */
  readonly versionId: string;
  /** The function role's credentials, refreshed every invocation; share it with the clients you build. */
  readonly credential: RefreshableCredential;
}

/**
 * The database side of {@link createFcHandler}: a target, or a function that picks one from the
 * secret's current credentials and the invocation (e.g. the event's `InstanceId`). The handler
 * binds the function to the invocation and hands it to core, which calls it after its own read of
 * the current value, inside its guard and before anything is written; `end` (finish) needs no
 * target and does not call it.
 */
export type FcTargetSource = RuntimeTargetSource<FcInvocation>;

/**
 * Options of {@link createFcHandler}: core's runtime options (`strategy` required, `schema`
 * default `alibabaSchema`), with a target function that also sees the invocation, and how KMS is
 * reached.
 */
export interface FcHandlerOptions extends RuntimeOptions<FcInvocation> {
  /** A target-mysql target (self-managed MySQL), {@link "@rotakit/provider-alibaba/rds"!rdsAccountApi | rdsAccountApi}'s (from `/rds`), or a function of the invocation that picks one. */
  readonly target: FcTargetSource;
  /**
   * KMS endpoint, a `host[:port]`, or a function of the event's RegionId: default
   * `ALIBABA_CLOUD_KMS_ENDPOINT` (see {@link endpointFromEnvironment}), else the region's VPC
   * endpoint, `kms-vpc.<RegionId>.aliyuncs.com`.
   */
  readonly endpoint?: string | ((regionId: string) => string);
  /**
   * `https` (default); `http` only for a local emulator. Without it, an `ALIBABA_CLOUD_KMS_ENDPOINT`
   * written as a URL picks the protocol by its scheme.
   */
  readonly protocol?: 'https' | 'http';
  /** Retries of throttled or 5xx KMS calls; default `{ attempts: 3, baseDelayMs: 200 }`. */
  readonly retry?: KmsRetryOptions;
  /**
   * An invocation whose VersionId the event does not name (it derives from the execution's name,
   * or from the request id) resumes the rotation in progress, if another version is pending,
   * instead of being refused with RotationInProgress. Default true.
   */
  readonly resumeInProgress?: boolean;
}

/** A Function Compute handler: `(event, context) => Promise<{VersionId}>`. */
export type FcHandler = (event: Buffer | string | object, context: FcContext) => Promise<FcRotationResult>;

const SECRET_NAME = /^(?:acs:kms:[a-z0-9-]+:\d+:secret\/)?[\w/+=.@-]{1,192}$/;
const REGION_ID = /^[a-z]{2,}(?:-[a-z0-9]+)+$/;
const VERSION_ID = /^[\w.-]{1,64}$/;
const EXECUTION_NAME = /^[A-Za-z_][\w-]{0,127}$/;
const INSTANCE_ID = /^[a-z][a-z0-9-]{2,63}$/;

/**
 * The KMS VersionId of an execution's rotation: the execution name itself when KMS takes it (64
 * characters at most), else its first 23 characters and a digest of the whole name — the same for
 * every state and every retry of the execution.
 */
export function versionIdOfExecution(executionName: string): string {
  if (VERSION_ID.test(executionName)) return executionName;
  return `${executionName.slice(0, 23)}-${createHash('sha256').update(executionName).digest('hex').slice(0, 40)}`;
}

/**
 * Parses and validates the workflow's event (a Buffer or a string of JSON, as Function Compute
 * passes it, or an object). Throws {@link InvalidEventError} naming the key at fault.
 */
export function parseFcEvent(input: Buffer | string | object): FcRotationEvent {
  let value: unknown = input;
  if (Buffer.isBuffer(input) || typeof input === 'string') {
    try {
      value = JSON.parse(Buffer.isBuffer(input) ? input.toString('utf8') : input) as unknown;
    } catch {
      throw new InvalidEventError('the event is not JSON', { field: '(event)' });
    }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InvalidEventError('the event is not a JSON object', { field: '(event)' });
  }
  const event = value as Record<string, unknown>;
  const text = (key: string, pattern: RegExp, rule: string, required: boolean): string | undefined => {
    const item = event[key];
    if (item === undefined || item === null || item === '') {
      if (required) throw new InvalidEventError(`${key} is missing from the event`, { field: key });
      return undefined;
    }
    if (typeof item !== 'string' || !pattern.test(item)) {
      throw new InvalidEventError(`${key} must be ${rule}`, { field: key });
    }
    return item;
  };
  const secretName = text('SecretName', SECRET_NAME, 'a KMS secret name or ARN', true) as string;
  const regionId = text('RegionId', REGION_ID, 'a region id such as cn-hangzhou', true) as string;
  const step = event['Step'];
  if (step === undefined || step === null || step === '') {
    throw new InvalidEventError('Step is missing from the event', { field: 'Step' });
  }
  if (typeof step !== 'string' || !(FC_STEPS as readonly string[]).includes(step)) {
    throw new InvalidEventError(`Step must be one of ${FC_STEPS.join(', ')}`, { field: 'Step' });
  }
  const versionId = text('VersionId', VERSION_ID, 'up to 64 letters, digits, dots, dashes or underscores', false);
  const executionName = text(
    'ExecutionName',
    EXECUTION_NAME,
    'a workflow execution name (1 to 128 letters, digits, underscores or hyphens, starting with a letter or an underscore)',
    false,
  );
  const instanceId = text('InstanceId', INSTANCE_ID, 'an RDS instance id such as rm-uf6wjk5xxxxxxx', false);
  return {
    SecretName: secretName,
    RegionId: regionId,
    Step: step as FcStep,
    ...(versionId === undefined ? {} : { VersionId: versionId }),
    ...(executionName === undefined ? {} : { ExecutionName: executionName }),
    ...(instanceId === undefined ? {} : { InstanceId: instanceId }),
  };
}

/** Names the handler by in its option errors. */
const SUBJECT = 'the Function Compute handler';

/** Every option of {@link createFcHandler}: any other key is refused, so a misspelt one is not ignored. */
const HANDLER_OPTIONS = [
  ...RUNTIME_OPTION_KEYS,
  ...Object.keys({ endpoint: true, protocol: true, retry: true, resumeInProgress: true } satisfies Record<
    Exclude<keyof FcHandlerOptions, keyof RuntimeOptions>,
    true
  >),
];

/** Options renamed to the names every provider uses: refused, naming the new one. */
const RENAMED_OPTIONS: Readonly<Record<string, string>> = { kmsEndpoint: 'endpoint', kmsProtocol: 'protocol', kmsRetry: 'retry' };

/**
 * Builds the Function Compute handler of Alibaba's rotation workflow. Each invocation runs one step
 * through core's `runStep` (`new`→create, `set`, `test`, `end`→finish) and returns `{VersionId}`.
 * The VersionId is the event's `VersionId`; else it derives from the event's `ExecutionName`
 * ({@link versionIdOfExecution}: what the flow of `workflowDefinition` (`@rotakit/provider-alibaba/setup`) sends, the same for every
 * state and retry of an execution); else it is the invocation's request id (a flow that carries
 * `new`'s answer to the later steps). Without an explicit `VersionId`, an invocation that finds
 * another version pending resumes that rotation (`resumeInProgress`): every step is idempotent
 * under one VersionId, so the next execution after one that failed for good finishes it instead
 * of being refused. KMS is reached with the FC context's STS credentials at `endpoint`, else
 * `ALIBABA_CLOUD_KMS_ENDPOINT` (read when the handler is built), else the region's VPC endpoint;
 * one KMS client per endpoint lives as long as the container. The options are checked here, before
 * any invocation: a missing `target` or `strategy`, an unknown key and a renamed one
 * (`kmsEndpoint`, `kmsProtocol`, `kmsRetry`) throw `InvalidOptionsError` naming it.
 */
export function createFcHandler(options: FcHandlerOptions): FcHandler {
  checkRuntimeOptions(options);
  const check = optionChecks(SUBJECT);
  for (const [old, now] of Object.entries(RENAMED_OPTIONS)) {
    if (Object.hasOwn(options, old)) throw check.invalid(old, `was renamed to ${now}`);
  }
  check.refuseUnknownKeys(options, HANDLER_OPTIONS);
  const { endpoint, resumeInProgress = true } = options;
  if (endpoint !== undefined && typeof endpoint !== 'function') check.nonEmptyString(endpoint, 'endpoint');
  if (typeof resumeInProgress !== 'boolean') throw check.invalid('resumeInProgress', 'must be true or false');
  const fromEnvironment = endpoint === undefined ? endpointFromEnvironment('ALIBABA_CLOUD_KMS_ENDPOINT') : undefined;
  const protocol = check.oneOf(options.protocol, 'protocol', PROTOCOLS, fromEnvironment?.protocol ?? 'https');
  const retry = resolveKmsRetry(options.retry, SUBJECT);
  const credential = new RefreshableCredential({ accessKeyId: '', accessKeySecret: '' });
  const stores = new Map<string, KmsSecretStore>();
  const storeFor = (regionId: string): KmsSecretStore => {
    const at = typeof endpoint === 'function' ? endpoint(regionId) : (endpoint ?? fromEnvironment?.endpoint ?? kmsVpcEndpoint(regionId));
    let store = stores.get(at);
    if (!store) {
      store = new KmsSecretStore({ endpoint: at, regionId, credentials: credential, protocol, retry });
      stores.set(at, store);
    }
    return store;
  };

  return async (input, context) => {
    const event = parseFcEvent(input);
    const named = event.VersionId ?? (event.ExecutionName === undefined ? context?.requestId : versionIdOfExecution(event.ExecutionName));
    if (typeof named !== 'string' || !VERSION_ID.test(named)) {
      throw new InvalidEventError('VersionId is missing from the event and the context has no usable requestId', {
        field: 'VersionId',
      });
    }
    credential.set(contextCredentials(context));
    const store = storeFor(event.RegionId);
    const versionId =
      event.VersionId === undefined && resumeInProgress ? await inProgress(store, event.SecretName, named, options.logger === undefined ? undefined : toLogger(options.logger)) : named;
    await runStep(FC_STEP_TO_CORE[event.Step], {
      ...rotationOptionsOf(options, { store, schema: alibabaSchema, invocation: { event, versionId, credential } }),
      secretId: event.SecretName,
      token: versionId,
    });
    return { VersionId: versionId };
  };
}

/**
 * The VersionId an invocation runs under: the version pending for another VersionId, when one is
 * (the rotation to resume), else `versionId`. A version on ACSPending that is also current is what
 * a finished rotation left, not a rotation.
 */
async function inProgress(store: KmsSecretStore, secretName: string, versionId: string, logger: Logger | undefined): Promise<string> {
  const { stages } = await store.open(secretName, versionId);
  const pending = stages.pending;
  if (pending === undefined || pending === versionId || pending === stages.current) return versionId;
  logger?.info({ secretId: secretName, versionId: pending }, 'resuming the rotation in progress under its VersionId');
  return pending;
}

function contextCredentials(context: FcContext | undefined): AlibabaCredentials {
  const { accessKeyId, accessKeySecret, securityToken } = context?.credentials ?? {};
  if (!accessKeyId || !accessKeySecret) {
    throw new InvalidOptionsError('the invocation context has no credentials: give the function a RAM role', {
      field: 'context.credentials',
    });
  }
  return { accessKeyId, accessKeySecret, ...(securityToken ? { securityToken } : {}) };
}
