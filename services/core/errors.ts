// The error base of every unit: a stable code from one typed union, a message naming the field and the fix, and
// small structured details. Across process or queue boundaries, match on `code`, never on `instanceof`.

/**
 * Every error code LeanFleet raises or answers with. A new code is added here; the API's code-to-HTTP map
 * (functions/api/middleware/error-handler.ts) is a `Record<ErrorCode, …>`, so an unmapped code fails type-checking.
 */
export const ERROR_CODES = [
  // Requests and inputs
  "invalid_request",
  "invalid_json",
  "invalid_utf8",
  "invalid_unicode",
  "invalid_id",
  "invalid_job",
  "invalid_dataset",
  "unknown_fleet",
  "unknown_handle",
  "too_many_items",
  "payload_too_large",
  "unsupported_media_type",
  "results_file",
  // Access and limits
  "unauthorized",
  "rate_limited",
  "too_many_queued",
  // Lookups and state
  "not_found",
  "route_not_found",
  "method_not_allowed",
  "conflict",
  // Infrastructure
  "internal",
  "upstream_unavailable",
  "partial_enqueue",
  "not_configured",
  "network",
  "wait_timeout",
  "lease_lost",
  // Configuration
  "api_config",
  "worker_config",
  "nightly_config",
  "environment_mismatch",
  "bad_lake_manifest",
  "deploy_config",
  "local_cluster",
  "resume_state",
  // Commands and processes
  "usage",
  "interrupted",
  "aws_service",
  // The REPL set
  "repl_setup",
  "repl_timeout",
  "repl_crashed",
  "repl_memory_limit",
  "repl_protocol",
  "repl_closed",
  "repl_restart_exhausted",
  "pool_exhausted",
  "handle_replay_failed",
] as const;

/** One of {@link ERROR_CODES}. */
export type KnownErrorCode = (typeof ERROR_CODES)[number];

/** The code the HTTP client gives an error answer that carries none of its own (e.g. a proxy's HTML page). */
export type HttpStatusErrorCode = `http_${number}`;

/** A LeanFleet error code: one of {@link ERROR_CODES}, or `http_<status>` for an answer without a code. */
export type ErrorCode = KnownErrorCode | HttpStatusErrorCode;

const KNOWN = new Set<string>(ERROR_CODES);

/** True when `code` is one of LeanFleet's codes (for codes read back from JSON, e.g. an HTTP error body). */
export function isErrorCode(code: string): code is ErrorCode {
  return KNOWN.has(code) || /^http_[0-9]{3}$/.test(code);
}

/** Base class of every LeanFleet error: a stable machine code plus a message that names the field and the fix. */
export class LeanFleetError extends Error {
  /** Stable identifier, e.g. `repl_timeout`; safe to match on across processes. */
  readonly code: ErrorCode;
  /** Extra structured facts about the failure (kept small: it is logged and stored in results). */
  readonly details: Readonly<Record<string, unknown>>;

  constructor(code: ErrorCode, message: string, details: Record<string, unknown> = {}, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
    this.details = details;
  }

  /** Plain data for logs, results and HTTP bodies. */
  toJSON(): { code: ErrorCode; message: string; details: Record<string, unknown> } {
    return { code: this.code, message: this.message, details: { ...this.details } };
  }
}

/** A message's lease (receipt) is no longer valid: it was deleted, or its visibility expired and it may be redelivered. */
export class LeaseLostError extends LeanFleetError {
  constructor(receipt: string, reason: string) {
    super(
      "lease_lost",
      `the lease of a queue message is gone (${reason}); the job must stop, another delivery will run it`,
      {
        receipt: receipt.slice(0, 64),
        reason,
      },
    );
  }
}

/** A command-line flag or argument is wrong: the message names the flag, the value given and what is expected. */
export class UsageError extends LeanFleetError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super("usage", message, details);
  }
}

/** Something that cannot happen did (an id collision, a closed resource used): a bug or a race, never bad input. */
export class InternalError extends LeanFleetError {
  constructor(message: string, details: Record<string, unknown> = {}, options?: ErrorOptions) {
    super("internal", message, details, options);
  }
}

/** Work was stopped on purpose (Ctrl-C, a shutdown's drain budget spent); used as an AbortSignal's reason. */
export class InterruptedError extends LeanFleetError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super("interrupted", message, details);
  }
}
