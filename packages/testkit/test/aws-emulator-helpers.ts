import { randomUUID } from 'node:crypto';
import {
  DescribeSecretCommand,
  SecretsManagerClient,
  SecretsManagerServiceException,
  type SecretsManagerClientConfig,
} from '@aws-sdk/client-secrets-manager';
import { expect } from 'vitest';
import { AWS_EMULATOR_CREDENTIALS } from '../src/index.js';

/** The official client pointed at an emulator, signing with the key pair it accepts by default. */
export function clientFor(url: string, overrides: Partial<SecretsManagerClientConfig> = {}): SecretsManagerClient {
  return new SecretsManagerClient({
    endpoint: url,
    region: 'us-east-1',
    credentials: AWS_EMULATOR_CREDENTIALS,
    maxAttempts: 1,
    ...overrides,
  });
}

/** A fresh ClientRequestToken (36 characters, as the SDK makes them). */
export function token(): string {
  return randomUUID();
}

/**
 * The SDK always fills in ClientRequestToken; this adds a build-step middleware (the SDK's
 * public extension point) that strips it from the wire, the way a raw request would omit it.
 */
export function stripClientRequestToken(client: SecretsManagerClient): void {
  client.middlewareStack.add(
    (next) => async (args) => {
      const request = args.request as { body?: unknown; headers: Record<string, string> };
      // The serialised JSON body is a string or bytes, depending on the SDK version.
      const text =
        typeof request.body === 'string'
          ? request.body
          : request.body instanceof Uint8Array
            ? Buffer.from(request.body).toString('utf8')
            : undefined;
      if (text !== undefined) {
        const body = JSON.parse(text) as Record<string, unknown>;
        delete body['ClientRequestToken'];
        request.body = JSON.stringify(body);
        request.headers['content-length'] = String(Buffer.byteLength(request.body as string));
      }
      return next(args);
    },
    { step: 'build', name: 'stripClientRequestToken' },
  );
}

/** Asserts the call fails with Secrets Manager's error `code` and exact `message`, as HTTP 400. */
export async function expectAwsError(call: Promise<unknown>, code: string, message: string): Promise<void> {
  const error: unknown = await call.then(
    () => undefined,
    (failure: unknown) => failure,
  );
  expect(error, `expected ${code}`).toBeInstanceOf(SecretsManagerServiceException);
  const serviceError = error as SecretsManagerServiceException;
  expect({ name: serviceError.name, message: serviceError.message }).toEqual({ name: code, message });
  expect(serviceError.$fault).toBe('client');
  expect(serviceError.$metadata.httpStatusCode).toBe(400);
  expect(serviceError.$metadata.requestId).toMatch(/^[0-9a-f-]{36}$/);
}

/** DescribeSecret's VersionIdsToStages, or `{}` when it has none. */
export async function stagesOf(client: SecretsManagerClient, secretId: string): Promise<Record<string, string[]>> {
  return (await client.send(new DescribeSecretCommand({ SecretId: secretId }))).VersionIdsToStages ?? {};
}
