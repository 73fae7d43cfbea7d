import {
  InvalidOptionsError,
  isRotakitError,
  Redactor,
  redactingLogger,
  rotate,
  silentLogger,
  singleUser,
  StepFailedError,
  type CredentialSchema,
  type Logger,
  type PasswordOptions,
  type RotationEventListener,
  type StepName,
  type StepOutcome,
  type Strategy,
  type Target,
} from '@rotakit/core';
import { ncloudSchema } from './conventions.js';
import {
  NcloudSecretManagerClient,
  type NcloudKeyIsolation,
  type NcloudRegion,
  type NcloudRetryOptions,
} from './client.js';
import { NcloudSecretStore } from './store.js';

/** Options of {@link createCloudFunctionsAction}. */
export interface CloudFunctionsActionOptions {
  /** The database the secret's credentials log in to (a target package's target). */
  readonly target: Target;
  /** Default `singleUser()`: the password key must be a rotation target. Alternating users also need the username key. */
  readonly strategy?: Strategy;
  /** Default `ncloudSchema`: `cdbUser, cdbPassword, cdbHost, cdbPort, cdbDatabase`. */
  readonly schema?: CredentialSchema;
  /** Password policy; `generator: 'store'` uses Secret Manager's Generate Random Secret (5–32 characters). */
  readonly password?: PasswordOptions;
  /** Default `regional`; the `keyIsolation` default parameter, when given, wins. */
  readonly keyIsolation?: NcloudKeyIsolation;
  /** Default `KR`. */
  readonly region?: NcloudRegion;
  /**
   * Replaces the Secret Manager base URL (an emulator, a proxy); default the environment's
   * `NCLOUD_SECRET_MANAGER_ENDPOINT`, else the URL `keyIsolation` and `region` pick.
   */
  readonly endpoint?: string;
  readonly retry?: NcloudRetryOptions;
  /** Per-attempt HTTP timeout; default 10,000 ms. */
  readonly timeoutMs?: number;
  /** Receives redacted log lines; silent by default. */
  readonly logger?: Logger;
  /** Receives core's rotation events. */
  readonly onEvent?: RotationEventListener;
  /**
   * Where `secretId` and `jobToken` are looked up when the args lack them, and
   * `NCLOUD_SECRET_MANAGER_ENDPOINT` when the build lacks an `endpoint`; default `process.env`.
   */
  readonly environment?: Readonly<Record<string, string | undefined>>;
}

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

interface Invocation {
  readonly secretId: string;
  readonly jobToken: string;
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
 * the base URL; it is read here, and a malformed value throws InvalidOptionsError naming it.
 */
export function createCloudFunctionsAction(options: CloudFunctionsActionOptions): NcloudActionMain {
  if (!options?.target) throw new InvalidOptionsError('the target option is required', { field: 'target' });
  const strategy = options.strategy ?? singleUser();
  const schema = options.schema ?? ncloudSchema;
  const requiredTargets = [schema.fields.password, ...(strategy.kind === 'alternating-users' ? [schema.fields.username] : [])];
  const endpoint = options.endpoint ?? endpointFromEnvironment(options.environment ?? process.env);
  let cached: { key: string; store: NcloudSecretStore } | undefined;

  const storeFor = (invocation: Invocation): NcloudSecretStore => {
    const keyIsolation = invocation.keyIsolation ?? options.keyIsolation;
    const key = [invocation.accessKey, invocation.secretKey, keyIsolation].join('\n');
    if (cached?.key !== key) {
      const client = new NcloudSecretManagerClient({
        accessKey: invocation.accessKey,
        secretKey: invocation.secretKey,
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
      const invocation = readArgs(args, options.environment ?? process.env);
      redactor.add(invocation.secretKey);
      Object.assign(job, { secretId: invocation.secretId, jobToken: invocation.jobToken });
      store = storeFor(invocation);
      const result = await rotate({
        store,
        target: options.target,
        strategy,
        schema,
        secretId: invocation.secretId,
        token: invocation.jobToken,
        logger,
        ...(options.password === undefined ? {} : { password: options.password }),
        ...(options.onEvent === undefined ? {} : { onEvent: options.onEvent }),
      });
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

const KEY_ISOLATIONS: readonly NcloudKeyIsolation[] = ['global', 'regional'];

/** Reads and checks the args: ids from the args or the environment, API keys from the default parameters. */
function readArgs(args: NcloudActionArgs, environment: Readonly<Record<string, string | undefined>>): Invocation {
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
  const invocation = {
    secretId: text('secretId', true),
    jobToken: text('jobToken', true),
    accessKey: text('accessKey', false),
    secretKey: text('secretKey', false),
  };
  const { keyIsolation } = args;
  if (keyIsolation === undefined) return invocation;
  if (!KEY_ISOLATIONS.includes(keyIsolation as NcloudKeyIsolation)) {
    throw new InvalidOptionsError(`keyIsolation must be one of ${KEY_ISOLATIONS.join(', ')}`, { field: 'keyIsolation' });
  }
  return { ...invocation, keyIsolation: keyIsolation as NcloudKeyIsolation };
}
