import {
  alternatingUsers,
  MemorySecretStore,
  MemoryTarget,
  singleUser,
  type Logger,
  type Target,
  type RotationEvent,
  type RotationOptions,
  type Strategy,
} from '@rotakit/core';
import { awsSchema } from './cloud-schemas.js';

export const SECRET_ID = 'app/db';
export const MASTER_ID = 'app/db-master';

/** A memory store and target with one application secret (and a privileged one for alternating users). */
export function rotationFixture(kind: 'single' | 'alternating' = 'single', extra: Record<string, unknown> = {}) {
  const store = new MemorySecretStore();
  const target = new MemoryTarget({
    host: 'db.internal',
    tls: 'verify',
    users: {
      app: { password: 'initial-app-password', privileges: ['SELECT on app.*'], roles: ['reader'], tls: 'SSL' },
      admin: { password: 'initial-admin-password', privileged: true },
    },
  });
  const secret: Record<string, unknown> = {
    engine: 'memory',
    host: 'db.internal',
    port: 5432,
    username: 'app',
    password: 'initial-app-password',
    dbname: 'app',
    ...extra,
  };
  if (kind === 'alternating') {
    store.putSecret(MASTER_ID, { host: 'db.internal', username: 'admin', password: 'initial-admin-password' });
    secret.masterarn = MASTER_ID;
  }
  store.putSecret(SECRET_ID, secret);
  const strategy: Strategy = kind === 'single' ? singleUser() : alternatingUsers();
  const options: RotationOptions = { store, target, strategy, schema: awsSchema };
  return { store, target, strategy, options };
}

/** Everything observable about a fixture: stages, values and users. */
export function snapshot(store: MemorySecretStore, target: MemoryTarget, secretIds: string[] = [SECRET_ID]) {
  return {
    secrets: secretIds.map((id) => ({
      describe: store.describe(id),
      current: store.valueAt(id, 'current'),
      pending: store.valueAt(id, 'pending'),
      previous: store.valueAt(id, 'previous'),
    })),
    users: JSON.parse(JSON.stringify(Object.fromEntries(target.users))) as unknown,
    passwordChanges: target.passwordChanges.length,
  };
}

/** The parsed value at a stage. */
export function valueAt(store: MemorySecretStore, stage: 'current' | 'pending' | 'previous', id = SECRET_ID) {
  const raw = store.valueAt(id, stage);
  return raw === undefined ? undefined : (JSON.parse(raw) as { username: string; password: string });
}

/** A logger and an event listener that keep everything they are given. */
export function capture() {
  const lines: unknown[][] = [];
  const events: RotationEvent[] = [];
  const method = (level: string) => (...args: unknown[]) => {
    lines.push([level, ...args]);
  };
  const logger: Logger = { debug: method('debug'), info: method('info'), warn: method('warn'), error: method('error') };
  return { lines, events, logger, onEvent: (event: RotationEvent) => events.push(event) };
}

/** The error a promise rejects with (fails the test if it resolves). */
export async function rejection(promise: Promise<unknown>): Promise<Error & Record<string, unknown>> {
  try {
    await promise;
  } catch (error) {
    return error as Error & Record<string, unknown>;
  }
  throw new Error('expected a rejection');
}

/** One target in front of several memory servers, each reached by its host name (a network). */
export function routed(servers: Record<string, MemoryTarget>): Target {
  const [first] = Object.values(servers);
  if (!first) throw new Error('routed() needs at least one server');
  return {
    engine: first.engine,
    maxUsernameLength: first.maxUsernameLength,
    tls: first.tls,
    connect: (login) => {
      const server = servers[login.host ?? ''];
      return server ? server.connect(login) : first.connect({ ...login, host: `${login.host ?? ''}.unknown` });
    },
  };
}
