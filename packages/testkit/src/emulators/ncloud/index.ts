import { EmulatorServer, type Fault } from '../http.js';
import {
  NcloudSecretManagerProtocol,
  type NcloudAction,
  type NcloudActionOptions,
  type NcloudCredential,
  type NcloudJobSettlement,
  type NcloudSecretSeed,
  type NcloudState,
} from './protocol.js';

export { signNcloudRequest, NCLOUD_TIMESTAMP_TOLERANCE_MS } from './signature.js';
export type { NcloudSignatureHeaders } from './signature.js';
export type {
  NcloudAction,
  NcloudActionArgs,
  NcloudActionOptions,
  NcloudCredential,
  NcloudJob,
  NcloudJobSettlement,
  NcloudJobStatus,
  NcloudSecretSeed,
  NcloudSeed,
  NcloudState,
} from './protocol.js';
export type { NcloudKmsBoundary, NcloudSecret, NcloudSecretChain, NcloudStage } from './secrets.js';

/** The key pair the emulator accepts when no credentials are given (the standalone command uses it). */
export const NCLOUD_EMULATOR_CREDENTIAL: Readonly<NcloudCredential> = Object.freeze({
  accessKey: 'rotakit-ncloud-access-key',
  secretKey: 'rotakit-ncloud-secret-key',
});

/** Options of {@link startNcloudSecretManagerEmulator}. */
export interface NcloudEmulatorOptions {
  /** Default 0: a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Key pairs the gateway accepts; default {@link NCLOUD_EMULATOR_CREDENTIAL}. */
  credentials?: NcloudCredential[];
  /** The gateway's clock in epoch milliseconds, for the timestamp window and dates; default `Date.now`. */
  clock?: () => number;
}

/** A running NAVER Cloud Secret Manager emulator and its test controls. */
export interface NcloudSecretManagerEmulator {
  /** Base URL of the global host shape (paths without prefix; GLOBAL secrets). */
  readonly url: string;
  /** Base URL of the region-isolated host shape (`url` + `/secretmanager`; ISOLATED secrets). */
  readonly regionalUrl: string;
  /** The shared HTTP harness underneath. */
  readonly server: EmulatorServer;
  /** Registers (or replaces) the action a trigger runs: an in-process function or a URL that gets the args as a JSON POST. */
  registerAction(triggerId: string, action: NcloudAction | string, options?: NcloudActionOptions): void;
  /** Adds a secret with its chain and rotation targets; returns its id. */
  seedSecret(seed: NcloudSecretSeed): string;
  /** Opens a job token for a secret without running an action, so a test can play the action. */
  openJob(secretId: string): string;
  /** Resolves when the action a rotation started for this job has returned or thrown. */
  jobSettled(jobToken: string): Promise<NcloudJobSettlement>;
  /** Accepts more key pairs. */
  addCredentials(credentials: NcloudCredential[]): void;
  /** Secrets, jobs and triggers, as a copy. */
  state(): NcloudState;
  /** Arms a fault (throttle → gateway 429 "Quota Exceeded"; error → service 500). */
  injectFault(fault: Fault): void;
  /** Disarms every fault. */
  clearFaults(): void;
  /** Calls received per operation. */
  calls(): Record<string, number>;
  /** Operations received since the last reset, in order, faulted ones included. */
  callLog(): string[];
  /** Forgets the call counts and the call log. */
  resetCalls(): void;
  /** Stops the server. */
  close(): Promise<void>;
}

/** Starts a NAVER Cloud Secret Manager emulator (API Gateway signature v2, management and rotation action APIs). */
export async function startNcloudSecretManagerEmulator(options: NcloudEmulatorOptions = {}): Promise<NcloudSecretManagerEmulator> {
  const protocol = new NcloudSecretManagerProtocol({
    credentials: options.credentials ?? [{ ...NCLOUD_EMULATOR_CREDENTIAL }],
    clock: options.clock ?? Date.now,
  });
  const server = new EmulatorServer(protocol);
  const url = await server.listen(options.port ?? 0, options.host ?? '127.0.0.1');
  return {
    url,
    regionalUrl: `${url}/secretmanager`,
    server,
    registerAction: (triggerId, action, actionOptions) => protocol.registerAction(triggerId, action, actionOptions),
    seedSecret: (seed) => protocol.seedSecret(seed),
    openJob: (secretId) => protocol.openJob(secretId),
    jobSettled: (jobToken) => protocol.jobSettled(jobToken),
    addCredentials: (credentials) => protocol.addCredentials(credentials),
    state: () => protocol.snapshot(),
    injectFault: (fault) => server.injectFault(fault),
    clearFaults: () => server.clearFaults(),
    calls: () => server.callCounts(),
    callLog: () => server.callLog(),
    resetCalls: () => server.resetCalls(),
    close: () => server.close(),
  };
}
