import { cloudOf, oneOf, pickerOf, secretsOf, UsageError, type Command, type RunContext, type Values } from '../command.js';
import { EXIT_CODES, type ExitCode } from '../exit-codes.js';
import { carryOut, checkAfterRecovery, planRecovery, type RecoveryPlan } from '../recover.js';
import { STRATEGIES, strategyOf } from '../rotate.js';

/** `rotakit recover`. */
export const recoverCommand: Command = {
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
    'rotakit recover 7Fq2mK --cloud ncloud --region KR --engine mysql --dry-run',
  ],
  run: runRecover,
};

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
  const secrets = await secretsOf(cloudOf(values, secretId), values, context.env);
  const picker = pickerOf(values);
  const strategy = strategyOf(oneOf(values['strategy'], STRATEGIES, '--strategy'));
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
  // The proof: read the secret again and log in with what is current now.
  const after = await checkAfterRecovery(secrets, secretId, { picker, redactor: context.redactor });
  const works = after.current?.login === 'accepted' && !after.pending;
  if (context.json) context.out(JSON.stringify({ plan, done: true, after }, null, 2));
  else {
    context.out(plan.action === 'finish' ? `finished: ${plan.pending?.version} is current` : `withdrawn: ${plan.pending?.version} is no longer pending`);
    context.out(`  after: current ${after.current?.version ?? '(none)'}: ${after.current?.login ?? 'missing'}${after.pending ? '; a version is still pending' : ''}`);
  }
  return works ? EXIT_CODES.ok : EXIT_CODES.finding;
}
