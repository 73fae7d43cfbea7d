/**
 * The NAVER Cloud Secret Manager reader: the management API's stage reads (`active`, `pending`,
 * `previous`) through provider-ncloud's signed client, parsed with NAVER's rotation schema; a pool
 * refused a login reads the whole chain (`/values`) once instead of stage by stage. Needs
 * `@rotakit/provider-ncloud` beside it.
 *
 * @module @rotakit/client/ncloud
 */
import { isRotakitError, optionChecks, type Stage } from '@rotakit/core';
import { NcloudSecretManagerClient, ncloudSchema, type NcloudClientOptions, type NcloudStageName } from '@rotakit/provider-ncloud';
import { SECRET_READER_OPTION_KEYS, SecretReader, type SecretReaderOptions, type SecretSource, type SourcedValue } from './reader.js';

/** Options of `ncloudSecretReader`. */
export interface NcloudSecretReaderOptions extends SecretReaderOptions {
  /** A Secret Manager client, or its options (API key, region, endpoint); required. */
  readonly client: NcloudSecretManagerClient | NcloudClientOptions;
}

const NCLOUD_STAGES: Readonly<Record<Stage, NcloudStageName>> = { current: 'active', pending: 'pending', previous: 'previous' };

function secretManagerSource(secretId: string, client: NcloudSecretManagerClient): SecretSource {
  return {
    name: 'ncloud',
    secretId,
    async read(stage: Stage): Promise<SourcedValue | undefined> {
      try {
        return { value: await client.getSecretValue(secretId, NCLOUD_STAGES[stage]) };
      } catch (error) {
        if (stage !== 'current' && isRotakitError(error, 'SecretNotFound')) return undefined;
        throw error;
      }
    },
    async readEvery(): Promise<Partial<Record<Stage, SourcedValue>>> {
      const { chain } = await client.getSecretChain(secretId);
      // A completed job leaves pending equal to active: that is no rotation in progress.
      const pending = chain.pending === undefined || chain.pending === chain.active ? {} : { pending: { value: chain.pending } };
      return { current: { value: chain.active }, ...pending, ...(chain.previous === undefined ? {} : { previous: { value: chain.previous } }) };
    },
  };
}

/**
 * A cached reader of a NAVER Cloud Secret Manager secret. NAVER's reads name no version, so
 * `versionId` is absent from what it answers.
 */
export function ncloudSecretReader(secretId: string, options: NcloudSecretReaderOptions): SecretReader {
  const check = optionChecks('ncloudSecretReader');
  check.nonEmptyString(secretId, 'secretId');
  const given = check.record(options, 'options');
  check.refuseUnknownKeys(given, [...SECRET_READER_OPTION_KEYS, 'client']);
  if (given['client'] === undefined) throw check.invalid('client', 'is required');
  const { client: clientOption, ...readerOptions } = options;
  const client = clientOption instanceof NcloudSecretManagerClient ? clientOption : new NcloudSecretManagerClient(clientOption);
  return new SecretReader(secretManagerSource(secretId, client), ncloudSchema, readerOptions);
}

