// The official Alibaba clients, pointed at a KMS emulator. Nothing here changes how they work.
import { createRequire } from 'node:module';
import type * as $Kms from '@alicloud/kms20160120';
import * as $OpenApi from '@alicloud/openapi-client';
import * as $Util from '@alicloud/tea-util';
import { expect } from 'vitest';
import type { AlibabaKmsEmulator } from '../src/index.js';

// Both packages are CommonJS with an `exports.default` class; require() reaches it the same
// way under every loader.
const require = createRequire(import.meta.url);
const Kms = (require('@alicloud/kms20160120') as typeof $Kms.default).default;
const OpenApi = (require('@alicloud/openapi-client') as typeof $OpenApi.default).default;
/** The 1.2.0 KMS client. */
export type Kms = InstanceType<typeof Kms>;
/** The openapi-client generic client. */
export type OpenApi = InstanceType<typeof OpenApi>;

/** Where a client finds an emulator: a started one, or a standalone one reached by URL. */
type EmulatorAddress = Pick<AlibabaKmsEmulator, 'endpoint' | 'regionId'>;

/** The AccessKey the signed emulators are started with. */
export const ACCESS_KEY = { accessKeyId: 'LTAI5tEmulatorKey', accessKeySecret: 'emulator-secret' } as const;

interface ClientOptions {
  accessKeyId?: string;
  accessKeySecret?: string;
  readTimeout?: number;
  /** STS credentials: the token travels as SecurityToken / x-acs-security-token. */
  securityToken?: string;
  /** openapi-client only: `v2` switches it to the RPC v1 query signature. */
  signatureAlgorithm?: 'v2';
}

/** What both clients' configs share. */
function commonConfig(emulator: EmulatorAddress, options: ClientOptions) {
  return {
    accessKeyId: options.accessKeyId ?? ACCESS_KEY.accessKeyId,
    accessKeySecret: options.accessKeySecret ?? ACCESS_KEY.accessKeySecret,
    regionId: emulator.regionId,
    endpoint: emulator.endpoint,
    protocol: 'http',
    ...(options.readTimeout === undefined ? {} : { readTimeout: options.readTimeout }),
    ...(options.securityToken === undefined ? {} : { securityToken: options.securityToken }),
  };
}

/** `@alicloud/kms20160120` 1.2.0 (RPC v1 signatures, every parameter in the query). */
export function kmsClient(emulator: EmulatorAddress, options: ClientOptions = {}): Kms {
  return new Kms(commonConfig(emulator, options) as ConstructorParameters<typeof Kms>[0]);
}

/** Any action through 1.2.0's public `doRequest`, which returns the raw response map. */
export function rawKmsCall(client: Kms, action: string, query: Record<string, string>): Promise<Record<string, unknown>> {
  // The SDK's own methods pass a null body (nothing but the query goes on the wire); the
  // declared parameter type leaves null out.
  const noBody = null as unknown as Record<string, string>;
  return client.doRequest(action, 'HTTPS', 'POST', '2016-01-20', 'AK', query, noBody, new $Util.RuntimeOptions({})) as Promise<
    Record<string, unknown>
  >;
}

/** `@alicloud/openapi-client`'s generic caller, which signs with ACS3-HMAC-SHA256 by default. */
export function openApiClient(emulator: EmulatorAddress, options: ClientOptions = {}): OpenApi {
  const signature = options.signatureAlgorithm === undefined ? {} : { signatureAlgorithm: options.signatureAlgorithm };
  return new OpenApi(new $OpenApi.Config({ ...commonConfig(emulator, options), ...signature }));
}

/** One KMS action through `callApi`, parameters in the query or (as newer clients may) a form body. */
export async function callKmsApi(
  client: OpenApi,
  action: string,
  params: Record<string, string>,
  where: 'query' | 'body' = 'query',
): Promise<Record<string, unknown>> {
  const response = await callKmsApiResponse(client, action, params, where);
  expect(response.statusCode).toBe(200);
  return response.body as Record<string, unknown>;
}

/** Like {@link callKmsApi}, answering what `callApi` returns: `{body, headers, statusCode}`. */
export async function callKmsApiResponse(
  client: OpenApi,
  action: string,
  params: Record<string, string>,
  where: 'query' | 'body' = 'query',
): Promise<{ body: unknown; headers: Record<string, string>; statusCode: number }> {
  return (await client.callApi(
    new $OpenApi.Params({
      action,
      version: '2016-01-20',
      protocol: 'HTTPS',
      pathname: '/',
      method: 'POST',
      authType: 'AK',
      style: 'RPC',
      reqBodyType: 'formData',
      bodyType: 'json',
    }),
    new $OpenApi.OpenApiRequest(where === 'query' ? { query: params } : { body: params }),
    new $Util.RuntimeOptions({}),
  )) as { body: unknown; headers: Record<string, string>; statusCode: number };
}

/** What a client threw: its `code`, `message`, `statusCode` and raw error body. */
export interface ClientError {
  name: string;
  code: string;
  message: string;
  statusCode?: number;
  data?: Record<string, unknown>;
}

/** The error `call` rejects with; fails the test when it resolves. */
export async function rejection(call: Promise<unknown>): Promise<ClientError> {
  try {
    await call;
  } catch (error) {
    return error as ClientError;
  }
  throw new Error('expected the call to fail');
}

/**
 * Asserts the 1.2.0 client's error for a KMS error: `code` is the service code with `Error`
 * appended, the message carries the HTTP status, the body keeps the plain code.
 */
export async function expectKmsError(call: Promise<unknown>, code: string, status: number, message: string): Promise<void> {
  const error = await rejection(call);
  expect(error.code).toBe(`${code}Error`);
  expect(error.message).toMatch(new RegExp(`^${escape(code)}Error: code: ${status}, ${escape(message)} requestid: [0-9a-f-]{36}$`));
  expect(error.data).toMatchObject({ Code: code, Message: message, HostId: expect.any(String), Recommend: expect.any(String) });
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
