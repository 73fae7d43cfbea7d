/**
 * A Secrets Manager error answered as `{"__type": code, "Message": message}`.
 * Every client error is HTTP 400, not-found included; only `InternalServiceError` is a 5xx.
 */
export class AwsServiceError extends Error {
  readonly code: string;
  readonly status: number;

  constructor(code: string, message: string, status = 400) {
    super(message);
    this.name = code;
    this.code = code;
    this.status = status;
  }
}

const TOKEN_REQUIRED = 'You must provide a ClientRequestToken value. We recommend a UUID-type value.';

/** The exact texts and codes Secrets Manager answers with, one constructor per case. */
export const awsErrors = {
  tokenRequired: (code: 'InvalidRequestException' | 'InvalidParameterException') =>
    new AwsServiceError(code, TOKEN_REQUIRED),
  secretNotFound: () => new AwsServiceError('ResourceNotFoundException', "Secrets Manager can't find the specified secret."),
  stageNotFound: (stage: string) =>
    new AwsServiceError(
      'ResourceNotFoundException',
      `Secrets Manager can't find the specified secret value for staging label: ${stage}`,
    ),
  versionNotFound: (versionId: string) =>
    new AwsServiceError(
      'ResourceNotFoundException',
      `Secrets Manager can't find the specified secret value for VersionId: ${versionId}`,
    ),
  stageDisagreesWithVersion: () =>
    new AwsServiceError(
      'InvalidRequestException',
      'You provided a VersionStage that is not associated to the provided VersionId.',
    ),
  // Recorded on AWS for TagResource/UntagResource; assumed identical for every other operation
  // refused on a secret pending deletion [unverified].
  markedForDeletion: () =>
    new AwsServiceError(
      'InvalidRequestException',
      "You can't perform this operation on the secret because it was marked for deletion.",
    ),
  secretExists: (name: string) =>
    new AwsServiceError('ResourceExistsException', `The operation failed because the secret ${name} already exists.`),
  nameScheduledForDeletion: () =>
    new AwsServiceError(
      'InvalidRequestException',
      "You can't create this secret because a secret with this name is already scheduled for deletion.",
    ),
  invalidName: () =>
    new AwsServiceError(
      'ValidationException',
      'Invalid name. Must be a valid name containing alphanumeric characters, or any of the following: -/_+=.@!',
    ),
  tokenInUse: (token: string, arn: string) =>
    new AwsServiceError(
      'ResourceExistsException',
      `You can't use ClientRequestToken ${token} because that value is already in use for a version of secret ${arn}.`,
    ),
  // moto and LocalStack use this text; not recorded on AWS [unverified].
  valueRequired: () =>
    new AwsServiceError('InvalidRequestException', 'You must provide either SecretString or SecretBinary.'),
  // Text chosen by the emulator; AWS rejects both values together, wording [unverified].
  bothValues: () =>
    new AwsServiceError(
      'InvalidParameterException',
      "You can't specify both a binary secret value and a string secret value in the same secret.",
    ),
  removeFromRequired: (stage: string, holder: string) =>
    new AwsServiceError(
      'InvalidParameterException',
      `The parameter RemoveFromVersionId can't be empty. Staging label ${stage} is currently attached to version ${holder}, so you must explicitly reference that version in RemoveFromVersionId.`,
    ),
  // moto's texts for unknown versions and a RemoveFromVersionId lacking the label [unverified on AWS].
  notAValidVersion: (versionId: string) => new AwsServiceError('InvalidParameterException', `Not a valid version: ${versionId}`),
  stageNotOnVersion: (stage: string, versionId: string) =>
    new AwsServiceError('InvalidParameterException', `Version stage ${stage} not found in version ${versionId}`),
  // Emulator text for more than 20 labels on one version; AWS's code and wording [unverified].
  tooManyLabels: (versionId: string) =>
    new AwsServiceError(
      'LimitExceededException',
      `A version of a secret can have at most 20 staging labels; version ${versionId} would have more.`,
    ),
  noRotationFunction: () =>
    new AwsServiceError('InvalidRequestException', 'No Lambda rotation function ARN is associated with this secret.'),
  cannotInvoke: () =>
    new AwsServiceError(
      'AccessDeniedException',
      'Secrets Manager cannot invoke the specified Lambda function. Ensure that the function policy grants access to the principal secretsmanager.amazonaws.com.',
    ),
  // The text is from AWS (aws-cdk issues); the code is assumed [unverified].
  previousRotationIncomplete: () =>
    new AwsServiceError('InvalidRequestException', "A previous rotation isn't complete. That rotation will be reattempted."),
  // moto's text for CancelRotateSecret without a configured function [unverified on AWS].
  cancelWithoutFunction: () =>
    new AwsServiceError(
      'InvalidRequestException',
      "You tried to enable rotation on a secret that doesn't already have a Lambda function ARN configured and you didn't include such an ARN as a parameter in this call.",
    ),
  // AWS refuses direct changes to a secret another service owns; the full text is [unverified].
  managedByService: (service: string) =>
    new AwsServiceError(
      'InvalidRequestException',
      `The secret is managed by another service (${service}). You can't perform this operation on it directly.`,
    ),
  // Texts for rotation schedules: AWS's wording [unverified].
  bothSchedules: () =>
    new AwsServiceError(
      'InvalidParameterException',
      'You cannot specify both rotation frequency and schedule expression together.',
    ),
  invalidSchedule: (detail: string) => new AwsServiceError('InvalidParameterException', detail),
  // moto's text [unverified on AWS].
  passwordTooShort: () =>
    new AwsServiceError('InvalidParameterException', 'Password length is too short based on the required types.'),
  // Emulator text: every character class was excluded [unverified on AWS].
  noCharactersLeft: () =>
    new AwsServiceError('InvalidParameterException', 'No characters are left to build a password from.'),
  // AWS's texts for DeleteSecret argument checks [unverified].
  forceWithWindow: () =>
    new AwsServiceError(
      'InvalidParameterException',
      "You can't use ForceDeleteWithoutRecovery in conjunction with RecoveryWindowInDays.",
    ),
  recoveryWindow: () =>
    new AwsServiceError(
      'InvalidParameterException',
      'The RecoveryWindowInDays value must be between 7 and 30 days (inclusive).',
    ),
  invalidNextToken: () => new AwsServiceError('InvalidNextTokenException', 'The NextToken value is invalid.'),
  /**
   * A request member outside the API model's bounds, worded as AWS's generic model
   * validation (`1 validation error detected: …`). `value` is left out for sensitive members.
   */
  constraint: (member: string, constraint: string, value?: string | number) =>
    new AwsServiceError(
      'ValidationException',
      `1 validation error detected: Value ${value === undefined ? '' : `'${value}' `}at '${member}' failed to satisfy constraint: ${constraint}`,
    ),
  serialization: (detail: string) => new AwsServiceError('SerializationException', detail),
  unknownOperation: (target: string) =>
    new AwsServiceError('UnknownOperationException', `The emulator does not implement the operation ${target}.`),
} as const;
