// The Alibaba reader against the KMS emulator (signatures verified), reads counted by the emulator;
// a rotation through core's rotate() on provider-alibaba's store and a memory target.
import { MemoryTarget, rotate, runStep, singleUser } from '@rotakit/core';
import { alibabaSchema, KmsSecretStore } from '@rotakit/provider-alibaba';
import { startAlibabaKmsEmulator, type AlibabaKmsEmulator } from '@rotakit/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alibabaSecretReader } from '../src/alibaba.js';
import { DEFAULT_TTL_MS } from '../src/index.js';
import { expectCachedReads, fakeClock } from './helpers.js';

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
    const pending = await reader.pending();
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
