import { EmulatorServer, type EmulatorProtocol, type Fault } from '../http.js';

/** Where an AWS emulator's ARNs live. */
export interface AwsEmulatorIdentity {
  /** Region in ARNs; default us-east-1. */
  region?: string;
  /** Account id in ARNs; default 123456789012. */
  accountId?: string;
}

/**
 * What the AWS service emulators share: region and account, and the HTTP server with its call
 * counts and faults. The server is made on first use, once the subclass can answer `protocol()`.
 */
export abstract class AwsEmulatorBase {
  /** Region used in ARNs. */
  readonly region: string;
  /** Account id used in ARNs. */
  readonly accountId: string;
  #server: EmulatorServer | undefined;

  protected constructor(identity: AwsEmulatorIdentity) {
    this.region = identity.region ?? 'us-east-1';
    this.accountId = identity.accountId ?? '123456789012';
  }

  /** The service's wire protocol over this emulator's state. */
  protected abstract protocol(): EmulatorProtocol;

  get #http(): EmulatorServer {
    this.#server ??= new EmulatorServer(this.protocol());
    return this.#server;
  }

  /** Starts listening; returns the base URL (also available as `url`). */
  listen(port = 0, host = '127.0.0.1'): Promise<string> {
    return this.#http.listen(port, host);
  }

  /** The endpoint to give the SDK, once listening. */
  get url(): string {
    return this.#http.url;
  }

  /** Stops listening and drops open connections. */
  close(): Promise<void> {
    return this.#http.close();
  }

  /** Arms a fault (throttle, error, latency, drop) for the next calls of an operation or `'*'`. */
  injectFault(fault: Fault): void {
    this.#http.injectFault(fault);
  }

  /** Disarms every fault. */
  clearFaults(): void {
    this.#http.clearFaults();
  }

  /** Calls received for one operation, faulted ones included. */
  calls(operation: string): number {
    return this.#http.calls(operation);
  }

  /** Calls received per operation. */
  callCounts(): Record<string, number> {
    return this.#http.callCounts();
  }

  /** Operations received since the last reset, in order, faulted ones included. */
  callLog(): string[] {
    return this.#http.callLog();
  }

  /** Forgets the call counts and the call log. */
  resetCalls(): void {
    this.#http.resetCalls();
  }
}
