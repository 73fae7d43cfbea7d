import { Writable } from 'node:stream';
import { Logger as PowertoolsLogger } from '@aws-lambda-powertools/logger';
import { pino } from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { defaultSchema, messageFirst, MemorySecretStore, MemoryTarget, rotate, singleUser, type LoggerOption } from '@rotakit/core';

const INITIAL = 'initial-password-logger-1';

/** A rotation of a fresh memory secret, logging to `logger`; resolves to the new password. */
async function rotateWith(logger: LoggerOption): Promise<string> {
  const store = new MemorySecretStore();
  store.putSecret('app', { host: 'db', username: 'app', password: INITIAL });
  const target = new MemoryTarget({ tls: 'disable', users: { app: { password: INITIAL } } });
  await rotate({ store, target, strategy: singleUser(), schema: defaultSchema, secretId: 'app', logger });
  return JSON.parse(store.valueAt('app', 'current') ?? '{}').password as string;
}

const lines = (text: string): Record<string, unknown>[] =>
  text
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);

afterEach(() => {
  vi.restoreAllMocks();
});

describe('the logger port', () => {
  it('takes pino as it is: the object first, the message under msg', async () => {
    let written = '';
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        written += chunk.toString();
        done();
      },
    });
    const password = await rotateWith(pino({ level: 'debug' }, sink));
    const started = lines(written).find((line) => line['msg'] === 'step create started');
    expect(started).toMatchObject({ secretId: 'app', step: 'create' });
    expect(written).not.toContain(password);
    expect(written).not.toContain(INITIAL);
  });

  it("takes a Powertools Logger, typed, with the message first where Powertools expects it", async () => {
    let written = '';
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written += chunk.toString();
      return true;
    });
    const logger: LoggerOption = new PowertoolsLogger({ serviceName: 'rotation', logLevel: 'DEBUG' });
    const password = await rotateWith(logger);
    vi.restoreAllMocks();
    const started = lines(written).find((line) => line['message'] === 'step create started');
    expect(started).toMatchObject({ secretId: 'app', step: 'create', service: 'rotation' });
    expect(started).not.toHaveProperty('extra');
    expect(written).not.toContain(password);
    expect(written).not.toContain(INITIAL);
  });

  it('adapts any other message-first logger with messageFirst()', async () => {
    const calls: unknown[][] = [];
    const record = (level: string) => (message: string, ...extra: Record<string, unknown>[]) => calls.push([level, message, ...extra]);
    const logger = messageFirst({ debug: record('debug'), info: record('info'), warn: record('warn'), error: record('error') });
    await rotateWith(logger);
    expect(calls).toContainEqual(['info', 'step create started', { secretId: 'app', token: expect.any(String), step: 'create' }]);
  });
});
