import { randomUUID } from 'node:crypto';
import type { EmulatorResponse } from '../http.js';

/** Errors the API Gateway answers before the service is reached (numeric codes as strings). */
const GATEWAY_ERRORS = {
  authenticationFailed: { status: 401, errorCode: '200', message: 'Authentication Failed', details: 'Invalid authentication information.' },
  notFound: { status: 404, errorCode: '300', message: 'Not Found Exception', details: 'URL not found.' },
  // The details text of a quota error has not been observed; this wording is ours.
  quotaExceeded: { status: 429, errorCode: '400', message: 'Quota Exceeded', details: 'Request quota exceeded.' },
} as const;

/** Errors Secret Manager itself answers. Statuses marked inferred in the reference are our best guess. */
const SERVICE_ERRORS = {
  INVALID_REQUEST: { status: 400, message: 'Invalid request' },
  // 404 is inferred: the reference lists NOT_FOUND without a status.
  NOT_FOUND: { status: 404, message: 'Not found' },
  UNPROCESSABLE_ENTITY: { status: 422, message: 'Invalid status' },
  INTERNAL_SERVER_ERROR: { status: 500, message: 'Server internal error' },
} as const;

/** A gateway error kind. */
export type GatewayError = keyof typeof GATEWAY_ERRORS;

/** A service error code. */
export type ServiceErrorCode = keyof typeof SERVICE_ERRORS;

function json(status: number, value: unknown): EmulatorResponse {
  return {
    status,
    headers: { 'content-type': 'application/json;charset=UTF-8', 'x-ncp-apigw-request-id': randomUUID() },
    body: JSON.stringify(value),
  };
}

/** `{"code":"SUCCESS","data":…}`; `null` data is sent as JSON null. */
export function success(data: unknown): EmulatorResponse {
  return json(200, { code: 'SUCCESS', data });
}

/** The gateway's own error body. */
export function gatewayError(kind: GatewayError): EmulatorResponse {
  const { status, errorCode, message, details } = GATEWAY_ERRORS[kind];
  return json(status, { error: { errorCode, message, details } });
}

/** The service's error body; `details` must never carry a secret value. */
export function serviceError(errorCode: ServiceErrorCode, details: string): EmulatorResponse {
  const { status, message } = SERVICE_ERRORS[errorCode];
  return json(status, { error: { errorCode, message, details } });
}

/** A refusal raised deep in a handler and turned into a service error at the edge. */
export class ServiceFailure extends Error {
  readonly errorCode: ServiceErrorCode;

  constructor(errorCode: ServiceErrorCode, details: string) {
    super(details);
    this.name = 'ServiceFailure';
    this.errorCode = errorCode;
  }

  /** The error body this refusal answers. */
  toResponse(): EmulatorResponse {
    return serviceError(this.errorCode, this.message);
  }
}
