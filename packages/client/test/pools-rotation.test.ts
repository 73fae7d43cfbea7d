// The proof: 16 workers query continuously through each rotating pool while rotakit's rotation
// handler rotates the same secret through the Secrets Manager emulator, 50 times with one user and
// 50 times with alternating users (the two side by side, on their own users, secrets and signing
// keys), on real MariaDB and PostgreSQL servers and the TDS fake. No query fails; the application's
// reads, counted by the emulator per signing key, stay within one per time to live, plus one, plus
// one per rotation the pool detected (its own change events), and never more than one per rotation
// run (the bound, literally); no password in any event or error.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PoolEvent } from '../src/index.js';
import { APP_KEY, appSecret, ENGINES, eventLog, OTHER_APP_KEY, rotator, startWorld, type AppKey, type Database, type Engine, type World } from './pools-world.js';

const WORKERS = 16;
const ROTATIONS = 50;
const TTL_MS = 5000;

/** Every password a stage of `secretId` holds now. */
function stagePasswords(world: World, secretId: string): string[] {
  const values = world.sm.stageValues(secretId);
  return [values.current, values.pending, values.previous]
    .filter((value): value is string => typeof value === 'string')
    .map((value) => (JSON.parse(value) as { password: string }).password);
}

interface Run {
  readonly name: string;
  readonly username: string;
  readonly failures: string[];
  readonly queries: number;
  readonly duration: number;
  readonly reads: number;
  /** The pool's DescribeSecret calls. */
  readonly locates: number;
  readonly generation: number;
  readonly events: PoolEvent[];
  readonly passwords: Set<string>;
  readonly usernames: Set<string>;
}

/** 16 workers through one pool while `ROTATIONS` rotations run back to back on its secret. */
async function underLoad(world: World, engine: Engine, db: Database, alternating: boolean, key: AppKey, secret: { id: string; password: string }): Promise<Run> {
  const name = alternating ? 'alternating users' : 'single user';
  const username = alternating ? 'app_alt' : 'app_single';
  const { id, password } = secret;
  const rotate = rotator(world, engine, alternating);
  const passwords = new Set([password, db.admin.password]);
  const log = eventLog();
  const before = world.appReads(key);
  const locatesBefore = world.sm.callCountsBy(key.accessKeyId)['DescribeSecret'] ?? 0;
  const started = Date.now();
  // Rotations here run back to back, a few hundred milliseconds apart: an interval between refreshes
  // near that would make the pool skip rotations' windows by design (real ones are days apart).
  const pool = engine.pool(world.reader(id, TTL_MS, key), { minRefreshIntervalMs: 10, onEvent: log.onEvent });

  const failures: string[] = [];
  let queries = 0;
  let stop = false;
  const workers = Array.from({ length: WORKERS }, async (_, worker) => {
    while (!stop) {
      try {
        await (worker % 4 === 0 ? pool.churn() : pool.query());
        queries += 1;
      } catch (error) {
        failures.push(String(error));
      }
      // A breath between queries, so that on a small machine the rotations get the processor too.
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
  });

  const usernames = new Set<string>();
  try {
    for (let rotation = 0; rotation < ROTATIONS; rotation += 1) {
      await rotate(id);
      for (const seen of stagePasswords(world, id)) passwords.add(seen);
      usernames.add((JSON.parse(world.sm.stageValues(id).current as string) as { username: string }).username);
    }
    // Queries begun after the last rotation finish before the workers stop.
    const done = queries;
    while (queries < done + WORKERS && failures.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
  } finally {
    // Stopped whatever happened, so a failed rotation leaves no workers behind for the next engine.
    stop = true;
    await Promise.all(workers);
  }
  const duration = Date.now() - started;
  const reads = world.appReads(key) - before;
  const locates = (world.sm.callCountsBy(key.accessKeyId)['DescribeSecret'] ?? 0) - locatesBefore;
  const generation = pool.generation;
  await pool.end();
  return { name, username, failures, queries, duration, reads, locates, generation, events: log.events, passwords, usernames };
}

describe.each(ENGINES)('$name: rotating pools under load while their secrets rotate', (engine) => {
  let world: World;
  let db: Database;

  beforeAll(async () => {
    [world, db] = await Promise.all([startWorld(), engine.start()]);
  });
  afterAll(async () => {
    await Promise.all([world?.close(), db?.close()]);
  });

  it(`single user and alternating users side by side: ${ROTATIONS} rotations each, ${WORKERS} workers each, 0 failed queries, reads bounded`, { timeout: 180_000 }, async () => {
    // Users and secrets made one after the other (PostgreSQL refuses two grants on one database at once).
    const single = await appSecret(world, engine, db, 'app_single');
    const alternate = await appSecret(world, engine, db, 'app_alt', { alternating: true });
    const runs = await Promise.all([
      underLoad(world, engine, db, false, APP_KEY, single),
      underLoad(world, engine, db, true, OTHER_APP_KEY, alternate),
    ]);
    for (const run of runs) {
      const alternating = run.name === 'alternating users';
      expect(run.failures, run.name).toEqual([]);
      expect(run.queries, run.name).toBeGreaterThan(WORKERS * ROTATIONS);
      if (alternating) expect(run.usernames).toEqual(new Set([run.username, `${run.username}_clone`]));
      const changes = run.events.filter((event): event is Extract<PoolEvent, { type: 'pool.credentials-changed' }> => event.type === 'pool.credentials-changed');
      const refused = changes.filter((event) => event.via === 'refused');
      // The refusal path was taken (new logins met changed passwords), and the pool followed the rotations.
      expect(refused.length, run.name).toBeGreaterThan(0);
      expect(run.generation, run.name).toBeGreaterThan(1);
      expect(run.events.filter((event) => event.type === 'pool.auth-failed'), run.name).toEqual([]);
      // Reads of the secret's value: one at start, one per time to live, one per rotation the pool
      // detected (each change event), and never more than one per rotation run, unless the pool
      // detected more changes than rotations: with rotations back to back, a pool refused just
      // after a finish can read the next rotation's pending before its set step, move to it, be
      // refused, and move back (two changes, one rotation). A refusal locates the stages first
      // (DescribeSecret, no value read): one per refresh at most.
      const perTtl = Math.ceil(run.duration / TTL_MS) + 1;
      const windowCatches = changes.filter((event) => event.stage === 'pending').length;
      console.log(
        `${engine.name}, ${run.name}: ${run.queries} queries in ${run.duration} ms, ${ROTATIONS} rotations, ${run.reads} reads ` +
          `(bound ${perTtl} + ${changes.length} detected), ${run.locates} DescribeSecret, ` +
          `${refused.length} changes on refusal (${windowCatches} to pending), ${changes.length - refused.length} on time to live`,
      );
      expect(run.reads, `${run.name}: reads against ${changes.length} detected rotations`).toBeLessThanOrEqual(perTtl + changes.length);
      expect(run.reads, `${run.name}: reads against ${ROTATIONS} rotations`).toBeLessThanOrEqual(perTtl + Math.max(ROTATIONS, changes.length));
      // Every refresh ends in a change on refusal (none gave up: no auth-failed event).
      expect(run.locates, run.name).toBeLessThanOrEqual(refused.length);
      const output = JSON.stringify(run.events);
      for (const secret of run.passwords) expect(output).not.toContain(secret);
    }
  });
});
