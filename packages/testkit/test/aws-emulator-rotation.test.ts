import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  CancelRotateSecretCommand,
  CreateSecretCommand,
  DescribeSecretCommand,
  GetRandomPasswordCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  ResourceNotFoundException,
  RotateSecretCommand,
  UpdateSecretVersionStageCommand,
  type SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  LAMBDA_DEFAULT_TIMEOUT_MS,
  startAwsSecretsManagerEmulator,
  type AwsSecretsManagerEmulator,
  type RotationEvent,
  type RotationHandler,
  type RotationStep,
} from '../src/index.js';
import { clientFor, expectAwsError, stagesOf, token } from './aws-emulator-helpers.js';

const INCOMPLETE = "A previous rotation isn't complete. That rotation will be reattempted.";

let emulator: AwsSecretsManagerEmulator;
let sm: SecretsManagerClient;
let counter = 0;

/**
 * A rotation function written the way the official templates are: the per-invocation gate,
 * createSecret storing a new password under the token as AWSPENDING, and finishSecret moving
 * AWSCURRENT. `failAt` makes one step throw (`times` times, default always).
 */
function rotationFunction(options: { failAt?: RotationStep; times?: number; events?: RotationEvent[] } = {}): RotationHandler {
  let failures = 0;
  return async (event) => {
    options.events?.push(event);
    const described = await sm.send(new DescribeSecretCommand({ SecretId: event.SecretId }));
    const stages = described.VersionIdsToStages?.[event.ClientRequestToken];
    if (!stages) throw new Error(`Secret version ${event.ClientRequestToken} has no stage for rotation`);
    if (stages.includes('AWSCURRENT')) return;
    if (!stages.includes('AWSPENDING')) throw new Error('not set as AWSPENDING');
    if (event.Step === options.failAt && failures < (options.times ?? Infinity)) {
      failures += 1;
      throw new Error(`${event.Step} broke`);
    }
    if (event.Step === 'createSecret') {
      const current = await sm.send(new GetSecretValueCommand({ SecretId: event.SecretId, VersionStage: 'AWSCURRENT' }));
      try {
        await sm.send(
          new GetSecretValueCommand({ SecretId: event.SecretId, VersionId: event.ClientRequestToken, VersionStage: 'AWSPENDING' }),
        );
      } catch (error) {
        if (!(error instanceof ResourceNotFoundException)) throw error;
        const { RandomPassword } = await sm.send(new GetRandomPasswordCommand({ ExcludeCharacters: '/@"\'\\' }));
        const value = { ...(JSON.parse(current.SecretString ?? '{}') as object), password: RandomPassword };
        await sm.send(
          new PutSecretValueCommand({
            SecretId: event.SecretId,
            ClientRequestToken: event.ClientRequestToken,
            SecretString: JSON.stringify(value),
            VersionStages: ['AWSPENDING'],
            // Handed back as the official functions do; the service accepts it.
            RotationToken: event.RotationToken,
          }),
        );
      }
    }
    if (event.Step === 'finishSecret') {
      const holder = Object.entries(described.VersionIdsToStages ?? {}).find(([, labels]) => labels.includes('AWSCURRENT'));
      await sm.send(
        new UpdateSecretVersionStageCommand({
          SecretId: event.SecretId,
          VersionStage: 'AWSCURRENT',
          MoveToVersionId: event.ClientRequestToken,
          ...(holder ? { RemoveFromVersionId: holder[0] } : {}),
        }),
      );
    }
  };
}

/** A secret with a value and a registered rotation function named after it. */
async function secretWithFunction(
  handler: RotationHandler,
  allowSecretsManager = true,
): Promise<{ arn: string; name: string; currentId: string; functionArn: string }> {
  counter += 1;
  const name = `rotating/db-${counter}`;
  const currentId = token();
  const { ARN } = await sm.send(
    new CreateSecretCommand({ Name: name, SecretString: '{"username":"app","password":"initial"}', ClientRequestToken: currentId }),
  );
  const functionArn = emulator.functionArn(`rotate-${counter}`);
  emulator.registerRotationFunction(functionArn, handler, { allowSecretsManager });
  return { arn: ARN ?? '', name, currentId, functionArn };
}

beforeAll(async () => {
  emulator = await startAwsSecretsManagerEmulator();
  sm = clientFor(emulator.url);
});

afterEach(() => {
  emulator.configureRotation({ driving: 'background', retries: 0, keepPendingLabel: false });
});

afterAll(async () => {
  sm.destroy();
  await emulator.close();
});

describe('a successful rotation', () => {
  it('invokes the four steps in order with the full ARN, the token and camelCase step names', async () => {
    const events: RotationEvent[] = [];
    const { arn, name, functionArn } = await secretWithFunction(rotationFunction({ events }));
    // Rotating by name: the event still carries the full ARN.
    const out = await sm.send(
      new RotateSecretCommand({ SecretId: name, RotationLambdaARN: functionArn, RotationRules: { AutomaticallyAfterDays: 30 } }),
    );
    expect(out).toMatchObject({ ARN: arn, Name: name });
    const record = await emulator.rotationSettled(name);
    expect(record).toMatchObject({ status: 'succeeded', attempts: 1, token: out.VersionId });
    expect(events.map((e) => e.Step)).toEqual(['createSecret', 'setSecret', 'testSecret', 'finishSecret']);
    for (const event of events) {
      expect(event).toEqual({
        Step: event.Step,
        SecretId: arn,
        ClientRequestToken: out.VersionId,
        RotationToken: events[0]?.RotationToken,
      });
    }
    expect(typeof events[0]?.RotationToken).toBe('string');
  });

  it('uses the caller-given token as the new version id', async () => {
    const events: RotationEvent[] = [];
    const { arn, functionArn } = await secretWithFunction(rotationFunction({ events }));
    const given = 'AF585B8F-AA06-4EAB-8827-EFF43E6FD896';
    const out = await sm.send(new RotateSecretCommand({ SecretId: arn, RotationLambdaARN: functionArn, ClientRequestToken: given }));
    expect(out.VersionId).toBe(given);
    await emulator.rotationSettled(arn);
    expect(new Set(events.map((e) => e.ClientRequestToken))).toEqual(new Set([given]));
  });

  it('removes AWSPENDING after success and records the rotation dates', async () => {
    const { arn, currentId, functionArn } = await secretWithFunction(rotationFunction());
    const out = await sm.send(
      new RotateSecretCommand({ SecretId: arn, RotationLambdaARN: functionArn, RotationRules: { AutomaticallyAfterDays: 30 } }),
    );
    await emulator.rotationSettled(arn);
    expect(await stagesOf(sm, arn)).toEqual({ [currentId]: ['AWSPREVIOUS'], [out.VersionId ?? '']: ['AWSCURRENT'] });
    const described = await sm.send(new DescribeSecretCommand({ SecretId: arn }));
    expect(described.LastRotatedDate).toBeInstanceOf(Date);
    expect((described.NextRotationDate?.getTime() ?? 0) - (described.LastRotatedDate?.getTime() ?? 0)).toBe(30 * 86_400_000);
    const value = JSON.parse((await sm.send(new GetSecretValueCommand({ SecretId: arn }))).SecretString ?? '{}') as {
      username: string;
      password: string;
    };
    expect(value.username).toBe('app');
    expect(value.password).not.toBe('initial');
  });

  it('can leave AWSPENDING on the new current version, which does not block the next rotation', async () => {
    emulator.configureRotation({ keepPendingLabel: true });
    const { arn, currentId, functionArn } = await secretWithFunction(rotationFunction());
    const first = await sm.send(new RotateSecretCommand({ SecretId: arn, RotationLambdaARN: functionArn }));
    await emulator.rotationSettled(arn);
    expect(await stagesOf(sm, arn)).toEqual({
      [currentId]: ['AWSPREVIOUS'],
      [first.VersionId ?? '']: ['AWSCURRENT', 'AWSPENDING'],
    });
    const second = await sm.send(new RotateSecretCommand({ SecretId: arn }));
    expect(await emulator.rotationSettled(arn)).toMatchObject({ status: 'succeeded', token: second.VersionId });
    expect(await stagesOf(sm, arn)).toEqual({
      [first.VersionId ?? '']: ['AWSPREVIOUS'],
      [second.VersionId ?? '']: ['AWSCURRENT', 'AWSPENDING'],
    });
  });

  it('can run the steps before RotateSecret answers', async () => {
    emulator.configureRotation({ driving: 'before-response' });
    const { arn, functionArn } = await secretWithFunction(rotationFunction());
    const out = await sm.send(new RotateSecretCommand({ SecretId: arn, RotationLambdaARN: functionArn }));
    // No waiting: the rotation has already ended when the response arrives.
    expect(emulator.state().rotations.find((r) => r.token === out.VersionId)?.status).toBe('succeeded');
    expect((await sm.send(new GetSecretValueCommand({ SecretId: arn }))).VersionId).toBe(out.VersionId);
  });

  it('starts scheduled rotations with a fresh upper-case token and the stored configuration', async () => {
    const events: RotationEvent[] = [];
    const { arn, functionArn } = await secretWithFunction(rotationFunction({ events }));
    await sm.send(
      new RotateSecretCommand({ SecretId: arn, RotationLambdaARN: functionArn, RotationRules: { AutomaticallyAfterDays: 1 } }),
    );
    const first = await emulator.rotationSettled(arn);
    const scheduled = await emulator.startScheduledRotation(arn);
    expect(scheduled).toMatch(/^[0-9A-F-]{36}$/);
    expect(await emulator.rotationSettled(arn)).toMatchObject({ status: 'succeeded', token: scheduled });
    expect(events.slice(4).map((e) => [e.Step, e.ClientRequestToken])).toEqual(
      ['createSecret', 'setSecret', 'testSecret', 'finishSecret'].map((step) => [step, scheduled]),
    );
    expect(await stagesOf(sm, arn)).toEqual({ [first?.token ?? '']: ['AWSPREVIOUS'], [scheduled]: ['AWSCURRENT'] });
  });

  it('answers rotationSettled with undefined for a secret that never rotated', async () => {
    const { arn } = await secretWithFunction(rotationFunction());
    expect(await emulator.rotationSettled(arn)).toBeUndefined();
  });
});

describe('the AWSPENDING placeholder', () => {
  it('exists without a value, labelled AWSPENDING, before the first step runs', async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const inner = rotationFunction();
    const { arn, currentId, functionArn } = await secretWithFunction(async (event) => {
      await gate;
      return inner(event);
    });
    const out = await sm.send(new RotateSecretCommand({ SecretId: arn, RotationLambdaARN: functionArn }));
    const pendingId = out.VersionId ?? '';
    expect(await stagesOf(sm, arn)).toEqual({ [currentId]: ['AWSCURRENT'], [pendingId]: ['AWSPENDING'] });
    await expectAwsError(
      sm.send(new GetSecretValueCommand({ SecretId: arn, VersionStage: 'AWSPENDING' })),
      'ResourceNotFoundException',
      "Secrets Manager can't find the specified secret value for staging label: AWSPENDING",
    );
    await expectAwsError(
      sm.send(new GetSecretValueCommand({ SecretId: arn, VersionId: pendingId, VersionStage: 'AWSPENDING' })),
      'ResourceNotFoundException',
      "Secrets Manager can't find the specified secret value for staging label: AWSPENDING",
    );
    await expectAwsError(
      sm.send(new GetSecretValueCommand({ SecretId: arn, VersionId: pendingId })),
      'ResourceNotFoundException',
      `Secrets Manager can't find the specified secret value for VersionId: ${pendingId}`,
    );
    // A second rotation meanwhile is refused: AWSPENDING sits on a non-current version.
    await expectAwsError(sm.send(new RotateSecretCommand({ SecretId: arn })), 'InvalidRequestException', INCOMPLETE);
    release();
    expect(await emulator.rotationSettled(arn)).toMatchObject({ status: 'succeeded', token: pendingId });
  });

  it('is filled by PutSecretValue with its token, keeping its labels', async () => {
    const { arn, functionArn } = await secretWithFunction(rotationFunction({ failAt: 'setSecret' }));
    const out = await sm.send(new RotateSecretCommand({ SecretId: arn, RotationLambdaARN: functionArn }));
    await emulator.rotationSettled(arn);
    const pending = await sm.send(new GetSecretValueCommand({ SecretId: arn, VersionStage: 'AWSPENDING' }));
    expect(pending.VersionId).toBe(out.VersionId);
    expect(pending.VersionStages).toEqual(['AWSPENDING']);
    expect(JSON.parse(pending.SecretString ?? '{}')).toMatchObject({ username: 'app' });
  });
});

describe('a failing rotation', () => {
  it('stops at the first function error and leaves AWSPENDING on the partial version', async () => {
    const events: RotationEvent[] = [];
    const { arn, currentId, functionArn } = await secretWithFunction(rotationFunction({ failAt: 'setSecret', events }));
    const out = await sm.send(new RotateSecretCommand({ SecretId: arn, RotationLambdaARN: functionArn }));
    const record = await emulator.rotationSettled(arn);
    expect(record).toMatchObject({ status: 'failed', attempts: 1, error: 'setSecret failed: setSecret broke' });
    expect(record?.invocations.map((i) => [i.step, i.ok])).toEqual([
      ['createSecret', true],
      ['setSecret', false],
    ]);
    expect(events.map((e) => e.Step)).toEqual(['createSecret', 'setSecret']);
    expect(await stagesOf(sm, arn)).toEqual({ [currentId]: ['AWSCURRENT'], [out.VersionId ?? '']: ['AWSPENDING'] });
    expect((await sm.send(new DescribeSecretCommand({ SecretId: arn }))).LastRotatedDate).toBeUndefined();
  });

  it('makes the next RotateSecret refuse, changing nothing', async () => {
    const { arn, currentId, functionArn } = await secretWithFunction(rotationFunction({ failAt: 'createSecret' }));
    const out = await sm.send(new RotateSecretCommand({ SecretId: arn, RotationLambdaARN: functionArn }));
    await emulator.rotationSettled(arn);
    const before = await stagesOf(sm, arn);
    expect(before).toEqual({ [currentId]: ['AWSCURRENT'], [out.VersionId ?? '']: ['AWSPENDING'] });
    await expectAwsError(sm.send(new RotateSecretCommand({ SecretId: arn })), 'InvalidRequestException', INCOMPLETE);
    expect(await stagesOf(sm, arn)).toEqual(before);
    expect(emulator.state().rotations.filter((r) => r.secretArn === arn)).toHaveLength(1);
  });

  it('is retried with the same token when retries are configured', async () => {
    emulator.configureRotation({ retries: 2 });
    const events: RotationEvent[] = [];
    const { arn, currentId, functionArn } = await secretWithFunction(rotationFunction({ failAt: 'testSecret', times: 1, events }));
    const out = await sm.send(new RotateSecretCommand({ SecretId: arn, RotationLambdaARN: functionArn }));
    const record = await emulator.rotationSettled(arn);
    expect(record).toMatchObject({ status: 'succeeded', attempts: 2 });
    expect(events.map((e) => e.Step)).toEqual([
      'createSecret',
      'setSecret',
      'testSecret',
      'createSecret',
      'setSecret',
      'testSecret',
      'finishSecret',
    ]);
    expect(new Set(events.map((e) => e.ClientRequestToken))).toEqual(new Set([out.VersionId]));
    expect(await stagesOf(sm, arn)).toEqual({ [currentId]: ['AWSPREVIOUS'], [out.VersionId ?? '']: ['AWSCURRENT'] });
  });

  it('gives up after the configured retries', async () => {
    emulator.configureRotation({ retries: 1 });
    const { arn, functionArn } = await secretWithFunction(rotationFunction({ failAt: 'finishSecret' }));
    await sm.send(new RotateSecretCommand({ SecretId: arn, RotationLambdaARN: functionArn }));
    expect(await emulator.rotationSettled(arn)).toMatchObject({ status: 'failed', attempts: 2 });
  });

  it('counts a finishSecret that did not promote the version as a failure', async () => {
    const { arn, functionArn } = await secretWithFunction(() => undefined);
    const out = await sm.send(new RotateSecretCommand({ SecretId: arn, RotationLambdaARN: functionArn }));
    expect(await emulator.rotationSettled(arn)).toMatchObject({
      status: 'failed',
      error: `finishSecret returned but version ${out.VersionId} is not AWSCURRENT`,
    });
  });
});

describe('RotateImmediately=false', () => {
  it('runs only testSecret on a temporary AWSPENDING copy of current and removes it', async () => {
    const seen: { stages: string[] | undefined; value: string | undefined }[] = [];
    const { arn, currentId, functionArn } = await secretWithFunction(async (event) => {
      expect(event.Step).toBe('testSecret');
      const stages = (await stagesOf(sm, event.SecretId))[event.ClientRequestToken];
      const pending = await sm.send(
        new GetSecretValueCommand({ SecretId: event.SecretId, VersionId: event.ClientRequestToken, VersionStage: 'AWSPENDING' }),
      );
      seen.push({ stages, value: pending.SecretString });
    });
    const out = await sm.send(
      new RotateSecretCommand({
        SecretId: arn,
        RotationLambdaARN: functionArn,
        RotationRules: { ScheduleExpression: 'rate(10 days)' },
        RotateImmediately: false,
      }),
    );
    expect(await emulator.rotationSettled(arn)).toMatchObject({ kind: 'test-only', status: 'succeeded', token: out.VersionId });
    expect(out.VersionId).not.toBe(currentId);
    expect(seen).toEqual([{ stages: ['AWSPENDING'], value: '{"username":"app","password":"initial"}' }]);
    expect(await stagesOf(sm, arn)).toEqual({ [currentId]: ['AWSCURRENT'] });
    const described = await sm.send(new DescribeSecretCommand({ SecretId: arn }));
    expect(described).toMatchObject({ RotationEnabled: true, RotationRules: { ScheduleExpression: 'rate(10 days)' } });
    expect(described.LastRotatedDate).toBeUndefined();
  });
});

describe('rotation configuration', () => {
  it('enables rotation for AutomaticallyAfterDays or ScheduleExpression, never both', async () => {
    const { arn, functionArn } = await secretWithFunction(rotationFunction());
    await expectAwsError(
      sm.send(
        new RotateSecretCommand({
          SecretId: arn,
          RotationLambdaARN: functionArn,
          RotationRules: { AutomaticallyAfterDays: 7, ScheduleExpression: 'rate(7 days)' },
        }),
      ),
      'InvalidParameterException',
      'You cannot specify both rotation frequency and schedule expression together.',
    );
    expect(await sm.send(new DescribeSecretCommand({ SecretId: arn }))).not.toHaveProperty('RotationEnabled');
    await sm.send(
      new RotateSecretCommand({
        SecretId: arn,
        RotationLambdaARN: functionArn,
        RotationRules: { ScheduleExpression: 'cron(0 4 ? * SUN *)', Duration: '3h' },
        RotateImmediately: false,
      }),
    );
    await emulator.rotationSettled(arn);
    expect(await sm.send(new DescribeSecretCommand({ SecretId: arn }))).toMatchObject({
      RotationEnabled: true,
      RotationLambdaARN: functionArn,
      RotationRules: { ScheduleExpression: 'cron(0 4 ? * SUN *)', Duration: '3h' },
    });
  });

  it('rejects malformed schedules', async () => {
    const { arn, functionArn } = await secretWithFunction(rotationFunction());
    const rotate = (RotationRules: Record<string, unknown>): Promise<unknown> =>
      sm.send(new RotateSecretCommand({ SecretId: arn, RotationLambdaARN: functionArn, RotationRules }));
    await expectAwsError(
      rotate({ AutomaticallyAfterDays: 1001 }),
      'InvalidParameterException',
      'RotationRules.AutomaticallyAfterDays must be within 1-1000.',
    );
    await expectAwsError(
      rotate({ ScheduleExpression: 'rate(2 hours)' }),
      'InvalidParameterException',
      'The schedule expression rate(2 hours) is not valid.',
    );
    await expectAwsError(
      rotate({ ScheduleExpression: 'cron(15 4 * * ? *)' }),
      'InvalidParameterException',
      'The schedule expression cron(15 4 * * ? *) is not valid.',
    );
    await expectAwsError(
      rotate({ AutomaticallyAfterDays: 3, Duration: '25h' }),
      'InvalidParameterException',
      'The Duration 25h is not valid: use 1h to 24h.',
    );
  });

  it('keeps RotationRules and the function ARN after CancelRotateSecret, with RotationEnabled false', async () => {
    const { arn, name, functionArn } = await secretWithFunction(rotationFunction());
    await sm.send(
      new RotateSecretCommand({ SecretId: arn, RotationLambdaARN: functionArn, RotationRules: { AutomaticallyAfterDays: 14 } }),
    );
    await emulator.rotationSettled(arn);
    const cancelled = await sm.send(new CancelRotateSecretCommand({ SecretId: arn }));
    expect(cancelled).toMatchObject({ ARN: arn, Name: name });
    expect(cancelled.VersionId).toBeUndefined();
    const described = await sm.send(new DescribeSecretCommand({ SecretId: arn }));
    expect(described).toMatchObject({
      RotationEnabled: false,
      RotationLambdaARN: functionArn,
      RotationRules: { AutomaticallyAfterDays: 14 },
    });
    expect(described).not.toHaveProperty('NextRotationDate');
  });

  it('CancelRotateSecret names a stuck rotation version and leaves its labels', async () => {
    const { arn, currentId, functionArn } = await secretWithFunction(rotationFunction({ failAt: 'setSecret' }));
    const out = await sm.send(new RotateSecretCommand({ SecretId: arn, RotationLambdaARN: functionArn }));
    await emulator.rotationSettled(arn);
    const cancelled = await sm.send(new CancelRotateSecretCommand({ SecretId: arn }));
    expect(cancelled.VersionId).toBe(out.VersionId);
    expect(await stagesOf(sm, arn)).toEqual({ [currentId]: ['AWSCURRENT'], [out.VersionId ?? '']: ['AWSPENDING'] });
  });

  it('refuses CancelRotateSecret on a secret without a rotation function', async () => {
    const { arn } = await secretWithFunction(rotationFunction());
    await expectAwsError(
      sm.send(new CancelRotateSecretCommand({ SecretId: arn })),
      'InvalidRequestException',
      "You tried to enable rotation on a secret that doesn't already have a Lambda function ARN configured and you didn't include such an ARN as a parameter in this call.",
    );
  });
});

describe('RotateSecret refusals', () => {
  it('requires a function ARN on the first rotation', async () => {
    const { arn } = await secretWithFunction(rotationFunction());
    await expectAwsError(
      sm.send(new RotateSecretCommand({ SecretId: arn })),
      'InvalidRequestException',
      'No Lambda rotation function ARN is associated with this secret.',
    );
  });

  it('answers AccessDeniedException and saves nothing when the function may not be invoked', async () => {
    const events: RotationEvent[] = [];
    const { arn, currentId, functionArn } = await secretWithFunction(rotationFunction({ events }), false);
    const denied =
      'Secrets Manager cannot invoke the specified Lambda function. Ensure that the function policy grants access to the principal secretsmanager.amazonaws.com.';
    await expectAwsError(
      sm.send(new RotateSecretCommand({ SecretId: arn, RotationLambdaARN: functionArn, RotationRules: { AutomaticallyAfterDays: 5 } })),
      'AccessDeniedException',
      denied,
    );
    // An unknown function is refused the same way.
    await expectAwsError(
      sm.send(new RotateSecretCommand({ SecretId: arn, RotationLambdaARN: emulator.functionArn('no-such-function') })),
      'AccessDeniedException',
      denied,
    );
    const described = await sm.send(new DescribeSecretCommand({ SecretId: arn }));
    for (const member of ['RotationEnabled', 'RotationLambdaARN', 'RotationRules']) {
      expect(described, member).not.toHaveProperty(member);
    }
    expect(described.VersionIdsToStages).toEqual({ [currentId]: ['AWSCURRENT'] });
    expect(events).toEqual([]);
    expect(await emulator.rotationSettled(arn)).toBeUndefined();
  });
});

describe('Lambda-style HTTP rotation functions', () => {
  let server: Server;
  let url = '';
  let respond: (event: RotationEvent) => Promise<{ status: number; headers?: Record<string, string>; body: string }>;

  beforeAll(async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        void respond(JSON.parse(Buffer.concat(chunks).toString('utf8')) as RotationEvent).then((answer) => {
          res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
          res.end(answer.body);
        });
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/2015-03-31/functions/rotate/invocations`;
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('receives the event as a POST body and rotates the secret', async () => {
    const events: RotationEvent[] = [];
    const handler = rotationFunction({ events });
    respond = async (event) => {
      await handler(event);
      return { status: 200, body: 'null' };
    };
    const { arn, functionArn } = await secretWithFunction(handler);
    emulator.registerRotationFunction(functionArn, url);
    const out = await sm.send(new RotateSecretCommand({ SecretId: arn, RotationLambdaARN: functionArn }));
    expect(await emulator.rotationSettled(arn)).toMatchObject({ status: 'succeeded' });
    expect(events.map((e) => e.Step)).toEqual(['createSecret', 'setSecret', 'testSecret', 'finishSecret']);
    expect((await sm.send(new GetSecretValueCommand({ SecretId: arn }))).VersionId).toBe(out.VersionId);
  });

  it('treats X-Amz-Function-Error on HTTP 200 as a function error', async () => {
    respond = async () => ({
      status: 200,
      headers: { 'X-Amz-Function-Error': 'Unhandled' },
      body: JSON.stringify({ errorType: 'KeyError', errorMessage: "'SECRETS_MANAGER_ENDPOINT'" }),
    });
    const { arn, functionArn } = await secretWithFunction(() => undefined);
    emulator.registerRotationFunction(functionArn, url);
    await sm.send(new RotateSecretCommand({ SecretId: arn, RotationLambdaARN: functionArn }));
    const record = await emulator.rotationSettled(arn);
    expect(record).toMatchObject({ status: 'failed', error: "createSecret failed: Unhandled: KeyError: 'SECRETS_MANAGER_ENDPOINT'" });
    expect(record?.invocations).toHaveLength(1);
  });

  it('treats a non-2xx answer as a function error', async () => {
    respond = async () => ({ status: 502, body: 'bad gateway' });
    const { arn, functionArn } = await secretWithFunction(() => undefined);
    emulator.registerRotationFunction(functionArn, url);
    await sm.send(new RotateSecretCommand({ SecretId: arn, RotationLambdaARN: functionArn }));
    expect(await emulator.rotationSettled(arn)).toMatchObject({ status: 'failed', error: 'createSecret failed: HTTP 502: bad gateway' });
  });
});

describe('Lambda timeouts', () => {
  const TIMED_OUT = /^createSecret failed: Unhandled: \d{4}-\d\d-\d\dT[\d:.]+Z [0-9a-f-]{36} Task timed out after 0\.20 seconds$/;
  let silent: Server;
  let silentUrl = '';
  const held: ServerResponse[] = [];

  beforeAll(async () => {
    // Accepts every connection and reads the event, then never answers.
    silent = createServer((req, res) => {
      req.resume();
      held.push(res);
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    silentUrl = `http://127.0.0.1:${(silent.address() as AddressInfo).port}/2015-03-31/functions/silent/invocations`;
  });

  afterAll(async () => {
    silent.closeAllConnections();
    await new Promise<void>((resolve) => silent.close(() => resolve()));
  });

  it('stops a URL function that never answers at its timeout, as a function error, and refuses the next RotateSecret as AWS does', async () => {
    const { arn, currentId, functionArn } = await secretWithFunction(() => undefined);
    emulator.registerRotationFunction(functionArn, silentUrl, { timeoutMs: 200 });
    const out = await sm.send(new RotateSecretCommand({ SecretId: arn, RotationLambdaARN: functionArn }));
    const record = await emulator.rotationSettled(arn);
    expect(record).toMatchObject({ status: 'failed', attempts: 1 });
    expect(record?.error).toMatch(TIMED_OUT);
    expect(record?.invocations.map((i) => [i.step, i.ok])).toEqual([['createSecret', false]]);
    const before = await stagesOf(sm, arn);
    expect(before).toEqual({ [currentId]: ['AWSCURRENT'], [out.VersionId ?? '']: ['AWSPENDING'] });
    await expectAwsError(sm.send(new RotateSecretCommand({ SecretId: arn })), 'InvalidRequestException', INCOMPLETE);
    await expectAwsError(
      sm.send(new RotateSecretCommand({ SecretId: arn, RotationLambdaARN: functionArn, ClientRequestToken: token() })),
      'InvalidRequestException',
      INCOMPLETE,
    );
    expect(await stagesOf(sm, arn)).toEqual(before);
    expect(emulator.state().rotations.filter((r) => r.secretArn === arn)).toHaveLength(1);
  });

  it('re-attempts the unfinished rotation when RotateSecret comes again with its token', async () => {
    const events: RotationEvent[] = [];
    const { arn, currentId, functionArn } = await secretWithFunction(() => undefined);
    emulator.registerRotationFunction(functionArn, silentUrl, { timeoutMs: 200 });
    const out = await sm.send(new RotateSecretCommand({ SecretId: arn, RotationLambdaARN: functionArn }));
    expect(await emulator.rotationSettled(arn)).toMatchObject({ status: 'failed' });
    // The function is fixed (redeployed); the same token runs the steps again on the same version.
    emulator.registerRotationFunction(functionArn, rotationFunction({ events }));
    const again = await sm.send(new RotateSecretCommand({ SecretId: arn, ClientRequestToken: out.VersionId }));
    expect(again.VersionId).toBe(out.VersionId);
    expect(await emulator.rotationSettled(arn)).toMatchObject({ status: 'succeeded', token: out.VersionId });
    expect(events.map((e) => [e.Step, e.ClientRequestToken])).toEqual(
      ['createSecret', 'setSecret', 'testSecret', 'finishSecret'].map((step) => [step, out.VersionId]),
    );
    expect(await stagesOf(sm, arn)).toEqual({ [currentId]: ['AWSPREVIOUS'], [out.VersionId ?? '']: ['AWSCURRENT'] });
  });

  it('refuses the same token while that rotation is still running', async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const { arn, functionArn } = await secretWithFunction(async () => gate);
    const out = await sm.send(new RotateSecretCommand({ SecretId: arn, RotationLambdaARN: functionArn }));
    await expectAwsError(
      sm.send(new RotateSecretCommand({ SecretId: arn, ClientRequestToken: out.VersionId })),
      'InvalidRequestException',
      INCOMPLETE,
    );
    release();
    await emulator.rotationSettled(arn);
    expect(emulator.state().rotations.filter((r) => r.secretArn === arn)).toHaveLength(1);
  });

  it('stops an in-process handler that never settles at its timeout', async () => {
    const { arn, functionArn } = await secretWithFunction(() => new Promise(() => undefined));
    emulator.registerRotationFunction(functionArn, () => new Promise(() => undefined), { timeoutMs: 200 });
    await sm.send(new RotateSecretCommand({ SecretId: arn, RotationLambdaARN: functionArn }));
    expect((await emulator.rotationSettled(arn))?.error).toMatch(TIMED_OUT);
  });

  it("defaults to Lambda's 3 seconds, takes timeoutMs from the seed document, and refuses bad options", async () => {
    const plain = emulator.functionArn('timeout-default');
    emulator.registerRotationFunction(plain, () => undefined);
    const seededArn = emulator.functionArn('timeout-seeded');
    const seeded = await fetch(`${emulator.url}/_rotakit/seed`, {
      method: 'POST',
      body: JSON.stringify({ rotationFunctions: [{ arn: seededArn, url: silentUrl, timeoutMs: 1500 }] }),
    });
    expect(seeded.status).toBe(200);
    const functions = emulator.state().rotationFunctions;
    expect(functions.find((f) => f.arn === plain)?.timeoutMs).toBe(LAMBDA_DEFAULT_TIMEOUT_MS);
    expect(LAMBDA_DEFAULT_TIMEOUT_MS).toBe(3000);
    expect(functions.find((f) => f.arn === seededArn)).toMatchObject({ target: silentUrl, timeoutMs: 1500 });
    for (const [options, field] of [
      [{ timeoutMs: 0 }, 'timeoutMs'],
      [{ timeoutMs: 900_001 }, 'timeoutMs'],
      [{ timeoutMs: 1.5 }, 'timeoutMs'],
      [{ timeout: 3 }, 'timeout'],
    ] as const) {
      expect(() => emulator.registerRotationFunction(plain, () => undefined, options as never)).toThrow(
        expect.objectContaining({ name: 'InvalidOptionsError', field }),
      );
    }
    const refused = await fetch(`${emulator.url}/_rotakit/seed`, {
      method: 'POST',
      body: JSON.stringify({ rotationFunctions: [{ arn: seededArn, url: silentUrl, timeoutMs: -1 }] }),
    });
    expect(refused.status).toBe(400);
  });
});
