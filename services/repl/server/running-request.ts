// The request running on a LeanServer's process and its two guards: the deadline (one timer per process, re-armed
// for each request) and the RSS watchdog's sample, both of which kill the process group when they trip.
import { performance } from "node:perf_hooks";
import { processTreeRss } from "../process/memory.js";
import type { ReplProcess } from "../process/repl-process.js";
import type { ResponseSplitter, ReplResponse } from "../protocol/protocol.js";

/** The request that holds the REPL now. */
export interface Pending {
  startedAt: number;
  timeoutMs: number;
  signal: AbortSignal | undefined;
  peakRssBytes: number | null;
  done(response: ReplResponse): void;
  fail(err: unknown): void;
}

/** A spawned process plus the request state tied to its lifetime. */
export interface Proc {
  process: ReplProcess;
  splitter: ResponseSplitter;
  pending: Pending | null;
  /** Samples the tree's RSS while a request runs (one interval per process, not per request). */
  watchdog: NodeJS.Timeout;
  /** The running request's deadline: one timer per process, re-armed (refresh) for each request. */
  deadline: NodeJS.Timeout | null;
  deadlineMs: number;
  rssAtKill: number | null;
}

/**
 * Arm the running request's deadline. Reusing one timer per process (refresh() when the duration repeats) keeps
 * the hot path free of timer allocation; a fire is checked against the request that is running now.
 */
export function armDeadline(proc: Proc, timeoutMs: number): void {
  if (proc.deadline !== null && proc.deadlineMs === timeoutMs) {
    proc.deadline.refresh();
    return;
  }
  if (proc.deadline !== null) clearTimeout(proc.deadline);
  proc.deadlineMs = timeoutMs;
  proc.deadline = setTimeout(() => {
    const pending = proc.pending;
    if (pending === null) return;
    const left = pending.timeoutMs - (performance.now() - pending.startedAt);
    if (left <= 1) proc.process.terminate("timeout", "SIGTERM");
    else armDeadline(proc, Math.ceil(left)); // fired for an earlier request's schedule: wait out the rest
  }, timeoutMs).unref(); // the child's pipes keep the event loop alive while a request runs
}

/** Watchdog tick: sample the tree's RSS while a request runs; over `limitMiB` (null: no limit), kill the tree. */
export function sampleRss(proc: Proc, limitMiB: number | null): void {
  const pending = proc.pending;
  if (pending === null || !proc.process.alive || proc.process.killReason !== null) return;
  void processTreeRss(proc.process.pid).then(({ rssBytes }) => {
    if (proc.pending !== pending || !proc.process.alive) return;
    pending.peakRssBytes = Math.max(pending.peakRssBytes ?? 0, rssBytes);
    if (limitMiB !== null && rssBytes > limitMiB * 1024 * 1024) {
      proc.rssAtKill = rssBytes;
      proc.process.terminate("memory", "SIGKILL");
    }
  });
}
