import * as $Kms from '@alicloud/kms20160120';
import { InvalidOptionsError, stageOfLabel, type Stage } from '@rotakit/core';
import {
  alibabaSchema,
  createKmsClient,
  endpointFromEnvironment,
  KMS_STAGE_LABELS,
  kmsError,
  KmsSecretStore,
  type KmsClient,
} from '@rotakit/provider-alibaba';
import type { CloudConnectionOptions, CloudPreflight, CloudSecrets, DoctorCheck, SecretFilter, SecretInspection, SecretVersion } from '../cloud.js';
import { WorkflowRotation, workflowClient, type WorkflowConnection } from './alibaba-workflow.js';

/** The environment variables Alibaba Cloud's own tools read for a key pair, its STS token and the region. */
const ENV = {
  accessKeyId: 'ALIBABA_CLOUD_ACCESS_KEY_ID',
  accessKeySecret: 'ALIBABA_CLOUD_ACCESS_KEY_SECRET',
  securityToken: 'ALIBABA_CLOUD_SECURITY_TOKEN',
  region: 'ALIBABA_CLOUD_REGION_ID',
  endpoint: 'ALIBABA_CLOUD_KMS_ENDPOINT',
} as const;

/**
 * KMS through the provider's client: DescribeSecret, ListSecretVersionIds, GetSecretValue by
 * version; a rotation in the cloud is an execution of the secret's Serverless Workflow flow.
 */
export function alibabaSecrets(options: CloudConnectionOptions): CloudSecrets {
  const client = kmsClientOf(options);
  const securityToken = options.env[ENV.securityToken];
  const connection: WorkflowConnection = {
    env: options.env,
    regionId: options.region ?? options.env[ENV.region],
    credentials: {
      accessKeyId: options.env[ENV.accessKeyId] ?? '',
      accessKeySecret: options.env[ENV.accessKeySecret] ?? '',
      ...(securityToken ? { securityToken } : {}),
    },
  };
  const workflow = new WorkflowRotation(connection);
  return {
    cloud: 'alibaba',
    schema: alibabaSchema,
    inspect: (secretId) => inspect(client, secretNameOf(secretId)),
    list: (filter) => list(client, filter),
    readValue: async (secretId, version) => {
      const secretName = secretNameOf(secretId);
      const answer = await call('GetSecretValue', secretName, () =>
        client.getSecretValue(new $Kms.GetSecretValueRequest({ secretName, versionId: version.id })),
      );
      return answer.secretData ?? '';
    },
    localStore: (secretId) => ({ store: new KmsSecretStore({ client }), secretId: secretNameOf(secretId) }),
    rotationRequestFields: ['flow', 'instanceId'],
    requestRotation: (secretId, request) => workflow.start(secretNameOf(secretId), request),
    followRotation: (_secretId, token, report, deadline) => workflow.follow(token, report, deadline),
    preflight: alibabaPreflight(client, connection),
  };
}

/**
 * The Alibaba checks: KMS has no permission simulation, so the reads a rotation makes
 * (DescribeSecret, GetSecretValue) are made and the writes (PutSecretValue,
 * UpdateSecretVersionStage) reported as not provable without writing; the flow by Serverless
 * Workflow DescribeFlow (`--flow`; endpoint `ALIBABA_CLOUD_FNF_ENDPOINT`, else the region's).
 */
function alibabaPreflight(client: KmsClient, connection: WorkflowConnection): CloudPreflight {
  return {
    readCurrent: async (secretId) => {
      const secretName = secretNameOf(secretId);
      const answer = await call('GetSecretValue', secretName, () => client.getSecretValue(new $Kms.GetSecretValueRequest({ secretName })));
      return answer.secretData ?? '';
    },
    checkPermissions: async (secretId): Promise<DoctorCheck> => {
      const secretName = secretNameOf(secretId);
      await call('DescribeSecret', secretName, () => client.describeSecret(new $Kms.DescribeSecretRequest({ secretName })));
      await call('GetSecretValue', secretName, () => client.getSecretValue(new $Kms.GetSecretValueRequest({ secretName })));
      return {
        id: 'store.permissions',
        outcome: 'warn',
        summary: 'DescribeSecret and GetSecretValue are granted; KMS has no permission check for PutSecretValue and UpdateSecretVersionStage',
        hint: "make sure the flow's role (and yours for --local) allows kms:PutSecretValue and kms:UpdateSecretVersionStage on the secret",
      };
    },
    checkRotationFunction: async (_secretId, preflight) => {
      if (preflight.flow === undefined) {
        return { check: { id: 'rotation.function', outcome: 'warn', summary: 'KMS does not record which flow rotates a generic secret', hint: 'pass --flow <name> to check the Serverless Workflow flow' } };
      }
      const flow = await workflowClient(connection);
      try {
        await flow.describeFlow({ Name: preflight.flow });
        return { check: { id: 'rotation.function', outcome: 'pass', summary: `the flow ${preflight.flow} exists in Serverless Workflow` } };
      } catch (error) {
        const code = (error as { code?: string }).code;
        if (code === 'FlowNotExists') {
          return { check: { id: 'rotation.function', outcome: 'fail', summary: `the flow ${preflight.flow} does not exist`, hint: "create it from @rotakit/provider-alibaba/setup's workflowDefinition, or pass --flow with the flow that exists" } };
        }
        throw kmsError(error, 'DescribeFlow', preflight.flow);
      }
    },
  };
}

function kmsClientOf({ region, endpoint, env }: CloudConnectionOptions): KmsClient {
  const accessKeyId = env[ENV.accessKeyId];
  const accessKeySecret = env[ENV.accessKeySecret];
  if (!accessKeyId || !accessKeySecret) {
    throw new InvalidOptionsError(`${ENV.accessKeyId} and ${ENV.accessKeySecret} must be set for --cloud alibaba`, { field: ENV.accessKeyId });
  }
  const regionId = region ?? env[ENV.region];
  const given = endpoint === undefined ? endpointFromEnvironment(ENV.endpoint, env) : endpointFromEnvironment('--endpoint', { '--endpoint': endpoint });
  if (given === undefined && regionId === undefined) {
    throw new InvalidOptionsError(`--region (or ${ENV.region}) or --endpoint is needed for --cloud alibaba`, { field: '--region' });
  }
  const securityToken = env[ENV.securityToken];
  return createKmsClient({
    endpoint: given?.endpoint ?? `kms.${regionId}.aliyuncs.com`,
    ...(given?.protocol === undefined ? {} : { protocol: given.protocol }),
    ...(regionId === undefined ? {} : { regionId }),
    credentials: { accessKeyId, accessKeySecret, ...(securityToken ? { securityToken } : {}) },
  });
}

/** A KMS secret ARN (`acs:kms:<region>:<account>:secret/<name>`) names the secret after `secret/`. */
function secretNameOf(secretId: string): string {
  const arn = /^acs:kms:[^:]*:[^:]*:secret\/(.+)$/.exec(secretId);
  return arn?.[1] ?? secretId;
}

/**
 * ListSecrets page by page (100 a page) with the tags: SDK 1.2.0 does not send `Filters`, so the
 * name prefix and the tag are matched here.
 */
async function* list(client: KmsClient, filter: SecretFilter): AsyncIterable<string> {
  for (let page = 1; ; page += 1) {
    const answer = await call('ListSecrets', filter.prefix ?? '(all secrets)', () =>
      client.listSecrets(new $Kms.ListSecretsRequest({ pageNumber: page, pageSize: 100, fetchTags: 'true' })),
    );
    const listed = answer.secretList?.secret ?? [];
    for (const secret of listed) {
      if (!secret.secretName || secret.plannedDeleteTime) continue;
      if (filter.prefix !== undefined && !secret.secretName.startsWith(filter.prefix)) continue;
      const tag = filter.tag;
      const tags = secret.tags?.tag ?? [];
      if (tag !== undefined && !tags.some((t) => t.tagKey === tag.key && (tag.value === undefined || t.tagValue === tag.value))) continue;
      yield secret.secretName;
    }
    if (listed.length === 0 || page * 100 >= (answer.totalCount ?? 0)) return;
  }
}

async function inspect(client: KmsClient, secretName: string): Promise<SecretInspection> {
  await call('DescribeSecret', secretName, () => client.describeSecret(new $Kms.DescribeSecretRequest({ secretName })));
  const versions: SecretVersion[] = [];
  for (let page = 1; ; page += 1) {
    const answer = await call('ListSecretVersionIds', secretName, () =>
      client.listSecretVersionIds(new $Kms.ListSecretVersionIdsRequest({ secretName, pageNumber: page, pageSize: 100 })),
    );
    const listed = answer.versionIds?.versionId ?? [];
    for (const version of listed) {
      if (!version.versionId) continue;
      const labels = version.versionStages?.versionStage ?? [];
      const created = version.createTime ? new Date(version.createTime) : undefined;
      versions.push({
        id: version.versionId,
        labels,
        stages: rotakitStages(labels),
        ...(created === undefined || Number.isNaN(created.getTime()) ? {} : { created }),
      });
    }
    if (listed.length === 0 || page * 100 >= (answer.totalCount ?? 0)) break;
  }
  versions.sort((a, b) => (b.created?.getTime() ?? 0) - (a.created?.getTime() ?? 0));
  return {
    cloud: 'alibaba',
    secretId: secretName,
    versions,
    // A generic secret's rotation is a Serverless Workflow flow on a timer trigger; KMS keeps no schedule of it.
    schedule: { note: "the schedule is the rotation flow's timer trigger in Serverless Workflow, which KMS does not record" },
  };
}

function rotakitStages(labels: readonly string[]): Stage[] {
  return labels.flatMap((label) => {
    const stage = stageOfLabel(KMS_STAGE_LABELS, label);
    return stage === undefined ? [] : [stage];
  });
}

async function call<T>(action: string, secretName: string, send: () => Promise<T>): Promise<T> {
  try {
    return await send();
  } catch (error) {
    throw kmsError(error, action, secretName);
  }
}
