// Scenario 2 end to end: the workflow's four invocations against the FC handler rotate a
// self-managed MariaDB account pair through the privileged MasterSecret, with target-mysql on a
// real MariaDB server (TLS verified against the fixture's CA) and the secrets on the KMS emulator.
import { createConnection } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { alternatingUsers, loginOf, silentLogger, type UserIntrospection } from '@rotakit/core';
import { startAlibabaKmsEmulator, startMariaDb, type AlibabaKmsEmulator, type MariaDbServer } from '@rotakit/testkit';
import { mysqlTarget } from '@rotakit/target-mysql';
import { openMysqlIntrospection } from '@rotakit/target-mysql/internal';
import { createFcHandler, versionIdOfExecution, type FcHandler } from '@rotakit/provider-alibaba';
import { schedulePayload, workflowDefinition } from '@rotakit/provider-alibaba/setup';
import { Capture, KEY, passwordsIn, runWorkflow, seedSecret, stagesOf, valueAt } from './helpers.js';

const SECRET = 'mysql/app';
const MASTER = 'mysql/master';
const FLOW = workflowDefinition({ functionArn: 'acs:fc:cn-hangzhou:1234567890123456:services/rotation/functions/rotate' });
const PAYLOAD = JSON.parse(schedulePayload({ secretName: SECRET, regionId: 'cn-hangzhou' })) as Record<string, unknown>;

let server: MariaDbServer;
let kms: AlibabaKmsEmulator;
let handler: FcHandler;
let target: ReturnType<typeof mysqlTarget>;
const capture = new Capture();

async function logsIn(user: string, password: string): Promise<boolean> {
  try {
    const connection = await createConnection({ host: server.host, port: server.port, user, password, ssl: { ca: server.ca as string } });
    await connection.end();
    return true;
  } catch {
    return false;
  }
}

async function asAdmin<T>(action: (introspection: UserIntrospection) => Promise<T>): Promise<T> {
  const introspection = await openMysqlIntrospection(target, loginOf({ ...server.admin, host: server.host, port: server.port }, target, silentLogger));
  try {
    return await action(introspection);
  } finally {
    await introspection.close();
  }
}

beforeAll(async () => {
  server = await startMariaDb({ tls: true });
  const admin = await createConnection({ host: server.host, port: server.port, user: server.admin.username, password: server.admin.password, ssl: { ca: server.ca as string } });
  await admin.query('CREATE DATABASE IF NOT EXISTS shop');
  await admin.query('CREATE TABLE IF NOT EXISTS shop.orders (id INT)');
  await admin.query("CREATE USER 'app'@'%' IDENTIFIED BY 'Initial-Pass1'");
  await admin.query("GRANT SELECT, INSERT ON shop.* TO 'app'@'%'");
  await admin.query("GRANT SELECT ON shop.orders TO 'app'@'%'");
  await admin.end();
  kms = await startAlibabaKmsEmulator({ credentials: KEY });
  seedSecret(kms, SECRET, {
    Endpoint: server.host,
    Port: server.port,
    AccountName: 'app',
    AccountPassword: 'Initial-Pass1',
    DBName: 'shop',
    MasterSecret: MASTER,
  });
  seedSecret(kms, MASTER, { AccountName: server.admin.username, AccountPassword: server.admin.password });
  target = mysqlTarget({ tls: { mode: 'verify', ca: server.ca as string } });
  handler = createFcHandler({ target, strategy: alternatingUsers(), endpoint: kms.endpoint, protocol: 'http', logger: capture.logger, onEvent: capture.onEvent });
});
afterAll(async () => {
  await kms?.close();
  await server?.close();
});

const rotation = (options: Parameters<typeof runWorkflow>[3] = {}) => capture.record(runWorkflow(FLOW, PAYLOAD, handler, options));

async function expectRotatedTo(accountName: string, versionId: unknown): Promise<void> {
  const current = valueAt(kms, SECRET, 'ACSCurrent');
  expect(current).toMatchObject({ AccountName: accountName, MasterSecret: MASTER, Endpoint: server.host });
  expect(await logsIn(accountName, current?.['AccountPassword'] as string)).toBe(true);
  const [original, alternate] = await asAdmin(async (session) => [await session.inspectUser('app'), await session.inspectUser('app_rt')]);
  expect({ ...alternate, username: 'app' }).toEqual(original);
  expect(stagesOf(kms, SECRET)[versionId as string]).toEqual(['ACSCurrent']);
}

describe('scenario 2: self-managed MariaDB, dual account through the MasterSecret', () => {
  test('the first rotation creates app_rt with the grants and TLS requirement of app', async () => {
    const { invocations, executionName } = await rotation();
    expect(invocations.map((i) => i.event['Step'])).toEqual(['new', 'set', 'test', 'end']);
    await expectRotatedTo('app_rt', versionIdOfExecution(executionName));
    expect(await logsIn('app', 'Initial-Pass1')).toBe(true);
    const profile = await asAdmin((session) => session.inspectUser('app_rt'));
    expect(profile?.privileges.length).toBeGreaterThan(0);
  });

  test('the second rotation rotates back to app with a new password', async () => {
    const { executionName } = await rotation();
    await expectRotatedTo('app', versionIdOfExecution(executionName));
    expect(await logsIn('app', 'Initial-Pass1')).toBe(false);
    expect(valueAt(kms, SECRET, 'ACSPrevious')).toMatchObject({ AccountName: 'app_rt' });
  });

  test('a crash between set and test: the next execution resumes the rotation under its VersionId', async () => {
    let versionId: string | undefined;
    const crashing: FcHandler = async (event, context) => {
      const step = (JSON.parse(String(event)) as { Step: string }).Step;
      if (step === 'test') kms.injectFault({ operation: 'ListSecretVersionIds', kind: 'error', response: kms.errorResponse('Forbidden.NoPermission') });
      const result = await handler(event, context);
      if (step === 'new') versionId = result.VersionId;
      return result;
    };
    expect(await capture.record(runWorkflow(FLOW, PAYLOAD, crashing)).catch((error: unknown) => error)).toMatchObject({ code: 'StoreAccessDenied' });
    expect(stagesOf(kms, SECRET)[versionId as string]).toEqual(['ACSPending']);
    const { invocations } = await rotation();
    expect(invocations.map((i) => [i.event['Step'], i.result?.VersionId])).toEqual([
      ['new', versionId],
      ['set', versionId],
      ['test', versionId],
      ['end', versionId],
    ]);
    await expectRotatedTo('app_rt', versionId);
  });

  test('no password appears in any log line, event or error', () => {
    const passwords = passwordsIn(kms);
    expect(passwords.length).toBeGreaterThanOrEqual(5);
    capture.expectNoSecret(passwords);
  });
});
