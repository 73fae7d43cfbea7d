// A lost answer of `new` must not wedge the secret: KMS stores the pending version but its answer
// never reaches the function, the step fails and the workflow retries it (Function Compute gives
// the retry a new request id), and the next day's execution runs after it. Both converge, on the
// KMS emulator and a real MariaDB server.
import { createConnection } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { isRotakitError, singleUser } from '@rotakit/core';
import { startAlibabaKmsEmulator, startMariaDb, type AlibabaKmsEmulator, type MariaDbServer } from '@rotakit/testkit';
import { mysqlTarget } from '@rotakit/target-mysql';
import { createFcHandler, type FcHandler } from '@rotakit/provider-alibaba';
import { schedulePayload, workflowDefinition } from '@rotakit/provider-alibaba/setup';
import { KEY, runWorkflow, seedSecret, stagesOf, valueAt } from './helpers.js';

const SECRET = 'mysql/lost-answer';
// The function's own errors (FC.Unhandled) retried twice, as a user would configure it.
const FLOW = workflowDefinition({
  functionArn: 'acs:fc:cn-hangzhou:1234567890123456:services/rotation/functions/rotate',
  retry: [{ errors: ['FC.Unhandled'], maxAttempts: 2, intervalSeconds: 1 }],
});
const PAYLOAD = JSON.parse(schedulePayload({ secretName: SECRET, regionId: 'cn-hangzhou' })) as Record<string, unknown>;
const target = mysqlTarget({ tls: 'disable' });

let kms: AlibabaKmsEmulator;
let server: MariaDbServer;
let handler: FcHandler;

beforeAll(async () => {
  [kms, server] = await Promise.all([startAlibabaKmsEmulator({ credentials: KEY }), startMariaDb()]);
  const admin = await createConnection({ host: server.host, port: server.port, user: server.admin.username, password: server.admin.password });
  await admin.query("CREATE USER 'lost'@'%' IDENTIFIED BY 'Initial-Pass1'");
  await admin.end();
  seedSecret(kms, SECRET, { Endpoint: server.host, Port: server.port, AccountName: 'lost', AccountPassword: 'Initial-Pass1', SSL: false });
  handler = createFcHandler({ target, strategy: singleUser(), endpoint: kms.endpoint, protocol: 'http', retry: { baseDelayMs: 1 } });
});
afterAll(async () => {
  await Promise.all([kms?.close(), server?.close()]);
});

async function currentLogsIn(): Promise<boolean> {
  const { AccountName, AccountPassword } = valueAt(kms, SECRET, 'ACSCurrent') as { AccountName: string; AccountPassword: string };
  try {
    await (await target.connect({ username: AccountName, password: AccountPassword, host: server.host, port: server.port, tls: 'disable' })).close();
    return true;
  } catch (error) {
    if (isRotakitError(error, 'TargetAuthFailed')) return false;
    throw error;
  }
}

/** The VersionIds of the versions that hold the value `new` stored (the pending or current password). */
function versionsHolding(versionId: string): string[] {
  const versions = kms.state().secrets.find((s) => s.name === SECRET)?.versions ?? [];
  const data = versions.find((v) => v.versionId === versionId)?.data;
  return versions.filter((v) => v.data === data).map((v) => v.versionId);
}

/** One scheduled execution: `rotated` with the version it made current, or the error it stopped on. */
async function execution(): Promise<{ rotated: string } | { failed: unknown }> {
  try {
    const { invocations } = await runWorkflow(FLOW, PAYLOAD, handler);
    return { rotated: invocations.find((i) => i.event['Step'] === 'end')?.result?.VersionId as string };
  } catch (error) {
    return { failed: isRotakitError(error) ? { code: error.code, pendingToken: error.pendingToken } : error };
  }
}

describe('a lost answer of new', () => {
  test('the workflow\'s retry converges on the same rotation, and the next day\'s execution rotates again', async () => {
    const first = kms.state().secrets.find((s) => s.name === SECRET)?.versions[0]?.versionId;
    kms.injectFault({ operation: 'PutSecretValue', kind: 'lose-answer' });
    const today = await execution();
    kms.clearFaults();
    const tomorrow = await execution();
    expect({ today, tomorrow }).toEqual({ today: { rotated: expect.any(String) }, tomorrow: { rotated: expect.any(String) } });
    const [rotatedToday, rotatedTomorrow] = [today, tomorrow].map((run) => (run as { rotated: string }).rotated);
    expect(rotatedTomorrow).not.toBe(rotatedToday);
    const stages = stagesOf(kms, SECRET);
    expect(stages[rotatedTomorrow as string]).toContain('ACSCurrent');
    expect(stages[rotatedToday as string]).toContain('ACSPrevious');
    expect(stages[first as string]).not.toContain('ACSCurrent');
    expect(Object.entries(stages).filter(([id, labels]) => id !== rotatedTomorrow && labels.includes('ACSPending'))).toEqual([]);
    expect(await currentLogsIn()).toBe(true);
  });

  test('an execution whose retries fail too: the next day\'s execution resumes its rotation, under its VersionId and with its value', async () => {
    // The claim's answer is lost (the first stage move drops the staging label, the second claims ACSPending).
    kms.injectFault({ operation: 'UpdateSecretVersionStage', kind: 'lose-answer', after: 1 });
    // Each attempt opens the secret twice (DescribeSecret); both retries of `new` fail on their first open.
    kms.injectFault({ operation: 'DescribeSecret', kind: 'error', after: 2, times: 2, response: kms.errorResponse('Forbidden.NoPermission') });
    const today = await execution();
    kms.clearFaults();
    expect(today).toEqual({ failed: { code: 'StoreAccessDenied', pendingToken: undefined } });
    const pending = Object.entries(stagesOf(kms, SECRET)).find(([, labels]) => labels.includes('ACSPending'))?.[0];
    expect(pending).toBeDefined();
    const tomorrow = await execution();
    expect(tomorrow).toEqual({ rotated: pending });
    expect(versionsHolding(pending as string)).toEqual([pending]);
    expect(stagesOf(kms, SECRET)[pending as string]).toEqual(['ACSCurrent']);
    expect(await currentLogsIn()).toBe(true);
  });
});
