// Typed errors of the REPL layer. Each has a stable `code` (core's typed union); across process or queue boundaries
// match on `code`, never on `instanceof` (the class does not survive JSON).
import { LeanFleetError } from "../core/index.js";

export { LeanFleetError };

/** A request that the REPL would crash on, or that names an unknown field/kind; it never reaches a REPL. */
export class InvalidRequestError extends LeanFleetError {
  /** Path of the offending field, e.g. `env` or `setOptions[0][1]`; empty for the whole request. */
  readonly field: string;
  constructor(field: string, message: string) {
    super("invalid_request", field ? `${field}: ${message}` : message, { field });
    this.field = field;
  }
}

/** The request ran longer than its `timeoutMs`; the REPL's whole process tree was killed. */
export class ReplTimeoutError extends LeanFleetError {
  constructor(
    readonly timeoutMs: number,
    stderrTail = "",
  ) {
    super("repl_timeout", `the REPL did not answer within timeoutMs=${timeoutMs}; its process tree was killed`, {
      timeoutMs,
      stderrTail,
    });
  }
}

/** The REPL process ended (or closed stdout) while a request was outstanding, or before one was sent. */
export class ReplCrashedError extends LeanFleetError {
  constructor(
    readonly exitCode: number | null,
    readonly signal: string | null,
    readonly stderrTail: string,
    reason = "the REPL process exited",
  ) {
    super(
      "repl_crashed",
      `${reason} (exit code ${exitCode ?? "none"}, signal ${signal ?? "none"})${stderrTail ? `; stderr tail: ${stderrTail.slice(-300)}` : ""}`,
      { exitCode, signal, stderrTail },
    );
  }
}

/** The REPL's process tree passed its memory limit and was killed (RLIMIT_AS failure or RSS watchdog). */
export class ReplMemoryLimitError extends LeanFleetError {
  constructor(
    readonly limitMiB: number,
    readonly rssMiB: number | null,
    stderrTail = "",
  ) {
    super(
      "repl_memory_limit",
      `the REPL passed its memory limit of ${limitMiB} MiB${rssMiB === null ? "" : ` (RSS ${rssMiB} MiB)`}; raise memoryHardLimitMiB or split the input`,
      { limitMiB, rssMiB, stderrTail },
    );
  }
}

/** The REPL wrote something that is not a protocol response; the session is treated as corrupted. */
export class ReplProtocolError extends LeanFleetError {
  constructor(
    message: string,
    readonly raw: string,
  ) {
    super("repl_protocol", message, { raw: raw.slice(0, 500) });
  }
}

/** The server was closed (or is closing) and cannot take requests. */
export class ReplClosedError extends LeanFleetError {
  constructor(what = "LeanServer") {
    super("repl_closed", `${what} is closed; create a new one`);
  }
}

/** Memory stayed over its threshold through every restart attempt (LeanInteract raises MemoryError here). */
export class ReplRestartExhaustedError extends LeanFleetError {
  constructor(attempts: number, reason: string) {
    super(
      "repl_restart_exhausted",
      `gave up after ${attempts} restart attempts: ${reason}; raise the memory limits or lower the REPL count`,
      {
        attempts,
        reason,
      },
    );
  }
}

/** No REPL became free within the pool's bounded wait. */
export class PoolExhaustedError extends LeanFleetError {
  constructor(waitedMs: number, queued: number) {
    super(
      "pool_exhausted",
      `no REPL became free within ${waitedMs} ms (${queued} requests waiting); retry later or raise the pool size`,
      {
        waitedMs,
        queued,
      },
    );
  }
}

/** A handle that no cache of this process knows and that carries no chain to rebuild it. */
export class UnknownHandleError extends LeanFleetError {
  constructor(
    readonly handle: string,
    field: string,
  ) {
    super(
      "unknown_handle",
      `${field}: unknown handle ${JSON.stringify(handle)}; pass a handle returned by a request run with keep=true (with its chain), or a fresh command`,
      {
        handle,
        field,
      },
    );
  }
}

/** The REPL or the Lean project could not be found or set up; the message says what is missing and how to install it. */
export class ReplSetupError extends LeanFleetError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super("repl_setup", message, details);
  }
}

/** Errors after which a REPL must not be reused (its state is gone or unknown). */
export function isFatalReplError(err: unknown): boolean {
  return (
    err instanceof ReplTimeoutError ||
    err instanceof ReplCrashedError ||
    err instanceof ReplMemoryLimitError ||
    err instanceof ReplProtocolError
  );
}
