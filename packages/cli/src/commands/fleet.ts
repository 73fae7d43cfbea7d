import { writeFile } from 'node:fs/promises';
import { InvalidOptionsError } from '@rotakit/core';
import { CLOUDS, type CloudName, type CloudSecrets } from '../cloud.js';
import { oneOf, pickerOf, secretsOf, stringOption, UsageError, wholeNumber, type Command, type RunContext, type Values } from '../command.js';
import { doctorSecret } from '../doctor.js';
import { EXIT_CODES, type ExitCode } from '../exit-codes.js';
import { FleetTally, runFleet, summaryText, tagOf, targetsFromFile, targetsListed, type FleetOperation, type FleetTarget } from '../fleet.js';
import { fleetDisplay } from '../progress.js';
import { carryOut, planRecovery } from '../recover.js';
import { rotateInCloud, rotateLocally, STRATEGIES, strategyOf } from '../rotate.js';
import { statusOf } from '../status.js';
import { doctorCommand, doctorOptionsOf } from './doctor.js';
import { recoverCommand } from './recover.js';
import { rotateCommand } from './rotate.js';
import { statusCommand } from './status.js';

const DEFAULT_CONCURRENCY = 4;
const MAX_CONCURRENCY = 256;

/**
 * One `fleet` subcommand: the options it takes (beyond the selection and `--concurrency`,
 * `--report`), checked once before any secret is touched, and the per-secret operation they make.
 * `fleet doctor` is one more entry of {@link OPERATIONS}.
 */
interface FleetSubcommand {
  readonly accepts: readonly string[];
  prepare(values: Values): FleetOperation;
  /** Refuses, before any secret runs, a cloud the operation cannot run on with these options (one check per cloud, not one failure per secret). */
  check?(secrets: CloudSecrets, values: Values): void;
}

const statusOperation: FleetSubcommand = {
  accepts: ['check-db', 'engine', 'tls', 'stuck-after'],
  prepare(values) {
    const picker = pickerOf(values);
    const stuckAfterMs = wholeNumber(values, 'stuck-after', 60) * 60_000;
    const checkDb = values['check-db'] === true ? picker : undefined;
    return async (secrets, secretId, redactor) => {
      const status = await statusOf(secrets, secretId, { ...(checkDb === undefined ? {} : { checkDb }), stuckAfterMs, redactor });
      const finding = status.verdict === 'stuck' || status.verdict === 'broken';
      return { outcome: finding ? 'finding' : 'ok', label: status.verdict, ...(finding ? { reason: status.reason } : {}), details: status };
    };
  },
};

const rotateOperation: FleetSubcommand = {
  accepts: ['local', 'strategy', 'engine', 'tls', 'wait'],
  prepare(values) {
    const local = values['local'] === true;
    const localOnly = ['strategy', 'engine', 'tls'].find((name) => values[name] !== undefined);
    if (!local && localOnly !== undefined) throw new InvalidOptionsError(`--${localOnly} applies only with --local`, { field: `--${localOnly}` });
    const picker = pickerOf(values);
    const strategy = oneOf(values['strategy'], STRATEGIES, '--strategy');
    const waitMs = wholeNumber(values, 'wait', 900) * 1000;
    const onStep = (): void => undefined;
    return async (secrets, secretId) => {
      const report = local
        ? await rotateLocally(secrets, secretId, { picker, strategy: strategyOf(strategy), onStep })
        : await rotateInCloud(secrets, secretId, { waitMs, onStep });
      if (report.ok) return { outcome: 'ok', label: 'rotated', details: report };
      const [, code, message] = /^([A-Za-z]+): ([\s\S]*)$/.exec(report.reason ?? '') ?? [];
      return {
        outcome: 'failed',
        label: 'rotation failed',
        ...(code === undefined ? { reason: report.reason ?? 'no reason given' } : { code, reason: message ?? '' }),
        details: report,
      };
    };
  },
  check(secrets, values) {
    if (values['local'] === true && secrets.localStore === undefined) {
      throw new InvalidOptionsError(`--local is not possible on --cloud ${secrets.cloud}: only the service opens its rotation jobs`, { field: '--local' });
    }
    if (values['local'] !== true && (secrets.requestRotation === undefined || secrets.followRotation === undefined)) {
      throw new InvalidOptionsError(`rotate on --cloud ${secrets.cloud} through the cloud is not in this version of the CLI; --local runs the rotation here`, { field: '--local' });
    }
  },
};

const recoverOperation: FleetSubcommand = {
  accepts: ['dry-run', 'yes', 'strategy', 'engine', 'tls'],
  prepare(values) {
    const dryRun = values['dry-run'] === true;
    // One confirmation for a whole fleet would be given before its plans are known: fleet asks none.
    if (!dryRun && values['yes'] !== true) throw new UsageError('fleet recover changes secrets: pass --yes (or --dry-run to see the plans)');
    const picker = pickerOf(values);
    const strategy = strategyOf(oneOf(values['strategy'], STRATEGIES, '--strategy'));
    return async (secrets, secretId, redactor) => {
      const plan = await planRecovery(secrets, secretId, { picker, redactor });
      const outcome = plan.action === 'refuse' ? 'finding' : 'ok';
      if (dryRun || (plan.action !== 'finish' && plan.action !== 'withdraw')) {
        return { outcome, label: plan.action, reason: plan.reason, details: { plan, done: false } };
      }
      await carryOut(secrets, plan, { picker, strategy });
      return { outcome: 'ok', label: plan.action === 'finish' ? 'finished' : 'withdrawn', reason: plan.reason, details: { plan, done: true } };
    };
  },
  check(secrets) {
    if (secrets.localStore === undefined) {
      throw new InvalidOptionsError(`recover is not possible on --cloud ${secrets.cloud} in this version: only the service opens its rotation jobs`, { field: '--cloud' });
    }
  },
};

const doctorOperation: FleetSubcommand = {
  accepts: ['check-db', 'engine', 'tls', 'ca', 'principal', 'flow', 'password-length'],
  prepare(values) {
    // Checked (and --ca read) once, before any secret is touched.
    const options = doctorOptionsOf(values);
    return async (secrets, secretId, redactor) => {
      const report = await doctorSecret(secrets, secretId, { ...options, redactor });
      const failed = report.checks.filter((check) => check.outcome === 'fail').map((check) => check.id);
      const warned = report.checks.filter((check) => check.outcome === 'warn').map((check) => check.id);
      if (failed.length > 0) return { outcome: 'finding', label: 'not ready', reason: `✗ ${failed.join(', ')}`, details: report };
      if (warned.length > 0) return { outcome: 'ok', label: 'ready with warnings', reason: `! ${warned.join(', ')}`, details: report };
      return { outcome: 'ok', label: 'ready', details: report };
    };
  },
};

/** The `fleet` subcommands, each the per-secret operation of the command of the same name. */
const OPERATIONS: Readonly<Record<string, FleetSubcommand>> = {
  status: statusOperation,
  rotate: rotateOperation,
  recover: recoverOperation,
  doctor: doctorOperation,
};

/** Every option some subcommand takes; each subcommand refuses the ones it does not. */
const SUBCOMMAND_OPTIONS = new Set(Object.values(OPERATIONS).flatMap((operation) => operation.accepts));

/** `rotakit fleet`. */
export const fleetCommand: Command = {
  summary: 'status, rotate, recover or doctor many secrets at once, picked by name prefix, tag or a file of ids',
  usage: `rotakit fleet ${Object.keys(OPERATIONS).join('|')} (--match PREFIX | --tag KEY[=VALUE] | --from FILE) [options]`,
  options: {
    match: { type: 'string' },
    tag: { type: 'string' },
    from: { type: 'string' },
    concurrency: { type: 'string' },
    report: { type: 'string' },
    // The single-secret commands' own options, so a flag means the same in both places.
    ...statusCommand.options,
    ...recoverCommand.options,
    ...doctorCommand.options,
    local: rotateCommand.options['local']!,
    wait: rotateCommand.options['wait']!,
  },
  optionHelp: [
    ['--match PREFIX', 'the secrets whose name starts with PREFIX (listed from --cloud: AWS, Alibaba)'],
    ['--tag KEY[=VALUE]', 'the secrets tagged KEY (with VALUE); with --match, both'],
    ['--from FILE', 'the secret ids in FILE, one a line (# comments, blank lines skipped)'],
    ['--concurrency N', `how many secrets at once; default ${DEFAULT_CONCURRENCY}`],
    ['--report FILE', 'also write the JSON report (every secret, its outcome and details) to FILE'],
    ['--check-db, --stuck-after MINUTES', 'status: as for rotakit status'],
    ['--local, --wait SECONDS', 'rotate: as for rotakit rotate'],
    ['--dry-run, -y/--yes', 'recover: print the plans, or carry them out (one of the two is needed)'],
    ['--strategy, --engine, --tls', 'rotate --local and recover: as for rotakit rotate --local'],
    ['--check-db, --engine, --tls, --ca FILE', 'doctor: as for rotakit doctor'],
    ['--principal ARN, --flow NAME, --password-length N', 'doctor: as for rotakit doctor'],
  ],
  examples: [
    'rotakit fleet status --cloud aws --match prod/ --check-db --concurrency 8',
    'rotakit fleet rotate --cloud aws --tag team=orders --local --engine mysql --report rotated.json',
    'rotakit fleet recover --from stuck.txt --cloud alibaba --dry-run --json',
    'rotakit fleet doctor --cloud aws --match prod/ --check-db --ca rds-ca.pem --report doctor.json',
  ],
  run: runFleetCommand,
};

async function runFleetCommand(context: RunContext, values: Values, positionals: readonly string[]): Promise<ExitCode> {
  const [name, ...extra] = positionals;
  const subcommand = name !== undefined && Object.hasOwn(OPERATIONS, name) ? OPERATIONS[name] : undefined;
  if (subcommand === undefined || extra.length > 0) {
    throw new UsageError(`fleet takes one subcommand, ${Object.keys(OPERATIONS).join(', ')}${name === undefined || subcommand !== undefined ? '' : `, not "${name}"`}${extra.length > 0 ? `; secret ids go in --from FILE` : ''}`);
  }
  for (const option of SUBCOMMAND_OPTIONS) {
    if (values[option] !== undefined && !subcommand.accepts.includes(option)) throw new InvalidOptionsError(`--${option} does not apply to fleet ${name}`, { field: `--${option}` });
  }
  const concurrency = wholeNumber(values, 'concurrency', DEFAULT_CONCURRENCY);
  if (concurrency < 1 || concurrency > MAX_CONCURRENCY) throw new InvalidOptionsError(`--concurrency must be 1 to ${MAX_CONCURRENCY}`, { field: '--concurrency' });
  const operation = subcommand.prepare(values);
  const report = stringOption(values, 'report');
  const secretsOfCloud = cloudClients(values, context.env);
  const targets = await selected(values, secretsOfCloud);
  for (const cloud of new Set(targets.map((target) => target.cloud))) subcommand.check?.(await secretsOfCloud(cloud), values);

  const tally = new FleetTally(name!, context.json || report !== undefined);
  const display = fleetDisplay({ title: `fleet ${name}`, ...(context.progress === undefined ? {} : { stream: context.progress }), line: context.out, quiet: context.json });
  display.start(targets.length);
  try {
    await runFleet(targets, {
      concurrency,
      secretsOf: secretsOfCloud,
      operation,
      onResult: (result) => {
        tally.add(result);
        display.result(result, tally.outcomes);
      },
    });
  } finally {
    display.stop();
  }
  const summary = tally.summary();
  const json = JSON.stringify(summary, null, 2);
  if (report !== undefined) await writeFile(report, `${context.redactor.text(json)}\n`);
  context.out(context.json ? json : targets.length === 0 ? `fleet ${name}: no secret selected` : summaryText(summary));
  return summary.outcomes.ok === summary.total && summary.total > 0 ? EXIT_CODES.ok : EXIT_CODES.finding;
}

/** One adapter (one SDK client) per cloud for the whole run, imported and built on first use. */
function cloudClients(values: Values, env: RunContext['env']): (cloud: CloudName) => Promise<CloudSecrets> {
  const built = new Map<CloudName, Promise<CloudSecrets>>();
  return (cloud) => {
    let secrets = built.get(cloud);
    if (secrets === undefined) {
      secrets = secretsOf(cloud, values, env, true);
      built.set(cloud, secrets);
    }
    return secrets;
  };
}

/** The secrets `--from`, or `--match` and `--tag`, select. */
async function selected(values: Values, secretsOfCloud: (cloud: CloudName) => Promise<CloudSecrets>): Promise<FleetTarget[]> {
  const match = stringOption(values, 'match');
  const tag = stringOption(values, 'tag');
  const from = stringOption(values, 'from');
  const cloud = oneOf(values['cloud'], CLOUDS, '--cloud');
  if (from !== undefined) {
    if (match !== undefined || tag !== undefined) throw new UsageError('--from takes the ids it lists: not with --match or --tag');
    const targets = await targetsFromFile(from, cloud);
    // Credentials and endpoints are checked for every cloud before the first secret is touched.
    for (const cloud of new Set(targets.map((target) => target.cloud))) await secretsOfCloud(cloud);
    return targets;
  }
  if (match === undefined && tag === undefined) throw new UsageError('fleet needs --match PREFIX, --tag KEY[=VALUE] or --from FILE');
  if (cloud === undefined) throw new UsageError('--match and --tag list one cloud: pass --cloud');
  return targetsListed(await secretsOfCloud(cloud), { ...(match === undefined ? {} : { prefix: match }), ...(tag === undefined ? {} : { tag: tagOf(tag) }) });
}
