import { InvalidOptionsError } from '@rotakit/core';
import { cloudOf, oneOf, pickerOf, secretsOf, stringOption, UsageError, wholeNumber, type Command, type RunContext, type Values } from '../command.js';
import type { RotationRequest } from '../cloud.js';
import { DEFAULT_FLOW_NAME, FNF_ENDPOINT_ENV } from '../clouds/alibaba-names.js';
import { EXIT_CODES, type ExitCode } from '../exit-codes.js';
import { rotateInCloud, rotateLocally, STRATEGIES, strategyOf, type RotateReport } from '../rotate.js';

/** A Lambda runs at most 15 minutes a step; most rotations end in seconds. */
const DEFAULT_WAIT_SECONDS = 900;

/** `rotakit rotate`. */
export const rotateCommand: Command = {
  summary: 'rotate a secret now, as the cloud console does, and follow it to its end',
  usage: 'rotakit rotate <secret> [options]',
  options: {
    local: { type: 'boolean' },
    strategy: { type: 'string' },
    engine: { type: 'string' },
    tls: { type: 'string' },
    wait: { type: 'string' },
    flow: { type: 'string' },
    'instance-id': { type: 'string' },
  },
  optionHelp: [
    ['--local', 'run the four steps in this process (self-hosted databases, your own scheduled job)'],
    ['--strategy single|alternating', 'with --local: the rotation strategy; default single'],
    ['--engine mysql|postgres|mssql', "with --local: the database engine, when the secret's engine or port does not say"],
    ['--tls verify|require|disable', 'with --local: TLS for logins the secret does not decide; default verify'],
    ['--wait SECONDS', `how long to follow the cloud's rotation before giving up; default ${DEFAULT_WAIT_SECONDS}`],
    ['--flow NAME', `alibaba: the Serverless Workflow flow that rotates the secret; default ${DEFAULT_FLOW_NAME} (${FNF_ENDPOINT_ENV} to reach another endpoint)`],
    ['--instance-id ID', "alibaba: the RDS instance the flow's input names (the RDS account API scenario)"],
  ],
  examples: [
    'rotakit rotate arn:aws:secretsmanager:us-east-1:123456789012:secret:app/db-AbCdEf',
    'rotakit rotate app/db --cloud aws --local --engine postgres',
    'rotakit rotate rds/orders --cloud alibaba --region cn-hangzhou --flow orders-rotation',
    'rotakit rotate rds/orders --cloud alibaba --region cn-hangzhou --local --json',
  ],
  run: runRotate,
};

async function runRotate(context: RunContext, values: Values, positionals: readonly string[]): Promise<ExitCode> {
  const [secretId, ...extra] = positionals;
  if (secretId === undefined || extra.length > 0) throw new UsageError('rotate takes exactly one secret id');
  const secrets = await secretsOf(cloudOf(values, secretId), values, context.env);
  const picker = pickerOf(values);
  const strategy = oneOf(values['strategy'], STRATEGIES, '--strategy');
  const waitMs = wholeNumber(values, 'wait', DEFAULT_WAIT_SECONDS) * 1000;
  // The cloud's own rotation function picks its target and strategy: these would be ignored.
  const localOnly = ['strategy', 'engine', 'tls'].find((name) => values[name] !== undefined);
  if (values['local'] !== true && localOnly !== undefined) {
    throw new InvalidOptionsError(`--${localOnly} applies only with --local`, { field: `--${localOnly}` });
  }
  const flow = stringOption(values, 'flow');
  const instanceId = stringOption(values, 'instance-id');
  for (const [name, field, given] of [['flow', 'flow', flow], ['instance-id', 'instanceId', instanceId]] as const) {
    if (given === undefined) continue;
    if (values['local'] === true) throw new InvalidOptionsError(`--${name} does not apply with --local`, { field: `--${name}` });
    if (!secrets.rotationRequestFields?.includes(field)) throw new InvalidOptionsError(`--${name} does not apply to --cloud ${secrets.cloud}`, { field: `--${name}` });
  }
  const request: RotationRequest = { ...(flow === undefined ? {} : { flow }), ...(instanceId === undefined ? {} : { instanceId }) };
  const onStep = (step: string): void => {
    if (!context.json) context.out(`  ${step}`);
  };
  if (!context.json) context.out(`rotating ${secretId} (${secrets.cloud}${values['local'] === true ? ', in this process' : ''})`);
  const report: RotateReport =
    values['local'] === true
      ? await rotateLocally(secrets, secretId, {
          picker,
          strategy: strategyOf(strategy),
          onStep,
        })
      : await rotateInCloud(secrets, secretId, { waitMs, onStep, request });
  if (context.json) context.out(JSON.stringify(report, null, 2));
  else context.out(report.ok ? `rotated ${secretId}` : `rotation of ${secretId} failed: ${report.reason ?? 'no reason given'}`);
  return report.ok ? EXIT_CODES.ok : EXIT_CODES.finding;
}

