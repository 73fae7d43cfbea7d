import { AddPermissionCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  startAwsIamEmulator,
  startAwsLambdaEmulator,
  startAwsSecretsManagerEmulator,
  startMariaDb,
  type AwsIamEmulator,
  type AwsLambdaEmulator,
  type AwsSecretsManagerEmulator,
  type MariaDbServer,
} from '@rotakit/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awsEnv, createUser, OutputScan } from './helpers.js';

// `rotakit fleet doctor` over AWS secrets on the emulators (Secrets Manager, Lambda, IAM) and a
// MariaDB server: three well-wired secrets and one whose rotation Lambda does not let Secrets
// Manager invoke it.
let db: MariaDbServer;
let sm: AwsSecretsManagerEmulator;
let lambda: AwsLambdaEmulator;
let iam: AwsIamEmulator;
let env: Record<string, string>;
const scan = new OutputScan();
const dir = mkdtempSync(join(tmpdir(), 'rotakit-fleet-doctor-'));

interface Check {
  id: string;
  outcome: 'pass' | 'fail' | 'warn';
}
interface Report {
  command: string;
  total: number;
  outcomes: { ok: number; finding: number; failed: number };
  labels: Record<string, number>;
  secrets: { secretId: string; outcome: string; label: string; reason?: string; details: { ok: boolean; checks: Check[] } }[];
}

async function seed(name: string, username: string, lambdaName: string): Promise<void> {
  const password = scan.password(username);
  await createUser(db, username, password);
  sm.seedSecret({
    name,
    versions: [{ secretString: JSON.stringify({ engine: 'mariadb', host: db.host, port: db.port, username, password }), stages: ['AWSCURRENT'] }],
    rotation: { lambdaArn: lambda.functionArn(lambdaName), rules: { AutomaticallyAfterDays: 30 }, enabled: true },
  });
}

beforeAll(async () => {
  [db, sm, lambda, iam] = await Promise.all([startMariaDb(), startAwsSecretsManagerEmulator(), startAwsLambdaEmulator(), startAwsIamEmulator()]);
  env = { ...awsEnv(sm.url), AWS_ENDPOINT_URL_LAMBDA: lambda.url, AWS_ENDPOINT_URL_IAM: iam.url };
  const role = iam.createRole('fleet-rotator');
  iam.putPolicy(role, 'rotation', {
    Statement: [{ Effect: 'Allow', Action: ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue', 'secretsmanager:PutSecretValue', 'secretsmanager:UpdateSecretVersionStage'], Resource: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:fd/*' }],
  });
  lambda.addFunction('rotator', () => null, { role });
  lambda.addFunction('rotator-no-permission', () => null, { role });
  const client = new LambdaClient({ endpoint: lambda.url, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 1 });
  await client.send(new AddPermissionCommand({ FunctionName: 'rotator', StatementId: 'sm', Action: 'lambda:InvokeFunction', Principal: 'secretsmanager.amazonaws.com', SourceAccount: '123456789012' }));
  client.destroy();
  await seed('fd/a', 'fd_a', 'rotator');
  await seed('fd/b', 'fd_b', 'rotator');
  await seed('fd/c', 'fd_c', 'rotator');
  await seed('fd/miswired', 'fd_miswired', 'rotator-no-permission');
});
afterAll(async () => {
  for (const file of ['doctor.json']) {
    try {
      scan.record({ code: 0, stdout: readFileSync(join(dir, file), 'utf8'), stderr: '' });
    } catch {
      // not written: the test that writes it has failed already
    }
  }
  scan.expectNoSecret();
  rmSync(dir, { recursive: true, force: true });
  await Promise.all([sm?.close(), lambda?.close(), iam?.close()]);
  await db?.close();
});

describe('rotakit fleet doctor', () => {
  it('runs doctor on each secret: the miswired one ✗ with its failing check, the others ready, exit 1; --report carries every check', async () => {
    const report = join(dir, 'doctor.json');
    const run = await scan.run(['fleet', 'doctor', '--cloud', 'aws', '--match', 'fd/', '--check-db', '--tls', 'disable', '--concurrency', '2', '--report', report], env);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^arn:aws:secretsmanager:us-east-1:123456789012:secret:fd\/miswired-\w{6} \(aws\): not ready \(✗ rotation\.function\)$/m);
    for (const name of ['a', 'b', 'c']) expect(run.stdout).toMatch(new RegExp(`^arn:\\S+:secret:fd/${name}-\\w{6} \\(aws\\): ready with warnings \\(! db\\.tls\\)$`, 'm'));
    expect(run.stdout).toContain('fleet doctor: 4 secrets: 3 ok, 1 finding, 0 failed');
    expect(run.stdout).toMatch(/^ {2}not ready\s+1$/m);
    expect(run.stdout).toMatch(/^ {2}ready with warnings\s+3$/m);
    expect(run.stdout).toMatch(/^not ok:\n {2}arn:\S+:secret:fd\/miswired-\w{6} \(aws\): not ready \(✗ rotation\.function\)$/m);

    const written = JSON.parse(readFileSync(report, 'utf8')) as Report;
    expect(written).toMatchObject({ command: 'doctor', total: 4, outcomes: { ok: 3, finding: 1, failed: 0 }, labels: { 'not ready': 1, 'ready with warnings': 3 } });
    const byName: Record<string, Report['secrets'][number]> = Object.fromEntries(written.secrets.map((secret) => [/:secret:(.+)-\w{6}$/.exec(secret.secretId)?.[1] ?? secret.secretId, secret]));
    expect(Object.keys(byName).sort()).toEqual(['fd/a', 'fd/b', 'fd/c', 'fd/miswired']);
    const ids = ['secret.parse', 'secret.engine', 'store.permissions', 'rotation.function', 'password.policy', 'db.reachable', 'db.tls', 'db.login'];
    for (const secret of written.secrets) expect(secret.details.checks.map((check) => check.id).sort()).toEqual([...ids].sort());
    const outcomesOf = (name: string) => Object.fromEntries(byName[name]!.details.checks.map((check) => [check.id, check.outcome]));
    expect(outcomesOf('fd/miswired')).toMatchObject({ 'rotation.function': 'fail', 'store.permissions': 'pass', 'db.login': 'pass' });
    expect(byName['fd/miswired']!.details.ok).toBe(false);
    expect(outcomesOf('fd/a')).toEqual({ ...Object.fromEntries(ids.map((id) => [id, 'pass'])), 'db.tls': 'warn' });
  });

  it('--json prints every secret with its checks; a fleet with nothing failing exits 0', async () => {
    const run = await scan.run(['fleet', 'doctor', '--cloud', 'aws', '--match', 'fd/', '--json'], env);
    expect(run.code).toBe(1);
    const all = JSON.parse(run.stdout) as Report;
    expect(all.secrets).toHaveLength(4);
    expect(all.secrets.every((secret) => secret.details.checks.length > 0)).toBe(true);
    // Without --check-db no warning: the three good ones are simply ready.
    expect(all.labels).toEqual({ ready: 3, 'not ready': 1 });
    const healthy = await scan.run(['fleet', 'doctor', '--cloud', 'aws', '--match', 'fd/a'], env);
    expect(healthy.code).toBe(0);
    expect(healthy.stdout).toContain('fleet doctor: 1 secret: 1 ok, 0 findings, 0 failed');
  });

  it("checks doctor's options once before any secret is read; refuses other subcommands' options", async () => {
    const [listed, read] = [sm.calls('ListSecrets'), sm.calls('GetSecretValue')];
    const badCa = await scan.run(['fleet', 'doctor', '--cloud', 'aws', '--match', 'fd/', '--ca', join(dir, 'missing.pem')], env);
    expect(badCa.code).toBe(2);
    expect(badCa.stderr).toBe(`rotakit: InvalidOptions: --ca ${join(dir, 'missing.pem')} cannot be read\n`);
    expect(badCa.stdout).toBe('');
    const caWithoutVerify = await scan.run(['fleet', 'doctor', '--cloud', 'aws', '--match', 'fd/', '--ca', 'x.pem', '--tls', 'disable'], env);
    expect(caWithoutVerify.code).toBe(2);
    expect(caWithoutVerify.stderr).toContain('--ca goes with --tls verify');
    const length = await scan.run(['fleet', 'doctor', '--cloud', 'aws', '--match', 'fd/', '--password-length', 'long'], env);
    expect(length.code).toBe(2);
    expect(length.stderr).toContain('--password-length');
    const foreign = await scan.run(['fleet', 'doctor', '--cloud', 'aws', '--match', 'fd/', '--stuck-after', '5'], env);
    expect(foreign.code).toBe(2);
    expect(foreign.stderr).toBe('rotakit: InvalidOptions: --stuck-after does not apply to fleet doctor\n');
    const notDoctor = await scan.run(['fleet', 'status', '--cloud', 'aws', '--match', 'fd/', '--principal', 'arn:aws:iam::123456789012:role/x'], env);
    expect(notDoctor.code).toBe(2);
    expect(notDoctor.stderr).toBe('rotakit: InvalidOptions: --principal does not apply to fleet status\n');
    // Refused before the secrets were listed, let alone read.
    expect([sm.calls('ListSecrets'), sm.calls('GetSecretValue')]).toEqual([listed, read]);
  });

  it('--principal is the principal IAM simulates for every secret', async () => {
    const nobody = iam.createRole('nobody');
    const run = await scan.run(['fleet', 'doctor', '--cloud', 'aws', '--match', 'fd/', '--principal', nobody, '--json'], env);
    expect(run.code).toBe(1);
    const report = JSON.parse(run.stdout) as Report;
    expect(report.outcomes).toEqual({ ok: 0, finding: 4, failed: 0 });
    for (const secret of report.secrets) expect(secret.details.checks.find((check) => check.id === 'store.permissions')?.outcome).toBe('fail');
  });

  it('--help names doctor, its options and an example', async () => {
    const run = await scan.run(['fleet', '--help'], env);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('rotakit fleet status|rotate|recover|doctor');
    expect(run.stdout).toContain('--principal ARN, --flow NAME, --password-length N');
    expect(run.stdout).toContain('rotakit fleet doctor --cloud aws --match prod/ --check-db');
  });
});
