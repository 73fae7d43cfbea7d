import type { CredentialSchema, SecretStore, Stage } from '@rotakit/core';

/** The clouds the CLI reaches, by the name `--cloud` takes. */
export const CLOUDS = ['aws', 'alibaba', 'ncloud'] as const;

/** One of {@link CLOUDS}. */
export type CloudName = (typeof CLOUDS)[number];

/**
 * The cloud a secret id names by its form, or undefined when the form says nothing: an AWS
 * Secrets Manager ARN (`arn:aws:secretsmanager:…`, also the China and GovCloud partitions) or an
 * Alibaba KMS secret ARN (`acs:kms:…:secret/…`). NAVER's ids have no telling form.
 */
export function inferCloud(secretId: string): CloudName | undefined {
  if (/^arn:aws[a-z-]*:secretsmanager:/.test(secretId)) return 'aws';
  if (/^acs:kms:[^:]*:[^:]*:secret\//.test(secretId)) return 'alibaba';
  return undefined;
}

/** One version of a secret as the cloud lists it, with the rotakit stages it holds. */
export interface SecretVersion {
  /** The cloud's version id (NAVER, which has none, names the stage). */
  readonly id: string;
  /** rotakit stages on this version. */
  readonly stages: readonly Stage[];
  /** The cloud's own labels on this version, as listed. */
  readonly labels: readonly string[];
  /** When the version was created, if the cloud says. */
  readonly created?: Date;
}

/** What a cloud says about a secret's rotation schedule. */
export interface RotationSchedule {
  /** Whether the cloud rotates the secret on a schedule; undefined when the secret store does not record it. */
  readonly enabled?: boolean;
  /** The schedule in the cloud's words (`every 30 days`, `cron(…)`). */
  readonly rule?: string;
  readonly lastRotated?: Date;
  readonly nextRotation?: Date;
  /** Why the secret store cannot say more (Alibaba keeps the schedule in the flow's trigger). */
  readonly note?: string;
}

/** A secret as `status` shows it: its versions and stages, its schedule, and whether the cloud reports a rotation running. */
export interface SecretInspection {
  readonly cloud: CloudName;
  readonly secretId: string;
  readonly versions: readonly SecretVersion[];
  readonly schedule: RotationSchedule;
  /** True or false when the cloud reports whether a rotation runs; undefined when it cannot tell. */
  readonly rotationRunning?: boolean;
}

/** Which secrets `fleet --match` and `--tag` select: a name prefix and a tag (`key`, or `key=value`); both when both are given. */
export interface SecretFilter {
  /** The secret's name starts with this (case-sensitive). */
  readonly prefix?: string;
  /** The secret has a tag with this key and, when `value` is given, exactly this value. */
  readonly tag?: { readonly key: string; readonly value?: string };
}

/** What the commands need of a cloud: reading a secret's stages, schedule and values. */
export interface CloudSecrets {
  readonly cloud: CloudName;
  /**
   * The ids of the secrets `filter` selects, page by page as the cloud lists them; absent where
   * the CLI cannot list the cloud's secrets yet (then `fleet` takes `--from`).
   */
  readonly list?: (filter: SecretFilter) => AsyncIterable<string>;
  /** The cloud's credential schema, for parsing a stage's value into a login. */
  readonly schema: CredentialSchema;
  inspect(secretId: string): Promise<SecretInspection>;
  /** The value of one version (by {@link SecretVersion.id}). */
  readValue(secretId: string, version: SecretVersion): Promise<string>;
  /**
   * The store `rotate --local` runs core's four steps on, and the id that store knows the secret
   * by; absent where only the cloud can open a rotation.
   */
  readonly localStore?: (secretId: string) => { readonly store: SecretStore; readonly secretId: string };
  /**
   * How `recover` moves the stages where core's store cannot (NAVER: only the service opens
   * rotation jobs); absent where `recover` runs on {@link localStore}.
   */
  readonly recovery?: StageRecovery;
  /** The {@link RotationRequest} fields {@link requestRotation} takes; the command refuses the others' options. */
  readonly rotationRequestFields?: readonly (keyof RotationRequest)[];
  /** Asks the cloud to rotate, as its console (or its schedule) does; resolves to the rotation's token. */
  readonly requestRotation?: (secretId: string, request: RotationRequest) => Promise<string>;
  /** Watches a rotation the cloud runs until it ends or `deadline` passes, reporting each step seen. */
  readonly followRotation?: (secretId: string, token: string, report: (step: string) => void, deadline: number) => Promise<RotationEnd>;
  /** The read-only checks `rotakit doctor` runs on the cloud side. */
  readonly preflight?: CloudPreflight;
}

/** `recover`'s two changes, by hand through the cloud's management API. */
export interface StageRecovery {
  /** Makes the pending value current, the old current previous, and leaves nothing pending. */
  finish(secretId: string): Promise<void>;
  /** Deletes the pending value; current and previous stay as they are. */
  withdraw(secretId: string): Promise<void>;
}

/** What `rotate` tells the cloud beside the secret: Alibaba's rotation flow and its input. */
export interface RotationRequest {
  /** Alibaba: the Serverless Workflow flow that rotates the secret (`--flow`); default `rotakit-rotation`. */
  readonly flow?: string;
  /** Alibaba, scenario 1 (RDS account API): the execution input's `InstanceId` (`--instance-id`). */
  readonly instanceId?: string;
}

/** How a rotation the cloud ran ended: `ok`, or the cloud's reason it failed (or was not seen to finish). */
export interface RotationEnd {
  readonly ok: boolean;
  readonly reason?: string;
}

/** How the command line reaches a cloud: `--region`, `--endpoint`, and the environment for credentials. */
export interface CloudConnectionOptions {
  readonly region?: string;
  readonly endpoint?: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  /**
   * Many calls ahead (`fleet`): where the cloud's SDK offers it, retry throttling with its
   * client-side rate limiter (AWS `retryMode: 'adaptive'`) unless the environment chooses.
   */
  readonly manyCalls?: boolean;
}

/** How one doctor check came out: `pass` ✓, `fail` ✗ (exit 1), `warn` ! (not proven either way, exit 0). */
export type CheckOutcome = 'pass' | 'fail' | 'warn';

/** One preflight check: a stable id, its outcome, one line of what was seen, and for fail and warn the fix. */
export interface DoctorCheck {
  readonly id: string;
  readonly outcome: CheckOutcome;
  readonly summary: string;
  readonly hint?: string;
}

/** The rotation function a cloud's check found: the check, and (AWS) the principal the function runs as. */
export interface RotationFunctionCheck {
  readonly check: DoctorCheck;
  /** The function's execution role, which needs the store permissions (AWS). */
  readonly principal?: string;
}

/** What the preflight checks of a cloud are told: the principal to simulate (AWS), the flow (Alibaba). */
export interface PreflightOptions {
  /** AWS: the IAM principal whose permissions are simulated; default the rotation function's role. */
  readonly principal?: string;
  /** Alibaba: the Serverless Workflow flow that rotates the secret. */
  readonly flow?: string;
}

/** Read-only preflight checks a cloud's adapter offers `rotakit doctor`; none changes anything. */
export interface CloudPreflight {
  /** Whether what a rotation does in the store (read, write pending, move stages) is granted. */
  checkPermissions(secretId: string, options: PreflightOptions): Promise<DoctorCheck>;
  /** Whether the rotation function (AWS Lambda, Alibaba flow, NAVER trigger) exists and may be run by the service. */
  checkRotationFunction(secretId: string, options: PreflightOptions): Promise<RotationFunctionCheck>;
  /** The current value of another secret (the privileged `masterSecret`), read-only. */
  readCurrent?(secretId: string): Promise<string>;
}
