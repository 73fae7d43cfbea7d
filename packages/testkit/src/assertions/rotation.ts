import { isRotakitError, loginOf, silentLogger, type Credentials, type CredentialSchema, type Target } from '@rotakit/core';

/**
 * The values a secret's three stages hold, as an emulator's `stageValues(id)` shows them. A stage
 * on no version is absent; `pending` is absent when no rotation is open (a pending label left on
 * the current version is what a finished rotation leaves, not an open one), and `null` when it
 * sits on a version that holds no value (AWS's placeholder of a rotation whose createSecret failed).
 */
export interface StageValues {
  readonly current?: string;
  readonly pending?: string | null;
  readonly previous?: string;
}

/** `StageValues` without the stages that hold no value (exactOptionalPropertyTypes keeps `undefined` out). */
export function stageValuesOf(values: { current?: string | undefined; pending?: string | null | undefined; previous?: string | undefined }): StageValues {
  return Object.fromEntries(Object.entries(values).filter(([, value]) => value !== undefined)) as StageValues;
}

/** What {@link checkRotation} compares: the secret before and after one rotation. */
export interface RotationCheck {
  /** The current value before the rotation. */
  readonly before: string;
  /** The stages after it, from the emulator's `stageValues(id)`. */
  readonly after: StageValues;
  /** The target the rotation function uses; the check logs in through it (a login and a ping, nothing else). */
  readonly target: Target;
  /** The secret's schema (the provider's convention: `awsSchema`, `alibabaSchema`, `ncloudSchema`). */
  readonly schema: CredentialSchema;
  /** The strategy the function rotates with, which decides what the previous stage must do. */
  readonly strategy: 'single-user' | 'alternating-users';
}

/**
 * Checks what a finished rotation promises, and returns what does not hold (empty when all does):
 * a new current value whose credentials log in; the former current value now previous; no pending
 * version left; and, by strategy, the previous credentials refused (single user: the password
 * changed) or still logging in as the other user (alternating users). Findings name stages and
 * users, never a password.
 */
export async function checkRotation(check: RotationCheck): Promise<string[]> {
  const { before, after, target, schema, strategy } = check;
  const findings: string[] = [];
  const parse = (stage: string, raw: string): Credentials | undefined => {
    try {
      return schema.parse(raw).credentials;
    } catch (error) {
      findings.push(`the ${stage} value does not parse: ${isRotakitError(error) ? error.code : 'unreadable'}`);
      return undefined;
    }
  };
  if (after.pending !== undefined) findings.push('a pending version is left: the rotation did not finish');
  if (after.current === undefined) {
    findings.push('no current value');
    return findings;
  }
  if (after.current === before) findings.push('the current value did not change');
  if (after.previous !== before) findings.push('the previous stage does not hold the former current value');
  const current = parse('current', after.current);
  const previous = after.previous === undefined ? undefined : parse('previous', after.previous);
  if (current && !(await logsIn(target, current))) findings.push(`the current credentials (user ${current.username}) do not log in`);
  if (current && previous) {
    if (strategy === 'single-user') {
      if (previous.username !== current.username) findings.push('single user: the user changed between previous and current');
      if (await logsIn(target, previous)) findings.push(`single user: the previous password of ${previous.username} still logs in`);
    } else {
      if (previous.username === current.username) findings.push(`alternating users: previous and current are the same user ${current.username}`);
      if (!(await logsIn(target, previous))) findings.push(`alternating users: the previous user ${previous.username} no longer logs in`);
    }
  }
  return findings;
}

/** {@link checkRotation}, throwing an `Error` that lists every finding when any. */
export async function assertRotated(check: RotationCheck): Promise<void> {
  const findings = await checkRotation(check);
  if (findings.length > 0) throw new Error(`the rotation does not hold what it promises:\n- ${findings.join('\n- ')}`);
}

/** Whether the database accepts `credentials` through `target`: false on an authentication failure, a throw on anything else. */
export async function logsIn(target: Target, credentials: Credentials): Promise<boolean> {
  try {
    const session = await target.connect(loginOf(credentials, target, silentLogger), { logger: silentLogger });
    try {
      await session.ping();
    } finally {
      await session.close();
    }
    return true;
  } catch (error) {
    if (isRotakitError(error, 'TargetAuthFailed')) return false;
    throw error;
  }
}
