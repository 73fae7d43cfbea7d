// The Serverless Workflow emulator: FDL's and CloudFlow's data and retry rules, and the API as the
// unmodified @alicloud/fnf-2019-03-15 client sees it.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { InvalidOptionsError } from '@rotakit/core';
import {
  startAlibabaWorkflowEmulator,
  WorkflowTaskError,
  type AlibabaWorkflowEmulator,
  type WorkflowExecutionState,
  type WorkflowFunctionContext,
} from '../src/index.js';
import { fnfClient, fnfError, WORKFLOW_KEY } from './alibaba-workflow-clients.js';

const ARN = 'acs:fc:cn-hangzhou:1234567890123456:services/rotation/functions/rotate';
const FLAKY_ARN = 'acs:fc:cn-hangzhou:1234567890123456:services/rotation/functions/flaky';

let emulator: AlibabaWorkflowEmulator;
let flowCounter = 0;
/** What the recording function saw: each event and context. */
const seen: Array<{ event: Record<string, unknown>; context: WorkflowFunctionContext }> = [];
/** Errors the flaky function throws, one per call, before it succeeds. */
let flakyErrors: unknown[] = [];

beforeAll(async () => {
  emulator = await startAlibabaWorkflowEmulator({
    credentials: WORKFLOW_KEY,
    timeScale: 0,
    functionCredentials: { accessKeyId: 'sts-key', accessKeySecret: 'sts-secret', securityToken: 'sts-token' },
    functions: {
      // Answers like the seed's rotation function: the VersionId it was given, or a new one for `new`.
      [ARN]: async (event, context) => {
        const parsed = JSON.parse(event.toString('utf8')) as Record<string, unknown>;
        seen.push({ event: parsed, context });
        return { VersionId: parsed['VersionId'] ?? `v-${context.requestId}`, Step: parsed['Step'] };
      },
      [FLAKY_ARN]: async () => {
        const error = flakyErrors.shift();
        if (error !== undefined) throw error;
        return { ok: true };
      },
    },
  });
});
afterAll(() => emulator.close());

/** Creates a flow under a fresh name and returns the name. */
function flow(definition: string): string {
  flowCounter += 1;
  const name = `flow-${flowCounter}`;
  emulator.createFlow({ name, definition });
  return name;
}

const waitsOf = (execution: WorkflowExecutionState) =>
  execution.events.filter((e) => e.type === 'TaskRetryScheduled').map((e) => [e.detail['error'], e.detail['waitSeconds']]);

/** The seed guide's scenario-2 flow: four task steps with input mappings and no output mappings. */
const SEED_FLOW = `
version: v1
type: flow
steps:
${['new', 'set', 'test', 'end']
  .map(
    (step) => `  - type: task
    name: RotateSecret${step[0]?.toUpperCase()}${step.slice(1)}
    resourceArn: ${ARN}
    inputMappings:
      - target: SecretName
        source: $input.payload.SecretName
      - target: RegionId
        source: $input.payload.RegionId
      - target: Step
        source: ${step}
${step === 'new' ? '' : '      - target: VersionId\n        source: $local.VersionId\n'}`,
  )
  .join('')}`;

describe('FDL data rules', () => {
  test("the seed's flow: input mappings build each event, a step without output mappings outputs its $local, and the VersionId of new reaches end", async () => {
    seen.length = 0;
    const execution = await emulator.execute(flow(SEED_FLOW), { input: { payload: { SecretName: 'db/app', RegionId: 'cn-hangzhou' } } });
    expect(execution.status).toBe('Succeeded');
    const versionId = `v-${seen[0]?.context.requestId}`;
    expect(seen.map((s) => s.event)).toEqual([
      { SecretName: 'db/app', RegionId: 'cn-hangzhou', Step: 'new' },
      { SecretName: 'db/app', RegionId: 'cn-hangzhou', Step: 'set', VersionId: versionId },
      { SecretName: 'db/app', RegionId: 'cn-hangzhou', Step: 'test', VersionId: versionId },
      { SecretName: 'db/app', RegionId: 'cn-hangzhou', Step: 'end', VersionId: versionId },
    ]);
    // The flow's output is its local variable: the union of the steps' outputs, the last one winning.
    expect(execution.output).toEqual({ VersionId: versionId, Step: 'end' });
    expect(execution.invocations.map((i) => [i.step, i.result])).toEqual([
      ['RotateSecretNew', { VersionId: versionId, Step: 'new' }],
      ['RotateSecretSet', { VersionId: versionId, Step: 'set' }],
      ['RotateSecretTest', { VersionId: versionId, Step: 'test' }],
      ['RotateSecretEnd', { VersionId: versionId, Step: 'end' }],
    ]);
    const requestIds = seen.map((s) => s.context.requestId);
    expect(new Set(requestIds).size).toBe(4);
    expect(seen[0]?.context).toMatchObject({
      credentials: { accessKeyId: 'sts-key', accessKeySecret: 'sts-secret', securityToken: 'sts-token' },
      region: 'cn-hangzhou',
      accountId: '1234567890123456',
      function: { name: 'rotate' },
      service: { name: 'rotation' },
    });
  });

  test('without input mappings a step gets the parent input and local merged, the local variable winning; a source that leads nowhere maps nothing', async () => {
    seen.length = 0;
    const name = flow(`
version: v1beta1
type: flow
steps:
  - type: pass
    name: seed
    outputMappings:
      - target: VersionId
        source: from-pass
      - target: Shared
        source: local
  - type: task
    name: merged
    resourceArn: ${ARN}
  - type: task
    name: mapped
    resourceArn: ${ARN}
    inputMappings:
      - target: Missing
        source: $input.nowhere.at.all
      - target: Count
        source: 3
`);
    const execution = await emulator.execute(name, { input: { Shared: 'input', Only: 'input' } });
    expect(seen.map((s) => s.event)).toEqual([{ Shared: 'local', Only: 'input', VersionId: 'from-pass' }, { Count: 3 }]);
    // The last task's VersionId overwrites the pass step's in the flow's local variable.
    expect(execution.output).toEqual({ VersionId: `v-${seen[1]?.context.requestId}`, Shared: 'local' });
  });

  test('output mappings take the step input and its $local; flow input and output mappings frame the flow', async () => {
    const name = flow(`
version: v1
type: flow
inputMappings:
  - target: secret
    source: $input.payload.SecretName
outputMappings:
  - target: rotated
    source: $local.version
steps:
  - type: task
    name: only
    resourceArn: ${ARN}
    inputMappings:
      - target: VersionId
        source: $input.secret
    outputMappings:
      - target: version
        source: $local.VersionId
      - target: sentStep
        source: $input.VersionId
`);
    const execution = await emulator.execute(name, { input: { payload: { SecretName: 'db/other' } } });
    expect(execution).toMatchObject({ status: 'Succeeded', output: { rotated: 'db/other' } });
  });

  test('a fail step fails the execution with its error and cause; a succeed step ends it', async () => {
    const failing = await emulator.execute(flow('version: v1\ntype: flow\nsteps:\n  - type: fail\n    name: stop\n    error: Broken\n    cause: on purpose\n'));
    expect(failing).toMatchObject({ status: 'Failed', error: 'Broken', cause: 'on purpose' });
    const early = await emulator.execute(
      flow(`version: v1\ntype: flow\nsteps:\n  - type: succeed\n    name: done\n  - type: task\n    name: never\n    resourceArn: ${ARN}\n`),
    );
    expect(early.status).toBe('Succeeded');
    expect(early.invocations).toEqual([]);
  });
});

describe('FDL retry and catch', () => {
  const retryFlow = (retry: string, extra = '') => `
version: v1
type: flow
steps:
  - type: task
    name: flaky
    resourceArn: ${FLAKY_ARN}
    retry:
${retry}${extra}`;

  test('retries a matching error after intervalSeconds, multiplied by multiplier each time, capped by maxIntervalSeconds, up to maxAttempts', async () => {
    flakyErrors = [1, 2, 3, 4].map(() => new WorkflowTaskError('FC.ResourceThrottled'));
    const execution = await emulator.execute(
      flow(retryFlow('      - errors: [FC.ResourceThrottled]\n        intervalSeconds: 10\n        multiplier: 3\n        maxIntervalSeconds: 50\n        maxAttempts: 4\n')),
    );
    expect(execution.status).toBe('Succeeded');
    expect(waitsOf(execution)).toEqual([
      ['FC.ResourceThrottled', 10],
      ['FC.ResourceThrottled', 30],
      ['FC.ResourceThrottled', 50],
      ['FC.ResourceThrottled', 50],
    ]);
    expect(execution.invocations.map((i) => i.error?.type ?? 'ok')).toEqual([
      'FC.ResourceThrottled',
      'FC.ResourceThrottled',
      'FC.ResourceThrottled',
      'FC.ResourceThrottled',
      'ok',
    ]);
  });

  test('the documented defaults: 1 second, multiplier 2, 3 attempts; then the execution fails with the error and its message as cause', async () => {
    flakyErrors = [1, 2, 3, 4].map(() => new Error('the function broke'));
    const execution = await emulator.execute(flow(retryFlow('      - errors: [FC.Unhandled]\n')));
    expect(waitsOf(execution)).toEqual([
      ['FC.Unhandled', 1],
      ['FC.Unhandled', 2],
      ['FC.Unhandled', 4],
    ]);
    expect(execution).toMatchObject({ status: 'Failed', error: 'FC.Unhandled', cause: 'the function broke' });
    expect(execution.invocations).toHaveLength(4);
    flakyErrors = [];
  });

  test('the first matching policy decides, FnF.ALL matches every error, and an unmatched error is not retried', async () => {
    flakyErrors = [new WorkflowTaskError('FC.ResourceExhausted'), new Error('boom')];
    const execution = await emulator.execute(
      flow(retryFlow('      - errors: [FC.ResourceThrottled]\n        intervalSeconds: 5\n      - errors: [FnF.ALL]\n        intervalSeconds: 7\n')),
    );
    expect(waitsOf(execution)).toEqual([
      ['FC.ResourceExhausted', 7],
      ['FC.Unhandled', 14],
    ]);
    flakyErrors = [new Error('boom')];
    const unmatched = await emulator.execute(flow(retryFlow('      - errors: [FC.ResourceThrottled]\n')));
    expect(unmatched).toMatchObject({ status: 'Failed', error: 'FC.Unhandled' });
    expect(waitsOf(unmatched)).toEqual([]);
  });

  test('catch goes to the named step once the retries are spent; the failed step adds nothing to $local', async () => {
    flakyErrors = [new Error('first'), new Error('second')];
    seen.length = 0;
    const execution = await emulator.execute(
      flow(
        retryFlow(
          '      - errors: [FnF.ALL]\n        maxAttempts: 1\n',
          `    catch:\n      - errors: [FC.Unhandled]\n        goto: recover\n  - type: fail\n    name: skipped\n  - type: task\n    name: recover\n    resourceArn: ${ARN}\n`,
        ),
      ),
      { input: { Step: 'recover' } },
    );
    expect(execution.status).toBe('Succeeded');
    expect(seen.map((s) => s.event)).toEqual([{ Step: 'recover' }]);
  });

  test('a task whose function is not registered fails with FC.FunctionNotFound', async () => {
    const execution = await emulator.execute(flow('version: v1\ntype: flow\nsteps:\n  - type: task\n    name: t\n    resourceArn: acs:fc:cn-hangzhou:1:services/s/functions/nobody\n'));
    expect(execution).toMatchObject({ status: 'Failed', error: 'FC.FunctionNotFound' });
  });
});

describe('CloudFlow (SpecVersion v1)', () => {
  const machine = (states: string) => `Type: StateMachine\nName: m\nSpecVersion: v1\nStartAt: First\nStates:\n${states}`;

  test('InputConstructor takes $Context.Execution.Input and .Name; Parameters.body.$ sends the input; OutputConstructor shapes the next input', async () => {
    seen.length = 0;
    const name = flow(
      machine(`  - Type: Task
    Name: First
    Action: FC:InvokeFunction
    TaskMode: RequestComplete
    InputConstructor:
      SecretName.$: $Context.Execution.Input.SecretName
      ExecutionName.$: $Context.Execution.Name
      Step: new
    Parameters:
      resourceArn: ${ARN}
      invocationType: Sync
      body.$: $Input
    OutputConstructor:
      VersionId.$: $Output.VersionId
      Nested:
        From.$: $Input.Step
    Next: Second
  - Type: Task
    Name: Second
    Action: FC:InvokeFunction
    Parameters:
      resourceArn: ${ARN}
      body.$: $Input
    End: true
`),
    );
    const execution = await emulator.execute(name, { executionName: 'exec-ctx', input: { SecretName: 'db/cf' } });
    expect(execution.status).toBe('Succeeded');
    const versionId = `v-${seen[0]?.context.requestId}`;
    expect(seen.map((s) => s.event)).toEqual([
      { SecretName: 'db/cf', ExecutionName: 'exec-ctx', Step: 'new' },
      { VersionId: versionId, Nested: { From: 'new' } },
    ]);
    expect(execution.output).toEqual({ VersionId: versionId });
  });

  test('Retry: without BackoffRate the interval stays constant; BackoffRate multiplies it up to MaxBackoffSeconds', async () => {
    const task = (retry: string) =>
      machine(`  - Type: Task\n    Name: First\n    Action: FC:InvokeFunction\n    Parameters:\n      resourceArn: ${FLAKY_ARN}\n    Retry:\n${retry}    End: true\n`);
    flakyErrors = [1, 2, 3].map(() => new WorkflowTaskError('FC.ResourceThrottled'));
    const constant = await emulator.execute(flow(task('      - Errors: [FC.ResourceThrottled]\n        Description: r\n        MaxAttempts: 3\n        IntervalSeconds: 10\n')));
    expect(waitsOf(constant).map(([, wait]) => wait)).toEqual([10, 10, 10]);
    flakyErrors = [1, 2, 3].map(() => new WorkflowTaskError('FC.InternalServerError'));
    const backoff = await emulator.execute(
      flow(task('      - Errors: [FnF.ALL]\n        Description: r\n        MaxAttempts: 3\n        IntervalSeconds: 10\n        BackoffRate: 2\n        MaxBackoffSeconds: 30\n')),
    );
    expect(waitsOf(backoff).map(([, wait]) => wait)).toEqual([10, 20, 30]);
    expect(backoff.status).toBe('Succeeded');
  });

  test('Catch goes to its Next with its OutputConstructor; an expression that leads nowhere fails the state', async () => {
    flakyErrors = [new Error('down')];
    seen.length = 0;
    const caught = await emulator.execute(
      flow(
        machine(`  - Type: Task
    Name: First
    Action: FC:InvokeFunction
    Parameters:
      resourceArn: ${FLAKY_ARN}
    Catch:
      - Errors: [FC.Unhandled]
        Next: Recover
        OutputConstructor:
          Recovered: true
    End: true
  - Type: Task
    Name: Recover
    Action: FC:InvokeFunction
    Parameters:
      resourceArn: ${ARN}
      body.$: $Input
    End: true
`),
      ),
    );
    expect(caught.status).toBe('Succeeded');
    expect(seen.map((s) => s.event)).toEqual([{ Recovered: true }]);
    const missing = await emulator.execute(
      flow(machine('  - Type: Pass\n    Name: First\n    InputConstructor:\n      X.$: $Context.Execution.Input.absent\n    End: true\n')),
    );
    expect(missing).toMatchObject({ status: 'Failed', error: 'FnF.InvalidExpression' });
  });
});

describe('definitions the emulator refuses (InvalidArgument, naming the part)', () => {
  test.each([
    ['a step type it does not run', 'version: v1\ntype: flow\nsteps:\n  - type: parallel\n    name: p\n', /type parallel is not supported/],
    ['a key it would ignore', `version: v1\ntype: flow\nsteps:\n  - type: task\n    name: t\n    resourceArn: ${ARN}\n    timeoutSeconds: 3\n`, /t\.timeoutSeconds is not supported/],
    ['a source outside $input and $local', `version: v1\ntype: flow\nsteps:\n  - type: task\n    name: t\n    resourceArn: ${ARN}\n    inputMappings:\n      - target: a\n        source: $context.x\n`, /\$input and \$local/],
    ['a Next that names no state', `Type: StateMachine\nSpecVersion: v1\nStartAt: A\nStates:\n  - Type: Pass\n    Name: A\n    Next: B\n`, /A\.Next names B/],
    ['another Action', `Type: StateMachine\nSpecVersion: v1\nStartAt: A\nStates:\n  - Type: Task\n    Name: A\n    Action: MNS:SendMessage\n    Parameters: {}\n    End: true\n`, /Action MNS:SendMessage/],
    ['a language it does not know', 'steps: []\n', /neither/],
  ])('%s', async (_case, definition, message) => {
    expect(() => emulator.createFlow({ name: `refused-${(flowCounter += 1)}`, definition })).toThrow(message);
  });
});

describe('the API through @alicloud/fnf-2019-03-15', () => {
  test('CreateFlow, StartExecution, DescribeExecution (long poll) and GetExecutionHistory', async () => {
    const client = fnfClient(emulator.url);
    const created = await client.createFlow({ Name: 'api-flow', Definition: SEED_FLOW, Description: 'seed', Type: 'FDL' });
    expect(created).toMatchObject({ Name: 'api-flow', Definition: SEED_FLOW, Description: 'seed' });
    expect(await client.describeFlow({ Name: 'api-flow' })).toMatchObject({ Name: 'api-flow', RequestId: expect.any(String) });
    const input = JSON.stringify({ payload: { SecretName: 'db/api', RegionId: 'cn-hangzhou' } });
    const started = await client.startExecution({ FlowName: 'api-flow', ExecutionName: 'api-exec', Input: input });
    expect(started).toMatchObject({ Name: 'api-exec', FlowName: 'api-flow', Input: input, FlowDefinition: SEED_FLOW });
    expect(started['StartedTime']).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    const described = await client.describeExecution({ FlowName: 'api-flow', ExecutionName: 'api-exec', WaitTimeSeconds: 10 });
    expect(described).toMatchObject({ Status: 'Succeeded', Name: 'api-exec' });
    expect(JSON.parse(described['Output'] as string)).toMatchObject({ Step: 'end' });
    const history = await client.getExecutionHistory({ FlowName: 'api-flow', ExecutionName: 'api-exec' });
    const events = history['Events'] as Array<{ Type: string; StepName: string; EventDetail: string }>;
    expect(events[0]?.Type).toBe('ExecutionStarted');
    expect(events.at(-1)?.Type).toBe('ExecutionSucceeded');
    expect(events.filter((e) => e.Type === 'TaskSucceeded').map((e) => e.StepName)).toEqual(['RotateSecretNew', 'RotateSecretSet', 'RotateSecretTest', 'RotateSecretEnd']);
    const firstPage = await client.getExecutionHistory({ FlowName: 'api-flow', ExecutionName: 'api-exec', Limit: 2 });
    expect(firstPage).toMatchObject({ NextToken: '2' });
  });

  test('answers FlowNotExists, ExecutionAlreadyExists, ExecutionNotExists, an invalid input and a bad signature with their codes', async () => {
    const client = fnfClient(emulator.url);
    expect((await fnfError(client.startExecution({ FlowName: 'no-such-flow' }))).code).toBe('FlowNotExists');
    const name = flow(SEED_FLOW);
    await client.startExecution({ FlowName: name, ExecutionName: 'twice', Input: '{}' });
    await emulator.waitForExecution(name, 'twice');
    expect((await fnfError(client.startExecution({ FlowName: name, ExecutionName: 'twice' }))).code).toBe('ExecutionAlreadyExists');
    expect((await fnfError(client.startExecution({ FlowName: name, ExecutionName: '1-digit-first' }))).code).toBe('InvalidArgument');
    expect((await fnfError(client.describeExecution({ FlowName: name, ExecutionName: 'never' }))).code).toBe('ExecutionNotExists');
    expect((await fnfError(client.startExecution({ FlowName: name, Input: '[1]' }))).code).toBe('InvalidArgument');
    const invalid = await fnfError(client.createFlow({ Name: 'bad-flow', Definition: 'steps: []', Description: '', Type: 'FDL' }));
    expect(invalid).toMatchObject({ code: 'InvalidArgument', data: { Message: expect.stringMatching(/invalid flow definition/) } });
    const forged = await fnfError(fnfClient(emulator.url, { ...WORKFLOW_KEY, accessKeySecret: 'wrong' }).describeFlow({ Name: name }));
    expect(forged.code).toBe('SignatureDoesNotMatch');
  });

  test('StartExecution with the name of a running execution answers that execution and starts nothing; without a name the service names it', async () => {
    let release: () => void = () => undefined;
    const blocked = new Promise<void>((resolve) => (release = resolve));
    const arn = 'acs:fc:cn-hangzhou:1234567890123456:services/rotation/functions/blocking';
    let calls = 0;
    emulator.registerFunction(arn, async () => {
      calls += 1;
      await blocked;
      return {};
    });
    const name = flow(`version: v1\ntype: flow\nsteps:\n  - type: task\n    name: t\n    resourceArn: ${arn}\n`);
    const client = fnfClient(emulator.url);
    await client.startExecution({ FlowName: name, ExecutionName: 'running', Input: '{"first":true}' });
    const again = await client.startExecution({ FlowName: name, ExecutionName: 'running', Input: '{"second":true}' });
    expect(again).toMatchObject({ Name: 'running', Status: 'Running', Input: '{"first":true}' });
    release();
    expect(await emulator.waitForExecution(name, 'running')).toMatchObject({ status: 'Succeeded' });
    expect(calls).toBe(1);
    const unnamed = await client.startExecution({ FlowName: name });
    expect(unnamed['Name']).toMatch(/^[A-Za-z_][\w-]{0,127}$/);
  });

  test('a throttle fault answers Throttled; the call log counts the actions', async () => {
    emulator.resetCalls();
    emulator.injectFault({ operation: 'DescribeFlow', kind: 'throttle' });
    const client = fnfClient(emulator.url);
    expect((await fnfError(client.describeFlow({ Name: 'api-flow' }))).code).toBe('Throttled');
    await client.describeFlow({ Name: 'api-flow' });
    expect(emulator.callLog()).toEqual(['DescribeFlow', 'DescribeFlow']);
  });
});

describe('functions served over HTTP, and options', () => {
  test('a task POSTs its event to a URL function; an x-fc-error-type answer is FC.Unhandled', async () => {
    const received: string[] = [];
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        received.push(body);
        const failing = (JSON.parse(body) as { fail?: boolean }).fail === true;
        res.writeHead(200, failing ? { 'x-fc-error-type': 'UnhandledInvocationError' } : { 'content-type': 'application/json' });
        res.end(failing ? '{"errorMessage":"refused"}' : '{"VersionId":"v-http"}');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const arn = 'acs:fc:cn-hangzhou:1234567890123456:functions/http-rotate';
      emulator.registerFunction(arn, { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/invoke` });
      const name = flow(`version: v1\ntype: flow\nsteps:\n  - type: task\n    name: t\n    resourceArn: ${arn}\n`);
      expect(await emulator.execute(name, { input: { Step: 'new' } })).toMatchObject({ status: 'Succeeded', output: { VersionId: 'v-http' } });
      expect(await emulator.execute(name, { input: { fail: true } })).toMatchObject({ status: 'Failed', error: 'FC.Unhandled' });
      expect(received.map((body) => JSON.parse(body) as unknown)).toEqual([{ Step: 'new' }, { fail: true }]);
      // The invocation records the parsed answer, as the task's result.
      expect(emulator.state().executions.find((e) => e.flowName === name)?.invocations[0]?.result).toEqual({ VersionId: 'v-http' });
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  test('refuses an unknown option key or a negative time scale with InvalidOptionsError naming it', async () => {
    await expect(startAlibabaWorkflowEmulator({ timescale: 0 } as never)).rejects.toMatchObject({ field: 'timescale' });
    await expect(startAlibabaWorkflowEmulator({ timeScale: -1 })).rejects.toBeInstanceOf(InvalidOptionsError);
  });
});
