import { describe, expect, it } from 'vitest';
import {
  rotate,
  runStep,
  TargetAuthFailedError,
  type Login,
  type Target,
  type TargetSession,
} from '@rotakit/core';
import { capture, MASTER_ID, rotationFixture, SECRET_ID } from './helpers.js';

/** Every password that exists anywhere in a fixture: all stored versions and all target users. */
function allPasswords(fixture: ReturnType<typeof rotationFixture>): string[] {
  const found = new Set<string>();
  for (const id of [SECRET_ID, MASTER_ID]) {
    let versions: string[];
    try {
      versions = Object.keys(fixture.store.describe(id).versions);
    } catch {
      continue; // the master secret does not exist in single-user fixtures
    }
    // Every version, labelled or not: a withdrawn pending version's password must not leak either.
    for (const version of versions) {
      const raw = fixture.store.valueOf(id, version);
      if (raw) found.add((JSON.parse(raw) as { password: string }).password);
    }
  }
  for (const user of fixture.target.users.values()) found.add(user.password);
  return [...found];
}

/** Everything an error exposes: message, stack, own properties and the whole cause chain. */
function errorText(error: unknown, depth = 0): string {
  if (!(error instanceof Error) || depth > 10) return JSON.stringify(error) ?? String(error);
  const own = Object.entries(error).map(([k, v]) => `${k}=${typeof v === 'object' ? JSON.stringify(v) : String(v)}`);
  return [error.message, error.stack ?? '', ...own, errorText((error as { cause?: unknown }).cause, depth + 1)].join('\n');
}

/** A target whose driver errors quote the password, as careless drivers do. */
function leakyTarget(base: Target): Target {
  const leakySession = (session: TargetSession, login: Login): TargetSession => ({
    ...session,
    ping: () => session.ping(),
    close: () => session.close(),
    syncUser: async (request) => {
      throw Object.assign(new Error(`sync failed for ${request.user} with password ${request.password}`), {
        sql: `CREATE USER x IDENTIFIED BY '${request.password}'`,
      });
    },
    setOwnPassword: async (password) => {
      throw new Error(`cannot set ${password}, old was ${login.password}`, { cause: new Error(`driver: ${password}`) });
    },
  });
  return {
    engine: base.engine,
    maxUsernameLength: base.maxUsernameLength,
    tls: base.tls,
    connect: async (login) => {
      try {
        return leakySession(await base.connect(login), login);
      } catch (error) {
        throw new TargetAuthFailedError(`auth failed: ${login.password}`, { cause: error });
      }
    },
  };
}

describe('no secret value leaks', () => {
  it('appears in no log line, event, error message, stack, property or cause', async () => {
    const outputs: string[] = [];
    const passwords = new Set<string>();
    const scenarios: Array<[string, 'single' | 'alternating', (f: ReturnType<typeof rotationFixture>) => Target]> = [
      ['success', 'single', (f) => f.target],
      ['success', 'alternating', (f) => f.target],
      ['leaky driver', 'single', (f) => leakyTarget(f.target)],
      ['leaky driver', 'alternating', (f) => leakyTarget(f.target)],
      ['locked out', 'single', (f) => {
        f.target.users.get('app')!.password = 'locked-out-password-xyz';
        return leakyTarget(f.target);
      }],
    ];
    for (const [, kind, makeTarget] of scenarios) {
      for (let i = 0; i < 3; i += 1) {
        const fixture = rotationFixture(kind);
        const { lines, events, logger, onEvent } = capture();
        const target = makeTarget(fixture);
        const options = { ...fixture.options, target, logger, onEvent, secretId: SECRET_ID };
        try {
          await rotate(options);
        } catch (error) {
          outputs.push(errorText(error));
        }
        const token = fixture.store.stages(SECRET_ID).pending;
        if (token) {
          for (const step of ['create', 'set', 'test', 'finish'] as const) {
            await runStep(step, { ...options, token }).catch((error: unknown) => outputs.push(errorText(error)));
          }
        }
        outputs.push(...lines.map((line) => JSON.stringify(line)), ...events.map((event) => JSON.stringify(event)));
        for (const password of allPasswords(fixture)) passwords.add(password);
        expect(lines.length).toBeGreaterThan(0);
        expect(events.length).toBeGreaterThan(0);
      }
    }
    expect(passwords.size).toBeGreaterThan(15);
    const everything = outputs.join('\n');
    expect(everything).toContain('[REDACTED]');
    for (const password of passwords) expect(everything).not.toContain(password);
  });
});
