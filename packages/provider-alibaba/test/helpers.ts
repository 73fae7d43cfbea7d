// Shared set-up of the provider's tests: emulators started with signature checks, stores and
// clients pointed at them, a capture of everything a rotation writes out, and a runner that
// executes a workflow definition on testkit's Serverless Workflow emulator against the handler.
import { parse } from 'yaml';
import { afterAll, beforeAll, expect } from 'vitest';
import { RotakitError, type Logger, type RotationEvent } from '@rotakit/core';
import {
  startAlibabaKmsEmulator,
  startAlibabaRdsEmulator,
  startAlibabaWorkflowEmulator,
  type AlibabaKmsEmulator,
  type AlibabaRdsEmulator,
  type WorkflowFunctionContext,
} from '@rotakit/testkit';
import { KmsSecretStore, type FcHandler, type FcRotationResult } from '@rotakit/provider-alibaba';

/** The AccessKey both emulators check signatures against; the handler's context carries it as STS. */
export const KEY = { accessKeyId: 'LTAI5tProviderTests', accessKeySecret: 'provider-test-secret' } as const;

/** The KMS and the RDS account API emulators, both checking signatures against {@link KEY}. */
export interface Emulators {
  readonly kms: AlibabaKmsEmulator;
  readonly rds: AlibabaRdsEmulator;
}

/** Starts both emulators before the file's tests (handing them to `ready`) and closes them after. */
export function withEmulators(ready: (emulators: Emulators) => void): void {
  let started: Emulators | undefined;
  beforeAll(async () => {
    const [kms, rds] = await Promise.all([startAlibabaKmsEmulator({ credentials: KEY }), startAlibabaRdsEmulator({ credentials: KEY })]);
    started = { kms, rds };
    ready(started);
  });
  afterAll(async () => {
    await Promise.all([started?.kms.close(), started?.rds.close()]);
  });
}

/** A store on the KMS emulator; retries back off by a millisecond so tests stay quick. */
export function kmsStore(emulator: AlibabaKmsEmulator): KmsSecretStore {
  return new KmsSecretStore({
    endpoint: emulator.endpoint,
    regionId: emulator.regionId,
    credentials: KEY,
    protocol: 'http',
    retry: { baseDelayMs: 1 },
  });
}

/** Seeds a secret whose only version (`v-initial` unless given) is ACSCurrent. */
export function seedSecret(
  emulator: AlibabaKmsEmulator,
  name: string,
  value: string | object,
  options: { type?: 'Generic' | 'Rds'; versionId?: string } = {},
): void {
  emulator.seed({
    name,
    ...(options.type === undefined ? {} : { type: options.type }),
    versions: [
      { versionId: options.versionId ?? 'v-initial', data: typeof value === 'string' ? value : JSON.stringify(value), stages: ['ACSCurrent'] },
    ],
  });
}

/**
 * The stage labels of each version of a secret, as the emulator holds them; the claim's anchor
 * versions (no secret in them, no label once a claim has moved ACSPending on) are left out.
 */
export function stagesOf(emulator: AlibabaKmsEmulator, name: string): Record<string, string[]> {
  const secret = emulator.state().secrets.find((s) => s.name === name);
  const versions = (secret?.versions ?? []).filter((v) => !v.versionId.startsWith('rotakit-anchor-') || v.stages.length > 0);
  return Object.fromEntries(versions.map((v) => [v.versionId, v.stages]));
}

/** The value at a stage of a secret, read from the emulator's state. */
export function valueAt(emulator: AlibabaKmsEmulator, name: string, stage: string): Record<string, unknown> | undefined {
  const secret = emulator.state().secrets.find((s) => s.name === name);
  const version = secret?.versions.find((v) => v.stages.includes(stage));
  return version === undefined ? undefined : (JSON.parse(version.data) as Record<string, unknown>);
}

/** What `action` rejects with, which must be a rotakit error; fails the test when it resolves. */
export async function failure(action: Promise<unknown>): Promise<RotakitError> {
  const error = await action.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(RotakitError);
  return error as RotakitError;
}

/** Every AccountPassword the emulator's secrets have held, for scanning output. */
export function passwordsIn(emulator: AlibabaKmsEmulator): string[] {
  return emulator
    .state()
    .secrets.flatMap((secret) => secret.versions)
    .map((version) => (JSON.parse(version.data) as { AccountPassword: string }).AccountPassword);
}

/** Everything a rotation writes out: log lines, events and thrown errors. */
export class Capture {
  readonly lines: unknown[] = [];
  readonly events: RotationEvent[] = [];
  readonly errors: unknown[] = [];
  readonly logger: Logger = {
    debug: (...args: unknown[]) => this.lines.push(args),
    info: (...args: unknown[]) => this.lines.push(args),
    warn: (...args: unknown[]) => this.lines.push(args),
    error: (...args: unknown[]) => this.lines.push(args),
  };
  readonly onEvent = (event: RotationEvent): void => {
    this.events.push(event);
  };

  /** Runs `action`, recording what it throws (and rethrowing it). */
  async record<T>(action: Promise<T>): Promise<T> {
    try {
      return await action;
    } catch (error) {
      this.errors.push(error);
      throw error;
    }
  }

  /** Fails when any captured output contains one of `secrets`. */
  expectNoSecret(secrets: readonly string[]): void {
    const text = [...this.lines, ...this.events, ...this.errors.map(errorText)].map((item) => serialise(item)).join('\n');
    for (const secret of secrets) expect(text.includes(secret), 'a secret value appears in the output').toBe(false);
  }
}

function errorText(error: unknown): unknown {
  if (!(error instanceof Error)) return error;
  const chain: string[] = [];
  for (let e: unknown = error; e instanceof Error || typeof e === 'string'; e = e instanceof Error ? e.cause : undefined) {
    chain.push(e instanceof Error ? `${e.name} ${e.message} ${e.stack ?? ''} ${JSON.stringify(e)}` : e);
  }
  return chain.join('\n');
}

function serialise(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value, (_key, item: unknown) => (item instanceof Error ? errorText(item) : item));
}

/** One invocation the workflow made: the state's name, its event, its result, and the request id FC gave it. */
export interface WorkflowInvocation {
  readonly name: string;
  readonly event: Record<string, unknown>;
  readonly requestId: string;
  readonly result?: FcRotationResult;
}

/** The function ARNs a flow definition's tasks invoke, in either definition language. */
function functionArnsOf(definition: string): string[] {
  const flow = parse(definition) as { States?: Array<{ Parameters?: { resourceArn?: string } }>; steps?: Array<{ resourceArn?: string }> };
  const arns = [...(flow.States ?? []).map((state) => state.Parameters?.resourceArn), ...(flow.steps ?? []).map((step) => step.resourceArn)];
  return [...new Set(arns.filter((arn): arn is string => arn !== undefined))];
}

/**
 * Runs one execution of a flow definition (rotakit's CloudFlow one, or an FDL flow) on testkit's
 * Serverless Workflow emulator, its tasks invoking `handler` with the function role's STS
 * credentials; every invocation gets a fresh request id, a retry of a failed state too, and retries
 * follow the definition's retry policies (a handler's error is `FC.Unhandled`). Retry waits take no
 * real time. The execution's name is `executionName`, else the one the service makes up. When the execution
 * fails, what the handler last threw is thrown.
 */
export async function runWorkflow(
  definition: string,
  input: Record<string, unknown>,
  handler: FcHandler,
  options: { executionName?: string } = {},
): Promise<{ invocations: WorkflowInvocation[]; executionName: string }> {
  const thrown: unknown[] = [];
  const recording = async (event: Buffer, context: WorkflowFunctionContext): Promise<unknown> => {
    try {
      return await handler(event, context);
    } catch (error) {
      thrown.push(error);
      throw error;
    }
  };
  const workflow = await startAlibabaWorkflowEmulator({
    timeScale: 0,
    functionCredentials: { ...KEY, securityToken: 'sts-workflow-role' },
    functions: Object.fromEntries(functionArnsOf(definition).map((arn) => [arn, recording])),
    flows: [{ name: 'rotation', definition }],
  });
  try {
    const execution = await workflow.execute('rotation', { input, ...(options.executionName === undefined ? {} : { executionName: options.executionName }) });
    if (execution.status === 'Failed') throw thrown.at(-1) ?? new Error(`the execution failed: ${execution.error ?? ''} ${execution.cause ?? ''}`);
    const invocations = execution.invocations.map((invocation) => ({
      name: invocation.step,
      event: invocation.event as Record<string, unknown>,
      requestId: invocation.requestId,
      ...(invocation.result === undefined ? {} : { result: invocation.result as FcRotationResult }),
    }));
    return { invocations, executionName: execution.name };
  } finally {
    await workflow.close();
  }
}
