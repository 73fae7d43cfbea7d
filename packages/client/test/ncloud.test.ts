// The NAVER reader against the Secret Manager emulator (signatures verified), reads counted by the emulator.
import { MemoryTarget, singleUser } from '@rotakit/core';
import { createCloudFunctionsAction } from '@rotakit/provider-ncloud';
import { startNcloudSecretManagerEmulator, type NcloudSecretManagerEmulator } from '@rotakit/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ncloudSecretReader } from '../src/ncloud.js';
import { expectCachedReads, fakeClock, otherThan } from './helpers.js';

const API_KEY = { accessKey: 'ncloud-test-access-key', secretKey: 'ncloud-test-secret-key/+=' };
const PASSWORD = 'Old-password-1';
const TRIGGER = 'rotate-cdb';
let emulator: NcloudSecretManagerEmulator;

const cdbSecret = (password: string) => ({ cdbHost: 'db.internal', cdbPort: '3306', cdbUser: 'app', cdbDatabase: 'shop', cdbPassword: password });
const clientOptions = () => ({ ...API_KEY, endpoint: emulator.regionalUrl, retry: { baseDelayMs: 1 } });
const seed = () => emulator.seedSecret({ chain: { active: cdbSecret(PASSWORD) }, rotationTargets: ['cdbPassword'], triggerId: TRIGGER });
const reads = () => emulator.calls()['getSecretValue'] ?? 0;

beforeAll(async () => {
  emulator = await startNcloudSecretManagerEmulator({ credentials: [API_KEY] });
});
afterAll(() => emulator.close());

describe('ncloudSecretReader', () => {
  it('reads once for concurrent callers, not within the time to live, once after it and once per refresh', async () => {
    const clock = fakeClock();
    const reader = ncloudSecretReader(seed(), { client: clientOptions(), ttlMs: 60_000, now: clock.now });
    emulator.resetCalls();
    await expectCachedReads(reader, { clock, ttlMs: 60_000, reads, password: PASSWORD });
    // NAVER keeps no version ids.
    expect((await reader.current()).versionId).toBeUndefined();
  });

  it('after a rotation job, refresh gives the new credentials and previous the former ones', async () => {
    const secretId = seed();
    const target = new MemoryTarget({ tls: 'disable', users: { app: { password: PASSWORD } } });
    const main = createCloudFunctionsAction({ target, strategy: singleUser(), endpoint: emulator.regionalUrl, retry: { baseDelayMs: 1 }, environment: {} });
    emulator.registerAction(TRIGGER, (args) => main(args), { defaultParams: { ...API_KEY } });
    const reader = ncloudSecretReader(secretId, { client: clientOptions(), now: fakeClock().now });
    expect((await reader.current()).credentials.password).toBe(PASSWORD);
    expect(await reader.previous()).toBeUndefined();
    expect(await reader.pending()).toBeUndefined();
    const jobToken = await emulator.executeRotation(secretId, { regional: true });
    expect((await emulator.jobSettled(jobToken)).job.status).toBe('completed');
    expect((await reader.current()).credentials.password).toBe(PASSWORD);
    const after = await reader.refresh();
    expect(after.credentials.password).not.toBe(PASSWORD);
    expect(target.accepts('app', after.credentials.password)).toBe(true);
    expect((await reader.previous())?.credentials.password).toBe(PASSWORD);
  });

  it('a missing secret is SecretNotFoundError; the client option is required and unknown keys are refused', async () => {
    await expect(ncloudSecretReader('no-such-secret', { client: clientOptions() }).current()).rejects.toMatchObject({ code: 'SecretNotFound' });
    expect(() => ncloudSecretReader('s', {} as never)).toThrow(expect.objectContaining({ field: 'client' }));
    expect(() => ncloudSecretReader('s', { client: clientOptions(), ttl: 1 } as never)).toThrow(expect.objectContaining({ field: 'ttl' }));
  });
});

describe('ncloudSecretReader after a refused login (refreshFirst)', () => {

  it('reads the whole chain once: pending while a job holds one, the new active after the job completed', async () => {
    const inWindow = emulator.seedSecret({ chain: { active: cdbSecret(PASSWORD), pending: cdbSecret('New-password-2') }, rotationTargets: ['cdbPassword'] });
    const reader = ncloudSecretReader(inWindow, { client: clientOptions(), now: fakeClock().now });
    const before = await reader.current();
    emulator.resetCalls();
    const pending = await reader.refreshFirst(['pending', 'current'], before, otherThan(before));
    expect(emulator.calls()).toEqual({ getSecretValues: 1 });
    expect([pending.read?.stage, pending.read?.credentials.password, pending.reads]).toEqual(['pending', 'New-password-2', 1]);

    // A completed job leaves pending equal to active: the new active is what logs in, as current.
    const completed = emulator.seedSecret({ chain: { active: cdbSecret('New-password-3'), pending: cdbSecret('New-password-3'), previous: cdbSecret(PASSWORD) }, rotationTargets: ['cdbPassword'] });
    emulator.resetCalls();
    const current = await ncloudSecretReader(completed, { client: clientOptions(), now: fakeClock().now }).refreshFirst(['pending', 'current'], {}, otherThan(before));
    expect(emulator.calls()).toEqual({ getSecretValues: 1 });
    expect([current.read?.stage, current.read?.credentials.password, current.reads]).toEqual(['current', 'New-password-3', 1]);
  });

  it('a previous value the schema refuses does not fail a refresh that does not need it', async () => {
    const secretId = emulator.seedSecret({ chain: { active: cdbSecret('New-password-4'), previous: { cdbUser: 'app' } }, rotationTargets: ['cdbPassword'] });
    const reader = ncloudSecretReader(secretId, { client: clientOptions(), now: fakeClock().now });
    const refused = { username: 'app', password: PASSWORD };
    const { read } = await reader.refreshFirst(['pending', 'current'], {}, (candidate) => candidate.credentials.password !== refused.password);
    expect(read?.credentials.password).toBe('New-password-4');
    await expect(reader.previous()).rejects.toMatchObject({ code: 'InvalidSecretValue' });
  });

  it('refused with nothing else in the chain: one read, no credentials', async () => {
    const reader = ncloudSecretReader(seed(), { client: clientOptions(), now: fakeClock().now });
    const before = await reader.current();
    emulator.resetCalls();
    expect(await reader.refreshFirst(['pending', 'current'], before, otherThan(before))).toEqual({ read: undefined, reads: 1 });
    expect(emulator.calls()).toEqual({ getSecretValues: 1 });
  });
});
