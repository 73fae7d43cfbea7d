import {
  checkRuntimeOptions,
  InvalidOptionsError,
  isRotakitError,
  optionChecks,
  redactingLogger,
  Redactor,
  rotate,
  rotationOptionsOf,
  RUNTIME_OPTION_KEYS,
  type RuntimeOptions,
  type RuntimeTargetSource,
  silentLogger,
  StepFailedError,
  type StepName,
  type StepOutcome,
} from '@rotakit/core';
import { ncloudSchema } from './conventions.js';
import {
  NcloudSecretManagerClient,
  type NcloudKeyIsolation,
  type NcloudRegion,
  type NcloudRetryOptions,
} from './client.js';
import { NcloudSecretStore } from './store.js';

/** The job one invocation of the action runs, as a target function sees it. */
export interface NcloudInvocation {
  readonly secretId: string;
  readonly jobToken: string;
}

/**
 * The database side of the action: a target, or a function that picks one from the secret's
 * current credentials and the invocation. Core calls the function after its own read of the
 * current value (the chain Start Rotation Job answered), inside its guard: nothing has been
 * written when it throws.
 */
export type NcloudTargetSource = RuntimeTargetSource<NcloudInvocation>;

/**
 * Options of {@link createCloudFunctionsAction}: core's runtime options (`strategy` required,
 * `schema` default `ncloudSchema`: `cdbUser, cdbPassword, cdbHost, cdbPort, cdbDatabase`) and
 * Secret Manager's. With `password: { generator: 'store' }` Secret Manager's Generate Random
 * Secret makes the password (5–32 characters). Alternating users need the username key among
 * the secret's rotationTargets too.
 */
export interface CloudFunctionsActionOptions extends RuntimeOptions<NcloudInvocation> {
  /** A target (target-mysql, target-postgres, target-mssql), or a function of the current credentials and the invocation. */
  readonly target: NcloudTargetSource;
  /** Default `regional`; the `keyIsolation` default parameter, when given, wins. */
  readonly keyIsolation?: NcloudKeyIsolation;
  /** Default `KR`. */
  readonly region?: NcloudRegion;
  /**
   * Replaces the Secret Manager base URL (an emulator, a proxy); default the environment's
   * `NCLOUD_SECRET_MANAGER_ENDPOINT`, else the URL `keyIsolation` and `region` pick.
   */
  readonly endpoint?: string;
  /** How the client retries throttling, server errors and lost connections; default 3 retries from 200 ms. */
  readonly retry?: NcloudRetryOptions;
  /** Per-attempt HTTP timeout; default 10,000 ms. */
  readonly timeoutMs?: number;
  /**
   * Where `secretId` and `jobToken` are looked up when the args lack them, and
   * `NCLOUD_SECRET_MANAGER_ENDPOINT` when the build lacks an `endpoint`; default `process.env`.
   */
  readonly environment?: Readonly<Record<string, string | undefined>>;
}

/** Every option's name: its type keeps the list complete, so no option is refused that the interface has. */
const OPTION_NAMES = [
  ...RUNTIME_OPTION_KEYS,
  ...Object.keys({
    keyIsolation: true,
  region: true,
  endpoint: true,
  retry: true,
    timeoutMs: true,
    environment: true,
  } satisfies Record<Exclude<keyof CloudFunctionsActionOptions, keyof RuntimeOptions>, true>),
];

const KEY_ISOLATIONS: readonly NcloudKeyIsolation[] = ['global', 'regional'];
const REGIONS: readonly NcloudRegion[] = ['KR', 'JPN'];

/**
 * What a Secret Manager trigger passes to the action: `secretId` and `jobToken`, plus the
 * action's default parameters — `accessKey` and `secretKey` (set them encrypted) and optionally
 * `keyIsolation`.
 */
export interface NcloudActionArgs {
  readonly secretId?: unknown;
  readonly jobToken?: unknown;
  readonly accessKey?: unknown;
  readonly secretKey?: unknown;
  readonly keyIsolation?: unknown;
  readonly [param: string]: unknown;
}

/** The action's answer. It never carries a secret value. */
export type NcloudActionResult =
  | {
      readonly done: true;
      readonly secretId: string;
      readonly jobToken: string;
      readonly steps: Readonly<Record<StepName, StepOutcome>>;
    }
  | {
      readonly done: false;
      readonly secretId?: string;
      readonly jobToken?: string;
      /** rotakit's error code (`InvalidSecretValue`, `StoreUnavailable`, …). */
      readonly error_code: string;
      readonly error_message: string;
      readonly retryable: boolean;
    };

/** A Cloud Functions action's entry point. */
export type NcloudActionMain = (args?: NcloudActionArgs) => Promise<NcloudActionResult>;

/** What the args give one invocation: its job and the API key pair it runs under. */
interface ActionCall extends NcloudInvocation {
  readonly accessKey: string;
  readonly secretKey: string;
  readonly keyIsolation?: NcloudKeyIsolation;
}

/**
 * Builds the `main(args)` of a Cloud Functions action for a Secret Manager trigger. Each call runs
 * the whole rotation of the job through core's `rotate()` — start, pending stored before the
 * database is touched, set (login ladder), test, complete — and fails the job on any error, so no
 * job is left open. The client is built once per container and kept while the keys stay the same.
 * Without an `endpoint` option, `NCLOUD_SECRET_MANAGER_ENDPOINT` (an http or https URL) replaces
 * the base URL. The options are checked here, before any invocation: a missing `target` or
 * `strategy`, an option the action does not have, a `keyIsolation` or `region` it does not know,
 * or a malformed `NCLOUD_SECRET_MANAGER_ENDPOINT` throws InvalidOptionsError naming it.
 */
export function createCloudFunctionsAction(options: CloudFunctionsActionOptions): NcloudActionMain {
  checkRuntimeOptions(options);
  const checks = optionChecks('the NAVER Cloud Functions action');
  checks.refuseUnknownKeys(options, OPTION_NAMES);
  checks.oneOf(options.keyIsolation, 'keyIsolation', KEY_ISOLATIONS, 'regional');
  checks.oneOf(options.region, 'region', REGIONS, 'KR');
  const schema = options.schema ?? ncloudSchema;
  const requiredTargets = [schema.fields.password, ...(options.strategy.kind === 'alternating-users' ? [schema.fields.username] : [])];
  const endpoint = options.endpoint ?? endpointFromEnvironment(options.environment ?? process.env);
  let cached: { key: string; store: NcloudSecretStore } | undefined;

  const storeFor = (call: ActionCall): NcloudSecretStore => {
    const keyIsolation = call.keyIsolation ?? options.keyIsolation;
    const key = [call.accessKey, call.secretKey, keyIsolation].join('\n');
    if (cached?.key !== key) {
      const client = new NcloudSecretManagerClient({
        accessKey: call.accessKey,
        secretKey: call.secretKey,
        ...(keyIsolation === undefined ? {} : { keyIsolation }),
        ...(options.region === undefined ? {} : { region: options.region }),
        ...(endpoint === undefined ? {} : { endpoint }),
        ...(options.retry === undefined ? {} : { retry: options.retry }),
        ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
      });
      cached = { key, store: new NcloudSecretStore({ client, requiredTargets }) };
    }
    return cached.store;
  };

  return async (args = {}) => {
    const redactor = new Redactor();
    const logger = redactingLogger(options.logger ?? silentLogger, redactor);
    const job: { secretId?: string; jobToken?: string } = {};
    let store: NcloudSecretStore | undefined;
    try {
      const call = readArgs(args, options.environment ?? process.env);
      redactor.add(call.secretKey);
      const invocation: NcloudInvocation = { secretId: call.secretId, jobToken: call.jobToken };
      Object.assign(job, invocation);
      store = storeFor(call);
      // The logger replaced is the user's behind this invocation's redactor, which knows the API secret key.
      const rotation = rotationOptionsOf({ ...options, logger }, { store, schema: ncloudSchema, invocation });
      const result = await rotate({ ...rotation, secretId: call.secretId, token: call.jobToken });
      return { done: true, secretId: result.secretId, jobToken: result.token, steps: result.steps };
    } catch (error) {
      const safe = isRotakitError(error) ? error : new StepFailedError('the rotation action failed unexpectedly', false);
      if (store && job.secretId !== undefined && job.jobToken !== undefined) {
        // core fails the job once it has opened it; this covers errors before that (start refused, bad secret setup).
        await store.failJob(job.secretId, job.jobToken).catch((failError: unknown) => {
          logger.warn({ ...job, error: describeError(failError) }, 'the rotation job could not be failed');
        });
      }
      logger.error({ ...job, error: describeError(safe) }, 'the rotation failed');
      return { done: false, ...job, error_code: safe.code, error_message: redactor.text(safe.message), retryable: safe.retryable };
    }
  };
}

function describeError(error: unknown): { code: string; message: string } {
  return isRotakitError(error) ? { code: error.code, message: error.message } : { code: 'Unknown', message: 'a non-rotakit error' };
}

/** The environment variable that replaces Secret Manager's base URL when no `endpoint` option is given. */
const ENDPOINT_VARIABLE = 'NCLOUD_SECRET_MANAGER_ENDPOINT';

/** The base URL `NCLOUD_SECRET_MANAGER_ENDPOINT` gives (unset or empty: none); anything but an http(s) URL is refused. */
function endpointFromEnvironment(environment: Readonly<Record<string, string | undefined>>): string | undefined {
  const value = environment[ENDPOINT_VARIABLE];
  if (value === undefined || value === '') return undefined;
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:') || url.host === '') {
    throw new InvalidOptionsError(`${ENDPOINT_VARIABLE} must be an http:// or https:// URL`, { field: ENDPOINT_VARIABLE });
  }
  return value;
}

/** Reads and checks the args: ids from the args or the environment, API keys from the default parameters. */
function readArgs(args: NcloudActionArgs, environment: Readonly<Record<string, string | undefined>>): ActionCall {
  if (typeof args !== 'object' || args === null) {
    throw new InvalidOptionsError('the action was called without an args object', { field: 'args' });
  }
  const text = (field: 'secretId' | 'jobToken' | 'accessKey' | 'secretKey', fromEnvironment: boolean): string => {
    const value = args[field] ?? (fromEnvironment ? environment[field] : undefined);
    if (typeof value !== 'string' || value.trim().length === 0) {
      const where = fromEnvironment ? 'the args or the environment' : 'the action\'s default parameters';
      throw new InvalidOptionsError(`${field} must be a non-empty string in ${where}`, { field });
    }
    return value;
  };
  const call = {
    secretId: text('secretId', true),
    jobToken: text('jobToken', true),
    accessKey: text('accessKey', false),
    secretKey: text('secretKey', false),
  };
  const { keyIsolation } = args;
  if (keyIsolation === undefined) return call;
  if (!KEY_ISOLATIONS.includes(keyIsolation as NcloudKeyIsolation)) {
    throw new InvalidOptionsError(`keyIsolation must be one of ${KEY_ISOLATIONS.join(', ')}`, { field: 'keyIsolation' });
  }
  return { ...call, keyIsolation: keyIsolation as NcloudKeyIsolation };
}
