import { InvalidOptionsError } from '@rotakit/core';
import { stringify } from 'yaml';
import { FC_STEPS, type FcStep } from '../conventions.js';

/** A retry policy of a workflow Task state (CloudFlow's `Retry`). */
export interface WorkflowRetry {
  /** The error types it matches, e.g. `FC.ResourceThrottled`, or `FnF.ALL`. */
  readonly errors: readonly string[];
  /** Seconds before the first retry; default 10. */
  readonly intervalSeconds?: number;
  /** The longest wait between retries, in seconds. */
  readonly maxIntervalSeconds?: number;
  /** Retries in all; default 3. */
  readonly maxAttempts?: number;
  /** What the wait is multiplied by after each retry. */
  readonly multiplier?: number;
}

/** Options of {@link workflowDefinition}. */
export interface WorkflowDefinitionOptions {
  /** The rotation function, `acs:fc:<region>:<account>:services/<service>/functions/<function>` (or FC 3.0's form). */
  readonly functionArn: string;
  /** The flow's `Name`; default `rotakit-rotation`. */
  readonly name?: string;
  /** Pass the execution input's `InstanceId` to every step (scenario 1, the RDS account API). */
  readonly instanceId?: boolean;
  /** Retry policies of every step; default: Function Compute's throttling and internal errors, 3 attempts. */
  readonly retry?: readonly WorkflowRetry[];
}

/** Function Compute errors worth retrying a step for; every step is safe to re-run. */
export const DEFAULT_WORKFLOW_RETRY: readonly WorkflowRetry[] = [
  {
    errors: ['FC.ResourceThrottled', 'FC.ResourceExhausted', 'FC.InternalServerError'],
    intervalSeconds: 10,
    maxIntervalSeconds: 300,
    maxAttempts: 3,
    multiplier: 2,
  },
];

/** The states' names, in order. */
export const WORKFLOW_STATE_NAMES: Readonly<Record<FcStep, string>> = {
  new: 'RotateSecretNew',
  set: 'RotateSecretSet',
  test: 'RotateSecretTest',
  end: 'RotateSecretEnd',
};

const FLOW_NAME = /^[A-Za-z_][\w-]{0,127}$/;

/**
 * The CloudFlow (Serverless Workflow) flow definition, in YAML, that rotates a secret: four Task
 * states invoking the rotation function (`FC:InvokeFunction`, synchronously) with `Step` new, set,
 * test and end. Each state's input takes `SecretName`, `RegionId` (and `InstanceId`) from the
 * execution's input (the schedule's payload), and `ExecutionName` from `$Context.Execution.Name`:
 * the handler derives the rotation's VersionId from it, so every state and every retry of a state
 * addresses the same version — a retried `new` whose first answer was lost finds the value it
 * stored, instead of starting a second rotation.
 */
export function workflowDefinition(options: WorkflowDefinitionOptions): string {
  if (typeof options?.functionArn !== 'string' || !/^acs:fc:[a-z0-9-]+:\d+:\S+$/.test(options.functionArn)) {
    throw new InvalidOptionsError('functionArn must be a Function Compute ARN (acs:fc:<region>:<account>:…)', {
      field: 'functionArn',
    });
  }
  const name = options.name ?? 'rotakit-rotation';
  if (typeof name !== 'string' || !FLOW_NAME.test(name)) {
    throw new InvalidOptionsError('name must be 1 to 128 letters, digits, underscores or hyphens, starting with a letter or an underscore', {
      field: 'name',
    });
  }
  const inputKeys = ['SecretName', 'RegionId', ...(options.instanceId ? ['InstanceId'] : [])];
  const retry = options.retry ?? DEFAULT_WORKFLOW_RETRY;
  const states = FC_STEPS.map((step, index) => {
    const next = FC_STEPS[index + 1];
    return {
      Type: 'Task',
      Name: WORKFLOW_STATE_NAMES[step],
      Action: 'FC:InvokeFunction',
      TaskMode: 'RequestComplete',
      // A key ending in `.$` takes the value of the expression; the others are constants.
      InputConstructor: {
        ...Object.fromEntries(inputKeys.map((key) => [`${key}.$`, `$Context.Execution.Input.${key}`])),
        Step: step,
        'ExecutionName.$': '$Context.Execution.Name',
      },
      Parameters: { resourceArn: options.functionArn, invocationType: 'Sync', 'body.$': '$Input' },
      ...(retry.length === 0 ? {} : { Retry: retry.map(retryPolicy) }),
      ...(next === undefined ? { End: true } : { Next: WORKFLOW_STATE_NAMES[next] }),
    };
  });
  // No YAML anchors or aliases: the flow definition language is plain YAML.
  return stringify(
    { Type: 'StateMachine', Name: name, SpecVersion: 'v1', StartAt: WORKFLOW_STATE_NAMES.new, States: states },
    { aliasDuplicateObjects: false },
  );
}

/** A retry policy in CloudFlow's words. */
function retryPolicy(policy: WorkflowRetry, index: number): Record<string, unknown> {
  return {
    Errors: [...policy.errors],
    Description: `rotakit retry policy ${index + 1}`,
    MaxAttempts: policy.maxAttempts ?? 3,
    IntervalSeconds: policy.intervalSeconds ?? 10,
    ...(policy.multiplier === undefined ? {} : { BackoffRate: policy.multiplier }),
    ...(policy.maxIntervalSeconds === undefined ? {} : { MaxBackoffSeconds: policy.maxIntervalSeconds }),
  };
}

/** Options of {@link schedulePayload}. */
export interface SchedulePayloadOptions {
  readonly secretName: string;
  readonly regionId: string;
  /** Scenario 1: the RDS instance whose accounts rotate. */
  readonly instanceId?: string;
}

/** The payload of the workflow's time-based schedule (the execution's input), as JSON text. */
export function schedulePayload(options: SchedulePayloadOptions): string {
  for (const key of ['secretName', 'regionId'] as const) {
    if (typeof options?.[key] !== 'string' || options[key].length === 0) {
      throw new InvalidOptionsError(`${key} must be a non-empty string`, { field: key });
    }
  }
  return JSON.stringify({
    SecretName: options.secretName,
    RegionId: options.regionId,
    ...(options.instanceId === undefined ? {} : { InstanceId: options.instanceId }),
  });
}
