// One run of the crash family for one cloud and strategy: two undisturbed rotations to measure the
// steps, then rotations with a SIGKILL armed at a random moment of a random step, each checked for
// lockout after the kill and for convergence after the cloud re-drove it; then the leak scan.
import { inspect } from 'node:util';
import type { CloudFamily } from './clouds.js';
import type { Database } from './database.js';
import { pick } from './settings.js';

/** What a family run counted, for the one-line summary and the assertions. */
export interface FamilyReport {
  readonly family: string;
  /** Kills that struck while an invocation ran. */
  readonly kills: number;
  /** Kills armed; those whose invocation answered first did not strike. */
  readonly armed: number;
  /** Invocations, executions or jobs the cloud ran again after a crash. */
  readonly redrives: number;
  /** After a kill: how often current logged in, and how often only pending did. */
  readonly currentLoggedIn: number;
  readonly onlyPendingLoggedIn: number;
  /** Post-kill states in which neither current nor pending logged in (each described, no value). */
  readonly lockouts: readonly string[];
  /** Rotations that converged with the pending label left on the current version. */
  readonly residues: number;
  /** Passwords found in the captured output, each described by its place in the list, never by its value. */
  readonly leaks: readonly string[];
  /** Distinct passwords the scan looked for, and how much output it read. */
  readonly passwordsScanned: number;
  readonly outputBytes: number;
  readonly containers: number;
}

/** How many kills may be armed per kill wanted before the run gives up (the invocations kept answering first). */
const ARMS_PER_KILL = 5;

/** Every password the family's emulator has stored so far, gathered each time it is asked. */
export class PasswordLedger {
  readonly #seen = new Set<string>();

  constructor(...known: string[]) {
    for (const password of known) this.#seen.add(password);
  }

  /** Adds what the emulator holds now; call it after anything that may have stored a value. */
  gather(family: CloudFamily): void {
    for (const password of family.passwords()) if (password) this.#seen.add(password);
  }

  get all(): string[] {
    return [...this.#seen];
  }
}

/**
 * What is wrong with the secret after a rotation that should have converged (empty when nothing):
 * a pending value left, current unchanged since `before`, a user the rotation does not use, or a
 * current that does not log in; for alternating users, a current user whose grants are not
 * `privileges` (the original user's).
 */
export async function convergenceProblems(
  family: CloudFamily,
  db: Database,
  before: string,
  privileges: readonly string[] | undefined,
): Promise<string[]> {
  const stages = family.stages();
  const login = family.loginOf(stages.current);
  const problems = [
    ...(stages.pending === undefined ? [] : ['a pending value is left on a version other than current']),
    ...(stages.current === before ? ['current did not change'] : []),
    ...(family.usernames.includes(login.username) ? [] : [`current names ${login.username}, not one of the rotation's users`]),
    ...(family.strategy === 'single-user' && login.username !== family.usernames[0] ? ['single-user rotation changed the user'] : []),
    ...((await db.logsIn(login)) ? [] : ['current does not log in']),
  ];
  if (family.strategy === 'alternating-users') {
    const held = await db.privilegesOf(login.username);
    if (JSON.stringify(held) !== JSON.stringify(privileges)) {
      problems.push(`${login.username} holds ${JSON.stringify(held)}, not the original user's ${JSON.stringify(privileges)}`);
    }
  }
  return problems;
}

/**
 * Runs the family until `kills` kills have struck, then closes it. Throws, naming the trial and
 * its kill, at the first rotation that does not converge; lockouts and leaks are reported for the
 * caller to assert.
 */
export async function runFamily(family: CloudFamily, db: Database, kills: number, random: () => number): Promise<FamilyReport> {
  const name = `${family.cloud}/${family.strategy}`;
  const ledger = new PasswordLedger(db.server.admin.password);
  const lockouts: string[] = [];
  let currentLoggedIn = 0;
  let onlyPendingLoggedIn = 0;
  let redrives = 0;
  let residues = 0;
  let armed = 0;
  const { host } = family;
  const privileges = await db.privilegesOf(family.usernames[0] ?? '');

  const converge = async (trial: string): Promise<void> => {
    const before = family.stages().current;
    const run = await family.rotate().catch((error: unknown) => {
      throw new Error(`${name} ${trial}: the rotation did not finish: ${error instanceof Error ? error.message : String(error)}`);
    });
    redrives += run.redrives;
    ledger.gather(family);
    if (family.stages().pendingOnCurrent) residues += 1;
    const problems = await convergenceProblems(family, db, before, privileges);
    if (problems.length > 0) throw new Error(`${name} ${trial}: the rotation did not converge: ${problems.join('; ')}`);
  };

  /** After a kill, before the cloud re-drives: the current or the pending credentials log in. */
  const checkNoLockout = async (trial: string): Promise<void> => {
    ledger.gather(family);
    const stages = family.stages();
    const current = await db.logsIn(family.loginOf(stages.current));
    const pending = stages.pending === undefined ? false : await db.logsIn(family.loginOf(stages.pending));
    if (current) currentLoggedIn += 1;
    else if (pending) onlyPendingLoggedIn += 1;
    else lockouts.push(`${trial}: neither current nor pending logs in`);
  };

  try {
    ledger.gather(family);
    // Two undisturbed rotations measure each step cold (a container's first) and warm.
    await converge('undisturbed rotation 1');
    await converge('undisturbed rotation 2');
    while (host.counts.kills < kills) {
      if (armed >= kills * ARMS_PER_KILL) {
        throw new Error(`${name}: ${armed} kills armed, ${host.counts.kills} struck: the invocations keep answering first`);
      }
      armed += 1;
      const label = pick(random, family.labels);
      const delayMs = random() * host.typicalMs(label);
      const trial = `trial ${armed} (kill in ${label} after ${delayMs.toFixed(1)} ms)`;
      await host.armKill({ label, at: { delayMs }, afterKill: () => checkNoLockout(trial) });
      await converge(trial);
    }
  } finally {
    await family.close();
  }
  if (host.failures.length > 0) throw new AggregateError(host.failures, `${name}: a check after a kill failed`);
  ledger.gather(family);
  const text = capturedText(family);
  // The scan must have something to read: the containers' log lines are in it.
  if (!text.includes('step create started')) throw new Error(`${name}: the captured output holds no log line of the rotations`);
  return {
    family: name,
    kills: host.counts.kills,
    armed,
    redrives,
    currentLoggedIn,
    onlyPendingLoggedIn,
    lockouts,
    residues,
    leaks: leaksIn(text, ledger.all),
    passwordsScanned: ledger.all.length,
    outputBytes: Buffer.byteLength(text),
    containers: host.counts.spawned,
  };
}

/** Everything the family's containers wrote, and what its emulator noted about invocations; read it after `close`. */
export function capturedText(family: CloudFamily): string {
  return [...family.host.output, family.emulatorText()].join('\n');
}

/**
 * The passwords `text` contains, raw or escaped as JSON and node's inspect write them; each is
 * described by its place in `passwords`, never by its value.
 */
export function leaksIn(text: string, passwords: readonly string[]): string[] {
  const forms = (password: string) => [password, JSON.stringify(password).slice(1, -1), inspect(password).slice(1, -1)];
  return passwords.flatMap((password, index) =>
    forms(password).some((form) => text.includes(form)) ? [`password #${index + 1} of ${passwords.length} appears in the output`] : [],
  );
}

/** The one line a run prints, to be quoted. */
export function summaryLine(report: FamilyReport, seed: number): string {
  return (
    `crash family ${report.family}: kills ${report.kills} (armed ${report.armed}), re-drives ${report.redrives}` +
    `, lockouts ${report.lockouts.length} (after a kill current logged in ${report.currentLoggedIn}, only pending ${report.onlyPendingLoggedIn})` +
    `, pending residue on current ${report.residues}, leaks ${report.leaks.length}` +
    ` (${report.passwordsScanned} passwords, ${Math.round(report.outputBytes / 1024)} KiB scanned), containers ${report.containers}, seed ${seed}`
  );
}
