import { describe, expect, it } from 'vitest';
import {
  alternatingUsers,
  checkNewPassword,
  checkUserSyncRequest,
  effectiveTlsMode,
  REDACTED,
  Redactor,
  redactingLogger,
  rotate,
  silentLogger,
  STEPS,
  TargetUnreachableError,
  type ConnectContext,
  type Login,
  type RotationEvent,
  type UserSyncRequest,
} from '@rotakit/core';
import { capture, rotationFixture, SECRET_ID } from './helpers.js';

describe('Redactor', () => {
  it('replaces every known value, longest first, in text, objects and errors', () => {
    const redactor = new Redactor();
    redactor.add('abc', 'abcdef', undefined, '', 'abc');
    expect(redactor.size).toBe(2);
    expect(redactor.text('x abcdef y abc')).toBe(`x ${REDACTED} y ${REDACTED}`);
    expect(redactor.value({ a: ['abc'], nested: { password: 'anything', secretId: 'id-1', token: 't-1' }, n: 1 })).toEqual({
      a: [REDACTED],
      nested: { password: REDACTED, secretId: 'id-1', token: 't-1' },
      n: 1,
    });
    const cyclic: Record<string, unknown> = { name: 'abc' };
    cyclic.self = cyclic;
    expect(redactor.value(cyclic)).toEqual({ name: REDACTED, self: '[Circular]' });
  });

  it('copies errors with message, stack, plain properties and causes redacted', () => {
    const redactor = new Redactor();
    redactor.add('s3cret-value');
    const error = Object.assign(new Error('bad s3cret-value', { cause: new Error('inner s3cret-value') }), {
      code: 'E1',
      password: 'unlisted-but-named',
      detail: 'x s3cret-value',
      handle: { socket: true },
    });
    const copy = redactor.error(error);
    expect(copy).toBeInstanceOf(Error);
    expect(copy.message).toBe(`bad ${REDACTED}`);
    expect(copy.stack).not.toContain('s3cret-value');
    expect(copy).toMatchObject({ code: 'E1', detail: `x ${REDACTED}` });
    expect(copy).not.toHaveProperty('password');
    expect(copy).not.toHaveProperty('handle');
    expect((copy.cause as Error).message).toBe(`inner ${REDACTED}`);
    expect(error.message).toBe('bad s3cret-value'); // the original is left alone
  });
});

describe('logging and events', () => {
  it('the default logger is silent and the wrapper redacts both call shapes', () => {
    expect(() => silentLogger.info('x')).not.toThrow();
    const { lines, logger } = capture();
    const redactor = new Redactor();
    redactor.add('pw-123456');
    const wrapped = redactingLogger(logger, redactor);
    wrapped.warn('text pw-123456');
    wrapped.error({ a: 'pw-123456' });
    wrapped.debug({ b: 1 }, 'msg pw-123456');
    expect(lines).toEqual([
      ['warn', `text ${REDACTED}`],
      ['error', { a: REDACTED }],
      ['debug', { b: 1 }, `msg ${REDACTED}`],
    ]);
  });

  it('reports each step started and succeeded with durations, then the rotation', async () => {
    const fixture = rotationFixture('single');
    const { events, onEvent } = capture();
    const { token } = await rotate({ ...fixture.options, secretId: SECRET_ID, onEvent });
    expect(events.map((e) => ('step' in e ? `${e.type}:${e.step}` : e.type))).toEqual([
      'rotation.started',
      ...STEPS.flatMap((step) => [`step.started:${step}`, `step.succeeded:${step}`]),
      'rotation.completed',
    ]);
    for (const event of events) expect(event).toMatchObject({ secretId: SECRET_ID, token });
    for (const event of events.filter((e) => 'durationMs' in e)) {
      expect((event as { durationMs: number }).durationMs).toBeGreaterThanOrEqual(0);
    }
    const again = capture();
    await rotate({ ...fixture.options, secretId: SECRET_ID, token, onEvent: again.onEvent });
    const skipped = again.events.filter((e): e is Extract<RotationEvent, { type: 'step.skipped' }> => e.type === 'step.skipped');
    expect(skipped.map((e) => e.reason)).toEqual(STEPS.map(() => 'the token is already current'));
  });

  it('reports a failed step and rotation with the typed error, and survives a throwing listener', async () => {
    const fixture = rotationFixture('single');
    fixture.target.reachable = false;
    const { events, lines, logger } = capture();
    const onEvent = (event: RotationEvent) => {
      events.push(event);
      throw new Error('listener bug');
    };
    const error = await rotate({ ...fixture.options, secretId: SECRET_ID, onEvent, logger }).catch((e) => e);
    expect(error).toBeInstanceOf(TargetUnreachableError);
    const failed = events.filter((e) => e.type === 'step.failed' || e.type === 'rotation.failed');
    expect(failed).toHaveLength(2);
    for (const event of failed) expect(event).toMatchObject({ error: { code: 'TargetUnreachable', retryable: true } });
    expect(lines.some(([level, , message]) => level === 'warn' && message === 'a rotation event listener threw')).toBe(true);
  });
});

describe('the logger handed to targets', () => {
  it('is the rotation\'s redacting logger, for connect and connectPrivileged', async () => {
    const fixture = rotationFixture('single');
    const { lines, logger } = capture();
    const base = fixture.target;
    const seen: string[] = [];
    const target = {
      engine: base.engine,
      maxUsernameLength: base.maxUsernameLength,
      tls: base.tls,
      connect: (login: Login, context?: ConnectContext) => {
        seen.push(login.password);
        context?.logger.warn({ attempt: login.password }, `driver says: bad password ${login.password}`);
        return base.connect(login);
      },
      connectPrivileged: (context?: ConnectContext) => {
        context?.logger.info('privileged session through the account API');
        return base.connect({ username: 'admin', password: 'initial-admin-password', tls: 'verify' });
      },
    };
    await rotate({ ...fixture.options, target, logger, secretId: SECRET_ID });
    await rotate({ ...fixture.options, target, logger, strategy: alternatingUsers(), secretId: SECRET_ID });
    const text = JSON.stringify(lines);
    expect(seen.length).toBeGreaterThan(3);
    for (const password of seen) expect(text).not.toContain(password);
    expect(text).toContain('driver says: bad password [REDACTED]');
    expect(text).toContain('privileged session through the account API');
  });
});

describe('checks targets run before they write', () => {
  it('refuses empty or non-string names and passwords, naming the field and never the value', () => {
    const ok = { source: 'app', user: 'app_b', password: 'secret-value-1' };
    expect(() => checkUserSyncRequest(ok)).not.toThrow();
    const cases: Array<[unknown, string, string]> = [
      [{ ...ok, source: '' }, 'InvalidOptions', 'source'],
      [{ ...ok, user: '' }, 'InvalidOptions', 'user'],
      [{ ...ok, user: 42 }, 'InvalidOptions', 'user'],
      [{ ...ok, password: '' }, 'InvalidSecretValue', 'password'],
      [{ ...ok, password: undefined }, 'InvalidSecretValue', 'password'],
      [{ ...ok, user: 'x'.repeat(9) }, 'InvalidOptions', 'user'],
      [{ ...ok, password: 'secret-value-1-too-long' }, 'InvalidSecretValue', 'password'],
    ];
    for (const [request, code, field] of cases) {
      let error: unknown;
      try {
        checkUserSyncRequest(request as UserSyncRequest, { maxUsernameLength: 8, maxPasswordLength: 16 });
      } catch (e) {
        error = e;
      }
      expect(error, JSON.stringify(request)).toMatchObject({ code, field });
      expect((error as Error).message).not.toContain('secret-value-1');
    }
    expect(() => checkNewPassword('')).toThrow(expect.objectContaining({ field: 'password' }));
    expect(() => checkNewPassword('fine')).not.toThrow();
  });
});

describe('TLS decisions', () => {
  const target = (tls: 'verify' | 'require' | 'disable') => ({ tls });
  it('follows the secret, never downgrades one that asks for TLS, and warns on plaintext', () => {
    const { lines, logger } = capture();
    const base = { username: 'u', password: 'p' };
    expect(effectiveTlsMode(base, target('verify'), logger)).toBe('verify');
    expect(effectiveTlsMode({ ...base, tls: true }, target('require'), logger)).toBe('require');
    expect(lines).toEqual([]);
    expect(effectiveTlsMode({ ...base, tls: false }, target('verify'), logger)).toBe('disable');
    expect(effectiveTlsMode(base, target('disable'), logger)).toBe('disable');
    expect(lines.map(([level]) => level)).toEqual(['warn', 'warn']);
    expect(() => effectiveTlsMode({ ...base, tls: true }, target('disable'), logger)).toThrow(
      expect.objectContaining({ code: 'TlsRequired' }),
    );
    expect(() => effectiveTlsMode(base, target('maybe' as 'verify'), logger)).toThrow(
      expect.objectContaining({ code: 'InvalidOptions', field: 'tls' }),
    );
  });

  it('a server without TLS is refused when the secret does not ask for plaintext', async () => {
    const fixture = rotationFixture('single');
    const { MemoryTarget } = await import('@rotakit/core');
    const plain = new MemoryTarget({ serverTls: false, users: Object.fromEntries(fixture.target.users) });
    const error = await rotate({ ...fixture.options, target: plain, secretId: SECRET_ID }).catch((e) => e);
    expect(error).toMatchObject({ code: 'TlsRequired' });
    const explicit = rotationFixture('single', { ssl: false });
    const plainToo = new MemoryTarget({ serverTls: false, users: Object.fromEntries(explicit.target.users) });
    await rotate({ ...explicit.options, target: plainToo, secretId: SECRET_ID });
  });
});
