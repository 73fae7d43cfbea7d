// The packages as a user gets them: each published package packed with `pnpm pack`, the tarballs
// installed into a fresh project outside the workspace, the user files of test/packed/ compiled
// there by TypeScript 5.9 and 7 (an ES module project and a CommonJS one), and each compiled
// handler run once in a process of its own, driven by testkit's emulators as its cloud drives it,
// against a real MariaDB server with TLS. Needs `pnpm -r build` first (the tarballs carry dist/)
// and the npm registry or pnpm's cache for the fresh project's third-party dependencies.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createConnection } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  NCLOUD_EMULATOR_CREDENTIAL,
  signNcloudRequest,
  startAlibabaKmsEmulator,
  startAwsSecretsManagerEmulator,
  startMariaDb,
  startNcloudSecretManagerEmulator,
  type AlibabaKmsEmulator,
  type AwsSecretsManagerEmulator,
  type MariaDbServer,
  type NcloudSecretManagerEmulator,
} from '@rotakit/testkit';

const run = promisify(execFile);
const workspace = fileURLToPath(new URL('../', import.meta.url));
const userFiles = fileURLToPath(new URL('./packed/', import.meta.url));

/** The two compilers: the workspace's `typescript` (5.9) and its `typescript-7` alias. */
const COMPILERS = [
  { tag: 'ts5', version: /^Version 5\.9\./, tsc: join(workspace, 'node_modules/typescript/bin/tsc') },
  { tag: 'ts7', version: /^Version 7\./, tsc: join(workspace, 'node_modules/typescript-7/bin/tsc') },
] as const;
type Compiler = (typeof COMPILERS)[number];

/** What the user files import beyond rotakit, at the workspace's ranges. */
async function thirdPartyRanges(): Promise<Record<string, string>> {
  const manifest = async (path: string) =>
    JSON.parse(await readFile(join(workspace, path), 'utf8')) as { dependencies?: Record<string, string>; devDependencies?: Record<string, string> };
  const root = await manifest('package.json');
  const aws = await manifest('packages/provider-aws/package.json');
  const mysql = await manifest('packages/target-mysql/package.json');
  const pick = (from: Record<string, string> | undefined, name: string): string => {
    const range = from?.[name];
    if (range === undefined) throw new Error(`no range for ${name}`);
    return range;
  };
  return {
    '@aws-lambda-powertools/logger': pick(root.devDependencies, '@aws-lambda-powertools/logger'),
    '@types/aws-lambda': pick(aws.dependencies, '@types/aws-lambda'),
    '@types/node': pick(root.devDependencies, '@types/node'),
    // The testkit guide's examples send RotateSecret themselves and create their database user with mysql2.
    '@aws-sdk/client-secrets-manager': pick(aws.dependencies, '@aws-sdk/client-secrets-manager'),
    mysql2: pick(mysql.dependencies, 'mysql2'),
  };
}

const USED = ['@rotakit/core', '@rotakit/provider-aws', '@rotakit/provider-alibaba', '@rotakit/provider-ncloud', '@rotakit/target-mysql', '@rotakit/testkit'];

/** The testkit README's guide examples, each a test file for `node --test`, by cloud. */
async function guideExamples(): Promise<Record<string, string>> {
  const readme = await readFile(join(workspace, 'packages/testkit/README.md'), 'utf8');
  const examples = Object.fromEntries(
    [...readme.matchAll(/<!-- guide-example: (\w+) -->\n```ts\n([\s\S]*?)```/g)].map(([, cloud, code]) => [cloud ?? '', code ?? '']),
  );
  expect(Object.keys(examples)).toEqual(['aws', 'alibaba', 'ncloud']);
  return examples;
}

/**
 * Packs every package under packages/ and writes the user project beside the tarballs: its
 * package.json depends on the tarballs it imports, and its overrides send every `@rotakit/*`
 * dependency to its tarball, so nothing of rotakit comes from a registry.
 */
async function makeProject(root: string): Promise<string> {
  const tarballs = join(root, 'tarballs');
  await mkdir(tarballs);
  const packed: Record<string, string> = {};
  for (const dir of await readdir(join(workspace, 'packages'))) {
    const { stdout } = await run('pnpm', ['pack', '--json', '--pack-destination', tarballs], { cwd: join(workspace, 'packages', dir) });
    const { name, filename } = JSON.parse(stdout) as { name: string; filename: string };
    packed[name] = `file:${filename}`;
  }
  const project = join(root, 'project');
  await cp(userFiles, project, { recursive: true });
  // The guide's examples as a user copies them: ES module test files beside the handlers, compiled with them.
  for (const [cloud, code] of Object.entries(await guideExamples())) await writeFile(join(project, 'esm', `guide-${cloud}.test.ts`), code);
  const dependencies = Object.fromEntries(
    USED.map((name) => {
      const spec = packed[name];
      if (spec === undefined) throw new Error(`${name} was not packed`);
      return [name, spec];
    }),
  );
  await writeFile(
    join(project, 'package.json'),
    JSON.stringify({ name: 'rotakit-user-project', private: true, type: 'module', dependencies: { ...dependencies, ...(await thirdPartyRanges()) } }, null, 2),
  );
  const overrides = Object.entries(packed).map(([name, spec]) => `  '${name}': '${spec}'`);
  // As in the workspace: the Alibaba SDK's postinstall only matters on Node 10 and 12.
  await writeFile(join(project, 'pnpm-workspace.yaml'), ['overrides:', ...overrides, 'allowBuilds:', "  '@alicloud/openapi-core': false", ''].join('\n'));
  return project;
}

const PASSWORD = 'Initial-Pass1';
const KMS_KEY = { accessKeyId: 'LTAI5tPackedProject', accessKeySecret: 'packed-project-secret' };
const AWS_KEY = { accessKeyId: 'AKIAPACKEDPROJECT000', secretAccessKey: 'packed-project-secret' };

let root: string;
let project: string;
let db: MariaDbServer;
let caFile: string;
let aws: AwsSecretsManagerEmulator;
let kms: AlibabaKmsEmulator;
let ncloud: NcloudSecretManagerEmulator;

/** A compiled handler served by test/packed/runner.mjs in a process of its own. */
interface Runner {
  readonly url: string;
  /** Every JSON line the process printed: the runner's outcomes and the user's log lines. */
  readonly lines: Record<string, unknown>[];
  /** POSTs an event, with a context when given; the answer's status, headers and JSON. */
  invoke(event: unknown, context?: unknown): Promise<{ functionError: string | null; body: unknown }>;
  stop(): Promise<void>;
}

const runners: Runner[] = [];

async function startRunner(
  file: string,
  exportName: string,
  loader: 'import' | 'require',
  body: 'json' | 'buffer',
  env: Record<string, string>,
): Promise<Runner> {
  const child: ChildProcess = spawn(process.execPath, ['runner.mjs', file, exportName, loader, body], {
    cwd: project,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: Record<string, unknown>[] = [];
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const port = await new Promise<number>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`${file} exited with ${code} before listening: ${stderr}`)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      let parsed: unknown;
      try {
        parsed = JSON.parse(line);
      } catch {
        return; // not a JSON line: plain console output
      }
      if (typeof parsed !== 'object' || parsed === null) return;
      const record = parsed as Record<string, unknown>;
      if (typeof record['listening'] === 'number') resolve(record['listening']);
      else lines.push(record);
    });
  });
  const url = `http://127.0.0.1:${port}/`;
  const started: Runner = {
    url,
    lines,
    async invoke(event, context) {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(context === undefined ? {} : { 'x-function-context': JSON.stringify(context) }) },
        body: JSON.stringify(event),
      });
      return { functionError: response.headers.get('x-amz-function-error'), body: await response.json() };
    },
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill();
      await exited;
    },
  };
  runners.push(started);
  return started;
}

/** Whether `user` logs in to the MariaDB server with `password`, over TLS verified against its CA. */
async function logsIn(user: string, password: string): Promise<boolean> {
  try {
    const connection = await createConnection({ host: db.host, port: db.port, user, password, ssl: { ca: db.ca as string } });
    await connection.end();
    return true;
  } catch {
    return false;
  }
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'rotakit-packed-'));
  const installed = (async () => {
    project = await makeProject(root);
    // No lockfile here, so CI's frozen-lockfile default cannot apply; the store and cached metadata serve what they can.
    await run('pnpm', ['install', '--prefer-offline', '--no-frozen-lockfile', '--reporter=silent'], { cwd: project });
  })();
  const started = (async () => {
    db = await startMariaDb({ tls: true });
    caFile = join(root, 'mariadb-ca.pem');
    await writeFile(caFile, db.ca as string);
    const admin = await createConnection({ host: db.host, port: db.port, user: db.admin.username, password: db.admin.password, ssl: { ca: db.ca as string } });
    await admin.query('CREATE DATABASE IF NOT EXISTS shop');
    for (const { tag } of COMPILERS) {
      for (const user of [`fc_${tag}`, `nc_${tag}`]) {
        await admin.query(`CREATE USER '${user}'@'%' IDENTIFIED BY '${PASSWORD}'`);
        await admin.query(`GRANT SELECT, INSERT ON shop.* TO '${user}'@'%'`);
      }
    }
    await admin.end();
    [aws, kms, ncloud] = await Promise.all([
      startAwsSecretsManagerEmulator({ credentials: [AWS_KEY] }),
      startAlibabaKmsEmulator({ credentials: KMS_KEY }),
      startNcloudSecretManagerEmulator(),
    ]);
  })();
  await Promise.all([installed, started]);
}, 180_000);

afterAll(async () => {
  await Promise.all(runners.map((r) => r.stop()));
  await Promise.all([aws?.close(), kms?.close(), ncloud?.close(), db?.close()]);
  if (root) await rm(root, { recursive: true, force: true });
});

/** Compiles one tsconfig; resolves to what the compiler printed (nothing, when it passes). */
async function compile(compiler: Compiler, tsconfig: string, outDir: string): Promise<string> {
  try {
    const { stdout, stderr } = await run(process.execPath, [compiler.tsc, '-p', tsconfig, '--outDir', outDir], { cwd: project });
    return stdout + stderr;
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    return `${stdout ?? ''}${stderr ?? ''}` || String(error);
  }
}

describe.each(COMPILERS)('the packed packages in a fresh project, compiled by $tag', (compiler) => {
  const esmOut = `dist/${compiler.tag}`;
  const cjsOut = `cjs/dist/${compiler.tag}`;

  test('the compiler is the one named, and it compiles the ES module and the CommonJS project without an error', async () => {
    const { stdout } = await run(process.execPath, [compiler.tsc, '--version']);
    expect(stdout.trim()).toMatch(compiler.version);
    const [esm, cjs] = await Promise.all([compile(compiler, 'tsconfig.json', esmOut), compile(compiler, 'cjs/tsconfig.json', cjsOut)]);
    expect({ esm, cjs }).toEqual({ esm: '', cjs: '' });
    // The CommonJS project's output is CommonJS: the compiler turned its imports into require().
    expect(await readFile(join(project, cjsOut, 'aws-handler.js'), 'utf8')).toContain('require("@rotakit/provider-aws")');
  }, 120_000);

  // The AWS handler under `tls: { mode: 'verify', ca: 'aws-rds' }` can only be refused by a server
  // whose certificate no RDS authority issued, as the fixture's is: createSecret runs to its end
  // (Secrets Manager reads and the pending write, through the AWS SDK from the tarballs' dependency
  // tree), then setSecret's login is refused for the certificate, a typed rotakit error Lambda
  // reports, with the Powertools logger writing the handler's lines.
  describe.each([
    { module: 'ES module', file: `${esmOut}/aws-handler.js`, loader: 'import' as const },
    { module: 'CommonJS', file: `${cjsOut}/aws-handler.js`, loader: 'require' as const },
  ])('the AWS rotation handler as an $module', ({ module, file, loader }) => {
    test('Secrets Manager drives it: createSecret stores a pending value, setSecret is refused for the RDS authorities', async () => {
      const name = `app/aws-${compiler.tag}-${loader}`;
      const arn = aws.functionArn(`rotate-${compiler.tag}-${loader}`);
      const current = { engine: 'mariadb', host: db.host, port: db.port, username: 'app', password: PASSWORD, dbname: 'shop' };
      aws.seedSecret({ name, versions: [{ secretString: JSON.stringify(current), stages: ['AWSCURRENT'] }], rotation: { lambdaArn: arn, rules: { AutomaticallyAfterDays: 30 } } });
      const handler = await startRunner(file, 'handler', loader, 'json', {
        AWS_REGION: aws.region,
        AWS_ACCESS_KEY_ID: AWS_KEY.accessKeyId,
        AWS_SECRET_ACCESS_KEY: AWS_KEY.secretAccessKey,
        SECRETS_MANAGER_ENDPOINT: aws.url,
      });
      aws.registerRotationFunction(arn, handler.url);
      await aws.startScheduledRotation(name);
      const record = await aws.rotationSettled(name);

      expect(record, module).toMatchObject({ status: 'failed' });
      expect(record?.invocations.map(({ step, ok }) => [step, ok])).toEqual([
        ['createSecret', true],
        ['setSecret', false],
      ]);
      expect(handler.lines.filter((line) => 'outcome' in line)).toEqual([
        { outcome: 'returned', result: { step: 'create', outcome: 'done' } },
        expect.objectContaining({ outcome: 'threw', code: 'TlsRequired' }),
      ]);
      const versions = aws.state().secrets.find((secret) => secret.Name === name)?.Versions ?? [];
      const valueOf = (versionId: string | undefined) => JSON.parse(versions.find((v) => v.VersionId === versionId)?.SecretString ?? 'null') as unknown;
      expect(valueOf(versions.find((v) => v.VersionStages.includes('AWSCURRENT'))?.VersionId)).toEqual(current);
      expect(valueOf(record?.token)).toMatchObject({ ...current, password: expect.not.stringMatching(PASSWORD) });
      // The refusal changed nothing on the server, so the handler withdrew its AWSPENDING label.
      expect(versions.flatMap((v) => v.VersionStages)).toEqual(['AWSCURRENT']);
      expect(handler.lines.some((line) => line['service'] === 'db-rotation' && typeof line['message'] === 'string')).toBe(true);
    }, 60_000);
  });

  test('the Function Compute handler: the workflow\'s four steps rotate a MariaDB account pair through the MasterSecret', async () => {
    const user = `fc_${compiler.tag}`;
    const name = `db/${user}`;
    const master = `db/master-${compiler.tag}`;
    const seed = (secret: string, value: object) => kms.seed({ name: secret, versions: [{ versionId: 'v-initial', data: JSON.stringify(value), stages: ['ACSCurrent'] }] });
    seed(name, { Endpoint: db.host, Port: db.port, AccountName: user, AccountPassword: PASSWORD, DBName: 'shop', SSL: true, MasterSecret: master });
    seed(master, { AccountName: db.admin.username, AccountPassword: db.admin.password });
    const handler = await startRunner(`${esmOut}/fc-handler.js`, 'handler', 'import', 'buffer', {
      ALIBABA_CLOUD_KMS_ENDPOINT: `http://${kms.endpoint}`,
      MYSQL_CA_FILE: caFile,
    });
    const executionName = `execution-${randomUUID()}`;
    const answers = [];
    for (const step of ['new', 'set', 'test', 'end']) {
      const context = { requestId: randomUUID(), credentials: { ...KMS_KEY, securityToken: `sts-${step}` } };
      answers.push(await handler.invoke({ SecretName: name, RegionId: kms.regionId, Step: step, ExecutionName: executionName }, context));
    }
    expect(answers.map((answer) => answer.functionError)).toEqual([null, null, null, null]);
    const versionId = (answers[0]?.body as { VersionId?: unknown } | undefined)?.VersionId;
    expect(answers.map((answer) => answer.body)).toEqual(Array(4).fill({ VersionId: versionId }));
    const secret = kms.state().secrets.find((s) => s.name === name);
    const current = JSON.parse(secret?.versions.find((v) => v.stages.includes('ACSCurrent'))?.data ?? 'null') as Record<string, unknown> | null;
    expect(current).toMatchObject({ AccountName: `${user}_rt`, MasterSecret: master });
    expect(await logsIn(`${user}_rt`, current?.['AccountPassword'] as string)).toBe(true);
  }, 60_000);

  test('the Cloud Functions action: a Secret Manager rotation job changes the password of the secret\'s user', async () => {
    const user = `nc_${compiler.tag}`;
    const triggerId = `trigger-${compiler.tag}`;
    const active = { cdbHost: db.host, cdbPort: String(db.port), cdbUser: user, cdbPassword: PASSWORD, cdbDatabase: 'shop' };
    const secretId = ncloud.seedSecret({ chain: { active }, rotationTargets: ['cdbPassword'], triggerId });
    const action = await startRunner(`${esmOut}/ncloud-action.js`, 'main', 'import', 'json', {
      NCLOUD_SECRET_MANAGER_ENDPOINT: ncloud.regionalUrl,
      MYSQL_CA_FILE: caFile,
    });
    ncloud.registerAction(triggerId, action.url, { defaultParams: { ...NCLOUD_EMULATOR_CREDENTIAL } });
    // The console's "rotate now": the service opens a job and invokes the trigger's action.
    const path = `/secretmanager/api/v1/secrets/${secretId}/rotation`;
    const started = await fetch(`${ncloud.url}${path}`, {
      method: 'POST',
      headers: signNcloudRequest('POST', path, NCLOUD_EMULATOR_CREDENTIAL.accessKey, NCLOUD_EMULATOR_CREDENTIAL.secretKey),
    });
    const jobToken = ((await started.json()) as { data?: { jobToken?: string } }).data?.jobToken ?? 'none';
    const settlement = await ncloud.jobSettled(jobToken);

    expect(settlement.result).toMatchObject({ done: true, secretId, jobToken });
    expect(settlement.job.status).toBe('completed');
    const chain = ncloud.state().secrets.find((s) => s.secretId === secretId)?.chain;
    const rotated = JSON.parse(chain?.active ?? 'null') as typeof active | null;
    expect(rotated).toMatchObject({ ...active, cdbPassword: expect.not.stringMatching(PASSWORD) });
    expect(await logsIn(user, rotated?.cdbPassword ?? '')).toBe(true);
    expect(await logsIn(user, PASSWORD)).toBe(false);
  }, 60_000);
});

// The testkit guide's examples, compiled above with the handlers, run as their README says:
// `node --test`, each starting its emulators and a MariaDB server of its own.
describe.each(['aws', 'alibaba', 'ncloud'])('the testkit guide\'s %s example', (cloud) => {
  test('passes under node --test, from the packed packages', async () => {
    const file = join(project, `dist/${COMPILERS[0].tag}/guide-${cloud}.test.js`);
    // A failing run rejects with its output attached: the assertion then shows the runner's report.
    const { stdout } = await run(process.execPath, ['--test', '--test-reporter=tap', file], { cwd: project, timeout: 120_000 }).catch(
      (error: { stdout?: string; stderr?: string }) => ({ stdout: `${error.stdout ?? ''}${error.stderr ?? ''}` }),
    );
    expect(stdout).toMatch(/^# pass 1$/m);
    expect(stdout).toMatch(/^# fail 0$/m);
  }, 150_000);
});
