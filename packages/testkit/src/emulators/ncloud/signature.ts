import { createHmac, timingSafeEqual } from 'node:crypto';

/** The three headers of NAVER Cloud API Gateway signature v2 (a type alias, so it passes as plain headers). */
export type NcloudSignatureHeaders = {
  'x-ncp-apigw-timestamp': string;
  'x-ncp-iam-access-key': string;
  'x-ncp-apigw-signature-v2': string;
};

/** How far a request's timestamp may be from the gateway's clock. */
export const NCLOUD_TIMESTAMP_TOLERANCE_MS = 5 * 60 * 1000;

/** base64(HMAC-SHA256(secretKey, "METHOD pathWithQuery\ntimestamp\naccessKey")). */
function signature(method: string, pathWithQuery: string, timestamp: string, accessKey: string, secretKey: string): string {
  const message = `${method.toUpperCase()} ${pathWithQuery}\n${timestamp}\n${accessKey}`;
  return createHmac('sha256', secretKey).update(message, 'utf8').digest('base64');
}

/**
 * Signs one NAVER Cloud request (API Gateway signature v2). `pathWithQuery` is the request
 * URI without host, exactly as sent, including any `/secretmanager` prefix. The body is not signed.
 */
export function signNcloudRequest(
  method: string,
  pathWithQuery: string,
  accessKey: string,
  secretKey: string,
  timestampMs: number = Date.now(),
): NcloudSignatureHeaders {
  const timestamp = String(timestampMs);
  return {
    'x-ncp-apigw-timestamp': timestamp,
    'x-ncp-iam-access-key': accessKey,
    'x-ncp-apigw-signature-v2': signature(method, pathWithQuery, timestamp, accessKey, secretKey),
  };
}

/** What the gateway needs to check a request's signature. */
export interface SignedRequest {
  method: string;
  pathWithQuery: string;
  headers: Record<string, string | string[] | undefined>;
}

/**
 * True when the request carries a well-formed timestamp within the tolerance of `nowMs`, a
 * known access key, and the signature that key's secret produces over this method and URI.
 */
export function verifyNcloudSignature(
  request: SignedRequest,
  secretKeyOf: (accessKey: string) => string | undefined,
  nowMs: number,
): boolean {
  const timestamp = singleHeader(request.headers['x-ncp-apigw-timestamp']);
  const accessKey = singleHeader(request.headers['x-ncp-iam-access-key']);
  const given = singleHeader(request.headers['x-ncp-apigw-signature-v2']);
  if (!timestamp || !accessKey || !given || !/^\d{1,15}$/.test(timestamp)) return false;
  if (Math.abs(nowMs - Number(timestamp)) > NCLOUD_TIMESTAMP_TOLERANCE_MS) return false;
  const secretKey = secretKeyOf(accessKey);
  if (secretKey === undefined) return false;
  const expected = Buffer.from(signature(request.method, request.pathWithQuery, timestamp, accessKey, secretKey));
  const actual = Buffer.from(given);
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

function singleHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? undefined : value;
}
