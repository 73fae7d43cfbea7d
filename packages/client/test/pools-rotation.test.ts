// The proof: 16 workers query continuously through each rotating pool while rotakit's rotation
// handler rotates the same secret through the Secrets Manager emulator, 50 times with one user and
// 50 times with alternating users, on real MariaDB and PostgreSQL servers and the TDS fake. No query
// fails; the application's reads, counted by the emulator per signing key, stay within one per time
// to live plus one per rotation the pool detected (two when it met the rotation between its set and
// finish steps: current read anew, then pending); no password in any event or error.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PoolEvent } from '../src/index.js';
import { appSecret, ENGINES, eventLog, rotator, startWorld, type Database, type World } from './pools-world.js';

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

describe.each(ENGINES)('$name: a rotating pool under load while the secret rotates', (engine) => {
  let world: World;
  let db: Database;

  beforeAll(async () => {
    [world, db] = await Promise.all([startWorld(), engine.start()]);
  });
  afterAll(async () => {
    await Promise.all([world?.close(), db?.close()]);
  });

  it.each([
    ['single user', false],
    ['alternating users', true],
  ] as const)(`%s: ${ROTATIONS} rotations, ${WORKERS} workers, 0 failed queries, reads bounded`, { timeout: 180_000 }, async (_name, alternating) => {
    const username = alternating ? 'app_alt' : 'app_single';
    const { id, password } = await appSecret(world, engine, db, username, { alternating });
    const rotate = rotator(world, engine, alternating);
    const passwords = new Set([password, db.admin.password]);
    const log = eventLog();
    world.sm.resetCalls();
    const started = Date.now();
    const pool = engine.pool(world.reader(id, TTL_MS), { minRefreshIntervalMs: 100, onEvent: log.onEvent });

    const failures: unknown[] = [];
    let queries = 0;
    let stop = false;
    const workers = Array.from({ length: WORKERS }, async (_, worker) => {
      while (!stop) {
        try {
          await (worker % 4 === 0 ? pool.churn() : pool.query());
          queries += 1;
        } catch (error) {
          failures.push(error);
        }
        // A breath between queries, so that on a small machine the rotations get the processor too.
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
    });

    const usernames = new Set<string>();
    for (let rotation = 0; rotation < ROTATIONS; rotation += 1) {
      await rotate(id);
      for (const seen of stagePasswords(world, id)) passwords.add(seen);
      usernames.add((JSON.parse(world.sm.stageValues(id).current as string) as { username: string }).username);
    }
    // Let the workers meet the last rotation before they stop.
    await new Promise((resolve) => setTimeout(resolve, 150));
    stop = true;
    await Promise.all(workers);
    const duration = Date.now() - started;
    const reads = world.appReads();
    await pool.end();

    expect(failures.map((error) => String(error))).toEqual([]);
    expect(queries).toBeGreaterThan(WORKERS * ROTATIONS);
    if (alternating) expect(usernames).toEqual(new Set([username, `${username}_clone`]));
    const changes = log.events.filter((event): event is Extract<PoolEvent, { type: 'pool.credentials-changed' }> => event.type === 'pool.credentials-changed');
    const refused = changes.filter((event) => event.via === 'refused');
    // The refusal path was taken (new logins met changed passwords), and the pool followed the rotations.
    expect(refused.length).toBeGreaterThan(0);
    expect(pool.generation).toBeGreaterThan(1);
    expect(log.events.filter((event) => event.type === 'pool.auth-failed')).toEqual([]);
    const windowCatches = changes.filter((event) => event.stage === 'pending').length;
    expect(reads).toBeLessThanOrEqual(Math.ceil(duration / TTL_MS) + 1 + ROTATIONS + windowCatches);
    const output = JSON.stringify(log.events);
    for (const secret of passwords) expect(output).not.toContain(secret);
    console.log(
      `${engine.name}, ${_name}: ${queries} queries in ${duration} ms, ${ROTATIONS} rotations, ${reads} reads, ` +
        `${refused.length} changes on refusal (${windowCatches} to pending), ${changes.length - refused.length} on time to live`,
    );
  });
});
