import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { InvalidSecretValueError, optionChecks, type CredentialSchema, type Credentials } from '@rotakit/core';
import { awsSchema } from './conventions.js';
import { secretsManagerClient, type SecretsManagerClientOption } from './client.js';
import { awsCall } from './errors.js';

/** Options of `getCurrentSecret`. */
export interface GetCurrentSecretOptions {
  /** Default AWS's convention. */
  readonly schema?: CredentialSchema;
  readonly secretsManager?: SecretsManagerClientOption;
}

/** A secret's AWSCURRENT value, for the application that logs in with it. */
export interface CurrentSecret {
  readonly credentials: Credentials;
  /** The AWSCURRENT version's id: changes with every rotation. */
  readonly versionId: string;
}

/**
 * Reads a secret's AWSCURRENT value and parses it (username, password, host, …). Build the
 * client once and pass it when calling often: `{ secretsManager: client }`.
 */
export async function getCurrentSecret(secretId: string, options: GetCurrentSecretOptions = {}): Promise<CurrentSecret> {
  optionChecks('getCurrentSecret').nonEmptyString(secretId, 'secretId');
  const sm = secretsManagerClient(options.secretsManager);
  const response = await awsCall({ service: 'Secrets Manager', operation: 'GetSecretValue', subject: secretId }, () =>
    sm.send(new GetSecretValueCommand({ SecretId: secretId })),
  );
  if (typeof response.SecretString !== 'string' || typeof response.VersionId !== 'string') {
    throw new InvalidSecretValueError(`${secretId} has no SecretString`, { field: 'SecretString' });
  }
  const { credentials } = (options.schema ?? awsSchema).parse(response.SecretString);
  return { credentials, versionId: response.VersionId };
}
