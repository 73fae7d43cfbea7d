import { InvalidOptionsError, STAGES, type Stage } from '@rotakit/core';
import { ncloudSchema, NcloudSecretManagerClient, type NcloudRegion } from '@rotakit/provider-ncloud';
import type { CloudConnectionOptions, CloudSecrets, RotationSchedule, SecretInspection, SecretVersion } from '../cloud.js';

/** The environment variables NAVER's own tools (CLI, Terraform, SDKs) read for the API key and region. */
const ENV = {
  accessKey: 'NCLOUD_ACCESS_KEY',
  secretKey: 'NCLOUD_SECRET_KEY',
  region: 'NCLOUD_REGION',
  endpoint: 'NCLOUD_SECRET_MANAGER_ENDPOINT',
} as const;

const REGIONS: readonly NcloudRegion[] = ['KR', 'JPN'];

/** NAVER's stage names, which are also its only "version ids": the chain has one value per stage. */
const STAGE_NAMES: Readonly<Record<Stage, 'active' | 'pending' | 'previous'>> = { current: 'active', pending: 'pending', previous: 'previous' };

/** Secret Manager through the provider's client: the secret's detail and its chain, read without opening a job. */
export function ncloudSecrets(options: CloudConnectionOptions): CloudSecrets {
  const client = clientOf(options);
  let chain: Promise<Readonly<Partial<Record<Stage, string>>>> | undefined;
  const chainOf = (secretId: string) =>
    (chain ??= client.getSecretChain(secretId).then(({ chain: values }) => ({
      current: values.active,
      ...(values.pending === undefined ? {} : { pending: values.pending }),
      ...(values.previous === undefined ? {} : { previous: values.previous }),
    })));
  return {
    cloud: 'ncloud',
    schema: ncloudSchema,
    inspect: async (secretId) => {
      const [detail, values] = await Promise.all([client.getSecret(secretId), chainOf(secretId)]);
      const versions: SecretVersion[] = STAGES.filter((stage) => values[stage] !== undefined).map((stage) => ({
        id: STAGE_NAMES[stage],
        labels: [STAGE_NAMES[stage]],
        stages: [stage],
      }));
      const date = (ms: number | undefined): Date | undefined => (ms === undefined ? undefined : new Date(ms));
      const lastRotated = date(detail.lastRotationDate);
      const nextRotation = date(detail.nextRotationDate);
      const schedule: RotationSchedule = {
        enabled: detail.autoRotation,
        ...(detail.autoRotationPeriodDays === undefined ? {} : { rule: `every ${detail.autoRotationPeriodDays} days` }),
        ...(lastRotated === undefined ? {} : { lastRotated }),
        ...(nextRotation === undefined ? {} : { nextRotation }),
      };
      const inspection: SecretInspection = {
        cloud: 'ncloud',
        secretId,
        versions,
        schedule,
        rotationRunning: detail.secretStatus === 'ROTATING' || (detail.rotationPhase !== undefined && detail.rotationPhase !== 'NONE'),
      };
      return inspection;
    },
    readValue: async (secretId, version) => {
      const stage = STAGES.find((name) => STAGE_NAMES[name] === version.id);
      const value = stage === undefined ? undefined : (await chainOf(secretId))[stage];
      return value ?? '';
    },
  };
}

function clientOf({ region, endpoint, env }: CloudConnectionOptions): NcloudSecretManagerClient {
  const accessKey = env[ENV.accessKey];
  const secretKey = env[ENV.secretKey];
  if (!accessKey || !secretKey) {
    throw new InvalidOptionsError(`${ENV.accessKey} and ${ENV.secretKey} must be set for --cloud ncloud`, { field: ENV.accessKey });
  }
  const regionName = region ?? env[ENV.region];
  if (regionName !== undefined && !REGIONS.includes(regionName as NcloudRegion)) {
    throw new InvalidOptionsError(`--region for --cloud ncloud must be one of ${REGIONS.join(', ')}`, { field: '--region' });
  }
  const base = endpoint ?? (env[ENV.endpoint] || undefined);
  return new NcloudSecretManagerClient({
    accessKey,
    secretKey,
    ...(regionName === undefined ? {} : { region: regionName as NcloudRegion }),
    ...(base === undefined ? {} : { endpoint: base }),
  });
}
