// AutoLeanServer: a LeanServer kept healthy. It restarts the REPL before memory limits are hit (with backoff),
// after crashes (retrying the request that died) and after N requests, resolves state handles, and returns data.
import { EventEmitter } from "node:events";
import { performance } from "node:perf_hooks";
import { setTimeout as delay } from "node:timers/promises";
import { augmentContextOf, augmentForRepl, type AugmentContext } from "./augment.js";
import type { LeanReplConfig } from "../config.js";
import { resolveIncrementalitySupport } from "../setup/detect.js";
import {
  InvalidRequestError,
  LeanFleetError,
  ReplClosedError,
  ReplCrashedError,
  ReplMemoryLimitError,
  ReplProtocolError,
  ReplRestartExhaustedError,
  ReplSetupError,
  ReplTimeoutError,
  UnknownHandleError,
} from "../errors.js";
import { LeanServer, type LeanServerOptions } from "./lean-server.js";
import {
  copyStats,
  emptyStats,
  type AutoLeanServerEvents,
  type AutoLeanServerStats,
  type RestartReason,
} from "./auto-lean-server-stats.js";
import { healthCheck, recycleDue, systemMemoryProbe, type MemoryProbe } from "./memory-probe.js";
import { runOutcome, type Handle, type LeanRequest, type RunOptions, type RunOutcome } from "./outcome.js";
import type { ReplRequest, ReplResponse } from "../protocol/protocol.js";
import { checkRequest } from "./request-check.js";
import {
  canonicalRequest,
  HandleReplayError,
  recordsFor,
  resolveHandles,
  rewriteResponse,
  SessionCache,
  statesOf,
} from "./session-handles.js";

/** Construction options of {@link AutoLeanServer}. */
export interface AutoLeanServerOptions extends LeanServerOptions {
  /** Name in outcomes and logs, stable across restarts. @default "repl-0" */
  id?: string;
  /** Handle chains, shared with other servers of the process. @default - a new SessionCache */
  cache?: SessionCache;
  /** @default systemMemoryProbe */
  memory?: MemoryProbe;
  /** Whether the REPL understands `incrementality`. @default - resolveIncrementalitySupport(config) */
  replSupportsIncrementality?: boolean;
}

/** What a try that crashed within the retry budget returns: run the request again on the restarted REPL. */
const RETRY: unique symbol = Symbol("retry");

/** A supervised REPL: `run` never throws for expected outcomes (timeout, crash, rejected are statuses). */
export class AutoLeanServer extends EventEmitter<AutoLeanServerEvents> {
  readonly id: string;
  readonly cache: SessionCache;
  readonly #config: LeanReplConfig;
  readonly #server: LeanServer;
  readonly #memory: MemoryProbe;
  readonly #augment: AugmentContext;
  /** This REPL process's handle → id map; dropped at every restart. */
  readonly #ids = new Map<Handle, number>();
  readonly #stats: AutoLeanServerStats = emptyStats();
  #tail: Promise<unknown> = Promise.resolve();
  #queued = 0;
  #started = false;
  #closed = false;

  constructor(config: LeanReplConfig, opts: AutoLeanServerOptions = {}) {
    super();
    this.#config = config;
    this.id = opts.id ?? "repl-0";
    this.cache = opts.cache ?? new SessionCache({ maxRecords: config.handleCacheMaxRecords });
    this.#memory = opts.memory ?? systemMemoryProbe;
    this.#server = new LeanServer(config, opts);
    this.#augment = augmentContextOf(
      config,
      opts.replSupportsIncrementality ?? resolveIncrementalitySupport(config, opts),
    );
  }

  /** Pid of the current REPL process, or null. */
  get pid(): number | null {
    return this.#server.pid;
  }
  /** True while the REPL process runs. */
  get isAlive(): boolean {
    return this.#server.isAlive;
  }
  /**
   * True when the REPL has served config.maxRequestsPerRepl requests: it is recycled before its next request (a
   * pool recycles it as soon as the lease ends, and re-warms it).
   */
  get recycleDue(): boolean {
    return recycleDue(this.#config, this.#server.requestsServed);
  }
  /** Requests running or waiting on this server. */
  get pendingRequests(): number {
    return this.#queued;
  }
  /** True when this REPL process holds the state of `handle` (no replay needed). */
  holds(handle: Handle): boolean {
    return this.#ids.has(handle);
  }
  /** Last bytes of the REPL's stderr. */
  stderrTail(bytes?: number): string {
    return this.#server.stderrTail(bytes);
  }
  /** A copy of the counters. */
  stats(): AutoLeanServerStats {
    return copyStats(this.#stats);
  }

  /** Spawn the REPL now (otherwise the first request does). */
  async start(): Promise<void> {
    await this.#server.start();
    this.#started = true;
  }

  /** Stop the REPL and refuse further requests (they come back `rejected` with code repl_closed). Idempotent. */
  close(): Promise<void> {
    this.#closed = true;
    return this.#server.close();
  }

  /** Force a restart now (all REPL state is lost; handles are rebuilt on demand). */
  async restart(reason: RestartReason = "not-running"): Promise<void> {
    await this.#restart(reason, "requested");
  }

  /**
   * Run one request (its `env` / `proofState` may be handles). Requests on one server run one at a time, in order.
   * Aborting `options.signal` kills the REPL and rejects with the signal's reason; everything else is an outcome.
   */
  run(request: LeanRequest, options: RunOptions = {}): Promise<RunOutcome> {
    // A pool leases a server to one request at a time, so under the pool (and for a lone caller) the request starts
    // at once; only concurrent callers of a standalone server wait here, in call order.
    const idle = this.#queued === 0;
    this.#queued++;
    const task = (idle ? this.#run(request, options) : this.#tail.then(() => this.#run(request, options))).finally(
      () => this.#queued--,
    );
    this.#tail = task.catch(() => undefined);
    return task;
  }

  #outcome(fields: Partial<RunOutcome> & Pick<RunOutcome, "status">): RunOutcome {
    return runOutcome({ replId: this.id, simulated: this.#config.simulated, ...fields });
  }

  #failure(status: RunOutcome["status"], err: LeanFleetError, fields: Partial<RunOutcome> = {}): RunOutcome {
    return this.#outcome({ ...fields, status, error: err.toJSON() });
  }

  async #run(request: LeanRequest, options: RunOptions): Promise<RunOutcome> {
    if (this.#closed) return this.#failure("rejected", new ReplClosedError("AutoLeanServer"));
    options.signal?.throwIfAborted();
    try {
      checkRequest(request, options);
      if (options.chain) this.cache.import(options.chain);
    } catch (err) {
      if (err instanceof InvalidRequestError) return this.#failure("rejected", err);
      throw err;
    }
    const timeoutMs = options.timeoutMs ?? this.#config.defaultTimeoutMs;
    let attempts = 0;
    for (;;) {
      let rssBefore: number | null;
      try {
        rssBefore = await this.#ensureReady();
      } catch (err) {
        if (err instanceof ReplRestartExhaustedError || err instanceof ReplSetupError)
          return this.#failure("crashed", err, { attempts });
        if (err instanceof ReplClosedError) return this.#failure("rejected", err, { attempts });
        throw err;
      }
      attempts++;
      const outcome = await this.#attempt(request, options, timeoutMs, attempts, rssBefore);
      if (outcome !== RETRY) return outcome;
    }
  }

  /** One try on the current process: replay the handles' chains, send the request, record the new handles. */
  async #attempt(
    request: LeanRequest,
    options: RunOptions,
    timeoutMs: number,
    attempts: number,
    rssBefore: number | null,
  ): Promise<RunOutcome | typeof RETRY> {
    const t0 = performance.now();
    let peak = rssBefore;
    const known =
      options.split !== undefined && "cmd" in request ? { text: request.cmd, split: options.split } : undefined;
    const send = async (r: ReplRequest): Promise<ReplResponse> => {
      const augmented = augmentForRepl(r, this.#augment, known);
      const result = await this.#server.run(augmented.request, {
        timeoutMs,
        ...(options.signal ? { signal: options.signal } : {}),
      });
      if (result.peakRssBytes !== null) peak = Math.max(peak ?? 0, result.peakRssBytes);
      return augmented.restore(result.response);
    };
    try {
      const resolved = await resolveHandles(request, this.#ids, this.cache, send);
      let response = await send(resolved);
      this.#stats.requests++;
      const base = { attempts, durationMs: performance.now() - t0, peakRssBytes: peak };
      if (!options.keep || response.kind === "error") return this.#outcome({ ...base, status: "ok", response });
      // recordsFor lists the states in statesOf order, so record i names state i.
      const handles = recordsFor(request, response);
      statesOf(response).forEach((s, i) => this.#ids.set(handles[i]!.handle, s.id));
      this.cache.add(handles);
      response = rewriteResponse(response, canonicalRequest(request));
      return this.#outcome({ ...base, status: "ok", response, handles });
    } catch (err) {
      if (err instanceof ReplMemoryLimitError && err.rssMiB !== null)
        peak = Math.max(peak ?? 0, err.rssMiB * 1024 * 1024);
      return this.#afterFailure(
        err,
        { attempts, durationMs: performance.now() - t0, peakRssBytes: peak },
        timeoutMs,
        options,
      );
    }
  }

  /**
   * The outcome of a try that threw: rejected, timeout (the REPL restarted), crashed (restarted), or RETRY for a
   * crash within maxCrashRetries. Anything else (a bug, the caller's abort) is rethrown.
   */
  async #afterFailure(
    err: unknown,
    fields: Partial<RunOutcome> & { attempts: number },
    timeoutMs: number,
    options: RunOptions,
  ): Promise<RunOutcome | typeof RETRY> {
    if (err instanceof UnknownHandleError || err instanceof HandleReplayError || err instanceof InvalidRequestError) {
      return this.#failure("rejected", err, fields);
    }
    if (err instanceof ReplClosedError) return this.#failure("rejected", err, fields);
    if (err instanceof ReplTimeoutError) {
      this.#stats.timeouts++;
      this.emit("timeout", { timeoutMs });
      await this.#restart("timeout", err.message).catch(() => undefined); // a failed restart is retried before the next request
      return this.#failure("timeout", err, fields);
    }
    if (err instanceof ReplCrashedError || err instanceof ReplMemoryLimitError || err instanceof ReplProtocolError) {
      this.#stats.crashes++;
      this.emit("crash", { code: err.code, message: err.message, attempt: fields.attempts });
      await this.#restart("crash", err.message).catch(() => undefined);
      if (fields.attempts <= this.#config.maxCrashRetries && !this.#closed) {
        this.#stats.crashRetries++;
        return RETRY;
      }
      return this.#failure("crashed", err, fields);
    }
    if (options.signal?.aborted && !this.#server.isAlive)
      await this.#restart("abort", "the caller aborted").catch(() => undefined);
    throw err;
  }

  /**
   * Make the REPL fit to take a request: started, under both memory thresholds, under the request count. Restarts
   * the first time at once, then with exponential backoff (restartBackoffMs x 1, 2, 4, ...), at most
   * maxRestartAttempts times, then throws ReplRestartExhaustedError. Returns the RSS sampled (null if none).
   */
  async #ensureReady(): Promise<number | null> {
    let lastReason = "";
    if (!this.#started) await this.start();
    for (let attempt = 0; ; attempt++) {
      let reason: [RestartReason, string] = ["not-running", "the REPL was not running"];
      if (this.#server.isAlive) {
        const check = await healthCheck(this.#config, this.#memory, this.#server.pid!, this.#server.requestsServed);
        if (check.reason === null) return check.rssBytes;
        reason = check.reason;
      }
      if (attempt >= this.#config.maxRestartAttempts)
        throw new ReplRestartExhaustedError(attempt, reason[1] || lastReason);
      if (attempt > 0) await delay(this.#config.restartBackoffMs * 2 ** (attempt - 1));
      if (this.#closed) throw new ReplClosedError("AutoLeanServer");
      lastReason = reason[1];
      await this.#restart(reason[0], reason[1]);
    }
  }

  async #restart(reason: RestartReason, detail: string): Promise<void> {
    this.#ids.clear();
    this.#stats.restarts++;
    this.#stats.restartsByReason[reason]++;
    this.emit("restart", { reason, detail });
    await this.#server.restart();
    this.#started = true;
  }
}
