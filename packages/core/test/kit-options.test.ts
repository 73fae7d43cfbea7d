import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  checkRuntimeOptions,
  defineCaPresets,
  errorClassifier,
  errorFacts,
  errorOfKind,
  InvalidSecretValueError,
  MemorySecretStore,
  MemoryTarget,
  optionChecks,
  resolveTls,
  rotate,
  rotationOptionsOf,
  RUNTIME_OPTION_KEYS,
  runStep,
  singleUser,
  defaultSchema,
  StepFailedError,
  type SecretStore,
  type StoreSession,
  type Target,
} from '@rotakit/core';

/** A self-signed test CA (no key ships with it): any PEM the parser takes. */
const PEM = '-----BEGIN CERTIFICATE-----\nMIIBizCCATGgAwIBAgIUCYAjiqKQm+DciNAlk5k2QLyTU64wCgYIKoZIzj0EAwIw\nGjEYMBYGA1UEAwwPcm90YWtpdCB0ZXN0IENBMCAXDTI2MTIwMjAyMDcwM1oYDzIx\nMjYxMTA4MDIwNzAzWjAaMRgwFgYDVQQDDA9yb3Rha2l0IHRlc3QgQ0EwWTATBgcq\nhkjOPQIBBggqhkjOPQMBBwNCAARZgU0mQM52/7XtLZmzrMk3/0Sqa8L7PwpozXqI\nW3VZ4ffxMhzaUMSDEnijeDughUqMPgitZxrb7rAKr0G3J5b4o1MwUTAdBgNVHQ4E\nFgQUeElMKeul6Cttf/POKbRjTwl3948wHwYDVR0jBBgwFoAUeElMKeul6Cttf/PO\nKbRjTwl3948wDwYDVR0TAQH/BAUwAwEB/zAKBggqhkjOPQQDAgNIADBFAiEAnB0y\nyKdXetCePq6RX9pBIUNEGYhrE+8Rr2JpdrSiT/ECIE96GBblZGCib09aVRQ4Yiz6\nl62gXL9s0orQnskMKSAZ\n-----END CERTIFICATE-----\n';
const presets = defineCaPresets<'cloud-a'>({ 'cloud-a': () => [PEM, PEM] });
const refused = (run: () => unknown) => {
  try {
    run();
  } catch (error) {
    return error as { code?: string; field?: string; message: string };
  }
  throw new Error('nothing was thrown');
};

describe('the TLS option every target takes', () => {
  it('accepts a bare mode or settings, verify by default', () => {
    expect(resolveTls(undefined, presets, 'the test target')).toEqual({ mode: 'verify' });
    expect(resolveTls('require', presets, 'the test target')).toEqual({ mode: 'require' });
    expect(resolveTls({ mode: 'disable' }, presets, 'the test target')).toEqual({ mode: 'disable' });
    expect(resolveTls({ ca: PEM, servername: 'db.example.com' }, presets, 'the test target')).toEqual({
      mode: 'verify',
      ca: PEM,
      servername: 'db.example.com',
    });
    expect(resolveTls({ ca: Buffer.from(PEM) }, presets, 'the test target').ca).toBeInstanceOf(Buffer);
  });

  it('resolves a preset to its certificates', () => {
    expect(resolveTls({ ca: 'cloud-a' }, presets, 'the test target').ca).toEqual([PEM, PEM]);
  });

  it.each([
    ['yes', 'tls'],
    [{ mode: 'strict' }, 'tls.mode'],
    [{ ca: 'secret-looking-value' }, 'tls.ca'],
    [{ ca: '-----BEGIN CERTIFICATE-----\nbroken\n-----END CERTIFICATE-----' }, 'tls.ca'],
    [{ ca: 42 }, 'tls.ca'],
    [{ mode: 'require', ca: PEM }, 'tls.ca'],
    [{ mode: 'disable', servername: 'db.example.com' }, 'tls.servername'],
    [{ servername: 'not a host name' }, 'tls.servername'],
    [{ cert: PEM }, 'tls.cert'],
    [[], 'tls'],
  ])('refuses %j naming %s, without quoting it', (option, field) => {
    const error = refused(() => resolveTls(option, presets, 'the test target'));
    expect(error).toMatchObject({ code: 'InvalidOptions', field });
    expect(error.message).toContain('the test target');
    expect(error.message).not.toContain('secret-looking-value');
  });

  it('names the presets in the unknown-authority hint', () => {
    expect(presets.unknownAuthorityHint).toContain("tls.ca: 'cloud-a'");
    expect(defineCaPresets({}).unknownAuthorityHint).toMatch(/tls\.ca$/);
  });
});

describe('the option checks', () => {
  const check = optionChecks('the test adapter');
  it('fills defaults and refuses what is out of range, naming the field', () => {
    expect(check.integerIn(undefined, 'timeoutMs', { min: 1, max: 10, fallback: 5 })).toBe(5);
    expect(check.integerIn(10, 'timeoutMs', { min: 1, max: 10, fallback: 5 })).toBe(10);
    for (const bad of [0, 11, 1.5, '3', null]) {
      expect(refused(() => check.integerIn(bad, 'timeoutMs', { min: 1, max: 10, fallback: 5 }))).toMatchObject({ field: 'timeoutMs' });
    }
    expect(check.nonEmptyString(undefined, 'database', 'postgres')).toBe('postgres');
    expect(refused(() => check.nonEmptyString('a\u0000b', 'database'))).toMatchObject({ field: 'database' });
    expect(check.oneOf(undefined, 'mode', ['a', 'b'], 'a')).toBe('a');
    expect(refused(() => check.oneOf('c', 'mode', ['a', 'b'], 'a')).message).toContain('a, b');
    expect(check.record(undefined, 'options')).toEqual({});
    expect(refused(() => check.record(Buffer.from('x'), 'options'))).toMatchObject({ field: 'options' });
    expect(refused(() => check.refuseUnknownKeys({ known: 1, typo: 2 }, ['known'], 'pool.'))).toMatchObject({ field: 'pool.typo' });
  });
});

describe('declarative error classification', () => {
  const classify = errorClassifier([
    ['notFound', ['NoSuchThing']],
    ['unavailable', (facts) => facts.status !== undefined && facts.status >= 500],
    ['accessDenied', /^Denied/],
  ]);
  it('reads code, name, message and status, and takes the first row that matches', () => {
    expect(errorFacts(Object.assign(new Error('gone'), { code: 'NoSuchThing' }))).toEqual({ code: 'NoSuchThing', message: 'gone' });
    expect(errorFacts({ name: 'DeniedHere', message: 'no', $metadata: { httpStatusCode: 503 } })).toEqual({ code: 'DeniedHere', message: 'no', status: 503 });
    expect(errorFacts('text')).toEqual({ code: '', message: 'text' });
    expect(classify({ code: 'NoSuchThing', message: '', status: 503 })).toBe('notFound');
    expect(classify({ code: 'DeniedHere', message: '', status: 503 })).toBe('unavailable');
    expect(classify({ code: 'DeniedHere', message: '' })).toBe('accessDenied');
    expect(classify({ code: 'Other', message: '' })).toBe('failed');
  });

  it.each([
    ['notFound', 'SecretNotFound', false],
    ['accessDenied', 'StoreAccessDenied', false],
    ['unavailable', 'StoreUnavailable', true],
    ['inProgress', 'RotationInProgress', false],
    ['invalidOptions', 'InvalidOptions', false],
    ['authFailed', 'TargetAuthFailed', false],
    ['unreachable', 'TargetUnreachable', true],
    ['tls', 'TlsRequired', false],
    ['failed', 'StepFailed', false],
  ] as const)('makes %s a %s error (retryable %s)', (kind, code, retryable) => {
    const error = errorOfKind(kind, 'what happened', { field: 'f' });
    expect(error).toMatchObject({ code, retryable, message: 'what happened', field: 'f' });
  });
});

describe('the runtime options every entry point shares', () => {
  it('requires a target and a strategy, naming the missing one', () => {
    expect(refused(() => checkRuntimeOptions(undefined))).toMatchObject({ field: 'options' });
    expect(refused(() => checkRuntimeOptions({ strategy: singleUser() }))).toMatchObject({ field: 'target' });
    expect(refused(() => checkRuntimeOptions({ target: new MemoryTarget({ tls: 'disable' }) }))).toMatchObject({ field: 'strategy' });
  });

  it('puts the provider store and default schema under the user options', () => {
    const store = new MemorySecretStore();
    const target = new MemoryTarget({ tls: 'disable' });
    const options = rotationOptionsOf({ target, strategy: singleUser() }, { store, schema: defaultSchema, invocation: { job: 'j1' } });
    expect(options).toEqual({ store, target, strategy: expect.anything(), schema: defaultSchema });
  });

  it('binds a target function to the invocation, for core to call with the current credentials', () => {
    const store = new MemorySecretStore();
    const target = new MemoryTarget({ tls: 'disable' });
    const seen: unknown[] = [];
    const pick = (current: { username: string }, invocation: { job: string }) => {
      seen.push([current.username, invocation.job]);
      return target;
    };
    const options = rotationOptionsOf({ target: pick, strategy: singleUser() }, { store, schema: defaultSchema, invocation: { job: 'j1' } });
    expect(typeof options.target).toBe('function');
    expect((options.target as (current: { username: string; password: string }) => unknown)({ username: 'app', password: 'p' })).toBe(target);
    expect(seen).toEqual([['app', 'j1']]);
    expect(RUNTIME_OPTION_KEYS).toEqual(['target', 'strategy', 'schema', 'password', 'logger', 'onEvent']);
  });
});

describe('a target source', () => {
  const fixture = () => {
    const store = new MemorySecretStore();
    store.putSecret('app', { engine: 'memory', host: 'h', username: 'app', password: 'first-password-1' });
    const target = new MemoryTarget({ tls: 'disable', users: { app: { password: 'first-password-1' } } });
    return { store, target };
  };

  it('is called with the credentials each step starts from after one read of them, and finish needs none', async () => {
    const { store, target } = fixture();
    const seen: string[] = [];
    const source = (current: { engine?: string; username: string }): Target => {
      seen.push(`${current.engine}/${current.username}`);
      return target;
    };
    const result = await rotate({ store, target: source, strategy: singleUser(), schema: defaultSchema, secretId: 'app' });
    expect(result.steps).toEqual({ create: 'done', set: 'done', test: 'done', finish: 'done' });
    expect(seen).toEqual(['memory/app']);
    const finishOnly: string[] = [];
    const token = 'second-token';
    for (const step of ['create', 'set', 'test'] as const) {
      await runStep(step, { store, target: source, strategy: singleUser(), schema: defaultSchema, secretId: 'app', token });
    }
    await runStep('finish', { store, target: () => { finishOnly.push('called'); return target; }, strategy: singleUser(), schema: defaultSchema, secretId: 'app', token });
    expect(finishOnly).toEqual([]);
  });

  it('may return a promise of the target, which core awaits; a rejected one writes nothing', async () => {
    const { store, target } = fixture();
    const result = await rotate({ store, target: async () => target, strategy: singleUser(), schema: defaultSchema, secretId: 'app' });
    expect(result.steps).toEqual({ create: 'done', set: 'done', test: 'done', finish: 'done' });
    expect(target.users.get('app')?.password).not.toBe('first-password-1');
    const before = store.stages('app');
    await expect(
      rotate({ store, target: () => Promise.reject(new InvalidSecretValueError('engine names no target', { field: 'engine' })), strategy: singleUser(), schema: defaultSchema, secretId: 'app' }),
    ).rejects.toMatchObject({ code: 'InvalidSecretValue' });
    expect(store.stages('app').pending).toBeUndefined();
    expect(store.stages('app').current).toBe(before.current);
  });

  it('that refuses the secret in create withdraws the cloud\'s value-less pending version, so the next rotation is not wedged', async () => {
    const { store } = fixture();
    store.beginRotation('app', 'placeholder-token');
    const refuse = (): Target => {
      throw new InvalidSecretValueError('engine must be postgres for this rotation function', { field: 'engine' });
    };
    await expect(
      runStep('create', { store, target: refuse, strategy: singleUser(), schema: defaultSchema, secretId: 'app', token: 'placeholder-token' }),
    ).rejects.toMatchObject({ code: 'InvalidSecretValue', field: 'engine' });
    expect(store.stages('app').pending).toBeUndefined();
  });

  /** A rotation whose set used its pending value: the database holds the pending password. */
  const afterSet = async () => {
    const { store, target } = fixture();
    store.beginRotation('app', 'placeholder-token');
    for (const step of ['create', 'set'] as const) {
      await runStep(step, { store, target, strategy: singleUser(), schema: defaultSchema, secretId: 'app', token: 'placeholder-token' });
    }
    const pending = store.valueAt('app', 'pending');
    expect(pending).toBeDefined();
    return { store, target, pending };
  };
  const refuse = (): Target => {
    throw new InvalidSecretValueError('engine must be postgres for this rotation function', { field: 'engine' });
  };
  /** `store` with calls of its sessions replaced, by a function of the session. */
  const storeWith = (store: SecretStore, replace: (session: StoreSession) => Partial<Pick<StoreSession, 'read' | 'writePending'>>): SecretStore => ({
    name: store.name,
    readCurrent: (id) => store.readCurrent(id),
    open: async (id, token) => {
      const session = await store.open(id, token);
      return { ...session, ...replace(session) };
    },
  });

  it('that refuses the secret in a create re-run after set keeps the stored pending value, and create is skipped', async () => {
    const { store, pending } = await afterSet();
    await expect(
      runStep('create', { store, target: refuse, strategy: singleUser(), schema: defaultSchema, secretId: 'app', token: 'placeholder-token' }),
    ).resolves.toMatchObject({ outcome: 'skipped' });
    expect(store.stages('app').pending).toBe('placeholder-token');
    expect(store.valueAt('app', 'pending')).toBe(pending);
  });

  it('that fails in create when the pending version cannot be read withdraws nothing: a set may have used it', async () => {
    const { store, pending } = await afterSet();
    const unreadable = storeWith(store, (session) => ({
      read: async (stage) => {
        if (stage === 'pending') throw new StepFailedError('access denied to the pending version', false);
        return session.read(stage);
      },
    }));
    const failure = await runStep('create', {
      store: unreadable,
      target: refuse,
      strategy: singleUser(),
      schema: defaultSchema,
      secretId: 'app',
      token: 'placeholder-token',
    }).catch((error: unknown) => error);
    expect(store.stages('app').pending).toBe('placeholder-token');
    expect(store.valueAt('app', 'pending')).toBe(pending);
    // The step's own failure is reported, not the read's.
    expect(failure).toMatchObject({ code: 'InvalidSecretValue', field: 'engine' });
  });

  it('whose create write fails for good over a stored pending value withdraws nothing', async () => {
    const { store, target, pending } = await afterSet();
    const unwritable = storeWith(store, () => ({
      writePending: async () => {
        throw new StepFailedError('access denied to PutSecretValue', false);
      },
    }));
    await expect(
      runStep('create', { store: unwritable, target, strategy: singleUser(), schema: defaultSchema, secretId: 'app', token: 'placeholder-token' }),
    ).rejects.toMatchObject({ code: 'StepFailed' });
    expect(store.stages('app').pending).toBe('placeholder-token');
    expect(store.valueAt('app', 'pending')).toBe(pending);
  });

  it('that returns no target fails before anything is written, naming target', async () => {
    const { store } = fixture();
    const source = (() => undefined) as unknown as () => Target;
    await expect(rotate({ store, target: source, strategy: singleUser(), schema: defaultSchema, secretId: 'app' })).rejects.toMatchObject({
      code: 'InvalidOptions',
      field: 'target',
    });
    expect(store.stages('app').pending).toBeUndefined();
  });
});

describe('core names no cloud', () => {
  const sources = new URL('../src/', import.meta.url);
  const code = (file: string) =>
    readFileSync(new URL(file, sources), 'utf8')
      .replace(/\/\*[\s\S]*?\*\//g, '')
      .replace(/\/\/.*$/gm, '');
  const CLOUD_WORDS = /AWSCURRENT|AWSPENDING|AWSPREVIOUS|ACSCurrent|ACSPending|ACSPrevious|\bcdb[A-Z]\w*|masterarn|AccountName|AccountPassword|\b(aws|alibaba|ncloud|naver|aliyun)\b|'_rt'|'_clone'/i;
  it.each(readdirSync(sources).filter((file) => file.endsWith('.ts')))('%s holds no cloud convention outside comments', (file) => {
    expect(code(file)).not.toMatch(CLOUD_WORDS);
  });
});
