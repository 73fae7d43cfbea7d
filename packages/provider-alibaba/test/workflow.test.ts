import { parse } from 'yaml';
import { describe, expect, test } from 'vitest';
import { DEFAULT_WORKFLOW_RETRY, schedulePayload, workflowDefinition } from '@rotakit/provider-alibaba';

const ARN = 'acs:fc:cn-hangzhou:1234567890123456:services/rotation/functions/rotate';

interface Task {
  type: string;
  name: string;
  resourceArn: string;
  inputMappings: { target: string; source: string }[];
  outputMappings: { target: string; source: string }[];
  retry?: unknown[];
}

describe('workflowDefinition', () => {
  test('four task steps, new, set, test and end, carrying VersionId from new to the others', () => {
    const flow = parse(workflowDefinition({ functionArn: ARN })) as { version: string; type: string; steps: Task[] };
    expect(flow.version).toBe('v1');
    expect(flow.type).toBe('flow');
    expect(flow.steps.map((s) => s.name)).toEqual(['RotateSecretNew', 'RotateSecretSet', 'RotateSecretTest', 'RotateSecretEnd']);
    for (const [i, step] of flow.steps.entries()) {
      expect(step).toMatchObject({ type: 'task', resourceArn: ARN });
      const inputs = Object.fromEntries(step.inputMappings.map((m) => [m.target, m.source]));
      expect(inputs).toEqual({
        SecretName: '$input.payload.SecretName',
        RegionId: '$input.payload.RegionId',
        Step: ['new', 'set', 'test', 'end'][i],
        ...(i === 0 ? {} : { VersionId: '$local.VersionId' }),
      });
      expect(step.outputMappings).toEqual([{ target: 'VersionId', source: '$local.VersionId' }]);
      expect(step.retry).toEqual(DEFAULT_WORKFLOW_RETRY);
    }
  });

  test('the YAML spells every step out, with no anchors or aliases', () => {
    const text = workflowDefinition({ functionArn: ARN, instanceId: true });
    expect(text).not.toMatch(/[&*][a-z]\w*\s*$/m);
    expect(text).not.toMatch(/:\s*[&*]/);
  });

  test('scenario 1 passes InstanceId; retries can be replaced or left out', () => {
    const flow = parse(workflowDefinition({ functionArn: ARN, instanceId: true, retry: [] })) as { steps: Task[] };
    for (const step of flow.steps) {
      expect(step.inputMappings).toContainEqual({ target: 'InstanceId', source: '$input.payload.InstanceId' });
      expect(step.retry).toBeUndefined();
    }
  });

  test('a function ARN that is not one is refused', () => {
    expect(() => workflowDefinition({ functionArn: 'rotate' })).toThrow(expect.objectContaining({ code: 'InvalidOptions', field: 'functionArn' }));
  });
});

describe('schedulePayload', () => {
  test('the schedule payload names the secret, the region and (scenario 1) the instance', () => {
    expect(JSON.parse(schedulePayload({ secretName: 'db/app', regionId: 'cn-hangzhou' }))).toEqual({ SecretName: 'db/app', RegionId: 'cn-hangzhou' });
    expect(JSON.parse(schedulePayload({ secretName: 'db/app', regionId: 'cn-hangzhou', instanceId: 'rm-1234' }))).toEqual({
      SecretName: 'db/app',
      RegionId: 'cn-hangzhou',
      InstanceId: 'rm-1234',
    });
    expect(() => schedulePayload({ secretName: '', regionId: 'cn-hangzhou' })).toThrow(expect.objectContaining({ field: 'secretName' }));
  });
});
