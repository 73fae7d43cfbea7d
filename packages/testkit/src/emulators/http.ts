import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** A response an emulator sends: status, headers and a body already serialised. */
export interface EmulatorResponse {
  status: number;
  headers?: Record<string, string>;
  body: string;
}

/** A request as the emulator's protocol sees it, body fully read. */
export interface EmulatorRequest {
  method: string;
  /** Path plus query string exactly as received. */
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

/** What each cloud's emulator plugs into the shared server. */
export interface EmulatorProtocol {
  /** Operation name used for call counting and fault targeting, or undefined for an unknown route. */
  operationOf(request: EmulatorRequest): string | undefined;
  /** Who signed the request (an access key id), for `callCountsBy`; undefined when it does not say. */
  callerOf?(request: EmulatorRequest): string | undefined;
  /** Answers one request. Throwing is a bug in the emulator and answers 500. */
  handle(request: EmulatorRequest, operation: string | undefined): Promise<EmulatorResponse> | EmulatorResponse;
  /** The cloud's own throttling answer for `operation`. */
  throttleResponse(operation: string): EmulatorResponse;
  /** The cloud's own internal-error answer for `operation`. */
  errorResponse(operation: string): EmulatorResponse;
  /** The emulator's whole state, as plain JSON, for tests and the admin route. */
  snapshot(): unknown;
  /** Seeds state from plain JSON (the admin route's POST body). */
  seed?(input: unknown): Promise<void> | void;
}

/** When a fault strikes: `times` matching calls (default 1), after letting `after` of them through (default 0). */
interface FaultTiming {
  times?: number;
  /** Matching calls answered normally before the fault strikes: aims it at the n-th call of a sequence. */
  after?: number;
}

/** A fault injected into calls of one operation (or of every operation: `'*'`). */
export type Fault = FaultTiming &
  (
    | { operation: string; kind: 'throttle' }
    | { operation: string; kind: 'error'; response?: EmulatorResponse }
    | { operation: string; kind: 'latency'; ms: number }
    | { operation: string; kind: 'drop' }
    | { operation: string; kind: 'lose-answer' }
  );

interface ArmedFault {
  fault: Fault;
  skip: number;
  remaining: number;
}

/** Path prefix of the admin routes every emulator answers. */
export const ADMIN_PREFIX = '/_rotakit/';

/**
 * An HTTP server shared by the cloud emulators: it reads each request, counts calls per
 * operation and logs them in order, applies injected faults, and answers the admin routes
 * (`GET /_rotakit/state`, `GET /_rotakit/calls`, `DELETE /_rotakit/calls`, `POST /_rotakit/faults`,
 * `DELETE /_rotakit/faults`, `POST /_rotakit/seed`).
 */
export class EmulatorServer {
  readonly #protocol: EmulatorProtocol;
  readonly #server: Server;
  readonly #sockets = new Set<Socket>();
  readonly #calls = new Map<string, number>();
  readonly #callsBy = new Map<string, Map<string, number>>();
  #log: string[] = [];
  #faults: ArmedFault[] = [];
  #url = '';

  constructor(protocol: EmulatorProtocol) {
    this.#protocol = protocol;
    this.#server = createServer((req, res) => {
      void this.#serve(req, res);
    });
    this.#server.on('connection', (socket) => {
      this.#sockets.add(socket);
      socket.on('close', () => this.#sockets.delete(socket));
    });
  }

  /** Listens on 127.0.0.1 (port 0 picks a free one) and returns the base URL. */
  async listen(port = 0, host = '127.0.0.1'): Promise<string> {
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(port, host, () => {
        this.#server.off('error', reject);
        resolve();
      });
    });
    const address = this.#server.address() as AddressInfo;
    this.#url = `http://${host}:${address.port}`;
    return this.#url;
  }

  /** The base URL, once listening. */
  get url(): string {
    return this.#url;
  }

  /** Calls received per operation (faulted calls included). */
  callCounts(): Record<string, number> {
    return Object.fromEntries(this.#calls);
  }

  /** Calls received per operation from one caller (as the protocol names callers: AWS's access key id). */
  callCountsBy(caller: string): Record<string, number> {
    return Object.fromEntries(this.#callsBy.get(caller) ?? []);
  }

  /** Calls received for one operation. */
  calls(operation: string): number {
    return this.#calls.get(operation) ?? 0;
  }

  /** The operations received since the last reset, in the order they came (faulted calls included). */
  callLog(): string[] {
    return [...this.#log];
  }

  /** Forgets the call counts and the call log. */
  resetCalls(): void {
    this.#calls.clear();
    this.#callsBy.clear();
    this.#log = [];
  }

  /** Arms a fault for `fault.times` (default 1) matching calls, after `fault.after` (default 0) go through. */
  injectFault(fault: Fault): void {
    this.#faults.push({ fault, skip: fault.after ?? 0, remaining: fault.times ?? 1 });
  }

  /** Disarms every fault. */
  clearFaults(): void {
    this.#faults = [];
  }

  /** Stops listening and drops open connections. */
  async close(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #takeFault(operation: string): Fault | undefined {
    const armed = this.#faults.find(
      (f) => f.remaining > 0 && (f.fault.operation === operation || f.fault.operation === '*'),
    );
    if (!armed) return undefined;
    if (armed.skip > 0) {
      armed.skip -= 1;
      return undefined;
    }
    armed.remaining -= 1;
    this.#faults = this.#faults.filter((f) => f.remaining > 0);
    return armed.fault;
  }

  async #serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const request: EmulatorRequest = {
      method: req.method ?? 'GET',
      url: req.url ?? '/',
      headers: req.headers,
      body: Buffer.concat(chunks).toString('utf8'),
    };
    try {
      if (request.url.startsWith(ADMIN_PREFIX)) {
        // A bad fault or seed is the caller's mistake, not an emulator bug: answer 400.
        send(res, await this.#admin(request).catch((error: unknown) => adminError(error)));
        return;
      }
      const operation = this.#protocol.operationOf(request);
      if (operation) {
        this.#calls.set(operation, this.calls(operation) + 1);
        this.#log.push(operation);
        const caller = this.#protocol.callerOf?.(request);
        if (caller !== undefined) {
          const counts = this.#callsBy.get(caller) ?? new Map<string, number>();
          counts.set(operation, (counts.get(operation) ?? 0) + 1);
          this.#callsBy.set(caller, counts);
        }
      }
      let fault = operation ? this.#takeFault(operation) : undefined;
      while (fault?.kind === 'latency') {
        const ms = 'ms' in fault ? fault.ms : 0;
        // unref: a delayed answer must not keep a stopped emulator's process alive.
        await new Promise((resolve) => setTimeout(resolve, ms).unref());
        fault = operation ? this.#takeFault(operation) : undefined;
      }
      if (fault?.kind === 'drop') {
        req.socket.destroy();
        return;
      }
      if (fault?.kind === 'lose-answer') {
        // The call takes effect; only its answer is lost on the way back.
        await this.#protocol.handle(request, operation);
        req.socket.destroy();
        return;
      }
      if (fault?.kind === 'throttle' && operation) {
        send(res, this.#protocol.throttleResponse(operation));
        return;
      }
      if (fault?.kind === 'error' && operation) {
        send(res, fault.response ?? this.#protocol.errorResponse(operation));
        return;
      }
      send(res, await this.#protocol.handle(request, operation));
    } catch (error) {
      send(res, {
        status: 500,
        headers: { 'content-type': 'text/plain' },
        body: `emulator bug: ${error instanceof Error ? error.message : String(error)}`,
      });
    }
  }

  async #admin(request: EmulatorRequest): Promise<EmulatorResponse> {
    const route = `${request.method} ${request.url.slice(ADMIN_PREFIX.length)}`;
    const json = (value: unknown, status = 200): EmulatorResponse => ({
      status,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(value ?? null),
    });
    switch (route) {
      case 'GET state':
        return json(this.#protocol.snapshot());
      case 'GET calls':
        return json(this.callCounts());
      case 'DELETE calls':
        this.resetCalls();
        return json({ ok: true });
      case 'POST faults':
        this.injectFault(JSON.parse(request.body) as Fault);
        return json({ ok: true });
      case 'DELETE faults':
        this.clearFaults();
        return json({ ok: true });
      case 'POST seed':
        if (!this.#protocol.seed) return json({ error: 'this emulator cannot be seeded over HTTP' }, 404);
        await this.#protocol.seed(JSON.parse(request.body));
        return json({ ok: true });
      default:
        return json({ error: `unknown admin route ${route}` }, 404);
    }
  }
}

/** A malformed admin request (bad JSON, a seed that breaks the cloud's rules) is the caller's error. */
function adminError(error: unknown): EmulatorResponse {
  const message = error instanceof Error ? error.message : String(error);
  return { status: 400, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ error: message }) };
}

function send(res: ServerResponse, response: EmulatorResponse): void {
  const headers = { 'content-length': String(Buffer.byteLength(response.body)), ...response.headers };
  res.writeHead(response.status, headers);
  res.end(response.body);
}
