/**
 * @module core/errors
 * The one error type of Weir. Every refusal, in the data plane, the admin API and the CLI,
 * carries a literal `code`; the HTTP status of each code is decided here and nowhere else.
 */

export const ERROR_STATUS = {
  // data plane (DESIGN §5)
  no_route: 404,
  origin_unreachable: 502,
  origin_timeout: 504,
  loop_detected: 508,
  /** KV failed and this isolate holds no last-known route for the host */
  routes_unavailable: 503,
  // admin API (DESIGN §8)
  bad_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  /** what the request names existed but is no longer kept (a pruned history version) */
  gone: 410,
  precondition_failed: 412,
  payload_too_large: 413,
  invalid: 422,
  rollout_in_progress: 409,
  /** too many failed authentications from one client IP (DESIGN §11) */
  rate_limited: 429,
  internal: 500,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;
export type ErrorStatus = (typeof ERROR_STATUS)[ErrorCode];

export interface ErrorBody {
  error: { code: ErrorCode; message: string; details?: unknown };
}

export class WeirError extends Error {
  readonly code: ErrorCode;
  readonly details?: unknown;

  constructor(code: ErrorCode, message: string, options?: { details?: unknown; cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = "WeirError";
    this.code = code;
    this.details = options?.details;
  }

  get status(): ErrorStatus {
    return ERROR_STATUS[this.code];
  }

  toBody(): ErrorBody {
    const error: ErrorBody["error"] = { code: this.code, message: this.message };
    if (this.details !== undefined) error.details = this.details;
    return { error };
  }
}

export function isWeirError(value: unknown): value is WeirError {
  return value instanceof WeirError;
}

/** Builds the JSON error response used by every part of Weir (DESIGN §5). */
export function errorResponse(error: WeirError, headers?: Record<string, string>): Response {
  const h = new Headers(headers);
  h.set("content-type", "application/json; charset=utf-8");
  return new Response(JSON.stringify(error.toBody()), { status: error.status, headers: h });
}
