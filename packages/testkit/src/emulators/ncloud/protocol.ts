import { randomBytes, randomUUID } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import type { EmulatorProtocol, EmulatorRequest, EmulatorResponse } from '../http.js';
import { generateRandomSecret, isRecord, parseRandomSecretOptions, PENDING_VALUE_OPTIONS } from './random.js';
import { gatewayError, serviceError, ServiceFailure, success } from './responses.js';
import {
  createSecret,
  parseRotationTargets,
  parseSecretValue,
  secretDetail,
  type NcloudKmsBoundary,
  type NcloudSecret,
  type NcloudSecretChain,
  type NcloudStage,
  type NcloudTriggerView,
} from './secrets.js';
import { verifyNcloudSignature } from './signature.js';

/** An API key pair the emulated gateway accepts. */
export interface NcloudCredential {
  accessKey: string;
  secretKey: string;
}

/** What a rotation action receives: the trigger's default parameters plus `secretId` and `jobToken`. */
export interface NcloudActionArgs {
  secretId: string;
  jobToken: string;
  [param: string]: unknown;
}

/** A rotation action run in process (a Cloud Functions `main(args)`). */
export type NcloudAction = (args: NcloudActionArgs) => Promise<unknown>;

/** How to register a trigger's action. */
export interface NcloudActionOptions {
  /** The trigger's display name (default: its id). */
  name?: string;
  /** Merged into the action's args, like an action's default parameters. */
  defaultParams?: Record<string, unknown>;
}

/** Where a job is: created by a rotation, then started, and finally completed, failed or cancelled. */
export type NcloudJobStatus = 'created' | 'started' | 'completed' | 'failed' | 'cancelled';

/** One rotation job and what became of its action. */
export interface NcloudJob {
  jobToken: string;
  secretId: string;
  status: NcloudJobStatus;
  createdAt: number;
  /** `none` for jobs opened by a test without an action. */
  action: 'none' | 'running' | 'returned' | 'threw';
}

/** How a job's action invocation ended. */
export interface NcloudJobSettlement {
  job: NcloudJob;
  /** What the action returned (the HTTP action's JSON answer). */
  result?: unknown;
  /** What the action threw. */
  error?: unknown;
}

/** A secret to seed; stage values may be JSON-object strings or plain objects. */
export interface NcloudSecretSeed {
  secretId?: string;
  secretName?: string;
  chain: {
    active: string | Record<string, unknown>;
    previous?: string | Record<string, unknown>;
    pending?: string | Record<string, unknown>;
  };
  rotationTargets: string[];
  /** A trigger id; it may be registered later, but a rotation needs it registered. */
  triggerId?: string;
  /** Default ISOLATED, served under `/secretmanager`. */
  kmsBoundaryType?: NcloudKmsBoundary;
  autoRotationYN?: 'Y' | 'N';
  autoRotationPeriod?: number;
  memo?: string;
}

/** The admin seed route's body: everything optional. */
export interface NcloudSeed {
  credentials?: NcloudCredential[];
  /** HTTP actions (an in-process function cannot travel over HTTP). */
  triggers?: Array<{ triggerId: string; url: string } & NcloudActionOptions>;
  secrets?: NcloudSecretSeed[];
  /** Jobs opened without running an action, for driving the action API by hand. */
  jobs?: Array<{ secretId: string }>;
}

/** The emulator's whole state. */
export interface NcloudState {
  secrets: NcloudSecret[];
  jobs: NcloudJob[];
  triggers: Array<NcloudTriggerView & { defaultParamNames: string[] }>;
}

interface Trigger {
  view: NcloudTriggerView;
  action: NcloudAction | string;
  defaultParams: Record<string, unknown>;
}

interface Route {
  operation: string;
  boundary: NcloudKmsBoundary;
  secretId: string;
  jobToken: string;
  stage: NcloudStage;
}

const SECRET = '(?<secretId>[^/]+)';
const JOB = `/action/v1/secrets/${SECRET}/jobs/(?<jobToken>[^/]+)`;

/** Every route, after the optional `/secretmanager` prefix is taken off. Operation names are Secret Manager's. */
const ROUTES: Array<[method: string, path: RegExp, operation: string]> = [
  ['POST', /^\/api\/v1\/secrets$/, 'createSecret'],
  ['GET', new RegExp(`^/api/v1/secrets/${SECRET}$`), 'getSecret'],
  ['GET', new RegExp(`^/api/v1/secrets/${SECRET}/values$`), 'getSecretValues'],
  ['PUT', new RegExp(`^/api/v1/secrets/${SECRET}/values$`), 'updateSecretValue'],
  ['GET', new RegExp(`^/api/v1/secrets/${SECRET}/(?<stage>previous|active|pending)$`), 'getSecretValue'],
  ['POST', new RegExp(`^/api/v1/secrets/${SECRET}/rotation$`), 'executeRotation'],
  ['POST', new RegExp(`^/api/v1/secrets/${SECRET}/cancel-rotation$`), 'cancelRotation'],
  ['POST', new RegExp(`^${JOB}/start$`), 'startRotationJob'],
  ['POST', new RegExp(`^${JOB}/pending$`), 'addPendingStage'],
  ['PUT', new RegExp(`^${JOB}/pending$`), 'updatePendingStage'],
  ['POST', new RegExp(`^${JOB}/generate-random-secret$`), 'generateRandomSecret'],
  ['POST', new RegExp(`^${JOB}/complete$`), 'completeRotationJob'],
  ['POST', new RegExp(`^${JOB}/fail$`), 'failRotationJob'],
];

const REGIONAL_PREFIX = '/secretmanager';

function matchRoute(request: EmulatorRequest): Route | undefined {
  let path = request.url.split('?', 1)[0] ?? '';
  let boundary: NcloudKmsBoundary = 'GLOBAL';
  if (path.startsWith(`${REGIONAL_PREFIX}/`)) {
    path = path.slice(REGIONAL_PREFIX.length);
    boundary = 'ISOLATED';
  }
  for (const [method, pattern, operation] of ROUTES) {
    const match = method === request.method ? pattern.exec(path) : null;
    if (!match) continue;
    const groups = match.groups ?? {};
    try {
      return {
        operation,
        boundary,
        secretId: decodeURIComponent(groups.secretId ?? ''),
        jobToken: decodeURIComponent(groups.jobToken ?? ''),
        stage: (groups.stage ?? 'active') as NcloudStage,
      };
    } catch {
      return undefined; // malformed percent-encoding: the gateway matches no route
    }
  }
  return undefined;
}

const FINISHED: ReadonlySet<NcloudJobStatus> = new Set(['completed', 'failed', 'cancelled']);

/**
 * NAVER Cloud Secret Manager behind its API Gateway, as an {@link EmulatorProtocol}.
 *
 * Order of checks, as a gateway does it: route (unknown → gateway 404), signature v2
 * (→ gateway 401), then the service. Both host shapes are served: paths without prefix are
 * the global host and reach GLOBAL secrets only; paths under `/secretmanager` are the
 * region-isolated host and reach ISOLATED secrets only (inferred from the reference's
 * host table: a secret on the other host's key answers NOT_FOUND).
 */
export class NcloudSecretManagerProtocol implements EmulatorProtocol {
  readonly #credentials = new Map<string, string>();
  readonly #clock: () => number;
  readonly #secrets = new Map<string, NcloudSecret>();
  readonly #jobs = new Map<string, NcloudJob>();
  readonly #triggers = new Map<string, Trigger>();
  readonly #settlements = new Map<string, Promise<NcloudJobSettlement>>();

  constructor(options: { credentials: NcloudCredential[]; clock: () => number }) {
    this.#clock = options.clock;
    this.addCredentials(options.credentials);
  }

  /** Accepts more API key pairs. */
  addCredentials(credentials: NcloudCredential[]): void {
    for (const { accessKey, secretKey } of credentials) this.#credentials.set(accessKey, secretKey);
  }

  operationOf(request: EmulatorRequest): string | undefined {
    return matchRoute(request)?.operation;
  }

  async handle(request: EmulatorRequest): Promise<EmulatorResponse> {
    const matched = matchRoute(request);
    if (!matched) return gatewayError('notFound');
    const signed = { method: request.method, pathWithQuery: request.url, headers: request.headers };
    if (!verifyNcloudSignature(signed, (key) => this.#credentials.get(key), this.#clock())) {
      return gatewayError('authenticationFailed');
    }
    try {
      return success(await this.#serve(matched, request.body));
    } catch (error) {
      if (error instanceof ServiceFailure) return error.toResponse();
      throw error;
    }
  }

  throttleResponse(): EmulatorResponse {
    return gatewayError('quotaExceeded');
  }

  errorResponse(): EmulatorResponse {
    return serviceError('INTERNAL_SERVER_ERROR', 'An injected internal error.');
  }

  snapshot(): NcloudState {
    return structuredClone({
      secrets: [...this.#secrets.values()],
      jobs: [...this.#jobs.values()],
      triggers: [...this.#triggers.values()].map(({ view, defaultParams }) => ({
        ...view,
        defaultParamNames: Object.keys(defaultParams),
      })),
    });
  }

  seed(input: unknown): void {
    if (!isRecord(input)) throw new Error('seed: expected a JSON object');
    const seed = input as NcloudSeed;
    this.addCredentials(seed.credentials ?? []);
    for (const { triggerId, url, ...options } of seed.triggers ?? []) this.registerAction(triggerId, url, options);
    for (const secret of seed.secrets ?? []) this.seedSecret(secret);
    for (const { secretId } of seed.jobs ?? []) this.openJob(secretId);
  }

  /** Registers (or replaces) the action a trigger runs: a function, or a URL that receives the args as a JSON POST. */
  registerAction(triggerId: string, action: NcloudAction | string, options: NcloudActionOptions = {}): void {
    this.#triggers.set(triggerId, {
      view: { id: triggerId, name: options.name ?? triggerId, url: typeof action === 'string' ? action : null },
      action,
      defaultParams: options.defaultParams ?? {},
    });
  }

  /** Adds a secret without going through Create Secret's rules (values and targets are still checked). */
  seedSecret(seed: NcloudSecretSeed): string {
    const secretId = seed.secretId ?? newSecretId();
    const chain: NcloudSecretChain = { active: '' };
    for (const stage of ['active', 'previous', 'pending'] as const) {
      const value = seed.chain[stage];
      if (value === undefined && stage === 'active') throw new Error('seed: chain.active is required');
      if (value === undefined) continue;
      chain[stage] = typeof value === 'string' ? value : JSON.stringify(value);
      asAdminError('seed', () => parseSecretValue(chain[stage], `chain.${stage}`));
    }
    const rotationTargets = asAdminError('seed', () => parseRotationTargets(seed.rotationTargets, JSON.parse(chain.active) as Record<string, unknown>));
    const now = this.#clock();
    this.#secrets.set(secretId, {
      secretId,
      secretName: seed.secretName ?? secretId,
      memo: seed.memo ?? '',
      secretType: 'BASIC',
      secretStatus: 'ENABLE',
      chain,
      rotationTargets,
      autoRotationYN: seed.autoRotationYN ?? 'N',
      autoRotationPeriod: seed.autoRotationPeriod ?? 90,
      triggerId: seed.triggerId ?? null,
      protectionKey: { type: 'DEFAULT', kmsKeyTag: null },
      kmsBoundaryType: seed.kmsBoundaryType ?? 'ISOLATED',
      registerDate: now,
      updateDate: now,
      lastRotationDate: null,
      lastRotationResultId: null,
    });
    return secretId;
  }

  /** Opens a job token for a secret without running any action; the test then plays the action. */
  openJob(secretId: string): string {
    const secret = this.#secrets.get(secretId);
    if (!secret) throw new Error(`openJob: no secret ${secretId}`);
    return asAdminError('openJob', () => this.#newJob(secret, 'none')).jobToken;
  }

  /** Resolves once the action a rotation invoked for this job has returned or thrown. */
  jobSettled(jobToken: string): Promise<NcloudJobSettlement> {
    const settlement = this.#settlements.get(jobToken);
    if (!settlement) return Promise.reject(new Error(`jobSettled: no action was invoked for job ${jobToken}`));
    return settlement;
  }

  async #serve(route: Route, body: string): Promise<unknown> {
    switch (route.operation) {
      case 'createSecret':
        return this.#createSecret(route, parseBody(body));
      case 'getSecret':
        return this.#detail(this.#secret(route));
      case 'getSecretValues':
        return this.#values(this.#secret(route));
      case 'getSecretValue': {
        const value = this.#secret(route).chain[route.stage];
        if (value === undefined) throw new ServiceFailure('NOT_FOUND', `The secret has no ${route.stage} value.`);
        return { decryptedSecretValue: { value, valueStage: route.stage.toUpperCase() } };
      }
      case 'updateSecretValue':
        return this.#updateSecretValue(this.#secret(route), parseBody(body));
      case 'executeRotation':
        return this.#executeRotation(this.#secret(route));
      case 'cancelRotation':
        return this.#cancelRotation(this.#secret(route));
      default:
        return this.#serveJob(route, body);
    }
  }

  /**
   * The action API. Job-token rules (inferred; the reference leaves the codes open): a token
   * unknown or bound to another secret answers NOT_FOUND (404); a token whose job has
   * completed, failed or been cancelled answers UNPROCESSABLE_ENTITY (422, "Invalid status").
   * Start may be repeated while the job is open and answers the chain again; pending and
   * complete need a started job; generate-random-secret and fail work on any open job.
   */
  async #serveJob(route: Route, body: string): Promise<unknown> {
    const secret = this.#secret(route);
    const job = this.#jobs.get(route.jobToken);
    if (!job || job.secretId !== secret.secretId) throw new ServiceFailure('NOT_FOUND', 'No such rotation job for this secret.');
    if (FINISHED.has(job.status)) throw new ServiceFailure('UNPROCESSABLE_ENTITY', `The rotation job has already ${job.status === 'cancelled' ? 'been cancelled' : job.status}.`);
    const requireStarted = (): void => {
      if (job.status !== 'started') throw new ServiceFailure('UNPROCESSABLE_ENTITY', 'The rotation job has not been started.');
    };
    switch (route.operation) {
      case 'startRotationJob':
        job.status = 'started';
        this.#touch(secret, { secretStatus: 'ROTATING' });
        return this.#values(secret);
      case 'addPendingStage':
        requireStarted();
        return { pending: this.#storePending(secret, generatedPending(secret)) };
      case 'updatePendingStage': {
        requireStarted();
        const request = parseBody(body);
        const value = isRecord(request) ? request.value : undefined;
        checkPendingKeepsNonTargets(secret, parseSecretValue(value, 'value'));
        return { pending: this.#storePending(secret, value as string) };
      }
      case 'generateRandomSecret':
        return { randomString: generateRandomSecret(parseRandomSecretOptions(parseBody(body))) };
      case 'completeRotationJob': {
        requireStarted();
        const { active, pending } = secret.chain;
        // Inferred: nothing to promote is a rule violation.
        if (pending === undefined) throw new ServiceFailure('UNPROCESSABLE_ENTITY', 'The secret has no pending value to promote.');
        this.#finish(secret, job, 'completed', { chain: { previous: active, active: pending } });
        return null;
      }
      default: // failRotationJob; the pending value stays, as the seed sample expects to find it again
        this.#finish(secret, job, 'failed', {});
        return null;
    }
  }

  #createSecret(route: Route, body: unknown): unknown {
    const secret = createSecret(body, {
      secretId: newSecretId(),
      now: this.#clock(),
      defaultBoundary: route.boundary,
      triggerExists: (id) => this.#triggers.has(id),
      nameTaken: (name) => [...this.#secrets.values()].some((s) => s.secretName === name),
    });
    this.#secrets.set(secret.secretId, secret);
    const detail = this.#detail(secret);
    // Create answers the detail plus the trigger's most recent action (none yet).
    if (isRecord(detail.trigger)) detail.trigger = { ...detail.trigger, recentlyExecutedAction: null };
    return detail;
  }

  /**
   * Update Secret Value (`PUT /api/v1/secrets/{id}/values`): only the stages the body names change,
   * and a stage given an empty value is deleted, as the documentation says. Each other value must
   * be a JSON-object string. Inferred: active cannot be deleted (INVALID_REQUEST), and the answer's
   * encrypted chain is a placeholder per stage (`ncpkms:v1:…`), not a real ciphertext.
   */
  #updateSecretValue(secret: NcloudSecret, body: unknown): unknown {
    if (!isRecord(body)) throw new ServiceFailure('INVALID_REQUEST', 'The request body must be a JSON object.');
    const stages = (['previous', 'active', 'pending'] as const).filter((stage) => body[stage] !== undefined);
    if (stages.length === 0) throw new ServiceFailure('INVALID_REQUEST', 'Give at least one of previous, active and pending.');
    const chain: NcloudSecretChain = { ...secret.chain };
    for (const stage of stages) {
      const value = body[stage];
      if (value === '' && stage === 'active') throw new ServiceFailure('INVALID_REQUEST', 'The active stage cannot be deleted.');
      if (value === '') {
        delete chain[stage];
        continue;
      }
      parseSecretValue(value, stage);
      chain[stage] = value as string;
    }
    this.#touch(secret, { chain });
    const encrypted = Object.fromEntries(
      Object.keys(chain).map((stage) => [stage, `ncpkms:v1:${randomBytes(24).toString('base64')}`]),
    );
    return { encryptedSecretChain: encrypted };
  }

  #executeRotation(secret: NcloudSecret): unknown {
    const trigger = secret.triggerId === null ? undefined : this.#triggers.get(secret.triggerId);
    if (!trigger) throw new ServiceFailure('UNPROCESSABLE_ENTITY', 'The secret has no trigger with an action to run.');
    const job = this.#newJob(secret, 'running');
    this.#settlements.set(job.jobToken, this.#invoke(trigger, job));
    // The answer's shape is not documented; returning the token is our convenience.
    return { secretId: secret.secretId, jobToken: job.jobToken };
  }

  #cancelRotation(secret: NcloudSecret): null {
    const job = this.#openJobOf(secret);
    if (!job) throw new ServiceFailure('UNPROCESSABLE_ENTITY', 'The secret has no rotation in progress.');
    this.#finish(secret, job, 'cancelled', {});
    return null;
  }

  async #invoke(trigger: Trigger, job: NcloudJob): Promise<NcloudJobSettlement> {
    const args: NcloudActionArgs = { ...trigger.defaultParams, secretId: job.secretId, jobToken: job.jobToken };
    // Let the rotation's own answer go out before the action starts, as with a real trigger.
    await new Promise((resolve) => setImmediate(resolve));
    try {
      const result = typeof trigger.action === 'string' ? await postAction(trigger.action, args) : await trigger.action(args);
      job.action = 'returned';
      return { job: structuredClone(job), result };
    } catch (error) {
      job.action = 'threw';
      return { job: structuredClone(job), error };
    }
  }

  #newJob(secret: NcloudSecret, action: NcloudJob['action']): NcloudJob {
    if (this.#openJobOf(secret)) throw new ServiceFailure('UNPROCESSABLE_ENTITY', 'A rotation job is already open for this secret.');
    const job: NcloudJob = { jobToken: randomUUID(), secretId: secret.secretId, status: 'created', createdAt: this.#clock(), action };
    this.#jobs.set(job.jobToken, job);
    return job;
  }

  #openJobOf(secret: NcloudSecret): NcloudJob | undefined {
    return [...this.#jobs.values()].find((job) => job.secretId === secret.secretId && !FINISHED.has(job.status));
  }

  #finish(secret: NcloudSecret, job: NcloudJob, status: NcloudJobStatus, change: Partial<NcloudSecret>): void {
    job.status = status;
    const rotated = status === 'cancelled' ? {} : { lastRotationDate: this.#clock(), lastRotationResultId: job.jobToken };
    this.#touch(secret, { ...change, ...rotated, secretStatus: 'ENABLE' });
  }

  #storePending(secret: NcloudSecret, pending: string): string {
    this.#touch(secret, { chain: { ...secret.chain, pending } });
    return pending;
  }

  #touch(secret: NcloudSecret, change: Partial<NcloudSecret>): void {
    Object.assign(secret, change, { updateDate: this.#clock() });
  }

  #secret(route: Route): NcloudSecret {
    const secret = this.#secrets.get(route.secretId);
    if (!secret || secret.kmsBoundaryType !== route.boundary) throw new ServiceFailure('NOT_FOUND', 'No such secret.');
    return secret;
  }

  #detail(secret: NcloudSecret): Record<string, unknown> {
    const trigger = secret.triggerId === null ? null : (this.#triggers.get(secret.triggerId)?.view ?? { id: secret.triggerId, name: secret.triggerId, url: null });
    return secretDetail(secret, trigger, this.#openJobOf(secret) !== undefined);
  }

  /** The chain with absent stages left out (the seed sample tests `"pending" not in chain`), and the targets. */
  #values(secret: NcloudSecret): unknown {
    return { decryptedSecretChain: { ...secret.chain }, rotationTargets: [...secret.rotationTargets] };
  }
}

/** Add Pending Stage: a fresh random value for every rotation target; other keys copied from active. */
function generatedPending(secret: NcloudSecret): string {
  const active = JSON.parse(secret.chain.active) as Record<string, unknown>;
  for (const target of secret.rotationTargets) active[target] = generateRandomSecret(PENDING_VALUE_OPTIONS);
  return JSON.stringify(active);
}

/**
 * Inferred rule: a supplied pending value must hold every rotation target and leave every
 * other key exactly as active has it (none added, removed or changed) — the documentation
 * says to update only the rotation-target values. A violation answers 422.
 */
function checkPendingKeepsNonTargets(secret: NcloudSecret, pending: Record<string, unknown>): void {
  const active = JSON.parse(secret.chain.active) as Record<string, unknown>;
  const missing = secret.rotationTargets.find((target) => !Object.hasOwn(pending, target));
  if (missing !== undefined) throw new ServiceFailure('UNPROCESSABLE_ENTITY', `The pending value lacks the rotation target "${missing}".`);
  const keys = new Set([...Object.keys(active), ...Object.keys(pending)]);
  for (const key of keys) {
    if (secret.rotationTargets.includes(key)) continue;
    const same = Object.hasOwn(active, key) && Object.hasOwn(pending, key) && isDeepStrictEqual(active[key], pending[key]);
    if (!same) throw new ServiceFailure('UNPROCESSABLE_ENTITY', `The pending value changes "${key}", which is not a rotation target.`);
  }
}

function parseBody(body: string): unknown {
  if (body.trim() === '') return undefined;
  try {
    return JSON.parse(body);
  } catch {
    throw new ServiceFailure('INVALID_REQUEST', 'The request body is not valid JSON.');
  }
}

async function postAction(url: string, args: NcloudActionArgs): Promise<unknown> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(args) });
  const text = await response.text();
  if (!response.ok) throw new Error(`the action at ${url} answered HTTP ${response.status}`);
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** Admin calls throw plain errors (the admin route answers them 400), not service refusals. */
function asAdminError<T>(label: string, run: () => T): T {
  try {
    return run();
  } catch (error) {
    if (error instanceof ServiceFailure) throw new Error(`${label}: ${error.message}`);
    throw error;
  }
}

/** Ids look like the console's: 16 lower-case hex digits (the real format is not documented). */
function newSecretId(): string {
  return randomBytes(8).toString('hex');
}
