import { RotateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { singleUser } from '@rotakit/core';
import { createRotationHandler, type RotationHandlerEvent } from '@rotakit/provider-aws';
import { createCloudFunctionsAction, NcloudSecretManagerClient } from '@rotakit/provider-ncloud';
import { mysqlTarget } from '@rotakit/target-mysql';
import {
  startAlibabaKmsEmulator,
  startAwsSecretsManagerEmulator,
  startMariaDb,
  startNcloudSecretManagerEmulator,
  type AlibabaKmsEmulator,
  type AwsSecretsManagerEmulator,
  type MariaDbServer,
  type NcloudSecretManagerEmulator,
} from '@rotakit/testkit';
import { runCli } from '@rotakit/cli';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALIBABA_KEYS, alibabaEnv, awsEnv, createUser, NCLOUD_KEY, ncloudEnv, OutputScan, stageLogins } from './helpers.js';

let db: MariaDbServer;
const scan = new OutputScan();
const cli = (args: string[], env: Record<string, string>) => scan.run(args, env);
const secretPassword = (label: string) => scan.password(label);
/** The stage logins of one secret, any pending version counted stuck at once. */
const statusOf = (args: string[], env: Record<string, string>) => stageLogins(scan, [...args, '--stuck-after', '0'], env);

interface PlanJson {
  plan: { action: string; reason: string; current?: { login: string }; pending?: { version: string; login: string } };
  done: boolean;
  after?: { current?: { version: string; login: string }; pending: boolean };
}

beforeAll(async () => {
  db = await startMariaDb();
});
afterAll(async () => {
  scan.expectNoSecret();
  await db.close();
});

describe('rotakit recover on AWS Secrets Manager, on the states a failed rotation leaves', () => {
  let sm: AwsSecretsManagerEmulator;
  let client: SecretsManagerClient;
  let env: Record<string, string>;
  const config = () => ({ endpoint: sm.url, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 1 });

  beforeAll(async () => {
    sm = await startAwsSecretsManagerEmulator();
    env = awsEnv(sm.url);
    client = new SecretsManagerClient(config());
    const handler = createRotationHandler({ target: mysqlTarget({ tls: 'disable' }), strategy: singleUser(), secretsManager: config() });
    const failingAt = (step: string) => async (event: RotationHandlerEvent) => {
      if (event.Step === step) throw new Error(`${step} failed`);
      return handler(event);
    };
    sm.registerRotationFunction(sm.functionArn('rotator'), handler);
    sm.registerRotationFunction(sm.functionArn('fails-in-set'), failingAt('setSecret'));
    sm.registerRotationFunction(sm.functionArn('fails-in-test'), failingAt('testSecret'));
  });
  afterAll(async () => {
    client.destroy();
    await sm.close();
  });

  /** A secret for a database user, and a RotateSecret through `functionName` that the emulator runs to its end or first failure. */
  async function rotatedOnce(name: string, username: string, functionName: string): Promise<void> {
    const initial = secretPassword(username);
    await createUser(db, username, initial);
    sm.seedSecret({ name, versions: [{ secretString: JSON.stringify({ engine: 'mariadb', host: db.host, port: db.port, username, password: initial }), stages: ['AWSCURRENT'] }] });
    await client.send(new RotateSecretCommand({ SecretId: name, RotationLambdaARN: sm.functionArn(functionName), RotationRules: { AutomaticallyAfterDays: 30 } }));
    await sm.rotationSettled(name);
  }

  it('withdraws the AWSPENDING a failed setSecret left, after a dry run and a refusal that change nothing; the next RotateSecret succeeds', async () => {
    await rotatedOnce('cli/stuck-set', 'aws_rec_w', 'fails-in-set');
    expect(await statusOf(['cli/stuck-set', '--cloud', 'aws'], env)).toEqual({ verdict: 'stuck', logins: { current: 'accepted', pending: 'refused' } });

    const dry = await cli(['recover', 'cli/stuck-set', '--cloud', 'aws', '--tls', 'disable', '--dry-run', '--json'], env);
    expect(dry.code).toBe(0);
    expect((JSON.parse(dry.stdout) as PlanJson).plan).toMatchObject({ action: 'withdraw', current: { login: 'accepted' }, pending: { login: 'refused' } });
    const unconfirmed = await cli(['recover', 'cli/stuck-set', '--cloud', 'aws', '--tls', 'disable'], env);
    expect(unconfirmed.code).toBe(2);
    expect(unconfirmed.stderr).toMatch(/^rotakit: Usage: recover changes the secret: pass --yes/);
    expect((await statusOf(['cli/stuck-set', '--cloud', 'aws'], env)).verdict).toBe('stuck');

    const run = await cli(['recover', 'cli/stuck-set', '--cloud', 'aws', '--tls', 'disable', '--yes'], env);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('withdrawn: ');
    expect(await statusOf(['cli/stuck-set', '--cloud', 'aws'], env)).toEqual({ verdict: 'healthy', logins: { current: 'accepted' } });

    await client.send(new RotateSecretCommand({ SecretId: 'cli/stuck-set', RotationLambdaARN: sm.functionArn('rotator'), RotationRules: { AutomaticallyAfterDays: 30 } }));
    expect((await sm.rotationSettled('cli/stuck-set'))?.status).toBe('succeeded');
    expect(await statusOf(['cli/stuck-set', '--cloud', 'aws'], env)).toEqual({ verdict: 'healthy', logins: { current: 'accepted', previous: 'refused' } });
  });

  it('finishes a rotation whose setSecret changed the database but whose testSecret failed: current logs in again', async () => {
    await rotatedOnce('cli/stuck-test', 'aws_rec_f', 'fails-in-test');
    expect(await statusOf(['cli/stuck-test', '--cloud', 'aws'], env)).toEqual({ verdict: 'broken', logins: { current: 'refused', pending: 'accepted' } });
    const run = await cli(['recover', 'cli/stuck-test', '--cloud', 'aws', '--tls', 'disable', '--yes', '--json'], env);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout) as PlanJson).toMatchObject({ plan: { action: 'finish' }, done: true, after: { current: { login: 'accepted' }, pending: false } });
    expect(await statusOf(['cli/stuck-test', '--cloud', 'aws'], env)).toEqual({ verdict: 'healthy', logins: { current: 'accepted', previous: 'refused' } });
  });

  it('says there is nothing to recover on a healthy secret, and refuses (exit 1, nothing changed) when neither stage logs in', async () => {
    const healthy = secretPassword('aws_rec_n');
    await createUser(db, 'aws_rec_n', healthy);
    const value = (pw: string) => JSON.stringify({ engine: 'mariadb', host: db.host, port: db.port, username: 'aws_rec_n', password: pw });
    sm.seedSecret({ name: 'cli/fine', versions: [{ secretString: value(healthy), stages: ['AWSCURRENT'] }] });
    const nothing = await cli(['recover', 'cli/fine', '--cloud', 'aws', '--tls', 'disable', '--yes'], env);
    expect(nothing.code).toBe(0);
    expect(nothing.stdout).toContain('cli/fine: nothing (no rotation is pending)');

    sm.seedSecret({
      name: 'cli/lost',
      versions: [
        { versionId: 'lost-current', secretString: value(secretPassword('lost-a')), stages: ['AWSCURRENT'] },
        { versionId: 'lost-pending', secretString: value(secretPassword('lost-b')), stages: ['AWSPENDING'] },
      ],
    });
    const refused = await cli(['recover', 'cli/lost', '--cloud', 'aws', '--tls', 'disable', '--yes'], env);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toContain('cli/lost: refuse (neither current nor pending logs in');
    expect((await statusOf(['cli/lost', '--cloud', 'aws'], env)).logins).toEqual({ current: 'refused', pending: 'refused' });
  });
});

describe('rotakit recover on Alibaba Cloud KMS', () => {
  let kms: AlibabaKmsEmulator;
  let env: Record<string, string>;
  beforeAll(async () => {
    kms = await startAlibabaKmsEmulator({ credentials: ALIBABA_KEYS });
    env = alibabaEnv(kms.endpoint);
  });
  afterAll(() => kms.close());

  /** A secret whose ACSPending sits on v2: the database has v2's password only when `setDone`. */
  async function stuck(name: string, username: string, setDone: boolean): Promise<void> {
    const [first, second] = [secretPassword(username), secretPassword(username)];
    await createUser(db, username, setDone ? second : first);
    const data = (pw: string) => JSON.stringify({ AccountName: username, AccountPassword: pw, Endpoint: db.host, Port: db.port });
    kms.seed({ name, versions: [{ versionId: 'v1', data: data(first), stages: ['ACSCurrent'] }, { versionId: 'v2', data: data(second), stages: ['ACSPending'] }] });
  }

  it('withdraws an ACSPending that never reached the database', async () => {
    await stuck('cli/ali-w', 'ali_rec_w', false);
    const run = await cli(['recover', 'cli/ali-w', '--cloud', 'alibaba', '--engine', 'mysql', '--tls', 'disable', '--yes'], env);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('withdrawn: v2');
    expect(run.stdout).toContain('  after: current v1: accepted');
    expect(await statusOf(['cli/ali-w', '--cloud', 'alibaba', '--engine', 'mysql'], env)).toEqual({ verdict: 'healthy', logins: { current: 'accepted' } });
  });

  it('asks before it changes anything: a no leaves the secret stuck (exit 1), a yes withdraws', async () => {
    await stuck('cli/ali-ask', 'ali_rec_ask', false);
    const args = ['recover', 'cli/ali-ask', '--cloud', 'alibaba', '--engine', 'mysql', '--tls', 'disable'];
    const questions: string[] = [];
    const output: string[] = [];
    const ask = (answer: boolean) => ({
      env,
      stdout: (text: string) => output.push(text),
      stderr: (text: string) => output.push(text),
      confirm: async (question: string) => {
        questions.push(question);
        return answer;
      },
    });
    expect(await runCli(args, ask(false))).toBe(1);
    expect(output.join('')).toContain('nothing changed');
    expect((await statusOf(['cli/ali-ask', '--cloud', 'alibaba', '--engine', 'mysql'], env)).verdict).toBe('stuck');
    expect(await runCli(args, ask(true))).toBe(0);
    expect(questions).toEqual(['withdraw the rotation of cli/ali-ask?', 'withdraw the rotation of cli/ali-ask?']);
    expect(await statusOf(['cli/ali-ask', '--cloud', 'alibaba', '--engine', 'mysql'], env)).toEqual({ verdict: 'healthy', logins: { current: 'accepted' } });
    scan.record({ code: 0, stdout: output.join(''), stderr: '' });
  });

  it('finishes a rotation whose password the database already has', async () => {
    await stuck('cli/ali-f', 'ali_rec_f', true);
    const run = await cli(['recover', 'cli/ali-f', '--cloud', 'alibaba', '--engine', 'mysql', '--tls', 'disable', '--yes'], env);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('finished: v2 is current');
    expect(run.stdout).toContain('  after: current v2: accepted');
    expect(await statusOf(['cli/ali-f', '--cloud', 'alibaba', '--engine', 'mysql'], env)).toEqual({ verdict: 'healthy', logins: { current: 'accepted', previous: 'refused' } });
  });
});

describe('rotakit recover on NAVER Cloud Secret Manager, on the chain a failed rotation job leaves', () => {
  let ncloud: NcloudSecretManagerEmulator;
  let client: NcloudSecretManagerClient;
  let env: Record<string, string>;
  const opts = ['--cloud', 'ncloud', '--engine', 'mysql', '--tls', 'disable'];
  beforeAll(async () => {
    ncloud = await startNcloudSecretManagerEmulator({ credentials: [NCLOUD_KEY] });
    env = ncloudEnv(ncloud.regionalUrl);
    client = new NcloudSecretManagerClient({ ...NCLOUD_KEY, endpoint: ncloud.regionalUrl, retry: { retries: 0 } });
    const main = createCloudFunctionsAction({ target: mysqlTarget({ tls: 'disable' }), strategy: singleUser(), endpoint: ncloud.regionalUrl });
    ncloud.registerAction('cli-recover', (args) => main(args), { defaultParams: { ...NCLOUD_KEY } });
  });
  afterAll(() => ncloud.close());

  /**
   * A job that failed as the provider's action fails one: start, the pending value stored first
   * (Update Pending Stage), then the database changed to it only when `databaseHasPending` (set
   * done, test failed), then Fail Rotation Job — which keeps the pending value in the chain.
   */
  async function failedJob(username: string, databaseHasPending: boolean): Promise<string> {
    const [first, second] = [secretPassword(username), secretPassword(username)];
    await createUser(db, username, first);
    const value = (pw: string) => ({ cdbUser: username, cdbPassword: pw, cdbHost: db.host, cdbPort: String(db.port) });
    const secretId = ncloud.seedSecret({ chain: { active: value(first) }, rotationTargets: ['cdbPassword'], triggerId: 'cli-recover' });
    const jobToken = ncloud.openJob(secretId);
    await client.startRotationJob(secretId, jobToken);
    await client.updatePendingStage(secretId, jobToken, JSON.stringify(value(second)));
    if (databaseHasPending) await createUser(db, username, second);
    await client.failRotationJob(secretId, jobToken);
    return secretId;
  }

  it('withdraws a pending value that never reached the database, after a dry run and a refusal that change nothing; the next rotation succeeds', async () => {
    const secretId = await failedJob('nc_rec_w', false);
    expect(await statusOf([secretId, ...opts], env)).toEqual({ verdict: 'stuck', logins: { current: 'accepted', pending: 'refused' } });
    const chainBefore = ncloud.state().secrets.find((secret) => secret.secretId === secretId)?.chain;

    const dry = await cli(['recover', secretId, ...opts, '--dry-run', '--json'], env);
    expect(dry.code).toBe(0);
    expect((JSON.parse(dry.stdout) as PlanJson)).toMatchObject({ plan: { action: 'withdraw', current: { login: 'accepted' }, pending: { version: 'pending', login: 'refused' } }, done: false });
    const unconfirmed = await cli(['recover', secretId, ...opts], env);
    expect(unconfirmed.code).toBe(2);
    expect(unconfirmed.stderr).toMatch(/^rotakit: Usage: recover changes the secret: pass --yes/);
    expect(ncloud.state().secrets.find((secret) => secret.secretId === secretId)?.chain).toEqual(chainBefore);

    const run = await cli(['recover', secretId, ...opts, '--yes'], env);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('withdrawn: pending is no longer pending');
    expect(run.stdout).toContain('  after: current active: accepted');
    const chain = ncloud.state().secrets.find((secret) => secret.secretId === secretId)?.chain;
    expect(chain).toEqual({ active: chainBefore?.active });
    expect(await statusOf([secretId, ...opts], env)).toEqual({ verdict: 'healthy', logins: { current: 'accepted' } });

    // The trigger's action now rotates the secret afresh.
    const rotated = await cli(['rotate', secretId, '--cloud', 'ncloud'], env);
    expect(rotated.code).toBe(0);
    expect(await statusOf([secretId, ...opts], env)).toEqual({ verdict: 'healthy', logins: { current: 'accepted', previous: 'refused' } });
  });

  it('finishes a rotation whose password the database already has: pending becomes active, and active logs in again', async () => {
    const secretId = await failedJob('nc_rec_f', true);
    expect(await statusOf([secretId, ...opts], env)).toEqual({ verdict: 'broken', logins: { current: 'refused', pending: 'accepted' } });
    const { active: oldActive, pending } = ncloud.state().secrets.find((secret) => secret.secretId === secretId)!.chain;
    const run = await cli(['recover', secretId, ...opts, '--yes', '--json'], env);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout) as PlanJson).toMatchObject({ plan: { action: 'finish' }, done: true, after: { current: { version: 'active', login: 'accepted' }, pending: false } });
    expect(ncloud.state().secrets.find((secret) => secret.secretId === secretId)?.chain).toEqual({ active: pending, previous: oldActive });
    expect(await statusOf([secretId, ...opts], env)).toEqual({ verdict: 'healthy', logins: { current: 'accepted', previous: 'refused' } });
  });

  it('refuses (exit 1, nothing changed) while a rotation job is open', async () => {
    const secretId = await failedJob('nc_rec_open', false);
    ncloud.openJob(secretId);
    const chainBefore = ncloud.state().secrets.find((secret) => secret.secretId === secretId)?.chain;
    const run = await cli(['recover', secretId, ...opts, '--yes'], env);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain(`${secretId}: refuse (the cloud reports a rotation running`);
    expect(ncloud.state().secrets.find((secret) => secret.secretId === secretId)?.chain).toEqual(chainBefore);
  });
});
