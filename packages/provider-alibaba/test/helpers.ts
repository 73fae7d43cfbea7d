// Shared set-up of the provider's tests: emulators started with signature checks, stores and
// clients pointed at them, a capture of everything a rotation writes out, and a runner that
// executes a workflow definition's task steps against the handler.
import { randomUUID } from 'node:crypto';
import { parse } from 'yaml';
import { expect } from 'vitest';
import { RotakitError, type Logger, type RotationEvent } from '@rotakit/core';
import type { AlibabaKmsEmulator } from '@rotakit/testkit';
import { KmsSecretStore, type FcHandler, type FcRotationResult } from '@rotakit/provider-alibaba';

/** The AccessKey both emulators check signatures against; the handler's context carries it as STS. */
export const KEY = { accessKeyId: 'LTAI5tProviderTests', accessKeySecret: 'provider-test-secret' } as const;

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

interface FlowMapping {
  target: string;
  source: string;
}

interface FlowTask {
  type: string;
  name: string;
  resourceArn: string;
  inputMappings: FlowMapping[];
  outputMappings?: FlowMapping[];
}

/** One invocation the workflow made: the step's name, its event, and the request id FC gave it. */
export interface WorkflowInvocation {
  readonly name: string;
  readonly event: Record<string, unknown>;
  readonly requestId: string;
}

/**
 * Runs a flow definition's task steps in order the way Serverless Workflow does for this flow:
 * `$input.payload.X` reads the schedule payload, `$local.X` the flow's local data, any other source
 * is a constant; a step's output mappings (where `$local` is the function's result) update the local
 * data. Every invocation gets a fresh request id, a retry of a failed step too (up to `retries`
 * times). `from` skips to a step by name, with `local` as the flow's local data (a resumed execution).
 */
export async function runWorkflow(
  definition: string,
  payload: Record<string, unknown>,
  handler: FcHandler,
  options: { from?: string; local?: Record<string, unknown>; retries?: number } = {},
): Promise<{ invocations: WorkflowInvocation[]; local: Record<string, unknown> }> {
  const flow = parse(definition) as { version: string; type: string; steps: FlowTask[] };
  expect(flow).toMatchObject({ version: 'v1', type: 'flow' });
  const local: Record<string, unknown> = { ...options.local };
  const invocations: WorkflowInvocation[] = [];
  const start = options.from === undefined ? 0 : flow.steps.findIndex((step) => step.name === options.from);
  for (const step of flow.steps.slice(start)) {
    expect(step.type).toBe('task');
    const event: Record<string, unknown> = {};
    for (const { target, source } of step.inputMappings) {
      const value = source.startsWith('$input.payload.')
        ? payload[source.slice('$input.payload.'.length)]
        : source.startsWith('$local.')
          ? local[source.slice('$local.'.length)]
          : source;
      if (value !== undefined) event[target] = value;
    }
    let result: FcRotationResult | undefined;
    for (let attempt = 0; result === undefined; attempt += 1) {
      const requestId = randomUUID();
      invocations.push({ name: step.name, event, requestId });
      const credentials = { ...KEY, securityToken: `sts-${requestId}` };
      try {
        result = await handler(Buffer.from(JSON.stringify(event)), { requestId, credentials });
      } catch (error) {
        if (attempt >= (options.retries ?? 0)) throw error;
      }
    }
    for (const { target, source } of step.outputMappings ?? []) {
      if (source.startsWith('$local.')) local[target] = (result as unknown as Record<string, unknown>)[source.slice('$local.'.length)];
    }
  }
  return { invocations, local };
}
