import type { Handler, SecretsManagerRotationEvent } from 'aws-lambda';
import {
  InvalidOptionsError,
  InvalidSecretValueError,
  runStep,
  type CredentialSchema,
  type Credentials,
  type Logger,
  type PasswordOptions,
  type RotationEventListener,
  type StepResult,
  type Strategy,
  type Target,
} from '@rotakit/core';
import { AWS_ENGINES, AWS_STEPS, awsSchema } from './conventions.js';
import { rdsClient, type RdsClientOption, type SecretsManagerClientOption } from './client.js';
import { withManagedMasterEndpoints } from './rds/index.js';
import { SecretsManagerStore } from './store.js';

/** Options of `createRotationHandler`. */
export interface RotationHandlerOptions {
  /**
   * The database target; or a function that picks one from the secret's current credentials
   * (e.g. by `engine`), called once per invocation.
   */
  readonly target: Target | ((credentials: Credentials) => Target);
  readonly strategy: Strategy;
  /** How the secret's JSON maps to credentials; default AWS's convention (`awsSchema`). */
  readonly schema?: CredentialSchema;
  readonly password?: PasswordOptions;
  /** Receives redacted log lines; silent by default. */
  readonly logger?: Logger;
  /** Receives core's lifecycle events. */
  readonly onEvent?: RotationEventListener;
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

/** The handler `createRotationHandler` returns: a Lambda handler that resolves to what the step did. */
export type RotationHandler = Handler<SecretsManagerRotationEvent, StepResult> &
  ((event: SecretsManagerRotationEvent) => Promise<StepResult>);

/**
 * A Lambda handler for Secrets Manager rotation. Each invocation validates the event, maps its
 * camelCase step to core's and runs it with `runStep` against a `SecretsManagerStore` (the
 * service's gate, RotationToken passed back). Clients are built here, once per container:
 * create the handler at module scope.
 *
 * The secret must follow AWS's convention (`engine, host, port, username, password, dbname,
 * masterarn, ssl`) unless `schema` says otherwise, and name an engine the target accepts. A
 * `masterarn` that is an RDS-managed master secret (`rds!…`, only username and password) gets its
 * host, port and engine from RDS through the secret's `aws:rds:primaryDB…Arn` tag.
 */
export function createRotationHandler(options: RotationHandlerOptions): RotationHandler {
  for (const key of ['target', 'strategy'] as const) {
    if (options[key] === undefined || options[key] === null) {
      throw new InvalidOptionsError(`the ${key} option is required`, { field: key });
    }
  }
  const store = new SecretsManagerStore({
    ...(options.secretsManager === undefined ? {} : { client: options.secretsManager }),
    ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint }),
  });
  const rds = rdsClient(options.rds);
  const baseSchema = options.schema ?? awsSchema;

  return async (event: SecretsManagerRotationEvent): Promise<StepResult> => {
    const { Step, SecretId, ClientRequestToken, RotationToken } = validEvent(event);
    const invocationStore = store.withRotationToken(RotationToken);
    const target =
      typeof options.target === 'function'
        ? options.target(baseSchema.parse(await invocationStore.readCurrent(SecretId)).credentials)
        : options.target;
    const schema = engineChecked(baseSchema, options.engines ?? AWS_ENGINES[target.engine] ?? [target.engine]);
    return runStep(AWS_STEPS[Step], {
      store: withManagedMasterEndpoints(invocationStore, rds),
      target,
      strategy: options.strategy,
      schema,
      secretId: SecretId,
      token: ClientRequestToken,
      ...(options.password === undefined ? {} : { password: options.password }),
      ...(options.logger === undefined ? {} : { logger: options.logger }),
      ...(options.onEvent === undefined ? {} : { onEvent: options.onEvent }),
    });
  };
}

/** Checks the event's shape; a malformed one gets a typed error naming the member. */
function validEvent(event: unknown): SecretsManagerRotationEvent & { RotationToken?: string } {
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
  return event as SecretsManagerRotationEvent & { RotationToken?: string };
}

// candidate for core: an engine rule on CredentialSchema, for every provider whose secrets name the engine.
/**
 * `schema` with the engine rule: a secret's engine must be one of `engines`. A privileged secret
 * (parsed with an explicit `required` list) may name no engine; if it names one, the rule applies.
 */
function engineChecked(schema: CredentialSchema, engines: readonly string[]): CredentialSchema {
  const key = schema.fields.engine;
  if (key === undefined) return schema;
  return {
    ...schema,
    parse(raw, required) {
      const document = schema.parse(raw, required);
      const engine = document.credentials.engine;
      if (engine === undefined && required !== undefined) return document;
      if (engine === undefined || !engines.includes(engine)) {
        throw new InvalidSecretValueError(
          `${key} must be ${engines.length === 1 ? engines[0] : `one of ${engines.join(', ')}`} for this rotation function`,
          { field: key },
        );
      }
      return document;
    },
  };
}
