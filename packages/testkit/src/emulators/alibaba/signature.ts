import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { kmsError, missingParameter } from './errors.js';

/** An AccessKey pair the emulator checks request signatures against. */
export interface AlibabaCredentials {
  accessKeyId: string;
  accessKeySecret: string;
}

/** The parts of a request that its signature covers. */
export interface SignedRequest {
  method: string;
  path: string;
  /** The URL's query parameters, decoded. */
  query: Record<string, string>;
  /** Query and form-body parameters merged, decoded (RPC v1 signs both). */
  params: Record<string, string>;
  headers: IncomingHttpHeaders;
  body: string;
}

const ACS3 = 'ACS3-HMAC-SHA256';

/** RFC 3986 percent-encoding as Alibaba's signers apply it (`! ' ( ) *` escaped too). */
export function percentEncode(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function canonicalQuery(params: Record<string, string>): string {
  return Object.keys(params)
    .sort()
    .map((key) => `${percentEncode(key)}=${percentEncode(params[key] ?? '')}`)
    .join('&');
}

/** The RPC v1 (HMAC-SHA1) signature of `params` (which must not hold `Signature`). */
export function rpcV1Signature(params: Record<string, string>, method: string, accessKeySecret: string): string {
  const toSign = `${method}&${percentEncode('/')}&${percentEncode(canonicalQuery(params))}`;
  return createHmac('sha1', `${accessKeySecret}&`).update(toSign).digest('base64');
}

/** The ACS3-HMAC-SHA256 signature of a request over the named headers. */
export function acs3Signature(request: SignedRequest, signedHeaders: readonly string[], accessKeySecret: string): string {
  const headerLines = signedHeaders.map((name) => `${name}:${headerValue(request.headers, name).trim()}\n`).join('');
  const canonicalRequest = [
    request.method,
    request.path,
    canonicalQuery(request.query),
    headerLines,
    signedHeaders.join(';'),
    sha256Hex(request.body),
  ].join('\n');
  const stringToSign = `${ACS3}\n${sha256Hex(canonicalRequest)}`;
  return createHmac('sha256', accessKeySecret).update(stringToSign).digest('hex');
}

function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

function headerValue(headers: IncomingHttpHeaders, name: string): string {
  const value = headers[name];
  return Array.isArray(value) ? value.join(',') : (value ?? '');
}

function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/**
 * Checks the request's signature against `credentials`, in whichever form it comes: an
 * `Authorization: ACS3-HMAC-SHA256 …` header, or the RPC v1 `Signature` query parameter.
 * Throws the gateway's error when the key is unknown or the signature does not match.
 */
export function verifySignature(request: SignedRequest, credentials: AlibabaCredentials): void {
  const authorization = headerValue(request.headers, 'authorization');
  if (authorization) {
    verifyAcs3(request, authorization, credentials);
    return;
  }
  const { Signature: signature, ...signed } = request.params;
  const accessKeyId = signed['AccessKeyId'];
  if (!accessKeyId) throw missingParameter('AccessKeyId');
  if (accessKeyId !== credentials.accessKeyId) throw kmsError('InvalidAccessKeyId.NotFound');
  if (!signature) throw missingParameter('Signature');
  if (signed['SignatureMethod'] !== 'HMAC-SHA1') throw kmsError('SignatureDoesNotMatch');
  if (!sameText(signature, rpcV1Signature(signed, request.method, credentials.accessKeySecret))) {
    throw kmsError('SignatureDoesNotMatch');
  }
}

function verifyAcs3(request: SignedRequest, authorization: string, credentials: AlibabaCredentials): void {
  const match = /^ACS3-HMAC-SHA256 Credential=([^,]+),SignedHeaders=([^,]*),Signature=([0-9a-f]+)$/.exec(
    authorization.trim(),
  );
  const [, accessKeyId, headerList, signature] = match ?? [];
  if (accessKeyId === undefined || headerList === undefined || signature === undefined) {
    throw kmsError('IncompleteSignature');
  }
  if (accessKeyId !== credentials.accessKeyId) throw kmsError('InvalidAccessKeyId.NotFound');
  const signedHeaders = headerList.split(';').filter((name) => name !== '');
  // The signature must cover the host and every x-acs-* header the request carries.
  const required = Object.keys(request.headers).filter((name) => name === 'host' || name.startsWith('x-acs-'));
  if (required.some((name) => !signedHeaders.includes(name))) throw kmsError('IncompleteSignature');
  if (!sameText(signature, acs3Signature(request, signedHeaders, credentials.accessKeySecret))) {
    throw kmsError('SignatureDoesNotMatch');
  }
}
