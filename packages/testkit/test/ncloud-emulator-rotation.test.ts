import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { AxiosInstance } from 'axios';
import { startNcloudSecretManagerEmulator, type NcloudActionArgs, type NcloudSecretManagerEmulator } from '@rotakit/testkit';
import { CDB_VALUE, ncloudClient, TEST_CREDENTIAL } from './ncloud-client.js';

const NOW = 1_700_000_000_000;
const ACTIVE = JSON.stringify(CDB_VALUE);
const UPPER = /[A-Z]/;
const LOWER = /[a-z]/;
const DIGIT = /[0-9]/;
const PUNCTUATION = /[!"#$%&'()*+,\-./:;<=>?@[\\\]^_`{|}~]/;

const serviceError = (status: number, errorCode: string, message: string, details: string) => ({ status, data: { error: { errorCode, message, details } } });
const invalidStatus = (details: string) => serviceError(422, 'UNPROCESSABLE_ENTITY', 'Invalid status', details);
const invalidRequest = (details: string) => serviceError(400, 'INVALID_REQUEST', 'Invalid request', details);
const answer = (response: { status: number; data: unknown }) => ({ status: response.status, data: response.data });

describe('NAVER emulator rotation action API', () => {
  let emulator: NcloudSecretManagerEmulator;
  let client: AxiosInstance;
  let secretId: string;
  let jobToken: string;
  const job = (operation: string, token = jobToken, secret = secretId) => `/action/v1/secrets/${secret}/jobs/${token}/${operation}`;

  beforeAll(async () => {
    emulator = await startNcloudSecretManagerEmulator({ credentials: [TEST_CREDENTIAL], clock: () => NOW });
    client = ncloudClient({ baseURL: emulator.regionalUrl, ...TEST_CREDENTIAL, timestamp: () => NOW });
  });
  afterAll(() => emulator.close());
  beforeEach(() => {
    secretId = emulator.seedSecret({
      chain: { active: ACTIVE, previous: { ...CDB_VALUE, cdbPassword: 'older' } },
      rotationTargets: ['cdbPassword'],
    });
    jobToken = emulator.openJob(secretId);
  });
  const secretState = () => emulator.state().secrets.find((s) => s.secretId === secretId);
  const jobState = (token = jobToken) => emulator.state().jobs.find((j) => j.jobToken === token);

  it('start answers the chain and the targets and puts the rotation in progress', async () => {
    expect(jobState()?.status).toBe('created');
    const started = await client.post(job('start'));
    expect(answer(started)).toEqual({
      status: 200,
      data: {
        code: 'SUCCESS',
        data: {
          decryptedSecretChain: { active: ACTIVE, previous: JSON.stringify({ ...CDB_VALUE, cdbPassword: 'older' }) },
          rotationTargets: ['cdbPassword'],
        },
      },
    });
    expect(jobState()?.status).toBe('started');
    expect(secretState()?.secretStatus).toBe('ROTATING');
    const detail = await client.get(`/api/v1/secrets/${secretId}`);
    expect(detail.data.data).toMatchObject({ secretStatus: 'ROTATING', rotationPhase: 'IN_PROGRESS' });
    // Repeating start on an open job answers the chain again.
    expect((await client.post(job('start'))).data.data.rotationTargets).toEqual(['cdbPassword']);
  });

  it('add pending generates every rotation target and copies the other keys', async () => {
    const twoTargets = emulator.seedSecret({
      chain: { active: { user: 'app', password: 'a', apiKey: 'b', host: 'h' } },
      rotationTargets: ['password', 'apiKey'],
    });
    const token = emulator.openJob(twoTargets);
    await client.post(job('start', token, twoTargets));
    const added = await client.post(job('pending', token, twoTargets));
    expect(added.status).toBe(200);
    const pending = JSON.parse(added.data.data.pending as string) as Record<string, string>;
    expect(Object.keys(pending)).toEqual(['user', 'password', 'apiKey', 'host']);
    expect(pending).toMatchObject({ user: 'app', host: 'h' });
    for (const target of [pending.password, pending.apiKey]) {
      expect(target).toHaveLength(12);
      expect(target).not.toContain(' ');
      for (const characterClass of [UPPER, LOWER, DIGIT, PUNCTUATION]) expect(target).toMatch(characterClass);
    }
    const stored = await client.get(`/api/v1/secrets/${twoTargets}/pending`);
    expect(stored.data.data.decryptedSecretValue).toEqual({ value: added.data.data.pending, valueStage: 'PENDING' });
    // A second add replaces the pending value.
    const again = await client.post(job('pending', token, twoTargets));
    expect(again.data.data.pending).not.toBe(added.data.data.pending);
  });

  it('update pending stores the value given and answers it', async () => {
    await client.post(job('start'));
    const value = JSON.stringify({ ...CDB_VALUE, cdbPassword: 'n"e\\w' });
    const updated = await client.put(job('pending'), { value });
    expect(answer(updated)).toEqual({ status: 200, data: { code: 'SUCCESS', data: { pending: value } } });
    expect(secretState()?.chain.pending).toBe(value);
  });

  it.each([
    ['changes a non-target key', { ...CDB_VALUE, cdbUser: 'root' }, 'The pending value changes "cdbUser", which is not a rotation target.'],
    ['drops a non-target key', { cdbHost: CDB_VALUE.cdbHost, cdbPort: '3306', cdbUser: 'app', cdbPassword: 'x' }, 'The pending value changes "cdbDatabase", which is not a rotation target.'],
    ['adds a key', { ...CDB_VALUE, extra: '1' }, 'The pending value changes "extra", which is not a rotation target.'],
    ['lacks the rotation target', { ...CDB_VALUE, cdbPassword: undefined }, 'The pending value lacks the rotation target "cdbPassword".'],
  ])('update pending refuses a value that %s (inferred rule)', async (_case, value, details) => {
    await client.post(job('start'));
    const refused = await client.put(job('pending'), { value: JSON.stringify(value) });
    expect(answer(refused)).toEqual(invalidStatus(details));
    expect(secretState()?.chain.pending).toBeUndefined();
  });

  it.each([
    [{}, 'value must be a JSON-object string.'],
    [{ value: { cdbPassword: 'x' } }, 'value must be a JSON-object string.'],
    [{ value: 'cdbPassword=x' }, 'value must be a JSON-object string.'],
    [{ value: '{}' }, 'value must hold 1 to 100 key/value pairs.'],
  ])('update pending refuses the malformed body %j', async (body, details) => {
    await client.post(job('start'));
    expect(answer(await client.put(job('pending'), body))).toEqual(invalidRequest(details));
  });

  it('complete shifts the chain: pending becomes active, active becomes previous', async () => {
    await client.post(job('start'));
    const pending = JSON.stringify({ ...CDB_VALUE, cdbPassword: 'newer' });
    await client.put(job('pending'), { value: pending });
    const completed = await client.post(job('complete'));
    expect(answer(completed)).toEqual({ status: 200, data: { code: 'SUCCESS', data: null } });
    const values = await client.get(`/api/v1/secrets/${secretId}/values`);
    expect(values.data.data.decryptedSecretChain).toEqual({ active: pending, previous: ACTIVE });
    expect(jobState()?.status).toBe('completed');
    const detail = await client.get(`/api/v1/secrets/${secretId}`);
    expect(detail.data.data).toMatchObject({ secretStatus: 'ENABLE', rotationPhase: 'NONE', lastRotationDate: NOW, lastRotationResultId: jobToken });
  });

  it('complete without a pending value is refused', async () => {
    await client.post(job('start'));
    expect(answer(await client.post(job('complete')))).toEqual(invalidStatus('The secret has no pending value to promote.'));
    expect(jobState()?.status).toBe('started');
  });

  it('pending and complete need a started job', async () => {
    for (const request of [client.post(job('pending')), client.put(job('pending'), { value: ACTIVE }), client.post(job('complete'))]) {
      expect(answer(await request)).toEqual(invalidStatus('The rotation job has not been started.'));
    }
  });

  it('fail ends the job, keeps the chain and the pending value', async () => {
    await client.post(job('start'));
    const added = await client.post(job('pending'));
    const failed = await client.post(job('fail'));
    expect(answer(failed)).toEqual({ status: 200, data: { code: 'SUCCESS', data: null } });
    expect(jobState()?.status).toBe('failed');
    expect(secretState()).toMatchObject({ secretStatus: 'ENABLE', chain: { active: ACTIVE, pending: added.data.data.pending } });
    // What the client sees: the rotation is over, the job is the last one, the chain unshifted.
    const detail = await client.get(`/api/v1/secrets/${secretId}`);
    expect(detail.data.data).toMatchObject({ secretStatus: 'ENABLE', rotationPhase: 'NONE', lastRotationResultId: jobToken });
    const values = await client.get(`/api/v1/secrets/${secretId}/values`);
    expect(values.data.data.decryptedSecretChain).toMatchObject({ active: ACTIVE, pending: added.data.data.pending });
  });

  it('a job may fail before it starts', async () => {
    expect((await client.post(job('fail'))).status).toBe(200);
    expect(jobState()?.status).toBe('failed');
  });

  it.each(['complete', 'fail'])('a job token is unusable after %s', async (ending) => {
    await client.post(job('start'));
    await client.post(job('pending'));
    await client.post(job(ending));
    const ended = ending === 'complete' ? 'completed' : 'failed';
    const requests = [
      client.post(job('start')),
      client.post(job('pending')),
      client.put(job('pending'), { value: ACTIVE }),
      client.post(job('generate-random-secret'), { length: 16 }),
      client.post(job('complete')),
      client.post(job('fail')),
    ];
    for (const response of await Promise.all(requests)) {
      expect(answer(response)).toEqual(invalidStatus(`The rotation job has already ${ended}.`));
    }
  });

  it('a job token works only for its own secret', async () => {
    const other = emulator.seedSecret({ chain: { active: ACTIVE }, rotationTargets: ['cdbPassword'] });
    const notFound = serviceError(404, 'NOT_FOUND', 'Not found', 'No such rotation job for this secret.');
    expect(answer(await client.post(job('start', jobToken, other)))).toEqual(notFound);
    expect(answer(await client.post(job('start', 'no-such-token')))).toEqual(notFound);
    expect(answer(await client.post(job('start', jobToken, 'no-such-secret')))).toEqual(
      serviceError(404, 'NOT_FOUND', 'Not found', 'No such secret.'),
    );
    expect(jobState()?.status).toBe('created');
  });

  describe('generate-random-secret', () => {
    const generate = async (body: unknown) => client.post(job('generate-random-secret'), body);

    it('answers a string of the length asked, with every character class by default', async () => {
      for (const length of [5, 16, 32]) {
        const response = await generate({ length });
        expect(response.data.code).toBe('SUCCESS');
        const randomString: string = response.data.data.randomString;
        expect(randomString).toHaveLength(length);
        for (const characterClass of [UPPER, LOWER, DIGIT, PUNCTUATION]) expect(randomString).toMatch(characterClass);
      }
    });

    it('includes space unless told not to', async () => {
      const onlySpaceLeft = { length: 6, excludeUppercase: true, excludeLowercase: true, excludeNumbers: true, excludePunctuation: true };
      expect((await generate(onlySpaceLeft)).data.data.randomString).toBe('      ');
      expect(answer(await generate({ ...onlySpaceLeft, includeSpace: false }))).toEqual(invalidRequest('No characters are left to generate from.'));
    });

    it('honours excludeCharacters and the class flags', async () => {
      const onlyZ = { length: 8, excludeCharacters: 'abcdefghijklmnopqrstuvwxy', excludeUppercase: true, excludeNumbers: true, excludePunctuation: true, includeSpace: false };
      expect((await generate(onlyZ)).data.data.randomString).toBe('zzzzzzzz');
      const seedSampleOptions = { length: 32, excludeCharacters: '"&\'+/\\`', requireEachIncludedType: true, includeSpace: false };
      for (let round = 0; round < 20; round += 1) {
        const randomString: string = (await generate(seedSampleOptions)).data.data.randomString;
        expect(randomString).not.toMatch(/["&'+/\\` ]/);
        expect(randomString).toMatch(PUNCTUATION);
      }
      const digitsOnly = { length: 10, excludeUppercase: true, excludeLowercase: true, excludePunctuation: true, includeSpace: false };
      expect((await generate(digitsOnly)).data.data.randomString).toMatch(/^[0-9]{10}$/);
    });

    it.each([
      [{}, 'length must be a whole number from 5 to 32.'],
      [{ length: 4 }, 'length must be a whole number from 5 to 32.'],
      [{ length: 33 }, 'length must be a whole number from 5 to 32.'],
      [{ length: 12.5 }, 'length must be a whole number from 5 to 32.'],
      [{ length: '12' }, 'length must be a whole number from 5 to 32.'],
      [{ length: 12, excludeCharacters: 5 }, 'excludeCharacters must be a string.'],
      [{ length: 12, includeSpace: 'no' }, 'includeSpace must be a boolean.'],
      [{ length: 12, requireEachIncludedType: 1 }, 'requireEachIncludedType must be a boolean.'],
    ])('refuses %j', async (body, details) => {
      expect(answer(await generate(body))).toEqual(invalidRequest(details));
    });
  });
});

describe('NAVER emulator rotation jobs', () => {
  let emulator: NcloudSecretManagerEmulator;
  let client: AxiosInstance;

  beforeAll(async () => {
    emulator = await startNcloudSecretManagerEmulator({ credentials: [TEST_CREDENTIAL] });
    client = ncloudClient({ baseURL: emulator.regionalUrl, ...TEST_CREDENTIAL });
  });
  afterAll(() => emulator.close());

  /** A rotation action following the documented process, talking to the emulator over signed HTTP. */
  async function rotate(args: NcloudActionArgs): Promise<{ done: boolean }> {
    const action = ncloudClient({ baseURL: args.baseURL as string, accessKey: args.accessKey as string, secretKey: args.secretKey as string });
    const base = `/action/v1/secrets/${args.secretId}/jobs/${args.jobToken}`;
    const started = await action.post(`${base}/start`);
    const chain = started.data.data.decryptedSecretChain as { active: string };
    const password = await action.post(`${base}/generate-random-secret`, { length: 20, includeSpace: false });
    const pending = { ...(JSON.parse(chain.active) as object), cdbPassword: password.data.data.randomString as string };
    await action.put(`${base}/pending`, { value: JSON.stringify(pending) });
    const completed = await action.post(`${base}/complete`);
    return { done: completed.status === 200 };
  }

  const seedRotatable = (triggerId: string) =>
    emulator.seedSecret({ chain: { active: ACTIVE }, rotationTargets: ['cdbPassword'], triggerId });

  it('a rotation runs the in-process action registered for the trigger with secretId, jobToken and default params', async () => {
    const received: NcloudActionArgs[] = [];
    emulator.registerAction('in-process', async (args) => {
      received.push(args);
      return rotate(args);
    }, { defaultParams: { baseURL: emulator.regionalUrl, ...TEST_CREDENTIAL } });
    const secretId = seedRotatable('in-process');

    const rotation = await client.post(`/api/v1/secrets/${secretId}/rotation`);
    expect(rotation.status).toBe(200);
    const { jobToken } = rotation.data.data as { jobToken: string };
    expect(rotation.data.data).toEqual({ secretId, jobToken });

    const settlement = await emulator.jobSettled(jobToken);
    expect(settlement).toEqual({ job: expect.objectContaining({ jobToken, status: 'completed', action: 'returned' }), result: { done: true } });
    expect(received).toEqual([{ baseURL: emulator.regionalUrl, ...TEST_CREDENTIAL, secretId, jobToken }]);
    const chain = (await client.get(`/api/v1/secrets/${secretId}/values`)).data.data.decryptedSecretChain;
    expect(chain.previous).toBe(ACTIVE);
    expect(JSON.parse(chain.active)).toEqual({ ...CDB_VALUE, cdbPassword: expect.stringMatching(/^\S{20}$/) });
    expect(emulator.state().jobs.find((j) => j.jobToken === jobToken)).toMatchObject({ secretId, status: 'completed' });
  });

  it('rotateSecret starts a job as the console does (a signed POST) and resolves when its action has settled', async () => {
    emulator.registerAction('console', rotate, { defaultParams: { baseURL: emulator.regionalUrl, ...TEST_CREDENTIAL } });
    const secretId = seedRotatable('console');
    const before = emulator.calls()['executeRotation'] ?? 0;
    const settlement = await emulator.rotateSecret(secretId, { regional: true });
    expect(emulator.calls()['executeRotation']).toBe(before + 1);
    expect(settlement).toEqual({ job: expect.objectContaining({ secretId, status: 'completed', action: 'returned' }), result: { done: true } });
    expect((await client.get(`/api/v1/secrets/${secretId}/previous`)).data.data.decryptedSecretValue.value).toBe(ACTIVE);
    // A refusal rejects with the service's answer; a key the gateway does not know is refused by the gateway.
    await expect(emulator.executeRotation('no-such-secret')).rejects.toThrow(/HTTP 404/);
    await expect(emulator.executeRotation(secretId, { credential: { accessKey: 'unknown', secretKey: 'unknown' } })).rejects.toThrow(/HTTP 401/);
  });

  it('a rotation POSTs the args as JSON to an HTTP action', async () => {
    const server: Server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        void rotate(JSON.parse(body) as NcloudActionArgs).then(
          (result) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(result)),
          () => res.writeHead(500).end(),
        );
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const actionUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/main`;
      emulator.registerAction('over-http', actionUrl, { defaultParams: { baseURL: emulator.regionalUrl, ...TEST_CREDENTIAL } });
      const secretId = seedRotatable('over-http');
      const detail = await client.get(`/api/v1/secrets/${secretId}`);
      expect(detail.data.data.trigger).toEqual({ id: 'over-http', name: 'over-http', url: actionUrl });

      const { jobToken } = (await client.post(`/api/v1/secrets/${secretId}/rotation`)).data.data as { jobToken: string };
      const settlement = await emulator.jobSettled(jobToken);
      expect(settlement).toEqual({ job: expect.objectContaining({ status: 'completed', action: 'returned' }), result: { done: true } });
      expect(JSON.parse((await client.get(`/api/v1/secrets/${secretId}/previous`)).data.data.decryptedSecretValue.value)).toEqual(CDB_VALUE);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('records an action that throws, and refuses a second rotation until the open job is cancelled', async () => {
    emulator.registerAction('crashes', async (args) => {
      await ncloudClient({ baseURL: emulator.regionalUrl, ...TEST_CREDENTIAL }).post(`/action/v1/secrets/${args.secretId}/jobs/${args.jobToken}/start`);
      throw new Error('database unreachable');
    });
    const secretId = seedRotatable('crashes');
    const { jobToken } = (await client.post(`/api/v1/secrets/${secretId}/rotation`)).data.data as { jobToken: string };
    const settlement = await emulator.jobSettled(jobToken);
    expect(settlement.job).toMatchObject({ status: 'started', action: 'threw' });
    expect(settlement.error).toBeInstanceOf(Error);

    const second = await client.post(`/api/v1/secrets/${secretId}/rotation`);
    expect(answer(second)).toEqual(invalidStatus('A rotation job is already open for this secret.'));
    expect(answer(await client.post(`/api/v1/secrets/${secretId}/cancel-rotation`))).toEqual({ status: 200, data: { code: 'SUCCESS', data: null } });
    expect(emulator.state().jobs.find((j) => j.jobToken === jobToken)?.status).toBe('cancelled');
    expect(answer(await client.post(`/action/v1/secrets/${secretId}/jobs/${jobToken}/start`))).toEqual(
      invalidStatus('The rotation job has already been cancelled.'),
    );
    expect(answer(await client.post(`/api/v1/secrets/${secretId}/cancel-rotation`))).toEqual(invalidStatus('The secret has no rotation in progress.'));
  });

  it('refuses a rotation for a secret without a registered trigger', async () => {
    for (const secretId of [
      emulator.seedSecret({ chain: { active: ACTIVE }, rotationTargets: ['cdbPassword'] }),
      seedRotatable('never-registered'),
    ]) {
      expect(answer(await client.post(`/api/v1/secrets/${secretId}/rotation`))).toEqual(
        invalidStatus('The secret has no trigger with an action to run.'),
      );
    }
  });

  it('jobSettled refuses a job no action was invoked for', async () => {
    const secretId = emulator.seedSecret({ chain: { active: ACTIVE }, rotationTargets: ['cdbPassword'] });
    await expect(emulator.jobSettled(emulator.openJob(secretId))).rejects.toThrow(/no action was invoked/);
  });
});
