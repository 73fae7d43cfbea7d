import { EmulatorServer, type Fault } from '../http.js';
import { signNcloudRequest } from './signature.js';
import { stageValuesOf, type StageValues } from '../../assertions/rotation.js';
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
  /** Key pairs the gateway accepts; default {@link NCLOUD_EMULATOR_CREDENTIAL}. The first signs `executeRotation`'s request. */
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
  /**
   * Starts a rotation as the console's "rotate now" does: a signed `POST /api/v1/secrets/{id}/rotation`
   * over HTTP, which opens a job and invokes the secret's trigger action. Resolves to the job's token;
   * a refusal (no trigger, a job already open, an unknown secret) rejects with the service's code.
   */
  executeRotation(secretId: string, options?: NcloudRotationRequestOptions): Promise<string>;
  /** {@link NcloudSecretManagerEmulator.executeRotation}, then waits for the action: its settlement, with the job's final status. */
  rotateSecret(secretId: string, options?: NcloudRotationRequestOptions): Promise<NcloudJobSettlement>;
  /** Accepts more key pairs. */
  addCredentials(credentials: NcloudCredential[]): void;
  /** Secrets, jobs and triggers, as a copy. */
  state(): NcloudState;
  /**
   * The values of a secret's chain, for `checkRotation`: active as current; pending only when it
   * differs from active (a finished job leaves it equal). Throws for an unknown id.
   */
  stageValues(secretId: string): StageValues;
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

/** How {@link NcloudSecretManagerEmulator.executeRotation} signs and addresses its request. */
export interface NcloudRotationRequestOptions {
  /** The key pair that signs; default the first the emulator accepts. */
  readonly credential?: NcloudCredential;
  /** Through the region-isolated host shape (`/secretmanager`) or the global one; default the one the secret's key boundary is served on (ISOLATED: regional). */
  readonly regional?: boolean;
}

/** Starts a NAVER Cloud Secret Manager emulator (API Gateway signature v2, management and rotation action APIs). */
export async function startNcloudSecretManagerEmulator(options: NcloudEmulatorOptions = {}): Promise<NcloudSecretManagerEmulator> {
  const credentials = options.credentials ?? [{ ...NCLOUD_EMULATOR_CREDENTIAL }];
  const clock = options.clock ?? Date.now;
  const protocol = new NcloudSecretManagerProtocol({ credentials, clock });
  const server = new EmulatorServer(protocol);
  const url = await server.listen(options.port ?? 0, options.host ?? '127.0.0.1');
  const executeRotation = async (secretId: string, request: NcloudRotationRequestOptions = {}): Promise<string> => {
    const signer = request.credential ?? credentials[0];
    if (!signer) throw new Error('executeRotation needs a credential: the emulator accepts none');
    const boundary = protocol.snapshot().secrets.find((secret) => secret.secretId === secretId)?.kmsBoundaryType;
    const regional = request.regional ?? boundary === 'ISOLATED';
    const path = `${regional ? '/secretmanager' : ''}/api/v1/secrets/${encodeURIComponent(secretId)}/rotation`;
    const response = await fetch(`${url}${path}`, {
      method: 'POST',
      headers: { ...signNcloudRequest('POST', path, signer.accessKey, signer.secretKey, clock()) },
    });
    const body = (await response.json().catch(() => ({}))) as {
      data?: { jobToken?: unknown };
      error?: { errorCode?: string; details?: string };
    };
    const jobToken = body.data?.jobToken;
    if (response.status !== 200 || typeof jobToken !== 'string') {
      const { errorCode = 'no error code', details = '' } = body.error ?? {};
      throw new Error(`execute rotation of ${secretId} was refused: HTTP ${response.status} ${errorCode} ${details}`.trim());
    }
    return jobToken;
  };
  return {
    url,
    regionalUrl: `${url}/secretmanager`,
    server,
    registerAction: (triggerId, action, actionOptions) => protocol.registerAction(triggerId, action, actionOptions),
    seedSecret: (seed) => protocol.seedSecret(seed),
    openJob: (secretId) => protocol.openJob(secretId),
    jobSettled: (jobToken) => protocol.jobSettled(jobToken),
    executeRotation,
    rotateSecret: async (secretId, request) => protocol.jobSettled(await executeRotation(secretId, request)),
    addCredentials: (credentials) => protocol.addCredentials(credentials),
    state: () => protocol.snapshot(),
    stageValues: (secretId) => {
      const secret = protocol.snapshot().secrets.find((candidate) => candidate.secretId === secretId);
      if (!secret) throw new Error(`the emulator holds no secret ${secretId}`);
      const { active, pending, previous } = secret.chain;
      return stageValuesOf({ current: active, pending: pending === active ? undefined : pending, previous });
    },
    injectFault: (fault) => server.injectFault(fault),
    clearFaults: () => server.clearFaults(),
    calls: () => server.callCounts(),
    callLog: () => server.callLog(),
    resetCalls: () => server.resetCalls(),
    close: () => server.close(),
  };
}
