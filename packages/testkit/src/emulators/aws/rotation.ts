import { randomUUID } from 'node:crypto';
import { optionChecks } from '@rotakit/core';
import {
  AWSCURRENT,
  AWSPENDING,
  attachStages,
  nowSeconds,
  scheduleNextRotation,
  type SecretRecord,
  type SecretTable,
} from './model.js';
import { randomPassword } from './password.js';
import { lambdaInvocationHeaders, type AwsEmulatorCredentials } from './sigv4.js';
import { lambdaTimeout, readTimeoutMs } from './timeout.js';

/** The four steps, in the order the service invokes them. */
export const ROTATION_STEPS = ['createSecret', 'setSecret', 'testSecret', 'finishSecret'] as const;

/** One step name, camelCase as every official rotation function expects. */
export type RotationStep = (typeof ROTATION_STEPS)[number];

/** The event Secrets Manager sends a rotation function, once per step. */
export interface RotationEvent {
  Step: RotationStep;
  /** The secret's full ARN, never its name. */
  SecretId: string;
  /** RotateSecret's token: the id of the version being built. */
  ClientRequestToken: string;
  /** Opaque token the function may pass back as PutSecretValue's RotationToken. */
  RotationToken: string;
}

/** An in-process rotation function; throwing (or rejecting) is a function error. */
export type RotationHandler = (event: RotationEvent) => Promise<unknown> | unknown;

/** How a rotation function is registered. */
export interface RotationFunctionOptions {
  /**
   * Whether the function's resource policy lets secretsmanager.amazonaws.com invoke it.
   * Defaults to true; false makes RotateSecret answer AccessDeniedException.
   */
  allowSecretsManager?: boolean;
  /**
   * How long an invocation may run before Lambda stops it and reports a function error
   * (`Task timed out after … seconds`), in milliseconds from 1 to 900,000 (Lambda's 1 to 900
   * seconds, finer for tests). Default 3,000: Lambda's default timeout. An in-process handler
   * cannot be killed: the emulator stops waiting for it and lets its promise run on unobserved.
   */
  timeoutMs?: number;
}

/** One invocation of a rotation function as the emulator saw it. */
export interface RotationInvocation {
  attempt: number;
  step: RotationStep;
  ok: boolean;
  /** The function's error, when it failed. */
  error?: string;
}

/** What one RotateSecret started, and how it ended. */
export interface RotationRecord {
  secretArn: string;
  token: string;
  /** `rotation`: all four steps; `test-only`: RotateImmediately=false; `managed`: the owning service rotates. */
  kind: 'rotation' | 'test-only' | 'managed';
  status: 'running' | 'succeeded' | 'failed';
  attempts: number;
  invocations: RotationInvocation[];
  error?: string;
}

/** How the emulator drives rotations; every member can be changed while it runs. */
export interface AwsRotationSettings {
  /**
   * `background` (default): RotateSecret answers first and the steps run afterwards, as the
   * service does; await `rotationSettled`. `before-response`: the steps run before it answers.
   */
  driving: 'background' | 'before-response';
  /** Whole-rotation attempts after a failed one, each reusing the same token. Default 0. */
  retries: number;
  /** Leave AWSPENDING on the new AWSCURRENT version after success, as AWS sometimes does. Default false. */
  keepPendingLabel: boolean;
}

interface RegisteredFunction {
  arn: string;
  target: RotationHandler | string;
  allowSecretsManager: boolean;
  timeoutMs: number;
}

/** A registration as `state()` shows it (handlers shown as `in-process`). */
export interface RotationFunctionState {
  arn: string;
  target: string;
  allowSecretsManager: boolean;
  timeoutMs: number;
}

const FUNCTION_OPTION_KEYS = ['allowSecretsManager', 'timeoutMs'] as const;

/**
 * Where rotation functions can also be found: a Lambda emulator whose functions carry their own
 * resource policies.
 */
export interface RotationFunctionSource {
  /** Whether the function's policy lets secretsmanager.amazonaws.com invoke it; false if unknown. */
  mayInvoke(arn: string): boolean;
  /** Invokes the function synchronously; a function error rejects. */
  invoke(arn: string, event: RotationEvent): Promise<void>;
}

/**
 * Rotation functions by ARN: in-process handlers or Lambda-style HTTP endpoints registered here,
 * then those of a connected Lambda emulator.
 */
export class RotationFunctions {
  readonly #functions = new Map<string, RegisteredFunction>();
  readonly #signer: { credentials: AwsEmulatorCredentials; region: string };
  #source: RotationFunctionSource | undefined;

  /** URL functions are invoked signed with `credentials` for Lambda in `region`. */
  constructor(signer: { credentials: AwsEmulatorCredentials; region: string }) {
    this.#signer = signer;
  }

  /** Looks up functions not registered here in `source` too. */
  connect(source: RotationFunctionSource): void {
    this.#source = source;
  }

  /** Registers (or replaces) the function behind `arn`. */
  register(arn: string, target: RotationHandler | string, options: RotationFunctionOptions = {}): void {
    const check = optionChecks('the AWS emulator');
    check.refuseUnknownKeys(check.record(options, 'options'), FUNCTION_OPTION_KEYS);
    if (options.allowSecretsManager !== undefined && typeof options.allowSecretsManager !== 'boolean') {
      throw check.invalid('allowSecretsManager', 'must be a boolean');
    }
    this.#functions.set(arn, {
      arn,
      target,
      allowSecretsManager: options.allowSecretsManager ?? true,
      timeoutMs: readTimeoutMs(options.timeoutMs),
    });
  }

  /** Whether secretsmanager.amazonaws.com may invoke `arn`; an unknown function may not. */
  mayInvoke(arn: string): boolean {
    return this.#functions.get(arn)?.allowSecretsManager ?? this.#source?.mayInvoke(arn) ?? false;
  }

  /**
   * Invokes the function synchronously; a function error rejects with its message, and so does
   * an invocation still running at the function's timeout.
   */
  async invoke(arn: string, event: RotationEvent): Promise<void> {
    const registered = this.#functions.get(arn);
    if (!registered && this.#source) return this.#source.invoke(arn, event);
    if (!registered) throw new Error(`rotation function ${arn} is not registered`);
    const { target, timeoutMs } = registered;
    await lambdaTimeout(timeoutMs, async (signal) => {
      if (typeof target === 'function') {
        await target(event);
        return;
      }
      const body = JSON.stringify(event);
      const headers = await lambdaInvocationHeaders(target, body, this.#signer.credentials, this.#signer.region);
      // fetch sets Host itself, from the URL: the same value that was signed.
      delete headers['host'];
      const response = await fetch(target, { method: 'POST', headers, body, signal });
      const payload = await response.text();
      const functionError = response.headers.get('x-amz-function-error');
      if (!response.ok || functionError) {
        throw new Error(`${functionError ?? `HTTP ${response.status}`}: ${describeFunctionError(payload)}`);
      }
    });
  }

  /** The registrations as plain JSON (handlers shown as `in-process`). */
  snapshot(): RotationFunctionState[] {
    return [...this.#functions.values()].map(({ arn, target, allowSecretsManager, timeoutMs }) => ({
      arn,
      target: typeof target === 'string' ? target : 'in-process',
      allowSecretsManager,
      timeoutMs,
    }));
  }
}

/** A Lambda error payload is `{errorMessage, errorType}`; anything else is shown as is. */
function describeFunctionError(payload: string): string {
  try {
    const parsed = JSON.parse(payload) as { errorType?: unknown; errorMessage?: unknown };
    if (typeof parsed.errorMessage === 'string') {
      return typeof parsed.errorType === 'string' ? `${parsed.errorType}: ${parsed.errorMessage}` : parsed.errorMessage;
    }
  } catch {
    // Not JSON: fall through to the raw text.
  }
  return payload;
}

interface RunningRotation {
  record: RotationRecord;
  done: Promise<RotationRecord>;
  cancelled: boolean;
}

/** What RotateSecret hands the driver once the placeholder version exists. */
export interface RotationStart {
  secret: SecretRecord;
  token: string;
  kind: RotationRecord['kind'];
  /** The function to invoke; absent for a managed rotation. */
  lambdaArn?: string;
}

/**
 * Runs rotations the way the service's driver does: each step invoked synchronously in
 * order, stopping at the first function error, whole-rotation retries reusing the token,
 * and AWSPENDING removed after success.
 */
export class RotationDriver {
  readonly #table: SecretTable;
  readonly #functions: RotationFunctions;
  readonly #settings: AwsRotationSettings;
  readonly #latest = new Map<string, RunningRotation>();
  readonly #history: RotationRecord[] = [];

  constructor(table: SecretTable, functions: RotationFunctions, settings: AwsRotationSettings) {
    this.#table = table;
    this.#functions = functions;
    this.#settings = settings;
  }

  /** Starts a rotation and returns a promise of its end (resolved, never rejected). */
  start(start: RotationStart): Promise<RotationRecord> {
    const record: RotationRecord = {
      secretArn: start.secret.arn,
      token: start.token,
      kind: start.kind,
      status: 'running',
      attempts: 0,
      invocations: [],
    };
    this.#history.push(record);
    const running: RunningRotation = { record, cancelled: false, done: Promise.resolve(record) };
    running.done = new Promise<void>((resolve) => {
      // Background driving starts after the RotateSecret response has been written.
      if (this.#settings.driving === 'background') setImmediate(resolve);
      else resolve();
    }).then(() => this.#run(start, running));
    this.#latest.set(start.secret.arn, running);
    return running.done;
  }

  /** Stops further retries of the secret's running rotation (CancelRotateSecret). */
  cancel(secretArn: string): void {
    const running = this.#latest.get(secretArn);
    if (running) running.cancelled = true;
  }

  /** Whether the secret's latest rotation is still running. */
  isRunning(secretArn: string): boolean {
    return this.#latest.get(secretArn)?.record.status === 'running';
  }

  /** The secret's latest rotation once it has ended, or undefined if it never rotated. */
  async settled(secretArn: string): Promise<RotationRecord | undefined> {
    return this.#latest.get(secretArn)?.done;
  }

  /** Every rotation started, oldest first. */
  history(): RotationRecord[] {
    return this.#history.map((record) => structuredClone(record));
  }

  async #run(start: RotationStart, running: RunningRotation): Promise<RotationRecord> {
    const { record } = running;
    const attempts = start.kind === 'rotation' ? 1 + Math.max(0, this.#settings.retries) : 1;
    try {
      while (record.attempts < attempts && !running.cancelled) {
        record.attempts += 1;
        const error = await this.#attempt(start, record);
        if (error === undefined) {
          record.status = 'succeeded';
          delete record.error;
          return record;
        }
        record.error = error;
      }
      record.status = 'failed';
      return record;
    } finally {
      if (start.kind === 'test-only') {
        this.#table.beforeWrite(start.secret);
        start.secret.versions.delete(start.token);
      }
    }
  }

  /** One attempt; returns the reason it failed, or undefined on success. */
  async #attempt(start: RotationStart, record: RotationRecord): Promise<string | undefined> {
    if (start.kind === 'managed') {
      this.#rotateManaged(start.secret, start.token);
      this.#completed(start.secret, start.token);
      return undefined;
    }
    const steps: readonly RotationStep[] = start.kind === 'test-only' ? ['testSecret'] : ROTATION_STEPS;
    const rotationToken = randomUUID();
    for (const step of steps) {
      const event: RotationEvent = {
        Step: step,
        SecretId: start.secret.arn,
        ClientRequestToken: start.token,
        RotationToken: rotationToken,
      };
      try {
        await this.#functions.invoke(start.lambdaArn ?? '', event);
        record.invocations.push({ attempt: record.attempts, step, ok: true });
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        record.invocations.push({ attempt: record.attempts, step, ok: false, error: message });
        return `${step} failed: ${message}`;
      }
    }
    if (start.kind === 'test-only') return undefined;
    const secret = this.#table.find(start.secret.arn);
    // A function that reports success without promoting its version has not rotated the
    // secret; the service's exact reaction is [unverified], the emulator counts it as a failure.
    if (!secret?.versions.get(start.token)?.stages.has(AWSCURRENT)) {
      return `finishSecret returned but version ${start.token} is not AWSCURRENT`;
    }
    this.#completed(secret, start.token);
    return undefined;
  }

  #completed(secret: SecretRecord, token: string): void {
    if (!this.#settings.keepPendingLabel) {
      this.#table.beforeWrite(secret);
      secret.versions.get(token)?.stages.delete(AWSPENDING);
    }
    const now = nowSeconds();
    secret.lastRotatedDate = now;
    secret.lastChangedDate = now;
    scheduleNextRotation(secret, now);
  }

  /**
   * The owning service (RDS) rotates its secret itself: the placeholder gets a copy of the
   * current JSON with a new password and becomes AWSCURRENT.
   */
  #rotateManaged(secret: SecretRecord, token: string): void {
    const version = secret.versions.get(token);
    if (!version) return;
    const current = [...secret.versions.values()].find((v) => v.stages.has(AWSCURRENT));
    const value = JSON.parse(current?.secretString ?? '{}') as Record<string, unknown>;
    // RDS master passwords may not contain / " @ (nor space).
    value['password'] = randomPassword({ ExcludeCharacters: '/"@\' ', PasswordLength: 32 });
    version.secretString = JSON.stringify(value);
    this.#table.beforeWrite(secret);
    attachStages(secret, version, [AWSCURRENT]);
  }
}
