import { alibabaEmulatorControls, type AlibabaEmulatorControls } from '../alibaba/controls.js';
import { EmulatorServer, type Fault } from '../http.js';
import type { AlibabaCredentials } from '../alibaba/signature.js';
import type { RdsAccountState, RdsEmulatorState, RdsErrorCode, AlibabaRdsInstanceSeed } from './accounts.js';
import { AlibabaRdsProtocol, type RdsAction } from './protocol.js';

export { PRIVILEGE_DETAILS, RDS_ERRORS } from './accounts.js';
export type {
  RdsAccountState,
  RdsEmulatorEngine,
  RdsEmulatorState,
  RdsErrorCode,
  AlibabaRdsInstanceSeed,
  RdsInstanceRole,
  RdsInstanceState,
} from './accounts.js';
export { RDS_ACTIONS, type RdsAction } from './protocol.js';

/** Options of {@link startAlibabaRdsEmulator}. */
export interface AlibabaRdsEmulatorOptions {
  /** Default 0: a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** When set, requests must be signed with this AccessKey (ACS3-HMAC-SHA256). */
  credentials?: AlibabaCredentials;
  instances?: AlibabaRdsInstanceSeed[];
}

/** A fault aimed at one RDS action, or at every action with `'*'`. */
export type AlibabaRdsFault = Fault & { operation: RdsAction | '*' };

/**
 * A running emulator of the RDS account API. Its faults: `throttle` answers Throttling.User, `error`
 * InternalError (500) unless a response is given.
 */
export interface AlibabaRdsEmulator extends AlibabaEmulatorControls<RdsAction, RdsErrorCode> {
  readonly url: string;
  /** `host:port`, what `@alicloud/rds20140815` takes as `endpoint` (with `protocol: 'http'`). */
  readonly endpoint: string;
  /** Adds or replaces instances with their databases and accounts. */
  seed(instances: AlibabaRdsInstanceSeed | readonly AlibabaRdsInstanceSeed[]): void;
  /** Every instance, passwords included. */
  state(): RdsEmulatorState;
  /** One account, or undefined. */
  account(instanceId: string, accountName: string): RdsAccountState | undefined;
}

/** Starts an emulator of the ApsaraDB RDS account API that the unmodified `@alicloud/rds20140815` talks to. */
export async function startAlibabaRdsEmulator(options: AlibabaRdsEmulatorOptions = {}): Promise<AlibabaRdsEmulator> {
  const protocol = new AlibabaRdsProtocol(options.credentials);
  if (options.instances) protocol.accounts.seed(options.instances);
  const server = new EmulatorServer(protocol);
  const url = await server.listen(options.port ?? 0, options.host ?? '127.0.0.1');
  return {
    url,
    endpoint: new URL(url).host,
    seed: (instances) => protocol.accounts.seed(Array.isArray(instances) ? instances : [instances]),
    state: () => protocol.snapshot(),
    account: (instanceId, accountName) =>
      protocol.snapshot().instances.find((i) => i.id === instanceId)?.accounts.find((a) => a.name === accountName),
    ...alibabaEmulatorControls<RdsAction, RdsErrorCode>(server, protocol),
  };
}
