// Typed errors of the API. Each carries a stable `code`; the HTTP status is chosen in one place
// (middleware/error-handler.ts), never at the throw site.
import { LeanFleetError, type ErrorCode } from "../../services/core/index.js";

/** Base of API errors: a code, a message naming the field and the fix, and optionally the field's path. */
export class ApiError extends LeanFleetError {
  /** Path of the offending field (`items[3].code`, `wait`), when one field is at fault. */
  readonly field: string | undefined;
  /** Seconds after which a retry may succeed (sent as `Retry-After`). */
  readonly retryAfterSeconds: number | undefined;
  /** Facts the client needs to recover, sent in the body as `details` (most errors have none). */
  readonly publicDetails: Record<string, unknown> | undefined;

  constructor(
    code: ErrorCode,
    message: string,
    options: {
      field?: string;
      retryAfterSeconds?: number;
      details?: Record<string, unknown>;
      publicDetails?: Record<string, unknown>;
    } = {},
  ) {
    super(code, message, {
      ...options.details,
      ...options.publicDetails,
      ...(options.field === undefined ? {} : { field: options.field }),
    });
    this.field = options.field;
    this.retryAfterSeconds = options.retryAfterSeconds;
    this.publicDetails = options.publicDetails;
  }
}

/** The request body or a parameter is malformed (code `invalid_request`, or a more specific one). */
export class BadRequestError extends ApiError {
  constructor(field: string | undefined, message: string, code: ErrorCode = "invalid_request") {
    super(code, field ? `${field}: ${message}` : message, field === undefined ? {} : { field });
  }
}

/** No credentials, or credentials that match no configured key. */
export class UnauthorizedError extends ApiError {
  constructor(message: string) {
    super("unauthorized", message);
  }
}

/** A per-key limit was hit (`rate_limited` for requests per second, `too_many_queued` for queued jobs). */
export class LimitExceededError extends ApiError {
  constructor(code: "rate_limited" | "too_many_queued", message: string, retryAfterSeconds: number) {
    super(code, message, { retryAfterSeconds });
  }
}

/** The body is larger than this route accepts. */
export class PayloadTooLargeError extends ApiError {
  constructor(maxBytes: number) {
    super(
      "payload_too_large",
      `the request body is larger than ${maxBytes} bytes; send less per call (split a batch into appending calls with batchId, or shorten the input)`,
      {
        details: { maxBytes },
      },
    );
  }
}

/** A job or batch that does not exist (or that this key may not see). */
export class NotFoundError extends ApiError {
  constructor(what: string, id: string) {
    super(
      "not_found",
      `no ${what} with id ${JSON.stringify(id)} was accepted; check the id returned when it was submitted`,
    );
  }
}

/** An append that contradicts the batch's settings (fleet, earlyStop). */
export class ConflictError extends ApiError {
  constructor(field: string, message: string) {
    super("conflict", `${field}: ${message}`, { field });
  }
}

/** The body's content type is not one this route reads. */
export class UnsupportedMediaTypeError extends ApiError {
  constructor(got: string, accepted: string[]) {
    super(
      "unsupported_media_type",
      `content-type ${JSON.stringify(got)} is not accepted here; send one of ${accepted.join(", ")}`,
    );
  }
}

/** The queue or the object store failed or timed out; the request may be retried. */
export class UpstreamUnavailableError extends ApiError {
  constructor(what: string, cause: unknown) {
    super(
      "upstream_unavailable",
      `${what} is unavailable right now (${cause instanceof Error ? cause.message : String(cause)}); retry with backoff`,
      {
        retryAfterSeconds: 1,
      },
    );
  }
}

/**
 * Enqueueing a batch call failed part-way. `details.sent` lists the seq ranges that reached the queue (they will run);
 * the other items of the call were not enqueued and may be resent with `batchId`.
 */
export class PartialEnqueueFailure extends ApiError {
  constructor(batchId: string, firstSeq: number, count: number, sent: { from: number; to: number }[], cause: unknown) {
    const n = sent.reduce((k, s) => k + s.to - s.from + 1, 0);
    super(
      "partial_enqueue",
      `batch ${batchId}: ${n} of ${count} items of this call were enqueued before the queue failed (${cause instanceof Error ? cause.message : String(cause)}); resend the others with batchId (details.sent lists the enqueued seqs)`,
      { retryAfterSeconds: 1, publicDetails: { batchId, firstSeq, count, sent } },
    );
  }
}

/** The deployment lacks required configuration (e.g. API keys in AWS); every /v1 request fails until it is fixed. */
export class NotConfiguredError extends ApiError {
  constructor(message: string) {
    super("not_configured", message);
  }
}
