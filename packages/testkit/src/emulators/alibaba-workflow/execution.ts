import type { CatchPolicy, CloudFlowState, CloudFlowStateMachine, FdlFlow, FdlMapping, RetryPolicy } from './definition.js';

/** The error type that matches every error in a retry or catch policy. */
export const MATCH_ALL_ERRORS = 'FnF.ALL';

/** A failed task or expression: the error type policies match, and its message (the execution's cause). */
export class TaskFailure extends Error {
  readonly errorType: string;

  constructor(errorType: string, message: string) {
    super(message);
    this.name = 'TaskFailure';
    this.errorType = errorType;
  }
}

/** One entry of an execution's history, as GetExecutionHistory answers it. */
export interface WorkflowHistoryEvent {
  readonly eventId: number;
  /** `ExecutionStarted`, `StepEntered`, `TaskScheduled`, `TaskSucceeded`, `TaskFailed`, `TaskRetryScheduled`, `StepExited`, `ExecutionSucceeded`, `ExecutionFailed`. */
  readonly type: string;
  readonly stepName: string;
  /** `YYYY-MM-DDTHH:mm:ss.sssZ`. */
  readonly time: string;
  readonly detail: Record<string, unknown>;
}

/** What the runner needs from the emulator: calling a function, waiting, and writing history. */
export interface ExecutionRuntime {
  /** Invokes the function at `resourceArn` with `payload` and answers its result; throws a {@link TaskFailure} when the task fails. */
  invoke(stepName: string, resourceArn: string, payload: Buffer): Promise<unknown>;
  /** Waits `seconds` of workflow time before a retry. */
  wait(seconds: number): Promise<void>;
  record(type: string, stepName: string, detail?: Record<string, unknown>): void;
}

/** The end of an execution. */
export type ExecutionResult =
  | { readonly status: 'Succeeded'; readonly output: Record<string, unknown> }
  | { readonly status: 'Failed'; readonly error: string; readonly cause: string };

/** What one execution starts from. */
export interface ExecutionStart {
  readonly flowName: string;
  readonly executionName: string;
  readonly input: Record<string, unknown>;
  readonly startedTime: string;
}

type Data = Record<string, unknown>;

function isRecord(value: unknown): value is Data {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The value at a dotted path under `root`, or undefined. */
function at(root: unknown, path: readonly string[]): unknown {
  let value = root;
  for (const key of path) value = isRecord(value) ? value[key] : undefined;
  return value;
}

function matches(errors: readonly string[], errorType: string): boolean {
  return errors.includes(errorType) || errors.includes(MATCH_ALL_ERRORS);
}

/**
 * Runs `attempt` until it succeeds or its error outlives the retry policies: the first policy
 * that matches the error decides; each policy counts its own retries, waiting its interval times
 * its multiplier to the power of the retries it has made, capped by its longest interval.
 */
async function withRetries<T>(stepName: string, policies: readonly RetryPolicy[], runtime: ExecutionRuntime, attempt: () => Promise<T>): Promise<T> {
  const retriesMade = policies.map(() => 0);
  for (;;) {
    try {
      return await attempt();
    } catch (error) {
      if (!(error instanceof TaskFailure)) throw error;
      const index = policies.findIndex((policy) => matches(policy.errors, error.errorType));
      const policy = policies[index];
      const made = retriesMade[index] ?? 0;
      if (policy === undefined || made >= policy.maxAttempts) throw error;
      const waitSeconds = Math.min(policy.intervalSeconds * policy.multiplier ** made, policy.maxIntervalSeconds ?? Number.POSITIVE_INFINITY);
      retriesMade[index] = made + 1;
      runtime.record('TaskRetryScheduled', stepName, { error: error.errorType, retry: made + 1, waitSeconds });
      await runtime.wait(waitSeconds);
    }
  }
}

function caught(policies: readonly CatchPolicy[], failure: TaskFailure): CatchPolicy | undefined {
  return policies.find((policy) => matches(policy.errors, failure.errorType));
}

function failed(failure: TaskFailure): ExecutionResult {
  return { status: 'Failed', error: failure.errorType, cause: failure.message };
}

async function invokeTask(stepName: string, resourceArn: string, event: unknown, runtime: ExecutionRuntime): Promise<unknown> {
  const payload = Buffer.from(typeof event === 'string' ? event : JSON.stringify(event ?? {}));
  runtime.record('TaskScheduled', stepName, { resource: resourceArn });
  try {
    const result = await runtime.invoke(stepName, resourceArn, payload);
    runtime.record('TaskSucceeded', stepName, { output: result });
    return result;
  } catch (error) {
    if (error instanceof TaskFailure) runtime.record('TaskFailed', stepName, { error: error.errorType, cause: error.message });
    throw error;
  }
}

// ---- FDL ------------------------------------------------------------------------------------

/** An FDL mapping's value: `$input.path` and `$local.path` are looked up, anything else is a constant. */
function mapped(mappings: readonly FdlMapping[], scope: { input: Data; local: Data }): Data {
  const result: Data = {};
  for (const { target, source } of mappings) {
    if (typeof source === 'string' && (source === '$input' || source === '$local' || /^\$(input|local)\./.test(source))) {
      const [root, ...path] = source.split('.');
      const value = at(root === '$input' ? scope.input : scope.local, path);
      // A path that leads nowhere maps nothing (the emulator's reading; FDL's pages do not say).
      if (value !== undefined) result[target] = value;
    } else {
      result[target] = source;
    }
  }
  return result;
}

/**
 * Runs an FDL flow by the documented data rules: a step's input is its input mappings over the
 * parent's input and local variable (without mappings, the two merged, the local variable winning);
 * a task's local variable is the function's result; a step's output is its output mappings over its
 * own input and local variable (without mappings, its local variable); the parent's local variable
 * is the union of its steps' outputs, a later step overwriting an earlier one's keys.
 */
export async function runFdl(flow: FdlFlow, start: ExecutionStart, runtime: ExecutionRuntime): Promise<ExecutionResult> {
  const flowInput = flow.inputMappings ? mapped(flow.inputMappings, { input: start.input, local: {} }) : start.input;
  let flowLocal: Data = {};
  for (let index = 0; index < flow.steps.length; ) {
    const step = flow.steps[index] as FdlFlow['steps'][number];
    runtime.record('StepEntered', step.name);
    const stepInput = step.inputMappings ? mapped(step.inputMappings, { input: flowInput, local: flowLocal }) : { ...flowInput, ...flowLocal };
    if (step.type === 'fail') {
      return { status: 'Failed', error: step.error ?? 'FnF.Fail', cause: step.cause ?? '' };
    }
    let stepLocal: Data = {};
    if (step.type === 'task') {
      try {
        const result = await withRetries(step.name, step.retry, runtime, () => invokeTask(step.name, step.resourceArn as string, stepInput, runtime));
        stepLocal = isRecord(result) ? result : {};
      } catch (error) {
        if (!(error instanceof TaskFailure)) throw error;
        const policy = caught(step.catch, error);
        if (policy === undefined) return failed(error);
        runtime.record('StepExited', step.name, { caught: error.errorType, goto: policy.next });
        index = flow.steps.findIndex((s) => s.name === policy.next);
        continue;
      }
    }
    const stepOutput = step.outputMappings ? mapped(step.outputMappings, { input: stepInput, local: stepLocal }) : stepLocal;
    flowLocal = { ...flowLocal, ...stepOutput };
    runtime.record('StepExited', step.name, { output: stepOutput });
    if (step.type === 'succeed' || step.end) break;
    index += 1;
  }
  const output = flow.outputMappings ? mapped(flow.outputMappings, { input: flowInput, local: flowLocal }) : flowLocal;
  return { status: 'Succeeded', output };
}

// ---- CloudFlow ----------------------------------------------------------------------------

/** The variables a CloudFlow expression may name. */
interface Scope {
  readonly $Input?: unknown;
  readonly $Output?: unknown;
  readonly $Context: Data;
}

/** `$Input`, `$Output` or `$Context`, then a dotted path; a path that leads nowhere fails the state. */
function evaluate(expression: unknown, scope: Scope, stateName: string): unknown {
  const [root, ...path] = typeof expression === 'string' ? expression.split('.') : [];
  if (root !== '$Input' && root !== '$Output' && root !== '$Context') {
    throw new TaskFailure('FnF.InvalidExpression', `${stateName}: the emulator evaluates $Input, $Output and $Context paths only, not ${String(expression)}`);
  }
  const value = at(scope[root], path);
  if (value === undefined) throw new TaskFailure('FnF.InvalidExpression', `${stateName}: ${String(expression)} has no value`);
  return value;
}

/** A constructor: a key ending in `.$` takes the value of its expression, nested maps are built too, the rest are constants. */
function construct(template: Data, scope: Scope, stateName: string): Data {
  const result: Data = {};
  for (const [key, value] of Object.entries(template)) {
    if (key.endsWith('.$')) result[key.slice(0, -2)] = evaluate(value, scope, stateName);
    else result[key] = isRecord(value) ? construct(value, scope, stateName) : value;
  }
  return result;
}

/**
 * Runs a CloudFlow state machine from `StartAt` along `Next`: a state's input is the previous
 * state's output (the execution's input for the first), rebuilt by its `InputConstructor`; a Task
 * invokes `Parameters.resourceArn` synchronously with `Parameters.body` as the event and its result
 * as `$Output`; the state's output is `$Output` rebuilt by its `OutputConstructor`.
 */
export async function runCloudFlow(machine: CloudFlowStateMachine, start: ExecutionStart, runtime: ExecutionRuntime): Promise<ExecutionResult> {
  const context = {
    Execution: { Name: start.executionName, Input: start.input, StartTime: start.startedTime },
    Flow: { Name: start.flowName },
  };
  let input: unknown = start.input;
  for (let state = machine.states.find((s) => s.name === machine.startAt); state !== undefined; ) {
    runtime.record('StepEntered', state.name);
    const current: CloudFlowState = state;
    const $Context = { ...context, Current: { Name: current.name } };
    let output: unknown;
    try {
      const stateInput = current.inputConstructor ? construct(current.inputConstructor, { $Input: input, $Context }, current.name) : input;
      if (current.type === 'Fail') return { status: 'Failed', error: current.code ?? 'FnF.Fail', cause: current.detail ?? '' };
      let result: unknown = stateInput;
      if (current.type === 'Task') {
        result = await withRetries(current.name, current.retry, runtime, async () => {
          const parameters = construct(current.parameters, { $Input: stateInput, $Context }, current.name);
          return invokeTask(current.name, parameters['resourceArn'] as string, parameters['body'] ?? {}, runtime);
        });
      }
      output = current.outputConstructor ? construct(current.outputConstructor, { $Input: stateInput, $Output: result, $Context }, current.name) : result;
    } catch (error) {
      if (!(error instanceof TaskFailure)) throw error;
      const policy = caught(current.catch, error);
      if (policy === undefined) return failed(error);
      runtime.record('StepExited', current.name, { caught: error.errorType, next: policy.next });
      // Without an OutputConstructor the next state gets this state's input (the emulator's reading).
      input = policy.outputConstructor ? construct(policy.outputConstructor, { $Input: input, $Context }, current.name) : input;
      state = machine.states.find((s) => s.name === policy.next);
      continue;
    }
    runtime.record('StepExited', current.name, { output });
    if (current.type === 'Succeed' || current.end) return { status: 'Succeeded', output: isRecord(output) ? output : { value: output } };
    input = output;
    state = machine.states.find((s) => s.name === current.next);
  }
  throw new Error('a parsed state machine always ends in a state');
}
