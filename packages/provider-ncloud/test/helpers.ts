import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '@rotakit/core';
import type { NcloudSecretManagerEmulator } from '@rotakit/testkit';
import { NcloudSecretManagerClient, type NcloudClientOptions } from '@rotakit/provider-ncloud';

/** The key pair the tests' emulators accept. */
export const API_KEY = { accessKey: 'ncloud-test-access-key', secretKey: 'ncloud-test-secret-key/+=' };

/** A database secret in NAVER's Cloud DB convention. */
export function cdbSecret(password: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { cdbHost: 'db.internal', cdbPort: '3306', cdbUser: 'app', cdbDatabase: 'shop', cdbPassword: password, ...overrides };
}

/** A client of the emulator's region-isolated host with quick retries. */
export function clientOf(emulator: NcloudSecretManagerEmulator, overrides: Partial<NcloudClientOptions> = {}): NcloudSecretManagerClient {
  return new NcloudSecretManagerClient({ ...API_KEY, endpoint: emulator.regionalUrl, retry: { baseDelayMs: 1 }, ...overrides });
}

/** Everything written to a logger, as JSON text, for secret scans. */
export function capturingLogger(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const record =
    (level: string) =>
    (first: string | object, message?: string): void => {
      lines.push(JSON.stringify({ level, first, message }));
    };
  return { logger: { debug: record('debug'), info: record('info'), warn: record('warn'), error: record('error') }, lines };
}

/** A proxy between a client and an emulator, and the requests it saw. */
export interface TestProxy {
  readonly url: string;
  /** The signature timestamp of every request forwarded, in order. */
  readonly timestamps: string[];
  close(): Promise<void>;
}

/**
 * A man in the middle: forwards every request to `target` unchanged except for its path, which
 * `rewrite` may alter, headers (and so the signature) kept as they were.
 */
export async function startPathRewritingProxy(target: string, rewrite: (path: string) => string = (path) => path): Promise<TestProxy> {
  const upstream = new URL(target);
  const timestamps: string[] = [];
  const server: Server = createServer((req, res) => {
    timestamps.push(String(req.headers['x-ncp-apigw-timestamp']));
    const forward = httpRequest(
      { host: upstream.hostname, port: upstream.port, method: req.method, path: rewrite(req.url ?? '/'), headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    timestamps,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
