import { readFileSync } from 'node:fs';
import { InvalidOptionsError, TLS_MODES, type TlsMode } from '@rotakit/core';
import { cloudOf, oneOf, secretsOf, stringOption, UsageError, wholeNumber, type Command, type RunContext, type Values } from '../command.js';
import { doctorSecret, type DoctorCheck, type DoctorOptions, type DoctorReport } from '../doctor.js';
import { EXIT_CODES, type ExitCode } from '../exit-codes.js';
import { ENGINES, TargetPicker, type Engine } from '../targets.js';

const MARKS: Readonly<Record<DoctorCheck['outcome'], string>> = { pass: '✓', fail: '✗', warn: '!' };

/** `rotakit doctor`. */
export const doctorCommand: Command = {
  summary: 'a preflight that changes nothing: the secret, permissions, rotation function and (--check-db) the database',
  usage: 'rotakit doctor <secret> [options]',
  options: {
    'check-db': { type: 'boolean' },
    engine: { type: 'string' },
    tls: { type: 'string' },
    ca: { type: 'string' },
    principal: { type: 'string' },
    flow: { type: 'string' },
    'password-length': { type: 'string' },
  },
  optionHelp: [
    ['--check-db', 'from here: reachable, TLS, current login, privileged account (same server, rights); checks that do not apply are not shown'],
    ['--engine mysql|postgres|mssql', "the database engine, when the secret's engine or port does not say"],
    ['--tls verify|require|disable', 'TLS for logins the secret does not decide; default verify'],
    ['--ca FILE', 'PEM of the CA the server certificate must verify against (with --tls verify)'],
    ['--principal ARN', "AWS: the role or user whose permissions IAM simulates; default the rotation Lambda's role"],
    ['--flow NAME', 'Alibaba: the Serverless Workflow flow that rotates the secret'],
    ['--password-length N', 'the length rotations generate, checked against the engine; default 32'],
  ],
  examples: [
    'rotakit doctor arn:aws:secretsmanager:us-east-1:123456789012:secret:app/db-AbCdEf --check-db --ca rds-ca.pem',
    'rotakit doctor app/db --cloud aws --principal arn:aws:iam::123456789012:role/rotator --json',
    'rotakit doctor rds/orders --cloud alibaba --region cn-hangzhou --flow rotakit-rotation --engine mysql',
    'rotakit doctor 7Fq2mK --cloud ncloud --region KR --check-db --engine mysql',
  ],
  run: runDoctor,
};

/** The text `doctor` prints for one secret: one line per check, ✓ ✗ or !, and the hint under each ✗ and !. */
export function doctorText(report: DoctorReport): string {
  const lines = [`${report.secretId} (${report.cloud}): ${report.ok ? 'ready to rotate' : 'not ready to rotate'}`];
  for (const check of report.checks) {
    lines.push(`  ${MARKS[check.outcome]} ${check.id}: ${check.summary}`);
    if (check.hint !== undefined) lines.push(`      fix: ${check.hint}`);
  }
  return lines.join('\n');
}

/**
 * `doctor`'s options (`--engine`, `--tls`, `--ca`, `--check-db`, `--principal`, `--flow`,
 * `--password-length`) checked and read once (the `--ca` file too): what `doctor` and `fleet doctor`
 * hand {@link doctorSecret}, but the redactor, which is each secret's own.
 */
export function doctorOptionsOf(values: Values): Omit<DoctorOptions, 'redactor'> {
  const engine = oneOf(values['engine'], ENGINES, '--engine') as Engine | undefined;
  const tls = (oneOf(values['tls'], TLS_MODES, '--tls') as TlsMode | undefined) ?? 'verify';
  const caFile = stringOption(values, 'ca');
  if (caFile !== undefined && tls !== 'verify') throw new InvalidOptionsError('--ca goes with --tls verify', { field: '--ca' });
  let ca: string | undefined;
  if (caFile !== undefined) {
    try {
      ca = readFileSync(caFile, 'utf8');
    } catch {
      throw new InvalidOptionsError(`--ca ${caFile} cannot be read`, { field: '--ca' });
    }
  }
  const passwordLength = wholeNumber(values, 'password-length', 32);
  const principal = stringOption(values, 'principal');
  const flow = stringOption(values, 'flow');
  const picker = new TargetPicker({ tls, ...(engine === undefined ? {} : { engine }), ...(ca === undefined ? {} : { ca }) });
  return {
    picker,
    ...(values['check-db'] === true ? { checkDb: picker } : {}),
    passwordPolicy: { length: passwordLength },
    ...(principal === undefined ? {} : { principal }),
    ...(flow === undefined ? {} : { flow }),
  };
}

async function runDoctor(context: RunContext, values: Values, positionals: readonly string[]): Promise<ExitCode> {
  if (positionals.length !== 1) throw new UsageError('doctor needs exactly one secret id');
  const secretId = positionals[0]!;
  const options = doctorOptionsOf(values);
  const cloud = cloudOf(values, secretId);
  const report = await doctorSecret(await secretsOf(cloud, values, context.env), secretId, { ...options, redactor: context.redactor });
  context.out(context.json ? JSON.stringify({ secrets: [report] }, null, 2) : doctorText(report));
  return report.ok ? EXIT_CODES.ok : EXIT_CODES.finding;
}
