import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli, type ProgressStream } from '@rotakit/cli';
import {
  startAlibabaKmsEmulator,
  startAwsSecretsManagerEmulator,
  startMariaDb,
  startNcloudSecretManagerEmulator,
  type AwsSecretsManagerEmulator,
  type MariaDbServer,
} from '@rotakit/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALIBABA_KEYS, alibabaEnv, awsEnv, createUser, NCLOUD_KEY, ncloudEnv, OutputScan, stageLogins } from './helpers.js';

let db: MariaDbServer;
let sm: AwsSecretsManagerEmulator;
let env: Record<string, string>;
const scan = new OutputScan();
const cli = (args: string[], runEnv: Record<string, string> = env) => scan.run(args, runEnv);
const dir = mkdtempSync(join(tmpdir(), 'rotakit-fleet-'));

interface Report {
  command: string;
  total: number;
  outcomes: { ok: number; finding: number; failed: number };
  labels: Record<string, number>;
  secrets: { secretId: string; cloud: string; outcome: string; label: string; reason?: string; code?: string; details?: Record<string, unknown> }[];
}

const value = (username: string, pw: string, port = db.port) => JSON.stringify({ engine: 'mariadb', host: db.host, port, username, password: pw });

/** A database user and its secret (AWSCURRENT only) named `name`, with `tags`; returns the ARN. */
async function secretFor(name: string, username: string, tags: Record<string, string> = {}): Promise<string> {
  const pw = scan.password(username);
  await createUser(db, username, pw);
  return sm.seedSecret({ name, tags, versions: [{ secretString: value(username, pw), stages: ['AWSCURRENT'] }] }).arn;
}

beforeAll(async () => {
  [db, sm] = await Promise.all([startMariaDb(), startAwsSecretsManagerEmulator()]);
  env = awsEnv(sm.url);
});
afterAll(async () => {
  // The reports written are output too.
  for (const file of readdirSync(dir).filter((name) => name.endsWith('.json'))) scan.record({ code: 0, stdout: readFileSync(join(dir, file), 'utf8'), stderr: '' });
  scan.expectNoSecret();
  await Promise.all([db.close(), sm.close()]);
});

describe('rotakit fleet status', () => {
  beforeAll(async () => {
    await secretFor('st/a', 'fl_st_a', { team: 'orders' });
    await secretFor('st/b', 'fl_st_b', { team: 'billing' });
    await secretFor('st/c', 'fl_st_c', { team: 'orders', env: 'prod' });
    await secretFor('other/d', 'fl_st_d', { team: 'orders' });
  });

  it('--match lists by name prefix, checks each login, prints one plain line per secret off a terminal and the summary', async () => {
    const run = await cli(['fleet', 'status', '--cloud', 'aws', '--match', 'st/', '--check-db', '--tls', 'disable', '--concurrency', '2']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const lines = run.stdout.split('\n');
    expect(lines.filter((line) => /^arn:aws:secretsmanager:.*:secret:st\/[abc]-\w{6} \(aws\): healthy$/.test(line))).toHaveLength(3);
    expect(run.stdout).not.toContain('other/d');
    expect(run.stdout).toContain('fleet status: 3 secrets: 3 ok, 0 findings, 0 failed');
    expect(run.stdout).toMatch(/^ {2}healthy\s+3$/m);
  });

  it('--tag KEY=VALUE matches the exact tag; --tag KEY any value; with --match both', async () => {
    const byTag = await cli(['fleet', 'status', '--cloud', 'aws', '--tag', 'team=orders', '--json']);
    expect(byTag.code).toBe(0);
    const names = (report: Report) => report.secrets.map((secret) => /:secret:(.+)-\w{6}$/.exec(secret.secretId)?.[1]).sort();
    expect(names(JSON.parse(byTag.stdout) as Report)).toEqual(['other/d', 'st/a', 'st/c']);
    const byKey = await cli(['fleet', 'status', '--cloud', 'aws', '--tag', 'env', '--json']);
    expect(names(JSON.parse(byKey.stdout) as Report)).toEqual(['st/c']);
    const both = await cli(['fleet', 'status', '--cloud', 'aws', '--tag', 'team=orders', '--match', 'st/', '--json']);
    expect(names(JSON.parse(both.stdout) as Report)).toEqual(['st/a', 'st/c']);
    // "ord" is a prefix of the value AWS's tag-value filter matches; rotakit's tag is exact.
    const prefix = await cli(['fleet', 'status', '--cloud', 'aws', '--tag', 'team=ord']);
    expect(prefix.code).toBe(1);
    expect(prefix.stdout).toBe('fleet status: no secret selected\n');
  });

  it('--from reads one id a line, skipping comments and blank lines; one unknown secret is a failure with its code, the others still run', async () => {
    const file = join(dir, 'ids.txt');
    writeFileSync(file, '# the orders team\nst/a\n\n  st/b   # billing\nst/missing\n');
    const report = join(dir, 'status.json');
    const run = await cli(['fleet', 'status', '--cloud', 'aws', '--from', file, '--report', report]);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('st/missing (aws): error (SecretNotFound: ');
    expect(run.stdout).toContain('fleet status: 3 secrets: 2 ok, 0 findings, 1 failed');
    expect(run.stdout).toMatch(/^not ok:\n {2}st\/missing \(aws\): error \(SecretNotFound: /m);
    const written = JSON.parse(readFileSync(report, 'utf8')) as Report;
    expect(written).toMatchObject({ command: 'status', total: 3, outcomes: { ok: 2, finding: 0, failed: 1 }, labels: { healthy: 2, error: 1 } });
    expect(written.secrets.find((secret) => secret.secretId === 'st/missing')).toMatchObject({ cloud: 'aws', outcome: 'failed', code: 'SecretNotFound' });
    const a = written.secrets.find((secret) => secret.secretId === 'st/a');
    expect(a).toMatchObject({ outcome: 'ok', label: 'healthy', details: { verdict: 'healthy', stages: [{ stages: ['current'], labels: ['AWSCURRENT'] }] } });
    expect((a?.details?.['stages'] as { created: string }[])[0]?.created).toMatch(/^\d{4}-\d\d-\d\dT/);
  });

  it('completes under throttling: the SDK retries ThrottlingException (adaptive mode) and every secret is reported', async () => {
    sm.injectFault({ operation: 'DescribeSecret', kind: 'throttle', times: 3 });
    const before = sm.calls('DescribeSecret');
    const run = await cli(['fleet', 'status', '--cloud', 'aws', '--match', 'st/', '--json'], { ...env, AWS_MAX_ATTEMPTS: '5' });
    expect(run.code).toBe(0);
    expect((JSON.parse(run.stdout) as Report).outcomes).toEqual({ ok: 3, finding: 0, failed: 0 });
    expect(sm.calls('DescribeSecret') - before).toBe(3 + 3);
  });

  it('refuses bad usage with exit 2 before touching a secret', async () => {
    /** The command line in this process: each refusal comes before any cloud call, so a spawn would only add its start-up time. */
    const cli = async (args: string[]) => {
      const stdout: string[] = [];
      const stderr: string[] = [];
      const code = await runCli(args, { env, stdout: (text) => stdout.push(text), stderr: (text) => stderr.push(text) });
      const run = { code, stdout: stdout.join(''), stderr: stderr.join('') };
      scan.record(run);
      return run;
    };
    const cases: [string[], RegExp][] = [
      [['fleet', 'status'], /^rotakit: Usage: fleet needs --match PREFIX, --tag KEY\[=VALUE\] or --from FILE$/],
      [['fleet', 'status', '--match', 'st/'], /^rotakit: Usage: --match and --tag list one cloud: pass --cloud$/],
      [['fleet', 'doctr', '--cloud', 'aws', '--match', 'st/'], /^rotakit: Usage: fleet takes one subcommand, status, rotate, recover, doctor, not "doctr"$/],
      [['fleet', 'status', 'st/a', '--cloud', 'aws'], /secret ids go in --from FILE$/],
      [['fleet', 'rotate', '--cloud', 'aws', '--match', 'st/', '--check-db'], /^rotakit: InvalidOptions: --check-db does not apply to fleet rotate$/],
      [['fleet', 'status', '--cloud', 'aws', '--match', 'st/', '--concurrency', '0'], /^rotakit: InvalidOptions: --concurrency must be 1 to 256$/],
      [['fleet', 'status', '--cloud', 'aws', '--from', join(dir, 'absent.txt')], /^rotakit: InvalidOptions: --from .*absent\.txt cannot be read \(ENOENT\)$/],
      [['fleet', 'recover', '--cloud', 'aws', '--match', 'st/'], /^rotakit: Usage: fleet recover changes secrets: pass --yes/],
    ];
    for (const [args, error] of cases) {
      const before = sm.calls('DescribeSecret');
      const run = await cli(args);
      expect({ args, code: run.code, stdout: run.stdout }).toEqual({ args, code: 2, stdout: '' });
      expect(run.stderr.trimEnd()).toMatch(error);
      expect(sm.calls('DescribeSecret')).toBe(before);
    }
    const noCloud = join(dir, 'names.txt');
    writeFileSync(noCloud, 'st/a\n');
    const run = await cli(['fleet', 'status', '--from', noCloud]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^rotakit: InvalidOptions: --from .*names\.txt line 1: "st\/a" is not an ARN that names its cloud; pass --cloud\n$/);
  });
});

describe('rotakit fleet rotate --local', () => {
  it('rotates every secret it can; the broken one is recorded with its code, the others rotated, exit 1', async () => {
    const arns = [];
    for (const n of [1, 2, 3, 4]) arns.push(await secretFor(`rot/s${n}`, `fl_rot_${n}`, { fleet: 'rot' }));
    // A secret whose database cannot be reached: its rotation fails, the others go on.
    sm.seedSecret({ name: 'rot/broken', tags: { fleet: 'rot' }, versions: [{ secretString: value('fl_rot_broken', scan.password('broken'), 9), stages: ['AWSCURRENT'] }] });
    const report = join(dir, 'rotate.json');
    const run = await cli(['fleet', 'rotate', '--cloud', 'aws', '--tag', 'fleet=rot', '--local', '--tls', 'disable', '--concurrency', '3', '--report', report]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('fleet rotate: 5 secrets: 4 ok, 0 findings, 1 failed');
    expect(run.stdout).toMatch(/rot\/broken-\w{6} \(aws\): rotation failed \(TargetUnreachable: /);
    const written = JSON.parse(readFileSync(report, 'utf8')) as Report;
    expect(written.labels).toEqual({ rotated: 4, 'rotation failed': 1 });
    expect(written.secrets.find((secret) => secret.outcome === 'failed')).toMatchObject({ code: 'TargetUnreachable', details: { ok: false, mode: 'local' } });
    for (const arn of arns) {
      expect(await stageLogins(scan, [arn], env)).toEqual({ verdict: 'healthy', logins: { current: 'accepted', previous: 'refused' } });
    }
  });
});

describe('rotakit fleet recover', () => {
  it('--dry-run plans each stuck secret and changes nothing; --yes finishes or withdraws each', async () => {
    const stuck = async (name: string, username: string, databaseHas: 'current' | 'pending'): Promise<void> => {
      const current = scan.password(`${username}-current`);
      const pending = scan.password(`${username}-pending`);
      await createUser(db, username, databaseHas === 'current' ? current : pending);
      sm.seedSecret({
        name,
        versions: [
          { secretString: value(username, current), stages: ['AWSCURRENT'], createdDate: new Date(Date.now() - 86_400_000) },
          { secretString: value(username, pending), stages: ['AWSPENDING'], createdDate: new Date(Date.now() - 7_200_000) },
        ],
      });
    };
    await stuck('rec/withdraw', 'fl_rec_w', 'current');
    await stuck('rec/finish', 'fl_rec_f', 'pending');
    await secretFor('rec/healthy', 'fl_rec_h');

    const dry = await cli(['fleet', 'recover', '--cloud', 'aws', '--match', 'rec/', '--tls', 'disable', '--dry-run', '--json', '--report', join(dir, 'recover-plans.json')]);
    expect(dry.code).toBe(0);
    const plans = JSON.parse(dry.stdout) as Report;
    expect(plans.labels).toEqual({ withdraw: 1, finish: 1, nothing: 1 });
    expect(plans.secrets.every((secret) => (secret.details as { done: boolean }).done === false)).toBe(true);
    const status = await cli(['fleet', 'status', '--cloud', 'aws', '--match', 'rec/', '--json']);
    expect((JSON.parse(status.stdout) as Report).labels).toEqual({ stuck: 2, healthy: 1 });

    const run = await cli(['fleet', 'recover', '--cloud', 'aws', '--match', 'rec/', '--tls', 'disable', '--yes']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/rec\/withdraw-\w{6} \(aws\): withdrawn \(pending \(.+\) never reached the database and current logs in: withdraw it\)/);
    expect(run.stdout).toMatch(/rec\/finish-\w{6} \(aws\): finished \(/);
    expect(run.stdout).toContain('fleet recover: 3 secrets: 3 ok, 0 findings, 0 failed');
    const after = await cli(['fleet', 'status', '--cloud', 'aws', '--match', 'rec/', '--check-db', '--tls', 'disable', '--json']);
    expect((JSON.parse(after.stdout) as Report).labels).toEqual({ healthy: 3 });
  });
});

describe('rotakit fleet on Alibaba Cloud KMS and NAVER Cloud Secret Manager', () => {
  it('Alibaba: --match and --tag list through ListSecrets, each secret checked with its own login', async () => {
    const kms = await startAlibabaKmsEmulator({ credentials: ALIBABA_KEYS });
    try {
      for (const [name, team] of [['ali-a', 'orders'], ['ali-b', 'billing'], ['other-c', 'orders']] as const) {
        const pw = scan.password(name);
        await createUser(db, `fl_${name.replace('-', '_')}`, pw);
        kms.seed({
          name,
          tags: { team },
          versions: [{ versionId: 'v1', data: JSON.stringify({ AccountName: `fl_${name.replace('-', '_')}`, AccountPassword: pw, Endpoint: db.host, Port: db.port }), stages: ['ACSCurrent'] }],
        });
      }
      const run = await cli(['fleet', 'status', '--cloud', 'alibaba', '--match', 'ali-', '--tag', 'team=orders', '--check-db', '--engine', 'mysql', '--tls', 'disable'], alibabaEnv(kms.endpoint));
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      expect(run.stdout).toMatch(/^ali-a \(alibaba\): healthy$/m);
      expect(run.stdout).toContain('fleet status: 1 secret: 1 ok, 0 findings, 0 failed');
    } finally {
      await kms.close();
    }
  });

  it('NAVER: --from ids with --cloud ncloud; --match is refused, naming it, until NAVER secrets can be listed', async () => {
    const ncloud = await startNcloudSecretManagerEmulator({ credentials: [NCLOUD_KEY] });
    try {
      const ids = [0, 1].map((n) => ncloud.seedSecret({ chain: { active: { cdbUser: `nc${n}`, cdbPassword: scan.password(`nc${n}`) } }, rotationTargets: ['cdbPassword'] }));
      const file = join(dir, 'ncloud.txt');
      writeFileSync(file, `${ids.join('\n')}\n`);
      const run = await cli(['fleet', 'status', '--cloud', 'ncloud', '--from', file, '--json'], ncloudEnv(ncloud.regionalUrl));
      expect(run.code).toBe(0);
      expect((JSON.parse(run.stdout) as Report).secrets.map((secret) => secret.secretId).sort()).toEqual([...ids].sort());
      const listed = await cli(['fleet', 'status', '--cloud', 'ncloud', '--match', 'app'], ncloudEnv(ncloud.regionalUrl));
      expect(listed.code).toBe(2);
      expect(listed.stderr).toBe('rotakit: InvalidOptions: --match and --tag cannot list --cloud ncloud secrets in this version; pass the ids with --from\n');
      // What NAVER cannot do is refused once for the fleet, before any secret runs, not once per secret.
      const recover = await cli(['fleet', 'recover', '--cloud', 'ncloud', '--from', file, '--yes'], ncloudEnv(ncloud.regionalUrl));
      expect({ code: recover.code, stdout: recover.stdout }).toEqual({ code: 2, stdout: '' });
      expect(recover.stderr).toBe('rotakit: InvalidOptions: recover is not possible on --cloud ncloud in this version: only the service opens its rotation jobs\n');
      const local = await cli(['fleet', 'rotate', '--cloud', 'ncloud', '--from', file, '--local'], ncloudEnv(ncloud.regionalUrl));
      expect(local.code).toBe(2);
      expect(local.stderr).toMatch(/^rotakit: InvalidOptions: --local is not possible on --cloud ncloud/);
    } finally {
      await ncloud.close();
    }
  });
});

describe('rotakit fleet on a terminal', () => {
  it('draws the bar on the terminal stream instead of a line per secret, then the summary', async () => {
    await secretFor('tty/a', 'fl_tty_a');
    await secretFor('tty/b', 'fl_tty_b');
    const drawn: string[] = [];
    const terminal: ProgressStream = { isTTY: true, columns: 100, write: (text: string) => drawn.push(text) > 0 };
    const stdout: string[] = [];
    const stderr: string[] = [];
    // In this process the SDK reads its credentials from the process's environment.
    const saved = { id: process.env['AWS_ACCESS_KEY_ID'], key: process.env['AWS_SECRET_ACCESS_KEY'] };
    process.env['AWS_ACCESS_KEY_ID'] = 'test';
    process.env['AWS_SECRET_ACCESS_KEY'] = 'test';
    const code = await runCli(['fleet', 'status', '--cloud', 'aws', '--match', 'tty/', '--endpoint', sm.url, '--region', 'us-east-1'], {
      env,
      progress: terminal,
      stdout: (text) => stdout.push(text),
      stderr: (text) => stderr.push(text),
    }).finally(() => {
      for (const [name, was] of [['AWS_ACCESS_KEY_ID', saved.id], ['AWS_SECRET_ACCESS_KEY', saved.key]] as const) {
        if (was === undefined) delete process.env[name];
        else process.env[name] = was;
      }
    });
    scan.record({ code, stdout: [...stdout, ...drawn].join(''), stderr: stderr.join('') });
    expect(stderr).toEqual([]);
    expect(code).toBe(0);
    expect(stdout.join('')).toMatch(/^fleet status: 2 secrets: 2 ok, 0 findings, 0 failed\n/);
    expect(stdout.join('')).not.toContain('tty/a');
    expect(drawn.join('')).toMatch(/fleet status \[[=-]{24}\] 2\/2 \| ok 2 \| findings 0 \| failed 0 \|/);
  });
});
