import type { ParseArgsConfig } from 'node:util';
import { InvalidOptionsError, TLS_MODES, type Redactor, type TlsMode } from '@rotakit/core';
import { CLOUDS, inferCloud, type CloudConnectionOptions, type CloudName, type CloudSecrets } from './cloud.js';
import type { ExitCode } from './exit-codes.js';
import type { ProgressStream } from './progress.js';
import { ENGINES, TargetPicker, type Engine } from './targets.js';

/** A mistake in the command line: exit code 2. */
export class UsageError extends Error {
  readonly code = 'Usage';
}

/** The option table of one command, as `parseArgs` takes it. */
export type Options = NonNullable<ParseArgsConfig['options']>;
/** The parsed option values of one command line. */
export type Values = Record<string, string | boolean | undefined>;

/** One `rotakit` command: its help and its run; `cli.ts` lists them all. */
export interface Command {
  readonly summary: string;
  readonly usage: string;
  readonly options: Options;
  readonly optionHelp: readonly (readonly [string, string])[];
  readonly examples: readonly string[];
  run(context: RunContext, values: Values, positionals: readonly string[]): Promise<ExitCode>;
}

/** What a command's run gets: where to print (through the run's redactor), the environment, and how to ask. */
export interface RunContext {
  readonly out: (text: string) => void;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly redactor: Redactor;
  readonly json: boolean;
  readonly confirm: ((question: string) => Promise<boolean>) | undefined;
  /** A terminal to draw progress on (stderr when it is one); undefined elsewhere, where `fleet` prints plain lines. */
  readonly progress?: ProgressStream;
}

/** The value of an option that takes one of `allowed`, or undefined when not given. */
export function oneOf<T extends string>(value: string | boolean | undefined, allowed: readonly T[], flag: string): T | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !allowed.includes(value as T)) {
    throw new InvalidOptionsError(`${flag} must be one of ${allowed.join(', ')}`, { field: flag });
  }
  return value as T;
}

/** The value of a string option, or undefined when not given. */
export function stringOption(values: Values, name: string): string | undefined {
  const value = values[name];
  return typeof value === 'string' ? value : undefined;
}

/** The cloud of a secret: `--cloud`, else the form of its id. */
export function cloudOf(values: Values, secretId: string): CloudName {
  const given = oneOf(values['cloud'], CLOUDS, '--cloud');
  const cloud = given ?? inferCloud(secretId);
  if (cloud === undefined) throw new UsageError(`--cloud is required: "${secretId}" is not an ARN that names its cloud`);
  return cloud;
}

/**
 * The cloud adapter for a secret, reached with `--region`, `--endpoint` and the environment. The
 * adapter (and its cloud's SDK) is imported here, when a command first needs that cloud.
 */
export async function secretsOf(cloud: CloudName, values: Values, env: RunContext['env'], manyCalls = false): Promise<CloudSecrets> {
  const region = stringOption(values, 'region');
  const endpoint = stringOption(values, 'endpoint');
  const connection: CloudConnectionOptions = {
    env,
    ...(manyCalls ? { manyCalls } : {}),
    ...(region === undefined ? {} : { region }),
    ...(endpoint === undefined ? {} : { endpoint }),
  };
  if (cloud === 'aws') return (await import('./clouds/aws.js')).awsSecrets(connection);
  if (cloud === 'alibaba') return (await import('./clouds/alibaba.js')).alibabaSecrets(connection);
  return (await import('./clouds/ncloud.js')).ncloudSecrets(connection);
}

/** The value of a whole-number option, or `fallback` when not given. */
export function wholeNumber(values: Values, name: string, fallback: number): number {
  const text = stringOption(values, name);
  if (text === undefined) return fallback;
  if (!/^\d+$/.test(text)) throw new InvalidOptionsError(`--${name} must be a whole number`, { field: `--${name}` });
  return Number(text);
}

/** The targets a command's logins use, from `--engine` (else the secret's own) and `--tls` (default verify). */
export function pickerOf(values: Values): TargetPicker {
  const engine = oneOf(values['engine'], ENGINES, '--engine') as Engine | undefined;
  const tls = oneOf(values['tls'], TLS_MODES, '--tls') as TlsMode | undefined;
  return new TargetPicker({ tls: tls ?? 'verify', ...(engine === undefined ? {} : { engine }) });
}
