import { InvalidOptionsError, rotate, type Redactor, type Strategy } from '@rotakit/core';
import type { CloudSecrets } from './cloud.js';
import { checkVersionLogin } from './status.js';
import type { TargetPicker } from './targets.js';
import type { LoginCheck } from './verdict.js';

/**
 * What recover will do: `finish` (the database has the pending password: make it current),
 * `withdraw` (pending never reached the database: take the pending stage off it), `nothing` (no
 * pending version apart from current), or `refuse` (neither outcome keeps a current password that
 * logs in).
 */
export type RecoveryAction = 'finish' | 'withdraw' | 'nothing' | 'refuse';

/** The plan `recover --dry-run` prints, and what the real run carries out. */
export interface RecoveryPlan {
  readonly secretId: string;
  readonly action: RecoveryAction;
  readonly reason: string;
  readonly current?: { readonly version: string; readonly login: LoginCheck };
  readonly pending?: { readonly version: string; readonly login: LoginCheck };
}

/** Reads current and pending, logs in (read-only) with each, and decides. Changes nothing. */
export async function planRecovery(
  secrets: CloudSecrets,
  secretId: string,
  options: { readonly picker: TargetPicker; readonly redactor: Redactor },
): Promise<RecoveryPlan> {
  if (secrets.localStore === undefined && secrets.recovery === undefined) {
    throw new InvalidOptionsError(`recover is not possible on --cloud ${secrets.cloud} in this version`, { field: '--cloud' });
  }
  const inspection = await secrets.inspect(secretId);
  if (inspection.rotationRunning === true) {
    return { secretId, action: 'refuse', reason: 'the cloud reports a rotation running: let it end (or cancel it) first' };
  }
  const currentVersion = inspection.versions.find((version) => version.stages.includes('current'));
  const pendingVersion = inspection.versions.find((version) => version.stages.includes('pending') && !version.stages.includes('current'));
  if (currentVersion === undefined) return { secretId, action: 'refuse', reason: 'no version holds the current stage' };
  const current = { version: currentVersion.id, login: await checkVersionLogin(secrets, secretId, currentVersion, options.picker, options.redactor) };
  if (pendingVersion === undefined) return { secretId, action: 'nothing', reason: 'no rotation is pending', current };
  const pending = { version: pendingVersion.id, login: await checkVersionLogin(secrets, secretId, pendingVersion, options.picker, options.redactor) };
  const both = { current, pending };
  if (pending.login === 'accepted') {
    return { secretId, action: 'finish', reason: `the database accepts pending (${pending.version}): make it current`, ...both };
  }
  if (pending.login === 'refused' || pending.login === 'unreadable') {
    if (current.login === 'accepted') {
      return { secretId, action: 'withdraw', reason: `pending (${pending.version}) never reached the database and current logs in: withdraw it`, ...both };
    }
    return { secretId, action: 'refuse', reason: `neither current nor pending logs in (current ${current.login}, pending ${pending.login}): nothing rotakit can change keeps a working current`, ...both };
  }
  return { secretId, action: 'refuse', reason: `pending's login was ${pending.login}: cannot tell whether the database has it`, ...both };
}

/**
 * Carries out a `finish` or `withdraw` plan: through the cloud's {@link CloudSecrets.recovery}
 * where it has one (NAVER: Update Secret Value), else through its store, where `finish` re-runs
 * core's steps under the pending version's token, which find create and set done.
 */
export async function carryOut(
  secrets: CloudSecrets,
  plan: RecoveryPlan,
  options: { readonly picker: TargetPicker; readonly strategy: Strategy },
): Promise<void> {
  if (plan.pending === undefined || (plan.action !== 'finish' && plan.action !== 'withdraw')) return;
  if (secrets.recovery !== undefined) {
    await (plan.action === 'finish' ? secrets.recovery.finish(plan.secretId) : secrets.recovery.withdraw(plan.secretId));
    return;
  }
  const local = secrets.localStore?.(plan.secretId);
  if (local === undefined) return;
  if (plan.action === 'finish') {
    await rotate({
      store: local.store,
      target: (credentials) => options.picker.targetFor(credentials),
      strategy: options.strategy,
      schema: secrets.schema,
      secretId: local.secretId,
      token: plan.pending.version,
    });
  } else if (plan.action === 'withdraw') {
    const session = await local.store.open(local.secretId, plan.pending.version);
    if (session.withdraw === undefined) throw new InvalidOptionsError(`the ${secrets.cloud} store cannot withdraw a pending version`, { field: '--cloud' });
    await session.withdraw();
  }
}

/** What recover found after its change: the current version and its login (read-only), and whether anything is still pending. */
export interface RecoveryCheck {
  readonly current?: { readonly version: string; readonly login: LoginCheck };
  readonly pending: boolean;
}

/** Reads the secret again and logs in with its current stage: the proof that recover left a current password that works. */
export async function checkAfterRecovery(
  secrets: CloudSecrets,
  secretId: string,
  options: { readonly picker: TargetPicker; readonly redactor: Redactor },
): Promise<RecoveryCheck> {
  const inspection = await secrets.inspect(secretId);
  const currentVersion = inspection.versions.find((version) => version.stages.includes('current'));
  const pending = inspection.versions.some((version) => version.stages.includes('pending') && !version.stages.includes('current'));
  if (currentVersion === undefined) return { pending };
  return { current: { version: currentVersion.id, login: await checkVersionLogin(secrets, secretId, currentVersion, options.picker, options.redactor) }, pending };
}
