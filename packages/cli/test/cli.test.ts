import { describe, expect, it } from 'vitest';
import { inferCloud } from '@rotakit/cli';
import { runBin } from './helpers.js';

describe('rotakit, the command line (spawned)', () => {
  it('prints the commands and exits 2 when given none, 0 with --help', async () => {
    const bare = await runBin([]);
    expect(bare.code).toBe(2);
    expect(bare.stdout).toContain('Usage: rotakit <command>');
    const help = await runBin(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('status');
    expect(help.stdout).toContain('Exit codes: 0 ok, 1 a finding or failure, 2 bad usage.');
  });

  it('gives each command a --help with its options and examples', async () => {
    const run = await runBin(['status', '--help']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Usage: rotakit status <secret…>');
    expect(run.stdout).toContain('--check-db');
    expect(run.stdout).toMatch(/Examples:\n {2}rotakit status /);
  });

  it('answers bad usage with one line naming rotakit\'s code, and exit 2', async () => {
    const cases = [
      { args: ['frobnicate'], says: 'unknown command "frobnicate"' },
      { args: ['status', 'app/db', '--cloud', 'aws', '--colour'], says: "Unknown option '--colour'" },
      { args: ['status', 'app/db'], says: '--cloud is required' },
      { args: ['status', '--cloud', 'aws'], says: 'at least one secret id' },
    ];
    for (const { args, says } of cases) {
      const run = await runBin(args);
      expect(run.code, args.join(' ')).toBe(2);
      expect(run.stderr.trimEnd().split('\n'), args.join(' ')).toHaveLength(1);
      expect(run.stderr).toMatch(/^rotakit: Usage: /);
      expect(run.stderr).toContain(says);
      expect(run.stdout).toBe('');
    }
  });

  it('refuses a bad option value with InvalidOptions naming the flag, exit 2', async () => {
    for (const [flag, value] of [['--cloud', 'gcp'], ['--tls', 'maybe'], ['--engine', 'oracle'], ['--stuck-after', 'soon']] as const) {
      const run = await runBin(['status', 'app/db', '--cloud', flag === '--cloud' ? value : 'aws', flag, value]);
      expect(run.code, flag).toBe(2);
      expect(run.stderr).toMatch(new RegExp(`^rotakit: InvalidOptions: ${flag} must be`));
    }
  });

  it('refuses rotate options that only --local uses, rather than ignore them', async () => {
    const run = await runBin(['rotate', 'app/db', '--cloud', 'aws', '--strategy', 'alternating']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^rotakit: InvalidOptions: --strategy applies only with --local/);
  });

  it('reports a cloud it cannot reach in one line with the error code, and the stack only with --debug', async () => {
    // Port 9 (discard) on loopback: nothing listens, the connection is refused at once.
    const env = { AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test', AWS_REGION: 'us-east-1', AWS_MAX_ATTEMPTS: '1' };
    const arn = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:app/db-AbCdEf';
    const plain = await runBin(['status', arn, '--endpoint', 'http://127.0.0.1:9'], env);
    expect(plain.code).toBe(1);
    expect(plain.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(plain.stderr).toMatch(/^rotakit: StoreUnavailable: /);
    const debug = await runBin(['status', arn, '--endpoint', 'http://127.0.0.1:9', '--debug'], env);
    expect(debug.code).toBe(1);
    // --debug also lets the AWS SDK's Node-version warning through.
    expect(debug.stderr).toMatch(/^rotakit: StoreUnavailable: /m);
    expect(debug.stderr).toMatch(/\n\s+at /);
  });
});

describe('inferCloud', () => {
  it('knows an AWS secret ARN and an Alibaba KMS secret ARN, and nothing else', () => {
    expect(inferCloud('arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-AbCdEf')).toBe('aws');
    expect(inferCloud('arn:aws-cn:secretsmanager:cn-north-1:123456789012:secret:db-AbCdEf')).toBe('aws');
    expect(inferCloud('acs:kms:cn-hangzhou:1234567890123456:secret/rds/orders')).toBe('alibaba');
    expect(inferCloud('app/db')).toBeUndefined();
    expect(inferCloud('arn:aws:lambda:us-east-1:123456789012:function:f')).toBeUndefined();
  });
});
