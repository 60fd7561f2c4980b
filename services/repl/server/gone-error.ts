// Why a request failed when its REPL process went away: the kill reason LeanServer recorded (timeout, memory watchdog,
// abort, close, restart, stdout closed), else the exit itself (RLIMIT_AS's out-of-memory texts, or a crash).
import type { LeanReplConfig } from "../config.js";
import { ReplClosedError, ReplCrashedError, ReplMemoryLimitError, ReplTimeoutError } from "../errors.js";
import { addressSpaceLimitOf, type ReplProcess } from "../process/repl-process.js";

/** What was running when the process went away. */
export interface GoneRequest {
  timeoutMs: number;
  signal: AbortSignal | undefined;
  /** Tree RSS when the memory watchdog killed the process (null otherwise). */
  rssAtKill: number | null;
}

/** The error the running request fails with, by why its process is gone. */
export function goneError(process: ReplProcess, config: LeanReplConfig, request: GoneRequest): unknown {
  const tail = process.stderr.tail(config.stderrReportBytes);
  const exit = process.exit ?? { code: null, signal: null };
  const addressLimit = addressSpaceLimitOf(config);
  switch (process.killReason) {
    case "timeout":
      return new ReplTimeoutError(request.timeoutMs, tail);
    case "memory":
      return new ReplMemoryLimitError(config.memoryHardLimitMiB ?? 0, mib(request.rssAtKill), tail);
    case "abort":
      return request.signal?.reason ?? new DOMException("The request was aborted", "AbortError");
    case "close":
      return new ReplClosedError();
    case "restart":
      return new ReplCrashedError(exit.code, exit.signal, tail, "the REPL was restarted while the request ran");
    case "stdout-eof":
      return new ReplCrashedError(exit.code, exit.signal, tail, "the REPL closed its stdout");
    default:
      if (addressLimit !== null && OUT_OF_MEMORY.test(tail)) return new ReplMemoryLimitError(addressLimit, null, tail);
      return new ReplCrashedError(exit.code, exit.signal, tail);
  }
}

/** Stderr texts of a process that hit RLIMIT_AS (Lean's allocator, C++ runtimes, V8). */
const OUT_OF_MEMORY = /out of memory|std::bad_alloc|Cannot allocate memory|allocation failed|heap limit/i;

function mib(bytes: number | null): number | null {
  return bytes === null ? null : Math.round(bytes / (1024 * 1024));
}
