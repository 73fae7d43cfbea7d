// The production-style handler — built with no endpoint option, as a deployed module builds it —
// reaches KMS and the RDS account API where the environment points it: a whole rotation against
// the emulators with only ALIBABA_CLOUD_KMS_ENDPOINT and ALIBABA_CLOUD_RDS_ENDPOINT set.
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { InvalidOptionsError } from '@rotakit/core';
import type { AlibabaKmsEmulator, AlibabaRdsEmulator } from '@rotakit/testkit';
import { createFcHandler, versionIdOfExecution } from '@rotakit/provider-alibaba';
import { rdsAccountApi } from '@rotakit/provider-alibaba/rds';
import { schedulePayload, workflowDefinition } from '@rotakit/provider-alibaba/setup';
import { runWorkflow, seedSecret, stagesOf, withEmulators, valueAt } from './helpers.js';

const INSTANCE = 'rm-env00000001';
const SECRET = 'rds/env-app';
const FLOW = workflowDefinition({ functionArn: 'acs:fc:cn-hangzhou:1234567890123456:services/rotation/functions/rotate', instanceId: true });
const PAYLOAD = JSON.parse(schedulePayload({ secretName: SECRET, regionId: 'cn-hangzhou', instanceId: INSTANCE })) as Record<string, unknown>;
const VARIABLES = ['ALIBABA_CLOUD_KMS_ENDPOINT', 'ALIBABA_CLOUD_RDS_ENDPOINT'] as const;
/** A port nothing listens on: an endpoint that must not be the one used. */
const NOWHERE = 'http://127.0.0.1:1';

let kms: AlibabaKmsEmulator;
let rds: AlibabaRdsEmulator;
let saved: Record<string, string | undefined>;

/** The handler exactly as the RDS account API example module builds it: no endpoint, no protocol. */
const productionHandler = () => createFcHandler({ ...rdsAccountApi({ engine: 'MySQL' }) });

withEmulators((started) => ({ kms, rds } = started));
beforeEach(() => {
  saved = Object.fromEntries(VARIABLES.map((name) => [name, process.env[name]]));
  rds.seed({ id: INSTANCE, engine: 'MySQL', databases: ['orders'], accounts: [{ name: 'app', password: 'Initial-Pass1', privileges: { orders: 'ReadWrite' } }] });
  seedSecret(kms, SECRET, { AccountName: 'app', AccountPassword: 'Initial-Pass1' });
  kms.resetCalls();
});
afterEach(() => {
  for (const name of VARIABLES) {
    if (saved[name] === undefined) delete process.env[name];
    else process.env[name] = saved[name];
  }
});

function expectRotated(executionName: string): void {
  const current = valueAt(kms, SECRET, 'ACSCurrent');
  expect(current).toMatchObject({ AccountName: 'app_rt' });
  expect(rds.account(INSTANCE, 'app_rt')?.password).toBe(current?.['AccountPassword']);
  expect(stagesOf(kms, SECRET)[versionIdOfExecution(executionName)]).toEqual(['ACSCurrent']);
}

describe('endpoints from the environment', () => {
  test('the production-style handler rotates with only the environment pointing it at the emulators (plain HTTP by the URL scheme)', async () => {
    process.env['ALIBABA_CLOUD_KMS_ENDPOINT'] = `http://${kms.endpoint}`;
    process.env['ALIBABA_CLOUD_RDS_ENDPOINT'] = `http://${rds.endpoint}/`;
    const { executionName } = await runWorkflow(FLOW, PAYLOAD, productionHandler());
    expectRotated(executionName);
  });

  test('a host:port in the environment keeps the protocol the options give', async () => {
    process.env['ALIBABA_CLOUD_KMS_ENDPOINT'] = kms.endpoint;
    process.env['ALIBABA_CLOUD_RDS_ENDPOINT'] = rds.endpoint;
    const handler = createFcHandler({ ...rdsAccountApi({ engine: 'MySQL', protocol: 'http' }), protocol: 'http' });
    const { executionName } = await runWorkflow(FLOW, PAYLOAD, handler);
    expectRotated(executionName);
  });

  test('options win over the environment', async () => {
    process.env['ALIBABA_CLOUD_KMS_ENDPOINT'] = NOWHERE;
    process.env['ALIBABA_CLOUD_RDS_ENDPOINT'] = NOWHERE;
    const handler = createFcHandler({
      ...rdsAccountApi({ engine: 'MySQL', endpoint: rds.endpoint, protocol: 'http' }),
      endpoint: kms.endpoint,
      protocol: 'http',
    });
    const { executionName } = await runWorkflow(FLOW, PAYLOAD, handler);
    expectRotated(executionName);
  });

  test.each([
    ['ALIBABA_CLOUD_KMS_ENDPOINT', 'ftp://kms.example.com'],
    ['ALIBABA_CLOUD_KMS_ENDPOINT', 'http://127.0.0.1:8080/path'],
    ['ALIBABA_CLOUD_RDS_ENDPOINT', 'rds aliyuncs com'],
    ['ALIBABA_CLOUD_RDS_ENDPOINT', 'http://'],
  ])('a malformed %s (%s) is an InvalidOptionsError naming the variable, before any call', (name, value) => {
    process.env[name] = value;
    let thrown: unknown;
    try {
      productionHandler();
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(InvalidOptionsError);
    expect((thrown as InvalidOptionsError).field).toBe(name);
    expect((thrown as Error).message).toContain(name);
    expect(kms.calls()).toEqual({});
  });
});
