/**
 * Every error code an HTTP client of fleetscope can see, with its status. The one place where codes
 * map to statuses; docs/api.md lists them all (a test checks it).
 */
export const HTTP_ERRORS = {
  PARSE_ERR_BODY: 400,
  INGEST_ERR_NOTHING_VALID: 400,
  INGEST_ERR_PARTIAL: 400,
  INGEST_ERR_UNAUTHORIZED: 401,
  INGEST_ERR_BODY_TOO_LARGE: 413,
  INGEST_ERR_CONTENT_TYPE: 415,
  INGEST_ERR_ENCODING: 415,
  INGEST_ERR_OVERLOADED: 503,
  INGEST_ERR_STORAGE: 503,
  INGEST_ERR_QUEUE: 503,
  INFLUX_ERR_PARTIAL_WRITE: 400,
  INGEST_ERR_POINTS_FAILED: 400,
  INGEST_ERR_SYNC_TIMEOUT: 408,
  API_ERR_BAD_PARAM: 400,
  API_ERR_NOT_FOUND: 404,
  UI_ERR_NOT_BUILT: 503,
  API_ERR_TOO_MANY_POINTS: 422,
  API_ERR_TOO_MANY_GROUPS: 400,
  API_ERR_STORAGE: 503,
  API_ERR_INTERNAL: 500,
  QUERY_ERR_SYNTAX: 400,
  QUERY_ERR_SEMANTIC: 400,
  QUERY_ERR_TOO_COSTLY: 422,
  QUERY_ERR_TOO_MANY_LIVE: 429,
  QUERY_ERR_RUNTIME: 500,
  ASSET_ERR_INVALID: 400,
  ASSET_ERR_NOT_FOUND: 404,
  ASSET_ERR_TOO_MANY: 413,
  CAPACITY_ERR_NONE: 404,
  ANALYSIS_ERR_UNKNOWN_JOB: 404,
  ANOMALY_ERR_NOT_FOUND: 404,
  DASHBOARD_ERR_INVALID: 400,
  DASHBOARD_ERR_NOT_FOUND: 404,
  DASHBOARD_ERR_CONFLICT: 409,
  DASHBOARD_ERR_TOO_LARGE: 413,
  SILENCE_ERR_INVALID: 400,
  SILENCE_ERR_NOT_FOUND: 404,
  CHANGE_ERR_INVALID: 400,
  CHANGE_ERR_NOT_FOUND: 404,
  CHANGE_ERR_TOO_MANY: 413,
} as const;

export type HttpErrorCode = keyof typeof HTTP_ERRORS;

/** The JSON body of every error answer: what went wrong, and where when known. */
export interface ErrorBody {
  error: { code: string; message: string; where?: Record<string, unknown> };
}

/** Builds an error body. */
export function errorBody(code: string, message: string, where?: Record<string, unknown>): ErrorBody {
  return where ? { error: { code, message, where } } : { error: { code, message } };
}

/** An error a route throws to answer with its code's status and an {@link ErrorBody}. */
export class HttpError extends Error {
  override readonly name = 'HttpError';
  readonly status: number;
  constructor(
    readonly code: HttpErrorCode,
    message: string,
    readonly where?: Record<string, unknown>,
  ) {
    super(message);
    this.status = HTTP_ERRORS[code];
  }
}
