import { parse } from 'yaml';
import { describe, expect, test } from 'vitest';
import { DEFAULT_WORKFLOW_RETRY, schedulePayload, WORKFLOW_STATE_NAMES, workflowDefinition } from '@rotakit/provider-alibaba/setup';

const ARN = 'acs:fc:cn-hangzhou:1234567890123456:services/rotation/functions/rotate';

interface State {
  Type: string;
  Name: string;
  Action: string;
  TaskMode: string;
  InputConstructor: Record<string, unknown>;
  Parameters: Record<string, unknown>;
  Retry?: Record<string, unknown>[];
  Next?: string;
  End?: boolean;
}

interface Flow {
  Type: string;
  Name: string;
  SpecVersion: string;
  StartAt: string;
  States: State[];
}

const flowOf = (options: Parameters<typeof workflowDefinition>[0]) => parse(workflowDefinition(options)) as Flow;

describe('workflowDefinition', () => {
  test('four Task states, new, set, test and end, in a chain that invokes the function synchronously', () => {
    const flow = flowOf({ functionArn: ARN });
    expect(flow).toMatchObject({ Type: 'StateMachine', Name: 'rotakit-rotation', SpecVersion: 'v1', StartAt: 'RotateSecretNew' });
    expect(flow.States.map((s) => s.Name)).toEqual(Object.values(WORKFLOW_STATE_NAMES));
    expect(flow.States.map((s) => s.Next ?? (s.End ? '(end)' : undefined))).toEqual(['RotateSecretSet', 'RotateSecretTest', 'RotateSecretEnd', '(end)']);
    for (const state of flow.States) {
      expect(state).toMatchObject({ Type: 'Task', Action: 'FC:InvokeFunction', TaskMode: 'RequestComplete' });
      expect(state.Parameters).toEqual({ resourceArn: ARN, invocationType: 'Sync', 'body.$': '$Input' });
    }
  });

  test('every state passes the execution\'s name, from which the handler derives one VersionId for the whole execution', () => {
    const flow = flowOf({ functionArn: ARN });
    flow.States.forEach((state, i) => {
      expect(state.InputConstructor).toEqual({
        'SecretName.$': '$Context.Execution.Input.SecretName',
        'RegionId.$': '$Context.Execution.Input.RegionId',
        Step: ['new', 'set', 'test', 'end'][i],
        'ExecutionName.$': '$Context.Execution.Name',
      });
    });
  });

  test('retries are CloudFlow retry policies; they can be replaced or left out', () => {
    for (const state of flowOf({ functionArn: ARN }).States) {
      expect(state.Retry).toEqual([
        {
          Errors: DEFAULT_WORKFLOW_RETRY[0]?.errors,
          Description: 'rotakit retry policy 1',
          MaxAttempts: 3,
          IntervalSeconds: 10,
          BackoffRate: 2,
          MaxBackoffSeconds: 300,
        },
      ]);
    }
    const custom = flowOf({ functionArn: ARN, retry: [{ errors: ['FnF.ALL'] }] });
    expect(custom.States[0]?.Retry).toEqual([{ Errors: ['FnF.ALL'], Description: 'rotakit retry policy 1', MaxAttempts: 3, IntervalSeconds: 10 }]);
    for (const state of flowOf({ functionArn: ARN, retry: [] }).States) expect(state.Retry).toBeUndefined();
  });

  test('the YAML spells every state out, with no anchors or aliases', () => {
    const text = workflowDefinition({ functionArn: ARN, instanceId: true });
    expect(text).not.toMatch(/[&*][a-z]\w*\s*$/m);
    expect(text).not.toMatch(/:\s*[&*]/);
  });

  test('scenario 1 passes InstanceId; the flow can be named', () => {
    const flow = flowOf({ functionArn: ARN, instanceId: true, name: 'rotate-db_app' });
    expect(flow.Name).toBe('rotate-db_app');
    for (const state of flow.States) expect(state.InputConstructor['InstanceId.$']).toBe('$Context.Execution.Input.InstanceId');
  });

  test('a function ARN that is not one, or a flow name CloudFlow refuses, is InvalidOptions', () => {
    expect(() => workflowDefinition({ functionArn: 'rotate' })).toThrow(expect.objectContaining({ code: 'InvalidOptions', field: 'functionArn' }));
    expect(() => workflowDefinition({ functionArn: ARN, name: '9 lives' })).toThrow(expect.objectContaining({ code: 'InvalidOptions', field: 'name' }));
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
