// Shared set-up of the provider's tests: emulators started with signature checks, stores and
// clients pointed at them, a capture of everything a rotation writes out, and a runner that
// executes a workflow definition's Task states against the handler.
import { randomUUID } from 'node:crypto';
import { parse } from 'yaml';
import { afterAll, beforeAll, expect } from 'vitest';
import { RotakitError, type Logger, type RotationEvent } from '@rotakit/core';
import { startAlibabaKmsEmulator, startAlibabaRdsEmulator, type AlibabaKmsEmulator, type AlibabaRdsEmulator } from '@rotakit/testkit';
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

interface FlowState {
  Type: string;
  Name: string;
  Action: string;
  TaskMode: string;
  InputConstructor: Record<string, unknown>;
  Parameters: Record<string, unknown>;
  Next?: string;
  End?: boolean;
}

/** One invocation the workflow made: the state's name, its event, its result, and the request id FC gave it. */
export interface WorkflowInvocation {
  readonly name: string;
  readonly event: Record<string, unknown>;
  readonly requestId: string;
  readonly result?: FcRotationResult;
}

/**
 * Runs one execution of a CloudFlow definition's Task states, from `StartAt` along `Next`, the way
 * CloudFlow does for this flow: each state's input is its `InputConstructor` (a key ending in `.$`
 * takes `$Context.Execution.Input.X` from the execution's input or `$Context.Execution.Name`, the
 * others are constants), passed to the function as the event (`body.$: $Input`). Every invocation
 * gets a fresh request id, a retry of a failed state too (up to `retries` times). The execution's
 * name is `executionName`, else a new one.
 */
export async function runWorkflow(
  definition: string,
  input: Record<string, unknown>,
  handler: FcHandler,
  options: { executionName?: string; retries?: number } = {},
): Promise<{ invocations: WorkflowInvocation[]; executionName: string }> {
  const flow = parse(definition) as { Type: string; SpecVersion: string; StartAt: string; States: FlowState[] };
  expect(flow).toMatchObject({ Type: 'StateMachine', SpecVersion: 'v1' });
  const executionName = options.executionName ?? `execution-${randomUUID()}`;
  const context = { Execution: { Name: executionName, Input: input } };
  const invocations: WorkflowInvocation[] = [];
  for (let state = flow.States.find((s) => s.Name === flow.StartAt); state !== undefined; ) {
    expect(state).toMatchObject({ Type: 'Task', Action: 'FC:InvokeFunction', TaskMode: 'RequestComplete' });
    expect(state.Parameters).toMatchObject({ invocationType: 'Sync', 'body.$': '$Input' });
    const event = Object.fromEntries(
      Object.entries(state.InputConstructor).map(([key, value]) =>
        key.endsWith('.$') ? [key.slice(0, -2), contextValue(context, value as string)] : [key, value],
      ),
    );
    let result: FcRotationResult | undefined;
    for (let attempt = 0; result === undefined; attempt += 1) {
      const requestId = randomUUID();
      const credentials = { ...KEY, securityToken: `sts-${requestId}` };
      try {
        result = await handler(Buffer.from(JSON.stringify(event)), { requestId, credentials });
        invocations.push({ name: state.Name, event, requestId, result });
      } catch (error) {
        invocations.push({ name: state.Name, event, requestId });
        if (attempt >= (options.retries ?? 0)) throw error;
      }
    }
    if (state.End === true) break;
    const next = state.Next;
    state = flow.States.find((s) => s.Name === next);
    expect(state, `state ${next}`).toBeDefined();
  }
  return { invocations, executionName };
}

/** The value of a `$Context.…` path, which must exist (CloudFlow fails the state otherwise). */
function contextValue(context: Record<string, unknown>, expression: string): unknown {
  expect(expression.startsWith('$Context.'), expression).toBe(true);
  let value: unknown = context;
  for (const key of expression.slice('$Context.'.length).split('.')) value = (value as Record<string, unknown> | undefined)?.[key];
  expect(value, expression).toBeDefined();
  return value;
}
