import { alibabaEmulatorControls, type AlibabaEmulatorControls } from './controls.js';

export type { AlibabaEmulatorControls } from './controls.js';
import { EmulatorServer, type Fault } from '../http.js';
import { stageValuesOf, type StageValues } from '../../assertions/rotation.js';
import type { KmsErrorCode } from './errors.js';
import type { KmsAction } from './operations.js';
import { AlibabaKmsProtocol } from './protocol.js';
import type { AlibabaKmsState, AlibabaSecretSeed } from './secrets.js';
import type { AlibabaCredentials } from './signature.js';

export { KMS_SERVICE_ERRORS, type KmsErrorCode } from './errors.js';
export { KMS_ACTIONS, type KmsAction } from './operations.js';
export {
  ACS_CURRENT,
  ACS_PREVIOUS,
  MAX_STAGE_LABELS,
  MAX_VERSIONS,
  type AlibabaKmsState,
  type AlibabaSecretSeed,
  type AlibabaSecretState,
  type AlibabaSecretVersionSeed,
  type AlibabaSecretVersionState,
  type ManagedRotation,
  type SecretDataType,
  type SecretType,
} from './secrets.js';
export type { AlibabaCredentials } from './signature.js';

/** Options of {@link startAlibabaKmsEmulator}. */
export interface AlibabaKmsEmulatorOptions {
  /** Default 0: a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Region in ARNs and error HostIds. Default `cn-hangzhou`. */
  regionId?: string;
  /** Account id in ARNs. Default `1234567890123456`. */
  accountId?: string;
  /** When set, requests must be signed with this AccessKey (RPC v1 or ACS3-HMAC-SHA256). */
  credentials?: AlibabaCredentials;
  /**
   * Whether moving ACSCurrent with UpdateSecretVersionStage hands ACSPrevious to the version
   * it left, as PutSecretValue's default does. Alibaba does not document it. Default true.
   */
  previousFollowsCurrent?: boolean;
}

/** A fault aimed at one KMS action, or at every action with `'*'`. */
export type AlibabaKmsFault = Fault & { operation: KmsAction | '*' };

/**
 * A running KMS secrets emulator. Its faults: `throttle` answers Rejected.Throttling (429), `error`
 * InternalFailure (500) unless a response is given.
 */
export interface AlibabaKmsEmulator extends AlibabaEmulatorControls<KmsAction, KmsErrorCode> {
  /** Base URL, e.g. `http://127.0.0.1:18080`. */
  readonly url: string;
  /** `host:port`, what the official clients take as `endpoint` (with `protocol: 'http'`). */
  readonly endpoint: string;
  readonly regionId: string;
  /** Adds or replaces secrets, with their versions and stage labels. */
  seed(secrets: AlibabaSecretSeed | readonly AlibabaSecretSeed[]): void;
  /** Every secret, values included. */
  state(): AlibabaKmsState;
  /**
   * The values of a secret's ACSCurrent, ACSPending and ACSPrevious versions, for `checkRotation`;
   * ACSPending only where it sits on a version other than ACSCurrent. Throws for an unknown name.
   */
  stageValues(secretName: string): StageValues;
}

/** Starts an Alibaba Cloud KMS secrets emulator that the unmodified official clients talk to. */
export async function startAlibabaKmsEmulator(options: AlibabaKmsEmulatorOptions = {}): Promise<AlibabaKmsEmulator> {
  const regionId = options.regionId ?? 'cn-hangzhou';
  const protocol = new AlibabaKmsProtocol({
    regionId,
    accountId: options.accountId ?? '1234567890123456',
    credentials: options.credentials,
    previousFollowsCurrent: options.previousFollowsCurrent ?? true,
  });
  const server = new EmulatorServer(protocol);
  const url = await server.listen(options.port ?? 0, options.host ?? '127.0.0.1');
  return {
    url,
    endpoint: new URL(url).host,
    regionId,
    seed: (secrets) => protocol.secrets.seed(Array.isArray(secrets) ? secrets : [secrets]),
    state: () => protocol.snapshot(),
    stageValues: (secretName) => {
      const secret = protocol.snapshot().secrets.find((candidate) => candidate.name === secretName);
      if (!secret) throw new Error(`the emulator holds no secret named ${secretName}`);
      const holding = (stage: string) => secret.versions.find((version) => version.stages.includes(stage));
      const current = holding('ACSCurrent');
      const pending = holding('ACSPending');
      return stageValuesOf({
        current: current?.data,
        pending: pending === current ? undefined : pending?.data,
        previous: holding('ACSPrevious')?.data,
      });
    },
    ...alibabaEmulatorControls<KmsAction, KmsErrorCode>(server, protocol),
  };
}
