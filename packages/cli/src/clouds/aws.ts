import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  ListSecretVersionIdsCommand,
  paginateListSecrets,
  RotateSecretCommand,
  type Filter,
  type SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { stageOfLabel, type Stage } from '@rotakit/core';
import { AWS_STAGE_LABELS, awsError, awsSchema, SecretsManagerStore, secretsManagerClient } from '@rotakit/provider-aws';
import type { CloudConnectionOptions, CloudSecrets, RotationEnd, RotationSchedule, SecretFilter, SecretInspection, SecretVersion } from '../cloud.js';

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
