import { AddPermissionCommand, GetFunctionCommand } from '@aws-sdk/client-lambda';
import {
  CreateSecretCommand,
  PutSecretValueCommand,
  RotateSecretCommand,
  type RotationRulesType,
  type Tag,
} from '@aws-sdk/client-secrets-manager';
import { InvalidOptionsError, InvalidSecretValueError, optionChecks, SecretNotFoundError } from '@rotakit/core';
import { awsSchema } from '../conventions.js';
import {
  lambdaClient,
  rdsClient,
  secretsManagerClient,
  type LambdaClientOption,
  type RdsClientOption,
  type SecretsManagerClientOption,
} from '../client.js';
import { awsCall, awsError, isAwsError } from '../errors.js';
import { clusterEndpoint, describeCluster, describeInstance, instanceEndpoint } from '../rds/index.js';
import { SecretsManagerStore } from '../store.js';

const checks = optionChecks('registerDatabaseSecret');

/** How often the secret rotates: every N days, or by a `rate(…)`/`cron(…)` expression with an optional window. */
export type RotationSchedule =
  | { readonly automaticallyAfterDays: number }
  | { readonly scheduleExpression: string; readonly duration?: string };

/** The AWS clients the bootstrap functions use; each a client or its configuration. */
export interface AwsClientsOption {
  readonly secretsManager?: SecretsManagerClientOption;
  readonly rds?: RdsClientOption;
  readonly lambda?: LambdaClientOption;
}

/** Options of `registerDatabaseSecret`. */
export interface RegisterDatabaseSecretOptions {
  /** The secret's name. */
  readonly name: string;
  /** The database: an Aurora cluster or an instance, by identifier or ARN. */
  readonly database: { readonly clusterIdentifier: string } | { readonly instanceIdentifier: string };
  /** The database user; default the database's master username. */
  readonly username?: string;
  /** The user's password as it is now; the first rotation replaces it. */
  readonly password: string;
  /** `dbname`; default the database's initial database name, if it has one. */
  readonly dbname?: string;
  /** `masterarn`: the privileged secret, for alternating users. */
  readonly masterarn?: string;
  /** `ssl`: whether connections must use TLS. */
  readonly ssl?: boolean;
  /** The rotation function: a Lambda function name or ARN. */
  readonly rotationFunction: string;
  readonly schedule: RotationSchedule;
  /** Whether to rotate as soon as rotation is enabled; default true (the service's default). */
  readonly rotateImmediately?: boolean;
  /**
   * Adds the Lambda permission that lets secretsmanager.amazonaws.com invoke the function
   * (statement `SecretsManagerAccess` unless named), scoped to `sourceAccount` when given.
   * Default true; pass false when the function's policy is managed elsewhere (SAM, CDK).
   */
  readonly grantInvoke?: boolean | { readonly statementId?: string; readonly sourceAccount?: string };
  readonly description?: string;
  readonly tags?: Readonly<Record<string, string>>;
  readonly clients?: AwsClientsOption;
}

/** What `registerDatabaseSecret` found and did. */
export interface RegisteredDatabaseSecret {
  readonly arn: string;
  readonly name: string;
  readonly rotationLambdaArn: string;
  /** Whether this call created the secret (false: it existed). */
  readonly created: boolean;
  /** Whether this call stored the first value (false: it had one). */
  readonly valueStored: boolean;
  /** Whether this call enabled rotation (false: it was already enabled with this function and schedule). */
  readonly rotationEnabled: boolean;
}

/**
 * The set-up flow for a database secret, safe to re-run. Bad options (and a first value a rotation
 * would refuse) get an `InvalidOptionsError` naming the option before anything is written.
 * 1. engine, host and port from RDS DescribeDBClusters (or DescribeDBInstances);
 * 2. the rotation function's ARN from Lambda GetFunction, and (unless `grantInvoke: false`)
 *    AddPermission for Secrets Manager — an existing statement is fine;
 * 3. CreateSecret — an existing secret is kept;
 * 4. PutSecretValue with the AWS convention's JSON — only while the secret has no AWSCURRENT
 *    value, so a re-run never overwrites a rotated password;
 * 5. RotateSecret with the function and schedule — skipped when rotation is already enabled
 *    with the same function and schedule, so a re-run does not start another rotation.
 */
export async function registerDatabaseSecret(options: RegisterDatabaseSecretOptions): Promise<RegisteredDatabaseSecret> {
  checkRegisterOptions(options);
  const rules = rotationRules(options.schedule);
  const sm = secretsManagerClient(options.clients?.secretsManager);
  const store = new SecretsManagerStore({ client: sm });
  const database = await databaseOf(rdsClient(options.clients?.rds), options.database);
  const username = options.username ?? database.masterUsername;
  if (username === undefined) {
    throw new InvalidOptionsError('username is required: RDS names no master username for this database', { field: 'username' });
  }
  const dbname = options.dbname ?? database.dbname;
  const value = secretValue({
    engine: database.engine,
    host: database.host,
    port: database.port,
    username,
    password: options.password,
    ...(dbname === undefined ? {} : { dbname }),
    ...(options.masterarn === undefined ? {} : { masterarn: options.masterarn }),
    ...(options.ssl === undefined ? {} : { ssl: options.ssl }),
  });
  const rotationLambdaArn = await rotationFunctionArn(lambdaClient(options.clients?.lambda), options);

  const existing = await store.describe(options.name).catch((error: unknown) => {
    if (error instanceof SecretNotFoundError) return undefined;
    throw error;
  });
  const arn = existing?.ARN ?? (await createSecret(sm, options));
  const hasValue = Object.values(existing?.VersionIdsToStages ?? {}).some((labels) => labels.includes('AWSCURRENT'));
  if (!hasValue) {
    await awsCall({ service: 'Secrets Manager', operation: 'PutSecretValue', subject: options.name, carriesSecret: true }, () =>
      sm.send(new PutSecretValueCommand({ SecretId: arn, SecretString: value })),
    );
  }
  const configured =
    existing?.RotationEnabled === true &&
    existing.RotationLambdaARN === rotationLambdaArn &&
    sameRules(existing.RotationRules, rules);
  if (!configured) {
    await awsCall({ service: 'Secrets Manager', operation: 'RotateSecret', subject: options.name }, () =>
      sm.send(
        new RotateSecretCommand({
          SecretId: arn,
          RotationLambdaARN: rotationLambdaArn,
          RotationRules: rules,
          RotateImmediately: options.rotateImmediately ?? true,
        }),
      ),
    );
  }
  return {
    arn,
    name: options.name,
    rotationLambdaArn,
    created: existing === undefined,
    valueStored: !hasValue,
    rotationEnabled: !configured,
  };
}

interface DatabaseFacts {
  engine: string;
  host: string;
  port: number;
  masterUsername?: string;
  dbname?: string;
}

async function databaseOf(
  rds: ReturnType<typeof rdsClient>,
  database: RegisterDatabaseSecretOptions['database'],
): Promise<DatabaseFacts> {
  if (typeof database !== 'object' || database === null) {
    throw new InvalidOptionsError('database must name a clusterIdentifier or an instanceIdentifier', { field: 'database' });
  }
  if ('clusterIdentifier' in database) {
    const id = checks.nonEmptyString(database.clusterIdentifier, 'database.clusterIdentifier');
    const cluster = await describeCluster(rds, id);
    const endpoint = cluster && clusterEndpoint(cluster);
    if (!endpoint) throw new SecretNotFoundError(`RDS describes no available DB cluster ${id}`);
    return { ...endpoint, ...optional('masterUsername', cluster.MasterUsername), ...optional('dbname', cluster.DatabaseName) };
  }
  const id = checks.nonEmptyString(database.instanceIdentifier, 'database.instanceIdentifier');
  const instance = await describeInstance(rds, id);
  const endpoint = instance && instanceEndpoint(instance);
  if (!endpoint) throw new SecretNotFoundError(`RDS describes no available DB instance ${id}`);
  return { ...endpoint, ...optional('masterUsername', instance.MasterUsername), ...optional('dbname', instance.DBName) };
}

async function rotationFunctionArn(
  lambda: ReturnType<typeof lambdaClient>,
  options: RegisterDatabaseSecretOptions,
): Promise<string> {
  const context = { service: 'Lambda', subject: options.rotationFunction, field: 'rotationFunction' } as const;
  const { Configuration } = await awsCall({ ...context, operation: 'GetFunction' }, () =>
    lambda.send(new GetFunctionCommand({ FunctionName: options.rotationFunction })),
  );
  const arn = Configuration?.FunctionArn;
  if (arn === undefined) throw new SecretNotFoundError(`Lambda describes no function ${options.rotationFunction}`);
  const grant = options.grantInvoke ?? true;
  if (grant === false) return arn;
  const { statementId = 'SecretsManagerAccess', sourceAccount } = grant === true ? {} : grant;
  try {
    await lambda.send(
      new AddPermissionCommand({
        FunctionName: arn,
        StatementId: statementId,
        Action: 'lambda:InvokeFunction',
        Principal: 'secretsmanager.amazonaws.com',
        ...(sourceAccount === undefined ? {} : { SourceAccount: sourceAccount }),
      }),
    );
  } catch (error) {
    // The statement is already there: an earlier run added it.
    if (!isAwsError(error, 'ResourceConflictException')) throw awsError(error, { ...context, operation: 'AddPermission' });
  }
  return arn;
}

async function createSecret(sm: ReturnType<typeof secretsManagerClient>, options: RegisterDatabaseSecretOptions): Promise<string> {
  const tags: Tag[] = Object.entries(options.tags ?? {}).map(([Key, Value]) => ({ Key, Value }));
  try {
    const { ARN } = await sm.send(
      new CreateSecretCommand({
        Name: options.name,
        ...(options.description === undefined ? {} : { Description: options.description }),
        ...(tags.length === 0 ? {} : { Tags: tags }),
      }),
    );
    if (ARN === undefined) throw new SecretNotFoundError(`CreateSecret answered no ARN for ${options.name}`);
    return ARN;
  } catch (error) {
    // Created by a concurrent run between our DescribeSecret and CreateSecret.
    if (isAwsError(error, 'ResourceExistsException')) return (await new SecretsManagerStore({ client: sm }).describe(options.name)).ARN ?? options.name;
    throw awsError(error, { service: 'Secrets Manager', operation: 'CreateSecret', subject: options.name, field: 'name' });
  }
}

/** A rotation window: whole hours, 1h to 24h. */
const ROTATION_WINDOW = /^([1-9]|1\d|2[0-4])h$/;

function rotationRules(schedule: RotationSchedule): RotationRulesType {
  if (typeof schedule !== 'object' || schedule === null) {
    throw new InvalidOptionsError('schedule must give automaticallyAfterDays or scheduleExpression', { field: 'schedule' });
  }
  if ('automaticallyAfterDays' in schedule) {
    const days = schedule.automaticallyAfterDays;
    if (!Number.isInteger(days) || days < 1 || days > 1000) {
      throw new InvalidOptionsError('schedule.automaticallyAfterDays must be a whole number from 1 to 1000', {
        field: 'schedule.automaticallyAfterDays',
      });
    }
    return { AutomaticallyAfterDays: days };
  }
  const expression = checks.nonEmptyString(schedule.scheduleExpression, 'schedule.scheduleExpression');
  if (!/^(rate|cron)\(.+\)$/.test(expression)) {
    throw new InvalidOptionsError('schedule.scheduleExpression must be rate(…) or cron(…)', { field: 'schedule.scheduleExpression' });
  }
  if (schedule.duration !== undefined && (typeof schedule.duration !== 'string' || !ROTATION_WINDOW.test(schedule.duration))) {
    throw new InvalidOptionsError('schedule.duration must be a window of 1h to 24h', { field: 'schedule.duration' });
  }
  return { ScheduleExpression: expression, ...(schedule.duration === undefined ? {} : { Duration: schedule.duration }) };
}

/** Secrets Manager's rule for a secret's name (an existing secret may also be named by its ARN). */
const SECRET_NAME = /^[A-Za-z0-9/_+=.@-]{1,512}$/;
/** Secrets Manager's tag limits. */
const TAG_KEY_LENGTH = { min: 1, max: 128 } as const;
const TAG_VALUE_MAX_LENGTH = 256;

/**
 * Checks every option that is sent or stored as given, so that bad input is refused before the
 * first call — above all before AddPermission, CreateSecret and PutSecretValue write anything.
 */
function checkRegisterOptions(options: RegisterDatabaseSecretOptions): void {
  if (typeof options !== 'object' || options === null) {
    throw new InvalidOptionsError('the options must be an object', { field: 'options' });
  }
  const name = checks.nonEmptyString(options.name, 'name');
  if (!SECRET_NAME.test(name) && !name.startsWith('arn:')) {
    throw new InvalidOptionsError('name may have 1 to 512 letters, digits and / _ + = . @ -', { field: 'name' });
  }
  checks.nonEmptyString(options.password, 'password');
  checks.nonEmptyString(options.rotationFunction, 'rotationFunction');
  for (const field of ['ssl', 'rotateImmediately'] as const) {
    if (options[field] !== undefined && typeof options[field] !== 'boolean') {
      throw new InvalidOptionsError(`${field} must be true or false`, { field });
    }
  }
  if (options.description !== undefined && typeof options.description !== 'string') {
    throw new InvalidOptionsError('description must be a string', { field: 'description' });
  }
  checkTags(options.tags);
  checkGrantInvoke(options.grantInvoke);
}

function checkTags(tags: unknown): void {
  if (tags === undefined) return;
  const entries = typeof tags === 'object' && tags !== null && !Array.isArray(tags) ? Object.entries(tags) : undefined;
  const fits = ([key, value]: [string, unknown]): boolean =>
    key.length >= TAG_KEY_LENGTH.min &&
    key.length <= TAG_KEY_LENGTH.max &&
    typeof value === 'string' &&
    value.length <= TAG_VALUE_MAX_LENGTH;
  if (!entries?.every(fits)) {
    throw new InvalidOptionsError(
      `tags must map keys of ${TAG_KEY_LENGTH.min} to ${TAG_KEY_LENGTH.max} characters to string values of at most ${TAG_VALUE_MAX_LENGTH}`,
      { field: 'tags' },
    );
  }
}

function checkGrantInvoke(grant: unknown): void {
  if (grant === undefined || typeof grant === 'boolean') return;
  const fields = typeof grant === 'object' && grant !== null ? (grant as Record<string, unknown>) : undefined;
  const optionalString = (key: string): boolean =>
    fields?.[key] === undefined || (typeof fields[key] === 'string' && fields[key].length > 0);
  if (!fields || !optionalString('statementId') || !optionalString('sourceAccount')) {
    throw new InvalidOptionsError('grantInvoke must be true, false, or { statementId?, sourceAccount? } with non-empty strings', {
      field: 'grantInvoke',
    });
  }
}

/**
 * The secret's first value as JSON, checked with the AWS convention's own rules (non-empty
 * strings, no control characters, no NUL in the password, ssl a boolean): a value a rotation
 * would refuse is refused here, naming the option that holds it.
 */
function secretValue(value: Record<string, unknown>): string {
  const text = JSON.stringify(value);
  try {
    awsSchema.parse(text);
  } catch (error) {
    if (error instanceof InvalidSecretValueError) {
      throw new InvalidOptionsError(`the secret's first value is invalid: ${error.message}`, { field: error.field ?? 'options' });
    }
    throw error;
  }
  return text;
}

function sameRules(stored: RotationRulesType | undefined, wanted: RotationRulesType): boolean {
  return (
    stored?.AutomaticallyAfterDays === wanted.AutomaticallyAfterDays &&
    stored?.ScheduleExpression === wanted.ScheduleExpression &&
    stored?.Duration === wanted.Duration
  );
}

function optional<K extends string>(key: K, value: string | undefined): Partial<Record<K, string>> {
  return (value === undefined ? {} : { [key]: value }) as Partial<Record<K, string>>;
}
