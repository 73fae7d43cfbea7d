import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createConnection } from 'mysql2/promise';
import type { MariaDbServer } from '@rotakit/testkit';
import { expect } from 'vitest';

/** The built bin, as `npm install -g` would run it (pnpm -r build first). */
export const BIN = fileURLToPath(new URL('../dist/bin.js', import.meta.url));

/** What one run of the bin printed and how it exited. */
export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs `rotakit …args` as a child process with only `env` (and PATH) in its environment, so no
 * credential or endpoint of the machine running the tests leaks in.
 */
export function runBin(args: readonly string[], env: Record<string, string> = {}): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { env: { PATH: process.env['PATH'] ?? '', ...env }, encoding: 'utf8' }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
      resolve({ code, stdout, stderr });
    });
  });
}

/** The AWS SDK's own environment for the emulator: explicit test credentials, so a signature-verifying emulator accepts them. */
export function awsEnv(endpoint: string): Record<string, string> {
  return { AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test', AWS_REGION: 'us-east-1', SECRETS_MANAGER_ENDPOINT: endpoint, AWS_MAX_ATTEMPTS: '1' };
}

/** The key pair the tests' Alibaba emulators check. */
export const ALIBABA_KEYS = { accessKeyId: 'cli-test-ak', accessKeySecret: 'cli-test-sk' };

/** The environment Alibaba's tools read, pointed at the KMS emulator. */
export function alibabaEnv(kmsEndpoint: string): Record<string, string> {
  return {
    ALIBABA_CLOUD_ACCESS_KEY_ID: ALIBABA_KEYS.accessKeyId,
    ALIBABA_CLOUD_ACCESS_KEY_SECRET: ALIBABA_KEYS.accessKeySecret,
    ALIBABA_CLOUD_REGION_ID: 'cn-hangzhou',
    ALIBABA_CLOUD_KMS_ENDPOINT: `http://${kmsEndpoint}`,
  };
}

/** The key pair the tests' NAVER emulators accept. */
export const NCLOUD_KEY = { accessKey: 'cli-test-access-key', secretKey: 'cli-test-secret-key/+=' };

/** NAVER's tools' environment, pointed at the emulator's region-isolated host. */
export function ncloudEnv(regionalUrl: string): Record<string, string> {
  return { NCLOUD_ACCESS_KEY: NCLOUD_KEY.accessKey, NCLOUD_SECRET_KEY: NCLOUD_KEY.secretKey, NCLOUD_SECRET_MANAGER_ENDPOINT: regionalUrl };
}

/** Creates (or resets) a database user with a password, as an administrator would. */
export async function createUser(db: MariaDbServer, username: string, password: string): Promise<void> {
  const admin = await createConnection({ host: db.host, port: db.port, user: db.admin.username, password: db.admin.password });
  try {
    await admin.query('CREATE OR REPLACE USER ?@? IDENTIFIED BY ?', [username, '%', password]);
  } finally {
    await admin.end();
  }
}

/**
 * A test file's runs of the bin and the passwords it made, so that its `afterAll` can check that
 * no output of any run (stdout and stderr, text and JSON) holds any of them.
 */
export class OutputScan {
  readonly #runs: CliRun[] = [];
  readonly #passwords: string[] = [];

  /** Runs `rotakit …args` (see {@link runBin}) and keeps its output for the scan. */
  async run(args: readonly string[], env: Record<string, string>): Promise<CliRun> {
    const run = await runBin(args, env);
    this.#runs.push(run);
    return run;
  }

  /** Keeps output the bin did not print itself (a `runCli` call in process) for the scan. */
  record(run: CliRun): void {
    this.#runs.push(run);
  }

  /** A fresh password (see {@link password}) the scan looks for. */
  password(label: string): string {
    const value = password(label);
    this.#passwords.push(value);
    return value;
  }

  /** Fails when any output of any run holds any of the passwords. */
  expectNoSecret(): void {
    for (const run of this.#runs) {
      for (const secret of this.#passwords) {
        expect(run.stdout).not.toContain(secret);
        expect(run.stderr).not.toContain(secret);
      }
    }
  }
}

/** The verdict and the login per rotakit stage that `status … --check-db --json` reports for one secret. */
export async function stageLogins(
  scan: OutputScan,
  args: readonly string[],
  env: Record<string, string>,
): Promise<{ verdict: string; logins: Record<string, string | undefined> }> {
  const run = await scan.run(['status', ...args, '--check-db', '--tls', 'disable', '--json'], env);
  const [status] = (JSON.parse(run.stdout) as { secrets: { verdict: string; stages: { stages: string[]; login?: string }[] }[] }).secrets;
  const logins: Record<string, string | undefined> = {};
  for (const row of status!.stages) for (const stage of row.stages) logins[stage] = row.login;
  return { verdict: status!.verdict, logins };
}

/** Passwords no test hard-codes twice: each call gives a fresh one. */
export function password(label: string): string {
  return `${label}-${Math.random().toString(36).slice(2, 12)}-Pw1!`;
}
