import { parseArgs, type ParseArgsConfig } from 'node:util';
import { InvalidOptionsError, isRotakitError, Redactor, TLS_MODES, type TlsMode } from '@rotakit/core';
import { CLOUDS, inferCloud, type CloudConnectionOptions, type CloudName, type CloudSecrets } from './cloud.js';
import { alibabaSecrets } from './clouds/alibaba.js';
import { awsSecrets } from './clouds/aws.js';
import { ncloudSecrets } from './clouds/ncloud.js';
import { createInterface } from 'node:readline/promises';
import { carryOut, planRecovery, type RecoveryPlan } from './recover.js';
import { rotateInCloud, rotateLocally, STRATEGIES, strategyOf, type RotateReport } from './rotate.js';
import { statusOf, statusText, type SecretStatus } from './status.js';
import { ENGINES, TargetPicker, type Engine } from './targets.js';

/** The exit codes every command uses. */
export const EXIT_CODES = {
  /** Done, and nothing found. */
  ok: 0,
  /** A finding (a stuck or broken secret) or a failure (the cloud or the database refused). */
  finding: 1,
  /** Bad usage: an unknown command or option, a missing argument, a bad value. */
  usage: 2,
} as const;

/** One of {@link EXIT_CODES}. */
export type ExitCode = (typeof EXIT_CODES)[keyof typeof EXIT_CODES];

/** Where a run writes and what environment it reads (credentials, endpoints); the process's by default. */
export interface CliIo {
  /** Receives what a command prints (each piece ends with a newline); default `process.stdout`. */
  readonly stdout?: (text: string) => void;
  /** Receives the error line (and with `--debug` the stack); default `process.stderr`. */
  readonly stderr?: (text: string) => void;
  /** Where the CLI's own variables (credentials, region, endpoints) are read; default `process.env`. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /**
   * Asks a yes/no question (`recover` without `--yes`); default: on a terminal, a prompt on
   * stdin; elsewhere undefined, and `recover` then needs `--yes`.
   */
  readonly confirm?: (question: string) => Promise<boolean>;
}

/** A mistake in the command line: exit code 2. */
class UsageError extends Error {
  readonly code = 'Usage';
}

type Options = NonNullable<ParseArgsConfig['options']>;
type Values = Record<string, string | boolean | undefined>;

interface Command {
  readonly summary: string;
  readonly usage: string;
  readonly options: Options;
  readonly optionHelp: readonly (readonly [string, string])[];
  readonly examples: readonly string[];
  run(context: RunContext, values: Values, positionals: readonly string[]): Promise<ExitCode>;
}

interface RunContext {
  readonly out: (text: string) => void;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly redactor: Redactor;
  readonly json: boolean;
  readonly confirm: ((question: string) => Promise<boolean>) | undefined;
}

const COMMON_OPTIONS: Options = {
  cloud: { type: 'string' },
  region: { type: 'string' },
  endpoint: { type: 'string' },
  json: { type: 'boolean' },
  debug: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
};

const COMMON_HELP: readonly (readonly [string, string])[] = [
  ['--cloud aws|alibaba|ncloud', 'the secret store; inferred from an AWS or Alibaba ARN, required otherwise'],
  ['--region REGION', "the cloud's region (else AWS_REGION, ALIBABA_CLOUD_REGION_ID, NCLOUD_REGION)"],
  ['--endpoint URL', 'the secret store endpoint, e.g. an emulator'],
  ['--json', 'print one JSON document instead of text'],
  ['--debug', 'print the stack of an error'],
  ['-h, --help', 'this help'],
];

const DEFAULT_STUCK_AFTER_MINUTES = 60;
/** A Lambda runs at most 15 minutes a step; most rotations end in seconds. */
const DEFAULT_WAIT_SECONDS = 900;

const COMMANDS: Readonly<Record<string, Command>> = {
  status: {
    summary: 'the stages, schedule and verdict of each secret',
    usage: 'rotakit status <secret…> [options]',
    options: {
      'check-db': { type: 'boolean' },
      engine: { type: 'string' },
      tls: { type: 'string' },
      'stuck-after': { type: 'string' },
    },
    optionHelp: [
      ['--check-db', "log in (read-only) with each stage's credentials and ping"],
      ['--engine mysql|postgres|mssql', "the database engine, when the secret's engine or port does not say"],
      ['--tls verify|require|disable', 'TLS for --check-db logins the secret does not decide; default verify'],
      ['--stuck-after MINUTES', `a pending version older than this, with no rotation reported running, is stuck; default ${DEFAULT_STUCK_AFTER_MINUTES}`],
    ],
    examples: [
      'rotakit status arn:aws:secretsmanager:us-east-1:123456789012:secret:app/db-AbCdEf',
      'rotakit status app/db --cloud aws --check-db --json',
      'rotakit status rds/orders --cloud alibaba --region cn-hangzhou --check-db',
      'rotakit status 7Fq2mK --cloud ncloud --region KR',
    ],
    run: runStatus,
  },
  rotate: {
    summary: 'rotate a secret now, as the cloud console does, and follow it to its end',
    usage: 'rotakit rotate <secret> [options]',
    options: {
      local: { type: 'boolean' },
      strategy: { type: 'string' },
      engine: { type: 'string' },
      tls: { type: 'string' },
      wait: { type: 'string' },
    },
    optionHelp: [
      ['--local', 'run the four steps in this process (self-hosted databases, your own scheduled job)'],
      ['--strategy single|alternating', 'with --local: the rotation strategy; default single'],
      ['--engine mysql|postgres|mssql', "with --local: the database engine, when the secret's engine or port does not say"],
      ['--tls verify|require|disable', 'with --local: TLS for logins the secret does not decide; default verify'],
      ['--wait SECONDS', `how long to follow the cloud's rotation before giving up; default ${DEFAULT_WAIT_SECONDS}`],
    ],
    examples: [
      'rotakit rotate arn:aws:secretsmanager:us-east-1:123456789012:secret:app/db-AbCdEf',
      'rotakit rotate app/db --cloud aws --local --engine postgres',
      'rotakit rotate rds/orders --cloud alibaba --region cn-hangzhou --local --json',
    ],
    run: runRotate,
  },
  recover: {
    summary: 'finish or withdraw a stuck or half-finished rotation, keeping a current password that logs in',
    usage: 'rotakit recover <secret> [options]',
    options: {
      'dry-run': { type: 'boolean' },
      yes: { type: 'boolean', short: 'y' },
      strategy: { type: 'string' },
      engine: { type: 'string' },
      tls: { type: 'string' },
    },
    optionHelp: [
      ['--dry-run', 'print the plan and change nothing'],
      ['-y, --yes', 'do not ask for confirmation (needed when not on a terminal)'],
      ['--strategy single|alternating', 'the rotation strategy, for finishing; default single'],
      ['--engine mysql|postgres|mssql', "the database engine, when the secret's engine or port does not say"],
      ['--tls verify|require|disable', 'TLS for logins the secret does not decide; default verify'],
    ],
    examples: [
      'rotakit recover app/db --cloud aws --dry-run',
      'rotakit recover arn:aws:secretsmanager:us-east-1:123456789012:secret:app/db-AbCdEf --yes',
      'rotakit recover rds/orders --cloud alibaba --region cn-hangzhou --engine mysql --json --yes',
    ],
    run: runRecover,
  },
};

const MAIN_HELP = `rotakit — rotate database passwords held in a cloud secret manager

Usage: rotakit <command> [options]

Commands:
${Object.entries(COMMANDS)
  .map(([name, command]) => `  ${name.padEnd(10)}${command.summary}`)
  .join('\n')}

Run rotakit <command> --help for a command's options and examples.
Exit codes: 0 ok, 1 a finding or failure, 2 bad usage.`;

function commandHelp(name: string, command: Command): string {
  const rows = [...command.optionHelp, ...COMMON_HELP];
  const width = Math.max(...rows.map(([flag]) => flag.length)) + 2;
  return [
    `rotakit ${name}: ${command.summary}`,
    '',
    `Usage: ${command.usage}`,
    '',
    'Options:',
    ...rows.map(([flag, text]) => `  ${flag.padEnd(width)}${text}`),
    '',
    'Examples:',
    ...command.examples.map((example) => `  ${example}`),
    '',
    'Exit codes: 0 ok, 1 a finding or failure, 2 bad usage.',
  ].join('\n');
}

/**
 * Runs one rotakit command line (`argv` without the node and script paths) and resolves to its
 * exit code; never throws. Everything written passes through a redactor holding every secret
 * value the run read.
 *
 * @example
 * ```ts
 * const code = await runCli(['status', 'app/db', '--cloud', 'aws', '--json']);
 * ```
 */
export async function runCli(argv: readonly string[], io: CliIo = {}): Promise<ExitCode> {
  const redactor = new Redactor();
  const write = io.stdout ?? ((text: string) => process.stdout.write(text));
  const writeError = io.stderr ?? ((text: string) => process.stderr.write(text));
  const out = (text: string): void => write(`${redactor.text(text)}\n`);
  const debug = argv.includes('--debug');
  const [name, ...rest] = argv;
  try {
    if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
      out(MAIN_HELP);
      return name === undefined ? EXIT_CODES.usage : EXIT_CODES.ok;
    }
    const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
    if (command === undefined) throw new UsageError(`unknown command "${name}"; commands: ${Object.keys(COMMANDS).join(', ')}`);
    const { values, positionals } = parse(command, rest);
    if (values['help'] === true) {
      out(commandHelp(name, command));
      return EXIT_CODES.ok;
    }
    const confirm = io.confirm ?? (process.stdin.isTTY && process.stdout.isTTY ? terminalConfirm : undefined);
    return await command.run({ out, env: io.env ?? process.env, redactor, json: values['json'] === true, confirm }, values, positionals);
  } catch (error) {
    writeError(`${redactor.text(errorLine(error, debug))}\n`);
    return error instanceof UsageError || isRotakitError(error, 'InvalidOptions') ? EXIT_CODES.usage : EXIT_CODES.finding;
  }
}

function parse(command: Command, args: readonly string[]): { values: Values; positionals: string[] } {
  try {
    const parsed = parseArgs({ args: [...args], options: { ...COMMON_OPTIONS, ...command.options }, allowPositionals: true, strict: true });
    return { values: parsed.values as Values, positionals: parsed.positionals };
  } catch (error) {
    // parseArgs's message names the option and suggests `--` for a value that starts with a dash.
    throw new UsageError((error as Error).message.split('\n')[0] ?? 'bad arguments');
  }
}

/** One line, `rotakit: <code>: message`, and the stack after it with `--debug`. */
function errorLine(error: unknown, debug: boolean): string {
  const code = error instanceof UsageError ? 'Usage' : isRotakitError(error) ? error.code : 'Unexpected';
  const message = error instanceof Error ? error.message : String(error);
  const line = `rotakit: ${code}: ${message.replace(/\s*\n\s*/g, ' ')}`;
  return debug && error instanceof Error && error.stack !== undefined ? `${line}\n${error.stack}` : line;
}

function oneOf<T extends string>(value: string | boolean | undefined, allowed: readonly T[], flag: string): T | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !allowed.includes(value as T)) {
    throw new InvalidOptionsError(`${flag} must be one of ${allowed.join(', ')}`, { field: flag });
  }
  return value as T;
}

function stringOption(values: Values, name: string): string | undefined {
  const value = values[name];
  return typeof value === 'string' ? value : undefined;
}

/** The cloud of a secret: `--cloud`, else the form of its id. */
function cloudOf(values: Values, secretId: string): CloudName {
  const given = oneOf(values['cloud'], CLOUDS, '--cloud');
  const cloud = given ?? inferCloud(secretId);
  if (cloud === undefined) throw new UsageError(`--cloud is required: "${secretId}" is not an ARN that names its cloud`);
  return cloud;
}

function secretsOf(cloud: CloudName, values: Values, env: RunContext['env']): CloudSecrets {
  const region = stringOption(values, 'region');
  const endpoint = stringOption(values, 'endpoint');
  const connection: CloudConnectionOptions = {
    env,
    ...(region === undefined ? {} : { region }),
    ...(endpoint === undefined ? {} : { endpoint }),
  };
  return cloud === 'aws' ? awsSecrets(connection) : cloud === 'alibaba' ? alibabaSecrets(connection) : ncloudSecrets(connection);
}

async function runStatus(context: RunContext, values: Values, secretIds: readonly string[]): Promise<ExitCode> {
  if (secretIds.length === 0) throw new UsageError('status needs at least one secret id');
  const engine = oneOf(values['engine'], ENGINES, '--engine') as Engine | undefined;
  const tls = oneOf(values['tls'], TLS_MODES, '--tls') as TlsMode | undefined;
  const stuckAfter = stringOption(values, 'stuck-after') ?? String(DEFAULT_STUCK_AFTER_MINUTES);
  if (!/^\d+$/.test(stuckAfter)) throw new InvalidOptionsError('--stuck-after must be a whole number of minutes', { field: '--stuck-after' });
  const picker = values['check-db'] === true ? new TargetPicker({ tls: tls ?? 'verify', ...(engine === undefined ? {} : { engine }) }) : undefined;
  const clouds = secretIds.map((secretId) => cloudOf(values, secretId));
  const results: (SecretStatus | { secretId: string; error: { code: string; message: string } })[] = [];
  let code: ExitCode = EXIT_CODES.ok;
  for (const [index, secretId] of secretIds.entries()) {
    try {
      const status = await statusOf(secretsOf(clouds[index]!, values, context.env), secretId, {
        ...(picker === undefined ? {} : { checkDb: picker }),
        stuckAfterMs: Number(stuckAfter) * 60_000,
        redactor: context.redactor,
      });
      if (status.verdict === 'stuck' || status.verdict === 'broken') code = EXIT_CODES.finding;
      results.push(status);
      if (!context.json) context.out(statusText(status));
    } catch (error) {
      // With many secrets, one that cannot be read is reported and the others still are.
      if (secretIds.length === 1 || isRotakitError(error, 'InvalidOptions')) throw error;
      code = EXIT_CODES.finding;
      const reported = { code: isRotakitError(error) ? error.code : 'Unexpected', message: error instanceof Error ? error.message : String(error) };
      results.push({ secretId, error: reported });
      if (!context.json) context.out(`${secretId}: rotakit: ${reported.code}: ${reported.message}`);
    }
  }
  if (context.json) context.out(JSON.stringify({ secrets: results }, null, 2));
  return code;
}

function wholeNumber(values: Values, name: string, fallback: number): number {
  const text = stringOption(values, name);
  if (text === undefined) return fallback;
  if (!/^\d+$/.test(text)) throw new InvalidOptionsError(`--${name} must be a whole number`, { field: `--${name}` });
  return Number(text);
}

async function runRotate(context: RunContext, values: Values, positionals: readonly string[]): Promise<ExitCode> {
  const [secretId, ...extra] = positionals;
  if (secretId === undefined || extra.length > 0) throw new UsageError('rotate takes exactly one secret id');
  const secrets = secretsOf(cloudOf(values, secretId), values, context.env);
  const engine = oneOf(values['engine'], ENGINES, '--engine') as Engine | undefined;
  const tls = oneOf(values['tls'], TLS_MODES, '--tls') as TlsMode | undefined;
  const strategy = oneOf(values['strategy'], STRATEGIES, '--strategy');
  const waitMs = wholeNumber(values, 'wait', DEFAULT_WAIT_SECONDS) * 1000;
  // The cloud's own rotation function picks its target and strategy: these would be ignored.
  const localOnly = ['strategy', 'engine', 'tls'].find((name) => values[name] !== undefined);
  if (values['local'] !== true && localOnly !== undefined) {
    throw new InvalidOptionsError(`--${localOnly} applies only with --local`, { field: `--${localOnly}` });
  }
  const onStep = (step: string): void => {
    if (!context.json) context.out(`  ${step}`);
  };
  if (!context.json) context.out(`rotating ${secretId} (${secrets.cloud}${values['local'] === true ? ', in this process' : ''})`);
  const report: RotateReport =
    values['local'] === true
      ? await rotateLocally(secrets, secretId, {
          picker: new TargetPicker({ tls: tls ?? 'verify', ...(engine === undefined ? {} : { engine }) }),
          strategy: strategyOf(strategy),
          onStep,
        })
      : await rotateInCloud(secrets, secretId, { waitMs, onStep });
  if (context.json) context.out(JSON.stringify(report, null, 2));
  else context.out(report.ok ? `rotated ${secretId}` : `rotation of ${secretId} failed: ${report.reason ?? 'no reason given'}`);
  return report.ok ? EXIT_CODES.ok : EXIT_CODES.finding;
}

async function terminalConfirm(question: string): Promise<boolean> {
  const prompt = createInterface({ input: process.stdin, output: process.stdout });
  try {
    return /^y(es)?$/i.test((await prompt.question(`${question} [y/N] `)).trim());
  } finally {
    prompt.close();
  }
}

function planText(plan: RecoveryPlan): string {
  const logins = [
    plan.current === undefined ? undefined : `current ${plan.current.version}: ${plan.current.login}`,
    plan.pending === undefined ? undefined : `pending ${plan.pending.version}: ${plan.pending.login}`,
  ].filter((line) => line !== undefined);
  return [`${plan.secretId}: ${plan.action} (${plan.reason})`, ...logins.map((line) => `  ${line}`)].join('\n');
}

async function runRecover(context: RunContext, values: Values, positionals: readonly string[]): Promise<ExitCode> {
  const [secretId, ...extra] = positionals;
  if (secretId === undefined || extra.length > 0) throw new UsageError('recover takes exactly one secret id');
  const secrets = secretsOf(cloudOf(values, secretId), values, context.env);
  const engine = oneOf(values['engine'], ENGINES, '--engine') as Engine | undefined;
  const tls = oneOf(values['tls'], TLS_MODES, '--tls') as TlsMode | undefined;
  const strategy = strategyOf(oneOf(values['strategy'], STRATEGIES, '--strategy'));
  const picker = new TargetPicker({ tls: tls ?? 'verify', ...(engine === undefined ? {} : { engine }) });
  const plan = await planRecovery(secrets, secretId, { picker, redactor: context.redactor });
  const dryRun = values['dry-run'] === true;
  const acts = plan.action === 'finish' || plan.action === 'withdraw';
  if (!context.json) context.out(planText(plan));
  if (dryRun || !acts) {
    if (context.json) context.out(JSON.stringify({ plan, done: false }, null, 2));
    return plan.action === 'refuse' ? EXIT_CODES.finding : EXIT_CODES.ok;
  }
  if (values['yes'] !== true) {
    if (context.confirm === undefined) throw new UsageError('recover changes the secret: pass --yes when not on a terminal (or --dry-run to see the plan)');
    if (!(await context.confirm(`${plan.action} the rotation of ${secretId}?`))) {
      if (!context.json) context.out('nothing changed');
      else context.out(JSON.stringify({ plan, done: false }, null, 2));
      return EXIT_CODES.finding;
    }
  }
  await carryOut(secrets, plan, { picker, strategy });
  if (context.json) context.out(JSON.stringify({ plan, done: true }, null, 2));
  else context.out(plan.action === 'finish' ? `finished: ${plan.pending?.version} is current` : `withdrawn: ${plan.pending?.version} is no longer pending`);
  return EXIT_CODES.ok;
}
