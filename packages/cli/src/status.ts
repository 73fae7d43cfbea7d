import { isRotakitError, type Redactor } from '@rotakit/core';
import type { CloudName, CloudSecrets, RotationSchedule, SecretVersion } from './cloud.js';
import { checkLogin, type TargetPicker } from './targets.js';
import { verdictOf, type LoginCheck, type StageRow, type Verdict } from './verdict.js';

/** How `status` looks at a secret. */
export interface StatusOptions {
  /** Log in with each stage's credentials (`--check-db`) through this picker's targets. */
  readonly checkDb?: TargetPicker;
  readonly stuckAfterMs: number;
  /** Every value read is added here, so nothing printed can carry it. */
  readonly redactor: Redactor;
}

/** One secret's status: what `--json` prints per secret. */
export interface SecretStatus {
  readonly cloud: CloudName;
  readonly secretId: string;
  readonly verdict: Verdict;
  readonly reason: string;
  readonly stages: readonly StageRow[];
  readonly schedule: RotationSchedule;
}

/** Reads a secret's stages and schedule, checks each stage's login when asked, and judges it. */
export async function statusOf(secrets: CloudSecrets, secretId: string, options: StatusOptions): Promise<SecretStatus> {
  const inspection = await secrets.inspect(secretId);
  const stages: StageRow[] = [];
  for (const version of inspection.versions) {
    const login =
      options.checkDb === undefined || version.stages.length === 0
        ? undefined
        : await checkVersionLogin(secrets, secretId, version, options.checkDb, options.redactor);
    stages.push({
      version: version.id,
      stages: version.stages,
      labels: version.labels,
      ...(version.created === undefined ? {} : { created: version.created }),
      ...(login === undefined ? {} : { login }),
    });
  }
  const { verdict, reason } = verdictOf({
    rows: stages,
    ...(inspection.rotationRunning === undefined ? {} : { rotationRunning: inspection.rotationRunning }),
    stuckAfterMs: options.stuckAfterMs,
    now: new Date(),
  });
  return { cloud: inspection.cloud, secretId: inspection.secretId, verdict, reason, stages, schedule: inspection.schedule };
}

/**
 * Logs in (read-only) with the credentials of one version: its value is read, added to the
 * redactor, parsed with the cloud's schema, and tried through the picker's target.
 */
export async function checkVersionLogin(
  secrets: CloudSecrets,
  secretId: string,
  version: SecretVersion,
  picker: TargetPicker,
  redactor: Redactor,
): Promise<LoginCheck> {
  let credentials;
  try {
    const raw = await secrets.readValue(secretId, version);
    redactor.add(raw);
    credentials = secrets.schema.parse(raw).credentials;
  } catch (error) {
    // RotateSecret's placeholder AWSPENDING has no value yet; a value may not be credentials.
    if (isRotakitError(error, 'SecretNotFound') || isRotakitError(error, 'InvalidSecretValue')) return 'unreadable';
    throw error;
  }
  redactor.add(credentials.password);
  return checkLogin(await picker.targetFor(credentials), credentials);
}

/** The text `status` prints for one secret. */
export function statusText(status: SecretStatus): string {
  const lines = [`${status.secretId} (${status.cloud}): ${status.verdict} (${status.reason})`];
  const checked = status.stages.some((row) => row.login !== undefined);
  const header = ['version', 'stages', 'labels', 'created', ...(checked ? ['login'] : [])];
  const rows = status.stages.map((row) => [
    row.version,
    row.stages.join(',') || '-',
    row.labels.join(',') || '-',
    row.created?.toISOString() ?? '-',
    ...(checked ? [row.login ?? '-'] : []),
  ]);
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)));
  for (const row of [header, ...rows]) lines.push(`  ${row.map((cell, column) => cell.padEnd(widths[column]!)).join('  ').trimEnd()}`);
  lines.push(`  rotation: ${scheduleText(status.schedule)}`);
  return lines.join('\n');
}

function scheduleText(schedule: RotationSchedule): string {
  const parts = [schedule.enabled === undefined ? 'schedule unknown' : schedule.enabled ? 'scheduled' : 'not scheduled'];
  if (schedule.rule !== undefined) parts.push(schedule.rule);
  parts.push(`last ${schedule.lastRotated?.toISOString() ?? 'never'}`);
  if (schedule.nextRotation !== undefined) parts.push(`next ${schedule.nextRotation.toISOString()}`);
  if (schedule.note !== undefined) parts.push(schedule.note);
  return parts.join('; ');
}
