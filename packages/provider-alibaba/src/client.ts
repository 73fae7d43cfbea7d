import * as kmsSdk from '@alicloud/kms20160120';
import * as teaUtil from '@alicloud/tea-util';
import { InvalidOptionsError } from '@rotakit/core';

/** An AccessKey pair, with the STS token when it is temporary (Function Compute's role credentials). */
export interface AlibabaCredentials {
  readonly accessKeyId: string;
  readonly accessKeySecret: string;
  readonly securityToken?: string;
}

/**
 * A credential both Alibaba SDK lines accept as `config.credential`, whose keys can be replaced
 * between calls: clients are built once per container while Function Compute hands every
 * invocation fresh STS credentials.
 */
export class RefreshableCredential {
  #current: AlibabaCredentials;

  constructor(credentials: AlibabaCredentials) {
    this.#current = credentials;
  }

  /** Replaces the keys used by every client built on this credential. */
  set(credentials: AlibabaCredentials): void {
    this.#current = credentials;
  }

  /** The access key ID, for the rpc-client (kms20160120 1.2.0) credential interface. */
  async getAccessKeyId(): Promise<string> {
    return this.#current.accessKeyId;
  }

  /** The access key secret, for the rpc-client credential interface. */
  async getAccessKeySecret(): Promise<string> {
    return this.#current.accessKeySecret;
  }

  /** The STS security token, or `''` for a plain access key, for the rpc-client credential interface. */
  async getSecurityToken(): Promise<string> {
    return this.#current.securityToken ?? '';
  }

  /** `'sts'` when there is a security token, `'access_key'` otherwise, as the rpc-client expects. */
  getType(): string {
    return this.#current.securityToken ? 'sts' : 'access_key';
  }

  /** All of the keys at once, for the openapi-core (rds20140815) credential interface. */
  async getCredential(): Promise<{ accessKeyId: string; accessKeySecret: string; securityToken: string; type: string; providerName: string }> {
    return {
      accessKeyId: this.#current.accessKeyId,
      accessKeySecret: this.#current.accessKeySecret,
      securityToken: this.#current.securityToken ?? '',
      type: this.getType(),
      providerName: 'rotakit',
    };
  }
}

/** The protocols a client speaks: `https`, or `http` for a local emulator. */
export const PROTOCOLS = ['https', 'http'] as const;

/** How an Alibaba client is reached and signed. */
export interface AlibabaClientOptions {
  /** `host[:port]`, used verbatim as the request authority. */
  readonly endpoint: string;
  readonly regionId?: string;
  /** Static keys, or a {@link RefreshableCredential}. */
  readonly credentials: AlibabaCredentials | RefreshableCredential;
  /** `https` (default); `http` only for a local emulator. */
  readonly protocol?: (typeof PROTOCOLS)[number];
  /** Milliseconds; the SDK's defaults otherwise. */
  readonly readTimeout?: number;
  readonly connectTimeout?: number;
}

/** The KMS client of `@alicloud/kms20160120` 1.2.0. */
export type KmsClient = InstanceType<typeof kmsSdk.default.default>;

/**
 * The class a CommonJS SDK exports as `exports.default`, whichever loader imported it (Node's ESM
 * wraps `module.exports` in one more `default`, a bundler's CommonJS interop does not).
 */
export function defaultClass<T>(namespace: unknown): T {
  let value = namespace as { default?: unknown } | undefined;
  while (typeof value !== 'function' && value && 'default' in value) value = value.default as typeof value;
  return value as T;
}

function credentialConfig(credentials: AlibabaCredentials | RefreshableCredential): Record<string, unknown> {
  return credentials instanceof RefreshableCredential ? { credential: credentials } : { ...credentials };
}

/** The config keys every Alibaba client takes: credentials, endpoint, protocol, region and timeouts. */
export function commonConfig(options: AlibabaClientOptions): Record<string, unknown> {
  return {
    ...credentialConfig(options.credentials),
    endpoint: options.endpoint,
    protocol: options.protocol ?? 'https',
    ...(options.regionId === undefined ? {} : { regionId: options.regionId }),
    ...(options.readTimeout === undefined ? {} : { readTimeout: options.readTimeout }),
    ...(options.connectTimeout === undefined ? {} : { connectTimeout: options.connectTimeout }),
  };
}

/** Builds a KMS client (`@alicloud/kms20160120` 1.2.0). Build it once per process and share it. */
export function createKmsClient(options: AlibabaClientOptions): KmsClient {
  const Kms = defaultClass<typeof kmsSdk.default.default>(kmsSdk);
  return new Kms(commonConfig(options) as ConstructorParameters<typeof kmsSdk.default.default>[0]);
}

/**
 * Runtime options for 1.2.0 KMS calls: its own retry covers transport failures (a reset
 * connection, a timeout); service errors (429, 5xx) are not retried by 1.2.0 at all.
 */
export function kmsRuntime(): teaUtil.RuntimeOptions {
  return new teaUtil.RuntimeOptions({ autoretry: true, maxAttempts: 3, backoffPolicy: 'no' });
}

/** The KMS VPC endpoint of a region, where Alibaba's rotation functions reach KMS from. */
export function kmsVpcEndpoint(regionId: string): string {
  return `kms-vpc.${regionId}.aliyuncs.com`;
}

/** An endpoint read from the environment: a `host[:port]`, and the protocol when the value was a URL. */
export interface EnvironmentEndpoint {
  readonly endpoint: string;
  readonly protocol?: 'https' | 'http';
}

const HOST = String.raw`(?:[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?`;
const HOST_VALUE = new RegExp(`^${HOST}$`);
const URL_VALUE = new RegExp(`^(https?)://(${HOST})/?$`);

/**
 * The endpoint the environment variable `name` gives: a `host[:port]` (the protocol is left to the
 * options), or an `http://` or `https://` URL without a path, whose scheme sets the protocol (a
 * plain-HTTP emulator). Unset or empty: undefined. Anything else throws InvalidOptionsError naming
 * the variable, so a deployment with a typo fails when the handler is built, before any call.
 */
export function endpointFromEnvironment(
  name: string,
  environment: Readonly<Record<string, string | undefined>> = process.env,
): EnvironmentEndpoint | undefined {
  const value = environment[name];
  if (value === undefined || value === '') return undefined;
  if (HOST_VALUE.test(value)) return { endpoint: value };
  const url = URL_VALUE.exec(value);
  if (url?.[1] === undefined || url[2] === undefined) {
    throw new InvalidOptionsError(`${name} must be a host[:port] or an http:// or https:// URL without a path`, { field: name });
  }
  return { endpoint: url[2], protocol: url[1] as 'https' | 'http' };
}
