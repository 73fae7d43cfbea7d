// The AWS reader against the Secrets Manager emulator (SigV4 verified), reads counted by the emulator.
import { CreateSecretCommand, RotateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { InvalidOptionsError, MemoryTarget, singleUser, type StoreUnavailableError } from '@rotakit/core';
import { createRotationHandler, type RotationHandlerEvent } from '@rotakit/provider-aws';
import { AWS_EMULATOR_CREDENTIALS, startAwsSecretsManagerEmulator, type AwsSecretsManagerEmulator } from '@rotakit/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awsSecretReader } from '../src/aws.js';
import { DEFAULT_TTL_MS, RotatingLogin } from '../src/index.js';
import { fakeClock, otherThan } from './helpers.js';

const PASSWORD = 'initial-app-password-1';
let sm: AwsSecretsManagerEmulator;
let admin: SecretsManagerClient;
let secrets = 0;

const config = () => ({ endpoint: sm.url, region: 'us-east-1', credentials: AWS_EMULATOR_CREDENTIALS, maxAttempts: 1 });

beforeAll(async () => {
  sm = await startAwsSecretsManagerEmulator({ rotation: { driving: 'before-response' } });
  admin = new SecretsManagerClient(config());
});
afterAll(async () => {
  admin.destroy();
  await sm.close();
});

async function createSecret(): Promise<string> {
  secrets += 1;
  const { ARN } = await admin.send(
    new CreateSecretCommand({
      Name: `app/reader-${secrets}`,
      SecretString: JSON.stringify({ engine: 'mysql', host: 'db.internal', port: 3306, username: 'app', password: PASSWORD }),
    }),
  );
  return ARN as string;
}

/** A clock the test moves by hand. */
const reads = () => sm.callCounts()['GetSecretValue'] ?? 0;

/** Rotates `secretId` through RotateSecret and rotakit's handler on a memory target; `during` runs in the set step. */
async function rotate(secretId: string, target: MemoryTarget, during?: () => Promise<void>): Promise<void> {
  const handler = createRotationHandler({ target, strategy: singleUser(), secretsManager: config() });
  const arn = sm.functionArn(`rotator-${secrets}`);
  sm.registerRotationFunction(arn, async (event) => {
    const result = await handler(event as RotationHandlerEvent);
    if ((event as RotationHandlerEvent).Step === 'setSecret') await during?.();
    return result;
  });
  await admin.send(new RotateSecretCommand({ SecretId: secretId, RotationLambdaARN: arn, RotationRules: { AutomaticallyAfterDays: 30 } }));
  expect((await sm.rotationSettled(secretId))?.status).toBe('succeeded');
}

describe('awsSecretReader', () => {
  it('parses the current credentials with AWS schema and names the version', async () => {
    const reader = awsSecretReader(await createSecret(), { secretsManager: config() });
    const { stage, credentials, versionId } = await reader.current();
    expect(stage).toBe('current');
    expect(credentials).toMatchObject({ username: 'app', password: PASSWORD, host: 'db.internal', port: 3306 });
    expect(versionId).toMatch(/.+/);
  });

  it('reads once for many concurrent callers, not again within the time to live, once after it', async () => {
    const clock = fakeClock();
    const reader = awsSecretReader(await createSecret(), { secretsManager: config(), now: clock.now });
    sm.resetCalls();
    const answers = await Promise.all(Array.from({ length: 20 }, () => reader.current()));
    expect(new Set(answers.map((answer) => answer.credentials.password))).toEqual(new Set([PASSWORD]));
    expect(reads()).toBe(1);
    clock.advance(DEFAULT_TTL_MS - 1);
    await reader.current();
    expect(reads()).toBe(1);
    clock.advance(1);
    await Promise.all([reader.current(), reader.current()]);
    expect(reads()).toBe(2);
  });

  it('refresh reads at once, one read for every caller that refreshes together', async () => {
    const reader = awsSecretReader(await createSecret(), { secretsManager: config(), now: fakeClock().now });
    await reader.current();
    sm.resetCalls();
    await Promise.all(Array.from({ length: 10 }, () => reader.refresh()));
    expect(reads()).toBe(1);
    await reader.current();
    expect(reads()).toBe(1);
  });

  it('after a rotation, refresh gives the new credentials and previous the former ones', async () => {
    const secretId = await createSecret();
    const target = new MemoryTarget({ engine: 'mysql', tls: 'disable', users: { app: { password: PASSWORD } } });
    const reader = awsSecretReader(secretId, { secretsManager: config(), now: fakeClock().now });
    const before = await reader.current();
    expect(await reader.previous()).toBeUndefined();
    await rotate(secretId, target);
    // Within the time to live the cache still answers; a pool whose logins fail refreshes.
    expect((await reader.current()).versionId).toBe(before.versionId);
    sm.resetCalls();
    const after = await reader.refresh();
    expect(reads()).toBe(1);
    expect(after.versionId).not.toBe(before.versionId);
    expect(after.credentials.password).not.toBe(PASSWORD);
    expect(target.accepts('app', after.credentials.password)).toBe(true);
    const previous = await reader.previous();
    expect(previous?.versionId).toBe(before.versionId);
    expect(previous?.credentials.password).toBe(PASSWORD);
    expect(await reader.pending()).toBeUndefined();
  });

  it('pending gives the password that logs in between set and finish of a single-user rotation', async () => {
    const secretId = await createSecret();
    const target = new MemoryTarget({ engine: 'mysql', tls: 'disable', users: { app: { password: PASSWORD } } });
    const reader = awsSecretReader(secretId, { secretsManager: config(), ttlMs: 0 });
    let pendingPassword: string | undefined;
    let pendingLogsIn = false;
    await rotate(secretId, target, async () => {
      pendingPassword = (await reader.pending())?.credentials.password;
      pendingLogsIn = pendingPassword !== undefined && target.accepts('app', pendingPassword) && !target.accepts('app', PASSWORD);
    });
    expect(pendingPassword).toBeDefined();
    expect(pendingLogsIn).toBe(true);
    expect((await reader.current()).credentials.password).toBe(pendingPassword);
  });

  it('a missing secret is SecretNotFoundError from current, undefined from previous and pending', async () => {
    const reader = awsSecretReader('app/no-such-secret', { secretsManager: config() });
    await expect(reader.current()).rejects.toMatchObject({ code: 'SecretNotFound' });
    expect(await reader.previous()).toBeUndefined();
  });

  it('an unreachable service is StoreUnavailableError, and nothing is cached', async () => {
    const reader = awsSecretReader(await createSecret(), { secretsManager: { ...config(), endpoint: 'http://127.0.0.1:9' } });
    const error = (await reader.current().catch((caught: unknown) => caught)) as StoreUnavailableError;
    expect(error).toMatchObject({ code: 'StoreUnavailable', retryable: true });
    await expect(reader.current()).rejects.toMatchObject({ code: 'StoreUnavailable' });
  });

  it('a value the schema refuses is InvalidSecretValueError without the value', async () => {
    secrets += 1;
    const { ARN } = await admin.send(new CreateSecretCommand({ Name: `app/bad-${secrets}`, SecretString: '{"password":"leaky-value-7"}' }));
    const error = (await awsSecretReader(ARN as string, { secretsManager: config() }).current().catch((caught: unknown) => caught)) as Error;
    expect(error).toMatchObject({ code: 'InvalidSecretValue' });
    expect(`${error.message}\n${error.stack}`).not.toContain('leaky-value-7');
  });

  it('refuses unknown and invalid options, naming the field', () => {
    const wrong = (options: object) => () => awsSecretReader('app/db', options as never);
    expect(wrong({ ttl: 5 })).toThrow(InvalidOptionsError);
    expect(wrong({ ttl: 5 })).toThrow(expect.objectContaining({ field: 'ttl' }));
    expect(wrong({ ttlMs: -1 })).toThrow(expect.objectContaining({ field: 'ttlMs' }));
    expect(wrong({ now: 5 })).toThrow(expect.objectContaining({ field: 'now' }));
    expect(wrong({ endpoint: '' })).toThrow(expect.objectContaining({ field: 'endpoint' }));
    expect(() => awsSecretReader('')).toThrow(expect.objectContaining({ field: 'secretId' }));
  });
});

describe('awsSecretReader after a refused login (refreshFirst)', () => {
  const target = () => new MemoryTarget({ engine: 'mysql', tls: 'disable', users: { app: { password: PASSWORD } } });
  const denyDescribe = () =>
    sm.injectFault({
      operation: 'DescribeSecret',
      kind: 'error',
      times: 100,
      response: {
        status: 400,
        headers: { 'content-type': 'application/x-amz-json-1.1' },
        body: JSON.stringify({ __type: 'AccessDeniedException', Message: 'User is not authorized to perform: secretsmanager:DescribeSecret' }),
      },
    });

  it('single user, refused after finish (pending gone): DescribeSecret, then one GetSecretValue, of the new current', async () => {
    const secretId = await createSecret();
    const rotated = target();
    const reader = awsSecretReader(secretId, { secretsManager: config(), now: fakeClock().now });
    const before = await reader.current();
    await rotate(secretId, rotated);
    sm.resetCalls();
    const { read, reads: valueReads } = await reader.refreshFirst(['pending', 'current'], before, otherThan(before));
    expect(sm.callCounts()).toEqual({ DescribeSecret: 1, GetSecretValue: 1 });
    expect(valueReads).toBe(1);
    expect(read?.stage).toBe('current');
    expect(rotated.accepts('app', read?.credentials.password as string)).toBe(true);
    // What it read is current's cached value now.
    expect(await reader.current()).toBe(read);
  });

  it('single user, refused between set and finish: one GetSecretValue, of pending', async () => {
    const secretId = await createSecret();
    const rotated = target();
    const reader = awsSecretReader(secretId, { secretsManager: config(), now: fakeClock().now });
    const before = await reader.current();
    let found: { stage: string | undefined; logsIn: boolean; calls: Record<string, number> } | undefined;
    await rotate(secretId, rotated, async () => {
      sm.resetCalls();
      const { read } = await reader.refreshFirst(['pending', 'current'], before, otherThan(before));
      found = { stage: read?.stage, logsIn: read !== undefined && rotated.accepts('app', read.credentials.password), calls: sm.callCounts() };
    });
    expect(found).toEqual({ stage: 'pending', logsIn: true, calls: { DescribeSecret: 1, GetSecretValue: 1 } });
  });

  it('refused with no other version in the secret: DescribeSecret only, no value read', async () => {
    const reader = awsSecretReader(await createSecret(), { secretsManager: config(), now: fakeClock().now });
    const before = await reader.current();
    sm.resetCalls();
    expect(await reader.refreshFirst(['pending', 'current'], before, otherThan(before))).toEqual({ read: undefined, reads: 0 });
    expect(sm.callCounts()).toEqual({ DescribeSecret: 1 });
  });

  it('without secretsManager:DescribeSecret it reads stage by stage, and asks DescribeSecret only once', async () => {
    const secretId = await createSecret();
    const reader = awsSecretReader(secretId, { secretsManager: config(), now: fakeClock().now });
    const before = await reader.current();
    await rotate(secretId, target());
    sm.resetCalls();
    denyDescribe();
    try {
      const first = await reader.refreshFirst(['pending', 'current'], before, otherThan(before));
      expect([first.read?.stage, first.reads]).toEqual(['current', 2]);
      expect(await reader.refreshFirst(['pending', 'current'], before, otherThan(before))).toMatchObject({ reads: 2 });
      expect(sm.callCounts()).toEqual({ DescribeSecret: 1, GetSecretValue: 4 });
    } finally {
      sm.clearFaults();
    }
  });

  it('a single-user pool refused after finish moves to the new current with one read, and says so', async () => {
    const secretId = await createSecret();
    const rotated = target();
    const reader = awsSecretReader(secretId, { secretsManager: config(), now: fakeClock().now });
    const events: unknown[] = [];
    const login = new RotatingLogin(reader, { minRefreshIntervalMs: 0, onEvent: (event) => void events.push(event) });
    const first = await login.login();
    expect(first.versionId).toBe((await reader.current()).versionId);
    await rotate(secretId, rotated);
    sm.resetCalls();
    const next = await login.refused(first);
    expect(rotated.accepts('app', next.credentials.password)).toBe(true);
    expect([login.refreshes, login.refreshReads, sm.callCounts()]).toEqual([1, 1, { DescribeSecret: 1, GetSecretValue: 1 }]);
    expect(events).toEqual([{ type: 'pool.credentials-changed', generation: 2, username: 'app', stage: 'current', via: 'refused', reads: 1 }]);
  });
});
