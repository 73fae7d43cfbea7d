import { createHash } from 'node:crypto';
import { optionChecks, REDACTED } from '@rotakit/core';
import { Sha256 } from '@smithy/core/checksum';
import { getCanonicalHeaders, getPayloadHash, SignatureV4 } from '@smithy/signature-v4';
import type { EmulatorRequest } from '../http.js';

/** A key pair an AWS emulator accepts; `sessionToken` for temporary (STS) credentials. */
export interface AwsEmulatorCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  /** When set, requests must carry it as `X-Amz-Security-Token`, signed. */
  sessionToken?: string;
}

/**
 * The key pair every AWS emulator accepts unless told otherwise: `test` / `test`, the pair the
 * usual local-endpoint test configuration signs with. Not frozen: the SDK annotates the
 * credential objects it is given.
 */
export const AWS_EMULATOR_CREDENTIALS: Readonly<AwsEmulatorCredentials> = {
  accessKeyId: 'test',
  secretAccessKey: 'test',
};

/** What the SDK adds to a credentials object it has used; a pair given to both may carry it. */
const SDK_ANNOTATION = '$source';

/** How far a request's `X-Amz-Date` may be from the emulator's clock: AWS allows 5 minutes. */
export const SIGV4_CLOCK_SKEW_MS = 5 * 60 * 1000;

/** Why a request's signature was refused; each service answers each kind with its own code and status. */
export type SignatureFailureKind =
  | 'missing'
  | 'incomplete'
  | 'unknown-key'
  | 'mismatch'
  | 'expired'
  | 'not-yet-current'
  | 'wrong-region'
  | 'wrong-service';

/** A refused signature: its kind and the text AWS answers with. */
export interface SignatureFailure {
  kind: SignatureFailureKind;
  message: string;
}

/** How a service words the two scope errors: JSON services and query services differ. */
export type ScopeWording = 'json' | 'query';

/** The request shape the signer reads (smithy's `HttpRequest`). */
type SignableRequest = Parameters<typeof getCanonicalHeaders>[0];

const ALGORITHM = 'AWS4-HMAC-SHA256';
const MISMATCH =
  'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.';

/** Checks the accepted-credentials option: a non-empty list of key pairs. */
export function readCredentials(value: unknown): AwsEmulatorCredentials[] {
  const check = optionChecks('the AWS emulator');
  if (value === undefined) return [{ ...AWS_EMULATOR_CREDENTIALS }];
  if (!Array.isArray(value) || value.length === 0) throw check.invalid('credentials', 'must be a non-empty list of key pairs');
  return value.map((entry: unknown, index) => {
    const field = `credentials.${index}`;
    const pair = check.record(entry, field);
    check.refuseUnknownKeys(pair, ['accessKeyId', 'secretAccessKey', 'sessionToken', SDK_ANNOTATION], `${field}.`);
    return {
      accessKeyId: check.nonEmptyString(pair['accessKeyId'], `${field}.accessKeyId`),
      secretAccessKey: check.nonEmptyString(pair['secretAccessKey'], `${field}.secretAccessKey`),
      ...(pair['sessionToken'] !== undefined ? { sessionToken: check.nonEmptyString(pair['sessionToken'], `${field}.sessionToken`) } : {}),
    };
  });
}

/** `YYYYMMDDTHHMMSSZ`, the form of `X-Amz-Date`. */
function amzDate(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}

function parseAmzDate(value: string): number | undefined {
  const match = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (!match) return undefined;
  const [, y, mo, d, h, mi, s] = match.map(Number) as [number, number, number, number, number, number, number];
  return Date.UTC(y, mo - 1, d, h, mi, s);
}

function header(request: EmulatorRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value.join(',') : value;
}

/** The signer, with the canonical request and string to sign that AWS quotes in a mismatch. */
class QuotingSigner extends SignatureV4 {
  async quote(request: SignableRequest, signable: Set<string>, longDate: string, scope: string): Promise<string> {
    const canonical = this.createCanonicalRequest(
      request,
      getCanonicalHeaders(request, undefined, signable),
      await getPayloadHash(request, this.sha256),
    );
    const stringToSign = await this.createStringToSign(longDate, scope, canonical, ALGORITHM);
    return `${MISMATCH}\n\nThe Canonical String for this request should have been\n'${canonical}'\n\nThe String-to-Sign should have been\n'${stringToSign}'\n`;
  }
}

/**
 * Verifies AWS Signature Version 4 `Authorization` headers the way the service's front door
 * does: the header complete, the credential scoped to this service and region, the key known,
 * the date within 5 minutes, the body's hash and the signature recomputed by
 * `@smithy/signature-v4` (the SDK's own signer) over the headers the request says it signed.
 */
export class SigV4Verifier {
  readonly #credentials: AwsEmulatorCredentials[];
  readonly #region: string;
  readonly #service: string;
  readonly #wording: ScopeWording;

  constructor(options: { credentials: AwsEmulatorCredentials[]; region: string; service: string; wording: ScopeWording }) {
    this.#credentials = options.credentials;
    this.#region = options.region;
    this.#service = options.service;
    this.#wording = options.wording;
  }

  /** Undefined when the request is signed by an accepted key; otherwise why it is refused. */
  async verify(request: EmulatorRequest): Promise<SignatureFailure | undefined> {
    const authorization = header(request, 'authorization');
    if (authorization === undefined) return { kind: 'missing', message: 'Request is missing Authentication Token' };
    const parts = this.#parse(authorization);
    const dateHeader = header(request, 'x-amz-date');
    const missing = [
      ...(['Credential', 'Signature', 'SignedHeaders'] as const)
        .filter((name) => parts[name] === undefined)
        .map((name) => `Authorization header requires '${name}' parameter.`),
      ...(dateHeader === undefined ? ["Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header."] : []),
    ];
    if (!authorization.startsWith(`${ALGORITHM} `) || missing.length > 0) {
      return { kind: 'incomplete', message: `${missing.join(' ')} Authorization=${authorization}`.trimStart() };
    }
    const credential = parts.Credential ?? '';
    const scope = credential.split('/');
    if (scope.length !== 5) {
      return {
        kind: 'incomplete',
        message: `Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '${credential}'`,
      };
    }
    const [accessKeyId, , region, service] = scope as [string, string, string, string, string];
    if (service !== this.#service) {
      return { kind: 'wrong-service', message: `Credential should be scoped to correct service: '${this.#service}'. ` };
    }
    if (region !== this.#region) {
      return {
        kind: 'wrong-region',
        message:
          this.#wording === 'query'
            ? `Credential should be scoped to a valid region, not '${region}'. `
            : 'Credential should be scoped to a valid region. ',
      };
    }
    const token = header(request, 'x-amz-security-token');
    const pair = this.#credentials.find((candidate) => candidate.accessKeyId === accessKeyId);
    if (!pair || pair.sessionToken !== token) {
      return { kind: 'unknown-key', message: 'The security token included in the request is invalid.' };
    }
    const signedAt = parseAmzDate(dateHeader ?? '');
    const now = Date.now();
    if (signedAt === undefined || signedAt < now - SIGV4_CLOCK_SKEW_MS) {
      return {
        kind: 'expired',
        message: `Signature expired: ${dateHeader} is now earlier than ${amzDate(now - SIGV4_CLOCK_SKEW_MS)} (${amzDate(now)} - 5 min.)`,
      };
    }
    if (signedAt > now + SIGV4_CLOCK_SKEW_MS) {
      return {
        kind: 'not-yet-current',
        message: `Signature not yet current: ${dateHeader} is still later than ${amzDate(now + SIGV4_CLOCK_SKEW_MS)} (${amzDate(now)} + 5 min.)`,
      };
    }
    return this.#checkSignature(request, pair, parts, new Date(signedAt), scope.slice(1).join('/'));
  }

  /** `AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=…` into its named parts. */
  #parse(authorization: string): Partial<Record<'Credential' | 'SignedHeaders' | 'Signature', string>> {
    const parts: Partial<Record<string, string>> = {};
    for (const piece of authorization.replace(/^\S+\s*/, '').split(',')) {
      const [name, ...value] = piece.trim().split('=');
      if (name && value.length > 0) parts[name] = value.join('=');
    }
    return parts;
  }

  async #checkSignature(
    request: EmulatorRequest,
    pair: AwsEmulatorCredentials,
    parts: Partial<Record<'Credential' | 'SignedHeaders' | 'Signature', string>>,
    signingDate: Date,
    scope: string,
  ): Promise<SignatureFailure | undefined> {
    const signed = new Set((parts.SignedHeaders ?? '').split(';').filter((name) => name.length > 0));
    const headers: Record<string, string> = {};
    for (const name of signed) {
      const value = header(request, name);
      if (value !== undefined) headers[name] = value;
    }
    const url = new URL(request.url, 'http://emulator');
    const query: Record<string, string | string[]> = {};
    for (const [key, value] of url.searchParams) {
      const seen = query[key];
      query[key] = seen === undefined ? value : [...(Array.isArray(seen) ? seen : [seen]), value];
    }
    const toSign: SignableRequest = {
      method: request.method,
      protocol: 'http:',
      hostname: header(request, 'host') ?? '',
      path: url.pathname,
      query,
      headers,
      body: request.body,
    };
    const signer = new QuotingSigner({
      credentials: pair,
      region: this.#region,
      service: this.#service,
      sha256: Sha256,
      // Only the headers the client signed take part; none is added.
      applyChecksum: false,
    });
    const bodyHash = createHash('sha256').update(request.body, 'utf8').digest('hex');
    const claimedHash = headers['x-amz-content-sha256'];
    const expected = /Signature=([0-9a-f]+)/.exec(
      String((await signer.sign(toSign, { signingDate, signableHeaders: signed })).headers['authorization'] ?? ''),
    )?.[1];
    if (expected !== undefined && expected === parts.Signature && (claimedHash === undefined || claimedHash === bodyHash)) {
      return undefined;
    }
    // AWS quotes the canonical request over the body it received. It quotes a session token too;
    // the emulator does not, so no credential reaches an error text.
    const received = {
      ...toSign,
      headers: {
        ...headers,
        ...(claimedHash !== undefined ? { 'x-amz-content-sha256': bodyHash } : {}),
        ...(headers['x-amz-security-token'] !== undefined ? { 'x-amz-security-token': REDACTED } : {}),
      },
    };
    return { kind: 'mismatch', message: await signer.quote(received, signed, amzDate(signingDate.getTime()), scope) };
  }
}

/** The error code a JSON service (Secrets Manager, Lambda) answers a refused signature with. */
export function jsonSignatureErrorCode(kind: SignatureFailureKind): string {
  switch (kind) {
    case 'missing':
      return 'MissingAuthenticationTokenException';
    case 'incomplete':
      return 'IncompleteSignatureException';
    case 'unknown-key':
      return 'UnrecognizedClientException';
    default:
      return 'InvalidSignatureException';
  }
}

/** The error code and HTTP status a query service (RDS) answers a refused signature with. */
export function querySignatureError(kind: SignatureFailureKind): { code: string; status: number } {
  switch (kind) {
    case 'missing':
      return { code: 'MissingAuthenticationToken', status: 403 };
    case 'incomplete':
      return { code: 'IncompleteSignature', status: 400 };
    case 'unknown-key':
      return { code: 'InvalidClientTokenId', status: 403 };
    default:
      return { code: 'SignatureDoesNotMatch', status: 403 };
  }
}

/**
 * The headers that sign a POST of `body` to `url` for Lambda, as Secrets Manager signs its
 * invocations: a Lambda emulator behind the URL verifies them, any other endpoint may ignore them.
 */
export async function lambdaInvocationHeaders(url: string, body: string, credentials: AwsEmulatorCredentials, region: string): Promise<Record<string, string>> {
  const target = new URL(url);
  const query: Record<string, string> = {};
  for (const [key, value] of target.searchParams) query[key] = value;
  const signer = new SignatureV4({ credentials, region, service: 'lambda', sha256: Sha256 });
  const signed = await signer.sign({
    method: 'POST',
    protocol: target.protocol,
    hostname: target.hostname,
    path: target.pathname,
    query,
    headers: { host: target.host, 'content-type': 'application/json' },
    body,
  });
  return Object.fromEntries(Object.entries(signed.headers).map(([name, value]) => [name, String(value)]));
}
