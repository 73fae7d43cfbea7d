/**
 * The reader of the AWS Parameters and Secrets Lambda Extension: inside a Lambda that has the
 * extension's layer, secrets are read from its local HTTP endpoint (which caches them too) instead
 * of from Secrets Manager. No SDK: Node's own `fetch`.
 *
 * @module @rotakit/client/lambda-extension
 */
import {
  optionChecks,
  SecretNotFoundError,
  StoreAccessDeniedError,
  StoreUnavailableError,
  type Stage,
} from '@rotakit/core';
import { AWS_STAGE_LABELS, awsSchema } from '@rotakit/provider-aws';
import { SECRET_READER_OPTION_KEYS, SecretReader, type SecretReaderOptions, type SecretSource, type SourcedValue } from './reader.js';

/** Options of `lambdaExtensionSecretReader`. */
export interface LambdaExtensionSecretReaderOptions extends SecretReaderOptions {
  /**
   * The extension's base URL; default `http://localhost:2773`, the port from
   * `PARAMETERS_SECRETS_EXTENSION_HTTP_PORT` when set.
   */
  readonly endpoint?: string;
  /** The token the extension checks (`X-Aws-Parameters-Secrets-Token`); default `AWS_SESSION_TOKEN`. */
  readonly token?: string;
}

/** The extension's port when `PARAMETERS_SECRETS_EXTENSION_HTTP_PORT` is not set. */
const DEFAULT_PORT = 2773;
/** The header the extension reads its server-side request forgery token from. */
const TOKEN_HEADER = 'X-Aws-Parameters-Secrets-Token';

function defaultEndpoint(): string {
  const port = process.env['PARAMETERS_SECRETS_EXTENSION_HTTP_PORT'] || String(DEFAULT_PORT);
  return `http://localhost:${port}`;
}

function extensionSource(secretId: string, endpoint: string, token: string): SecretSource {
  return {
    name: 'lambda-extension',
    secretId,
    async read(stage: Stage): Promise<SourcedValue | undefined> {
      const versionStage = AWS_STAGE_LABELS[stage];
      const url = new URL('/secretsmanager/get', endpoint);
      url.searchParams.set('secretId', secretId);
      url.searchParams.set('versionStage', versionStage);
      const subject = `${secretId} (${versionStage})`;
      let response: Response;
      try {
        response = await fetch(url, { headers: { [TOKEN_HEADER]: token } });
      } catch {
        throw new StoreUnavailableError(`the Lambda extension did not answer for ${subject}`);
      }
      // The answer's body is never quoted: on success it holds the secret, and an error's text is the extension's.
      const body = await response.text();
      if (response.ok) return valueOf(body, subject);
      if (response.status === 401 || response.status === 403) {
        throw new StoreAccessDeniedError(`the Lambda extension refused the request for ${subject} (HTTP ${response.status})`);
      }
      if (body.includes('ResourceNotFoundException') || response.status === 404) {
        if (stage !== 'current') return undefined;
        throw new SecretNotFoundError(`the Lambda extension found no ${subject}`);
      }
      throw new StoreUnavailableError(`the Lambda extension failed for ${subject} (HTTP ${response.status})`);
    },
  };
}

/** GetSecretValue's JSON answer, as the extension passes it on. */
function valueOf(body: string, subject: string): SourcedValue | undefined {
  let answer: unknown;
  try {
    answer = JSON.parse(body);
  } catch {
    throw new StoreUnavailableError(`the Lambda extension's answer for ${subject} is not JSON`);
  }
  const { SecretString, VersionId } = (typeof answer === 'object' && answer !== null ? answer : {}) as Record<string, unknown>;
  if (typeof SecretString !== 'string') return undefined;
  return { value: SecretString, ...(typeof VersionId === 'string' ? { versionId: VersionId } : {}) };
}

/**
 * A cached reader of a Secrets Manager secret through the Lambda extension's local endpoint. The
 * extension caches too (its own time to live, `SECRETS_MANAGER_TTL`), so `refresh()` here can
 * still see its cached value until that expires; see the README.
 */
export function lambdaExtensionSecretReader(secretId: string, options: LambdaExtensionSecretReaderOptions = {}): SecretReader {
  const check = optionChecks('lambdaExtensionSecretReader');
  check.nonEmptyString(secretId, 'secretId');
  const given = check.record(options, 'options');
  check.refuseUnknownKeys(given, [...SECRET_READER_OPTION_KEYS, 'endpoint', 'token']);
  const endpoint = check.nonEmptyString(given['endpoint'], 'endpoint', defaultEndpoint());
  const token = given['token'] ?? process.env['AWS_SESSION_TOKEN'];
  if (token === undefined || token === '') throw check.invalid('token', 'must be given, or AWS_SESSION_TOKEN set');
  check.nonEmptyString(token, 'token');
  const { endpoint: _endpoint, token: _token, ...readerOptions } = options;
  return new SecretReader(extensionSource(secretId, endpoint, token as string), awsSchema, readerOptions);
}
