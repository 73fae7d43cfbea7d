import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  isRotakitError,
  MemoryTarget,
  passwordSatisfies,
  rotate,
  singleUser,
  StepFailedError,
  type CredentialSchema,
  type SecretStore,
  defaultSchema,
} from '@rotakit/core';

/** What a provider's test file provides to run the store conformance suite against its emulator. */
export interface StoreConformanceFixture {
  /** The store under test, talking to the emulator. */
  readonly store: SecretStore;
  /** The schema of the cloud's secret convention; default AWS's. */
  readonly schema?: CredentialSchema;
  /** Creates a secret whose current value is `value`; returns the id `open` takes. */
  createSecret(value: string): Promise<string>;
  /** A token for a new rotation of `secretId`, made the way the cloud starts one. */
  startRotation(secretId: string): Promise<string>;
  /** An id that names no secret. */
  readonly missingSecretId: string;
  /**
   * Whether the store tells another token's pending version apart (AWS, Alibaba: yes). A job-token
   * store adopts a pending value a failed job left (NAVER: no).
   */
  readonly pendingBelongsToToken: boolean;
  /**
   * Whether the store refuses a pending value that changes members other than the credentials
   * it rotates (NAVER: only the secret's rotationTargets may change). The suite then checks that
   * refusal instead of storing a pending value with an added member. Default false.
   */
  readonly pendingKeepsOtherMembers?: boolean;
  /** Stops what the fixture started. */
  close(): Promise<void>;
}

const secretOf = (username: string, password: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ engine: 'mysql', host: 'db.internal', port: 3306, username, password, ...extra });

/**
 * Registers the store conformance suite: stage reads, pending writes (exact bytes, idempotent, an
 * earlier attempt's value kept), promotion, not-found normalisation, the foreign-pending rule, the optional password generator,
 * and a whole rotation through core's `rotate()` with a memory target.
 */
export function describeStoreConformance(name: string, setup: () => Promise<StoreConformanceFixture>): void {
  describe(`SecretStore conformance: ${name}`, () => {
    let fixture: StoreConformanceFixture;
    beforeAll(async () => {
      fixture = await setup();
    });
    afterAll(async () => {
      await fixture?.close();
    });

    it('reads the current value of a new secret, and no pending or previous', async () => {
      const value = secretOf('app', 'first-password-1');
      const id = await fixture.createSecret(value);
      const token = await fixture.startRotation(id);
      const session = await fixture.store.open(id, token);
      expect(session.token).toBe(token);
      expect(session.stages.current).toBeDefined();
      expect(session.stages.current).not.toBe(token);
      expect(await session.read('current')).toBe(value);
      expect(await session.read('pending')).toBeUndefined();
      expect(await session.read('previous')).toBeUndefined();
      expect(await fixture.store.readCurrent(id)).toBe(value);
    });

    it('stores the pending value byte for byte, keeps current, and accepts the same write again', async () => {
      const id = await fixture.createSecret(secretOf('app', 'first-password-1'));
      const token = await fixture.startRotation(id);
      const session = await fixture.store.open(id, token);
      const pending = fixture.pendingKeepsOtherMembers
        ? secretOf('app', `p'"\\;--%ü密码 $x`)
        : secretOf('app', `p'"\\;--%ü密码 $x`, { note: 'kept as written' });
      if (fixture.pendingKeepsOtherMembers) {
        const refused = await session.writePending(secretOf('app', 'other-password-1', { note: 'added' })).catch((e: unknown) => e);
        expect(isRotakitError(refused, 'PendingMismatch') && refused.field).toBe('note');
      }
      await session.writePending(pending);
      await session.writePending(pending);
      expect(await session.read('pending')).toBe(pending);
      expect(await session.read('current')).toBe(secretOf('app', 'first-password-1'));
      expect(await fixture.store.readCurrent(id)).toBe(secretOf('app', 'first-password-1'));
    });

    it('keeps the value an earlier attempt stored under the token: a new write resolves to it and stores nothing', async () => {
      const id = await fixture.createSecret(secretOf('app', 'first-password-1'));
      const token = await fixture.startRotation(id);
      const earlier = secretOf('app', 'earlier-attempt-2');
      await (await fixture.store.open(id, token)).writePending(earlier);
      // Core writes without reading first: the store must not replace a value a set may have used.
      const again = await fixture.store.open(id, token);
      expect(await again.writePending(secretOf('app', 'later-attempt-3'))).toBe(earlier);
      expect(await again.read('pending')).toBe(earlier);
      expect(await (await fixture.store.open(id, token)).read('pending')).toBe(earlier);
    });

    it('promotes pending to current and current to previous', async () => {
      const first = secretOf('app', 'first-password-1');
      const second = secretOf('app', 'second-password-2');
      const id = await fixture.createSecret(first);
      const token = await fixture.startRotation(id);
      const session = await fixture.store.open(id, token);
      await session.writePending(second);
      await session.promote();
      expect(await fixture.store.readCurrent(id)).toBe(second);
      const next = await fixture.store.open(id, await fixture.startRotation(id));
      expect(next.stages.current).toBe(token);
      expect(await next.read('current')).toBe(second);
      expect(await next.read('previous')).toBe(first);
    });

    it('normalises the cloud\'s not-found answers to SecretNotFound', async () => {
      const read = await fixture.store.readCurrent(fixture.missingSecretId).catch((e: unknown) => e);
      expect(isRotakitError(read, 'SecretNotFound')).toBe(true);
    });

    it('reports another token\'s pending version, or adopts it for a job-token store', async () => {
      const id = await fixture.createSecret(secretOf('app', 'first-password-1'));
      const firstToken = await fixture.startRotation(id);
      const first = await fixture.store.open(id, firstToken);
      await first.writePending(secretOf('app', 'pending-password-1'));
      // A job-token store must be told the first job failed before another can start.
      await first.fail?.(new StepFailedError('conformance: abandoning the first rotation', false));
      const secondToken = await fixture.startRotation(id).catch((e: unknown) => e);
      if (fixture.pendingBelongsToToken) {
        if (typeof secondToken === 'string') {
          // The store must name the pending token, so that core refuses the second rotation.
          const second = await fixture.store.open(id, secondToken);
          expect(second.stages.pending).toBe(firstToken);
        } else {
          // The cloud itself refused to start a second rotation (AWS RotateSecret).
          expect(secondToken).toBeInstanceOf(Error);
        }
      } else {
        expect(typeof secondToken).toBe('string');
        const second = await fixture.store.open(id, secondToken as string);
        expect(second.stages.pending).toBe(secondToken);
        expect(await second.read('pending')).toBe(secretOf('app', 'pending-password-1'));
      }
    });

    it('generates passwords that satisfy the policy, or refuses the store generator if it has none', async () => {
      const policy = { length: 24, excludeCharacters: '"\'\\/@:' };
      const { generatePassword } = fixture.store;
      if (generatePassword) {
        for (let i = 0; i < 5; i += 1) {
          expect(passwordSatisfies(await generatePassword.call(fixture.store, policy), policy)).toBe(true);
        }
        return;
      }
      const id = await fixture.createSecret(secretFor(fixture.schema ?? defaultSchema, 'app', 'initial-password-1'));
      const target = new MemoryTarget({ tls: 'disable', users: { app: { password: 'initial-password-1' } } });
      const request = { store: fixture.store, target, strategy: singleUser(), schema: fixture.schema ?? defaultSchema };
      const error = await rotate({ ...request, secretId: id, token: await fixture.startRotation(id), password: { generator: 'store' } }).catch(
        (e: unknown) => e,
      );
      expect(isRotakitError(error, 'InvalidOptions')).toBe(true);
    });

    it('runs a whole single-user rotation through core, and a re-run with the same token changes nothing', async () => {
      const schema = fixture.schema ?? defaultSchema;
      const id = await fixture.createSecret(secretFor(schema, 'app', 'initial-password-1'));
      const target = new MemoryTarget({ tls: 'disable', users: { app: { password: 'initial-password-1' } } });
      const token = await fixture.startRotation(id);
      const result = await rotate({ store: fixture.store, target, strategy: singleUser(), schema, secretId: id, token });
      expect(Object.values(result.steps)).toEqual(['done', 'done', 'done', 'done']);
      const current = schema.parse(await fixture.store.readCurrent(id)).credentials;
      expect(current.username).toBe('app');
      expect(current.password).not.toBe('initial-password-1');
      expect(target.accepts('app', current.password)).toBe(true);
    });
  });
}

/** A secret in `schema`'s field names for a MySQL user on db.internal:3306. */
function secretFor(schema: CredentialSchema, username: string, password: string): string {
  const values: Record<string, unknown> = { username, password, host: 'db.internal', port: 3306, database: 'app' };
  const secret: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(values)) {
    const key = schema.fields[field as keyof typeof schema.fields];
    if (key !== undefined) secret[key] = value;
  }
  return JSON.stringify(secret);
}
