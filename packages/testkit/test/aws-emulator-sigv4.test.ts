import { GetFunctionCommand, LambdaClient, LambdaServiceException } from '@aws-sdk/client-lambda';
import { DescribeDBInstancesCommand, RDSClient, RDSServiceException } from '@aws-sdk/client-rds';
import type {
  SecretsManagerServiceException} from '@aws-sdk/client-secrets-manager';
import {
  CreateSecretCommand,
  GetSecretValueCommand,
  type SecretsManagerClient,
  type SecretsManagerClientConfig,
} from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AWS_EMULATOR_CREDENTIALS,
  startAwsLambdaEmulator,
  startAwsRdsEmulator,
  startAwsSecretsManagerEmulator,
  type AwsLambdaEmulator,
  type AwsRdsEmulator,
  type AwsSecretsManagerEmulator,
} from '../src/index.js';
import { clientFor } from './aws-emulator-helpers.js';

const MISMATCH =
  'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.';
const INVALID_TOKEN = 'The security token included in the request is invalid.';
const WRONG_SECRET = 'not-the-secret-key';
/** 6 minutes, beyond the 5 AWS allows either way. */
const SKEW_MS = 6 * 60 * 1000;
const AMZ_DATE = '\\d{8}T\\d{6}Z';

/** The SDK's own SigV4 auth scheme, signing for `service` instead of the client's service. */
function signingFor(service: string): Pick<SecretsManagerClientConfig, 'httpAuthSchemeProvider'> {
  return {
    httpAuthSchemeProvider: (parameters) => [
      {
        schemeId: 'aws.auth#sigv4',
        signingProperties: { name: service, signingName: service, region: parameters.region },
        propertiesExtractor: (config, context) => ({ signingProperties: { config, context } }),
      },
    ],
  };
}

/** What the official client threw: its code, message, fault and HTTP status. */
async function refusal(call: Promise<unknown>): Promise<{ name: string; message: string; fault: string | undefined; status: number | undefined }> {
  const error: unknown = await call.then(
    () => undefined,
    (failure: unknown) => failure,
  );
  expect(error, 'the call was answered').toBeInstanceOf(Error);
  const failure = error as SecretsManagerServiceException;
  return { name: failure.name, message: failure.message, fault: failure.$fault, status: failure.$metadata?.httpStatusCode };
}

describe('Secrets Manager emulator: SigV4 verification through the official client', () => {
  let emulator: AwsSecretsManagerEmulator;
  const clients: SecretsManagerClient[] = [];
  const client = (overrides: Partial<SecretsManagerClientConfig> = {}): SecretsManagerClient => {
    const made = clientFor(emulator.url, overrides);
    clients.push(made);
    return made;
  };
  const read = (sm: SecretsManagerClient) => sm.send(new GetSecretValueCommand({ SecretId: 'signed/db' }));

  beforeAll(async () => {
    emulator = await startAwsSecretsManagerEmulator();
    await client().send(new CreateSecretCommand({ Name: 'signed/db', SecretString: 'v' }));
  });
  afterAll(async () => {
    for (const made of clients) made.destroy();
    await emulator.close();
  });

  it('answers a request signed with the accepted key (AWS_EMULATOR_CREDENTIALS, test / test)', async () => {
    expect(AWS_EMULATOR_CREDENTIALS).toMatchObject({ accessKeyId: 'test', secretAccessKey: 'test' });
    expect((await read(client({ credentials: AWS_EMULATOR_CREDENTIALS }))).SecretString).toBe('v');
  });

  it('refuses a signature made with the wrong secret key: InvalidSignatureException, quoting the canonical request', async () => {
    const refused = await refusal(read(client({ credentials: { accessKeyId: 'test', secretAccessKey: WRONG_SECRET } })));
    expect(refused).toMatchObject({ name: 'InvalidSignatureException', fault: 'client', status: 400 });
    expect(refused.message).toMatch(
      new RegExp(
        `^${MISMATCH.replace(/[.]/g, '\\.')}\\n\\nThe Canonical String for this request should have been\\n'POST\\n/\\n\\n[\\s\\S]*x-amz-target:secretsmanager\\.GetSecretValue\\n[\\s\\S]*'\\n\\nThe String-to-Sign should have been\\n'AWS4-HMAC-SHA256\\n${AMZ_DATE}\\n\\d{8}/us-east-1/secretsmanager/aws4_request\\n[0-9a-f]{64}'\\n$`,
      ),
    );
    expect(refused.message).not.toContain(WRONG_SECRET);
  });

  it('refuses an unknown access key: UnrecognizedClientException', async () => {
    expect(await refusal(read(client({ credentials: { accessKeyId: 'AKIAUNKNOWNKEY000000', secretAccessKey: 'test' } })))).toEqual({
      name: 'UnrecognizedClientException',
      message: INVALID_TOKEN,
      fault: 'client',
      status: 400,
    });
  });

  it('refuses a signature scoped to another region or another service', async () => {
    expect(await refusal(read(client({ region: 'eu-west-1' })))).toEqual({
      name: 'InvalidSignatureException',
      message: 'Credential should be scoped to a valid region. ',
      fault: 'client',
      status: 400,
    });
    expect(await refusal(read(client(signingFor('lambda'))))).toEqual({
      name: 'InvalidSignatureException',
      message: "Credential should be scoped to correct service: 'secretsmanager'. ",
      fault: 'client',
      status: 400,
    });
  });

  it('refuses a clock more than 5 minutes behind or ahead, and accepts one within', async () => {
    const behind = await refusal(read(client({ systemClockOffset: -SKEW_MS })));
    expect(behind).toMatchObject({ name: 'InvalidSignatureException', fault: 'client', status: 400 });
    expect(behind.message).toMatch(new RegExp(`^Signature expired: ${AMZ_DATE} is now earlier than ${AMZ_DATE} \\(${AMZ_DATE} - 5 min\\.\\)$`));
    const ahead = await refusal(read(client({ systemClockOffset: SKEW_MS })));
    expect(ahead).toMatchObject({ name: 'InvalidSignatureException', status: 400 });
    expect(ahead.message).toMatch(new RegExp(`^Signature not yet current: ${AMZ_DATE} is still later than ${AMZ_DATE} \\(${AMZ_DATE} \\+ 5 min\\.\\)$`));
    expect((await read(client({ systemClockOffset: -4 * 60 * 1000 }))).SecretString).toBe('v');
  });

  it("lets the default client correct its clock from the answer's Date header and succeed on its retry, as against AWS", async () => {
    const out = await read(client({ systemClockOffset: -SKEW_MS, maxAttempts: 3 }));
    expect(out.SecretString).toBe('v');
    expect(out.$metadata.attempts).toBe(2);
  });

  it('refuses a body changed after signing', async () => {
    const tampering = client();
    // After the signature, nearest the wire: the body no longer matches its signed hash.
    tampering.middlewareStack.add(
      (next) => async (args) => {
        const request = args.request as { body?: unknown; headers: Record<string, string> };
        request.body = JSON.stringify({ SecretId: 'other/db' });
        request.headers['content-length'] = String(Buffer.byteLength(request.body as string));
        return next(args);
      },
      { step: 'deserialize', name: 'tamperAfterSigning', priority: 'low' },
    );
    const refused = await refusal(read(tampering));
    expect(refused).toMatchObject({ name: 'InvalidSignatureException', status: 400 });
    expect(refused.message.startsWith(MISMATCH)).toBe(true);
  });

  it('refuses unsigned and half-signed requests: MissingAuthenticationTokenException, IncompleteSignatureException', async () => {
    const post = (headers: Record<string, string>) =>
      fetch(emulator.url, {
        method: 'POST',
        headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'secretsmanager.GetSecretValue', ...headers },
        body: JSON.stringify({ SecretId: 'signed/db' }),
      });
    const unsigned = await post({});
    expect(unsigned.status).toBe(400);
    expect(await unsigned.json()).toEqual({ __type: 'MissingAuthenticationTokenException', message: 'Request is missing Authentication Token' });
    const half = await post({ authorization: 'AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/secretsmanager/aws4_request' });
    expect(half.status).toBe(400);
    expect(await half.json()).toEqual({
      __type: 'IncompleteSignatureException',
      message:
        "Authorization header requires 'Signature' parameter. Authorization header requires 'SignedHeaders' parameter. Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. Authorization=AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/secretsmanager/aws4_request",
    });
  });

  it('accepts the key pairs it is given (session tokens included) and, with verification off, any signature', async () => {
    const temporary = { accessKeyId: 'ASIATEMPORARYKEY0000', secretAccessKey: 'temporary-secret', sessionToken: 'session-token-1' };
    const own = await startAwsSecretsManagerEmulator({ credentials: [{ accessKeyId: 'AKIAOWNKEY0000000000', secretAccessKey: 'own-secret' }, temporary] });
    const open = await startAwsSecretsManagerEmulator({ verifySignatures: false });
    try {
      const signedBy = (url: string, credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string }) => {
        const made = clientFor(url, { credentials });
        clients.push(made);
        return made.send(new CreateSecretCommand({ Name: `k/${clients.length}`, SecretString: 'v' }));
      };
      await expect(signedBy(own.url, { accessKeyId: 'AKIAOWNKEY0000000000', secretAccessKey: 'own-secret' })).resolves.toMatchObject({ Name: expect.any(String) });
      await expect(signedBy(own.url, temporary)).resolves.toMatchObject({ Name: expect.any(String) });
      expect(await refusal(signedBy(own.url, { ...temporary, sessionToken: 'another-token' }))).toMatchObject({ name: 'UnrecognizedClientException' });
      const mismatch = await refusal(signedBy(own.url, { ...temporary, secretAccessKey: WRONG_SECRET }));
      expect(mismatch.name).toBe('InvalidSignatureException');
      expect(mismatch.message).not.toContain(temporary.sessionToken);
      // A pair the SDK has already used (and annotated) is taken as an option too.
      await (await startAwsSecretsManagerEmulator({ credentials: [AWS_EMULATOR_CREDENTIALS] })).close();
      const { sessionToken: _token, ...withoutToken } = temporary;
      expect(await refusal(signedBy(own.url, withoutToken))).toMatchObject({ name: 'UnrecognizedClientException' });
      expect(await refusal(signedBy(own.url, AWS_EMULATOR_CREDENTIALS))).toMatchObject({ name: 'UnrecognizedClientException' });
      await expect(signedBy(open.url, { accessKeyId: 'anything', secretAccessKey: WRONG_SECRET })).resolves.toMatchObject({ Name: expect.any(String) });
      const unsigned = await fetch(open.url, {
        method: 'POST',
        headers: { 'x-amz-target': 'secretsmanager.CreateSecret' },
        body: JSON.stringify({ Name: 'unsigned', ClientRequestToken: 'c0ffee00-0000-4000-8000-000000000001' }),
      });
      expect(unsigned.status).toBe(200);
    } finally {
      await Promise.all([own.close(), open.close()]);
    }
  });

  it('refuses option keys it does not know, and malformed credentials, naming the field', async () => {
    for (const [options, field] of [
      [{ credential: [] }, 'credential'],
      [{ credentials: [] }, 'credentials'],
      [{ credentials: [{ accessKeyId: 'a' }] }, 'credentials.0.secretAccessKey'],
      [{ credentials: [{ accessKeyId: 'a', secretAccessKey: 'b', token: 'c' }] }, 'credentials.0.token'],
      [{ verifySignatures: 'no' }, 'verifySignatures'],
    ] as const) {
      await expect(startAwsSecretsManagerEmulator(options as never)).rejects.toMatchObject({ name: 'InvalidOptionsError', field });
    }
    await expect(startAwsRdsEmulator({ rotation: {} } as never)).rejects.toMatchObject({ name: 'InvalidOptionsError', field: 'rotation' });
    await expect(startAwsLambdaEmulator({ verifySignature: true } as never)).rejects.toMatchObject({ name: 'InvalidOptionsError', field: 'verifySignature' });
  });
});

describe('RDS emulator (awsQuery): SigV4 verification through the official client', () => {
  let rds: AwsRdsEmulator;
  const call = async (overrides: Partial<ConstructorParameters<typeof RDSClient>[0]>) => {
    const client = new RDSClient({
      endpoint: rds.url,
      region: 'us-east-1',
      credentials: AWS_EMULATOR_CREDENTIALS,
      maxAttempts: 1,
      ...overrides,
    });
    try {
      return await client.send(new DescribeDBInstancesCommand({}));
    } finally {
      client.destroy();
    }
  };
  const refusedBy = async (overrides: Partial<ConstructorParameters<typeof RDSClient>[0]>) => {
    const error = await call(overrides).then(
      () => undefined,
      (failure: unknown) => failure,
    );
    expect(error).toBeInstanceOf(RDSServiceException);
    const failure = error as RDSServiceException;
    return { name: failure.name, message: failure.message, status: failure.$metadata.httpStatusCode };
  };

  beforeAll(async () => {
    rds = await startAwsRdsEmulator();
    rds.seedInstance({ identifier: 'shop', engine: 'mysql' });
  });
  afterAll(async () => {
    await rds.close();
  });

  it('answers the accepted key and refuses the others with the query-protocol codes', async () => {
    expect((await call({})).DBInstances).toHaveLength(1);
    const mismatch = await refusedBy({ credentials: { accessKeyId: 'test', secretAccessKey: WRONG_SECRET } });
    expect(mismatch).toMatchObject({ name: 'SignatureDoesNotMatch', status: 403 });
    expect(mismatch.message.startsWith(`${MISMATCH}\n\nThe Canonical String for this request should have been\n'POST\n/\n`)).toBe(true);
    expect(await refusedBy({ credentials: { accessKeyId: 'AKIAUNKNOWNKEY000000', secretAccessKey: 'test' } })).toEqual({
      name: 'InvalidClientTokenId',
      message: INVALID_TOKEN,
      status: 403,
    });
    expect(await refusedBy({ region: 'eu-west-1' })).toEqual({
      name: 'SignatureDoesNotMatch',
      message: "Credential should be scoped to a valid region, not 'eu-west-1'. ",
      status: 403,
    });
    expect(await refusedBy(signingFor('secretsmanager') as never)).toEqual({
      name: 'SignatureDoesNotMatch',
      message: "Credential should be scoped to correct service: 'rds'. ",
      status: 403,
    });
    const expired = await refusedBy({ systemClockOffset: -SKEW_MS });
    expect(expired).toMatchObject({ name: 'SignatureDoesNotMatch', status: 403 });
    expect(expired.message).toMatch(/^Signature expired: /);
  });
});

describe('Lambda emulator (restJson1): SigV4 verification through the official client', () => {
  let lambda: AwsLambdaEmulator;
  const refusedBy = async (overrides: Partial<ConstructorParameters<typeof LambdaClient>[0]>) => {
    const client = new LambdaClient({ endpoint: lambda.url, region: 'us-east-1', credentials: AWS_EMULATOR_CREDENTIALS, maxAttempts: 1, ...overrides });
    const error = await client.send(new GetFunctionCommand({ FunctionName: 'rotator' })).then(
      () => undefined,
      (failure: unknown) => failure,
    );
    client.destroy();
    expect(error).toBeInstanceOf(LambdaServiceException);
    const failure = error as LambdaServiceException;
    return { name: failure.name, message: failure.message, status: failure.$metadata.httpStatusCode };
  };

  beforeAll(async () => {
    lambda = await startAwsLambdaEmulator();
    lambda.addFunction('rotator', () => undefined);
  });
  afterAll(async () => {
    await lambda.close();
  });

  it('answers the accepted key and refuses the others with 403', async () => {
    const client = new LambdaClient({ endpoint: lambda.url, region: 'us-east-1', credentials: AWS_EMULATOR_CREDENTIALS, maxAttempts: 1 });
    expect((await client.send(new GetFunctionCommand({ FunctionName: 'rotator' }))).Configuration?.FunctionName).toBe('rotator');
    client.destroy();
    const mismatch = await refusedBy({ credentials: { accessKeyId: 'test', secretAccessKey: WRONG_SECRET } });
    expect(mismatch).toMatchObject({ name: 'InvalidSignatureException', status: 403 });
    expect(mismatch.message).toContain(`'GET\n/2015-03-31/functions/rotator\n`);
    expect(await refusedBy({ credentials: { accessKeyId: 'AKIAUNKNOWNKEY000000', secretAccessKey: 'test' } })).toEqual({
      name: 'UnrecognizedClientException',
      message: INVALID_TOKEN,
      status: 403,
    });
    expect(await refusedBy({ region: 'eu-west-1' })).toEqual({
      name: 'InvalidSignatureException',
      message: 'Credential should be scoped to a valid region. ',
      status: 403,
    });
    const expired = await refusedBy({ systemClockOffset: -SKEW_MS });
    expect(expired).toMatchObject({ name: 'InvalidSignatureException', status: 403 });
    expect(expired.message).toMatch(/^Signature expired: /);
  });
});

describe("Secrets Manager's invocations of a URL function", () => {
  it('are signed for Lambda with its first accepted key pair, so a Lambda emulator behind the URL answers them', async () => {
    const lambda = await startAwsLambdaEmulator();
    const sameKey = await startAwsSecretsManagerEmulator({ rotation: { driving: 'before-response' } });
    const otherKey = await startAwsSecretsManagerEmulator({
      rotation: { driving: 'before-response' },
      credentials: [{ accessKeyId: 'AKIAOTHERSERVICEKEY0', secretAccessKey: 'other' }],
    });
    const events: unknown[] = [];
    lambda.addFunction('recorder', (event) => {
      events.push(event);
    });
    const url = `${lambda.url}/2015-03-31/functions/recorder/invocations`;
    try {
      for (const sm of [sameKey, otherKey]) {
        const arn = sm.functionArn('recorder');
        sm.registerRotationFunction(arn, url);
        sm.seedSecret({ name: 'via/url', versions: [{ secretString: '{}', stages: ['AWSCURRENT'] }], rotation: { lambdaArn: arn } });
        await sm.startScheduledRotation('via/url');
      }
      // The recorder promotes nothing: with the accepted key all four steps ran, then finishSecret is judged a failure.
      expect((await sameKey.rotationSettled('via/url'))?.invocations.map((i) => [i.step, i.ok])).toEqual(
        ['createSecret', 'setSecret', 'testSecret', 'finishSecret'].map((step) => [step, true]),
      );
      expect(events).toHaveLength(4);
      expect((await otherKey.rotationSettled('via/url'))?.error).toBe(`createSecret failed: HTTP 403: ${JSON.stringify({ message: INVALID_TOKEN })}`);
    } finally {
      await Promise.all([lambda.close(), sameKey.close(), otherKey.close()]);
    }
  });
});
