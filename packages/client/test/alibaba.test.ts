// The Alibaba reader against the KMS emulator (signatures verified), reads counted by the emulator;
// a rotation through core's rotate() on provider-alibaba's store and a memory target.
import { MemoryTarget, rotate, runStep, singleUser } from '@rotakit/core';
import { alibabaSchema, KmsSecretStore } from '@rotakit/provider-alibaba';
import { startAlibabaKmsEmulator, type AlibabaKmsEmulator } from '@rotakit/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alibabaSecretReader } from '../src/alibaba.js';
import { DEFAULT_TTL_MS } from '../src/index.js';
import { expectCachedReads, fakeClock, otherThan } from './helpers.js';

const KEY = { accessKeyId: 'LTAI5tClientTests', accessKeySecret: 'client-test-secret' } as const;
const PASSWORD = 'Initial-app-pw-1';
let kms: AlibabaKmsEmulator;
let secrets = 0;

const kmsOptions = () => ({ endpoint: kms.endpoint, regionId: kms.regionId, credentials: KEY, protocol: 'http' as const, retry: { baseDelayMs: 1 } });
const reads = () => kms.calls()['GetSecretValue'] ?? 0;

function seed(): string {
  secrets += 1;
  const name = `app-db-${secrets}`;
  const data = JSON.stringify({ Endpoint: 'db.internal', Port: 3306, AccountName: 'app', AccountPassword: PASSWORD });
  kms.seed({ name, versions: [{ versionId: 'v-initial', data, stages: ['ACSCurrent'] }] });
  return name;
}

beforeAll(async () => {
  kms = await startAlibabaKmsEmulator({ credentials: KEY });
});
afterAll(() => kms.close());

describe('alibabaSecretReader', () => {
  it('reads once for concurrent callers, not within the time to live, once after it and once per refresh', async () => {
    const clock = fakeClock();
    const reader = alibabaSecretReader(seed(), { kms: kmsOptions(), now: clock.now });
    kms.resetCalls();
    await expectCachedReads(reader, { clock, ttlMs: DEFAULT_TTL_MS, reads, password: PASSWORD });
    expect(kms.calls()).toEqual({ GetSecretValue: 3 });
  });

  it('after a rotation, refresh gives the new credentials and previous the former ones', async () => {
    const name = seed();
    const target = new MemoryTarget({ tls: 'disable', users: { app: { password: PASSWORD } } });
    const reader = alibabaSecretReader(name, { kms: kmsOptions(), now: fakeClock().now });
    await reader.current();
    expect(await reader.previous()).toBeUndefined();
    expect(await reader.pending()).toBeUndefined();
    const store = new KmsSecretStore(kmsOptions());
    await rotate({ store, target, strategy: singleUser(), schema: alibabaSchema, secretId: name, token: 'v-rotation-1' });
    // Within the time to live the cache answers; a pool whose logins fail refreshes.
    expect((await reader.current()).credentials.password).toBe(PASSWORD);
    const after = await reader.refresh();
    expect(after.credentials.password).not.toBe(PASSWORD);
    expect(target.accepts('app', after.credentials.password)).toBe(true);
    expect(await reader.previous()).toMatchObject({ versionId: 'v-initial', credentials: { password: PASSWORD } });
    expect(await reader.pending()).toBeUndefined();
  });

  it('pending gives the password that logs in between set and finish of a single-user rotation', async () => {
    const name = seed();
    const target = new MemoryTarget({ tls: 'disable', users: { app: { password: PASSWORD } } });
    const reader = alibabaSecretReader(name, { kms: kmsOptions(), ttlMs: 0 });
    const request = { store: new KmsSecretStore(kmsOptions()), target, strategy: singleUser(), schema: alibabaSchema, secretId: name, token: 'v-rotation-2' };
    await runStep('create', request);
    await runStep('set', request);
    kms.resetCalls();
    const pending = await reader.pending();
    expect(kms.calls()).toEqual({ ListSecretVersionIds: 1, GetSecretValue: 1 });
    expect(pending?.versionId).toBe('v-rotation-2');
    expect(target.accepts('app', pending?.credentials.password ?? '')).toBe(true);
    expect(target.accepts('app', PASSWORD)).toBe(false);
    await runStep('test', request);
    await runStep('finish', request);
    expect(await reader.pending()).toBeUndefined();
    expect((await reader.current()).credentials.password).toBe(pending?.credentials.password);
  });

  it('a missing secret is SecretNotFoundError from current, undefined from previous; kms is required', async () => {
    const reader = alibabaSecretReader('no-such-secret', { kms: kmsOptions() });
    await expect(reader.current()).rejects.toMatchObject({ code: 'SecretNotFound' });
    expect(await reader.previous()).toBeUndefined();
    expect(() => alibabaSecretReader('s', {} as never)).toThrow(expect.objectContaining({ field: 'kms' }));
    expect(() => alibabaSecretReader('s', { kms: kmsOptions(), ttl: 1 } as never)).toThrow(expect.objectContaining({ field: 'ttl' }));
  });
});

describe('alibabaSecretReader after a refused login (refreshFirst)', () => {

  it('single user: in the set-to-finish window one read, of pending; after finish one read, of the new current; ListSecretVersionIds first', async () => {
    const name = seed();
    const target = new MemoryTarget({ tls: 'disable', users: { app: { password: PASSWORD } } });
    const reader = alibabaSecretReader(name, { kms: kmsOptions(), now: fakeClock().now });
    const before = await reader.current();
    expect(before.versionId).toBe('v-initial');
    const request = { store: new KmsSecretStore(kmsOptions()), target, strategy: singleUser(), schema: alibabaSchema, secretId: name, token: 'v-rotation-3' };
    await runStep('create', request);
    await runStep('set', request);
    kms.resetCalls();
    const inWindow = await reader.refreshFirst(['pending', 'current'], before, otherThan(before));
    expect(kms.calls()).toEqual({ ListSecretVersionIds: 1, GetSecretValue: 1 });
    expect([inWindow.read?.stage, inWindow.read?.versionId, inWindow.reads]).toEqual(['pending', 'v-rotation-3', 1]);
    await runStep('test', request);
    await runStep('finish', request);
    kms.resetCalls();
    const afterFinish = await reader.refreshFirst(['pending', 'current'], before, otherThan(before));
    expect(kms.calls()).toEqual({ ListSecretVersionIds: 1, GetSecretValue: 1 });
    expect([afterFinish.read?.stage, afterFinish.read?.versionId, afterFinish.reads]).toEqual(['current', 'v-rotation-3', 1]);
    expect(target.accepts('app', afterFinish.read?.credentials.password as string)).toBe(true);
  });

  it('refused with no other version in the secret: ListSecretVersionIds only, no value read', async () => {
    const reader = alibabaSecretReader(seed(), { kms: kmsOptions(), now: fakeClock().now });
    const before = await reader.current();
    kms.resetCalls();
    expect(await reader.refreshFirst(['pending', 'current'], before, otherThan(before))).toEqual({ read: undefined, reads: 0 });
    expect(kms.calls()).toEqual({ ListSecretVersionIds: 1 });
  });
});
