import { createHmac } from 'node:crypto';

/** The headers of NAVER Cloud API Gateway signature v2. */
export interface NcloudSignature {
  readonly 'x-ncp-apigw-timestamp': string;
  readonly 'x-ncp-iam-access-key': string;
  readonly 'x-ncp-apigw-signature-v2': string;
}

/** An API key pair of a NAVER Cloud (sub-)account. */
export interface NcloudApiKey {
  readonly accessKey: string;
  readonly secretKey: string;
}

/**
 * Signs one request with API Gateway signature v2:
 * base64(HMAC-SHA256(secretKey, `METHOD pathWithQuery\ntimestamp\naccessKey`)).
 * `pathWithQuery` is the request URI without the host, exactly as sent (the regional host's
 * `/secretmanager` prefix included). The body is not signed.
 */
export function signRequest(method: string, pathWithQuery: string, key: NcloudApiKey, timestampMs: number): NcloudSignature {
  const timestamp = String(timestampMs);
  const message = `${method.toUpperCase()} ${pathWithQuery}\n${timestamp}\n${key.accessKey}`;
  return {
    'x-ncp-apigw-timestamp': timestamp,
    'x-ncp-iam-access-key': key.accessKey,
    'x-ncp-apigw-signature-v2': createHmac('sha256', key.secretKey).update(message, 'utf8').digest('base64'),
  };
}
