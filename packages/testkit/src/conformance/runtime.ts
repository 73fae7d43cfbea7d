import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isRotakitError, type CredentialSchema, type Target } from '@rotakit/core';
import type { Fault } from '../emulators/http.js';
import type { MariaDbServer } from '../fixtures/mariadb.js';
import { optionalPeer } from '../fixtures/optional.js';

/** A database account the suite made for one secret: fresh, with its first password and SELECT on `database`. */
export interface RuntimeConformanceAccount {
  readonly host: string;
  readonly port: number;
  readonly username: string;
  readonly password: string;
  readonly database: string;
}

/** One rotation of one secret: the secret's id and, where the cloud names a rotation by a token, that token. */
export interface RuntimeConformanceRotation {
  readonly secretId: string;
  readonly token?: string;
}

/** What the cloud was told of a step that failed. */
export interface RuntimeConformanceFailure {
  readonly code: string;
  readonly retryable: boolean;
}

/** What the store holds for a rotation, as the emulator has it. */
export interface RuntimeConformanceView {
  /** The current value. */
  readonly current: string | undefined;
  /** The previous value. */
  readonly previous: string | undefined;
  /** The value stored for this rotation, whatever its labels now; undefined while none is. */
  readonly stored: string | undefined;
  /** What of the rotation is left unfinished or behind, in the cloud's words; empty once it is complete and clean. */
  readonly leftovers: readonly string[];
}

/** A fault the suite injects: `error` refuses the call and changes nothing, `lose-answer` carries it out and loses the answer. */
export type RuntimeConformanceFaultKind = 'error' | 'lose-answer';

/** The emulator controls the suite uses; every testkit emulator has them. */
export interface RuntimeConformanceEmulator {
  /** Arms a fault; the suite arms `error` or `lose-answer` at the call `after + 1`, counted from now, of one operation. */
  injectFault(fault: Fault): void;
  /** Disarms every fault. */
  clearFaults(): void;
  /** The store operations called since the last reset, in order. */
  callLog(): readonly string[];
  /** Forgets the calls received so far: the next `callLog()` starts from here. */
  resetCalls(): void;
}

/** One way the cloud drives rotations (AWS: RotateSecret calling the Lambda handler, or core in process). */
export interface RuntimeConformanceDriver {
  readonly name: string;
  /** What the cloud calls, in order: core's four steps, or one run of the whole rotation (a NAVER job). */
  readonly steps: readonly string[];
  /** Starts a rotation of `secretId` as the cloud does, running no step. */
  start(secretId: string): Promise<RuntimeConformanceRotation>;
  /**
   * Runs one step as the cloud calls it, a re-drive after a crash included (AWS: the same
   * ClientRequestToken; Alibaba: the same VersionId, as the workflow retries; NAVER: a new job).
   * Resolves when it succeeded; a runtime that answers a failure resolves to what it answered,
   * one that throws rejects with the rotakit error it threw.
   */
  drive(rotation: RuntimeConformanceRotation, step: string): Promise<RuntimeConformanceFailure | undefined>;
  /** The store call that makes the new value current: the `call`-th call (from 1) of `operation` in `step`. */
  readonly promotion: { readonly step: string; readonly operation: string; readonly call: number };
  /** Exactly the calls, per operation, that some steps make in a rotation nothing disturbs. */
  readonly calls?: Readonly<Record<string, Readonly<Record<string, number>>>>;
}

/** What a provider's test file provides to run the runtime conformance suite against its emulator. */
export interface RuntimeConformanceFixture {
  /** A MariaDB server without TLS (testkit's `startMariaDb()`); the suite makes its accounts there. */
  readonly database: MariaDbServer;
  /** The target the runtime logs in with; the suite proves the current value with it. */
  readonly target: Target;
  /** The schema of the cloud's secrets, to read the current value's credentials. */
  readonly schema: CredentialSchema;
  readonly emulator: RuntimeConformanceEmulator;
  /** Every store operation a step may call; the suite fails on a call outside the list. */
  readonly operations: readonly string[];
  /** The faults every call is crashed with in turn. */
  readonly faults: readonly RuntimeConformanceFaultKind[];
  readonly drivers: readonly RuntimeConformanceDriver[];
  /** Creates a secret for `account` in the cloud's convention; returns its id. */
  createSecret(account: RuntimeConformanceAccount): Promise<string>;
  /** What the store holds for `rotation`. */
  view(rotation: RuntimeConformanceRotation): RuntimeConformanceView | Promise<RuntimeConformanceView>;
  /** Stops what the fixture started for the suite. */
  close(): Promise<void>;
}

/** The store calls of each step of a rotation nothing disturbs, in order. */
type CallProfile = Readonly<Record<string, readonly string[]>>;

const DATABASE = 'rotakit_runtime';
/** A matrix test drives a few dozen rotations against a real server. */
const MATRIX_TIMEOUT_MS = 180_000;
const FAULT_WORDS: Record<RuntimeConformanceFaultKind, string> = {
  error: 'a call refused',
  'lose-answer': 'a call carried out with its answer lost',
};

/**
 * Registers the runtime conformance suite, the crash matrix: for every driver, a fault at every
 * store call of every step in turn, then a re-drive as the cloud re-drives. The crash must reach
 * the cloud as a retryable StoreUnavailable and move the current value only at the promoting call;
 * the re-drive must converge: a new current value that logs in to the real database, the old one
 * previous, a value stored before the re-drive kept, and nothing of the rotation left behind.
 */
export function describeRuntimeConformance(name: string, setup: () => Promise<RuntimeConformanceFixture>): void {
  describe(`Runtime conformance: ${name}`, () => {
    let fixture: RuntimeConformanceFixture;
    let accounts: Accounts;
    const profiles = new Map<RuntimeConformanceDriver, Promise<CallProfile>>();

    beforeAll(async () => {
      fixture = await setup();
      accounts = await Accounts.open(fixture.database);
    });
    afterAll(async () => {
      await accounts?.close();
      await fixture?.close();
    });

    /** A fresh secret for a fresh account, and a rotation of it started as the driver starts one. */
    const begin = async (driver: RuntimeConformanceDriver) => {
      const account = await accounts.create();
      const rotation = await driver.start(await fixture.createSecret(account));
      return { account, rotation };
    };

    /** Drives `step` and expects it to succeed. */
    const succeeds = async (driver: RuntimeConformanceDriver, rotation: RuntimeConformanceRotation, step: string, point: string) => {
      expect(await outcome(driver, rotation, step), `${point}: ${step}`).toBeUndefined();
    };

    /** Expects the current value to be the account's, with a password that logs in to the server. */
    const expectLogsIn = async (view: RuntimeConformanceView, account: RuntimeConformanceAccount, point: string) => {
      expect(view.current, point).toBeDefined();
      const { username, password } = fixture.schema.parse(view.current as string).credentials;
      expect(username, point).toBe(account.username);
      const refused = await fixture.target.connect({ username, password, host: account.host, port: account.port, tls: 'disable' }).then(
        async (session) => {
          await session.ping();
          await session.close();
        },
        (error: unknown) => error,
      );
      expect(refused, `${point}: the current value logs in`).toBeUndefined();
    };

    const profileOf = (driver: RuntimeConformanceDriver): Promise<CallProfile> => {
      let profile = profiles.get(driver);
      if (profile === undefined) {
        profile = (async () => {
          const { account, rotation } = await begin(driver);
          const calls: Record<string, readonly string[]> = {};
          for (const step of driver.steps) {
            fixture.emulator.resetCalls();
            await succeeds(driver, rotation, step, `${driver.name}, nothing disturbed`);
            calls[step] = fixture.emulator.callLog();
          }
          const view = await fixture.view(rotation);
          expect(view.leftovers, `${driver.name}, nothing disturbed`).toEqual([]);
          await expectLogsIn(view, account, `${driver.name}, nothing disturbed`);
          return calls;
        })();
        profiles.set(driver, profile);
      }
      return profile;
    };

    /** One crash point: the fault at the `position`-th call of `step`, the checks after it, the re-drive and its checks. */
    const crashThenRedrive = async (driver: RuntimeConformanceDriver, step: string, position: number, kind: RuntimeConformanceFaultKind) => {
      const calls = (await profileOf(driver))[step] ?? [];
      const operation = calls[position] as string;
      const call = calls.slice(0, position + 1).filter((each) => each === operation).length;
      const point = `${driver.name}: ${step} crashed at ${operation} #${call} (${kind})`;
      const { account, rotation } = await begin(driver);
      const initial = (await fixture.view(rotation)).current;
      for (const earlier of driver.steps.slice(0, driver.steps.indexOf(step))) await succeeds(driver, rotation, earlier, point);

      fixture.emulator.injectFault({ operation, kind, after: call - 1 });
      const failure = await outcome(driver, rotation, step).finally(() => fixture.emulator.clearFaults());
      expect(failure, point).toEqual({ code: 'StoreUnavailable', retryable: true });
      const crashed = await fixture.view(rotation);
      if (promoted(driver, calls, step, position, kind)) expect(crashed.current, `${point}: the new value is current`).not.toBe(initial);
      else expect(crashed.current, `${point}: the old value is still current`).toBe(initial);

      for (const again of driver.steps) await succeeds(driver, rotation, again, `${point}, re-driven`);
      const converged = await fixture.view(rotation);
      expect(converged.leftovers, `${point}: left behind`).toEqual([]);
      expect(converged.current, `${point}: a new value is current`).not.toBe(initial);
      expect(converged.previous, `${point}: the old value is previous`).toBe(initial);
      // A value stored for the rotation before the re-drive is the one the re-drive kept and promoted.
      if (crashed.stored !== undefined) expect(converged.current, `${point}: the stored value is current`).toBe(crashed.stored);
      await expectLogsIn(converged, account, point);
    };

    it('a rotation nothing disturbs completes and logs in, its steps calling only the operations the matrix covers, as often as expected', async () => {
      for (const driver of fixture.drivers) {
        const profile = await profileOf(driver);
        for (const step of driver.steps) {
          for (const operation of profile[step] ?? []) expect(fixture.operations, `${driver.name}: ${step} calls ${operation}`).toContain(operation);
        }
        for (const [step, calls] of Object.entries(driver.calls ?? {})) expect(countsOf(profile[step]), `${driver.name}: ${step}`).toEqual(calls);
        const { step, operation, call } = driver.promotion;
        expect(countsOf(profile[step])[operation] ?? 0, `${driver.name}: ${step} promotes at ${operation} #${call}`).toBeGreaterThanOrEqual(call);
      }
    });

    for (const kind of ['error', 'lose-answer'] as const) {
      it(
        `${FAULT_WORDS[kind]} (${kind}) at every store call of every step, then a re-drive as the cloud re-drives: it converges, the current value logs in, nothing is left`,
        async (context) => {
          if (!fixture.faults.includes(kind)) context.skip(`the fixture does not inject ${kind}`);
          for (const driver of fixture.drivers) {
            const profile = await profileOf(driver);
            for (const step of driver.steps) {
              for (let position = 0; position < (profile[step] ?? []).length; position += 1) await crashThenRedrive(driver, step, position, kind);
            }
          }
        },
        MATRIX_TIMEOUT_MS,
      );
    }
  });
}

/** Drives a step; what the cloud was told when it failed, undefined when it succeeded. */
async function outcome(driver: RuntimeConformanceDriver, rotation: RuntimeConformanceRotation, step: string): Promise<RuntimeConformanceFailure | undefined> {
  try {
    return await driver.drive(rotation, step);
  } catch (error) {
    if (isRotakitError(error)) return { code: error.code, retryable: error.retryable };
    throw error;
  }
}

/**
 * Whether the crash at the `position`-th call of `step` comes after the promoting call took effect:
 * a later step, a later call, or the promoting call itself carried out with its answer lost.
 */
function promoted(driver: RuntimeConformanceDriver, calls: readonly string[], step: string, position: number, kind: RuntimeConformanceFaultKind): boolean {
  const { promotion } = driver;
  if (step !== promotion.step) return driver.steps.indexOf(step) > driver.steps.indexOf(promotion.step);
  let at = -1;
  for (let seen = 0; seen < promotion.call; seen += 1) at = calls.indexOf(promotion.operation, at + 1);
  return position > at || (position === at && kind === 'lose-answer');
}

function countsOf(calls: readonly string[] = []): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const operation of calls) counts[operation] = (counts[operation] ?? 0) + 1;
  return counts;
}

/** The suite's privileged connection to the fixture's server, making one fresh account per secret. */
class Accounts {
  readonly #admin: AdminConnection;
  readonly #server: MariaDbServer;
  /** Account names differ between runs, so that a server from `MARIADB_URL` can be used again. */
  readonly #prefix = `rt${randomBytes(3).toString('hex')}`;
  #made = 0;

  private constructor(admin: AdminConnection, server: MariaDbServer) {
    this.#admin = admin;
    this.#server = server;
  }

  /** Connects as the server's privileged account and makes the database the accounts may read. */
  static async open(server: MariaDbServer): Promise<Accounts> {
    const { createConnection } = await optionalPeer('mysql2', 'describeRuntimeConformance', () => import('mysql2/promise'));
    const admin = await createConnection({ host: server.host, port: server.port, user: server.admin.username, password: server.admin.password });
    await admin.query(`CREATE DATABASE IF NOT EXISTS ${DATABASE}`);
    return new Accounts(admin, server);
  }

  /** Creates a fresh account with its first password. */
  async create(): Promise<RuntimeConformanceAccount> {
    this.#made += 1;
    const username = `${this.#prefix}_${this.#made}`;
    const password = `Initial-${username}-pw`;
    await this.#admin.query(`CREATE USER ?@'%' IDENTIFIED BY ?`, [username, password]);
    await this.#admin.query(`GRANT SELECT ON ${DATABASE}.* TO ?@'%'`, [username]);
    return { host: this.#server.host, port: this.#server.port, username, password, database: DATABASE };
  }

  close(): Promise<void> {
    return this.#admin.end();
  }
}

/** What the suite needs of a mysql2 connection. */
interface AdminConnection {
  query(sql: string, values?: unknown[]): Promise<unknown>;
  end(): Promise<void>;
}
