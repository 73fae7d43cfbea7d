import { InvalidOptionsError, isRotakitError } from '@rotakit/core';
import { cloudOf, pickerOf, secretsOf, stringOption, UsageError, type Command, type RunContext, type Values } from '../command.js';
import { EXIT_CODES, type ExitCode } from '../exit-codes.js';
import { statusOf, statusText, type SecretStatus } from '../status.js';

const DEFAULT_STUCK_AFTER_MINUTES = 60;

/** `rotakit status`. */
export const statusCommand: Command = {
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
};

async function runStatus(context: RunContext, values: Values, secretIds: readonly string[]): Promise<ExitCode> {
  if (secretIds.length === 0) throw new UsageError('status needs at least one secret id');
  const picker = pickerOf(values);
  const stuckAfter = stringOption(values, 'stuck-after') ?? String(DEFAULT_STUCK_AFTER_MINUTES);
  if (!/^\d+$/.test(stuckAfter)) throw new InvalidOptionsError('--stuck-after must be a whole number of minutes', { field: '--stuck-after' });
  const checkDb = values['check-db'] === true ? picker : undefined;
  const clouds = secretIds.map((secretId) => cloudOf(values, secretId));
  const results: (SecretStatus | { secretId: string; error: { code: string; message: string } })[] = [];
  let code: ExitCode = EXIT_CODES.ok;
  for (const [index, secretId] of secretIds.entries()) {
    try {
      const status = await statusOf(await secretsOf(clouds[index]!, values, context.env), secretId, {
        ...(checkDb === undefined ? {} : { checkDb }),
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

