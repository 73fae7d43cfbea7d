import { createHmac } from 'node:crypto';
import axios, { type AxiosInstance } from 'axios';

/** How the test client signs: its own signature v2 code, independent of the emulator's verifier. */
export interface NcloudTestClientOptions {
  baseURL: string;
  accessKey: string;
  secretKey: string;
  /** Timestamp to sign with; default the wall clock. */
  timestamp?: () => number;
  /** Rewrites the path+query that gets signed (the one sent stays), to tamper with signatures. */
  signedPath?: (pathWithQuery: string) => string;
  /** Client timeout in ms (0: none). */
  timeout?: number;
}

/** An axios client that signs every request the way NAVER's API Gateway expects and never throws on a status. */
export function ncloudClient(options: NcloudTestClientOptions): AxiosInstance {
  const client = axios.create({
    baseURL: options.baseURL,
    timeout: options.timeout ?? 0,
    validateStatus: () => true,
    headers: { Accept: 'application/json' },
  });
  client.interceptors.request.use((config) => {
    const sent = new URL(client.getUri(config));
    const pathWithQuery = options.signedPath ? options.signedPath(sent.pathname + sent.search) : sent.pathname + sent.search;
    const timestamp = String((options.timestamp ?? Date.now)());
    const message = `${(config.method ?? 'get').toUpperCase()} ${pathWithQuery}\n${timestamp}\n${options.accessKey}`;
    config.headers.set('x-ncp-apigw-timestamp', timestamp);
    config.headers.set('x-ncp-iam-access-key', options.accessKey);
    config.headers.set('x-ncp-apigw-signature-v2', createHmac('sha256', options.secretKey).update(message).digest('base64'));
    return config;
  });
  return client;
}

/** The test credential pair. */
export const TEST_CREDENTIAL = { accessKey: 'test-access-key', secretKey: 'test-secret-key' };

/** The gateway's authentication failure body. */
export const AUTHENTICATION_FAILED = {
  error: { errorCode: '200', message: 'Authentication Failed', details: 'Invalid authentication information.' },
};

/** The gateway's unknown-route body. */
export const URL_NOT_FOUND = { error: { errorCode: '300', message: 'Not Found Exception', details: 'URL not found.' } };

/** A database secret in NAVER's Cloud DB shape. */
export const CDB_VALUE = {
  cdbHost: 'db.example.internal',
  cdbPort: '3306',
  cdbUser: 'app',
  cdbDatabase: 'shop',
  cdbPassword: 'Old-password-1',
};
