import { DescribeSecretCommand, GetSecretValueCommand, PutSecretValueCommand, RotateSecretCommand } from '@aws-sdk/client-secrets-manager';
import {
  alternatingUsers,
  isRotakitError,
  MemoryTarget,
  singleUser,
  type Credentials,
  type Login,
  type MemoryUser,
  type Strategy,
  type Target,
} from '@rotakit/core';
import { awsSchema } from '@rotakit/provider-aws';
import type { SecretsManagerRotationEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AWS_ENGINES, AWS_STEPS, createRotationHandler, rdsReplicaCheck, type RotationHandlerOptions } from '../src/index.js';
import { appSecret, capture, createSecret, expectNoSecrets, startAwsWorld, testConfig, type AwsWorld } from './helpers.js';

let world: AwsWorld;
let functions = 0;

beforeAll(async () => {
  world = await startAwsWorld();
});
afterAll(() => world.close());

/** A MySQL-flavoured memory target that also records which host each login went to. */
function memoryTarget(users: Record<string, MemoryUser>): MemoryTarget & { hosts: string[] } {
  const target = Object.assign(new MemoryTarget({ engine: 'mysql', tls: 'disable', users }), { hosts: [] as string[] });
  const connect = target.connect.bind(target);
  // Each host is a server of its own, as RDS instances are: a session names its host as its server.
  target.connect = async (login: Login) => {
    target.hosts.push(login.host ?? '');
    const session = await connect(login);
    return Object.assign(session, {
      identity: async () => ({ server: login.host ?? '', user: login.username }),
    });
  };
  return target;
}

/**
 * Deploys a handler as a rotation function the emulator's RotateSecret invokes in-process;
 * `errors` keeps what it threw when the service invoked it.
 */
function deploy(options: Partial<RotationHandlerOptions> & Pick<RotationHandlerOptions, 'target' | 'strategy'>) {
  const seen = capture();
  const handler = createRotationHandler({
    secretsManager: testConfig(world.sm.url),
    rds: testConfig(world.rds.url),
    logger: seen.logger,
    onEvent: seen.onEvent,
    ...options,
  });
  functions += 1;
  const arn = world.sm.functionArn(`rotator-${functions}`);
  const errors: unknown[] = [];
  world.sm.registerRotationFunction(arn, (event) =>
    handler(event as SecretsManagerRotationEvent).catch((error: unknown) => {
      errors.push(error);
      throw error;
    }),
  );
  return { handler, arn, seen, errors };
}

async function rotateWith(arn: string, secretId: string): Promise<string> {
  const { VersionId } = await world.smClient.send(
    new RotateSecretCommand({ SecretId: secretId, RotationLambdaARN: arn, RotationRules: { AutomaticallyAfterDays: 30 } }),
  );
  return VersionId as string;
}

async function current(secretId: string): Promise<Credentials> {
  const { SecretString } = await world.smClient.send(new GetSecretValueCommand({ SecretId: secretId }));
  return awsSchema.parse(SecretString as string).credentials;
}

async function stagesOf(secretId: string): Promise<Record<string, string[]>> {
  return (await world.smClient.send(new DescribeSecretCommand({ SecretId: secretId }))).VersionIdsToStages ?? {};
}

describe('createRotationHandler driven by the emulator\'s RotateSecret', () => {
  it('single user: all four steps, the application logs in with AWSCURRENT, AWSPREVIOUS keeps the old value', async () => {
    const target = memoryTarget({ app: { password: 'initial-app-password-1' } });
    const { arn, seen } = deploy({ target, strategy: singleUser() });
    const id = await createSecret(world.smClient, appSecret());
    const token = await rotateWith(arn, id);
    const record = await world.sm.rotationSettled(id);
    expect(record?.status).toBe('succeeded');
    expect(record?.invocations.map((i) => [i.step, i.ok])).toEqual(Object.keys(AWS_STEPS).map((step) => [step, true]));
    const now = await current(id);
    expect(now.username).toBe('app');
    expect(target.accepts('app', now.password)).toBe(true);
    expect(await stagesOf(id)).toMatchObject({ [token]: ['AWSCURRENT'] });
    const previous = await world.smClient.send(new GetSecretValueCommand({ SecretId: id, VersionStage: 'AWSPREVIOUS' }));
    expect(awsSchema.parse(previous.SecretString as string).credentials.password).toBe('initial-app-password-1');
    expect(seen.events.filter((e) => e.type === 'step.succeeded')).toHaveLength(4);
    expectNoSecrets([now.password, 'initial-app-password-1'], seen.lines, seen.events, record);
  });

  it('alternating users with a masterarn secret: app → app_clone → app, each logging in afterwards', async () => {
    const target = memoryTarget({
      app: { password: 'initial-app-password-1', privileges: ['SELECT on shop.*'] },
      admin: { password: 'admin-password-9', privileged: true },
    });
    const { arn, seen } = deploy({ target, strategy: alternatingUsers() });
    const master = await createSecret(world.smClient, { engine: 'mysql', host: 'db.internal', port: 3306, username: 'admin', password: 'admin-password-9' });
    const id = await createSecret(world.smClient, appSecret({ masterarn: master }));
    await rotateWith(arn, id);
    const first = await current(id);
    expect(first.username).toBe('app_clone');
    expect(target.accepts('app_clone', first.password)).toBe(true);
    expect(target.users.get('app_clone')?.privileges).toEqual(['SELECT on shop.*']);
    await rotateWith(arn, id);
    const second = await current(id);
    expect(second.username).toBe('app');
    expect(target.accepts('app', second.password)).toBe(true);
    expect(target.accepts('app_clone', first.password)).toBe(true);
    expectNoSecrets([first.password, second.password, 'admin-password-9', 'initial-app-password-1'], seen.lines, seen.events);
  });

  for (const [name, masterUser] of [
    ['a masterarn secret', 'admin'],
    ['an RDS-managed master secret', 'admin'],
  ] as const) {
    it(`refuses, in createSecret, an application user that is the clone of ${name}'s user: the master keeps its password`, async () => {
      const target = memoryTarget({
        admin_clone: { password: 'initial-clone-password-1', privileges: ['SELECT on shop.*'] },
        admin: { password: 'admin-password-9', privileged: true },
      });
      const { arn, seen } = deploy({ target, strategy: alternatingUsers() });
      const master =
        name === 'a masterarn secret'
          ? await createSecret(world.smClient, { engine: 'mysql', host: 'db.internal', port: 3306, username: masterUser, password: 'admin-password-9' })
          : world.sm.seedRdsManagedSecret({
              kind: 'instance',
              dbArn: world.rds.seedInstance({ identifier: `shop-${masterUser}-${Date.now()}`, engine: 'mysql' }).arn,
              username: masterUser,
              password: 'admin-password-9',
            }).arn;
      const id = await createSecret(world.smClient, appSecret({ username: 'admin_clone', password: 'initial-clone-password-1', masterarn: master }));
      await rotateWith(arn, id);
      const record = await world.sm.rotationSettled(id);
      expect(record?.status).toBe('failed');
      expect(record?.invocations.map((i) => [i.step, i.ok])).toEqual([['createSecret', false]]);
      expect(seen.events.find((e) => e.type === 'step.failed')).toMatchObject({ error: { code: 'PrivilegedSecretInvalid' } });
      expect(target.users.get('admin')).toMatchObject({ password: 'admin-password-9', privileged: true });
      expect(target.passwordChanges).toEqual([]);
    });
  }

  it('alternating users with an RDS-managed master secret on the master of a read replica', async () => {
    const source = world.rds.seedInstance({ identifier: 'shop-main', engine: 'mysql', dbName: 'shop' });
    const replica = world.rds.seedInstance({ identifier: 'shop-replica', engine: 'mysql', readReplicaSourceIdentifier: 'shop-main' });
    const managed = world.sm.seedRdsManagedSecret({ kind: 'instance', dbArn: source.arn, username: 'admin', password: 'rds-managed-pw-7' });
    const target = memoryTarget({ app: { password: 'initial-app-password-1' }, admin: { password: 'rds-managed-pw-7', privileged: true } });
    const strategy = alternatingUsers({ allowPrivilegedHost: rdsReplicaCheck({ rds: testConfig(world.rds.url) }) });
    const { arn, seen } = deploy({ target, strategy });
    const id = await createSecret(world.smClient, appSecret({ host: replica.address, masterarn: managed.arn }));
    await rotateWith(arn, id);
    expect((await world.sm.rotationSettled(id))?.status).toBe('succeeded');
    const now = await current(id);
    expect(now.username).toBe('app_clone');
    expect(target.accepts('app_clone', now.password)).toBe(true);
    // The privileged login went to the master's endpoint, which only RDS knows.
    expect(target.hosts).toContain(source.address);
    expectNoSecrets([now.password, 'rds-managed-pw-7'], seen.lines, seen.events);
  });

  it('refuses a master on another host that is not the replica\'s source, and writes no user', async () => {
    const other = world.rds.seedInstance({ identifier: 'billing', engine: 'mysql' });
    const unrelated = world.rds.seedInstance({ identifier: 'analytics', engine: 'mysql' });
    const managed = world.sm.seedRdsManagedSecret({ kind: 'instance', dbArn: other.arn, username: 'admin', password: 'rds-managed-pw-8' });
    const target = memoryTarget({ app: { password: 'initial-app-password-1' }, admin: { password: 'rds-managed-pw-8', privileged: true } });
    const strategy = alternatingUsers({ allowPrivilegedHost: rdsReplicaCheck({ rds: testConfig(world.rds.url) }) });
    const { arn, errors } = deploy({ target, strategy });
    const id = await createSecret(world.smClient, appSecret({ host: unrelated.address, masterarn: managed.arn }));
    await rotateWith(arn, id);
    expect((await world.sm.rotationSettled(id))?.status).toBe('failed');
    expect(errors).toHaveLength(1);
    expect(isRotakitError(errors[0], 'PrivilegedSecretInvalid')).toBe(true);
    expect(target.users.has('app_clone')).toBe(false);
  });

  it('a setSecret that fails for good having changed nothing (master secret for another server) leaves no AWSPENDING: the next RotateSecret starts afresh', async () => {
    const target = memoryTarget({
      app: { password: 'initial-app-password-1' },
      admin: { password: 'admin-password-9', privileged: true },
    });
    const { arn, errors } = deploy({ target, strategy: alternatingUsers() });
    const master = await createSecret(world.smClient, { engine: 'mysql', host: 'other-db.internal', port: 3306, username: 'admin', password: 'admin-password-9' });
    const id = await createSecret(world.smClient, appSecret({ masterarn: master }));
    const failedToken = await rotateWith(arn, id);
    const failed = await world.sm.rotationSettled(id);
    expect(failed?.invocations.map((i) => [i.step, i.ok])).toEqual([
      ['createSecret', true],
      ['setSecret', false],
    ]);
    expect(isRotakitError(errors[0], 'PrivilegedSecretInvalid')).toBe(true);
    expect(target.users.has('app_clone')).toBe(false);
    expect((await stagesOf(id))[failedToken]).toBeUndefined();

    // The master secret is corrected; the next RotateSecret is not refused as "a previous rotation isn't complete".
    await world.smClient.send(
      new PutSecretValueCommand({
        SecretId: master,
        SecretString: JSON.stringify({ engine: 'mysql', host: 'db.internal', port: 3306, username: 'admin', password: 'admin-password-9' }),
      }),
    );
    const token = await rotateWith(arn, id);
    expect((await world.sm.rotationSettled(id))?.status).toBe('succeeded');
    expect((await stagesOf(id))[token]).toEqual(['AWSCURRENT']);
    const now = await current(id);
    expect(target.accepts('app_clone', now.password)).toBe(true);
  });

  it('refuses a second RotateSecret while one is stuck; re-driving the failed one with its token completes it', async () => {
    const target = memoryTarget({ app: { password: 'initial-app-password-1' } });
    const { arn, handler, seen } = deploy({ target, strategy: singleUser() });
    const id = await createSecret(world.smClient, appSecret());
    target.reachable = false;
    const token = await rotateWith(arn, id);
    const failed = await world.sm.rotationSettled(id);
    expect(failed?.status).toBe('failed');
    expect(failed?.invocations.map((i) => [i.step, i.ok])).toEqual([
      ['createSecret', true],
      ['setSecret', false],
    ]);
    const second = await rotateWith(arn, id).catch((e: unknown) => e);
    expect((second as Error).name).toBe('InvalidRequestException');
    expect((second as Error).message).toBe("A previous rotation isn't complete. That rotation will be reattempted.");
    const pendingBefore = await world.smClient.send(new GetSecretValueCommand({ SecretId: id, VersionId: token, VersionStage: 'AWSPENDING' }));
    target.reachable = true;
    for (const step of Object.keys(AWS_STEPS) as SecretsManagerRotationEvent['Step'][]) {
      await handler({ Step: step, SecretId: id, ClientRequestToken: token });
    }
    const now = await current(id);
    // The password stored before the failure is the one that was set: nothing was regenerated.
    expect(now.password).toBe(awsSchema.parse(pendingBefore.SecretString as string).credentials.password);
    expect(target.accepts('app', now.password)).toBe(true);
    expect((await stagesOf(id))[token]).toEqual(['AWSCURRENT']);
    // Every step of the finished rotation is now a no-op.
    expect((await handler({ Step: 'createSecret', SecretId: id, ClientRequestToken: token })).outcome).toBe('skipped');
    expectNoSecrets([now.password], seen.lines, seen.events, failed);
  });

  it('runs behind an HTTP endpoint too (the Lambda emulator\'s Invoke URL)', async () => {
    const target = memoryTarget({ app: { password: 'initial-app-password-1' } });
    const handler = createRotationHandler({ target, strategy: singleUser(), secretsManager: testConfig(world.sm.url) });
    world.lambda.addFunction('http-rotator', (event) => handler(event as SecretsManagerRotationEvent));
    const arn = world.sm.functionArn('http-rotator-url');
    world.sm.registerRotationFunction(arn, `${world.lambda.url}/2015-03-31/functions/http-rotator/invocations`);
    const id = await createSecret(world.smClient, appSecret());
    await rotateWith(arn, id);
    expect((await world.sm.rotationSettled(id))?.status).toBe('succeeded');
    expect(target.accepts('app', (await current(id)).password)).toBe(true);
  });

  it('takes the endpoint from SECRETS_MANAGER_ENDPOINT, and picks the target by engine through a factory', async () => {
    const mysql = memoryTarget({ app: { password: 'initial-app-password-1' } });
    const postgres = new MemoryTarget({ engine: 'postgres', tls: 'disable', users: { app: { password: 'initial-app-password-1' } } });
    const saved = process.env['SECRETS_MANAGER_ENDPOINT'];
    process.env['SECRETS_MANAGER_ENDPOINT'] = world.sm.url;
    let handler;
    try {
      const { endpoint: _endpoint, ...config } = testConfig(world.sm.url);
      handler = createRotationHandler({
        target: (credentials): Target => (AWS_ENGINES['postgres']?.includes(credentials.engine ?? '') ? postgres : mysql),
        strategy: singleUser(),
        secretsManager: config,
      });
    } finally {
      if (saved === undefined) delete process.env['SECRETS_MANAGER_ENDPOINT'];
      else process.env['SECRETS_MANAGER_ENDPOINT'] = saved;
    }
    const arn = world.sm.functionArn('env-rotator');
    world.sm.registerRotationFunction(arn, handler);
    const id = await createSecret(world.smClient, appSecret({ engine: 'aurora-postgresql', port: 5432 }));
    await rotateWith(arn, id);
    const record = await world.sm.rotationSettled(id);
    expect(record?.error ?? '').toBe('');
    expect(postgres.accepts('app', (await current(id)).password)).toBe(true);
    expect(mysql.passwordChanges).toHaveLength(0);
  });
});

describe('malformed events and secrets', () => {
  const strategy: Strategy = singleUser();

  it.each([
    ['not an object', 'event', 'nope'],
    ['no Step', 'Step', { SecretId: 'x', ClientRequestToken: 't' }],
    ['an unknown Step', 'Step', { Step: 'create_secret', SecretId: 'x', ClientRequestToken: 't' }],
    ['no SecretId', 'SecretId', { Step: 'createSecret', ClientRequestToken: 't' }],
    ['an empty ClientRequestToken', 'ClientRequestToken', { Step: 'createSecret', SecretId: 'x', ClientRequestToken: '' }],
    ['a non-string RotationToken', 'RotationToken', { Step: 'createSecret', SecretId: 'x', ClientRequestToken: 't', RotationToken: 5 }],
  ])('an event with %s gets InvalidOptions naming %s, and no call is made', async (_label, field, event) => {
    const target = memoryTarget({});
    const { handler } = deploy({ target, strategy });
    world.sm.resetCalls();
    const error = await handler(event as unknown as SecretsManagerRotationEvent).catch((e: unknown) => e);
    expect(isRotakitError(error, 'InvalidOptions')).toBe(true);
    expect((error as { field?: string }).field).toBe(field);
    expect(world.sm.callCounts()).toEqual({});
  });

  it.each([
    ['non-JSON', '(value)', 'host=db;password=hunter2-secret'],
    ['no host', 'host', JSON.stringify({ engine: 'mysql', username: 'app', password: 'hunter2-secret' })],
    ['no engine', 'engine', JSON.stringify({ host: 'db.internal', username: 'app', password: 'hunter2-secret' })],
    ['the wrong engine', 'engine', JSON.stringify({ engine: 'oracle-ee', host: 'db.internal', username: 'app', password: 'hunter2-secret' })],
    ['a port that is not a port', 'port', JSON.stringify({ engine: 'mysql', host: 'db', port: 'x', username: 'app', password: 'hunter2-secret' })],
  ])('a secret with %s gets InvalidSecretValue naming %s, and nothing is written', async (_label, field, value) => {
    const target = memoryTarget({ app: { password: 'hunter2-secret' } });
    const { arn, seen, errors } = deploy({ target, strategy });
    const id = await createSecret(world.smClient, value);
    world.sm.resetCalls();
    const token = await rotateWith(arn, id);
    const record = await world.sm.rotationSettled(id);
    expect(record?.status).toBe('failed');
    expect(record?.invocations).toHaveLength(1);
    const [error] = errors;
    expect(isRotakitError(error, 'InvalidSecretValue')).toBe(true);
    expect((error as { field?: string }).field).toBe(field);
    expect(world.sm.calls('PutSecretValue')).toBe(0);
    // The one stage call withdraws the placeholder's AWSPENDING, so that the next RotateSecret is not refused.
    expect(world.sm.calls('UpdateSecretVersionStage')).toBe(1);
    expect((await stagesOf(id))[token]).toBeUndefined();
    expect(target.passwordChanges).toHaveLength(0);
    const versions = world.sm.state().secrets.find((s) => s.ARN === id)?.Versions ?? [];
    expect(versions.filter((v) => v.SecretString !== undefined)).toHaveLength(1);
    expectNoSecrets(['hunter2-secret'], seen.lines, seen.events, error, record);
  });

  it('a target function picking a target for another engine gets InvalidSecretValue naming engine, and nothing is written', async () => {
    const target = memoryTarget({ app: { password: 'hunter2-secret' } });
    const seenEngines: (string | undefined)[] = [];
    const { arn, seen, errors } = deploy({
      target: (current) => {
        seenEngines.push(current.engine);
        return target;
      },
      strategy,
    });
    const id = await createSecret(world.smClient, appSecret({ engine: 'postgres', password: 'hunter2-secret' }));
    world.sm.resetCalls();
    await rotateWith(arn, id);
    expect((await world.sm.rotationSettled(id))?.status).toBe('failed');
    const [error] = errors;
    expect(isRotakitError(error, 'InvalidSecretValue')).toBe(true);
    expect(error).toMatchObject({ field: 'engine', message: expect.stringContaining('engine must be one of mysql, aurora-mysql') });
    expect(seenEngines).toEqual(['postgres']);
    expect(world.sm.calls('PutSecretValue')).toBe(0);
    expect(target.passwordChanges).toHaveLength(0);
    expectNoSecrets(['hunter2-secret'], seen.lines, seen.events, error);
  });

  it('a missing target or strategy is refused when the handler is made', () => {
    expect(() => createRotationHandler({ strategy } as RotationHandlerOptions)).toThrow(/target option is required/);
  });

  it.each([
    ['an unknown option', 'secretManager', { secretManager: testConfig('http://127.0.0.1:1') }],
    ['an empty engines list', 'engines', { engines: [] }],
    ['an engine that is no string', 'engines', { engines: ['mysql', 5] }],
    ['an empty endpoint', 'endpoint', { endpoint: '' }],
  ])('%s is refused with InvalidOptions naming %s when the handler is made', (_label, field, extra) => {
    expect(() => createRotationHandler({ target: memoryTarget({}), strategy, ...extra } as RotationHandlerOptions)).toThrow(
      expect.objectContaining({ code: 'InvalidOptions', field }),
    );
  });

  it('engines widens what a target accepts, for a target function too', async () => {
    const target = memoryTarget({ app: { password: 'initial-app-password-1' } });
    const { arn } = deploy({ target: () => target, strategy, engines: ['mysql', 'custom-mysql'] });
    const id = await createSecret(world.smClient, appSecret({ engine: 'custom-mysql' }));
    await rotateWith(arn, id);
    expect((await world.sm.rotationSettled(id))?.status).toBe('succeeded');
    expect(target.accepts('app', (await current(id)).password)).toBe(true);
  });
});
