// Real process crashes: each cloud's rotation handler runs in a child node process (built code,
// talking to the cloud's emulator over HTTP and to a real MariaDB), and the test SIGKILLs it at a
// seeded random moment of a random step. After each kill the current or the pending credentials
// must log in; after the cloud re-drives the rotation as it does, the rotation must have converged;
// and no password the run generated or stored may appear in anything the children wrote.
// Needs `pnpm -r build` first (the children import the packages' dist). Scale with
// ROTAKIT_ADVERSARIAL_RUNS, replay with ROTAKIT_ADVERSARIAL_SEED: see README.md.
import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireFreshBuilds } from './support/builds.js';
import { alibabaFamily, awsFamily, ncloudFamily, type CloudFamily } from './support/clouds.js';
import type { StrategyKind } from './support/containers.js';
import { Database } from './support/database.js';
import { capturedText, convergenceProblems, leaksIn, PasswordLedger, runFamily, summaryLine } from './support/family.js';
import { runSeed, runsPerFamily, seededRandom } from './support/settings.js';

const RUNS = runsPerFamily();
const SEED = runSeed();
/** Each family's own random source, so that one family's choices do not shift another's. */
const randomFor = (index: number) => seededRandom(SEED + index);
/** Generous per kill: a container loads its handler in one to three seconds on a busy machine. */
const TIMEOUT_MS = 60_000 + RUNS * 15_000;

const CLOUDS: Record<string, (db: Database, strategy: StrategyKind) => Promise<CloudFamily>> = {
  aws: awsFamily,
  alibaba: alibabaFamily,
  ncloud: ncloudFamily,
};
const STRATEGIES: readonly StrategyKind[] = ['single-user', 'alternating-users'];

let db: Database;

beforeAll(async () => {
  requireFreshBuilds();
  console.log(`crash family: seed ${SEED}, ${RUNS} kills per cloud and strategy (ROTAKIT_ADVERSARIAL_SEED=${SEED} replays the choices)`);
  db = await Database.start();
});
afterAll(async () => {
  await db?.close();
});

describe('the leak scan', () => {
  it('finds a password written raw, in JSON or as node prints it, and names it by its place only', () => {
    const passwords = ['Plain-pw-1', 'Back\\slash"quote-2', 'All\'three"quotes`\\3', 'Never-written-4'];
    const text = [`login ${passwords[0]}`, JSON.stringify({ args: [passwords[1]] }), inspect({ password: passwords[2] })].join('\n');
    expect(leaksIn(text, passwords)).toEqual([
      'password #1 of 4 appears in the output',
      'password #2 of 4 appears in the output',
      'password #3 of 4 appears in the output',
    ]);
  });
});

describe('real process crashes: a handler container SIGKILLed at a random moment, then re-driven as its cloud does', () => {
  Object.entries(CLOUDS).forEach(([cloud, start], cloudIndex) => {
    STRATEGIES.forEach((strategy, strategyIndex) => {
      it(
        `${cloud}, ${strategy}: no lockout after any kill, convergence after each re-drive, no password in the output`,
        async () => {
          const family = await start(db, strategy);
          const report = await runFamily(family, db, RUNS, randomFor(cloudIndex * STRATEGIES.length + strategyIndex));
          console.log(summaryLine(report, SEED));
          expect(report.kills).toBe(RUNS);
          // Every kill failed an invocation, and the cloud ran it again.
          expect(report.redrives).toBe(RUNS);
          expect(report.lockouts).toEqual([]);
          expect(report.leaks).toEqual([]);
          expect(report.currentLoggedIn + report.onlyPendingLoggedIn).toBe(RUNS);
          // Alternating users never touch the current user: it logs in after every kill.
          if (strategy === 'alternating-users') expect(report.onlyPendingLoggedIn).toBe(0);
        },
        TIMEOUT_MS,
      );
    });
  });
});

describe('Alibaba: the crash the random family reaches only now and then, forced', () => {
  // Killed in `new` just after KMS holds its pending version: the retried `new` must find that
  // version (the VersionId derives from the execution, not from the request id each invocation
  // gets), and with no retry at all the next execution must resume it.
  const forced = async (prefix: string, stateRetries: number): Promise<{ redrives: number; problems: string[]; leaks: string[] }> => {
    const family = await alibabaFamily(db, 'single-user', { accountPrefix: prefix, stateRetries });
    const ledger = new PasswordLedger(db.server.admin.password);
    let result: { redrives: number; problems: string[] };
    try {
      ledger.gather(family);
      const before = family.stages().current;
      await family.host.armKill({ label: 'new', at: { when: () => family.stages().pending !== undefined } });
      const { redrives } = await family.rotate();
      expect(family.host.counts.kills).toBe(1);
      ledger.gather(family);
      result = { redrives, problems: await convergenceProblems(family, db, before, undefined) };
    } finally {
      await family.close();
    }
    return { ...result, leaks: leaksIn(capturedText(family), ledger.all) };
  };

  it('the workflow retries the killed new, and the rotation finishes under one VersionId', async () => {
    expect(await forced('ali_retry', 3)).toEqual({ redrives: 1, problems: [], leaks: [] });
  }, 60_000);

  it('with no retry the execution fails, and the next execution resumes the rotation', async () => {
    expect(await forced('ali_next', 0)).toEqual({ redrives: 1, problems: [], leaks: [] });
  }, 60_000);
});
