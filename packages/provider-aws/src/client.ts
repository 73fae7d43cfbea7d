import { LambdaClient, type LambdaClientConfig } from '@aws-sdk/client-lambda';
import { RDSClient, type RDSClientConfig } from '@aws-sdk/client-rds';
import { SecretsManagerClient, type SecretsManagerClientConfig } from '@aws-sdk/client-secrets-manager';

/** A ready client, or the configuration to build one with (region, credentials, endpoint, …). */
export type ClientOrConfig<Client, Config> = Client | Config;

/** Secrets Manager client option: a client, or its configuration. */
export type SecretsManagerClientOption = ClientOrConfig<SecretsManagerClient, SecretsManagerClientConfig>;
/** RDS client option: a client, or its configuration. */
export type RdsClientOption = ClientOrConfig<RDSClient, RDSClientConfig>;
/** Lambda client option: a client, or its configuration. */
export type LambdaClientOption = ClientOrConfig<LambdaClient, LambdaClientConfig>;

function isClient<Client extends { send: unknown }>(option: unknown): option is Client {
  return typeof option === 'object' && option !== null && typeof (option as { send?: unknown }).send === 'function';
}

/**
 * The Secrets Manager client to use: the one given, or a new one from the configuration. The
 * endpoint comes from `endpoint`, else the configuration, else `SECRETS_MANAGER_ENDPOINT` (the
 * variable AWS's own rotation functions read), else the SDK's default resolution.
 */
export function secretsManagerClient(option?: SecretsManagerClientOption, endpoint?: string): SecretsManagerClient {
  if (isClient<SecretsManagerClient>(option)) return option;
  const resolved = endpoint ?? option?.endpoint ?? (process.env['SECRETS_MANAGER_ENDPOINT'] || undefined);
  return new SecretsManagerClient({ ...option, ...(resolved === undefined ? {} : { endpoint: resolved }) });
}

/** The RDS client to use: the one given, or a new one from the configuration. */
export function rdsClient(option?: RdsClientOption): RDSClient {
  return isClient<RDSClient>(option) ? option : new RDSClient({ ...option });
}

/** The Lambda client to use: the one given, or a new one from the configuration. */
export function lambdaClient(option?: LambdaClientOption): LambdaClient {
  return isClient<LambdaClient>(option) ? option : new LambdaClient({ ...option });
}
