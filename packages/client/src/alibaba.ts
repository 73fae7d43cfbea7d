/**
 * The Alibaba Cloud KMS reader: generic secrets read through provider-alibaba's `KmsSecretStore`,
 * so pending means what the rotation's claim means by it, parsed with Alibaba's rotation schema.
 * Needs `@rotakit/provider-alibaba` beside it.
 *
 * @module @rotakit/client/alibaba
 */
import { isRotakitError, optionChecks, type Stage } from '@rotakit/core';
import { alibabaSchema, KmsSecretStore, type KmsSecretStoreOptions } from '@rotakit/provider-alibaba';
import { SECRET_READER_OPTION_KEYS, SecretReader, type SecretReaderOptions, type SecretSource, type SourcedValue } from './reader.js';

/** Options of `alibabaSecretReader`. */
export interface AlibabaSecretReaderOptions extends SecretReaderOptions {
  /** A KMS store, or its options (endpoint, region, credentials, …); required. */
  readonly kms: KmsSecretStore | KmsSecretStoreOptions;
}

/**
 * The token the reader opens the store's sessions with to learn the stage pointers. A session is
 * only read from, never written: the token names no rotation.
 */
const READER_TOKEN = 'rotakit-client-reader';

function kmsSource(secretName: string, store: KmsSecretStore): SecretSource {
  return {
    name: 'alibaba',
    secretId: secretName,
    async read(stage: Stage): Promise<SourcedValue | undefined> {
      if (stage === 'current') return { value: await store.readCurrent(secretName) };
      try {
        const pointers = await store.open(secretName, READER_TOKEN);
        const versionId = pointers.stages[stage];
        // ACSPending resting on the current version is a finished rotation's, not one in progress.
        if (versionId === undefined || (stage === 'pending' && versionId === pointers.stages.current)) return undefined;
        const session = stage === 'pending' ? await store.open(secretName, versionId) : pointers;
        const value = await session.read(stage);
        return value === undefined ? undefined : { value, versionId };
      } catch (error) {
        if (isRotakitError(error, 'SecretNotFound')) return undefined;
        throw error;
      }
    },
  };
}

/**
 * A cached reader of an Alibaba Cloud KMS generic secret. `current()` is one GetSecretValue and
 * names no version; `previous()` and `pending()` list the versions first, and name theirs.
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
