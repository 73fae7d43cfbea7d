import {
  alibabaSchema,
  alternatingUsers,
  ALTERNATE_USER_SUFFIX,
  InvalidOptionsError,
  runStep,
  type CredentialSchema,
  type Logger,
  type PasswordOptions,
  type RotationEventListener,
  type StepName,
  type Strategy,
  type Target,
} from '@rotakit/core';
import { KmsSecretStore, type KmsRetryOptions } from './kms-store.js';
import { RefreshableCredential, type AlibabaCredentials } from './sdk.js';

/** The steps of Alibaba's rotation workflow, in order. */
export const FC_STEPS = ['new', 'set', 'test', 'end'] as const;

/** One of {@link FC_STEPS}. */
export type FcStep = (typeof FC_STEPS)[number];

/** Alibaba's step names mapped to core's. */
export const FC_STEP_TO_CORE: Readonly<Record<FcStep, StepName>> = { new: 'create', set: 'set', test: 'test', end: 'finish' };

/** The event the workflow sends each invocation, validated. */
export interface FcRotationEvent {
  readonly SecretName: string;
  readonly RegionId: string;
  readonly Step: FcStep;
  readonly VersionId?: string;
  readonly InstanceId?: string;
}

/** The parts of Function Compute's context the handler uses. */
export interface FcContext {
  /** The invocation's request id: the version id when the event carries none. */
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
  /** KMS endpoint: default the region's VPC endpoint, `kms-vpc.<RegionId>.aliyuncs.com`. */
  readonly kmsEndpoint?: string | ((regionId: string) => string);
  /** `https` (default); `http` only for a local emulator. */
  readonly kmsProtocol?: 'https' | 'http';
  readonly kmsRetry?: KmsRetryOptions;
}

/** A Function Compute handler: `(event, context) => Promise<{VersionId}>`. */
export type FcHandler = (event: Buffer | string | object, context: FcContext) => Promise<FcRotationResult>;

/** The KMS VPC endpoint of a region, where Alibaba's rotation functions reach KMS from. */
export function kmsVpcEndpoint(regionId: string): string {
  return `kms-vpc.${regionId}.aliyuncs.com`;
}

/**
 * Thrown for a malformed workflow event; `field` names the event key at fault. Nothing has been
 * read or written when it is thrown.
 */
export class InvalidEventError extends InvalidOptionsError {}

const SECRET_NAME = /^(?:acs:kms:[a-z0-9-]+:\d+:secret\/)?[\w/+=.@-]{1,192}$/;
const REGION_ID = /^[a-z]{2,}(?:-[a-z0-9]+)+$/;
const VERSION_ID = /^[\w.-]{1,64}$/;
const INSTANCE_ID = /^[a-z][a-z0-9-]{2,63}$/;

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
  const instanceId = text('InstanceId', INSTANCE_ID, 'an RDS instance id such as rm-uf6wjk5xxxxxxx', false);
  return {
    SecretName: secretName,
    RegionId: regionId,
    Step: step as FcStep,
    ...(versionId === undefined ? {} : { VersionId: versionId }),
    ...(instanceId === undefined ? {} : { InstanceId: instanceId }),
  };
}

/**
 * Builds the Function Compute handler of Alibaba's rotation workflow. Each invocation runs one step
 * through core's `runStep` (`new`→create, `set`, `test`, `end`→finish) and returns `{VersionId}`,
 * which the workflow passes to the next step. The version id is the event's, or the invocation's
 * request id. KMS is reached with the FC context's STS credentials at the region's VPC endpoint
 * (overridable); one KMS client per endpoint lives as long as the container.
 */
export function createFcHandler(options: FcHandlerOptions): FcHandler {
  if (!options || options.target === undefined || options.target === null) {
    throw new InvalidOptionsError('the target option is required', { field: 'target' });
  }
  const credential = new RefreshableCredential({ accessKeyId: '', accessKeySecret: '' });
  const stores = new Map<string, KmsSecretStore>();
  const storeFor = (regionId: string): KmsSecretStore => {
    const endpoint =
      typeof options.kmsEndpoint === 'function' ? options.kmsEndpoint(regionId) : (options.kmsEndpoint ?? kmsVpcEndpoint(regionId));
    let store = stores.get(endpoint);
    if (!store) {
      store = new KmsSecretStore({
        endpoint,
        regionId,
        credentials: credential,
        protocol: options.kmsProtocol ?? 'https',
        ...(options.kmsRetry === undefined ? {} : { retry: options.kmsRetry }),
      });
      stores.set(endpoint, store);
    }
    return store;
  };

  return async (input, context) => {
    const event = parseFcEvent(input);
    const versionId = event.VersionId ?? context?.requestId;
    if (typeof versionId !== 'string' || !VERSION_ID.test(versionId)) {
      throw new InvalidEventError('VersionId is missing from the event and the context has no usable requestId', {
        field: 'VersionId',
      });
    }
    credential.set(contextCredentials(context));
    const invocation: FcInvocation = { event, versionId, credential };
    const target = typeof options.target === 'function' ? options.target(invocation) : options.target;
    const strategy =
      typeof options.strategy === 'function'
        ? options.strategy(invocation, target)
        : (options.strategy ?? alternatingUsers({ suffix: ALTERNATE_USER_SUFFIX.alibaba }));
    await runStep(FC_STEP_TO_CORE[event.Step], {
      store: storeFor(event.RegionId),
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

function contextCredentials(context: FcContext | undefined): AlibabaCredentials {
  const { accessKeyId, accessKeySecret, securityToken } = context?.credentials ?? {};
  if (!accessKeyId || !accessKeySecret) {
    throw new InvalidOptionsError('the invocation context has no credentials: give the function a RAM role', {
      field: 'context.credentials',
    });
  }
  return { accessKeyId, accessKeySecret, ...(securityToken ? { securityToken } : {}) };
}
