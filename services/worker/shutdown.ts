// Ordered shutdown of a worker: stop receiving (letting the current poll finish), let running jobs finish within a
// drain budget, abort and release the rest, then stop leases, protection, the REPL set and the health server.
import type { Logger } from "pino";

/** The parts shutdown acts on, in the order it acts. */
export interface ShutdownParts {
  /** Stop polling; resolves when the current poll finished and its messages were released. */
  stopReceiving(): Promise<void>;
  /** Promises of the jobs still running. */
  running(): Promise<unknown>[];
  /** Abort running jobs (each then releases its message). */
  abortJobs(): void;
  /** Remaining steps, run in order; a failing step is logged and the next one still runs. */
  steps: Array<[name: string, step: () => Promise<void> | void]>;
}

/** Grace given to aborted jobs to release their messages. @default 10000 */
export const ABORT_GRACE_MS = 10_000;

const sleep = (ms: number) => new Promise<"timeout">((r) => setTimeout(() => r("timeout"), ms).unref());

/** Run the shutdown sequence with `drainMs` for running jobs; resolves when everything is closed. */
export async function gracefulShutdown(parts: ShutdownParts, drainMs: number, logger: Logger): Promise<void> {
  const t0 = Date.now();
  const stopped = parts.stopReceiving();
  const jobs = parts.running();
  logger.info({ running: jobs.length, drainMs }, "shutdown: stopped receiving, draining running jobs");
  const drained = await Promise.race([Promise.allSettled(jobs).then(() => "drained" as const), sleep(drainMs)]);
  if (drained === "timeout") {
    const left = parts.running();
    logger.warn(
      { aborting: left.length },
      "shutdown: drain budget spent; aborting running jobs and releasing their messages",
    );
    parts.abortJobs();
    await Promise.race([Promise.allSettled(left), sleep(ABORT_GRACE_MS)]);
  }
  await stopped;
  for (const [name, step] of parts.steps) {
    try {
      await step();
    } catch (err) {
      logger.error({ err, step: name }, "shutdown step failed");
    }
  }
  logger.info({ ms: Date.now() - t0 }, "shutdown complete");
}

/**
 * Call `close` once on SIGTERM or SIGINT (and when stdin ends, if `exitWithParent`), then `exit(0)`; `exit(1)` if
 * close throws. A second signal while closing is logged and otherwise ignored: the drain budget bounds the wait.
 */
export function onTerminate(
  close: () => Promise<void>,
  opts: { logger: Logger; exitWithParent?: boolean; exit?: (code: number) => void },
): void {
  const exit = opts.exit ?? ((code: number) => process.exit(code));
  let closing = false;
  const handler = (why: string) => {
    if (closing) {
      opts.logger.warn({ why }, "shutdown already in progress");
      return;
    }
    closing = true;
    opts.logger.info({ why }, "shutdown requested");
    close().then(
      () => exit(0),
      (err) => {
        opts.logger.error({ err }, "shutdown failed");
        exit(1);
      },
    );
  };
  process.on("SIGTERM", () => handler("SIGTERM"));
  process.on("SIGINT", () => handler("SIGINT"));
  if (opts.exitWithParent) {
    // The supervisor holds our stdin; when it dies the pipe closes.
    process.stdin.on("end", () => handler("parent exited (stdin closed)"));
    process.stdin.on("error", () => handler("parent exited (stdin error)"));
    process.stdin.resume();
  }
}
