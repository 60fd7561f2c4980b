// LeanServer: one REPL process in its own process group, one request at a time (concurrent callers queue FIFO), with
// per-request timeouts and an RSS watchdog that kill the whole group, and stderr always drained into a ring buffer.
import { performance } from "node:perf_hooks";
import type { LeanReplConfig } from "../config.js";
import type { ReplCommand } from "../process/command.js";
import { resolveReplCommand, type LookupOptions } from "../setup/detect.js";
import { ReplClosedError, ReplCrashedError } from "../errors.js";
import { decodeResponseFast, encodeRequestFast } from "../protocol/fast-codec.js";
import { processTreeRss } from "../process/memory.js";
import { ResponseSplitter, type ReplRequest, type ReplResponse } from "../protocol/protocol.js";
import type { ServerRunOptions, ServerRunResult } from "./outcome.js";
import { ReplProcess } from "../process/repl-process.js";
import { goneError } from "./gone-error.js";
import { armDeadline, sampleRss, type Pending, type Proc } from "./running-request.js";

/** Construction options of {@link LeanServer}. */
export interface LeanServerOptions extends LookupOptions {
  /** A resolved command line; @default - resolveReplCommand(config) at each start */
  command?: ReplCommand;
}

/** A request waiting for (or holding) the REPL. */
interface Job {
  encoded: string;
  opts: ServerRunOptions;
  resolve(r: ServerRunResult): void;
  reject(e: unknown): void;
  /** Removes the "abort while queued" listener once the job leaves the queue (a job that never queued has none). */
  dequeued(): void;
}

/** One REPL process. Errors are typed (timeout, crash, memory, protocol); REPL-level error answers are data. */
export class LeanServer {
  readonly #config: LeanReplConfig;
  readonly #opts: LeanServerOptions;
  #proc: Proc | null = null;
  readonly #queue: Job[] = [];
  #running = false;
  #closing: Promise<void> | null = null;
  #starting: Promise<void> | null = null;
  #served = 0;

  constructor(config: LeanReplConfig, opts: LeanServerOptions = {}) {
    this.#config = config;
    this.#opts = opts;
  }

  /** The configuration this server runs. */
  get config(): LeanReplConfig {
    return this.#config;
  }
  /** Pid of the current REPL process (leader of its process group), or null. */
  get pid(): number | null {
    return this.#proc?.process.pid ?? null;
  }
  /** True while the REPL process runs. */
  get isAlive(): boolean {
    return this.#proc !== null && this.#proc.process.alive;
  }
  /** Requests answered by the current process (reset at each start). */
  get requestsServed(): number {
    return this.#served;
  }
  /** Last bytes of the current (or last) REPL process's stderr, @default - config.stderrReportBytes */
  stderrTail(bytes = this.#config.stderrReportBytes): string {
    return this.#proc?.process.stderr.tail(bytes) ?? "";
  }
  /** Current RSS of the REPL's process tree, in bytes (0 when not running). */
  async memoryUsageBytes(): Promise<number> {
    return this.isAlive ? (await processTreeRss(this.#proc!.process.pid)).rssBytes : 0;
  }

  /** Spawn the REPL if it is not running. Throws ReplSetupError when it cannot be found or spawned. */
  start(): Promise<void> {
    if (this.#closing) return Promise.reject(new ReplClosedError());
    if (this.isAlive) return Promise.resolve();
    this.#starting ??= this.#spawn().finally(() => (this.#starting = null));
    return this.#starting;
  }

  /** Stop the current process (all REPL state is lost) and spawn a new one. */
  async restart(): Promise<void> {
    if (this.#proc) await this.#proc.process.stop("restart");
    await this.start();
  }

  /**
   * Send one request and wait for its answer. Requests are validated first (InvalidRequestError, nothing sent) and
   * run one at a time in call order. Rejects with ReplTimeoutError, ReplCrashedError, ReplMemoryLimitError or
   * ReplProtocolError, after which the process is dead (call restart()).
   */
  run(request: ReplRequest, opts: ServerRunOptions = {}): Promise<ServerRunResult> {
    if (this.#closing) return Promise.reject(new ReplClosedError());
    let encoded: string;
    try {
      encoded = encodeRequestFast(request);
    } catch (err) {
      return Promise.reject(err);
    }
    return new Promise<ServerRunResult>((resolve, reject) => {
      const job: Job = { encoded, opts, resolve, reject, dequeued: () => undefined };
      if (!this.#running) return this.#begin(job); // the usual case (one caller, or a pool's lease): no queue
      // A queued request whose signal aborts leaves the queue at once; a running one kills the REPL (see #exec).
      const onQueuedAbort = () => {
        const at = this.#queue.indexOf(job);
        if (at >= 0) this.#queue.splice(at, 1);
        reject(opts.signal!.reason);
      };
      job.dequeued = () => opts.signal?.removeEventListener("abort", onQueuedAbort);
      opts.signal?.addEventListener("abort", onQueuedAbort, { once: true });
      this.#queue.push(job);
    });
  }

  /** Kill the process group (SIGTERM, then SIGKILL after killGraceMs) and refuse further requests. Idempotent. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      await this.#starting?.catch(() => undefined);
      if (this.#proc) await this.#proc.process.stop("close");
    })();
    return this.#closing;
  }

  async #spawn(): Promise<void> {
    const command = this.#opts.command ?? resolveReplCommand(this.#config, this.#opts);
    const handlers = { onStdout: (chunk: Buffer) => this.#onStdout(proc, chunk), onGone: () => this.#onGone(proc) };
    const spawned = await ReplProcess.spawn(command, this.#config, handlers, (this.#opts.env ?? process.env).PATH);
    const proc: Proc = {
      process: spawned,
      splitter: new ResponseSplitter(),
      pending: null,
      watchdog: setInterval(
        () => sampleRss(proc, this.#config.memoryHardLimitMiB),
        this.#config.rssSampleIntervalMs,
      ).unref(),
      deadline: null,
      deadlineMs: 0,
      rssAtKill: null,
    };
    this.#proc = proc;
    this.#served = 0;
  }

  #onStdout(proc: Proc, chunk: Buffer): void {
    for (const text of proc.splitter.push(chunk)) {
      const pending = proc.pending;
      if (pending === null || proc.process.killReason !== null) {
        if (proc.process.killReason === null) proc.process.terminate("protocol", "SIGKILL"); // unsolicited output
        continue;
      }
      let response: ReplResponse;
      try {
        response = decodeResponseFast(text);
      } catch (err) {
        proc.pending = null;
        proc.process.terminate("protocol", "SIGKILL");
        pending.fail(err);
        continue;
      }
      proc.pending = null;
      this.#served++;
      pending.done(response);
    }
  }

  /** Run the next queued request, if any. Exactly one request holds the REPL at a time. */
  #next(): void {
    const job = this.#queue.shift();
    this.#running = job !== undefined;
    if (job === undefined) return;
    job.dequeued();
    this.#begin(job);
  }

  /** Give the REPL to `job`, spawning it first when there is no process. */
  #begin(job: Job): void {
    this.#running = true;
    if (this.#proc === null && !this.#closing) {
      this.start().then(
        () => this.#exec(job),
        (err: unknown) => {
          job.reject(err);
          this.#next();
        },
      );
    } else {
      this.#exec(job);
    }
  }

  #exec(job: Job): void {
    const { opts } = job;
    const proc = this.#proc;
    let refusal: unknown = null;
    if (this.#closing) refusal = new ReplClosedError();
    else if (opts.signal?.aborted) refusal = opts.signal.reason;
    else if (proc === null || !proc.process.alive || proc.process.killReason !== null) {
      const exit = proc?.process.exit;
      refusal = new ReplCrashedError(
        exit?.code ?? null,
        exit?.signal ?? null,
        this.stderrTail(),
        "the REPL is not running (it ended before this request; restart it)",
      );
    }
    if (refusal !== null) {
      job.reject(refusal);
      return this.#next();
    }
    const running = proc!;
    const timeoutMs = opts.timeoutMs ?? this.#config.defaultTimeoutMs;
    armDeadline(running, timeoutMs);
    const onAbort = () => running.process.terminate("abort", "SIGKILL");
    opts.signal?.addEventListener("abort", onAbort, { once: true });
    const finish = () => {
      opts.signal?.removeEventListener("abort", onAbort);
      this.#next();
    };
    const startedAt = performance.now();
    const pending: Pending = {
      startedAt,
      timeoutMs,
      signal: opts.signal,
      peakRssBytes: null,
      fail: (e) => {
        job.reject(e);
        finish();
      },
      done: (response) => {
        job.resolve({ response, durationMs: performance.now() - startedAt, peakRssBytes: pending.peakRssBytes });
        finish();
      },
    };
    running.pending = pending;
    running.process.write(job.encoded);
  }

  /** The process is gone: stop its timers; the outstanding request (if any) fails with the error matching why. */
  #onGone(proc: Proc): void {
    clearInterval(proc.watchdog);
    if (proc.deadline) clearTimeout(proc.deadline);
    const pending = proc.pending;
    if (pending === null) return;
    proc.pending = null;
    pending.fail(
      goneError(proc.process, this.#config, {
        timeoutMs: pending.timeoutMs,
        signal: pending.signal,
        rssAtKill: proc.rssAtKill,
      }),
    );
  }
}
