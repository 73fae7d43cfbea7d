// Acceptance on testkit's Serverless Workflow emulator: the seed guide's hand-written FDL flow and
// the CloudFlow flow `workflowDefinition()` generates both rotate a secret in the KMS emulator
// through the provider's Function Compute handler, the second started and followed with the
// official @alicloud/fnf-2019-03-15 client.
import { createRequire } from 'node:module';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { alternatingUsers, MemoryTarget } from '@rotakit/core';
import { startAlibabaWorkflowEmulator, type AlibabaKmsEmulator, type AlibabaWorkflowEmulator } from '@rotakit/testkit';
import { createFcHandler } from '@rotakit/provider-alibaba';
import { schedulePayload, workflowDefinition } from '@rotakit/provider-alibaba/setup';
import { KEY, seedSecret, stagesOf, valueAt, withEmulators } from './helpers.js';

const FUNCTION_ARN = 'acs:fc:cn-hangzhou:1234567890123456:services/rotation/functions/rotate';
const SECRET = 'db/workflow';

/** The seed guide's scenario-2 flow: four task steps, input mappings, no output mappings. */
const SEED_FLOW = `version: v1
type: flow
steps:
${[
  ['RotateSecretNew', 'new'],
  ['RotateSecretSet', 'set'],
  ['RotateSecretTest', 'test'],
  ['RotateSecretEnd', 'end'],
]
  .map(
    ([name, step]) => `  - type: task
    name: ${name}
    resourceArn: ${FUNCTION_ARN}
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

/** The parts of `@alicloud/fnf-2019-03-15` (untyped) this file calls. */
interface FnfClient {
  createFlow(params: { Name: string; Definition: string; Description: string; Type: string }): Promise<Record<string, unknown>>;
  startExecution(params: { FlowName: string; ExecutionName?: string; Input?: string }): Promise<Record<string, unknown>>;
  describeExecution(params: { FlowName: string; ExecutionName: string }): Promise<Record<string, unknown>>;
}
const require = createRequire(import.meta.url);
const Fnf = require('@alicloud/fnf-2019-03-15') as new (config: { endpoint: string; accessKeyId: string; accessKeySecret: string }) => FnfClient;

let kms: AlibabaKmsEmulator;
let workflow: AlibabaWorkflowEmulator;
let target: MemoryTarget;

withEmulators((started) => ({ kms } = started));
beforeAll(async () => {
  workflow = await startAlibabaWorkflowEmulator({
    credentials: KEY,
    timeScale: 0,
    functionCredentials: { ...KEY, securityToken: 'sts-workflow-role' },
  });
});
afterAll(() => workflow.close());
beforeEach(() => {
  seedSecret(kms, SECRET, { Endpoint: 'db.internal', Port: 3306, AccountName: 'app', AccountPassword: 'Current-Pass1', MasterSecret: 'db/master' });
  seedSecret(kms, 'db/master', { AccountName: 'admin', AccountPassword: 'Admin-Pass1' });
  target = new MemoryTarget({ tls: 'disable', users: { app: { password: 'Current-Pass1' }, admin: { password: 'Admin-Pass1', privileged: true } } });
  workflow.registerFunction(FUNCTION_ARN, createFcHandler({ target, strategy: alternatingUsers(), endpoint: kms.endpoint, protocol: 'http' }));
});

/** The secret rotated to `app_rt` under `versionId`, which the database takes. */
function expectRotatedUnder(versionId: string): void {
  expect(stagesOf(kms, SECRET)[versionId]).toEqual(['ACSCurrent']);
  expect(stagesOf(kms, SECRET)['v-initial']).toEqual(['ACSPrevious']);
  const current = valueAt(kms, SECRET, 'ACSCurrent') as { AccountName: string; AccountPassword: string };
  expect(current.AccountName).toBe('app_rt');
  expect(target.accepts('app_rt', current.AccountPassword)).toBe(true);
}

describe('the seed guide\'s FDL flow (input mappings, no output mappings)', () => {
  test('rotates the secret; the VersionId new returns reaches set, test and end through $local', async () => {
    workflow.createFlow({ name: 'seed-flow', definition: SEED_FLOW });
    const execution = await workflow.execute('seed-flow', { input: { payload: { SecretName: SECRET, RegionId: 'cn-hangzhou' } } });
    expect(execution.status).toBe('Succeeded');
    // Without a VersionId or an execution name in its event, `new` takes FC's request id.
    const [first, ...rest] = execution.invocations;
    const versionId = first?.requestId as string;
    expect(first).toMatchObject({ step: 'RotateSecretNew', event: { SecretName: SECRET, RegionId: 'cn-hangzhou', Step: 'new' }, result: { VersionId: versionId } });
    expect(rest.map((i) => [i.step, (i.event as Record<string, unknown>)['VersionId'], i.result])).toEqual([
      ['RotateSecretSet', versionId, { VersionId: versionId }],
      ['RotateSecretTest', versionId, { VersionId: versionId }],
      ['RotateSecretEnd', versionId, { VersionId: versionId }],
    ]);
    expectRotatedUnder(versionId);
  });
});

describe('the flow workflowDefinition() generates, through the official client', () => {
  test('CreateFlow, StartExecution, then DescribeExecution until it succeeds: the secret rotates under the execution\'s VersionId', async () => {
    const client = new Fnf({ endpoint: workflow.url, ...KEY });
    await client.createFlow({ Name: 'rotakit-rotation', Definition: workflowDefinition({ functionArn: FUNCTION_ARN }), Description: 'rotation', Type: 'FDL' });
    const input = schedulePayload({ secretName: SECRET, regionId: 'cn-hangzhou' });
    await client.startExecution({ FlowName: 'rotakit-rotation', ExecutionName: 'rotation-2026-12-02', Input: input });
    let status: unknown = 'Running';
    for (let poll = 0; status === 'Running' && poll < 1_000; poll += 1) {
      status = (await client.describeExecution({ FlowName: 'rotakit-rotation', ExecutionName: 'rotation-2026-12-02' }))['Status'];
    }
    expect(status).toBe('Succeeded');
    const execution = workflow.state().executions.find((e) => e.name === 'rotation-2026-12-02');
    const versionIds = execution?.invocations.map((i) => (i.result as { VersionId: string }).VersionId);
    expect(execution?.invocations.map((i) => (i.event as Record<string, unknown>)['Step'])).toEqual(['new', 'set', 'test', 'end']);
    expect(new Set(versionIds).size).toBe(1);
    expectRotatedUnder(versionIds?.[0] as string);
  });
});
