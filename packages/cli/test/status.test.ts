import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
import { ALIBABA_KEYS, alibabaEnv, awsEnv, createUser, NCLOUD_KEY, ncloudEnv, OutputScan, type CliRun } from './helpers.js';

/** What `status --json` prints per secret. */
interface StatusJson {
  secretId: string;
  cloud: string;
  verdict: string;
  reason: string;
  stages: { version: string; stages: string[]; labels: string[]; created?: string; login?: string }[];
  schedule: { enabled?: boolean; rule?: string; lastRotated?: string; nextRotation?: string; note?: string };
}

function parsed(run: CliRun): StatusJson[] {
  return (JSON.parse(run.stdout) as { secrets: StatusJson[] }).secrets;
}

/** Whole seconds, which every cloud's dates carry. */
const TWO_HOURS_AGO = new Date(Math.floor(Date.now() / 1000 - 7200) * 1000);

let db: MariaDbServer;
const scan = new OutputScan();
const cli = (args: string[], env: Record<string, string>) => scan.run(args, env);

/** A password the database knows for `username` (or, with `known: false`, one it never heard of). */
async function databasePassword(username: string, known = true): Promise<string> {
  const value = scan.password(username);
  if (known) await createUser(db, username, value);
  return value;
}

beforeAll(async () => {
  db = await startMariaDb();
});
afterAll(async () => {
  // Every run of every test, text and JSON, stdout and stderr.
  scan.expectNoSecret();
  await db.close();
});

describe('rotakit status on AWS Secrets Manager', () => {
  let sm: AwsSecretsManagerEmulator;
  let env: Record<string, string>;
  beforeAll(async () => {
    sm = await startAwsSecretsManagerEmulator();
    env = awsEnv(sm.url);
  });
  afterAll(() => sm.close());

  const value = (username: string, pw: string) =>
    JSON.stringify({ engine: 'mariadb', host: db.host, port: db.port, username, password: pw });

  it('shows the stage table and the schedule of a healthy secret, and exits 0', async () => {
    const current = await databasePassword('aws_healthy');
    const previous = await databasePassword('aws_healthy_old', false);
    sm.seedSecret({
      name: 'cli/healthy',
      versions: [
        { versionId: 'v-old', secretString: value('aws_healthy', previous), stages: ['AWSPREVIOUS'], createdDate: TWO_HOURS_AGO },
        { versionId: 'v-new', secretString: value('aws_healthy', current), stages: ['AWSCURRENT'] },
      ],
      rotation: { lambdaArn: sm.functionArn('rotator'), rules: { AutomaticallyAfterDays: 30 }, enabled: true, lastRotatedDate: TWO_HOURS_AGO },
    });
    const text = await cli(['status', 'cli/healthy', '--cloud', 'aws', '--check-db', '--tls', 'disable'], env);
    expect(text.stderr).toBe('');
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('(aws): healthy');
    expect(text.stdout).toMatch(/v-new\s+current\s+AWSCURRENT\s+\S+\s+accepted/);
    expect(text.stdout).toMatch(/v-old\s+previous\s+AWSPREVIOUS\s+\S+\s+refused/);
    expect(text.stdout).toContain('rotation: scheduled; every 30 days');

    const json = await cli(['status', 'cli/healthy', '--cloud', 'aws', '--check-db', '--tls', 'disable', '--json'], env);
    expect(json.code).toBe(0);
    const [status] = parsed(json);
    expect(status).toMatchObject({ cloud: 'aws', verdict: 'healthy', schedule: { enabled: true, rule: 'every 30 days' } });
    expect(status!.secretId).toMatch(/^arn:aws:secretsmanager:/);
    expect(status!.schedule.lastRotated).toBe(TWO_HOURS_AGO.toISOString());
    expect(status!.stages.map((row) => [row.version, row.stages, row.login])).toEqual([
      ['v-new', ['current'], 'accepted'],
      ['v-old', ['previous'], 'refused'],
    ]);
  });

  it('calls a pending version left by a failed setSecret stuck (exit 1), and one a rotation is writing in progress (exit 0)', async () => {
    const current = await databasePassword('aws_stuck');
    const pending = await databasePassword('aws_stuck_never_set', false);
    // As AWS leaves it: setSecret failed, so AWSPENDING stays on the new version and blocks RotateSecret.
    sm.seedSecret({
      name: 'cli/stuck',
      versions: [
        { versionId: 'v-current', secretString: value('aws_stuck', current), stages: ['AWSCURRENT'], createdDate: new Date(Date.now() - 86400_000) },
        { versionId: 'v-pending', secretString: value('aws_stuck', pending), stages: ['AWSPENDING'], createdDate: TWO_HOURS_AGO },
      ],
    });
    const stuck = await cli(['status', 'cli/stuck', '--cloud', 'aws', '--check-db', '--tls', 'disable', '--json'], env);
    expect(stuck.code).toBe(1);
    const [status] = parsed(stuck);
    expect(status!.verdict).toBe('stuck');
    expect(status!.reason).toContain('v-pending');
    expect(status!.stages.find((row) => row.version === 'v-pending')?.login).toBe('refused');

    sm.seedSecret({
      name: 'cli/rotating',
      versions: [
        { versionId: 'r-current', secretString: value('aws_stuck', current), stages: ['AWSCURRENT'], createdDate: TWO_HOURS_AGO },
        { versionId: 'r-pending', stages: ['AWSPENDING'] },
      ],
    });
    const rotating = await cli(['status', 'cli/rotating', '--cloud', 'aws', '--check-db', '--tls', 'disable', '--json'], env);
    expect(rotating.code).toBe(0);
    const [inProgress] = parsed(rotating);
    expect(inProgress!.verdict).toBe('rotation in progress');
    // RotateSecret's placeholder has no value yet.
    expect(inProgress!.stages.find((row) => row.version === 'r-pending')?.login).toBe('unreadable');
    // --stuck-after 0: any pending no rotation is reported to run is stuck.
    const strict = await cli(['status', 'cli/rotating', '--cloud', 'aws', '--stuck-after', '0', '--json'], env);
    expect(strict.code).toBe(1);
    expect(parsed(strict)[0]!.verdict).toBe('stuck');
  });

  it('calls a secret whose current password the database refuses broken, and goes on to the next secret', async () => {
    const wrong = await databasePassword('aws_broken', false);
    await databasePassword('aws_broken');
    sm.seedSecret({ name: 'cli/broken', versions: [{ secretString: value('aws_broken', wrong), stages: ['AWSCURRENT'] }] });
    const run = await cli(['status', 'cli/broken', 'cli/no-such-secret', 'cli/healthy', '--cloud', 'aws', '--check-db', '--tls', 'disable'], env);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain("(aws): broken (the current stage's login was refused)");
    expect(run.stdout).toContain('cli/no-such-secret: rotakit: SecretNotFound: ');
    expect(run.stdout).toContain('(aws): healthy');
  });
});

describe('rotakit status on Alibaba Cloud KMS', () => {
  let kms: AlibabaKmsEmulator;
  let env: Record<string, string>;
  beforeAll(async () => {
    kms = await startAlibabaKmsEmulator({ credentials: ALIBABA_KEYS });
    env = alibabaEnv(kms.endpoint);
  });
  afterAll(() => kms.close());

  const data = (username: string, pw: string) => JSON.stringify({ AccountName: username, AccountPassword: pw, Endpoint: db.host, Port: db.port });
  const kmsTime = (date: Date) => date.toISOString().replace(/\.\d+Z$/, 'Z');

  it('shows the versions of a healthy secret, which logs in, and says KMS keeps no schedule', async () => {
    const current = await databasePassword('ali_healthy');
    kms.seed({ name: 'cli/ali-healthy', versions: [{ versionId: 'v1', data: data('ali_healthy', current), stages: ['ACSCurrent'] }] });
    const run = await cli(['status', 'acs:kms:cn-hangzhou:1234567890123456:secret/cli/ali-healthy', '--check-db', '--engine', 'mysql', '--tls', 'disable', '--json'], env);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const [status] = parsed(run);
    expect(status).toMatchObject({ cloud: 'alibaba', secretId: 'cli/ali-healthy', verdict: 'healthy' });
    expect(status!.stages).toEqual([expect.objectContaining({ version: 'v1', stages: ['current'], labels: ['ACSCurrent'], login: 'accepted' })]);
    expect(status!.schedule.note).toContain('Serverless Workflow');
  });

  it('calls an old ACSPending on another version stuck, and names the pending login', async () => {
    const current = await databasePassword('ali_stuck');
    const pending = await databasePassword('ali_stuck_pending', false);
    kms.seed({
      name: 'cli/ali-stuck',
      versions: [
        { versionId: 'v1', data: data('ali_stuck', current), stages: ['ACSCurrent'], createTime: kmsTime(new Date(Date.now() - 86400_000)) },
        { versionId: 'v2', data: data('ali_stuck', pending), stages: ['ACSPending'], createTime: kmsTime(TWO_HOURS_AGO) },
      ],
    });
    const run = await cli(['status', 'cli/ali-stuck', '--cloud', 'alibaba', '--check-db', '--engine', 'mysql', '--tls', 'disable'], env);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('(alibaba): stuck (version v2 is pending');
    expect(run.stdout).toMatch(/v2\s+pending\s+ACSPending\s+\S+\s+refused/);
  });

  it('refuses a run without the credentials Alibaba\'s tools read, naming the variable', async () => {
    const run = await cli(['status', 'cli/ali-healthy', '--cloud', 'alibaba'], {});
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^rotakit: InvalidOptions: ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET must be set/);
  });
});

describe('rotakit status on NAVER Cloud Secret Manager', () => {
  let ncloud: NcloudSecretManagerEmulator;
  let env: Record<string, string>;
  beforeAll(async () => {
    ncloud = await startNcloudSecretManagerEmulator({ credentials: [NCLOUD_KEY] });
    env = ncloudEnv(ncloud.regionalUrl);
  });
  afterAll(() => ncloud.close());

  const chainValue = (username: string, pw: string) => ({ cdbUser: username, cdbPassword: pw, cdbHost: db.host, cdbPort: String(db.port) });

  it('shows the chain and the rotation period of a healthy secret', async () => {
    const current = await databasePassword('nc_healthy');
    const secretId = ncloud.seedSecret({ chain: { active: chainValue('nc_healthy', current) }, rotationTargets: ['cdbPassword'], autoRotationYN: 'Y', autoRotationPeriod: 90 });
    const run = await cli(['status', secretId, '--cloud', 'ncloud', '--check-db', '--engine', 'mysql', '--tls', 'disable', '--json'], env);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const [status] = parsed(run);
    expect(status).toMatchObject({ cloud: 'ncloud', verdict: 'healthy', schedule: { enabled: true, rule: 'every 90 days' } });
    expect(status!.schedule.nextRotation).toBeDefined();
    expect(status!.stages).toEqual([{ version: 'active', stages: ['current'], labels: ['active'], login: 'accepted' }]);
  });

  it('calls a pending value no job owns stuck, and one an open job owns in progress', async () => {
    const current = await databasePassword('nc_stuck');
    const pending = await databasePassword('nc_stuck_pending', false);
    const secretId = ncloud.seedSecret({
      chain: { active: chainValue('nc_stuck', current), pending: chainValue('nc_stuck', pending) },
      rotationTargets: ['cdbPassword'],
    });
    const stuck = await cli(['status', secretId, '--cloud', 'ncloud', '--check-db', '--engine', 'mysql', '--tls', 'disable'], env);
    expect(stuck.code).toBe(1);
    expect(stuck.stdout).toContain('(ncloud): stuck (version pending is pending');
    expect(stuck.stdout).toMatch(/pending\s+pending\s+pending\s+-\s+refused/);

    ncloud.openJob(secretId);
    const running = await cli(['status', secretId, '--cloud', 'ncloud', '--json'], env);
    expect(running.code).toBe(0);
    expect(parsed(running)[0]!.verdict).toBe('rotation in progress');
  });
});
