import type { SecretsManagerRotationEvent, SecretsManagerRotationHandler } from 'aws-lambda';
import {
  checkRuntimeOptions,
  type Credentials,
  type CredentialSchema,
  InvalidOptionsError,
  InvalidSecretValueError,
  optionChecks,
  rotationOptionsOf,
  runStep,
  RUNTIME_OPTION_KEYS,
  type RuntimeOptions,
  type RuntimeTargetSource,
  type StepResult,
  type Target,
  type TargetSource,
} from '@rotakit/core';
import { rdsClient, type RdsClientOption, type SecretsManagerClientOption } from './client.js';
import { AWS_ENGINES, AWS_STEPS, awsSchema } from './conventions.js';
import { withManagedMasterEndpoints } from './rds/index.js';
import { SecretsManagerStore } from './store.js';

/** The rotation event as the handler accepts it: Secrets Manager's, with its optional `RotationToken`. */
export type RotationHandlerEvent = SecretsManagerRotationEvent & { readonly RotationToken?: string };

/** One invocation of the handler, as a target function sees it. */
export interface RotationInvocation {
  /** The event Secrets Manager sent, validated. */
  readonly event: RotationHandlerEvent;
}

/**
 * The database side of the handler: a target, or a function that picks one from the secret's
 * current credentials (e.g. by `engine`) and the invocation. Core calls the function after its own
 * read of AWSCURRENT, at most once per invocation and not at all for finishSecret.
 */
export type RotationTargetSource = RuntimeTargetSource<RotationInvocation>;

/** Options of `createRotationHandler`: core's runtime options, with a target function that also sees the invocation. */
export interface RotationHandlerOptions extends RuntimeOptions<RotationInvocation> {
  /**
   * `engine` values the secret may name. Default: those of `AWS_ENGINES[target.engine]`, or
   * exactly `target.engine` for an engine not listed there. The secret must name one.
   */
  readonly engines?: readonly string[];
  /** Secrets Manager endpoint; default the client configuration's, else `SECRETS_MANAGER_ENDPOINT`. */
  readonly endpoint?: string;
  /** A Secrets Manager client or its configuration; built once, when the handler is created. */
  readonly secretsManager?: SecretsManagerClientOption;
  /** An RDS client or its configuration, for RDS-managed master secrets; built once. */
  readonly rds?: RdsClientOption;
}

/**
 * The handler `createRotationHandler` returns: a `SecretsManagerRotationHandler` of
 * `@types/aws-lambda` (Lambda ignores what it resolves to), which, called with an event (its
 * `RotationToken` included), resolves to what the step did.
 */
export type RotationHandler = SecretsManagerRotationHandler & ((event: RotationHandlerEvent) => Promise<StepResult>);

/** Every option's name: the compiler keeps the list whole, and an unknown key is refused rather than ignored. */
const OPTION_KEYS = [
  ...RUNTIME_OPTION_KEYS,
  ...Object.keys({ engines: true, endpoint: true, secretsManager: true, rds: true } satisfies Record<
    Exclude<keyof RotationHandlerOptions, keyof RuntimeOptions>,
    true
  >),
];

const checks = optionChecks('createRotationHandler');

/**
 * A Lambda handler for Secrets Manager rotation. Each invocation validates the event, maps its
 * camelCase step to core's and runs it with `runStep` against a `SecretsManagerStore` (the
 * service's gate, RotationToken passed back). Clients are built here, once per container:
 * create the handler at module scope. Bad options throw `InvalidOptionsError` here, naming the
 * option, before any invocation.
 *
 * The secret must follow AWS's convention (`engine, host, port, username, password, dbname,
 * masterarn, ssl`) unless `schema` says otherwise, and name an engine the target accepts. A
 * `masterarn` that is an RDS-managed master secret (`rds!…`, only username and password) gets its
 * host, port and engine from RDS through the secret's `aws:rds:primaryDB…Arn` tag.
 */
export function createRotationHandler(options: RotationHandlerOptions): RotationHandler {
  checkRuntimeOptions(options);
  checks.refuseUnknownKeys(options, OPTION_KEYS);
  const engines = options.engines === undefined ? undefined : checkedEngines(options.engines);
  if (options.endpoint !== undefined) checks.nonEmptyString(options.endpoint, 'endpoint');
  const store = new SecretsManagerStore({
    ...(options.secretsManager === undefined ? {} : { client: options.secretsManager }),
    ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint }),
  });
  const rds = rdsClient(options.rds);
  const source: RotationTargetSource = options.target;
  const schema = options.schema ?? awsSchema;

  const handler = async (event: RotationHandlerEvent): Promise<StepResult> => {
    const valid = validEvent(event);
    const invocation: RotationInvocation = { event: valid };
    // The engine rule wraps the target function (bound to the invocation) and whichever schema applies, the user's or AWS's.
    const ruled = withEngineRule(schema, source, engines, invocation);
    return runStep(AWS_STEPS[valid.Step], {
      ...rotationOptionsOf(options, {
        store: withManagedMasterEndpoints(store.withRotationToken(valid.RotationToken), rds),
        schema,
        invocation,
        target: ruled.target,
      }),
      schema: ruled.schema,
      secretId: valid.SecretId,
      token: valid.ClientRequestToken,
    });
  };
  // Lambda passes (event, context, callback) and ignores the result; the handler reads only the event.
  return handler as RotationHandler;
}

/** Checks the event's shape; a malformed one gets a typed error naming the member. */
function validEvent(event: unknown): RotationHandlerEvent {
  if (typeof event !== 'object' || event === null || Array.isArray(event)) {
    throw new InvalidOptionsError('the rotation event must be an object', { field: 'event' });
  }
  const record = event as Record<string, unknown>;
  const step = record['Step'];
  if (typeof step !== 'string' || !Object.hasOwn(AWS_STEPS, step)) {
    throw new InvalidOptionsError(`event.Step must be one of ${Object.keys(AWS_STEPS).join(', ')}`, { field: 'Step' });
  }
  for (const member of ['SecretId', 'ClientRequestToken'] as const) {
    const value = record[member];
    if (typeof value !== 'string' || value.length === 0) {
      throw new InvalidOptionsError(`event.${member} must be a non-empty string`, { field: member });
    }
  }
  const rotationToken = record['RotationToken'];
  if (rotationToken !== undefined && typeof rotationToken !== 'string') {
    throw new InvalidOptionsError('event.RotationToken must be a string when present', { field: 'RotationToken' });
  }
  return event as RotationHandlerEvent;
}

function checkedEngines(engines: unknown): readonly string[] {
  if (!Array.isArray(engines) || engines.length === 0 || !engines.every((engine) => typeof engine === 'string' && engine.length > 0)) {
    throw checks.invalid('engines', 'must be a non-empty list of engine names');
  }
  return engines as readonly string[];
}

/**
 * One invocation's target and schema under AWS's engine rule: the secret's `engine` must be one the
 * target accepts (`engines`, else `AWS_ENGINES[target.engine]`, else `target.engine` itself). Only
 * AWS's secrets name their engine, so the rule is this provider's, not core's. With a target, or
 * with `engines`, the schema checks every value core reads. A target function's rule is known once
 * core has called it with the credentials the step starts from: the function given to core checks
 * those before it hands the target over, and the schema checks every value read afterwards.
 */
function withEngineRule(
  schema: CredentialSchema,
  source: RotationTargetSource,
  engines: readonly string[] | undefined,
  invocation: RotationInvocation,
): { schema: CredentialSchema; target: TargetSource } {
  const key = schema.fields.engine;
  if (typeof source !== 'function') {
    return { schema: engineChecked(schema, () => engines ?? acceptedEngines(source)), target: source };
  }
  let accepted = engines;
  const target = (credentials: Credentials): Target => {
    const picked = source(credentials, invocation);
    // Not a target: core refuses it, naming the option.
    if (typeof picked !== 'object' || picked === null) return picked;
    accepted ??= acceptedEngines(picked);
    if (key !== undefined) checkEngine(key, credentials.engine, accepted);
    return picked;
  };
  return { schema: engineChecked(schema, () => accepted), target };
}

function acceptedEngines(target: Target): readonly string[] {
  return AWS_ENGINES[target.engine] ?? [target.engine];
}

/**
 * `schema` with the engine rule, once `accepted` knows the engines. A privileged secret (parsed
 * with an explicit `required` list) may name no engine; if it names one, the rule applies.
 */
function engineChecked(schema: CredentialSchema, accepted: () => readonly string[] | undefined): CredentialSchema {
  const key = schema.fields.engine;
  if (key === undefined) return schema;
  return {
    ...schema,
    parse(raw, required) {
      const document = schema.parse(raw, required);
      const engines = accepted();
      const { engine } = document.credentials;
      if (engines !== undefined && !(engine === undefined && required !== undefined)) checkEngine(key, engine, engines);
      return document;
    },
  };
}

function checkEngine(key: string, engine: string | undefined, engines: readonly string[]): void {
  if (engine !== undefined && engines.includes(engine)) return;
  throw new InvalidSecretValueError(
    `${key} must be ${engines.length === 1 ? engines[0] : `one of ${engines.join(', ')}`} for this rotation function`,
    { field: key },
  );
}
