import type { Stage } from '@rotakit/core';

/** A secret's health as `rotakit status` judges it. */
export type Verdict = 'healthy' | 'rotation in progress' | 'stuck' | 'broken';

/**
 * What logging in with one stage's credentials showed (`--check-db`): the database `accepted` or
 * `refused` the password, could not be `unreachable`d, refused the TLS asked for (`tls-refused`), or
 * the value is not credentials (`unreadable`).
 */
export type LoginCheck = 'accepted' | 'refused' | 'unreachable' | 'tls-refused' | 'unreadable';

/** One row of the stage table: a version, the stages on it, and what its login showed when checked. */
export interface StageRow {
  readonly version: string;
  readonly stages: readonly Stage[];
  readonly labels: readonly string[];
  readonly created?: Date;
  readonly login?: LoginCheck;
}

/** What a verdict is drawn from. */
export interface VerdictFacts {
  readonly rows: readonly StageRow[];
  /** Whether the cloud reports a rotation running; undefined when it cannot tell (then the pending version's age decides). */
  readonly rotationRunning?: boolean;
  /** A pending version older than this, with no running rotation reported, is stuck. */
  readonly stuckAfterMs: number;
  readonly now: Date;
}

/**
 * The verdict on a secret, with the reason in one line. Broken: the current stage's login was
 * checked and did not succeed. Stuck: a pending version apart from current that no running rotation
 * owns (the cloud says none runs, or the version is older than `stuckAfterMs`): the cloud's next
 * rotation is refused or reuses it. Rotation in progress: a pending version a running rotation
 * owns. Healthy otherwise.
 */
export function verdictOf(facts: VerdictFacts): { verdict: Verdict; reason: string } {
  const current = facts.rows.find((row) => row.stages.includes('current'));
  if (current === undefined) return { verdict: 'broken', reason: 'no version holds the current stage' };
  if (current.login !== undefined && current.login !== 'accepted') {
    return { verdict: 'broken', reason: `the current stage's login was ${current.login}` };
  }
  const pending = facts.rows.find((row) => row.stages.includes('pending') && !row.stages.includes('current'));
  if (pending === undefined) return { verdict: 'healthy', reason: 'current logs in and no rotation is pending' };
  const running =
    facts.rotationRunning ??
    (pending.created !== undefined && facts.now.getTime() - pending.created.getTime() < facts.stuckAfterMs);
  if (running) return { verdict: 'rotation in progress', reason: `version ${pending.version} is pending and a rotation owns it` };
  return { verdict: 'stuck', reason: `version ${pending.version} is pending and no running rotation owns it; run rotakit recover` };
}
