import { randomUUID } from 'node:crypto';
import { parseFlowDefinition, type FlowDefinition } from './definition.js';
import { workflowError, WorkflowTaskError } from './errors.js';
import { runCloudFlow, runFdl, TaskFailure, type ExecutionResult, type ExecutionRuntime, type WorkflowHistoryEvent } from './execution.js';

/** The context an in-process function gets, shaped like Function Compute's. */
export interface WorkflowFunctionContext {
  /** A new id for every invocation, retries included. */
  readonly requestId: string;
  /** The function role's credentials (the emulator's `functionCredentials`), when given. */
  readonly credentials?: { readonly accessKeyId: string; readonly accessKeySecret: string; readonly securityToken?: string };
  readonly region: string;
  readonly accountId: string;
  readonly function: { readonly name: string };
  readonly service: { readonly name: string };
}

/**
 * A function a task invokes: in process, `(event, context) => Promise<result>` as a Function
 * Compute handler (throwing fails the task with `FC.Unhandled`, or with the error type of a
 * {@link WorkflowTaskError}); or `{url}`, to which the event is POSTed.
 */
export type WorkflowFunction = ((event: Buffer, context: WorkflowFunctionContext) => Promise<unknown>) | { readonly url: string };

/** A flow to create: its name and its definition (FDL or CloudFlow, YAML or JSON). */
export interface WorkflowFlowSeed {
  readonly name: string;
  readonly definition: string;
  readonly description?: string;
}

/** A flow as the emulator holds it. */
export interface WorkflowFlowState {
  readonly name: string;
  readonly definition: string;
  readonly description: string;
  /** `FDL` (`version`/`type: flow`) or `CloudFlow` (`Type: StateMachine`). */
  readonly language: FlowDefinition['language'];
  readonly createdTime: string;
}

/** One invocation a task made: its event, the request id it got, and its result or error. */
export interface WorkflowInvocation {
  readonly step: string;
  readonly resourceArn: string;
  /** The event, parsed when it is JSON. */
  readonly event: unknown;
  readonly requestId: string;
  readonly result?: unknown;
  readonly error?: { readonly type: string; readonly message: string };
}

/** An execution's status, as DescribeExecution answers it. */
export type WorkflowExecutionStatus = 'Running' | 'Succeeded' | 'Failed';

/** An execution as the emulator holds it. */
export interface WorkflowExecutionState {
  readonly flowName: string;
  readonly name: string;
  readonly input: Record<string, unknown>;
  readonly status: WorkflowExecutionStatus;
  readonly output?: Record<string, unknown>;
  /** A failed execution's error type and cause. */
  readonly error?: string;
  readonly cause?: string;
  readonly startedTime: string;
  readonly stoppedTime?: string;
  readonly invocations: readonly WorkflowInvocation[];
  readonly events: readonly WorkflowHistoryEvent[];
}

/** The whole state: flows and executions. */
export interface WorkflowEmulatorState {
  readonly flows: readonly WorkflowFlowState[];
  readonly executions: readonly WorkflowExecutionState[];
}

/** The settings the service runs executions with. */
export interface WorkflowServiceSettings {
  readonly regionId: string;
  readonly accountId: string;
  /** Real milliseconds per workflow millisecond of a retry's wait: 0 never sleeps. */
  readonly timeScale: number;
  readonly functionCredentials: WorkflowFunctionContext['credentials'];
}

interface Flow extends WorkflowFlowState {
  readonly parsed: FlowDefinition;
}

interface Execution {
  state: WorkflowExecutionState;
  readonly finished: Promise<WorkflowExecutionState>;
}

/** Flow and execution names: letters, digits, `_` and `-`, starting with a letter or `_`, 1 to 128 characters. */
const NAME = /^[A-Za-z_][\w-]{0,127}$/;

function now(): string {
  return new Date().toISOString();
}

/** Function Compute's service and function names in a function ARN (FC 2.0 and 3.0 forms). */
function functionNames(resourceArn: string): { service: string; name: string } {
  const match = /:(?:services\/([^/]+)\/)?functions\/([^/]+)$/.exec(resourceArn);
  return { service: match?.[1] ?? '', name: match?.[2] ?? resourceArn };
}

/** The flows, the functions their tasks call, and the executions of one emulated region. */
export class WorkflowService {
  readonly #settings: WorkflowServiceSettings;
  readonly #flows = new Map<string, Flow>();
  readonly #functions = new Map<string, WorkflowFunction>();
  readonly #executions = new Map<string, Execution>();

  constructor(settings: WorkflowServiceSettings) {
    this.#settings = settings;
  }

  /** CreateFlow: refuses a taken name (FlowAlreadyExists) or a definition the emulator cannot run (InvalidArgument). */
  createFlow(seed: WorkflowFlowSeed): WorkflowFlowState {
    if (typeof seed.name !== 'string' || !NAME.test(seed.name)) throw workflowError('InvalidArgument', 'the flow name must be 1 to 128 letters, digits, _ or -, starting with a letter or _');
    if (this.#flows.has(seed.name)) throw workflowError('FlowAlreadyExists');
    const parsed = parseFlowDefinition(seed.definition);
    const flow: Flow = { name: seed.name, definition: seed.definition, description: seed.description ?? '', language: parsed.language, createdTime: now(), parsed };
    this.#flows.set(seed.name, flow);
    return this.#flowState(flow);
  }

  flow(name: string): WorkflowFlowState {
    return this.#flowState(this.#flow(name));
  }

  registerFunction(resourceArn: string, target: WorkflowFunction): void {
    if (typeof resourceArn !== 'string' || !resourceArn.startsWith('acs:fc:')) throw new Error(`a function ARN starts with acs:fc: (got ${String(resourceArn)})`);
    this.#functions.set(resourceArn, target);
  }

  /**
   * StartExecution: the execution runs in the background; `finished` settles when it stops. A name
   * in use by a running execution answers that execution; by one that has stopped,
   * ExecutionAlreadyExists. Without a name the service makes one up.
   */
  startExecution(flowName: string, options: { executionName?: string | undefined; input?: string | undefined }): Execution {
    const flow = this.#flow(flowName);
    const name = options.executionName ?? `execution-${randomUUID()}`;
    if (!NAME.test(name)) throw workflowError('InvalidArgument', 'the execution name must be 1 to 128 letters, digits, _ or -, starting with a letter or _');
    const key = `${flowName}\n${name}`;
    const existing = this.#executions.get(key);
    if (existing?.state.status === 'Running') return existing;
    if (existing) throw workflowError('ExecutionAlreadyExists');
    const input = parseInput(options.input);
    const events: WorkflowHistoryEvent[] = [];
    const invocations: WorkflowInvocation[] = [];
    const startedTime = now();
    const record = (type: string, stepName: string, detail: Record<string, unknown> = {}): void => {
      events.push({ eventId: events.length + 1, type, stepName, time: now(), detail });
    };
    const execution: Execution = {
      state: { flowName, name, input, status: 'Running', startedTime, invocations, events },
      finished: Promise.resolve().then(async () => {
        record('ExecutionStarted', '', { input });
        const runtime: ExecutionRuntime = {
          invoke: (step, resourceArn, payload) => this.#invoke(step, resourceArn, payload, invocations),
          wait: (seconds) => this.#wait(seconds),
          record,
        };
        const start = { flowName, executionName: name, input, startedTime };
        let result: ExecutionResult;
        try {
          result = flow.parsed.language === 'FDL' ? await runFdl(flow.parsed, start, runtime) : await runCloudFlow(flow.parsed, start, runtime);
        } catch (error) {
          // An emulator bug fails the execution instead of leaving it running for ever.
          result = { status: 'Failed', error: 'FnF.InternalError', cause: error instanceof Error ? error.message : String(error) };
        }
        record(result.status === 'Succeeded' ? 'ExecutionSucceeded' : 'ExecutionFailed', '', result.status === 'Succeeded' ? { output: result.output } : { error: result.error, cause: result.cause });
        execution.state = { ...execution.state, ...result, stoppedTime: now() };
        return execution.state;
      }),
    };
    this.#executions.set(key, execution);
    return execution;
  }

  /** DescribeExecution's execution, or ExecutionNotExists. */
  execution(flowName: string, name: string): Execution {
    this.#flow(flowName);
    const execution = this.#executions.get(`${flowName}\n${name}`);
    if (!execution) throw workflowError('ExecutionNotExists');
    return execution;
  }

  snapshot(): WorkflowEmulatorState {
    return {
      flows: [...this.#flows.values()].map((flow) => this.#flowState(flow)),
      executions: [...this.#executions.values()].map((execution) => execution.state),
    };
  }

  #flow(name: string): Flow {
    const flow = this.#flows.get(name);
    if (!flow) throw workflowError('FlowNotExists');
    return flow;
  }

  #flowState(flow: Flow): WorkflowFlowState {
    const { parsed: _parsed, ...state } = flow;
    return state;
  }

  async #wait(seconds: number): Promise<void> {
    const ms = seconds * 1000 * this.#settings.timeScale;
    // unref: a retry's wait must not keep a stopped emulator's process alive.
    await new Promise((resolve) => (ms > 0 ? setTimeout(resolve, ms).unref() : setImmediate(resolve)));
  }

  async #invoke(step: string, resourceArn: string, payload: Buffer, invocations: WorkflowInvocation[]): Promise<unknown> {
    const requestId = randomUUID();
    const event = parseEvent(payload);
    const target = this.#functions.get(resourceArn);
    try {
      if (target === undefined) throw new TaskFailure('FC.FunctionNotFound', `no function is registered with the emulator at ${resourceArn}`);
      const answer = typeof target === 'function' ? await this.#invokeHandler(target, resourceArn, payload, requestId) : await invokeUrl(target.url, payload, requestId);
      const result = taskResult(answer);
      invocations.push({ step, resourceArn, event, requestId, result });
      return result;
    } catch (error) {
      const failure =
        error instanceof TaskFailure
          ? error
          : error instanceof WorkflowTaskError
            ? new TaskFailure(error.errorType, error.message)
            : new TaskFailure('FC.Unhandled', error instanceof Error ? error.message : String(error));
      invocations.push({ step, resourceArn, event, requestId, error: { type: failure.errorType, message: failure.message } });
      throw failure;
    }
  }

  async #invokeHandler(handler: Extract<WorkflowFunction, (...args: never[]) => unknown>, resourceArn: string, payload: Buffer, requestId: string): Promise<unknown> {
    const { service, name } = functionNames(resourceArn);
    const credentials = this.#settings.functionCredentials;
    return handler(payload, {
      requestId,
      ...(credentials === undefined ? {} : { credentials }),
      region: this.#settings.regionId,
      accountId: this.#settings.accountId,
      function: { name },
      service: { name: service },
    });
  }
}

/** An execution's input: JSON object text, or nothing (an empty object). */
function parseInput(input: string | undefined): Record<string, unknown> {
  if (input === undefined || input === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(input);
  } catch {
    throw workflowError('InvalidArgument', 'the execution input must be a JSON object');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw workflowError('InvalidArgument', 'the execution input must be a JSON object');
  return parsed as Record<string, unknown>;
}

/** Function Compute's answer as the task's result: JSON text or bytes parsed when they parse, anything else as it is. */
function taskResult(answer: unknown): unknown {
  if (!Buffer.isBuffer(answer) && typeof answer !== 'string') return answer;
  const text = answer.toString();
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function parseEvent(payload: Buffer): unknown {
  try {
    return JSON.parse(payload.toString('utf8')) as unknown;
  } catch {
    return payload.toString('utf8');
  }
}

/**
 * POSTs the event to a function served over HTTP: a 2xx answer is the result; an answer with an
 * `x-fc-error-type` header is the function's own error (`FC.Unhandled`); any other status is a
 * platform error `FC.<ErrorCode>` from the JSON body, else `FC.InternalServerError`.
 */
async function invokeUrl(url: string, payload: Buffer, requestId: string): Promise<unknown> {
  const response = await fetch(url, { method: 'POST', body: payload, headers: { 'content-type': 'application/octet-stream', 'x-fc-request-id': requestId } }).catch(
    (error: unknown) => {
      throw new TaskFailure('FC.InternalServerError', `the function at ${url} could not be reached: ${error instanceof Error ? error.message : String(error)}`);
    },
  );
  const body = await response.text();
  if (response.headers.get('x-fc-error-type') !== null) throw new TaskFailure('FC.Unhandled', body);
  if (!response.ok) {
    let code = 'InternalServerError';
    try {
      const parsed = JSON.parse(body) as { ErrorCode?: unknown; Code?: unknown };
      code = String(parsed.ErrorCode ?? parsed.Code ?? code);
    } catch {
      // Not JSON: the generic code stands.
    }
    throw new TaskFailure(`FC.${code}`, `the function at ${url} answered HTTP ${response.status}`);
  }
  return body;
}
