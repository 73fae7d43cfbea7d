import { randomBytes } from 'node:crypto';
import { InvalidOptionsError, StepFailedError, StoreAccessDeniedError, StoreUnavailableError } from '@rotakit/core';
import { endpointFromEnvironment } from '@rotakit/provider-alibaba';
import type { RotationEnd, RotationRequest } from '../cloud.js';
import { DEFAULT_FLOW_NAME, FNF_ENDPOINT_ENV } from './alibaba-names.js';

export { DEFAULT_FLOW_NAME, FNF_ENDPOINT_ENV };

/** Between two looks at an execution: DescribeExecution's long poll, in seconds. */
const LONG_POLL_SECONDS = 1;

/** The parts of `@alicloud/fnf-2019-03-15` (an untyped pop-core RPC client) the CLI calls. */
export interface FnfClient {
  describeFlow(params: { Name: string }): Promise<Record<string, unknown>>;
  startExecution(params: { FlowName: string; ExecutionName: string; Input: string }): Promise<Record<string, unknown>>;
  describeExecution(params: { FlowName: string; ExecutionName: string; WaitTimeSeconds?: number }): Promise<Record<string, unknown>>;
  getExecutionHistory(params: { FlowName: string; ExecutionName: string; Limit?: number; NextToken?: string }): Promise<Record<string, unknown>>;
}

interface FnfConfig {
  readonly endpoint: string;
  readonly accessKeyId: string;
  readonly accessKeySecret: string;
  readonly securityToken?: string;
}

const FNF_PACKAGE = '@alicloud/fnf-2019-03-15';

/** How the CLI reaches Serverless Workflow: the region's endpoint (or {@link FNF_ENDPOINT_ENV}) and the KMS key pair. */
export interface WorkflowConnection {
  readonly regionId: string | undefined;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly credentials: { readonly accessKeyId: string; readonly accessKeySecret: string; readonly securityToken?: string };
}

/**
 * A rotation through the secret's Serverless Workflow flow, as a time-based schedule starts it:
 * StartExecution with the schedule's payload (`{SecretName, RegionId[, InstanceId]}`) under a
 * fresh execution name, which the provider's handler turns into the rotation's VersionId.
 */
export class WorkflowRotation {
  readonly #connection: WorkflowConnection;
  #client: Promise<FnfClient> | undefined;
  /** The flow of each execution this process started. */
  readonly #flows = new Map<string, string>();

  constructor(connection: WorkflowConnection) {
    this.#connection = connection;
  }

  /** Starts an execution of the flow; resolves to its name, the rotation's token. */
  async start(secretName: string, request: RotationRequest): Promise<string> {
    const regionId = this.#connection.regionId;
    if (regionId === undefined) {
      throw new InvalidOptionsError('--region (or ALIBABA_CLOUD_REGION_ID) is needed: the flow takes the secret\'s RegionId as its input', { field: '--region' });
    }
    const flow = request.flow ?? DEFAULT_FLOW_NAME;
    const name = `rotakit-cli-${new Date().toISOString().replace(/[-:]|\.\d+Z$/g, '')}-${randomBytes(3).toString('hex')}`;
    const input = JSON.stringify({ SecretName: secretName, RegionId: regionId, ...(request.instanceId === undefined ? {} : { InstanceId: request.instanceId }) });
    const fnf = await this.#fnf();
    await fnfCall('StartExecution', flow, () => fnf.startExecution({ FlowName: flow, ExecutionName: name, Input: input }));
    this.#flows.set(name, flow);
    return name;
  }

  /** Follows an execution to its end, reporting each state as it ends; a failure carries the execution's error and cause. */
  async follow(executionName: string, report: (step: string) => void, deadline: number): Promise<RotationEnd> {
    const flow = this.#flows.get(executionName) ?? DEFAULT_FLOW_NAME;
    let seen = 0;
    const readHistory = async (): Promise<HistoryEvent[]> => {
      const events = await this.#history(flow, executionName);
      const fresh = events.filter((event) => event.id > seen);
      for (const event of fresh) {
        seen = Math.max(seen, event.id);
        const line = stepLine(event);
        if (line !== undefined) report(line);
      }
      return events;
    };
    const fnf = await this.#fnf();
    for (;;) {
      const wait = Math.max(0, Math.min(LONG_POLL_SECONDS, Math.floor((deadline - Date.now()) / 1000)));
      const described = await fnfCall('DescribeExecution', flow, () =>
        fnf.describeExecution({ FlowName: flow, ExecutionName: executionName, ...(wait > 0 ? { WaitTimeSeconds: wait } : {}) }),
      );
      const status = String(described['Status'] ?? '');
      const events = await readHistory();
      if (status === 'Succeeded') return { ok: true };
      if (status !== 'Running' && status !== 'Starting' && status !== '') {
        const stopped = events.find((event) => event.type === 'ExecutionFailed' || event.type === 'ExecutionTimedOut' || event.type === 'ExecutionStopped');
        const error = stopped?.detail['error'];
        const cause = stopped?.detail['cause'];
        const why = [error, cause].filter((part) => typeof part === 'string' && part !== '').join(': ');
        return { ok: false, reason: `execution ${executionName} of flow ${flow} ${status.toLowerCase()}${why === '' ? '' : `: ${why}`}` };
      }
      if (Date.now() >= deadline) {
        return { ok: false, reason: `execution ${executionName} of flow ${flow} is still ${status || 'running'} after --wait; its history in the Serverless Workflow console shows where` };
      }
      // Under a second left: no long poll, so a short pause between looks.
      if (wait === 0) await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  async #history(flow: string, executionName: string): Promise<HistoryEvent[]> {
    const events: HistoryEvent[] = [];
    const fnf = await this.#fnf();
    let next: string | undefined;
    do {
      const page = await fnfCall('GetExecutionHistory', flow, () =>
        fnf.getExecutionHistory({ FlowName: flow, ExecutionName: executionName, Limit: 100, ...(next === undefined ? {} : { NextToken: next }) }),
      );
      for (const raw of (page['Events'] as unknown[] | undefined) ?? []) events.push(historyEvent(raw as Record<string, unknown>));
      next = typeof page['NextToken'] === 'string' && page['NextToken'] !== '' ? page['NextToken'] : undefined;
    } while (next !== undefined);
    return events;
  }

  #fnf(): Promise<FnfClient> {
    this.#client ??= workflowClient(this.#connection);
    return this.#client;
  }
}

/**
 * The official Serverless Workflow client for a connection. The package is CommonJS and untyped:
 * loaded by a dynamic import, which both the ESM bin and the CommonJS build of the CLI resolve.
 */
export async function workflowClient({ env, regionId, credentials }: WorkflowConnection): Promise<FnfClient> {
  const given = endpointFromEnvironment(FNF_ENDPOINT_ENV, env);
  if (given === undefined && regionId === undefined) {
    throw new InvalidOptionsError(`--region (or ALIBABA_CLOUD_REGION_ID) or ${FNF_ENDPOINT_ENV} is needed to reach Serverless Workflow`, { field: '--region' });
  }
  const endpoint = given === undefined ? `https://${regionId}.fnf.aliyuncs.com` : `${given.protocol ?? 'https'}://${given.endpoint}`;
  const { default: Fnf } = (await import(FNF_PACKAGE)) as { default: new (config: FnfConfig) => FnfClient };
  return new Fnf({ endpoint, ...credentials });
}

interface HistoryEvent {
  readonly id: number;
  readonly type: string;
  readonly step: string;
  readonly detail: Record<string, unknown>;
}

function historyEvent(raw: Record<string, unknown>): HistoryEvent {
  let detail: Record<string, unknown> = {};
  try {
    const parsed: unknown = typeof raw['EventDetail'] === 'string' ? JSON.parse(raw['EventDetail']) : {};
    if (typeof parsed === 'object' && parsed !== null) detail = parsed as Record<string, unknown>;
  } catch {
    // A detail that is not JSON says nothing the CLI reads.
  }
  return { id: Number(raw['EventId'] ?? 0), type: String(raw['Type'] ?? ''), step: String(raw['StepName'] ?? ''), detail };
}

/** The line a history event shows, or undefined for the events that only mark a start. */
function stepLine(event: HistoryEvent): string | undefined {
  const text = (key: string): string => (typeof event.detail[key] === 'string' ? (event.detail[key] as string) : '');
  switch (event.type) {
    case 'StepExited':
      return event.detail['caught'] === undefined ? `${event.step}: done` : `${event.step}: failed, caught (${String(event.detail['caught'])})`;
    case 'TaskFailed':
      return `${event.step}: failed (${[text('error'), text('cause')].filter((part) => part !== '').join(': ')})`;
    case 'TaskRetryScheduled':
      return `${event.step}: retry ${String(event.detail['retry'] ?? '?')} after ${text('error')}`;
    default:
      return undefined;
  }
}

/**
 * One Serverless Workflow call. pop-core's error quotes the signed request URL; only its code
 * and message are passed on.
 */
async function fnfCall<T>(action: string, flow: string, send: () => Promise<T>): Promise<T> {
  try {
    return await send();
  } catch (error) {
    const { code, data, message } = error as { code?: unknown; data?: { Message?: unknown }; message?: unknown };
    const said = typeof data?.Message === 'string' ? data.Message : typeof message === 'string' ? message.replace(/, URL: .*$/s, '') : String(error);
    const hint = code === 'FlowNotExists' ? ` (rotate starts the flow --flow names, default ${DEFAULT_FLOW_NAME})` : '';
    const text = `Serverless Workflow ${action} (flow ${flow}): ${typeof code === 'string' ? `${code}: ` : ''}${said}${hint}`;
    if (typeof code === 'string' && /^(InvalidAccessKeyId|SignatureDoesNotMatch|AccessDenied|Forbidden|NoPermission)/.test(code)) throw new StoreAccessDeniedError(text);
    if (typeof code === 'string' && /^(Throttl|InternalServerError|ServiceUnavailable)/.test(code)) throw new StoreUnavailableError(text);
    if (typeof code !== 'string') throw new StoreUnavailableError(text);
    throw new StepFailedError(text, false);
  }
}
