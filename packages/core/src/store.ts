import type { RotakitError } from './errors.js';
import type { PasswordPolicy } from './password.js';
import type { Stage, StagePointers } from './stages.js';

/**
 * One rotation of one secret under one token, as a cloud's secret store exposes it.
 * Values are the secret's raw strings; the credential schema parses them.
 */
export interface StoreSession {
  readonly secretId: string;
  /** The rotation's token: names the pending version. */
  readonly token: string;
  /** Which version each stage sat on when the session was opened. */
  readonly stages: StagePointers;
  /**
   * Reads a stage's value. `pending` reads the version named by the token. Undefined when the
   * stage has no version or the version has no value yet.
   */
  read(stage: Stage): Promise<string | undefined>;
  /**
   * Stores `value` as the pending version under the token, as one atomic claim: when another
   * token's version is pending, or current no longer sits where `stages` said, it throws
   * `RotationInProgressError` naming that token and leaves nothing pending of its own. When an
   * earlier attempt under this token already stored a value, the store keeps that value and
   * resolves to it: core writes without reading the pending version first, and a set may have used
   * the earlier value. It resolves to the value that is stored.
   */
  writePending(value: string): Promise<string>;
  /**
   * Moves current to the token's version and previous to the former current; drops pending. When
   * current moved since the session opened (another rotation won), it throws
   * `RotationInProgressError` naming that rotation's token and changes nothing.
   */
  promote(): Promise<void>;
  /**
   * Removes the token's pending version from the pending stage, when the token still holds it.
   * Core calls it when a step fails for good having changed nothing in the database, so that the
   * next rotation starts afresh instead of being refused as in progress.
   */
  withdraw?(): Promise<void>;
  /** Tells the store the rotation failed (NAVER's job `/fail`); optional. */
  fail?(error: RotakitError): Promise<void>;
}

/**
 * The port every cloud's secret manager implements. `open` checks what the cloud itself requires
 * before a step (rotation enabled, token known) and throws rotakit's typed errors; every cloud's
 * not-found answer becomes `SecretNotFoundError`.
 */
export interface SecretStore {
  /** A short name for logs and events (`aws`, `alibaba`, `ncloud`, `memory`). */
  readonly name: string;
  /** Opens the rotation of `secretId` under `token`. */
  open(secretId: string, token: string): Promise<StoreSession>;
  /** Reads another secret's current value (the privileged secret of alternating users). */
  readCurrent(secretId: string): Promise<string>;
  /** The cloud's own password generator, where it has one. */
  generatePassword?(policy: PasswordPolicy): Promise<string>;
}
