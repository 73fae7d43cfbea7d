import {
  DescribeSecretCommand,
  GetRandomPasswordCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  UpdateSecretVersionStageCommand,
  type DescribeSecretResponse,
  type GetSecretValueResponse,
  type SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import {
  CLOUD_STAGE_LABELS,
  DEFAULT_PASSWORD_POLICY,
  InvalidOptionsError,
  InvalidSecretValueError,
  RotationNotEnabledError,
  RotationTokenInvalidError,
  type PasswordPolicy,
  type SecretStore,
  type Stage,
  type StagePointers,
  type StoreSession,
} from '@rotakit/core';
import { secretsManagerClient, type SecretsManagerClientOption } from './clients.js';
import { awsCall, awsError, isAwsError, isAwsNotFound, type AwsCallContext } from './errors.js';

/** AWS's stage labels: AWSCURRENT, AWSPENDING, AWSPREVIOUS. */
export const AWS_STAGE_LABELS = CLOUD_STAGE_LABELS.aws;

/** Options of `SecretsManagerStore`. */
export interface SecretsManagerStoreOptions {
  /** A Secrets Manager client, or the configuration to build one (built once, here). */
  readonly client?: SecretsManagerClientOption;
  /** Endpoint override; default the configuration's, else `SECRETS_MANAGER_ENDPOINT`. */
  readonly endpoint?: string;
  /**
   * Whether `open` requires the token to be a version AWSPENDING already sits on, as it does when
   * Secrets Manager's RotateSecret drives the rotation (default true). Set false to rotate with
   * core's `rotate()` outside Lambda: a token with no version is then accepted as a new rotation.
   */
  readonly requireStagedToken?: boolean;
  /** Passed back as PutSecretValue's RotationToken (the rotation event's `RotationToken`). */
  readonly rotationToken?: string;
}

const { current: AWSCURRENT, pending: AWSPENDING, previous: AWSPREVIOUS } = AWS_STAGE_LABELS;

/**
 * A `SecretStore` on AWS Secrets Manager. `current`/`pending`/`previous` are AWSCURRENT,
 * AWSPENDING and AWSPREVIOUS; the token is the ClientRequestToken, i.e. the pending version's id.
 *
 * `open` applies the gate the service expects before every step, from one DescribeSecret:
 * RotationEnabled false → `RotationNotEnabledError`; a token with no stage (unless
 * `requireStagedToken: false`) or with a stage other than AWSPENDING/AWSCURRENT →
 * `RotationTokenInvalidError`; a token already AWSCURRENT is reported through
 * `stages.current === token`, so core skips the step.
 */
export class SecretsManagerStore implements SecretStore {
  readonly name = 'aws';
  /** The client every call goes through; built once per store. */
  readonly client: SecretsManagerClient;
  readonly #requireStagedToken: boolean;
  readonly #rotationToken: string | undefined;

  constructor(options: SecretsManagerStoreOptions = {}) {
    this.client = secretsManagerClient(options.client, options.endpoint);
    this.#requireStagedToken = options.requireStagedToken ?? true;
    this.#rotationToken = options.rotationToken;
  }

  /** The same store (same client) passing `rotationToken` back on PutSecretValue. */
  withRotationToken(rotationToken: string | undefined): SecretsManagerStore {
    return new SecretsManagerStore({
      client: this.client,
      requireStagedToken: this.#requireStagedToken,
      ...(rotationToken === undefined ? {} : { rotationToken }),
    });
  }

  /** DescribeSecret, with errors converted. */
  describe(secretId: string): Promise<DescribeSecretResponse> {
    return awsCall(smContext('DescribeSecret', secretId), () =>
      this.client.send(new DescribeSecretCommand({ SecretId: secretId })),
    );
  }

  async open(secretId: string, token: string): Promise<StoreSession> {
    const described = await this.describe(secretId);
    if (described.RotationEnabled === false) {
      throw new RotationNotEnabledError(`rotation is not enabled for ${secretId}`);
    }
    const versions = described.VersionIdsToStages ?? {};
    const stages = stagePointers(versions);
    const labels = versions[token];
    if (labels === undefined) {
      if (this.#requireStagedToken) {
        throw new RotationTokenInvalidError(`version ${token} of ${secretId} has no stage; start rotations with RotateSecret`);
      }
      if (token.length < 32 || token.length > 64) {
        throw new InvalidOptionsError('token must be 32 to 64 characters long to name a Secrets Manager version', {
          field: 'token',
        });
      }
    } else if (!labels.includes(AWSCURRENT) && !labels.includes(AWSPENDING)) {
      throw new RotationTokenInvalidError(`version ${token} of ${secretId} is not set as ${AWSPENDING}`);
    }
    return this.#session(secretId, token, stages);
  }

  async readCurrent(secretId: string): Promise<string> {
    const response = await awsCall(smContext('GetSecretValue', secretId), () =>
      this.client.send(new GetSecretValueCommand({ SecretId: secretId })),
    );
    return secretStringOf(response, secretId);
  }

  async generatePassword(policy: PasswordPolicy): Promise<string> {
    const { RandomPassword } = await awsCall(smContext('GetRandomPassword', 'a password'), () =>
      this.client.send(
        new GetRandomPasswordCommand({
          PasswordLength: policy.length ?? DEFAULT_PASSWORD_POLICY.length,
          ExcludeCharacters: policy.excludeCharacters ?? DEFAULT_PASSWORD_POLICY.excludeCharacters,
          ExcludeNumbers: policy.excludeNumbers ?? false,
          ExcludePunctuation: policy.excludePunctuation ?? false,
          ExcludeUppercase: policy.excludeUppercase ?? false,
          ExcludeLowercase: policy.excludeLowercase ?? false,
          IncludeSpace: policy.includeSpace ?? false,
          RequireEachIncludedType: policy.requireEachIncludedType ?? true,
        }),
      ),
    );
    if (typeof RandomPassword !== 'string') {
      throw awsError(new Error('GetRandomPassword answered no password'), smContext('GetRandomPassword', 'a password'));
    }
    return RandomPassword;
  }

  #session(secretId: string, token: string, stages: StagePointers): StoreSession {
    const { client } = this;
    const read = async (stage: Stage): Promise<string | undefined> => {
      const input =
        stage === 'pending'
          ? { SecretId: secretId, VersionId: token, VersionStage: AWSPENDING }
          : { SecretId: secretId, VersionStage: AWS_STAGE_LABELS[stage] };
      try {
        return secretStringOf(await client.send(new GetSecretValueCommand(input)), secretId);
      } catch (error) {
        // Absent stage, value-less placeholder, or a token that is not (or no longer) pending.
        if (isAwsNotFound(error) || (stage === 'pending' && isAwsError(error, 'InvalidRequestException'))) return undefined;
        throw awsError(error, smContext('GetSecretValue', secretId));
      }
    };
    return {
      secretId,
      token,
      stages,
      read,
      writePending: async (value) => {
        try {
          await client.send(
            new PutSecretValueCommand({
              SecretId: secretId,
              ClientRequestToken: token,
              SecretString: value,
              VersionStages: [AWSPENDING],
              ...(this.#rotationToken === undefined ? {} : { RotationToken: this.#rotationToken }),
            }),
          );
          return value;
        } catch (error) {
          if (isAwsError(error, 'ResourceExistsException')) {
            throw new RotationTokenInvalidError(`a different value is already stored under version ${token} of ${secretId}`);
          }
          throw awsError(error, { ...smContext('PutSecretValue', secretId), carriesSecret: true });
        }
      },
      promote: async () => {
        const moveCurrent = new UpdateSecretVersionStageCommand({
          SecretId: secretId,
          VersionStage: AWSCURRENT,
          MoveToVersionId: token,
          ...(stages.current === undefined ? {} : { RemoveFromVersionId: stages.current }),
        });
        await awsCall(smContext('UpdateSecretVersionStage', secretId), () => client.send(moveCurrent));
        // Moving AWSCURRENT leaves AWSPENDING on the new version; the service removes it after a
        // RotateSecret, nobody does after core's rotate(). Dropping it here serves both.
        const dropPending = new UpdateSecretVersionStageCommand({
          SecretId: secretId,
          VersionStage: AWSPENDING,
          RemoveFromVersionId: token,
        });
        await awsCall(smContext('UpdateSecretVersionStage', secretId), () => client.send(dropPending));
      },
    };
  }
}

/** Which version each label sits on, from DescribeSecret's VersionIdsToStages. */
function stagePointers(versions: Record<string, string[]>): StagePointers {
  const pointers: StagePointers = {};
  for (const [versionId, labels] of Object.entries(versions)) {
    if (labels.includes(AWSCURRENT)) pointers.current = versionId;
    if (labels.includes(AWSPENDING)) pointers.pending = versionId;
    if (labels.includes(AWSPREVIOUS)) pointers.previous = versionId;
  }
  return pointers;
}

function secretStringOf(response: GetSecretValueResponse, secretId: string): string {
  if (typeof response.SecretString === 'string') return response.SecretString;
  throw new InvalidSecretValueError(`${secretId} holds SecretBinary; rotakit rotates JSON SecretString values`, {
    field: 'SecretString',
  });
}

function smContext(operation: string, subject: string): AwsCallContext {
  return { service: 'Secrets Manager', operation, subject };
}
