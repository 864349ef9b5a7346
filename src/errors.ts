/**
 * The one error type routes throw, its closed set of codes, and the one JSON envelope every
 * failure is answered with: `{"error":{"code","message","requestId"}}`.
 *
 * Messages go to clients, so they stay generic where detail would help an attacker (which check
 * of a token failed, whether someone else's submission exists).
 */
export const errorStatus = {
  invalid_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  range_not_satisfiable: 416,
  bad_gateway: 502,
  upstream_unavailable: 503,
  gateway_timeout: 504,
  internal: 500,
} as const;

export type ErrorCode = keyof typeof errorStatus;
export type ErrorStatus = (typeof errorStatus)[ErrorCode];

export class ApiError extends Error {
  readonly status: ErrorStatus;

  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
    this.status = errorStatus[code];
  }
}

export interface ErrorEnvelope {
  error: { code: ErrorCode; message: string; requestId: string };
}

export function errorEnvelope(error: ApiError, requestId: string): ErrorEnvelope {
  return { error: { code: error.code, message: error.message, requestId } };
}
