/** The KMS service errors, with their HTTP statuses and messages as Alibaba documents them. */
export const KMS_SERVICE_ERRORS = {
  InvalidParameter: { status: 400, message: 'The specified parameter is invalid.' },
  'Rejected.LimitExceeded': { status: 400, message: 'The secret quota is exceeded.' },
  'Forbidden.NoPermission': { status: 403, message: 'You are not authorized to perform the operation.' },
  'Forbidden.ResourceNotFound': { status: 404, message: 'The resource is not found.' },
  'Rejected.ResourceExist': { status: 409, message: 'The resource already exists.' },
  'Rejected.ResourceInDeleteWindow': { status: 409, message: 'The secret is planned to be deleted.' },
  'Rejected.Throttling': { status: 429, message: 'The QPS upper limit is exceeded.' },
  InternalFailure: { status: 500, message: 'An internal error occurred.' },
  // The API gateway's own answers, shared by every Alibaba RPC product. Codes and messages are
  // the ones its public error bodies show; KMS's documentation does not list them.
  'InvalidAction.NotFound': { status: 404, message: 'Specified api is not found, please check your url and method.' },
  InvalidVersion: { status: 400, message: 'Specified parameter Version is not valid.' },
  'InvalidAccessKeyId.NotFound': { status: 404, message: 'Specified access key is not found.' },
  // The real message goes on with the server's string to sign, which would echo every
  // parameter (SecretData included) back to the caller; the emulator stops before it.
  SignatureDoesNotMatch: { status: 400, message: 'Specified signature is not matched with our calculation.' },
  IncompleteSignature: { status: 400, message: 'The request signature does not conform to Aliyun standards.' },
} as const satisfies Record<string, { status: number; message: string }>;

/** A code of {@link KMS_SERVICE_ERRORS}. */
export type KmsErrorCode = keyof typeof KMS_SERVICE_ERRORS;

/** An error the emulator answers with a KMS error body. */
export class KmsError extends Error {
  readonly code: string;
  readonly status: number;

  constructor(code: string, status: number, message: string) {
    super(message);
    this.name = 'KmsError';
    this.code = code;
    this.status = status;
  }
}

/** The KMS error `code`, with its documented status and message. */
export function kmsError(code: KmsErrorCode): KmsError {
  const { status, message } = KMS_SERVICE_ERRORS[code];
  return new KmsError(code, status, message);
}

/**
 * The gateway's answer to a missing required parameter: `Missing<Name>`, 400,
 * "<Name> is mandatory for this action." (the gateway's public pattern; not in KMS's docs).
 */
export function missingParameter(name: string): KmsError {
  return new KmsError(`Missing${name}`, 400, `${name} is mandatory for this action.`);
}
