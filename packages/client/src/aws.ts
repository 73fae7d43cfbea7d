/**
 * The AWS Secrets Manager reader: GetSecretValue by staging label, through the official SDK client,
 * parsed with AWS's rotation schema. A pool refused a login locates the stages with DescribeSecret
 * first (no value read), then reads the one version that logs in; without
 * `secretsmanager:DescribeSecret` it reads stage by stage. Needs `@aws-sdk/client-secrets-manager`
 * and `@rotakit/provider-aws` beside it.
 *
 * @module @rotakit/client/aws
 */
import { DescribeSecretCommand, GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { isRotakitError, optionChecks, type Stage } from '@rotakit/core';
import { AWS_STAGE_LABELS, awsError, awsSchema, secretsManagerClient, stagePointers, type SecretsManagerClientOption } from '@rotakit/provider-aws';
import { SECRET_READER_OPTION_KEYS, SecretReader, type SecretReaderOptions, type SecretSource, type SourcedValue, type StageVersions } from './reader.js';

/** Options of `awsSecretReader`. */
export interface AwsSecretReaderOptions extends SecretReaderOptions {
  /** A Secrets Manager client, or the configuration to build one (built once, here). */
  readonly secretsManager?: SecretsManagerClientOption;
  /** Endpoint override; default the configuration's, else `SECRETS_MANAGER_ENDPOINT`. */
  readonly endpoint?: string;
}

/**
 * Reads one stage of a secret with GetSecretValue (a stage on no version is Secrets Manager's
 * not-found answer), or one version by id; locates the stages with DescribeSecret.
 */
function secretsManagerSource(secretId: string, options: AwsSecretReaderOptions): SecretSource {
  const client = secretsManagerClient(options.secretsManager, options.endpoint);
  return {
    name: 'aws',
    secretId,
    async read(stage: Stage, versionId?: string): Promise<SourcedValue | undefined> {
      const VersionStage = AWS_STAGE_LABELS[stage];
      let response;
      try {
        response = await client.send(new GetSecretValueCommand(versionId === undefined ? { SecretId: secretId, VersionStage } : { SecretId: secretId, VersionId: versionId }));
      } catch (error) {
        const typed = awsError(error, { service: 'Secrets Manager', operation: 'GetSecretValue', subject: `${secretId} (${versionId ?? VersionStage})` });
        if (stage !== 'current' && isRotakitError(typed, 'SecretNotFound')) return undefined;
        throw typed;
      }
      if (typeof response.SecretString !== 'string') return undefined;
      return { value: response.SecretString, ...(response.VersionId === undefined ? {} : { versionId: response.VersionId }) };
    },
    async locate(): Promise<StageVersions> {
      let response;
      try {
        response = await client.send(new DescribeSecretCommand({ SecretId: secretId }));
      } catch (error) {
        throw awsError(error, { service: 'Secrets Manager', operation: 'DescribeSecret', subject: secretId });
      }
      return stagePointers(response.VersionIdsToStages ?? {});
    },
  };
}

/**
 * A cached reader of an AWS Secrets Manager secret rotated by rotakit (or by AWS's own rotation
 * functions: the schema is the same). Build it once per secret and process.
 */
export function awsSecretReader(secretId: string, options: AwsSecretReaderOptions = {}): SecretReader {
  const check = optionChecks('awsSecretReader');
  check.nonEmptyString(secretId, 'secretId');
  const given = check.record(options, 'options');
  check.refuseUnknownKeys(given, [...SECRET_READER_OPTION_KEYS, 'secretsManager', 'endpoint']);
  if (given['endpoint'] !== undefined) check.nonEmptyString(given['endpoint'], 'endpoint');
  const { secretsManager: _client, endpoint: _endpoint, ...readerOptions } = options;
  return new SecretReader(secretsManagerSource(secretId, options), awsSchema, readerOptions);
}

