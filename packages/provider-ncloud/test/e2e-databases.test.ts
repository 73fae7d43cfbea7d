import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createConnection } from 'mysql2/promise';
import { isRotakitError, singleUser, type Target } from '@rotakit/core';
import { MssqlFake, startMariaDb, startNcloudSecretManagerEmulator, startPostgres, type NcloudSecretManagerEmulator } from '@rotakit/testkit';
import { mssqlTarget } from '@rotakit/target-mssql';
import { mysqlTarget } from '@rotakit/target-mysql';
import { postgresTarget } from '@rotakit/target-postgres';
import { quoteIdentifier, quoteLiteral } from '@rotakit/target-postgres/internal';
import { createCloudFunctionsAction, type NcloudActionResult } from '@rotakit/provider-ncloud';
import { API_KEY, capturingLogger } from './helpers.js';

/** A real database server with one application user, as the NAVER secret describes it. */
interface Database {
  readonly target: Target;
  /** The secret's non-password fields. */
  readonly fields: { cdbHost: string; cdbPort: string; cdbUser: string; cdbDatabase: string };
  close(): Promise<void>;
}

// Quotes, backslashes and the like in the first password: the targets must quote and bind, not paste.
const INITIAL_PASSWORD = `Init'"\\;--$$\`]pw-1`;

async function mariaDb(): Promise<Database> {
  const server = await startMariaDb();
  const user = `ncloud_${randomBytes(4).toString('hex')}`;
  const admin = await createConnection({ host: server.host, port: server.port, user: server.admin.username, password: server.admin.password });
  try {
    await admin.query('CREATE DATABASE IF NOT EXISTS shop');
    // query() escapes the bound values client-side; MariaDB binds no placeholder in IDENTIFIED BY.
    await admin.query('CREATE USER ?@? IDENTIFIED BY ?', [user, '%', INITIAL_PASSWORD]);
    await admin.query('GRANT SELECT ON shop.* TO ?@?', [user, '%']);
  } finally {
    await admin.end();
  }
  return {
    target: mysqlTarget({ tls: 'disable' }),
    fields: { cdbHost: server.host, cdbPort: String(server.port), cdbUser: user, cdbDatabase: 'shop' },
    close: () => server.close(),
  };
}

async function postgres(): Promise<Database> {
  const server = await startPostgres();
  const user = `ncloud_${randomBytes(4).toString('hex')}`;
  await server.query(`CREATE ROLE ${quoteIdentifier(user)} LOGIN PASSWORD ${quoteLiteral(INITIAL_PASSWORD)}`);
  return {
    target: postgresTarget({ tls: { mode: 'disable' } }),
    fields: { cdbHost: server.host, cdbPort: String(server.port), cdbUser: user, cdbDatabase: server.database },
    close: () => server.close(),
  };
}

/** SQL Server cannot run here: the testkit's TDS-speaking fake, which the real mssql driver talks to. */
async function sqlServerFake(): Promise<Database> {
  const fake = await MssqlFake.start();
  const user = `ncloud_${randomBytes(4).toString('hex')}`;
  fake.catalog.addLogin(user, INITIAL_PASSWORD);
  return {
    target: mssqlTarget({ tls: { mode: 'disable' } }),
    fields: { cdbHost: '127.0.0.1', cdbPort: String(fake.port), cdbUser: user, cdbDatabase: 'master' },
    close: () => fake.close(),
  };
}

for (const [engine, start] of [
  ['MariaDB', mariaDb],
  ['PostgreSQL', postgres],
  ['SQL Server (TDS fake)', sqlServerFake],
] as const) {
  describe(`NAVER rotation action end to end: ${engine}`, () => {
    let emulator: NcloudSecretManagerEmulator;
    let database: Database;
    let secretId: string;
    const captured = capturingLogger();
    const results: unknown[] = [];
    const seen = new Set<string>([INITIAL_PASSWORD, API_KEY.secretKey]);

    const chain = () => emulator.state().secrets.find((s) => s.secretId === secretId)?.chain;
    const passwordIn = (value: string | undefined): string => (JSON.parse(value ?? '{}') as { cdbPassword: string }).cdbPassword;
    const logsIn = async (password: string): Promise<boolean> => {
      const { cdbHost, cdbPort, cdbUser, cdbDatabase } = database.fields;
      try {
        const session = await database.target.connect({
          username: cdbUser,
          password,
          host: cdbHost,
          port: Number(cdbPort),
          database: cdbDatabase,
          tls: 'disable',
        });
        await session.ping();
        await session.close();
        return true;
      } catch (error) {
        if (isRotakitError(error, 'TargetAuthFailed')) return false;
        throw error;
      }
    };
    const runJob = async (): Promise<{ jobToken: string; result: NcloudActionResult }> => {
      const jobToken = await emulator.executeRotation(secretId, { regional: true });
      const { result, error } = await emulator.jobSettled(jobToken);
      results.push(result, error);
      return { jobToken, result: result as NcloudActionResult };
    };
    const jobStatus = (jobToken: string) => emulator.state().jobs.find((j) => j.jobToken === jobToken)?.status;

    beforeAll(async () => {
      [emulator, database] = await Promise.all([startNcloudSecretManagerEmulator({ credentials: [API_KEY] }), start()]);
      const main = createCloudFunctionsAction({
        target: database.target,
        strategy: singleUser(),
        endpoint: emulator.regionalUrl,
        retry: { baseDelayMs: 1 },
        // Every ASCII punctuation character may appear: statements must quote and bind it.
        password: { excludeCharacters: '' },
        logger: captured.logger,
        environment: {},
      });
      emulator.registerAction('rotate-db', (args) => main(args), { defaultParams: { ...API_KEY } });
      secretId = emulator.seedSecret({
        chain: { active: { ...database.fields, cdbPassword: INITIAL_PASSWORD } },
        rotationTargets: ['cdbPassword'],
        triggerId: 'rotate-db',
      });
    });
    afterAll(async () => {
      await Promise.all([emulator?.close(), database?.close()]);
    });

    it('a job invokes the action, which rotates the user; the chain shifts', async () => {
      const { jobToken, result } = await runJob();
      expect(result).toMatchObject({ done: true, steps: { create: 'done', set: 'done', test: 'done', finish: 'done' } });
      expect(jobStatus(jobToken)).toBe('completed');
      const rotated = passwordIn(chain()?.active);
      seen.add(rotated);
      expect(passwordIn(chain()?.previous)).toBe(INITIAL_PASSWORD);
      expect(chain()?.pending).toBeUndefined();
      expect(await logsIn(rotated)).toBe(true);
      expect(await logsIn(INITIAL_PASSWORD)).toBe(false);
    });

    it('a failure after the database change ends in /fail; a new job converges on the stored password', async () => {
      const before = passwordIn(chain()?.active);
      emulator.injectFault({ operation: 'completeRotationJob', kind: 'error', times: 4 });
      const failed = await runJob();
      expect(failed.result).toMatchObject({ done: false, error_code: 'StoreUnavailable' });
      expect(jobStatus(failed.jobToken)).toBe('failed');
      expect(emulator.calls().failRotationJob).toBe(1);
      const stored = passwordIn(chain()?.pending);
      seen.add(stored);
      expect(passwordIn(chain()?.active)).toBe(before);
      // The database already took the pending password: active no longer logs in.
      expect(await logsIn(stored)).toBe(true);
      expect(await logsIn(before)).toBe(false);

      const rerun = await runJob();
      expect(rerun.result).toMatchObject({ done: true, steps: { create: 'skipped', set: 'skipped', test: 'done', finish: 'done' } });
      expect(jobStatus(rerun.jobToken)).toBe('completed');
      expect(passwordIn(chain()?.active)).toBe(stored);
      expect(passwordIn(chain()?.previous)).toBe(before);
      expect(await logsIn(stored)).toBe(true);
    });

    it('wrote no password or API secret key to a log line or an answer', () => {
      const text = JSON.stringify([captured.lines, results]);
      for (const secret of seen) expect(text).not.toContain(secret);
    });
  });
}
