import { parse } from 'yaml';
import { workflowError } from './errors.js';

/** A retry policy, in one shape for both definition languages. */
export interface RetryPolicy {
  readonly errors: readonly string[];
  readonly intervalSeconds: number;
  readonly maxAttempts: number;
  /** What the wait is multiplied by after each retry (1: constant). */
  readonly multiplier: number;
  readonly maxIntervalSeconds: number | undefined;
}

/** A catch policy: where the flow goes when the error outlives its retries. */
export interface CatchPolicy {
  readonly errors: readonly string[];
  readonly next: string;
  /** CloudFlow's `OutputConstructor` of the catch (the next state's input). */
  readonly outputConstructor: Record<string, unknown> | undefined;
}

/** An FDL mapping `{target, source}`: a source is `$input[.path]`, `$local[.path]` or a constant. */
export interface FdlMapping {
  readonly target: string;
  readonly source: unknown;
}

/** One FDL step. */
export interface FdlStep {
  readonly type: 'task' | 'pass' | 'succeed' | 'fail';
  readonly name: string;
  readonly resourceArn: string | undefined;
  readonly inputMappings: readonly FdlMapping[] | undefined;
  readonly outputMappings: readonly FdlMapping[] | undefined;
  readonly retry: readonly RetryPolicy[];
  readonly catch: readonly CatchPolicy[];
  readonly end: boolean;
  /** A fail step's error and cause. */
  readonly error: string | undefined;
  readonly cause: string | undefined;
}

/** A flow in the Flow Definition Language (`version: v1 | v1beta1`, `type: flow`). */
export interface FdlFlow {
  readonly language: 'FDL';
  readonly inputMappings: readonly FdlMapping[] | undefined;
  readonly outputMappings: readonly FdlMapping[] | undefined;
  readonly steps: readonly FdlStep[];
}

/** One CloudFlow state. */
export interface CloudFlowState {
  readonly type: 'Task' | 'Pass' | 'Succeed' | 'Fail';
  readonly name: string;
  readonly next: string | undefined;
  readonly end: boolean;
  readonly inputConstructor: Record<string, unknown> | undefined;
  readonly outputConstructor: Record<string, unknown> | undefined;
  /** A Task's `Parameters`: `resourceArn`, `invocationType`, `body`. */
  readonly parameters: Record<string, unknown>;
  readonly retry: readonly RetryPolicy[];
  readonly catch: readonly CatchPolicy[];
  /** A Fail state's `Code` and `Detail`. */
  readonly code: string | undefined;
  readonly detail: string | undefined;
}

/** A flow in CloudFlow's state-machine language (`Type: StateMachine`, `SpecVersion: v1`). */
export interface CloudFlowStateMachine {
  readonly language: 'CloudFlow';
  readonly startAt: string;
  readonly states: readonly CloudFlowState[];
}

/** A parsed flow definition. */
export type FlowDefinition = FdlFlow | CloudFlowStateMachine;

type Node = Record<string, unknown>;

/** Refuses the definition, naming what is wrong: CreateFlow's InvalidArgument. */
function invalid(message: string): never {
  throw workflowError('InvalidArgument', `invalid flow definition: ${message}`);
}

function record(value: unknown, where: string): Node {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) invalid(`${where} must be a mapping`);
  return value as Node;
}

function list(value: unknown, where: string): unknown[] {
  if (!Array.isArray(value)) invalid(`${where} must be a list`);
  return value;
}

function text(node: Node, key: string, where: string, required = true): string | undefined {
  const value = node[key];
  if (value === undefined && !required) return undefined;
  if (typeof value !== 'string' || value === '') invalid(`${where}.${key} must be a non-empty string`);
  return value;
}

function number(node: Node, key: string, where: string, fallback: number | undefined, min: number, max: number): number | undefined {
  const value = node[key];
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    invalid(`${where}.${key} must be a number from ${min} to ${max}`);
  }
  return value;
}

/** Refuses keys the emulator does not carry out, so a flow never silently loses a behaviour. */
function knownKeys(node: Node, known: readonly string[], where: string): void {
  const unknown = Object.keys(node).find((key) => !known.includes(key));
  if (unknown !== undefined) invalid(`${where}.${unknown} is not supported by the emulator`);
}

function errorList(node: Node, key: string, where: string): string[] {
  const errors = list(node[key], `${where}.${key}`);
  if (errors.length === 0 || errors.some((e) => typeof e !== 'string' || e === '')) invalid(`${where}.${key} must list error types`);
  return errors as string[];
}

/** The longest wait either language allows, in seconds. */
const MAX_INTERVAL = 86_400;

/** Parses a flow definition (YAML or JSON text) in either language, refusing what it cannot run. */
export function parseFlowDefinition(definition: string): FlowDefinition {
  let document: unknown;
  try {
    document = parse(definition);
  } catch {
    invalid('not YAML');
  }
  const root = record(document, 'the definition');
  if (root['Type'] === 'StateMachine') return parseCloudFlow(root);
  if (root['type'] === 'flow') return parseFdl(root);
  return invalid('neither `type: flow` (FDL) nor `Type: StateMachine` (CloudFlow)');
}

function mappings(value: unknown, where: string): FdlMapping[] | undefined {
  if (value === undefined) return undefined;
  return list(value, where).map((item, index) => {
    const mapping = record(item, `${where}[${index}]`);
    knownKeys(mapping, ['target', 'source'], `${where}[${index}]`);
    const target = text(mapping, 'target', `${where}[${index}]`) as string;
    const source = mapping['source'];
    if (typeof source === 'string' && source.startsWith('$') && !/^\$(input|local)(\.[^.]+)*$/.test(source)) {
      invalid(`${where}[${index}].source ${source}: the emulator resolves $input and $local paths only`);
    }
    return { target, source };
  });
}

function parseFdl(root: Node): FdlFlow {
  knownKeys(root, ['version', 'type', 'steps', 'inputMappings', 'outputMappings'], 'flow');
  if (root['version'] !== 'v1' && root['version'] !== 'v1beta1') invalid('version must be v1 or v1beta1');
  const steps = list(root['steps'], 'steps').map((item, index) => parseFdlStep(record(item, `steps[${index}]`), `steps[${index}]`));
  if (steps.length === 0) invalid('steps must not be empty');
  checkNames(steps.map((s) => s.name));
  for (const step of steps) for (const policy of step.catch) checkTarget(steps.map((s) => s.name), policy.next, `${step.name}.catch.goto`);
  return { language: 'FDL', inputMappings: mappings(root['inputMappings'], 'inputMappings'), outputMappings: mappings(root['outputMappings'], 'outputMappings'), steps };
}

const FDL_KEYS = {
  task: ['type', 'name', 'resourceArn', 'inputMappings', 'outputMappings', 'retry', 'catch', 'end'],
  pass: ['type', 'name', 'inputMappings', 'outputMappings', 'end'],
  succeed: ['type', 'name', 'inputMappings', 'outputMappings'],
  fail: ['type', 'name', 'error', 'cause'],
} as const;

function parseFdlStep(node: Node, where: string): FdlStep {
  const type = node['type'];
  if (typeof type !== 'string' || !(type in FDL_KEYS)) invalid(`${where}.type ${String(type)} is not supported by the emulator (task, pass, succeed, fail)`);
  const stepType = type as FdlStep['type'];
  const name = text(node, 'name', where) as string;
  knownKeys(node, FDL_KEYS[stepType], name);
  const retry = node['retry'] === undefined ? [] : list(node['retry'], `${name}.retry`).map((item, index) => {
    const at = `${name}.retry[${index}]`;
    const policy = record(item, at);
    knownKeys(policy, ['errors', 'intervalSeconds', 'maxIntervalSeconds', 'maxAttempts', 'multiplier'], at);
    // FDL's documented defaults: 1 second, 3 attempts, multiplier 2.
    return {
      errors: errorList(policy, 'errors', at),
      intervalSeconds: number(policy, 'intervalSeconds', at, 1, 0, MAX_INTERVAL) as number,
      maxAttempts: number(policy, 'maxAttempts', at, 3, 0, 1_000) as number,
      multiplier: number(policy, 'multiplier', at, 2, 1, 1_000) as number,
      maxIntervalSeconds: number(policy, 'maxIntervalSeconds', at, undefined, 0, MAX_INTERVAL),
    };
  });
  const catchPolicies = node['catch'] === undefined ? [] : list(node['catch'], `${name}.catch`).map((item, index) => {
    const at = `${name}.catch[${index}]`;
    const policy = record(item, at);
    knownKeys(policy, ['errors', 'goto'], at);
    return { errors: errorList(policy, 'errors', at), next: text(policy, 'goto', at) as string, outputConstructor: undefined };
  });
  if (node['end'] !== undefined && typeof node['end'] !== 'boolean') invalid(`${name}.end must be true or false`);
  return {
    type: stepType,
    name,
    resourceArn: stepType === 'task' ? text(node, 'resourceArn', name) : undefined,
    inputMappings: mappings(node['inputMappings'], `${name}.inputMappings`),
    outputMappings: mappings(node['outputMappings'], `${name}.outputMappings`),
    retry,
    catch: catchPolicies,
    end: node['end'] === true,
    error: stepType === 'fail' ? text(node, 'error', name, false) : undefined,
    cause: stepType === 'fail' ? text(node, 'cause', name, false) : undefined,
  };
}

const CLOUDFLOW_KEYS = {
  Task: ['Type', 'Name', 'Description', 'Action', 'TaskMode', 'Parameters', 'InputConstructor', 'OutputConstructor', 'Retry', 'Catch', 'Next', 'End'],
  Pass: ['Type', 'Name', 'Description', 'InputConstructor', 'OutputConstructor', 'Next', 'End'],
  Succeed: ['Type', 'Name', 'Description', 'InputConstructor', 'OutputConstructor'],
  Fail: ['Type', 'Name', 'Description', 'Code', 'Detail'],
} as const;

function parseCloudFlow(root: Node): CloudFlowStateMachine {
  knownKeys(root, ['Type', 'Name', 'SpecVersion', 'StartAt', 'States', 'Comment'], 'state machine');
  if (root['SpecVersion'] !== 'v1') invalid('SpecVersion must be v1');
  const startAt = text(root, 'StartAt', 'state machine') as string;
  const states = list(root['States'], 'States').map((item, index) => parseCloudFlowState(record(item, `States[${index}]`), `States[${index}]`));
  const names = states.map((s) => s.name);
  checkNames(names);
  checkTarget(names, startAt, 'StartAt');
  for (const state of states) {
    if (state.next !== undefined) checkTarget(names, state.next, `${state.name}.Next`);
    for (const policy of state.catch) checkTarget(names, policy.next, `${state.name}.Catch.Next`);
  }
  return { language: 'CloudFlow', startAt, states };
}

function constructor(node: Node, key: string, where: string): Record<string, unknown> | undefined {
  return node[key] === undefined ? undefined : record(node[key], `${where}.${key}`);
}

function parseCloudFlowState(node: Node, where: string): CloudFlowState {
  const type = node['Type'];
  if (typeof type !== 'string' || !(type in CLOUDFLOW_KEYS)) invalid(`${where}.Type ${String(type)} is not supported by the emulator (Task, Pass, Succeed, Fail)`);
  const stateType = type as CloudFlowState['type'];
  const name = text(node, 'Name', where) as string;
  knownKeys(node, CLOUDFLOW_KEYS[stateType], name);
  const next = text(node, 'Next', name, false);
  const end = node['End'] === true;
  if ((stateType === 'Task' || stateType === 'Pass') && (next === undefined) === !end) invalid(`${name} needs exactly one of Next and End: true`);
  const parameters = stateType === 'Task' ? record(node['Parameters'], `${name}.Parameters`) : {};
  if (stateType === 'Task') {
    if (node['Action'] !== 'FC:InvokeFunction') invalid(`${name}.Action ${String(node['Action'])} is not supported by the emulator (FC:InvokeFunction)`);
    if (node['TaskMode'] !== undefined && node['TaskMode'] !== 'RequestComplete') invalid(`${name}.TaskMode must be RequestComplete in the emulator`);
    knownKeys(parameters, ['resourceArn', 'invocationType', 'body', 'body.$'], `${name}.Parameters`);
    text(parameters, 'resourceArn', `${name}.Parameters`);
    if (parameters['invocationType'] !== undefined && parameters['invocationType'] !== 'Sync') invalid(`${name}.Parameters.invocationType must be Sync in the emulator`);
  }
  const retry = node['Retry'] === undefined ? [] : list(node['Retry'], `${name}.Retry`).map((item, index) => {
    const at = `${name}.Retry[${index}]`;
    const policy = record(item, at);
    knownKeys(policy, ['Errors', 'Description', 'MaxAttempts', 'IntervalSeconds', 'BackoffRate', 'MaxBackoffSeconds'], at);
    if (policy['MaxAttempts'] === undefined || policy['IntervalSeconds'] === undefined) invalid(`${at} needs MaxAttempts and IntervalSeconds`);
    // Without BackoffRate the interval stays constant (CloudFlow's documented rule).
    return {
      errors: errorList(policy, 'Errors', at),
      intervalSeconds: number(policy, 'IntervalSeconds', at, undefined, 0, MAX_INTERVAL) as number,
      maxAttempts: number(policy, 'MaxAttempts', at, undefined, 0, 1_000) as number,
      multiplier: number(policy, 'BackoffRate', at, 1, 1, 1_000) as number,
      maxIntervalSeconds: number(policy, 'MaxBackoffSeconds', at, undefined, 0, MAX_INTERVAL),
    };
  });
  const catchPolicies = node['Catch'] === undefined ? [] : list(node['Catch'], `${name}.Catch`).map((item, index) => {
    const at = `${name}.Catch[${index}]`;
    const policy = record(item, at);
    knownKeys(policy, ['Errors', 'Description', 'OutputConstructor', 'Next'], at);
    return { errors: errorList(policy, 'Errors', at), next: text(policy, 'Next', at) as string, outputConstructor: constructor(policy, 'OutputConstructor', at) };
  });
  return {
    type: stateType,
    name,
    next,
    end,
    inputConstructor: constructor(node, 'InputConstructor', name),
    outputConstructor: constructor(node, 'OutputConstructor', name),
    parameters,
    retry,
    catch: catchPolicies,
    code: stateType === 'Fail' ? text(node, 'Code', name, false) : undefined,
    detail: stateType === 'Fail' ? text(node, 'Detail', name, false) : undefined,
  };
}

function checkNames(names: readonly string[]): void {
  const repeated = names.find((name, index) => names.indexOf(name) !== index);
  if (repeated !== undefined) invalid(`two steps are named ${repeated}`);
}

function checkTarget(names: readonly string[], target: string, where: string): void {
  if (!names.includes(target)) invalid(`${where} names ${target}, which is not a step of the flow`);
}
