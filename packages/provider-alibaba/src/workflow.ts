import { InvalidOptionsError } from '@rotakit/core';
import { stringify } from 'yaml';
import { FC_STEPS, type FcStep } from './fc-handler.js';

/** A retry policy of a workflow task step (Flow Definition Language). */
export interface WorkflowRetry {
  readonly errors: readonly string[];
  readonly intervalSeconds?: number;
  readonly maxIntervalSeconds?: number;
  readonly maxAttempts?: number;
  readonly multiplier?: number;
}

/** Options of {@link workflowDefinition}. */
export interface WorkflowDefinitionOptions {
  /** The rotation function, `acs:fc:<region>:<account>:services/<service>/functions/<function>` (or FC 3.0's form). */
  readonly functionArn: string;
  /** Pass the schedule payload's `InstanceId` to every step (scenario 1, the RDS account API). */
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

const STEP_NAMES: Readonly<Record<FcStep, string>> = {
  new: 'RotateSecretNew',
  set: 'RotateSecretSet',
  test: 'RotateSecretTest',
  end: 'RotateSecretEnd',
};

/**
 * The Serverless Workflow (CloudFlow) flow definition, in YAML, that rotates a secret: four task
 * steps invoking the rotation function with `Step` new, set, test and end. Each step takes
 * `SecretName`, `RegionId` (and `InstanceId`) from the schedule's payload; `new` outputs the
 * `VersionId` the function returns and every later step passes it back, so all four address the
 * same version.
 */
export function workflowDefinition(options: WorkflowDefinitionOptions): string {
  if (typeof options?.functionArn !== 'string' || !/^acs:fc:[a-z0-9-]+:\d+:\S+$/.test(options.functionArn)) {
    throw new InvalidOptionsError('functionArn must be a Function Compute ARN (acs:fc:<region>:<account>:…)', {
      field: 'functionArn',
    });
  }
  const payloadKeys = ['SecretName', 'RegionId', ...(options.instanceId ? ['InstanceId'] : [])];
  const retry = options.retry ?? DEFAULT_WORKFLOW_RETRY;
  const steps = FC_STEPS.map((step) => ({
    type: 'task',
    name: STEP_NAMES[step],
    resourceArn: options.functionArn,
    inputMappings: [
      ...payloadKeys.map((key) => ({ target: key, source: `$input.payload.${key}` })),
      { target: 'Step', source: step },
      ...(step === 'new' ? [] : [{ target: 'VersionId', source: '$local.VersionId' }]),
    ],
    // In a task's output mapping $local is the function's result; the step's output becomes the
    // flow's local data, where the next step's input mapping finds it.
    outputMappings: [{ target: 'VersionId', source: '$local.VersionId' }],
    ...(retry.length === 0 ? {} : { retry: retry.map((policy) => ({ ...policy, errors: [...policy.errors] })) }),
  }));
  // No YAML anchors or aliases: the flow definition language is plain YAML.
  return stringify({ version: 'v1', type: 'flow', steps }, { aliasDuplicateObjects: false });
}

/** Options of {@link schedulePayload}. */
export interface SchedulePayloadOptions {
  readonly secretName: string;
  readonly regionId: string;
  /** Scenario 1: the RDS instance whose accounts rotate. */
  readonly instanceId?: string;
}

/** The payload of the workflow's time-based schedule, as JSON text. */
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
