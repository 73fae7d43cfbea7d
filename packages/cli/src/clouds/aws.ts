import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  ListSecretVersionIdsCommand,
  type SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { stageOfLabel, type Stage } from '@rotakit/core';
import { AWS_STAGE_LABELS, awsError, awsSchema, secretsManagerClient } from '@rotakit/provider-aws';
import type { CloudConnectionOptions, CloudSecrets, RotationSchedule, SecretInspection, SecretVersion } from '../cloud.js';

/** Secrets Manager through the provider's client: DescribeSecret and ListSecretVersionIds, GetSecretValue by version. */
export function awsSecrets(options: CloudConnectionOptions): CloudSecrets {
  const client = secretsManagerClient(options.region === undefined ? {} : { region: options.region }, options.endpoint);
  return {
    cloud: 'aws',
    schema: awsSchema,
    inspect: (secretId) => inspect(client, secretId),
    readValue: async (secretId, version) => {
      const answer = await call(client, 'GetSecretValue', secretId, (c) =>
        c.send(new GetSecretValueCommand({ SecretId: secretId, VersionId: version.id })),
      );
      return answer.SecretString ?? '';
    },
  };
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
