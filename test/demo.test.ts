// `pnpm demo` as a fresh clone runs it: the demo script on the built packages and examples, each
// cloud's emulator driving that cloud's deployable example against the embedded PostgreSQL. The
// demo's --report file says what it saw, with every password it knew, so this test can check that
// none of them reached the output.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../', import.meta.url));
/** What the demo loads: the packages it imports and the three deployable bundles. */
const builds = [
  ...['provider-alibaba', 'testkit'].map((name) => `packages/${name}/dist/index.js`),
  'examples/aws-lambda/dist/index.mjs',
  'examples/alibaba-fc/dist/self-managed-postgres/index.js',
  'examples/ncloud-action/dist/index.cjs',
];

interface StageRow {
  version: string;
  stages: string;
  username: string;
}
interface CloudReport {
  cloud: 'aws' | 'alibaba' | 'ncloud';
  succeeded: boolean;
  before: StageRow[];
  after: StageRow[];
  logins: { current: { ok: boolean; orders?: number }; old: { ok: boolean; code?: string } };
  passwords: { old: string; current: string };
  values: string[];
  keys: string[];
}
interface Report {
  ok: boolean;
  clouds: CloudReport[];
  adminPassword: string;
}

/** The stage names each cloud gives current and previous, and how its table names versions. */
const CLOUDS = {
  aws: { current: 'AWSCURRENT', previous: 'AWSPREVIOUS', version: /^[0-9a-f]{8}$/ },
  alibaba: { current: 'ACSCurrent', previous: 'ACSPrevious', version: /^(v-initial|rotation-[0-9a-f]{6})$/ },
  ncloud: { current: 'active', previous: 'previous', version: /^\(chain\)$/ },
} as const;

/** The password members of the three conventions. */
const PASSWORD_KEYS = ['password', 'AccountPassword', 'cdbPassword'];

let directory: string;
let output: string;
let report: Report;

beforeAll(async () => {
  // The demo is plain JavaScript on built code; `pnpm demo` and `pnpm test` build first, a lone run may not have.
  if (builds.some((file) => !existsSync(join(root, file)))) {
    await run('pnpm', ['--filter', '@rotakit/example-demo...', 'build'], { cwd: root });
  }
  directory = await mkdtemp(join(tmpdir(), 'rotakit-demo-'));
  const reportFile = join(directory, 'report.json');
  // POSTGRES_URL set to a trust-auth server must not be used: the demo starts its own.
  const { stdout, stderr } = await run(process.execPath, ['examples/demo/demo.mjs', `--report=${reportFile}`], {
    cwd: root,
    timeout: 120_000,
    env: { ...process.env, POSTGRES_URL: 'postgres://trusting@127.0.0.1:1/none' },
  });
  output = `${stdout}\n${stderr}`;
  report = JSON.parse(await readFile(reportFile, 'utf8')) as Report;
}, 240_000);

afterAll(async () => {
  if (directory) await rm(directory, { recursive: true, force: true });
});

describe('pnpm demo', () => {
  it('exits 0 after all three clouds, having created one application user per cloud', () => {
    // run() rejects on a non-zero exit; the report says the same.
    expect(report.ok).toBe(true);
    expect(report.clouds.map((cloud) => cloud.cloud)).toEqual(['aws', 'alibaba', 'ncloud']);
    expect(output).toContain('created the application users app_aws, app_alibaba, app_ncloud (one per cloud)');
    expect(output).toContain('all three clouds rotated, and every login behaved as expected');
    expect(output).toContain('demo finished: server stopped, temporary directory removed');
  });

  it('AWS: RotateSecret ran the Lambda bundle\'s four steps', () => {
    expect(output).toContain(
      "[aws] RotateSecret (official AWS SDK client) invoked examples/aws-lambda's bundle: createSecret ok, setSecret ok, testSecret ok, finishSecret ok",
    );
  });

  it('Alibaba: an execution of workflowDefinition()\'s flow ran the Function Compute bundle in its four states', () => {
    expect(output).toMatch(
      /\[alibaba\] execution rotation-[0-9a-f]{6} of workflowDefinition\(\)'s flow \(official @alicloud\/fnf-2019-03-15 client\) ran examples\/alibaba-fc's self-managed-postgres bundle: RotateSecretNew, RotateSecretSet, RotateSecretTest, RotateSecretEnd; status Succeeded/,
    );
  });

  it('NAVER: "rotate now" ran the Cloud Functions action bundle and the job completed', () => {
    expect(output).toContain('[ncloud] "rotate now" (a signed POST /api/v1/secrets/{id}/rotation) ran examples/ncloud-action\'s main: job completed');
  });

  describe.each(Object.keys(CLOUDS) as (keyof typeof CLOUDS)[])('%s', (name) => {
    const stage = CLOUDS[name];
    const cloud = (): CloudReport => report.clouds.find((entry) => entry.cloud === name) as CloudReport;
    const username = `app_${name}`;

    it('the rotation succeeded: the stage table moves current to a new version and the old one to previous, same user', () => {
      const { succeeded, before, after } = cloud();
      expect(succeeded).toBe(true);
      expect(output).toContain(`[${name}] rotation succeeded`);
      expect(before).toEqual([{ version: expect.stringMatching(stage.version), stages: stage.current, username }]);
      const old = before[0]?.version;
      expect(after).toEqual([
        { version: old, stages: stage.previous, username },
        { version: expect.stringMatching(stage.version), stages: stage.current, username },
      ]);
      if (name !== 'ncloud') expect(after[1]?.version).not.toBe(old); // NAVER keeps no version ids
      // The printed table: version, stages and username columns, nothing else.
      expect(output).toMatch(new RegExp(`│ '${after[1]?.version.replace(/[()]/g, '\\$&')}'\\s*│ '${stage.current}'\\s*│ '${username}'\\s*│\\n`));
    });

    it('the application logs in with the new current credentials, and the old password is refused (single user)', () => {
      const { logins, passwords } = cloud();
      expect(passwords.current).not.toBe(passwords.old);
      expect(logins.current).toEqual({ ok: true, orders: expect.any(Number) });
      expect(logins.old).toEqual({ ok: false, code: '28P01' });
      expect(output).toContain(`[${name}] login with the new current credentials (${username}): ok, wrote an order`);
      expect(output).toContain(`[${name}] login with the old password (${username}): refused: 28P01`);
    });

    it('no password the secret ever held, and no key the function signed with, is in the output', () => {
      const { values, passwords, keys } = cloud();
      const held = values.flatMap((value) => {
        const parsed = JSON.parse(value) as Record<string, unknown>;
        return PASSWORD_KEYS.flatMap((key) => (typeof parsed[key] === 'string' ? [parsed[key]] : []));
      });
      // The secret's values hold both passwords: the scan below covers what the logins used.
      expect(held).toEqual(expect.arrayContaining([passwords.old, passwords.current]));
      for (const secret of [...held, ...keys, report.adminPassword]) {
        expect(secret.length).toBeGreaterThanOrEqual(8);
        expect(output.includes(secret), `a secret of ${name} is in the output`).toBe(false);
      }
    });
  });

  it('prints no password member and no fingerprint of one', () => {
    expect(output).not.toMatch(/"(password|AccountPassword|cdbPassword)"\s*:/);
    expect(output).not.toMatch(/sha256:/);
  });
});
