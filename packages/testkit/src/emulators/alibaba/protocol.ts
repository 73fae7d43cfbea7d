import { randomUUID } from 'node:crypto';
import type { EmulatorProtocol, EmulatorRequest, EmulatorResponse } from '../http.js';
import { KmsError, kmsError, type KmsErrorCode } from './errors.js';
import { KMS_ACTIONS, type KmsAction, runAction } from './operations.js';
import { type AlibabaKmsState, type AlibabaSecretSeed, KmsSecrets } from './secrets.js';
import { type AlibabaCredentials, verifySignature } from './signature.js';

const API_VERSION = '2016-01-20';

/** Options of {@link AlibabaKmsProtocol}. */
export interface AlibabaKmsProtocolOptions {
  regionId: string;
  accountId: string;
  /** When set, every request must be signed with this key (RPC v1 or ACS3-HMAC-SHA256). */
  credentials?: AlibabaCredentials | undefined;
  previousFollowsCurrent: boolean;
}

/**
 * KMS's RPC protocol: `POST /` with the action in `Action` or `x-acs-action` and the
 * parameters in the query string (plus a form body, which newer clients may send),
 * answered with PascalCase JSON that always carries a RequestId.
 */
export class AlibabaKmsProtocol implements EmulatorProtocol {
  readonly secrets: KmsSecrets;
  readonly #options: AlibabaKmsProtocolOptions;

  constructor(options: AlibabaKmsProtocolOptions) {
    this.#options = options;
    this.secrets = new KmsSecrets(options);
  }

  operationOf(request: EmulatorRequest): string | undefined {
    return parse(request).action;
  }

  handle(request: EmulatorRequest): EmulatorResponse {
    try {
      const { action, params, query, path } = parse(request);
      if (this.#options.credentials) {
        verifySignature({ ...request, path, query, params }, this.#options.credentials);
      }
      const version = params['Version'] ?? header(request, 'x-acs-version');
      if (version !== undefined && version !== API_VERSION) throw kmsError('InvalidVersion');
      if (!isKmsAction(action)) throw kmsError('InvalidAction.NotFound');
      return json(200, { RequestId: randomUUID(), ...runAction(action, params, this.secrets) });
    } catch (error) {
      if (error instanceof KmsError) return this.#errorBody(error);
      // An emulator bug still answers KMS-shaped JSON: the client cannot parse anything else.
      process.emitWarning(`Alibaba KMS emulator bug: ${error instanceof Error ? error.message : String(error)}`);
      return this.#errorBody(kmsError('InternalFailure'));
    }
  }

  throttleResponse(): EmulatorResponse {
    return this.errorResponseFor('Rejected.Throttling');
  }

  errorResponse(): EmulatorResponse {
    return this.errorResponseFor('InternalFailure');
  }

  /** The KMS error answer for `code`, e.g. to inject with a fault. */
  errorResponseFor(code: KmsErrorCode): EmulatorResponse {
    return this.#errorBody(kmsError(code));
  }

  snapshot(): AlibabaKmsState {
    return this.secrets.snapshot();
  }

  seed(input: unknown): void {
    const seeds = Array.isArray(input) ? input : (input as { secrets?: unknown } | null)?.secrets;
    if (!Array.isArray(seeds)) throw new Error('seed body must be a list of secrets or {secrets: [...]}');
    this.secrets.seed(seeds as AlibabaSecretSeed[]);
  }

  #errorBody(error: KmsError): EmulatorResponse {
    return errorBody(error, `kms.${this.#options.regionId}.aliyuncs.com`, 'Kms');
  }
}

/** The error answer every Alibaba RPC product gives: `{RequestId, HostId, Code, Message, Recommend}`. */
export function errorBody(error: KmsError, hostId: string, product: string): EmulatorResponse {
  const requestId = randomUUID();
  return json(error.status, {
    RequestId: requestId,
    HostId: hostId,
    Code: error.code,
    Message: error.message,
    Recommend: `https://api.aliyun.com/troubleshoot?q=${encodeURIComponent(error.code)}&product=${product}&requestId=${requestId}`,
  });
}

/** An Alibaba RPC-style request, read: the action, and the parameters from the query and form body. */
export interface ParsedRequest {
  action: string | undefined;
  path: string;
  query: Record<string, string>;
  /** Query and urlencoded form body merged. */
  params: Record<string, string>;
}

/** Reads an RPC-style request the way every Alibaba product's gateway takes it. */
export function parse(request: EmulatorRequest): ParsedRequest {
  const url = new URL(request.url, 'http://emulator');
  const query = Object.fromEntries(url.searchParams);
  const form = header(request, 'content-type')?.startsWith('application/x-www-form-urlencoded')
    ? Object.fromEntries(new URLSearchParams(request.body))
    : {};
  const params = { ...query, ...form };
  return { action: params['Action'] ?? header(request, 'x-acs-action'), path: url.pathname, query, params };
}

/** A request header's first value. */
export function header(request: EmulatorRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function isKmsAction(action: string | undefined): action is KmsAction {
  return (KMS_ACTIONS as readonly (string | undefined)[]).includes(action);
}

/** A JSON answer. */
export function json(status: number, body: unknown): EmulatorResponse {
  return { status, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
}
