// What a rotating pool does when the database refuses credentials the secret cannot replace: one
// refresh, then rotakit's typed TargetAuthFailed, never a password in it; logins held back for the
// interval (counted by the server, not by the pool), and the pool back at work once the secret is
// fixed. Plus option checks, and a query at work finishing on its old pool while the pool moves on.
import { PutSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { InvalidOptionsError, isRotakitError } from '@rotakit/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRotatingMssqlPool } from '../src/mssql.js';
import { createRotatingMysqlPool } from '../src/mysql2.js';
import { createRotatingPgPool } from '../src/pg.js';
import { RotatingLogin } from '../src/index.js';
import { fakeClock } from './helpers.js';
import { APP_KEY, appSecret, ENGINES, eventLog, rotator, startWorld, type Database, type World } from './pools-world.js';

const INTERVAL_MS = 60_000;

describe.each(ENGINES)('$name: refused credentials', (engine) => {
  let world: World;
  let db: Database;
  let users = 0;

  beforeAll(async () => {
    [world, db] = await Promise.all([startWorld(), engine.start()]);
  });
  afterAll(async () => {
    await Promise.all([world?.close(), db?.close()]);
  });

  it('a login refused again after the refresh is TargetAuthFailed, without a password; logins held back; fixed secret → back to work', async () => {
    users += 1;
    const username = `app_wrong_${users}`;
    const wrong = `Wrong-password-${users}-x`;
    const { id, password } = await appSecret(world, engine, db, username, { stored: wrong });
    const clock = fakeClock();
    const log = eventLog();
    const pool = engine.pool(world.reader(id, 300_000), { minRefreshIntervalMs: INTERVAL_MS, now: clock.now, onEvent: log.onEvent });
    const settled = () => new Promise((resolve) => setTimeout(resolve, 200));
    const refusedBefore = await db.refusedLogins();
    world.sm.resetCalls();

    const first = await Promise.allSettled(Array.from({ length: 16 }, () => pool.query()));
    const errors = first.map((outcome) => (outcome.status === 'rejected' ? (outcome.reason as Error) : undefined));
    expect(errors.every((error) => isRotakitError(error, 'TargetAuthFailed'))).toBe(true);
    // One read at start; the refusal locates the stages (one DescribeSecret for sixteen refusals),
    // finds no version but the refused one, and reads no value.
    expect(world.appReads()).toBe(1);
    expect(world.sm.callCountsBy(APP_KEY.accessKeyId)['DescribeSecret']).toBe(1);
    // The server's count (PostgreSQL's comes through its log, a moment later).
    await settled();
    const refusedAfterFirst = await db.refusedLogins();
    expect(refusedAfterFirst - refusedBefore).toBeGreaterThan(0);
    expect(refusedAfterFirst - refusedBefore).toBeLessThanOrEqual(16);

    // Within the interval: refused at once, no login reaches the server, no read reaches the store.
    const held = await Promise.allSettled(Array.from({ length: 50 }, () => pool.query()));
    expect(held.every((outcome) => outcome.status === 'rejected' && isRotakitError(outcome.reason, 'TargetAuthFailed'))).toBe(true);
    await settled();
    expect(await db.refusedLogins()).toBe(refusedAfterFirst);
    expect(world.appReads()).toBe(1);
    expect(world.sm.callCountsBy(APP_KEY.accessKeyId)['DescribeSecret']).toBe(1);

    for (const error of [...errors, ...held.map((outcome) => (outcome as PromiseRejectedResult).reason as Error)]) {
      const text = `${String(error)} ${JSON.stringify(error)} ${error?.stack ?? ''} ${String(error?.cause ?? '')}`;
      expect(text).not.toContain(password);
      expect(text).not.toContain(wrong);
    }
    expect(JSON.stringify(log.events)).not.toContain(wrong);
    expect(log.events.filter((event) => event.type === 'pool.auth-failed')).toHaveLength(1);

    // The secret is fixed; once the interval has passed, the next refusal reads it and the pool works.
    await world.admin.send(
      new PutSecretValueCommand({
        SecretId: id,
        SecretString: JSON.stringify({ engine: engine.awsEngine, host: db.host, port: db.port, dbname: db.database, username, password }),
      }),
    );
    clock.advance(INTERVAL_MS);
    await expect(pool.query()).resolves.toBeDefined();
    expect(pool.generation).toBe(2);
    await pool.end();
  });

  it('a connection at work when the credentials change finishes on its old pool', async () => {
    users += 1;
    const { id } = await appSecret(world, engine, db, `app_long_${users}`);
    const rotate = rotator(world, engine, false);
    const log = eventLog();
    const pool = engine.pool(world.reader(id, 300_000), { minRefreshIntervalMs: 0, onEvent: log.onEvent }, false);
    await pool.query();
    const held = pool.holdAcross(async () => {
      await rotate(id);
      // New logins meet the new password: the pool moves to generation 2 while the held connection waits.
      await Promise.all([pool.churn(), pool.churn(), pool.churn(), pool.churn()]);
      expect(log.events, JSON.stringify(log.events)).toHaveLength(1);
      expect(pool.generation).toBe(2);
    });
    await expect(held).resolves.toBeDefined();
    await expect(pool.query()).resolves.toBeDefined();
    await pool.end();
  });
});

describe('rotating pool options', () => {
  const reader = { not: 'a reader' };
  it.each([
    ['mysql2', () => createRotatingMysqlPool(reader as never)],
    ['pg', () => createRotatingPgPool(reader as never)],
    ['mssql', () => createRotatingMssqlPool(reader as never)],
  ])('%s refuses what is not a SecretReader, naming reader', (_name, build) => {
    expect(build).toThrow(InvalidOptionsError);
    expect(() => build()).toThrow(/reader/);
  });

  it('each pool refuses credentials in its driver options and unknown keys, naming the field', async () => {
    const world = await startWorld();
    try {
      const real = world.reader('app/db', 1000);
      const cases: Array<[() => unknown, string]> = [
        [() => createRotatingMysqlPool(real, { pool: { user: 'x' } as never }), 'pool.user'],
        [() => createRotatingMysqlPool(real, { pool: { password: 'x' } as never }), 'pool.password'],
        [() => createRotatingPgPool(real, { pool: { connectionString: 'postgres://x' } as never }), 'pool.connectionString'],
        [() => createRotatingMssqlPool(real, { config: { password: 'x' } as never }), 'config.password'],
        [() => createRotatingMysqlPool(real, { ttl: 5 } as never), 'ttl'],
        [() => createRotatingPgPool(real, { minRefreshIntervalMs: -1 }), 'minRefreshIntervalMs'],
        [() => createRotatingMssqlPool(real, { onEvent: 'x' as never }), 'onEvent'],
        [() => new RotatingLogin(real, { now: 5 as never }), 'now'],
      ];
      for (const [build, field] of cases) {
        let error: unknown;
        try {
          build();
        } catch (caught) {
          error = caught;
        }
        expect(error, field).toBeInstanceOf(InvalidOptionsError);
        expect((error as InvalidOptionsError).field, field).toBe(field);
      }
    } finally {
      await world.close();
    }
  });
});
