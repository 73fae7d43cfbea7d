// The README's transcripts are runs of the built bin: every ```console block of packages/cli/README.md
// is a scenario of this file's SCENARIOS table, keyed by the block's first command. The scenario sets
// up the emulators and the database as the block describes them and gives the bin's environment; each
// `$ rotakit …` line of the block is run, and its output (stdout, then stderr), normalized, must equal
// the lines under it, normalized the same way. A block without a scenario, or a scenario without a
// block, fails: a transcript cannot go stale, nor can one be added without being run.
//
// Normalized (see `normalize`): ISO-8601 times become <time>; the six random characters an AWS
// secret ARN ends with become ??????; a loopback host:port becomes 127.0.0.1:<port>; a duration
// (`12ms`, `1.5s`) becomes <duration>; and a run of two or more spaces inside a line becomes two
// spaces, since column widths follow the values. Everything else is compared as printed.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  startAwsIamEmulator,
  startAwsLambdaEmulator,
  startAwsSecretsManagerEmulator,
  startMariaDb,
  startNcloudSecretManagerEmulator,
  type AwsIamEmulator,
  type AwsLambdaEmulator,
  type AwsSecretsManagerEmulator,
  type MariaDbServer,
  type NcloudSecretManagerEmulator,
} from '@rotakit/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awsEnv, createUser, NCLOUD_KEY, ncloudEnv, OutputScan } from './helpers.js';

const README = fileURLToPath(new URL('../README.md', import.meta.url));

/** One `$ rotakit …` line of a block and the output lines under it. */
interface TranscriptCommand {
  readonly args: readonly string[];
  readonly expected: string;
}

/** A ```console block: its first command (the scenario's key), its commands, and the README line it starts on. */
interface Transcript {
  readonly key: string;
  readonly line: number;
  readonly commands: readonly TranscriptCommand[];
}

/** What a scenario has to hand: the running emulators, the database, and the scan every run goes through. */
interface ScenarioContext {
  readonly db: MariaDbServer;
  readonly aws: AwsSecretsManagerEmulator;
  /** The Lambda and IAM emulators `doctor` asks about a rotation function and its role's permissions. */
  readonly lambda: AwsLambdaEmulator;
  readonly iam: AwsIamEmulator;
  readonly ncloud: NcloudSecretManagerEmulator;
  readonly scan: OutputScan;
}

/** A scenario: puts the state the block shows in place, and answers the bin's environment and each command's exit code. */
interface Scenario {
  setup(context: ScenarioContext): Promise<Record<string, string>>;
  readonly exitCodes: readonly number[];
}

/**
 * The README's transcripts, by their first command. Adding a block for another command is one
 * entry here: its set-up, and the exit code of each of its commands.
 */
const SCENARIOS: Readonly<Record<string, Scenario>> = {
  'rotakit status app/db --cloud aws --check-db --tls disable': {
    // A RotateSecret whose setSecret failed: AWSPENDING stored, never reached the database.
    async setup({ db, aws, scan }) {
      const [current, pending] = [scan.password('readme-current'), scan.password('readme-pending')];
      await createUser(db, 'app', current);
      const value = (password: string) => JSON.stringify({ engine: 'mariadb', host: db.host, port: db.port, username: 'app', password });
      aws.seedSecret({
        name: 'app/db',
        createdDate: '2026-06-01T05:00:00Z',
        versions: [
          { versionId: '0c4e8a7b-5d21-4f3e-9b6a-2f1d7c9e4a9f', secretString: value(current), stages: ['AWSCURRENT'], createdDate: '2026-12-01T05:00:00Z' },
          { versionId: '6a1d3f5e-8b7c-4e2a-a9d0-1c3b5e7f90e2', secretString: value(pending), stages: ['AWSPENDING'], createdDate: '2026-12-02T03:12:09Z' },
        ],
        rotation: { lambdaArn: aws.functionArn('rotate-app-db'), rules: { AutomaticallyAfterDays: 30 }, enabled: true, lastRotatedDate: '2026-12-01T05:00:00Z' },
      });
      return awsEnv(aws.url);
    },
    exitCodes: [1],
  },
  'rotakit status 5f0c9e2a7b3d4e61 --cloud ncloud --check-db --engine mysql --tls disable': {
    // A NAVER rotation job whose action set the database and failed in its test: pending kept, the database on it.
    async setup({ db, ncloud, scan }) {
      const [active, pending] = [scan.password('readme-nc-active'), scan.password('readme-nc-pending')];
      await createUser(db, 'orders', pending);
      const value = (password: string) => ({ cdbUser: 'orders', cdbPassword: password, cdbHost: db.host, cdbPort: String(db.port) });
      ncloud.seedSecret({ secretId: '5f0c9e2a7b3d4e61', chain: { active: value(active), pending: value(pending) }, rotationTargets: ['cdbPassword'], autoRotationYN: 'Y', autoRotationPeriod: 30, triggerId: 'rotate-orders' });
      return ncloudEnv(ncloud.regionalUrl);
    },
    exitCodes: [1],
  },
  'rotakit doctor app/orders --cloud aws --check-db --tls disable': {
    // A secret whose rotation Lambda was deployed without the resource policy that lets Secrets Manager invoke it.
    async setup({ db, aws, lambda, iam, scan }) {
      const password = scan.password('readme-doctor');
      await createUser(db, 'orders', password);
      const role = iam.createRole('rotate-orders-role');
      iam.putPolicy(role, 'rotation', {
        Statement: [{ Effect: 'Allow', Action: ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue', 'secretsmanager:PutSecretValue', 'secretsmanager:UpdateSecretVersionStage'], Resource: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:app/*' }],
      });
      lambda.addFunction('rotate-orders', () => null, { role });
      aws.seedSecret({
        name: 'app/orders',
        versions: [{ secretString: JSON.stringify({ engine: 'mariadb', host: db.host, port: db.port, username: 'orders', password }), stages: ['AWSCURRENT'] }],
        rotation: { lambdaArn: lambda.functionArn('rotate-orders'), rules: { AutomaticallyAfterDays: 30 }, enabled: true },
      });
      return { ...awsEnv(aws.url), AWS_ENDPOINT_URL_LAMBDA: lambda.url, AWS_ENDPOINT_URL_IAM: iam.url };
    },
    exitCodes: [1],
  },
  'rotakit fleet status --cloud aws --match shop/ --check-db --tls disable --concurrency 1': {
    // Five secrets of one team: two healthy, one a rotation has just started, one stuck since yesterday, one whose password the database no longer takes.
    async setup({ db, aws, scan }) {
      const value = (username: string, password: string) => JSON.stringify({ engine: 'mariadb', host: db.host, port: db.port, username, password });
      const current = async (username: string): Promise<string> => {
        const password = scan.password(`readme-${username}-current`);
        await createUser(db, `shop_${username}`, password);
        return password;
      };
      const healthy = async (name: string, username: string) =>
        aws.seedSecret({ name, createdDate: '2026-06-01T05:00:00Z', versions: [{ secretString: value(`shop_${username}`, await current(username)), stages: ['AWSCURRENT'], createdDate: '2026-11-20T05:00:00Z' }] });
      await healthy('shop/cart', 'cart');
      await healthy('shop/catalog', 'catalog');
      aws.seedSecret({
        name: 'shop/payments',
        createdDate: '2026-06-01T05:00:00Z',
        versions: [
          { versionId: '3b8e0f6c-1a2d-4c5e-8f70-9a1b2c3d4e5f', secretString: value('shop_payments', await current('payments')), stages: ['AWSCURRENT'], createdDate: '2026-11-20T05:00:00Z' },
          // Just now: within --stuck-after, so a rotation owns it.
          { versionId: 'e2c4a6b8-0d1f-4e3a-9b5c-7d9f1a3c5e70', secretString: value('shop_payments', scan.password('readme-payments-pending')), stages: ['AWSPENDING'], createdDate: new Date().toISOString() },
        ],
      });
      aws.seedSecret({
        name: 'shop/search',
        createdDate: '2026-06-01T05:00:00Z',
        versions: [
          { versionId: '9f1e2d3c-4b5a-4697-8877-665544332211', secretString: value('shop_search', await current('search')), stages: ['AWSCURRENT'], createdDate: '2026-11-20T05:00:00Z' },
          { versionId: '7c2d9e4f-6a1b-4c8d-b3e5-0f9a8b7c6d5e', secretString: value('shop_search', scan.password('readme-search-pending')), stages: ['AWSPENDING'], createdDate: '2026-12-01T03:00:00Z' },
        ],
      });
      // The database's password was changed by hand: the secret's is refused.
      await createUser(db, 'shop_legacy', scan.password('readme-legacy-database'));
      aws.seedSecret({ name: 'shop/legacy', createdDate: '2026-06-01T05:00:00Z', versions: [{ secretString: value('shop_legacy', scan.password('readme-legacy-secret')), stages: ['AWSCURRENT'], createdDate: '2026-11-20T05:00:00Z' }] });
      return awsEnv(aws.url);
    },
    exitCodes: [1],
  },
};

/** The documented normalization (see the top of this file), applied to the README's lines and to the bin's output alike. */
function normalize(text: string): string {
  return text
    .replace(/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z/g, '<time>')
    .replace(/(arn:aws[a-z-]*:secretsmanager:[^:\s]+:\d+:secret:[^\s()]+)-[A-Za-z0-9]{6}(?=[\s()]|$)/gm, '$1-??????')
    .replace(/127\.0\.0\.1:\d+/g, '127.0.0.1:<port>')
    .replace(/\b\d+(\.\d+)?(ms|s)\b/g, '<duration>')
    .split('\n')
    .map((line) => line.replace(/(\S) {2,}/g, '$1  ').trimEnd())
    .join('\n')
    .trim();
}

/** The ```console blocks of a Markdown text. */
function transcripts(markdown: string): Transcript[] {
  const found: Transcript[] = [];
  for (const match of markdown.matchAll(/^```console\n([\s\S]*?)^```$/gm)) {
    const line = markdown.slice(0, match.index).split('\n').length;
    const commands: { args: string[]; lines: string[] }[] = [];
    for (const text of (match[1] ?? '').split('\n')) {
      if (text.startsWith('$ ')) commands.push({ args: text.slice(2).trim().split(/\s+/), lines: [] });
      else commands.at(-1)?.lines.push(text);
    }
    const [first] = commands;
    if (first === undefined) throw new Error(`README.md:${line}: a console block without a $ command`);
    found.push({ key: first.args.join(' '), line, commands: commands.map(({ args, lines }) => ({ args, expected: lines.join('\n') })) });
  }
  return found;
}

const blocks = transcripts(readFileSync(README, 'utf8'));
const scan = new OutputScan();
let context: ScenarioContext;

beforeAll(async () => {
  const [db, aws, ncloud, lambda, iam] = await Promise.all([
    startMariaDb(),
    startAwsSecretsManagerEmulator(),
    startNcloudSecretManagerEmulator({ credentials: [NCLOUD_KEY] }),
    startAwsLambdaEmulator(),
    startAwsIamEmulator(),
  ]);
  context = { db, aws, ncloud, lambda, iam, scan };
});
afterAll(async () => {
  scan.expectNoSecret();
  await Promise.all([context?.aws.close(), context?.ncloud.close(), context?.lambda.close(), context?.iam.close()]);
  await context?.db.close();
});

describe('the README transcripts', () => {
  it('are one per scenario, and every scenario has its block', () => {
    expect(blocks.map((block) => block.key).sort()).toEqual(Object.keys(SCENARIOS).sort());
  });

  for (const block of blocks) {
    it(`README.md:${block.line}: $ ${block.key}`, async () => {
      const scenario = SCENARIOS[block.key];
      if (scenario === undefined) throw new Error(`no scenario for the block at README.md:${block.line}`);
      const env = await scenario.setup(context);
      expect(block.commands.map((command) => command.args[0])).toEqual(block.commands.map(() => 'rotakit'));
      const codes: number[] = [];
      for (const command of block.commands) {
        const run = await scan.run(command.args.slice(1), env);
        codes.push(run.code);
        expect(normalize(run.stdout + run.stderr)).toBe(normalize(command.expected));
      }
      expect(codes).toEqual(scenario.exitCodes);
    });
  }
});

describe('the normalization', () => {
  it('maps times, ARN suffixes, ports, durations and column padding, and nothing else', () => {
    const printed = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:app/db-Zx81Qa (aws): ok at 2026-12-02T03:12:09.000Z\n  a    b  127.0.0.1:40123 in 12ms  ';
    expect(normalize(printed)).toBe('arn:aws:secretsmanager:us-east-1:123456789012:secret:app/db-?????? (aws): ok at <time>\n  a  b  127.0.0.1:<port> in <duration>');
    expect(normalize('version 6a1d3f5e pending')).toBe('version 6a1d3f5e pending');
  });
});
