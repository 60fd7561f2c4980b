// The public shapes of the REPL set: requests that may name handles, and run outcomes as data.
import type { ReplRequest, ReplResponse } from "../protocol/protocol.js";
import type { SourceSplit } from "../reuse/command-split.js";

/**
 * A state handle: a stable, content-addressed name for an environment (`env_…`) or a proof state (`ps_…`) that
 * outlives REPL processes. It is a hash of its parent handle(s) and the canonical request that produced it.
 */
export type Handle = string;

/** Handle prefixes; a handle is the prefix followed by 32 lowercase hex digits. */
export const HANDLE_PATTERN = /^(env|ps)_[0-9a-f]{32}$/;

/** True when `value` is syntactically a handle. */
export function isHandle(value: unknown): value is Handle {
  return typeof value === "string" && HANDLE_PATTERN.test(value);
}

/** Replace the id fields of a wire request by "raw id or handle". */
type WithHandles<T> = {
  [K in keyof T]: K extends "env" | "proofState" ? (T[K] extends number | undefined ? T[K] | Handle : T[K]) : T[K];
};

/** A REPL request whose `env` / `proofState` may be a handle in place of a raw per-process id. */
export type LeanRequest = ReplRequest extends infer R ? (R extends unknown ? WithHandles<R> : never) : never;

/** How a handle's state is picked out of the response to the request that made it. */
export type HandleSelect =
  { kind: "env" } | { kind: "proofState" } | { kind: "sorry"; index: number } | { kind: "tactic"; index: number };

/** One link of a handle's chain: enough to rebuild the state on any REPL by replaying the request. */
export interface HandleRecord {
  handle: Handle;
  /** The request that produced the state; its `env` / `proofState` are handles (or absent), never raw ids. */
  request: LeanRequest;
  select: HandleSelect;
}

/** Which scheduling rule chose the REPL for a request. */
export type ScheduleRule = "handle" | "prefix" | "header" | "idle" | "evict" | "any";

/** Status of a REPL run, as data. `ok` means the REPL answered (the answer may hold Lean errors). */
export type RunStatus = "ok" | "timeout" | "crashed" | "rejected";

/** What one run through the REPL set produced. Expected outcomes are data; only bugs throw. */
export interface RunOutcome {
  status: RunStatus;
  /** The REPL's answer (ids replaced by handles when run with `keep`). Present when status is `ok`. */
  response?: ReplResponse;
  /** Typed error data when status is not `ok`: `{code, message, details}`. */
  error?: { code: string; message: string; details?: Record<string, unknown> };
  /** Handle records created by this run (with `keep`), each carrying its chain link. */
  handles?: HandleRecord[];
  /** Wall time spent in the REPL for the final attempt, including replay of missing handles. */
  durationMs: number;
  /** How many times the request was sent (crash retries count). */
  attempts: number;
  /** Characters of the command already elaborated on the chosen REPL (prefix reuse). */
  reusedChars: number;
  /** Which rule chose the REPL. */
  rule: ScheduleRule;
  /** Identifier of the REPL that ran it (stable across its restarts), e.g. `repl-2`. */
  replId: string;
  /** Peak RSS of the REPL process tree observed during the run, in bytes (null when not sampled). */
  peakRssBytes: number | null;
  /** True when the REPL is the test double, not Lean: never present a simulated answer as a Lean verdict. */
  simulated: boolean;
}

/** A RunOutcome whose unset fields take their neutral values: no time, no attempts, no reuse, rule `any`, no RSS. */
export function runOutcome(
  fields: Partial<RunOutcome> & Pick<RunOutcome, "status" | "replId" | "simulated">,
): RunOutcome {
  return { durationMs: 0, attempts: 0, reusedChars: 0, rule: "any", peakRssBytes: null, ...fields };
}

/** Per-request options for the REPL set. */
export interface RunOptions {
  /** Kill the REPL and report `timeout` after this long. @default - the config's defaultTimeoutMs */
  timeoutMs?: number;
  /** Return handles for the states this request creates. @default false */
  keep?: boolean;
  /** Handle records the caller carries (e.g. from a job payload) so that this REPL set can rebuild them. */
  chain?: HandleRecord[];
  /** Abort waiting and running. */
  signal?: AbortSignal;
  /**
   * splitSource(request.cmd), when the caller already made it (ReplPool does), so that the text is parsed once per
   * request: the server reuses it where it needs the text's header (parallel elaboration on the upstream REPL).
   */
  split?: SourceSplit;
}

/** The interface the worker (and anything else) uses to run Lean: implemented by `ReplPool`. */
export interface ReplRunner {
  run(request: LeanRequest, options?: RunOptions): Promise<RunOutcome>;
  /** REPL count and how many are alive / busy right now. */
  stats(): { size: number; alive: number; busy: number; restarts: number };
  close(): Promise<void>;
}

/** Per-request options of {@link LeanServer.run}. */
export interface ServerRunOptions {
  /** @default - config.defaultTimeoutMs */
  timeoutMs?: number;
  /** Aborting kills the REPL (there is no in-protocol cancel) and rejects with the signal's reason. */
  signal?: AbortSignal;
}

/** A REPL answer (an error-shaped answer such as `Unknown environment.` is data) with its cost. */
export interface ServerRunResult {
  response: ReplResponse;
  /** From writing the request to reading the full response. */
  durationMs: number;
  /** Highest process-tree RSS sampled by the watchdog during the request; null when it ended before a sample. */
  peakRssBytes: number | null;
}
