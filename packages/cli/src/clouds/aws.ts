import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  ListSecretVersionIdsCommand,
  paginateListSecrets,
  RotateSecretCommand,
  type Filter,
  type SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { IAMClient, SimulatePrincipalPolicyCommand } from '@aws-sdk/client-iam';
import { GetFunctionCommand, GetPolicyCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { stageOfLabel, type Stage } from '@rotakit/core';
import { AWS_STAGE_LABELS, awsError, awsSchema, SecretsManagerStore, secretsManagerClient } from '@rotakit/provider-aws';
import type {
  CloudConnectionOptions,
  CloudPreflight,
  CloudSecrets,
  DoctorCheck,
  RotationEnd,
  RotationFunctionCheck,
  RotationSchedule,
  SecretFilter,
  SecretInspection,
  SecretVersion,
} from '../cloud.js';

/** Between two looks at a rotation the service runs. */
const POLL_MS = 1000;

/** Secrets Manager through the provider's client: DescribeSecret and ListSecretVersionIds, GetSecretValue by version. */
export function awsSecrets(options: CloudConnectionOptions): CloudSecrets {
  const client = secretsManagerClient({ ...(options.region === undefined ? {} : { region: options.region }), ...retryOf(options) }, options.endpoint);
  return {
    cloud: 'aws',
    schema: awsSchema,
    list: (filter) => list(client, filter),
    inspect: (secretId) => inspect(client, secretId),
    readValue: async (secretId, version) => {
      const answer = await call(client, 'GetSecretValue', secretId, (c) =>
        c.send(new GetSecretValueCommand({ SecretId: secretId, VersionId: version.id })),
      );
      return answer.SecretString ?? '';
    },
    // Outside Lambda no RotateSecret placeholder exists: the store claims AWSPENDING itself.
    localStore: (secretId) => ({ store: new SecretsManagerStore({ client, requireStagedToken: false }), secretId }),
    requestRotation: async (secretId) => {
      const answer = await call(client, 'RotateSecret', secretId, (c) => c.send(new RotateSecretCommand({ SecretId: secretId })));
      if (answer.VersionId === undefined) throw awsError(new Error('RotateSecret answered no VersionId'), { service: 'Secrets Manager', operation: 'RotateSecret', subject: secretId });
      return answer.VersionId;
    },
    followRotation: (secretId, token, report, deadline) => follow(client, secretId, token, report, deadline),
    preflight: awsPreflight(client, options),
  };
}

/** What a rotation does in Secrets Manager: read, write pending, move stages, describe. */
export const ROTATION_ACTIONS = [
  'secretsmanager:DescribeSecret',
  'secretsmanager:GetSecretValue',
  'secretsmanager:PutSecretValue',
  'secretsmanager:UpdateSecretVersionStage',
] as const;

const SECRETS_MANAGER_PRINCIPAL = 'secretsmanager.amazonaws.com';

/**
 * The AWS checks: IAM SimulatePrincipalPolicy of {@link ROTATION_ACTIONS} on the secret for the
 * principal (`--principal`, else the rotation function's execution role), and Lambda GetFunction and
 * GetPolicy of the secret's rotation function. Endpoints: `AWS_ENDPOINT_URL_IAM`, `AWS_ENDPOINT_URL_LAMBDA`.
 */
function awsPreflight(client: SecretsManagerClient, options: CloudConnectionOptions): CloudPreflight {
  const region = options.region === undefined ? {} : { region: options.region };
  const describe = (secretId: string) =>
    call(client, 'DescribeSecret', secretId, (c) => c.send(new DescribeSecretCommand({ SecretId: secretId })));
  return {
    readCurrent: async (secretId) => {
      const answer = await call(client, 'GetSecretValue', secretId, (c) => c.send(new GetSecretValueCommand({ SecretId: secretId })));
      return answer.SecretString ?? '';
    },
    checkRotationFunction: async (secretId) => {
      const described = await describe(secretId);
      const arn = described.RotationLambdaARN;
      if (arn === undefined) {
        return { check: { id: 'rotation.function', outcome: 'fail', summary: 'the secret names no rotation function', hint: 'aws secretsmanager rotate-secret --secret-id … --rotation-lambda-arn <function ARN> (or --local rotations only)' } };
      }
      return lambdaCheck(new LambdaClient(region), arn, described.ARN ?? secretId);
    },
    checkPermissions: async (secretId, preflight) => {
      const described = await describe(secretId);
      let principal = preflight.principal;
      if (principal === undefined && described.RotationLambdaARN !== undefined) {
        principal = (await lambdaFunction(new LambdaClient(region), described.RotationLambdaARN))?.Configuration?.Role;
      }
      if (principal === undefined) {
        return { id: 'store.permissions', outcome: 'warn', summary: 'no principal to check: the secret has no rotation function', hint: 'pass --principal <role or user ARN> that rotates the secret' };
      }
      return simulate(new IAMClient(region), principal, described.ARN ?? secretId);
    },
  };
}

async function lambdaFunction(lambda: LambdaClient, arn: string) {
  try {
    return await lambda.send(new GetFunctionCommand({ FunctionName: arn }));
  } catch (error) {
    if ((error as { name?: string }).name === 'ResourceNotFoundException') return undefined;
    throw awsError(error, { service: 'Lambda', operation: 'GetFunction', subject: arn });
  }
}

async function lambdaCheck(lambda: LambdaClient, arn: string, secretArn: string): Promise<RotationFunctionCheck> {
  const found = await lambdaFunction(lambda, arn);
  if (found === undefined) {
    return { check: { id: 'rotation.function', outcome: 'fail', summary: `the rotation function ${arn} does not exist`, hint: 'deploy the rotation function, or point the secret at the one that exists (rotate-secret --rotation-lambda-arn)' } };
  }
  const role = found.Configuration?.Role;
  const account = arn.split(':')[4] ?? '';
  const addPermission = `aws lambda add-permission --function-name ${arn} --statement-id SecretsManagerAccess --action lambda:InvokeFunction --principal ${SECRETS_MANAGER_PRINCIPAL} --source-account ${account}`;
  let policy: string | undefined;
  try {
    policy = (await lambda.send(new GetPolicyCommand({ FunctionName: arn }))).Policy;
  } catch (error) {
    if ((error as { name?: string }).name !== 'ResourceNotFoundException') throw awsError(error, { service: 'Lambda', operation: 'GetPolicy', subject: arn });
  }
  const verdict = invokeVerdict(policy, secretArn, account);
  const check: DoctorCheck =
    verdict === 'allowed'
      ? { id: 'rotation.function', outcome: 'pass', summary: `${arn} exists and its resource policy lets ${SECRETS_MANAGER_PRINCIPAL} invoke it for this secret` }
      : verdict === 'unconditioned'
        ? { id: 'rotation.function', outcome: 'warn', summary: `${arn} lets ${SECRETS_MANAGER_PRINCIPAL} invoke it with no SourceAccount or SourceArn condition`, hint: `add a condition so only your secrets invoke it: ${addPermission}` }
        : { id: 'rotation.function', outcome: 'fail', summary: `${arn} exists but its resource policy does not let ${SECRETS_MANAGER_PRINCIPAL} invoke it for this secret`, hint: addPermission };
  return { check, ...(role === undefined ? {} : { principal: role }) };
}

interface PolicyStatement {
  readonly Effect?: string;
  readonly Principal?: { readonly Service?: string | readonly string[] } | string;
  readonly Action?: string | readonly string[];
  readonly Condition?: Readonly<Record<string, Readonly<Record<string, string | readonly string[]>>>>;
}

/** Whether a Lambda resource policy lets Secrets Manager invoke the function for `secretArn`. */
function invokeVerdict(policy: string | undefined, secretArn: string, account: string): 'allowed' | 'unconditioned' | 'denied' {
  let statements: PolicyStatement[] = [];
  try {
    const parsed = JSON.parse(policy ?? '{}') as { Statement?: PolicyStatement | PolicyStatement[] };
    statements = parsed.Statement === undefined ? [] : Array.isArray(parsed.Statement) ? parsed.Statement : [parsed.Statement];
  } catch {
    return 'denied';
  }
  const list = (value: string | readonly string[] | undefined): readonly string[] => (value === undefined ? [] : typeof value === 'string' ? [value] : value);
  let unconditioned = false;
  for (const statement of statements) {
    if (statement.Effect !== 'Allow') continue;
    const services = typeof statement.Principal === 'object' ? list(statement.Principal.Service) : [];
    if (!services.includes(SECRETS_MANAGER_PRINCIPAL) && statement.Principal !== '*') continue;
    if (!list(statement.Action).some((action) => /^lambda:(InvokeFunction|\*)$/i.test(action) || action === '*')) continue;
    const conditions = Object.entries(statement.Condition ?? {}).flatMap(([operator, keys]) =>
      Object.entries(keys).map(([key, values]) => ({ operator, key: key.toLowerCase(), values: list(values) })),
    );
    if (conditions.length === 0) {
      unconditioned = true;
      continue;
    }
    const holds = conditions.every(({ operator, key, values }) => {
      if (key === 'aws:sourceaccount') return values.includes(account);
      if (key === 'aws:sourcearn') return values.some((pattern) => (/like/i.test(operator) ? arnLike(pattern, secretArn) : pattern === secretArn));
      return false;
    });
    if (holds) return 'allowed';
  }
  return unconditioned ? 'unconditioned' : 'denied';
}

function arnLike(pattern: string, arn: string): boolean {
  const body = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${body}$`).test(arn);
}

async function simulate(iam: IAMClient, principal: string, secretArn: string): Promise<DoctorCheck> {
  let answer;
  try {
    answer = await iam.send(new SimulatePrincipalPolicyCommand({ PolicySourceArn: principal, ActionNames: [...ROTATION_ACTIONS], ResourceArns: [secretArn] }));
  } catch (error) {
    const name = (error as { name?: string }).name;
    if (name === 'NoSuchEntityException' || name === 'NoSuchEntity') {
      return { id: 'store.permissions', outcome: 'fail', summary: `IAM knows no principal ${principal}`, hint: 'pass --principal with the ARN of the role that rotates the secret' };
    }
    if (name === 'AccessDeniedException' || name === 'AccessDenied') {
      return { id: 'store.permissions', outcome: 'warn', summary: 'IAM refused the policy simulation to this caller', hint: 'run doctor as a principal allowed iam:SimulatePrincipalPolicy' };
    }
    throw awsError(error, { service: 'IAM', operation: 'SimulatePrincipalPolicy', subject: principal });
  }
  const refused = (answer.EvaluationResults ?? []).filter((result) => result.EvalDecision !== 'allowed');
  if (refused.length === 0) return { id: 'store.permissions', outcome: 'pass', summary: `${principal} may ${ROTATION_ACTIONS.map((action) => action.split(':')[1]).join(', ')} on the secret` };
  const missing = refused.map((result) => `${result.EvalActionName ?? '?'} (${result.EvalDecision ?? '?'})`).join(', ');
  return {
    id: 'store.permissions',
    outcome: 'fail',
    summary: `${principal} is refused ${missing} on the secret`,
    hint: `allow ${refused.map((result) => result.EvalActionName ?? '?').join(', ')} on ${secretArn} in ${principal}'s policies (and remove any Deny of them)`,
  };
}

/**
 * Watches the token's version: AWSPENDING with a value means createSecret stored it; AWSCURRENT
 * means finishSecret moved it. setSecret and testSecret leave no mark in the secret. The service
 * records no failure: a rotation that does not finish by the deadline is reported with where it stopped.
 */
async function follow(client: SecretsManagerClient, secretId: string, token: string, report: (step: string) => void, deadline: number): Promise<RotationEnd> {
  let stored = false;
  for (;;) {
    const described = await call(client, 'DescribeSecret', secretId, (c) => c.send(new DescribeSecretCommand({ SecretId: secretId })));
    const labels = described.VersionIdsToStages?.[token] ?? [];
    if (labels.includes(AWS_STAGE_LABELS.current)) {
      if (!stored) report('createSecret: the pending version was stored');
      report('finishSecret: AWSCURRENT moved to the new version');
      return { ok: true };
    }
    if (!labels.includes(AWS_STAGE_LABELS.pending)) {
      return { ok: false, reason: `version ${token} lost AWSPENDING before it became AWSCURRENT: the rotation was cancelled or replaced` };
    }
    if (!stored) {
      stored = await call(client, 'GetSecretValue', secretId, (c) =>
        c.send(new GetSecretValueCommand({ SecretId: secretId, VersionId: token })).then(() => true, (error: unknown) => {
          if ((error as { name?: string }).name === 'ResourceNotFoundException') return false;
          throw error;
        }),
      );
      if (stored) report('createSecret: the pending version was stored');
    }
    if (Date.now() >= deadline) {
      const where = stored ? 'after createSecret (setSecret or testSecret did not succeed)' : 'before createSecret stored a value';
      return {
        ok: false,
        reason: `version ${token} is still AWSPENDING, ${where}: the rotation function failed or is still retrying (see its logs); rotakit status shows the stages`,
      };
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

/**
 * The SDK's adaptive retry for many calls: standard retry on throttling (exponential backoff with
 * jitter) plus a client-side rate limiter that slows down after a throttling answer.
 * `AWS_RETRY_MODE` and `AWS_MAX_ATTEMPTS` still decide when set.
 */
function retryOf({ manyCalls, env }: CloudConnectionOptions): { retryMode?: string; maxAttempts?: number } {
  if (manyCalls !== true) return {};
  const attempts = Number(env['AWS_MAX_ATTEMPTS']);
  return { retryMode: env['AWS_RETRY_MODE'] || 'adaptive', maxAttempts: Number.isInteger(attempts) && attempts > 0 ? attempts : 5 };
}

/**
 * ListSecrets through the SDK's paginator: `name` and `tag-key`/`tag-value` filters narrow the
 * listing on the service (prefix matches, each on any tag); the tag is then matched exactly here.
 */
async function* list(client: SecretsManagerClient, filter: SecretFilter): AsyncIterable<string> {
  const filters: Filter[] = [
    ...(filter.prefix === undefined ? [] : [{ Key: 'name' as const, Values: [filter.prefix] }]),
    ...(filter.tag === undefined ? [] : [{ Key: 'tag-key' as const, Values: [filter.tag.key] }]),
    ...(filter.tag?.value === undefined ? [] : [{ Key: 'tag-value' as const, Values: [filter.tag.value] }]),
  ];
  try {
    for await (const page of paginateListSecrets({ client, pageSize: 100 }, filters.length === 0 ? {} : { Filters: filters })) {
      for (const secret of page.SecretList ?? []) {
        if (secret.ARN === undefined || secret.Name === undefined) continue;
        if (filter.prefix !== undefined && !secret.Name.startsWith(filter.prefix)) continue;
        const tag = filter.tag;
        if (tag !== undefined && !(secret.Tags ?? []).some((t) => t.Key === tag.key && (tag.value === undefined || t.Value === tag.value))) continue;
        yield secret.ARN;
      }
    }
  } catch (error) {
    throw awsError(error, { service: 'Secrets Manager', operation: 'ListSecrets', subject: filter.prefix ?? '(all secrets)' });
  }
}

async function inspect(client: SecretsManagerClient, secretId: string): Promise<SecretInspection> {
  const described = await call(client, 'DescribeSecret', secretId, (c) => c.send(new DescribeSecretCommand({ SecretId: secretId })));
  const created = new Map<string, Date>();
  for (let next: string | undefined, first = true; first || next !== undefined; first = false) {
    const page = await call(client, 'ListSecretVersionIds', secretId, (c) =>
      c.send(new ListSecretVersionIdsCommand({ SecretId: secretId, ...(next === undefined ? {} : { NextToken: next }) })),
    );
    for (const version of page.Versions ?? []) {
      if (version.VersionId !== undefined && version.CreatedDate !== undefined) created.set(version.VersionId, version.CreatedDate);
    }
    next = page.NextToken;
  }
  const versions: SecretVersion[] = Object.entries(described.VersionIdsToStages ?? {}).map(([id, labels]) => {
    const date = created.get(id);
    return { id, labels, stages: rotakitStages(labels), ...(date === undefined ? {} : { created: date }) };
  });
  const rules = described.RotationRules;
  const rule =
    rules?.ScheduleExpression ?? (rules?.AutomaticallyAfterDays === undefined ? undefined : `every ${rules.AutomaticallyAfterDays} days`);
  const schedule: RotationSchedule = {
    enabled: described.RotationEnabled === true,
    ...(rule === undefined ? {} : { rule: rules?.Duration === undefined ? rule : `${rule}, window ${rules.Duration}` }),
    ...(described.LastRotatedDate === undefined ? {} : { lastRotated: described.LastRotatedDate }),
    ...(described.NextRotationDate === undefined ? {} : { nextRotation: described.NextRotationDate }),
  };
  return { cloud: 'aws', secretId: described.ARN ?? secretId, versions: byCreation(versions), schedule };
}

function rotakitStages(labels: readonly string[]): Stage[] {
  return labels.flatMap((label) => {
    const stage = stageOfLabel(AWS_STAGE_LABELS, label);
    return stage === undefined ? [] : [stage];
  });
}

function byCreation(versions: SecretVersion[]): SecretVersion[] {
  return versions.sort((a, b) => (b.created?.getTime() ?? 0) - (a.created?.getTime() ?? 0));
}

async function call<T>(client: SecretsManagerClient, operation: string, subject: string, send: (client: SecretsManagerClient) => Promise<T>): Promise<T> {
  try {
    return await send(client);
  } catch (error) {
    throw awsError(error, { service: 'Secrets Manager', operation, subject, carriesSecret: operation === 'GetSecretValue' });
  }
}
