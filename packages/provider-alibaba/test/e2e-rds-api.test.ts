// Scenario 1 end to end: the workflow definition's four invocations run against the FC handler,
// which rotates an ApsaraDB RDS account pair through the RDS account API emulator and a KMS
// generic secret on the KMS emulator, both through the official clients.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startAlibabaKmsEmulator, startAlibabaRdsEmulator, type AlibabaKmsEmulator, type AlibabaRdsEmulator } from '@rotakit/testkit';
import { createFcHandler, versionIdOfExecution, type FcHandler } from '@rotakit/provider-alibaba';
import { rdsAccountApi } from '@rotakit/provider-alibaba/rds';
import { schedulePayload, workflowDefinition } from '@rotakit/provider-alibaba/setup';
import { Capture, KEY, passwordsIn, runWorkflow, seedSecret, stagesOf, valueAt } from './helpers.js';

const INSTANCE = 'rm-e2e00000001';
const SECRET = 'rds/app';
const FLOW = workflowDefinition({ functionArn: 'acs:fc:cn-hangzhou:1234567890123456:services/rotation/functions/rotate', instanceId: true });
const PAYLOAD = JSON.parse(schedulePayload({ secretName: SECRET, regionId: 'cn-hangzhou', instanceId: INSTANCE })) as Record<string, unknown>;

let kms: AlibabaKmsEmulator;
let rds: AlibabaRdsEmulator;
let handler: FcHandler;
const capture = new Capture();

beforeAll(async () => {
  kms = await startAlibabaKmsEmulator({ credentials: KEY });
  rds = await startAlibabaRdsEmulator({ credentials: KEY });
  rds.seed({
    id: INSTANCE,
    engine: 'MySQL',
    databases: ['orders', 'billing', 'audit'],
    accounts: [{ name: 'app', password: 'Initial-Pass1', privileges: { orders: 'ReadWrite', billing: 'ReadOnly' } }],
  });
  seedSecret(kms, SECRET, { AccountName: 'app', AccountPassword: 'Initial-Pass1', Note: 'kept as written' });
  handler = createFcHandler({
    ...rdsAccountApi({ endpoint: rds.endpoint, protocol: 'http', engine: 'MySQL' }),
    endpoint: kms.endpoint,
    protocol: 'http',
    logger: capture.logger,
    onEvent: capture.onEvent,
  });
});
afterAll(async () => {
  await kms.close();
  await rds.close();
});

/** Runs one execution of the flow and records what it throws. */
const rotation = (options: Parameters<typeof runWorkflow>[3] = {}) => capture.record(runWorkflow(FLOW, PAYLOAD, handler, options));

/** The account's database privileges, as the emulator holds them. */
const privilegesOf = (name: string) => rds.account(INSTANCE, name)?.privileges;

function expectRotatedTo(accountName: string, versionId: unknown): void {
  const current = valueAt(kms, SECRET, 'ACSCurrent');
  expect(current).toMatchObject({ AccountName: accountName, Note: 'kept as written' });
  expect(rds.account(INSTANCE, accountName)?.password).toBe(current?.['AccountPassword']);
  expect(privilegesOf('app_rt')).toEqual(privilegesOf('app'));
  const stages = stagesOf(kms, SECRET);
  expect(stages[versionId as string]).toEqual(['ACSCurrent']);
  expect(Object.values(stages).flat().filter((stage) => stage === 'ACSPending')).toEqual([]);
}

describe('scenario 1: RDS account API, dual account', () => {
  test('the first rotation creates the _rt account with the same type and privileges', async () => {
    const { invocations, executionName } = await rotation();
    expect(invocations.map((i) => [i.name, i.event['Step']])).toEqual([
      ['RotateSecretNew', 'new'],
      ['RotateSecretSet', 'set'],
      ['RotateSecretTest', 'test'],
      ['RotateSecretEnd', 'end'],
    ]);
    // Every invocation names the execution; the VersionId derives from it, the same for all four.
    const versionId = versionIdOfExecution(executionName);
    expect(invocations.map((i) => i.event['ExecutionName'])).toEqual([executionName, executionName, executionName, executionName]);
    expect(invocations.map((i) => i.result?.VersionId)).toEqual([versionId, versionId, versionId, versionId]);
    expect(invocations.every((i) => i.event['InstanceId'] === INSTANCE)).toBe(true);
    expect(rds.account(INSTANCE, 'app_rt')?.type).toBe('Normal');
    expectRotatedTo('app_rt', versionId);
    expect(valueAt(kms, SECRET, 'ACSPrevious')).toMatchObject({ AccountName: 'app', AccountPassword: 'Initial-Pass1' });
    // The account the application still holds keeps working until the next rotation.
    expect(rds.account(INSTANCE, 'app')?.password).toBe('Initial-Pass1');
  });

  test('the second rotation rotates back to the original account with a new password', async () => {
    const { executionName } = await rotation();
    expectRotatedTo('app', versionIdOfExecution(executionName));
    expect(rds.account(INSTANCE, 'app')?.password).not.toBe('Initial-Pass1');
    expect(valueAt(kms, SECRET, 'ACSPrevious')).toMatchObject({ AccountName: 'app_rt' });
  });

  test('a crash inside set: the next execution resumes the rotation under its VersionId and ends with identical privileges', async () => {
    // The current account gained a privilege since the last rotation.
    const instance = rds.state().instances[0]!;
    rds.seed({ ...instance, accounts: instance.accounts.map((a) => (a.name === 'app' ? { ...a, privileges: { ...a.privileges, audit: 'DMLOnly' } } : a)) });
    let versionId: string | undefined;
    const crashing: FcHandler = async (event, context) => {
      const step = (JSON.parse(String(event)) as { Step: string }).Step;
      // The password is reset, then the grant fails: the invocation dies halfway through set.
      if (step === 'set') rds.injectFault({ operation: 'GrantAccountPrivilege', kind: 'error', response: rds.errorResponse('InvalidParameter') });
      const result = await handler(event, context);
      if (step === 'new') versionId = result.VersionId;
      return result;
    };
    const failed = await capture.record(runWorkflow(FLOW, PAYLOAD, crashing)).catch((error: unknown) => error);
    expect(failed).toMatchObject({ code: 'StepFailed', retryable: false });
    expect(stagesOf(kms, SECRET)[versionId as string]).toEqual(['ACSPending']);
    expect(privilegesOf('app_rt')).not.toEqual(privilegesOf('app'));

    const { invocations, executionName } = await rotation();
    expect(versionIdOfExecution(executionName)).not.toBe(versionId);
    expect(invocations.map((i) => i.result?.VersionId)).toEqual([versionId, versionId, versionId, versionId]);
    expectRotatedTo('app_rt', versionId);
    expect(privilegesOf('app_rt')).toEqual({ orders: 'ReadWrite', billing: 'ReadOnly', audit: 'DMLOnly' });
  });

  test('no password appears in any log line, event or error', () => {
    const passwords = passwordsIn(kms);
    expect(passwords.length).toBeGreaterThanOrEqual(4);
    expect(capture.lines.length).toBeGreaterThan(0);
    expect(capture.errors.length).toBe(1);
    capture.expectNoSecret(passwords);
  });
});
