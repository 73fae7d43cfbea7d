import { randomUUID } from 'node:crypto';
import {
  RotationInProgressError,
  RotationNotEnabledError,
  RotationTokenInvalidError,
  SecretNotFoundError,
} from './errors.js';
import { generatePassword, type PasswordPolicy } from './password.js';
import type { Stage, StagePointers } from './stages.js';
import type { SecretStore, StoreSession } from './store.js';

/** One version of a secret in the memory store, as `describe` reports it (no value). */
export interface MemoryVersionInfo {
  readonly stages: readonly Stage[];
  readonly hasValue: boolean;
}

/** A secret in the memory store, as `describe` reports it. */
export interface MemorySecretInfo {
  readonly rotationEnabled: boolean;
  readonly versions: Readonly<Record<string, MemoryVersionInfo>>;
}

interface Version {
  value?: string;
  stages: Set<Stage>;
}

interface Secret {
  rotationEnabled: boolean;
  versions: Map<string, Version>;
}

/**
 * A `SecretStore` held in memory with the stage semantics of rotakit's design: a stage sits on at
 * most one version; promoting moves current to the token's version and previous to the former
 * current. For tests and the demo.
 */
export class MemorySecretStore implements SecretStore {
  readonly name = 'memory';
  readonly #secrets = new Map<string, Secret>();

  /**
   * Stores `value` (a string, or an object written as JSON) as the secret's new current version,
   * creating the secret if needed. Returns the version id.
   */
  putSecret(secretId: string, value: string | object, options: { versionId?: string; rotationEnabled?: boolean } = {}): string {
    const secret = this.#secrets.get(secretId) ?? { rotationEnabled: true, versions: new Map<string, Version>() };
    this.#secrets.set(secretId, secret);
    if (options.rotationEnabled !== undefined) secret.rotationEnabled = options.rotationEnabled;
    const versionId = options.versionId ?? randomUUID();
    const previousCurrent = this.#holder(secret, 'current');
    secret.versions.set(versionId, { value: typeof value === 'string' ? value : JSON.stringify(value), stages: new Set() });
    this.#label(secret, 'current', versionId);
    if (previousCurrent !== undefined) this.#label(secret, 'previous', previousCurrent);
    return versionId;
  }

  /** Marks `token` as a value-less pending version, as a cloud does when it starts a rotation. */
  beginRotation(secretId: string, token: string): void {
    const secret = this.#secret(secretId);
    if (!secret.versions.has(token)) secret.versions.set(token, { stages: new Set() });
    this.#label(secret, 'pending', token);
  }

  /** Turns rotation on or off for a secret. */
  setRotationEnabled(secretId: string, enabled: boolean): void {
    this.#secret(secretId).rotationEnabled = enabled;
  }

  /** The versions and their stages, without values. */
  describe(secretId: string): MemorySecretInfo {
    const secret = this.#secret(secretId);
    const versions: Record<string, MemoryVersionInfo> = {};
    for (const [id, version] of secret.versions) {
      versions[id] = { stages: [...version.stages].sort(), hasValue: version.value !== undefined };
    }
    return { rotationEnabled: secret.rotationEnabled, versions };
  }

  /** The value at a stage, or undefined. */
  valueAt(secretId: string, stage: Stage): string | undefined {
    const secret = this.#secret(secretId);
    const holder = this.#holder(secret, stage);
    return holder === undefined ? undefined : secret.versions.get(holder)?.value;
  }

  /** The value of one version, whatever its stages (a withdrawn or superseded one too), or undefined. */
  valueOf(secretId: string, versionId: string): string | undefined {
    return this.#secret(secretId).versions.get(versionId)?.value;
  }

  /** Where each stage sits. */
  stages(secretId: string): StagePointers {
    const secret = this.#secret(secretId);
    const pointers: StagePointers = {};
    for (const stage of ['current', 'pending', 'previous'] as const) {
      const holder = this.#holder(secret, stage);
      if (holder !== undefined) pointers[stage] = holder;
    }
    return pointers;
  }

  async open(secretId: string, token: string): Promise<StoreSession> {
    const secret = this.#secret(secretId);
    if (!secret.rotationEnabled) throw new RotationNotEnabledError(`rotation is not enabled for ${secretId}`);
    const stages = this.stages(secretId);
    /** Refuses unless current still sits where the session found it: another rotation finished meanwhile. */
    const requireCurrentUnmoved = (): void => {
      const current = this.#holder(secret, 'current');
      if (current !== stages.current && current !== token) {
        throw new RotationInProgressError(`another rotation of ${secretId} finished while this one ran`, {
          ...(current === undefined ? {} : { pendingToken: current }),
        });
      }
    };
    return {
      secretId,
      token,
      stages,
      read: async (stage) => {
        if (stage === 'pending') {
          const version = secret.versions.get(token);
          return version?.stages.has('pending') ? version.value : undefined;
        }
        return this.valueAt(secretId, stage);
      },
      // One synchronous block: the check and the claim cannot interleave with another session's.
      writePending: async (value) => {
        const existing = secret.versions.get(token);
        const holder = this.#holder(secret, 'pending');
        const rival = holder !== undefined && holder !== token && holder !== this.#holder(secret, 'current') ? holder : undefined;
        if (rival !== undefined) {
          throw new RotationInProgressError(`another rotation of ${secretId} is in progress`, { pendingToken: rival });
        }
        requireCurrentUnmoved();
        if (existing?.value !== undefined && (existing.stages.has('current') || existing.stages.has('previous'))) {
          throw new RotationTokenInvalidError(`the version under this token of ${secretId} is already ${[...existing.stages].join(', ')}`);
        }
        // A value an earlier attempt stored under this token (it crashed, or withdrew) is kept.
        const stored = existing?.value ?? value;
        secret.versions.set(token, { value: stored, stages: existing?.stages ?? new Set() });
        this.#label(secret, 'pending', token);
        return stored;
      },
      promote: async () => {
        const version = secret.versions.get(token);
        if (version?.value === undefined) {
          throw new RotationTokenInvalidError(`no value is stored under this token for ${secretId}`);
        }
        const current = this.#holder(secret, 'current');
        if (current === token) return;
        requireCurrentUnmoved();
        this.#label(secret, 'current', token);
        if (current !== undefined) this.#label(secret, 'previous', current);
        version.stages.delete('pending');
      },
      withdraw: async () => {
        secret.versions.get(token)?.stages.delete('pending');
      },
    };
  }

  async readCurrent(secretId: string): Promise<string> {
    const value = this.valueAt(secretId, 'current');
    if (value === undefined) throw new SecretNotFoundError(`${secretId} has no current value`);
    return value;
  }

  async generatePassword(policy: PasswordPolicy): Promise<string> {
    return generatePassword(policy);
  }

  #secret(secretId: string): Secret {
    const secret = this.#secrets.get(secretId);
    if (!secret) throw new SecretNotFoundError(`secret ${secretId} does not exist`);
    return secret;
  }

  #holder(secret: Secret, stage: Stage): string | undefined {
    for (const [id, version] of secret.versions) if (version.stages.has(stage)) return id;
    return undefined;
  }

  #label(secret: Secret, stage: Stage, versionId: string): void {
    for (const version of secret.versions.values()) version.stages.delete(stage);
    secret.versions.get(versionId)?.stages.add(stage);
  }
}
