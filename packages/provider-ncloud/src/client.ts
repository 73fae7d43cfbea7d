import axios, { type AxiosInstance } from 'axios';
import axiosRetryImport, { exponentialDelay, isNetworkError } from 'axios-retry';
import { InvalidOptionsError, StepFailedError, type PasswordPolicy } from '@rotakit/core';
import { isRecord, toTypedError, type RequestContext } from './errors.js';
import { signRequest, type NcloudApiKey } from './signature.js';

/**
 * Which KMS key protects the secrets: a `global` key (served by the API Gateway host) or a
 * `regional` (region-isolated) key, served under `/secretmanager` on the region's host. New
 * secrets get region-isolated keys, and the JPN region has nothing else.
 */
export type NcloudKeyIsolation = 'global' | 'regional';

/** The regions Secret Manager runs in. */
export type NcloudRegion = 'KR' | 'JPN';

/** How the client retries throttling (429), server errors (5xx) and lost connections. */
export interface NcloudRetryOptions {
  /** Retries after the first attempt; default 3. */
  readonly retries?: number;
  /** Backoff unit: the n-th retry waits about 2^n times this (or Retry-After, if longer); default 200 ms. */
  readonly baseDelayMs?: number;
}

/** Options of {@link NcloudSecretManagerClient}. */
export interface NcloudClientOptions extends NcloudApiKey {
  /** Default `regional`. */
  readonly keyIsolation?: NcloudKeyIsolation;
  /** Default `KR`. */
  readonly region?: NcloudRegion;
  /**
   * A base URL that replaces the one `keyIsolation` and `region` pick (an emulator, a proxy);
   * include the `/secretmanager` prefix where the host needs it: the signed path is what is sent.
   */
  readonly endpoint?: string;
  /** Epoch milliseconds for the signature timestamp; default `Date.now`. */
  readonly clock?: () => number;
  /** Per-attempt timeout; default 10,000 ms. */
  readonly timeoutMs?: number;
  readonly retry?: NcloudRetryOptions;
}

/** The secret chain: each stage a JSON-object string; absent stages are undefined. */
export interface NcloudSecretChain {
  readonly active: string;
  readonly pending?: string;
  readonly previous?: string;
}

/** What Start Rotation Job answers. */
export interface NcloudRotationJob {
  readonly chain: NcloudSecretChain;
  /** Keys of the secret's JSON object whose values a rotation may change. */
  readonly rotationTargets: readonly string[];
}

/**
 * Generate Random Secret's request body: rotakit's password-policy names, which NAVER shares, with
 * `length` required (5 to 32). NAVER's defaults differ from rotakit's: `includeSpace` is true.
 */
export interface NcloudRandomSecretOptions extends PasswordPolicy {
  readonly length: number;
}

/** A stage as the management API names it in paths. */
export type NcloudStageName = 'active' | 'pending' | 'previous';

/**
 * Update Secret Value's body: the stages to change, each a JSON-object string, or `null` to
 * delete the stage (sent as the empty value the documentation says deletes it); a stage left out
 * is kept.
 */
export type NcloudChainUpdate = { readonly [stage in NcloudStageName]?: string | null };

/** A secret's detail as the management API answers it (dates in epoch milliseconds); never a value. */
export interface NcloudSecretDetail {
  readonly secretId: string;
  readonly secretName?: string;
  /** `ENABLE`, `DISABLE`, `REVOKE`, `ROTATING`, `DESTROYED`. */
  readonly secretStatus?: string;
  /** Whether Secret Manager rotates the secret on its period. */
  readonly autoRotation: boolean;
  readonly autoRotationPeriodDays?: number;
  /** `NONE` when no rotation runs. */
  readonly rotationPhase?: string;
  readonly registerDate?: number;
  readonly lastRotationDate?: number;
  readonly nextRotationDate?: number;
  /** The job of the last rotation that ended (completed or failed). */
  readonly lastRotationResultId?: string;
  /** The trigger whose action rotates the secret. */
  readonly triggerId?: string;
}

const BASE_URLS: Readonly<Record<NcloudKeyIsolation, Partial<Record<NcloudRegion, string>>>> = {
  global: { KR: 'https://secretmanager.apigw.ntruss.com' },
  regional: { KR: 'https://ocapi-kr.ncloud.com/secretmanager', JPN: 'https://ocapi-jp.ncloud.com/secretmanager' },
};

/** The Secret Manager base URL for a key isolation and region (JPN has region-isolated keys only). */
export function secretManagerBaseUrl(keyIsolation: NcloudKeyIsolation = 'regional', region: NcloudRegion = 'KR'): string {
  const url = BASE_URLS[keyIsolation]?.[region];
  if (url === undefined) {
    throw new InvalidOptionsError(`Secret Manager has no ${keyIsolation} endpoint in the ${region} region`, {
      field: BASE_URLS[keyIsolation] ? 'region' : 'keyIsolation',
    });
  }
  return url;
}

type Method = 'GET' | 'POST' | 'PUT';

/**
 * axios-retry's CommonJS build, required from ours, arrives with Node's interop: the default
 * import is its exports object and the function sits on `.default`.
 */
const axiosRetry: typeof axiosRetryImport =
  typeof axiosRetryImport === 'function'
    ? axiosRetryImport
    : (axiosRetryImport as unknown as { default: typeof axiosRetryImport }).default;

/**
 * A Secret Manager client on axios: every attempt is signed with API Gateway signature v2 over
 * the exact path and query it sends, with a fresh timestamp; 429, 5xx and lost connections are
 * retried with exponential backoff by axios-retry; the success envelope is unwrapped and both
 * error envelopes (gateway and service) become rotakit's typed errors. Build one per process.
 */
export class NcloudSecretManagerClient {
  /** The base URL requests go to. */
  readonly baseUrl: string;
  readonly #http: AxiosInstance;

  constructor(options: NcloudClientOptions) {
    for (const field of ['accessKey', 'secretKey'] as const) {
      const value: unknown = options?.[field];
      if (typeof value !== 'string' || value.length === 0) {
        throw new InvalidOptionsError(`${field} must be a non-empty string`, { field });
      }
    }
    this.baseUrl = options.endpoint ?? secretManagerBaseUrl(options.keyIsolation, options.region);
    if (!/^https?:\/\//.test(this.baseUrl)) {
      throw new InvalidOptionsError('endpoint must be an http or https URL', { field: 'endpoint' });
    }
    const key: NcloudApiKey = { accessKey: options.accessKey, secretKey: options.secretKey };
    const clock = options.clock ?? Date.now;
    const { retries = 3, baseDelayMs = 200 } = options.retry ?? {};
    this.#http = axios.create({
      baseURL: this.baseUrl,
      timeout: options.timeoutMs ?? 10_000,
      headers: { Accept: 'application/json' },
    });
    // Runs on every attempt, retries included: axios-retry re-sends through the instance.
    this.#http.interceptors.request.use((config) => {
      const sent = new URL(this.#http.getUri(config));
      const signature = signRequest(config.method ?? 'get', sent.pathname + sent.search, key, clock());
      for (const [name, value] of Object.entries(signature)) config.headers.set(name, value);
      return config;
    });
    axiosRetry(this.#http, {
      retries,
      shouldResetTimeout: true,
      retryCondition: (error) => {
        const status = error.response?.status;
        return status === undefined ? isNetworkError(error) : status === 429 || status >= 500;
      },
      retryDelay: (attempt, error) => exponentialDelay(attempt, error, baseDelayMs),
    });
  }

  /** Start Rotation Job: puts the secret's rotation in progress; answers the chain and the rotation targets. */
  async startRotationJob(secretId: string, jobToken: string): Promise<NcloudRotationJob> {
    const context = { operation: 'startRotationJob', secretId, jobToken } as const;
    return rotationJobOf(context, await this.#call(context, 'POST', `${jobPath(secretId, jobToken)}/start`));
  }

  /** Update Pending Stage: stores `value` (a JSON-object string) as the pending stage. */
  async updatePendingStage(secretId: string, jobToken: string, value: string): Promise<void> {
    const context = { operation: 'updatePendingStage', secretId, jobToken, secretBody: true } as const;
    const data = await this.#call(context, 'PUT', `${jobPath(secretId, jobToken)}/pending`, { value });
    if (!isRecord(data) || typeof data.pending !== 'string') throw unexpected(context, 'pending');
  }

  /** Generate Random Secret: a random string made by Secret Manager. */
  async generateRandomSecret(secretId: string, jobToken: string, options: NcloudRandomSecretOptions): Promise<string> {
    const context = { operation: 'generateRandomSecret', secretId, jobToken } as const;
    const data = await this.#call(context, 'POST', `${jobPath(secretId, jobToken)}/generate-random-secret`, options);
    if (!isRecord(data) || typeof data.randomString !== 'string') throw unexpected(context, 'randomString');
    return data.randomString;
  }

  /** Complete Rotation Job: the chain shifts (pending → active → previous). */
  async completeRotationJob(secretId: string, jobToken: string): Promise<void> {
    await this.#call({ operation: 'completeRotationJob', secretId, jobToken }, 'POST', `${jobPath(secretId, jobToken)}/complete`);
  }

  /** Fail Rotation Job: the rotation is recorded as failed; the pending value stays. */
  async failRotationJob(secretId: string, jobToken: string): Promise<void> {
    await this.#call({ operation: 'failRotationJob', secretId, jobToken }, 'POST', `${jobPath(secretId, jobToken)}/fail`);
  }

  /** Reads one stage's value through the management API. */
  async getSecretValue(secretId: string, stage: NcloudStageName): Promise<string> {
    const context = { operation: 'getSecretValue', secretId } as const;
    const data = await this.#call(context, 'GET', `/api/v1/secrets/${encodeURIComponent(secretId)}/${stage}`);
    const value = isRecord(data) && isRecord(data.decryptedSecretValue) ? data.decryptedSecretValue.value : undefined;
    if (typeof value !== 'string') throw unexpected(context, 'decryptedSecretValue.value');
    return value;
  }

  /** Reads the chain (every stage's value) and the rotation targets through the management API, opening no job. */
  async getSecretChain(secretId: string): Promise<NcloudRotationJob> {
    const context = { operation: 'getSecretChain', secretId } as const;
    return rotationJobOf(context, await this.#call(context, 'GET', `/api/v1/secrets/${encodeURIComponent(secretId)}/values`));
  }

  /** Reads a secret's detail (status, rotation schedule and phase, trigger) through the management API. */
  async getSecret(secretId: string): Promise<NcloudSecretDetail> {
    const context = { operation: 'getSecret', secretId } as const;
    const data = await this.#call(context, 'GET', `/api/v1/secrets/${encodeURIComponent(secretId)}`);
    if (!isRecord(data) || typeof data.secretId !== 'string') throw unexpected(context, 'secretId');
    const text = (name: string): string | undefined => (typeof data[name] === 'string' ? (data[name] as string) : undefined);
    const number = (name: string): number | undefined => (typeof data[name] === 'number' ? (data[name] as number) : undefined);
    const trigger = isRecord(data.trigger) && typeof data.trigger.id === 'string' ? data.trigger.id : undefined;
    const detail: { -readonly [K in keyof NcloudSecretDetail]: NcloudSecretDetail[K] } = {
      secretId: data.secretId,
      autoRotation: data.autoRotationYN === 'Y',
    };
    const optional = {
      secretName: text('secretName'),
      secretStatus: text('secretStatus'),
      rotationPhase: text('rotationPhase'),
      autoRotationPeriodDays: number('autoRotationPeriod'),
      registerDate: number('registerDate'),
      lastRotationDate: number('lastRotationDate'),
      nextRotationDate: number('nextRotationDate'),
      lastRotationResultId: text('lastRotationResultId'),
      triggerId: trigger,
    };
    for (const [key, value] of Object.entries(optional)) {
      if (value !== undefined) (detail as Record<string, unknown>)[key] = value;
    }
    return detail;
  }

  /**
   * Update Secret Value (`PUT /api/v1/secrets/{id}/values`, management API): writes the stages
   * `update` names in one request, deleting those given `null`; the others are kept. No job is
   * involved: this is how an operator moves the chain by hand (`rotakit recover`).
   */
  async updateSecretValue(secretId: string, update: NcloudChainUpdate): Promise<void> {
    const context = { operation: 'updateSecretValue', secretId, secretBody: true } as const;
    const body = Object.fromEntries(
      (['previous', 'active', 'pending'] as const).filter((stage) => update[stage] !== undefined).map((stage) => [stage, update[stage] ?? '']),
    );
    if (Object.keys(body).length === 0) throw new InvalidOptionsError('the update must name at least one stage', { field: 'update' });
    if (body['active'] === '') throw new InvalidOptionsError('the active stage cannot be deleted', { field: 'update.active' });
    await this.#call(context, 'PUT', `/api/v1/secrets/${encodeURIComponent(secretId)}/values`, body);
  }

  /**
   * Execute Rotation (the console's "rotate now", `POST /api/v1/secrets/{id}/rotation`): the
   * service opens a job and runs the secret's trigger action. Resolves to the job's token when the
   * answer carries one (`jobToken`), which the reference leaves undocumented, else undefined.
   */
  async executeRotation(secretId: string): Promise<string | undefined> {
    const context = { operation: 'executeRotation', secretId } as const;
    const data = await this.#call(context, 'POST', `/api/v1/secrets/${encodeURIComponent(secretId)}/rotation`);
    return isRecord(data) && typeof data.jobToken === 'string' ? data.jobToken : undefined;
  }

  /** Sends one request and unwraps `{"code":"SUCCESS","data":…}`; `data` null (or the string "null") is null. */
  async #call(context: RequestContext, method: Method, path: string, body?: object): Promise<unknown> {
    let payload: unknown;
    try {
      const response = await this.#http.request({ method, url: path, ...(body === undefined ? {} : { data: body }) });
      payload = response.data;
    } catch (error) {
      throw toTypedError(context, error);
    }
    if (!isRecord(payload) || payload.code !== 'SUCCESS' || !('data' in payload)) throw unexpected(context, 'code');
    return payload.data === 'null' ? null : payload.data;
  }
}

function jobPath(secretId: string, jobToken: string): string {
  return `/action/v1/secrets/${encodeURIComponent(secretId)}/jobs/${encodeURIComponent(jobToken)}`;
}

function unexpected(context: RequestContext, member: string): StepFailedError {
  return new StepFailedError(`${context.operation} (secret ${context.secretId}): Secret Manager's answer lacks ${member}`, false);
}

/** The chain and rotation targets of Start Rotation Job's and the management API's `/values` answers. */
function rotationJobOf(context: RequestContext, data: unknown): NcloudRotationJob {
  const chain = isRecord(data) ? data.decryptedSecretChain : undefined;
  const targets = isRecord(data) ? data.rotationTargets : undefined;
  if (!isRecord(chain) || typeof chain.active !== 'string') throw unexpected(context, 'decryptedSecretChain.active');
  if (!Array.isArray(targets) || !targets.every((target) => typeof target === 'string')) {
    throw unexpected(context, 'rotationTargets');
  }
  const optional = (name: 'pending' | 'previous'): string | undefined => {
    const value = chain[name];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'string') throw unexpected(context, `decryptedSecretChain.${name}`);
    return value;
  };
  const pending = optional('pending');
  const previous = optional('previous');
  return {
    chain: {
      active: chain.active,
      ...(pending === undefined ? {} : { pending }),
      ...(previous === undefined ? {} : { previous }),
    },
    rotationTargets: targets,
  };
}
