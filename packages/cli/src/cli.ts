import { parseArgs } from 'node:util';
import { createInterface } from 'node:readline/promises';
import { isRotakitError, Redactor } from '@rotakit/core';
import { UsageError, type Command, type Options, type Values } from './command.js';
import { doctorCommand } from './commands/doctor.js';
import { recoverCommand } from './commands/recover.js';
import { rotateCommand } from './commands/rotate.js';
import { statusCommand } from './commands/status.js';
import { fleetCommand } from './commands/fleet.js';
import { EXIT_CODES, type ExitCode } from './exit-codes.js';
import type { ProgressStream } from './progress.js';

export { EXIT_CODES, type ExitCode } from './exit-codes.js';

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
  /** Where `fleet` draws its progress bar; default `process.stderr` when it is a terminal, else none (plain lines). */
  readonly progress?: ProgressStream;
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

const COMMANDS: Readonly<Record<string, Command>> = {
  status: statusCommand,
  rotate: rotateCommand,
  recover: recoverCommand,
  doctor: doctorCommand,
  fleet: fleetCommand,
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
    const progress = io.progress ?? (process.stderr.isTTY ? process.stderr : undefined);
    return await command.run({ out, env: io.env ?? process.env, redactor, json: values['json'] === true, confirm, ...(progress === undefined ? {} : { progress }) }, values, positionals);
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

async function terminalConfirm(question: string): Promise<boolean> {
  const prompt = createInterface({ input: process.stdin, output: process.stdout });
  try {
    return /^y(es)?$/i.test((await prompt.question(`${question} [y/N] `)).trim());
  } finally {
    prompt.close();
  }
}

