import { InvalidOptionsError, RotationInProgressError, STAGES, StepFailedError, type Stage } from '@rotakit/core';
import { ncloudSchema, NcloudSecretManagerClient, type NcloudRegion } from '@rotakit/provider-ncloud';
import type { CloudConnectionOptions, CloudPreflight, CloudSecrets, RotationEnd, RotationSchedule, SecretInspection, SecretVersion } from '../cloud.js';

/** Between two looks at a rotation job. */
const POLL_MS = 1000;

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
  // One read of the chain per secret serves the stage table and every stage's login.
  const chains = new Map<string, Promise<Readonly<Partial<Record<Stage, string>>>>>();
  const activeBefore = new Map<string, string>();
  const chainOf = (secretId: string): Promise<Readonly<Partial<Record<Stage, string>>>> => {
    let chain = chains.get(secretId);
    if (chain === undefined) {
      chain = client.getSecretChain(secretId).then(({ chain: values }) => ({
        current: values.active,
        // A pending value equal to active is what a finished rotation may leave: nothing is pending.
        ...(values.pending === undefined || values.pending === values.active ? {} : { pending: values.pending }),
        ...(values.previous === undefined ? {} : { previous: values.previous }),
      }));
      chains.set(secretId, chain);
    }
    return chain;
  };
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
    recovery: {
      // Update Secret Value changes the named stages in one request; an empty stage is deleted.
      finish: async (secretId) => {
        const { active, pending } = await unchangedChain(client, secretId, chainOf);
        chains.delete(secretId);
        await client.updateSecretValue(secretId, { previous: active, active: pending, pending: null });
      },
      withdraw: async (secretId) => {
        await unchangedChain(client, secretId, chainOf);
        chains.delete(secretId);
        await client.updateSecretValue(secretId, { pending: null });
      },
    },
    requestRotation: async (secretId) => {
      activeBefore.set(secretId, (await client.getSecretChain(secretId)).chain.active);
      const jobToken = await client.executeRotation(secretId);
      if (jobToken === undefined) throw new StepFailedError(`executeRotation (secret ${secretId}): the answer names no job token to follow`, false);
      return jobToken;
    },
    followRotation: (secretId, jobToken, report, deadline) => follow(client, secretId, jobToken, activeBefore.get(secretId), report, deadline),
    preflight: ncloudPreflight(client),
  };
}

/**
 * The NAVER checks: the secret's detail and chain are read (the reads a rotation makes); the chain's
 * writes are the rotation job's, made by the service for the trigger's action, so none is checked
 * here; the trigger from the secret's detail.
 */
function ncloudPreflight(client: NcloudSecretManagerClient): CloudPreflight {
  return {
    checkPermissions: async (secretId) => {
      await client.getSecret(secretId);
      await client.getSecretChain(secretId);
      return {
        id: 'store.permissions',
        outcome: 'pass',
        summary: "the secret's detail and chain are readable; its writes are the rotation job's, which the service opens for the trigger's action",
      };
    },
    checkRotationFunction: async (secretId) => {
      const detail = await client.getSecret(secretId);
      if (detail.triggerId === undefined) {
        return { check: { id: 'rotation.function', outcome: 'fail', summary: 'the secret has no rotation trigger', hint: "set a trigger whose Cloud Functions action is rotakit's (createCloudFunctionsAction) on the secret's rotation settings" } };
      }
      return { check: { id: 'rotation.function', outcome: 'pass', summary: `the secret's rotation trigger ${detail.triggerId} is set` } };
    },
  };
}

/**
 * Watches the job: the secret is ROTATING once the action started it; the job has ended when the
 * secret's last rotation result names it. Completed moved the chain (active changed); a failed job
 * left active as it was. The API says no more of why: the action's own logs do.
 */
async function follow(
  client: NcloudSecretManagerClient,
  secretId: string,
  jobToken: string,
  activeBefore: string | undefined,
  report: (step: string) => void,
  deadline: number,
): Promise<RotationEnd> {
  let started = false;
  for (;;) {
    const detail = await client.getSecret(secretId);
    if (!started && detail.secretStatus === 'ROTATING') {
      started = true;
      report('start: the action opened the rotation job');
    }
    if (detail.lastRotationResultId === jobToken) {
      const { chain } = await client.getSecretChain(secretId);
      if (chain.active !== activeBefore) {
        report('complete: the chain shifted (pending is active)');
        return { ok: true };
      }
      return { ok: false, reason: `rotation job ${jobToken} ended without completing: the trigger's action failed it (its Cloud Functions logs say why)` };
    }
    if (Date.now() >= deadline) return { ok: false, reason: `rotation job ${jobToken} has not ended within --wait (${started ? 'started' : 'not started'} by the action)` };
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

/**
 * The chain as the plan read it, re-read just before a change: a rotation job that opened since,
 * or a chain that moved, refuses the change (the plan logged in with the values it saw).
 */
async function unchangedChain(
  client: NcloudSecretManagerClient,
  secretId: string,
  planned: (secretId: string) => Promise<Readonly<Partial<Record<Stage, string>>>>,
): Promise<{ active: string; pending: string }> {
  const seen = await planned(secretId);
  const [detail, { chain }] = await Promise.all([client.getSecret(secretId), client.getSecretChain(secretId)]);
  if (detail.secretStatus === 'ROTATING' || (detail.rotationPhase !== undefined && detail.rotationPhase !== 'NONE')) {
    throw new RotationInProgressError(`secret ${secretId} has a rotation job open: let it end (or cancel it) before recover`);
  }
  if (seen.pending === undefined || chain.active !== seen.current || chain.pending !== seen.pending) {
    throw new RotationInProgressError(`the chain of secret ${secretId} changed since recover read it: nothing was changed; run recover again`);
  }
  return { active: chain.active, pending: chain.pending };
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
