// Each cloud of the crash family: its emulator (in this process), the secret it rotates, and one
// rotation driven the way that cloud drives it, re-driven after a crash the way that cloud re-drives.
import { randomBytes, randomUUID } from 'node:crypto';
import { suffixRule } from '@rotakit/core';
import type { FcRotationResult } from '@rotakit/provider-alibaba';
import {
  signNcloudRequest,
  startAlibabaKmsEmulator,
  startAwsSecretsManagerEmulator,
  startNcloudSecretManagerEmulator,
  type AwsSecretsManagerEmulator,
  type NcloudSecretManagerEmulator,
} from '@rotakit/testkit';
import { FunctionHost, type Cloud, type Outcome, type StrategyKind } from './containers.js';
import { APP_DATABASE, type Database, type Login } from './database.js';

/** The values a secret's stages hold right now, as the emulator has them. */
export interface StageValues {
  readonly current: string;
  /** The pending value on a version other than current; undefined when none (or it has no value yet). */
  readonly pending?: string;
  /** The pending label sits on the current version: what a finished rotation may leave. */
  readonly pendingOnCurrent: boolean;
}

/** How one rotation went. */
export interface RotationRun {
  /** Times the cloud ran a crashed invocation again (a step, a whole rotation, a new execution or job). */
  readonly redrives: number;
}

/** One cloud and strategy of the family, ready to rotate its secret. */
export interface CloudFamily {
  readonly cloud: Cloud;
  readonly strategy: StrategyKind;
  readonly host: FunctionHost;
  /** The labels of the invocations one rotation makes, in order. */
  readonly labels: readonly string[];
  /** The usernames the secret may name: the original, and for alternating users its alternate. */
  readonly usernames: readonly string[];
  /** One rotation, driven and re-driven as the cloud does; throws when the cloud gives up. */
  rotate(): Promise<RotationRun>;
  stages(): StageValues;
  /** The username and password a secret value holds. */
  loginOf(value: string): Login;
  /** Every password in the emulator's state now (every version of every secret). */
  passwords(): string[];
  /** What the emulator wrote down about invocations (function errors), scanned like the output. */
  emulatorText(): string;
  close(): Promise<void>;
}

/** A random password for an account the family creates (the rotations make their own). */
function initialPassword(): string {
  return `Adv-${randomBytes(12).toString('base64url')}`;
}

/** Creates the application account (and, for alternating users, the privileged one) on the server. */
async function accounts(db: Database, prefix: string, strategy: StrategyKind, suffix: string) {
  const app = { username: `${prefix}_${strategy === 'single-user' ? 'su' : 'au'}`, password: initialPassword() };
  await db.createAppUser(app);
  const privileged = strategy === 'alternating-users' ? { username: `${prefix}_rotator`, password: initialPassword() } : undefined;
  if (privileged) await db.createPrivilegedUser(privileged);
  const usernames = privileged ? [app.username, suffixRule(suffix)(app.username)] : [app.username];
  return { app, privileged, usernames };
}

/** A container that was killed, as the function service reports it to the caller. */
export class ContainerKilledError extends Error {
  constructor() {
    super('the function container was killed (SIGKILL) before it answered');
    this.name = 'ContainerKilledError';
  }
}

/** The outcome as a function service answers its caller: the value, or an error. */
function answerOf(outcome: Outcome): unknown {
  if (outcome.kind === 'returned') return outcome.value;
  if (outcome.kind === 'killed') throw new ContainerKilledError();
  const { code, name, message, pendingToken } = outcome.error;
  throw new Error(`the function failed: ${code ?? name}: ${message}${pendingToken === undefined ? '' : ` (pendingToken ${pendingToken})`}`);
}

function field(value: string, key: string): string {
  const parsed = JSON.parse(value) as Record<string, unknown>;
  const item = parsed[key];
  return typeof item === 'string' ? item : '';
}

// AWS: Secrets Manager invokes the function once per step; a crashed step fails the rotation, and
// the service retries the whole rotation with the same token (the emulator's rotation retries).

/** The function's key pair (its execution role's), the one the emulator is told to accept. */
const AWS_FUNCTION_KEY = { accessKeyId: 'AKIAADVERSARIALCRASH', secretAccessKey: 'adversarial-crash-secret' } as const;

/** Whole-rotation retries the AWS emulator makes after a failed attempt. */
const AWS_RETRIES = 2;

/** The AWS family: a Secrets Manager emulator whose rotation function is the containers' handler. */
export async function awsFamily(db: Database, strategy: StrategyKind): Promise<CloudFamily> {
  const sm: AwsSecretsManagerEmulator = await startAwsSecretsManagerEmulator({
    rotation: { driving: 'background', retries: AWS_RETRIES },
    credentials: [AWS_FUNCTION_KEY],
  });
  const host = new FunctionHost('aws', strategy, {
    SECRETS_MANAGER_ENDPOINT: sm.url,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: AWS_FUNCTION_KEY.accessKeyId,
    AWS_SECRET_ACCESS_KEY: AWS_FUNCTION_KEY.secretAccessKey,
  });
  const functionArn = sm.functionArn('adv-crash-rotation');
  sm.registerRotationFunction(functionArn, async (event) => answerOf(await host.invoke(event.Step, event)));
  const { app, privileged, usernames } = await accounts(db, 'aws', strategy, AWS_ALTERNATE_SUFFIX);
  const master = privileged
    ? sm.seedSecret({ name: 'adv/aws-rotator', versions: [{ secretString: JSON.stringify(privileged), stages: ['AWSCURRENT'] }] })
    : undefined;
  const value = {
    engine: 'mariadb',
    host: db.server.host,
    port: db.server.port,
    dbname: APP_DATABASE,
    ...app,
    ...(master ? { masterarn: master.arn } : {}),
  };
  const { arn } = sm.seedSecret({
    name: `adv/aws-${strategy}`,
    versions: [{ secretString: JSON.stringify(value), stages: ['AWSCURRENT'] }],
    rotation: { lambdaArn: functionArn, rules: { AutomaticallyAfterDays: 30 }, enabled: true },
  });
  const versions = () => sm.state().secrets.find((secret) => secret.ARN === arn)?.Versions ?? [];
  return {
    cloud: 'aws',
    strategy,
    host,
    labels: ['createSecret', 'setSecret', 'testSecret', 'finishSecret'],
    usernames,
    async rotate() {
      await sm.startScheduledRotation(arn);
      const record = await sm.rotationSettled(arn);
      if (record?.status !== 'succeeded') throw new Error(`the rotation ended ${record?.status}: ${record?.error ?? ''}`);
      return { redrives: record.attempts - 1 };
    },
    stages() {
      const all = versions();
      const current = all.find((version) => version.VersionStages.includes('AWSCURRENT'));
      const pending = all.find((version) => version.VersionStages.includes('AWSPENDING'));
      if (current?.SecretString === undefined) throw new Error('the secret has no AWSCURRENT value');
      return {
        current: current.SecretString,
        ...(pending && pending !== current && pending.SecretString !== undefined ? { pending: pending.SecretString } : {}),
        pendingOnCurrent: pending === current,
      };
    },
    loginOf: (secret) => ({ username: field(secret, 'username'), password: field(secret, 'password') }),
    passwords: () =>
      sm
        .state()
        .secrets.flatMap((secret) => secret.Versions)
        .flatMap((version) => (version.SecretString === undefined ? [] : [field(version.SecretString, 'password')])),
    emulatorText: () => JSON.stringify(sm.state().rotations),
    close: async () => {
      await host.close();
      await sm.close();
    },
  };
}

// Alibaba: CloudFlow runs the flow of workflowDefinition: four Task states invoking the function
// with `Step` new, set, test and end, each passing `$Context.Execution.Name` as ExecutionName (the
// handler derives the VersionId from it), and retries a failed state with the same input; every
// invocation has its own request id. An execution whose retries are spent fails; the next one (the
// next day's schedule, a new execution name) finishes the rotation in progress.

const KMS_KEY = { accessKeyId: 'LTAI5tAdversarialCrash', accessKeySecret: 'adversarial-crash-secret' } as const;
// The provider's FC_STEPS and DEFAULT_WORKFLOW_RETRY, written out: importing the provider here
// would load Alibaba's SDK into the test process for two constants.
/** The providers' alternate-user suffixes (their schemas' `alternateSuffix`), written out for the same reason. */
const AWS_ALTERNATE_SUFFIX = '_clone';
const ALIBABA_ALTERNATE_SUFFIX = '_rt';
/** The flow's states' steps, in order. */
const FC_STEPS = ['new', 'set', 'test', 'end'] as const;
/** Retries of a failed state, as the provider's default retry policy has them. */
const STATE_RETRIES = 3;
/** Executions tried before the family gives up on a rotation. */
const EXECUTIONS = 3;
/** The id prefix of the anchor versions the KMS store gives ACSPending to rest on (no rotation). */
const ANCHOR_PREFIX = 'rotakit-anchor-';

/** Options of {@link alibabaFamily}, for the tests that steer the workflow. */
export interface AlibabaFamilyOptions {
  /** Retries of a crashed state within an execution; default 3. With 0 the next execution re-drives. */
  readonly stateRetries?: number;
  /** Prefix of the database accounts; default `ali` (one family per prefix and strategy on a server). */
  readonly accountPrefix?: string;
}

/** The Alibaba family: a KMS emulator, and this test as CloudFlow running the flow's executions. */
export async function alibabaFamily(db: Database, strategy: StrategyKind, options: AlibabaFamilyOptions = {}): Promise<CloudFamily> {
  const kms = await startAlibabaKmsEmulator({ credentials: KMS_KEY });
  const host = new FunctionHost('alibaba', strategy, { ROTAKIT_KMS_ENDPOINT: kms.endpoint });
  const { app, privileged, usernames } = await accounts(db, options.accountPrefix ?? 'ali', strategy, ALIBABA_ALTERNATE_SUFFIX);
  const generic = (name: string, value: object) =>
    kms.seed({ name, versions: [{ versionId: 'v-initial', data: JSON.stringify(value), stages: ['ACSCurrent'] }] });
  if (privileged) generic('adv/alibaba-rotator', { AccountName: privileged.username, AccountPassword: privileged.password });
  const secretName = `adv/alibaba-${strategy}`;
  generic(secretName, {
    Endpoint: db.server.host,
    Port: db.server.port,
    DBName: APP_DATABASE,
    AccountName: app.username,
    AccountPassword: app.password,
    ...(privileged ? { MasterSecret: 'adv/alibaba-rotator' } : {}),
  });
  const versions = () => kms.state().secrets.find((secret) => secret.name === secretName)?.versions ?? [];
  const retries = options.stateRetries ?? STATE_RETRIES;

  /** One execution: `redrives` state retries, and whether it finished (false: a state's retries ran out on crashes). */
  const execute = async (): Promise<{ finished: boolean; redrives: number }> => {
    const executionName = `adv-crash-${randomUUID()}`;
    const versionIds = new Set<string>();
    let redrives = 0;
    for (const step of FC_STEPS) {
      for (let attempt = 0; ; attempt += 1) {
        const requestId = randomUUID();
        const event = { SecretName: secretName, RegionId: kms.regionId, Step: step, ExecutionName: executionName };
        const context = { requestId, credentials: { ...KMS_KEY, securityToken: `sts-${requestId}` } };
        const outcome = await host.invoke(step, { event, context });
        if (outcome.kind === 'killed' && attempt < retries) {
          redrives += 1;
          continue;
        }
        if (outcome.kind === 'killed') return { finished: false, redrives };
        versionIds.add((answerOf(outcome) as FcRotationResult).VersionId);
        break;
      }
    }
    if (versionIds.size !== 1) throw new Error(`the states of ${executionName} answered ${versionIds.size} VersionIds`);
    return { finished: true, redrives };
  };

  return {
    cloud: 'alibaba',
    strategy,
    host,
    labels: FC_STEPS,
    usernames,
    async rotate() {
      let redrives = 0;
      for (let execution = 0; execution < EXECUTIONS; execution += 1) {
        const run = await execute();
        redrives += run.redrives;
        if (run.finished) return { redrives };
        // The next execution re-drives the rotation the failed one left.
        redrives += 1;
      }
      throw new Error(`${EXECUTIONS} executions in a row did not finish`);
    },
    stages() {
      const all = versions();
      const holding = (label: string) => all.find((version) => version.stages.includes(label));
      const current = holding('ACSCurrent');
      const pending = holding('ACSPending');
      if (!current) throw new Error('the secret has no ACSCurrent version');
      // ACSPending on the current, the previous or an anchor version is held by no rotation.
      const resting =
        pending !== undefined && (pending === current || pending === holding('ACSPrevious') || pending.versionId.startsWith(ANCHOR_PREFIX));
      return {
        current: current.data,
        ...(pending && !resting ? { pending: pending.data } : {}),
        pendingOnCurrent: pending === current,
      };
    },
    loginOf: (secret) => ({ username: field(secret, 'AccountName'), password: field(secret, 'AccountPassword') }),
    passwords: () =>
      kms
        .state()
        .secrets.flatMap((secret) => secret.versions)
        .map((version) => field(version.data, 'AccountPassword')),
    emulatorText: () => '',
    close: async () => {
      await host.close();
      await kms.close();
    },
  };
}

// NAVER: Secret Manager runs the trigger's action with a job token; the action runs all four
// steps. A killed action cannot fail its job, so the job is cancelled (as an operator, or the
// service's own time-out, would) and a new job runs: the store adopts the pending value the dead
// job left.

const NCLOUD_KEY = { accessKey: 'adversarial-crash-access', secretKey: 'adversarial-crash-secret' } as const;
const TRIGGER = 'adv-crash';
/** New jobs tried after a crashed one before the family gives up. */
const NCLOUD_JOBS = 3;

/** A management API call, signed as the console's client signs it. */
async function management(emulator: NcloudSecretManagerEmulator, path: string): Promise<unknown> {
  const url = new URL(`${emulator.regionalUrl}${path}`);
  const response = await fetch(url, {
    method: 'POST',
    headers: signNcloudRequest('POST', url.pathname, NCLOUD_KEY.accessKey, NCLOUD_KEY.secretKey),
  });
  const body = (await response.json()) as { data?: unknown };
  if (response.status !== 200) throw new Error(`${path} answered HTTP ${response.status}: ${JSON.stringify(body)}`);
  return body.data;
}

/** The NAVER family: a Secret Manager emulator whose trigger runs the containers' action. */
export async function ncloudFamily(db: Database, strategy: StrategyKind): Promise<CloudFamily> {
  const emulator = await startNcloudSecretManagerEmulator({ credentials: [NCLOUD_KEY] });
  const host = new FunctionHost('ncloud', strategy, { ROTAKIT_NCLOUD_ENDPOINT: emulator.regionalUrl });
  emulator.registerAction(TRIGGER, async (args) => answerOf(await host.invoke('action', args)), { defaultParams: { ...NCLOUD_KEY } });
  // NAVER's own alternate-user convention does not exist; the family uses AWS's suffix.
  const { app, privileged, usernames } = await accounts(db, 'nc', strategy, AWS_ALTERNATE_SUFFIX);
  const master = privileged
    ? emulator.seedSecret({ chain: { active: { cdbUser: privileged.username, cdbPassword: privileged.password } }, rotationTargets: ['cdbPassword'] })
    : undefined;
  const secretId = emulator.seedSecret({
    chain: {
      active: {
        cdbHost: db.server.host,
        cdbPort: String(db.server.port),
        cdbDatabase: APP_DATABASE,
        cdbUser: app.username,
        cdbPassword: app.password,
        ...(master ? { cdbMasterSecret: master } : {}),
      },
    },
    rotationTargets: privileged ? ['cdbUser', 'cdbPassword'] : ['cdbPassword'],
    triggerId: TRIGGER,
  });
  const chain = () => {
    const found = emulator.state().secrets.find((secret) => secret.secretId === secretId)?.chain;
    if (!found) throw new Error(`no secret ${secretId}`);
    return found;
  };
  const openJob = () =>
    emulator.state().jobs.find((job) => job.secretId === secretId && (job.status === 'created' || job.status === 'started'));
  return {
    cloud: 'ncloud',
    strategy,
    host,
    labels: ['action'],
    usernames,
    async rotate() {
      for (let job = 0; job < NCLOUD_JOBS; job += 1) {
        const { jobToken } = (await management(emulator, `/api/v1/secrets/${secretId}/rotation`)) as { jobToken: string };
        const settled = await emulator.jobSettled(jobToken);
        if (settled.error === undefined) {
          const result = settled.result as { done?: boolean };
          if (result.done !== true) throw new Error(`the action failed: ${JSON.stringify(result)}`);
          return { redrives: job };
        }
        if (!(settled.error instanceof ContainerKilledError)) throw settled.error;
        if (openJob()) await management(emulator, `/api/v1/secrets/${secretId}/cancel-rotation`);
      }
      throw new Error(`${NCLOUD_JOBS} jobs in a row did not finish`);
    },
    stages() {
      const { active, pending } = chain();
      return { current: active, ...(pending !== undefined && pending !== active ? { pending } : {}), pendingOnCurrent: pending === active };
    },
    loginOf: (secret) => ({ username: field(secret, 'cdbUser'), password: field(secret, 'cdbPassword') }),
    passwords: () =>
      emulator
        .state()
        .secrets.flatMap((secret) => [secret.chain.active, secret.chain.pending, secret.chain.previous])
        .flatMap((value) => (value === undefined ? [] : [field(value, 'cdbPassword')])),
    emulatorText: () => JSON.stringify(emulator.state().jobs),
    close: async () => {
      await host.close();
      await emulator.close();
    },
  };
}
