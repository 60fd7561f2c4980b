// What an AutoLeanServer reports about itself: why it restarted a REPL, the events it emits for metrics and logs,
// and its counters since construction.

/** Why a REPL was restarted. */
export type RestartReason =
  "process-memory" | "container-memory" | "recycle" | "crash" | "timeout" | "not-running" | "abort";

/** Events an AutoLeanServer emits (for metrics and logs). */
export interface AutoLeanServerEvents {
  restart: [{ reason: RestartReason; detail: string }];
  crash: [{ code: string; message: string; attempt: number }];
  timeout: [{ timeoutMs: number }];
}

/** Counters of an AutoLeanServer since construction. */
export interface AutoLeanServerStats {
  /** Requests answered by a REPL. */
  requests: number;
  restarts: number;
  crashes: number;
  timeouts: number;
  /** Requests re-sent after their REPL died. */
  crashRetries: number;
  restartsByReason: Record<RestartReason, number>;
}

/** Counters at construction: everything zero. */
export function emptyStats(): AutoLeanServerStats {
  return {
    requests: 0,
    restarts: 0,
    crashes: 0,
    timeouts: 0,
    crashRetries: 0,
    restartsByReason: {
      "process-memory": 0,
      "container-memory": 0,
      recycle: 0,
      crash: 0,
      timeout: 0,
      "not-running": 0,
      abort: 0,
    },
  };
}

/** A copy of the counters that later counting does not change. */
export function copyStats(stats: AutoLeanServerStats): AutoLeanServerStats {
  return { ...stats, restartsByReason: { ...stats.restartsByReason } };
}
