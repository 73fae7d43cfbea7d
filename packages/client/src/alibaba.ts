/**
 * The Alibaba Cloud KMS reader: generic secrets read through provider-alibaba's `KmsSecretStore`,
 * so pending means what the rotation's claim means by it, parsed with Alibaba's rotation schema.
 * Needs `@rotakit/provider-alibaba` beside it.
 *
 * @module @rotakit/client/alibaba
 */
import { isRotakitError, optionChecks, type Stage } from '@rotakit/core';
import { alibabaSchema, KmsSecretStore, type KmsSecretStoreOptions } from '@rotakit/provider-alibaba';
import { SECRET_READER_OPTION_KEYS, SecretReader, type SecretReaderOptions, type SecretSource, type SourcedValue, type StageVersions } from './reader.js';

/** Options of `alibabaSecretReader`. */
export interface AlibabaSecretReaderOptions extends SecretReaderOptions {
  /** A KMS store, or its options (endpoint, region, credentials, …); required. */
  readonly kms: KmsSecretStore | KmsSecretStoreOptions;
}

/**
 * Reads current with one GetSecretValue; pending and previous, and the stages a refused pool
 * locates, with one ListSecretVersionIds first, so pending means what the rotation's claim means
 * by it (ACSPending at rest on current, previous or an anchor version is no rotation in progress).
 */
function kmsSource(secretName: string, store: KmsSecretStore): SecretSource {
  const located = async (): Promise<StageVersions> => {
    try {
      return await store.locateStages(secretName);
    } catch (error) {
      if (isRotakitError(error, 'SecretNotFound')) return {};
      throw error;
    }
  };
  return {
    name: 'alibaba',
    secretId: secretName,
    async read(stage: Stage, versionId?: string): Promise<SourcedValue | undefined> {
      if (versionId !== undefined) return store.readVersion(secretName, { versionId });
      if (stage === 'current') return store.readVersion(secretName, { stage });
      const stages = await located();
      const at = stages[stage];
      // ACSPending resting on the current version is a finished rotation's, not one in progress.
      if (at === undefined || (stage === 'pending' && at === stages.current)) return undefined;
      return store.readVersion(secretName, { versionId: at });
    },
    locate: located,
  };
}

/**
 * A cached reader of an Alibaba Cloud KMS generic secret. `current()` is one GetSecretValue;
 * `previous()` and `pending()` list the versions first (ListSecretVersionIds), then read one.
 */
export function alibabaSecretReader(secretName: string, options: AlibabaSecretReaderOptions): SecretReader {
  const check = optionChecks('alibabaSecretReader');
  check.nonEmptyString(secretName, 'secretName');
  const given = check.record(options, 'options');
  check.refuseUnknownKeys(given, [...SECRET_READER_OPTION_KEYS, 'kms']);
  if (given['kms'] === undefined) throw check.invalid('kms', 'is required');
  const { kms, ...readerOptions } = options;
  const store = kms instanceof KmsSecretStore ? kms : new KmsSecretStore(kms);
  return new SecretReader(kmsSource(secretName, store), alibabaSchema, readerOptions);
}
