import { singleUser } from '@rotakit/core';
import { createRotationHandler, type RotationHandlerEvent } from '@rotakit/provider-aws';
import { createFcHandler } from '@rotakit/provider-alibaba';
import { workflowDefinition } from '@rotakit/provider-alibaba/setup';
import { createCloudFunctionsAction } from '@rotakit/provider-ncloud';
import { mysqlTarget } from '@rotakit/target-mysql';
import {
  startAlibabaKmsEmulator,
  startAlibabaWorkflowEmulator,
  startAwsSecretsManagerEmulator,
  startMariaDb,
  startNcloudSecretManagerEmulator,
  type AlibabaKmsEmulator,
  type AlibabaWorkflowEmulator,
  type AwsSecretsManagerEmulator,
  type MariaDbServer,
  type NcloudSecretManagerEmulator,
} from '@rotakit/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALIBABA_KEYS, alibabaEnv, awsEnv, createUser, NCLOUD_KEY, ncloudEnv, OutputScan, stageLogins } from './helpers.js';

let db: MariaDbServer;
const scan = new OutputScan();
const cli = (args: string[], env: Record<string, string>) => scan.run(args, env);
const secretPassword = (label: string) => scan.password(label);

async function databaseUser(username: string): Promise<string> {
  const value = secretPassword(username);
  await createUser(db, username, value);
  return value;
}

beforeAll(async () => {
  db = await startMariaDb();
});
afterAll(async () => {
  scan.expectNoSecret();
  await db.close();
});

describe('rotakit rotate on AWS Secrets Manager', () => {
  let sm: AwsSecretsManagerEmulator;
  let env: Record<string, string>;
  const rotator = 'rotakit-cli-test';
  const failing = 'rotakit-cli-test-fails-in-set';
  beforeAll(async () => {
    sm = await startAwsSecretsManagerEmulator();
    env = awsEnv(sm.url);
    const secretsManager = { endpoint: sm.url, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 1 };
    const handler = createRotationHandler({ target: mysqlTarget({ tls: 'disable' }), strategy: singleUser(), secretsManager });
    sm.registerRotationFunction(sm.functionArn(rotator), handler);
    // As a function whose database refuses the change: createSecret stores AWSPENDING, setSecret fails.
    sm.registerRotationFunction(sm.functionArn(failing), async (event: RotationHandlerEvent) => {
      if (event.Step === 'setSecret') throw new Error('the database refused the password change');
      return handler(event);
    });
  });
  afterAll(() => sm.close());

  const value = (username: string, pw: string) => JSON.stringify({ engine: 'mariadb', host: db.host, port: db.port, username, password: pw });

  it('asks Secrets Manager to rotate, follows it to its end, and the new current password logs in', async () => {
    const initial = await databaseUser('aws_rot');
    sm.seedSecret({
      name: 'cli/rot',
      versions: [{ secretString: value('aws_rot', initial), stages: ['AWSCURRENT'] }],
      rotation: { lambdaArn: sm.functionArn(rotator), rules: { AutomaticallyAfterDays: 30 }, enabled: true },
    });
    const run = await cli(['rotate', 'cli/rot', '--cloud', 'aws'], env);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('requested: rotation ');
    expect(run.stdout).toContain('finishSecret: AWSCURRENT moved to the new version');
    expect(run.stdout).toContain('rotated cli/rot');
    expect(await stageLogins(scan, ['cli/rot', '--cloud', 'aws'], env)).toEqual({ verdict: 'healthy', logins: { current: 'accepted', previous: 'refused' } });
  });

  it('exits 1 with where the rotation stopped when setSecret fails, leaving AWSPENDING as AWS does', async () => {
    const initial = await databaseUser('aws_rot_fails');
    sm.seedSecret({
      name: 'cli/rot-fails',
      versions: [{ secretString: value('aws_rot_fails', initial), stages: ['AWSCURRENT'] }],
      rotation: { lambdaArn: sm.functionArn(failing), rules: { AutomaticallyAfterDays: 30 }, enabled: true },
    });
    const run = await cli(['rotate', 'cli/rot-fails', '--cloud', 'aws', '--wait', '2', '--json'], env);
    expect(run.code).toBe(1);
    const report = JSON.parse(run.stdout) as { ok: boolean; reason: string; steps: string[]; token: string };
    expect(report.ok).toBe(false);
    expect(report.steps).toContain('createSecret: the pending version was stored');
    expect(report.reason).toContain('after createSecret');
    // The stuck state AWS leaves: current still logs in, the pending password never reached the database.
    const after = await stageLogins(scan, ['cli/rot-fails', '--cloud', 'aws', '--stuck-after', '0'], env);
    expect(after).toEqual({ verdict: 'stuck', logins: { current: 'accepted', pending: 'refused' } });
  });

  it('--local runs the four steps in this process, each shown as it ends', async () => {
    const initial = await databaseUser('aws_local');
    sm.seedSecret({ name: 'cli/local', versions: [{ secretString: value('aws_local', initial), stages: ['AWSCURRENT'] }] });
    const run = await cli(['rotate', 'cli/local', '--cloud', 'aws', '--local', '--tls', 'disable'], env);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout.match(/^ {2}(create|set|test|finish): done$/gm)).toEqual(['  create: done', '  set: done', '  test: done', '  finish: done']);
    expect(await stageLogins(scan, ['cli/local', '--cloud', 'aws'], env)).toEqual({ verdict: 'healthy', logins: { current: 'accepted', previous: 'refused' } });
  });

  it('--local exits 1 with the step and rotakit\'s code when the database cannot be reached', async () => {
    sm.seedSecret({
      name: 'cli/local-unreachable',
      versions: [{ secretString: JSON.stringify({ engine: 'mysql', host: '127.0.0.1', port: 9, username: 'nobody', password: secretPassword('unreachable') }), stages: ['AWSCURRENT'] }],
    });
    const run = await cli(['rotate', 'cli/local-unreachable', '--cloud', 'aws', '--local', '--tls', 'disable'], env);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/rotation of cli\/local-unreachable failed: TargetUnreachable: /);
  });
});

describe('rotakit rotate on Alibaba Cloud KMS', () => {
  let kms: AlibabaKmsEmulator;
  let workflow: AlibabaWorkflowEmulator;
  const functionArn = 'acs:fc:cn-hangzhou:1234567890123456:services/rotation/functions/rotate';
  beforeAll(async () => {
    kms = await startAlibabaKmsEmulator({ credentials: ALIBABA_KEYS });
    // The flow workflowDefinition() generates, its steps run by the provider's Function Compute handler.
    workflow = await startAlibabaWorkflowEmulator({ credentials: ALIBABA_KEYS, functionCredentials: ALIBABA_KEYS, timeScale: 0 });
    workflow.registerFunction(functionArn, createFcHandler({ target: mysqlTarget({ tls: 'disable' }), strategy: singleUser(), endpoint: kms.endpoint, protocol: 'http' }));
    workflow.createFlow({ name: 'rotakit-rotation', definition: workflowDefinition({ functionArn }) });
    workflow.createFlow({ name: 'orders-rotation', definition: workflowDefinition({ functionArn, name: 'orders-rotation' }) });
  });
  afterAll(async () => {
    await workflow.close();
    await kms.close();
  });
  const workflowEnv = () => ({ ...alibabaEnv(kms.endpoint), ALIBABA_CLOUD_FNF_ENDPOINT: workflow.url });
  const data = (username: string, pw: string, port = db.port) => JSON.stringify({ AccountName: username, AccountPassword: pw, Endpoint: db.host, Port: port });

  it('starts an execution of the secret\'s flow, shows each state as it ends, and the new ACSCurrent logs in', async () => {
    const env = workflowEnv();
    const initial = await databaseUser('ali_flow');
    kms.seed({ name: 'cli/ali-flow', versions: [{ versionId: 'v1', data: data('ali_flow', initial), stages: ['ACSCurrent'] }] });
    const run = await cli(['rotate', 'cli/ali-flow', '--cloud', 'alibaba'], env);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout.match(/^ {2}RotateSecret\w+: .*$/gm)).toEqual(['  RotateSecretNew: done', '  RotateSecretSet: done', '  RotateSecretTest: done', '  RotateSecretEnd: done']);
    expect(run.stdout).toContain('rotated cli/ali-flow');
    // The execution had the schedule's payload as its input, and its name is the new version's id.
    const [execution] = workflow.state().executions;
    expect(execution).toMatchObject({ flowName: 'rotakit-rotation', status: 'Succeeded', input: { SecretName: 'cli/ali-flow', RegionId: 'cn-hangzhou' } });
    expect(run.stdout).toContain(`requested: rotation ${execution!.name}`);
    const after = await stageLogins(scan, ['cli/ali-flow', '--cloud', 'alibaba', '--engine', 'mysql'], env);
    expect(after).toEqual({ verdict: 'healthy', logins: { current: 'accepted', previous: 'refused' } });
  });

  it('exits 1 with the execution\'s error and cause when a state fails (the database is unreachable), --flow naming the flow', async () => {
    const env = workflowEnv();
    kms.seed({ name: 'cli/ali-flow-fails', versions: [{ versionId: 'v1', data: data('nobody', secretPassword('ali-unreachable'), 9), stages: ['ACSCurrent'] }] });
    const run = await cli(['rotate', 'acs:kms:cn-hangzhou:1234567890123456:secret/cli/ali-flow-fails', '--flow', 'orders-rotation', '--json'], env);
    expect(run.code).toBe(1);
    const report = JSON.parse(run.stdout) as { ok: boolean; reason: string; steps: string[] };
    expect(report.ok).toBe(false);
    expect(report.steps).toContain('RotateSecretNew: done');
    expect(report.steps).toContain('RotateSecretSet: failed (FC.Unhandled: the server at 127.0.0.1:9 cannot be reached (ECONNREFUSED))');
    expect(report.steps.some((step) => step.startsWith('RotateSecretTest'))).toBe(false);
    expect(report.reason).toMatch(/^execution rotakit-cli-\S+ of flow orders-rotation failed: FC\.Unhandled: the server at 127\.0\.0\.1:9 cannot be reached/);
    expect(workflow.state().executions.at(-1)).toMatchObject({ flowName: 'orders-rotation', input: { SecretName: 'cli/ali-flow-fails' } });
  });

  it('exits 1 naming --flow when the flow does not exist', async () => {
    kms.seed({ name: 'cli/ali-no-flow', versions: [{ versionId: 'v1', data: data('nobody', secretPassword('ali-no-flow')), stages: ['ACSCurrent'] }] });
    const run = await cli(['rotate', 'cli/ali-no-flow', '--cloud', 'alibaba', '--flow', 'no-such-flow'], workflowEnv());
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^rotakit: StepFailed: Serverless Workflow StartExecution \(flow no-such-flow\): FlowNotExists: .*--flow names, default rotakit-rotation\)$/m);
  });

  it('refuses --flow on another cloud and with --local, before anything is called', async () => {
    const env = workflowEnv();
    const other = await cli(['rotate', 'cli/x', '--cloud', 'aws', '--flow', 'f'], awsEnv('http://127.0.0.1:9'));
    expect(other.code).toBe(2);
    expect(other.stderr).toMatch(/^rotakit: InvalidOptions: --flow does not apply to --cloud aws/);
    const local = await cli(['rotate', 'cli/x', '--cloud', 'alibaba', '--local', '--instance-id', 'rm-1'], env);
    expect(local.code).toBe(2);
    expect(local.stderr).toMatch(/^rotakit: InvalidOptions: --instance-id does not apply with --local/);
    expect(workflow.state().executions.map((execution) => execution.input['SecretName'])).not.toContain('cli/x');
  });

  it('rotates through the KMS store and the new ACSCurrent logs in', async () => {
    const env = alibabaEnv(kms.endpoint);
    const initial = await databaseUser('ali_local');
    kms.seed({
      name: 'cli/ali-local',
      versions: [{ versionId: 'v1', data: JSON.stringify({ AccountName: 'ali_local', AccountPassword: initial, Endpoint: db.host, Port: db.port }), stages: ['ACSCurrent'] }],
    });
    const run = await cli(['rotate', 'cli/ali-local', '--cloud', 'alibaba', '--local', '--engine', 'mysql', '--tls', 'disable'], env);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('  finish: done');
    const after = await stageLogins(scan, ['cli/ali-local', '--cloud', 'alibaba', '--engine', 'mysql'], env);
    expect(after).toEqual({ verdict: 'healthy', logins: { current: 'accepted', previous: 'refused' } });
  });
});

describe('rotakit rotate on NAVER Cloud Secret Manager', () => {
  let ncloud: NcloudSecretManagerEmulator;
  beforeAll(async () => {
    ncloud = await startNcloudSecretManagerEmulator({ credentials: [NCLOUD_KEY] });
  });
  afterAll(() => ncloud.close());

  it('executes a rotation as the console does, follows the job to its end, and the new active password logs in', async () => {
    const env = ncloudEnv(ncloud.regionalUrl);
    const main = createCloudFunctionsAction({ target: mysqlTarget({ tls: 'disable' }), strategy: singleUser(), endpoint: ncloud.regionalUrl });
    ncloud.registerAction('cli-rotate', (args) => main(args), { defaultParams: { ...NCLOUD_KEY } });
    const initial = await databaseUser('nc_rot');
    const secretId = ncloud.seedSecret({
      chain: { active: { cdbUser: 'nc_rot', cdbPassword: initial, cdbHost: db.host, cdbPort: String(db.port) } },
      rotationTargets: ['cdbPassword'],
      triggerId: 'cli-rotate',
    });
    const run = await cli(['rotate', secretId, '--cloud', 'ncloud'], env);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('complete: the chain shifted (pending is active)');
    expect(await stageLogins(scan, [secretId, '--cloud', 'ncloud', '--engine', 'mysql'], env)).toEqual({ verdict: 'healthy', logins: { current: 'accepted', previous: 'refused' } });

    // The action cannot reach the database: it fails the job, and rotate says so with exit 1.
    const unreachable = ncloud.seedSecret({
      chain: { active: { cdbUser: 'nobody', cdbPassword: secretPassword('nc-unreachable'), cdbHost: '127.0.0.1', cdbPort: '9' } },
      rotationTargets: ['cdbPassword'],
      triggerId: 'cli-rotate',
    });
    const failed = await cli(['rotate', unreachable, '--cloud', 'ncloud', '--json'], env);
    expect(failed.code).toBe(1);
    expect((JSON.parse(failed.stdout) as { reason: string }).reason).toContain("ended without completing: the trigger's action failed it");
  });

  it('refuses --local, naming it: only the service opens a rotation job', async () => {
    const secretId = ncloud.seedSecret({ chain: { active: { cdbUser: 'app', cdbPassword: secretPassword('nc') } }, rotationTargets: ['cdbPassword'] });
    const run = await cli(['rotate', secretId, '--cloud', 'ncloud', '--local'], ncloudEnv(ncloud.regionalUrl));
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^rotakit: InvalidOptions: --local is not possible on --cloud ncloud/);
  });
});
