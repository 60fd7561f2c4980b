// The one place where errors become HTTP responses: stable code -> status, JSON body {error:{code,message,field?}},
// Retry-After for limits and retryable failures. Unknown and `internal` errors are logged and answered as 500 `internal`.
import type { Context, ErrorHandler, NotFoundHandler } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { LeanFleetError, type KnownErrorCode } from "../../../services/core/index.js";
import { ApiError } from "../errors.js";

/**
 * HTTP status of every error code (exhaustive: a code added to core's ERROR_CODES without a status here fails
 * type-checking). Codes that never reach the API from a client's request map to the status that would describe them.
 */
export const ERROR_STATUS: Readonly<Record<KnownErrorCode, ContentfulStatusCode>> = {
  invalid_request: 400,
  invalid_json: 400,
  invalid_utf8: 400,
  invalid_unicode: 400,
  invalid_id: 400,
  unknown_fleet: 400,
  too_many_items: 400,
  unknown_handle: 400,
  unauthorized: 401,
  not_found: 404,
  route_not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  too_many_queued: 429,
  internal: 500,
  upstream_unavailable: 503,
  partial_enqueue: 503,
  not_configured: 503,
  invalid_job: 400,
  invalid_dataset: 400,
  results_file: 400,
  method_not_allowed: 405,
  network: 502,
  wait_timeout: 504,
  lease_lost: 409,
  api_config: 500,
  worker_config: 500,
  nightly_config: 500,
  environment_mismatch: 500,
  bad_lake_manifest: 500,
  deploy_config: 500,
  local_cluster: 500,
  resume_state: 400,
  usage: 400,
  interrupted: 503,
  aws_service: 502,
  repl_setup: 503,
  repl_timeout: 504,
  repl_crashed: 502,
  repl_memory_limit: 502,
  repl_protocol: 502,
  repl_closed: 503,
  repl_restart_exhausted: 503,
  pool_exhausted: 503,
  handle_replay_failed: 502,
};

/** The JSON body of every error response. */
export interface ErrorBody {
  error: {
    code: string;
    message: string;
    field?: string;
    retryAfterSeconds?: number;
    details?: Record<string, unknown>;
  };
}

/** Minimal logger the handler reports unexpected errors to. */
export interface ErrorLog {
  error(obj: object, msg?: string): void;
}

function respond(c: Context, status: ContentfulStatusCode, body: ErrorBody, retryAfter?: number): Response {
  if (retryAfter !== undefined) c.header("Retry-After", String(retryAfter));
  return c.json(body, status);
}

/** `app.onError` handler. */
export function errorHandler(log?: ErrorLog): ErrorHandler {
  return (err, c) => {
    // An `internal` error is a bug or a race (InternalError): answered like any unexpected error, its message logged
    // but not sent.
    if (err instanceof LeanFleetError && err.code !== "internal") {
      const status = ERROR_STATUS[err.code as KnownErrorCode] ?? 500;
      const field =
        err instanceof ApiError
          ? err.field
          : typeof err.details.field === "string" && err.details.field
            ? err.details.field
            : undefined;
      const retry = err instanceof ApiError ? err.retryAfterSeconds : undefined;
      const details = err instanceof ApiError ? err.publicDetails : undefined;
      if (status >= 500) log?.error({ err, code: err.code, path: c.req.path }, "request failed");
      return respond(
        c,
        status,
        {
          error: {
            code: err.code,
            message: err.message,
            ...(field ? { field } : {}),
            ...(retry !== undefined ? { retryAfterSeconds: retry } : {}),
            ...(details ? { details } : {}),
          },
        },
        retry,
      );
    }
    if (err instanceof HTTPException && err.status < 500) {
      // Raised by Hono itself (e.g. a malformed request it refused); keep its status with a stable code.
      return respond(c, err.status as ContentfulStatusCode, {
        error: { code: "invalid_request", message: err.message || "the request was refused" },
      });
    }
    log?.error({ err, path: c.req.path }, "unexpected error");
    return respond(c, 500, {
      error: { code: "internal", message: "internal error; it was logged. Retry later, and report it if it persists" },
    });
  };
}

/** `app.notFound` handler: unknown routes get a JSON 404 listing the routes. */
export const notFoundHandler: NotFoundHandler = (c) =>
  respond(c, 404, {
    error: {
      code: "route_not_found",
      message: `no route ${c.req.method} ${c.req.path}; routes: POST /v1/jobs, GET /v1/jobs/:id, POST /v1/batches, GET /v1/batches/:id, GET /v1/batches/:id/results, GET /v1/cluster, GET /health, GET /openapi.json; Kimina Lean Server's POST /api/check, POST /verify`,
    },
  });
