import { createHash } from 'node:crypto';
import {
  alternatingUsers,
  InvalidOptionsError,
  runStep,
  type CredentialSchema,
  type Logger,
  type PasswordOptions,
  type RotationEventListener,
  type Strategy,
  type Target,
} from '@rotakit/core';
import { alibabaSchema, FC_STEP_TO_CORE, FC_STEPS, type FcStep } from './conventions.js';
import { KmsSecretStore, type KmsRetryOptions } from './store.js';
import { RefreshableCredential, type AlibabaCredentials } from './client.js';
import { InvalidEventError } from './errors.js';

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

/** One invocation, as a target factory sees it. */
export interface FcInvocation {
  readonly event: FcRotationEvent;
  /**
   * The VersionId the event names or derives (see {@link createFcHandler}); a step that resumes a
   * rotation in progress runs under that rotation's VersionId instead.
   */
  readonly versionId: string;
  /** The function role's credentials, refreshed every invocation; share it with the clients you build. */
  readonly credential: RefreshableCredential;
}

/** A target, or a factory that picks one per invocation (e.g. from the event's InstanceId). */
export type FcTargetSource = Target | ((invocation: FcInvocation) => Target);

/** Options of {@link createFcHandler}. */
export interface FcHandlerOptions {
  /** The database side: a target-mysql target (self-managed MySQL) or {@link rdsAccountApi}'s. */
  readonly target: FcTargetSource;
  /** Default: alternating users with Alibaba's `_rt` suffix. */
  readonly strategy?: Strategy | ((invocation: FcInvocation, target: Target) => Strategy);
  /** Default: core's `alibabaSchema` (`AccountName, AccountPassword, Endpoint, Port, DBName, SSL, MasterSecret`). */
  readonly schema?: CredentialSchema;
  readonly password?: PasswordOptions;
  readonly logger?: Logger;
  readonly onEvent?: RotationEventListener;
  /**
   * KMS endpoint, a `host[:port]`: default `ALIBABA_CLOUD_KMS_ENDPOINT` (see
   * {@link endpointFromEnvironment}), else the region's VPC endpoint, `kms-vpc.<RegionId>.aliyuncs.com`.
   */
  readonly kmsEndpoint?: string | ((regionId: string) => string);
  /**
   * `https` (default); `http` only for a local emulator. Without it, an `ALIBABA_CLOUD_KMS_ENDPOINT`
   * written as a URL picks the protocol by its scheme.
   */
  readonly kmsProtocol?: 'https' | 'http';
  readonly kmsRetry?: KmsRetryOptions;
  /**
   * An invocation whose VersionId the event does not name (it derives from the execution's name,
   * or from the request id) resumes the rotation in progress, if another version is pending,
   * instead of being refused with RotationInProgress. Default true.
   */
  readonly resumeInProgress?: boolean;
}

/** A Function Compute handler: `(event, context) => Promise<{VersionId}>`. */
export type FcHandler = (event: Buffer | string | object, context: FcContext) => Promise<FcRotationResult>;

/** The KMS VPC endpoint of a region, where Alibaba's rotation functions reach KMS from. */
export function kmsVpcEndpoint(regionId: string): string {
  return `kms-vpc.${regionId}.aliyuncs.com`;
}

/** An endpoint read from the environment: a `host[:port]`, and the protocol when the value was a URL. */
export interface EnvironmentEndpoint {
  readonly endpoint: string;
  readonly protocol?: 'https' | 'http';
}

const HOST = String.raw`(?:[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?`;
const HOST_VALUE = new RegExp(`^${HOST}$`);
const URL_VALUE = new RegExp(`^(https?)://(${HOST})/?$`);

/**
 * The endpoint the environment variable `name` gives: a `host[:port]` (the protocol is left to the
 * options), or an `http://` or `https://` URL without a path, whose scheme sets the protocol (a
 * plain-HTTP emulator). Unset or empty: undefined. Anything else throws InvalidOptionsError naming
 * the variable, so a deployment with a typo fails when the handler is built, before any call.
 */
export function endpointFromEnvironment(
  name: string,
  environment: Readonly<Record<string, string | undefined>> = process.env,
): EnvironmentEndpoint | undefined {
  const value = environment[name];
  if (value === undefined || value === '') return undefined;
  if (HOST_VALUE.test(value)) return { endpoint: value };
  const url = URL_VALUE.exec(value);
  if (url?.[1] === undefined || url[2] === undefined) {
    throw new InvalidOptionsError(`${name} must be a host[:port] or an http:// or https:// URL without a path`, { field: name });
  }
  return { endpoint: url[2], protocol: url[1] as 'https' | 'http' };
}

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

/**
 * Builds the Function Compute handler of Alibaba's rotation workflow. Each invocation runs one step
 * through core's `runStep` (`new`→create, `set`, `test`, `end`→finish) and returns `{VersionId}`.
 * The VersionId is the event's `VersionId`; else it derives from the event's `ExecutionName`
 * ({@link versionIdOfExecution}: what the flow of `workflowDefinition` (`@rotakit/provider-alibaba/setup`) sends, the same for every
 * state and retry of an execution); else it is the invocation's request id (a flow that carries
 * `new`'s answer to the later steps). Without an explicit `VersionId`, an invocation that finds
 * another version pending resumes that rotation (`resumeInProgress`): every step is idempotent
 * under one VersionId, so the next execution after one that failed for good finishes it instead
 * of being refused. KMS is reached with the FC context's STS credentials at `kmsEndpoint`, else
 * `ALIBABA_CLOUD_KMS_ENDPOINT` (read when the handler is built), else the region's VPC endpoint;
 * one KMS client per endpoint lives as long as the container.
 */
export function createFcHandler(options: FcHandlerOptions): FcHandler {
  if (!options || options.target === undefined || options.target === null) {
    throw new InvalidOptionsError('the target option is required', { field: 'target' });
  }
  const fromEnvironment = options.kmsEndpoint === undefined ? endpointFromEnvironment('ALIBABA_CLOUD_KMS_ENDPOINT') : undefined;
  const protocol = options.kmsProtocol ?? fromEnvironment?.protocol ?? 'https';
  const credential = new RefreshableCredential({ accessKeyId: '', accessKeySecret: '' });
  const stores = new Map<string, KmsSecretStore>();
  const storeFor = (regionId: string): KmsSecretStore => {
    const endpoint =
      typeof options.kmsEndpoint === 'function'
        ? options.kmsEndpoint(regionId)
        : (options.kmsEndpoint ?? fromEnvironment?.endpoint ?? kmsVpcEndpoint(regionId));
    let store = stores.get(endpoint);
    if (!store) {
      store = new KmsSecretStore({
        endpoint,
        regionId,
        credentials: credential,
        protocol,
        ...(options.kmsRetry === undefined ? {} : { retry: options.kmsRetry }),
      });
      stores.set(endpoint, store);
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
    // The factories check the event (a pinned instance) before KMS is read.
    const invocation: FcInvocation = { event, versionId: named, credential };
    const target = typeof options.target === 'function' ? options.target(invocation) : options.target;
    const strategy =
      typeof options.strategy === 'function'
        ? options.strategy(invocation, target)
        : (options.strategy ?? alternatingUsers());
    const store = storeFor(event.RegionId);
    const versionId =
      event.VersionId === undefined && options.resumeInProgress !== false
        ? await inProgress(store, event.SecretName, named, options.logger)
        : named;
    await runStep(FC_STEP_TO_CORE[event.Step], {
      store,
      target,
      strategy,
      schema: options.schema ?? alibabaSchema,
      secretId: event.SecretName,
      token: versionId,
      ...(options.password === undefined ? {} : { password: options.password }),
      ...(options.logger === undefined ? {} : { logger: options.logger }),
      ...(options.onEvent === undefined ? {} : { onEvent: options.onEvent }),
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
