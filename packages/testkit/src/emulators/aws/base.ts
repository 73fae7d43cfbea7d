import { optionChecks } from '@rotakit/core';
import { EmulatorServer, type EmulatorProtocol, type EmulatorRequest, type Fault } from '../http.js';
import { readCredentials, SigV4Verifier, type AwsEmulatorCredentials, type ScopeWording, type SignatureFailure } from './sigv4.js';

/** Where an AWS emulator's ARNs live, and whose signatures it accepts. */
export interface AwsEmulatorIdentity {
  /** Region in ARNs, and the region requests must be signed for; default us-east-1. */
  region?: string;
  /** Account id in ARNs; default 123456789012. */
  accountId?: string;
  /**
   * The key pairs whose SigV4 signatures are accepted; default `[AWS_EMULATOR_CREDENTIALS]`
   * (`test` / `test`). A request signed with another key, for another region or service, or more
   * than 5 minutes from the emulator's clock is refused as the service refuses it.
   */
  credentials?: AwsEmulatorCredentials[];
  /** Whether signatures are verified; default true. False answers unsigned and wrongly signed requests. */
  verifySignatures?: boolean;
}

/** The option names every AWS emulator takes; each adds its own. */
export const AWS_EMULATOR_OPTION_KEYS = ['region', 'accountId', 'credentials', 'verifySignatures', 'port', 'host'] as const;

/** Refuses an option key the emulator does not know, naming it (core's `InvalidOptionsError`). */
export function checkEmulatorOptions(options: object, subject: string, extraKeys: readonly string[] = []): void {
  const check = optionChecks(subject);
  check.refuseUnknownKeys(check.record(options, 'options'), [...AWS_EMULATOR_OPTION_KEYS, ...extraKeys]);
  const verify = (options as { verifySignatures?: unknown }).verifySignatures;
  if (verify !== undefined && typeof verify !== 'boolean') throw check.invalid('verifySignatures', 'must be a boolean');
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
  readonly #verifier: SigV4Verifier | undefined;
  /** The first accepted key pair: what the emulator signs its own calls to other services with. */
  protected readonly signingCredentials: AwsEmulatorCredentials;

  /** `service` is the SigV4 signing name; `wording` how the service words scope errors. */
  protected constructor(identity: AwsEmulatorIdentity, signing: { service: string; wording: ScopeWording }) {
    this.region = identity.region ?? 'us-east-1';
    this.accountId = identity.accountId ?? '123456789012';
    const credentials = readCredentials(identity.credentials);
    // readCredentials never answers an empty list.
    this.signingCredentials = credentials[0] as AwsEmulatorCredentials;
    this.#verifier =
      identity.verifySignatures === false ? undefined : new SigV4Verifier({ credentials, region: this.region, ...signing });
  }

  /** Why the request's signature is refused, or undefined when it is accepted (or not checked). */
  protected async authenticate(request: EmulatorRequest): Promise<SignatureFailure | undefined> {
    return this.#verifier?.verify(request);
  }

  /** The service's wire protocol over this emulator's state. */
  protected abstract protocol(): EmulatorProtocol;

  get #http(): EmulatorServer {
    this.#server ??= new EmulatorServer({ callerOf: accessKeyIdOf, ...this.protocol() });
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

  /**
   * Calls received per operation from the key pair `accessKeyId` signed them with, faulted ones
   * included: a test that lets its application and its rotation function sign with two key pairs
   * (the `credentials` option accepts several) counts each one's reads apart.
   */
  callCountsBy(accessKeyId: string): Record<string, number> {
    return this.#http.callCountsBy(accessKeyId);
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

/** The access key id a SigV4 `Authorization` header names in its credential scope. */
function accessKeyIdOf(request: EmulatorRequest): string | undefined {
  const header = request.headers['authorization'];
  const match = typeof header === 'string' ? /Credential=([^/,\s]+)\//.exec(header) : null;
  return match?.[1];
}
