// ReplPool: the supervised REPL set. N AutoLeanServers leased one request at a time through `withRepl`, chosen by a
// scheduling policy (prefix / handle / header affinity by default), with a bounded wait queue for back-pressure.
/**
 * Imports are cached per REPL process: the fork caches every import header it processed (`incrementality`), and
 * with the upstream REPL the pool keeps each header's environment (a handle) per REPL. Neither sees a rebuilt
 * `.olean` until the process restarts, so after a project's build changes call `invalidateProject()`: it restarts
 * the pool's REPLs (busy ones when their request ends), dropping their prefix index entries and re-warming them.
 */
import { resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { AutoLeanServer } from "../server/auto-lean-server.js";
import type { LeanReplConfig } from "../config.js";
import { CostEstimates } from "./cost-estimates.js";
import {
  InvalidRequestError,
  isFatalReplError,
  LeanFleetError,
  PoolExhaustedError,
  ReplClosedError,
} from "../errors.js";
import { headerKey, splitSource, type SourceSplit } from "../reuse/command-split.js";
import { importHeaderKey } from "../reuse/header-split.js";
import { describeWaiter, LeaseQueue } from "./lease-queue.js";
import {
  runOutcome,
  type LeanRequest,
  type ReplRunner,
  type RunOptions,
  type RunOutcome,
  type ScheduleRule,
} from "../server/outcome.js";
import {
  defaultPoolSize,
  POOL_DEFAULTS,
  type LeaseOptions,
  type PoolStats,
  type ReplLease,
  type ReplPoolOptions,
} from "./pool-options.js";
import { poolIncrementalitySupport, poolMode, poolPolicy, type PoolMode } from "./pool-mode.js";
import { PoolSlot, runOnSlot } from "./pool-slot.js";
import { PrefixIndex } from "../reuse/prefix-index.js";
import type { SchedulingPolicy } from "./scheduling.js";
import { parentHandles, rawIdField, SessionCache } from "../server/session-handles.js";

/** The supervised REPL set; implements {@link ReplRunner} for the worker. */
export class ReplPool implements ReplRunner {
  readonly config: LeanReplConfig;
  readonly policy: SchedulingPolicy;
  readonly index: PrefixIndex;
  readonly cache: SessionCache;
  /** Measured costs (time per request, per character, per header load) that affinity waiting weighs. */
  readonly costs = new CostEstimates();
  readonly #slots: PoolSlot[];
  readonly #mode: PoolMode;
  readonly #queue: LeaseQueue;
  readonly #rules: Record<ScheduleRule, number> = { handle: 0, prefix: 0, header: 0, idle: 0, evict: 0, any: 0 };
  #reusedChars = 0;
  #starting: Promise<unknown[]> | null = null;
  #closing: Promise<void> | null = null;

  constructor(config: LeanReplConfig, opts: ReplPoolOptions = {}) {
    this.config = config;
    const size = opts.size ?? defaultPoolSize({ perReplMemoryMiB: config.memoryHardLimitMiB });
    if (!Number.isInteger(size) || size < 1)
      throw new InvalidRequestError("size", `must be a positive integer, got ${size}`);
    this.policy = poolPolicy(opts);
    this.index = new PrefixIndex(opts.indexBudgetBytes !== undefined ? { budgetBytes: opts.indexBudgetBytes } : {});
    this.cache = opts.cache ?? new SessionCache({ maxRecords: config.handleCacheMaxRecords });
    const supportsIncrementality = poolIncrementalitySupport(config, opts);
    this.#mode = poolMode(config, this.policy, opts, supportsIncrementality);
    this.#slots = Array.from({ length: size }, (_, i) => {
      const server = new AutoLeanServer(config, {
        ...opts.server,
        replSupportsIncrementality: supportsIncrementality,
        id: `repl-${i}`,
        cache: this.cache,
      });
      return new PoolSlot(i, server, this.index);
    });
    this.#queue = this.#leaseQueue(opts);
  }

  /** The wait queue: it sees waiting requests through the index and costs, and marks leased REPLs. */
  #leaseQueue(opts: ReplPoolOptions): LeaseQueue {
    const limits = {
      maxWaitMs: opts.maxWaitMs ?? POOL_DEFAULTS.maxWaitMs,
      maxQueued: opts.maxQueued ?? POOL_DEFAULTS.maxQueued,
    };
    const view = { index: this.index, incrementality: this.#mode.incrementality, costs: this.costs };
    return new LeaseQueue(this.#slots, this.policy, limits, {
      describe: (w, queuedFor) => describeWaiter(w, queuedFor, view),
      leased: (slot, w, decision) => {
        slot.lease(this.#mode, w.request, w.split);
        this.#rules[decision.rule]++;
      },
    });
  }

  /** Number of REPLs. */
  get size(): number {
    return this.#slots.length;
  }

  /** The REPLs (for inspection: pids, stderr, per-server counters). */
  get servers(): readonly AutoLeanServer[] {
    return this.#slots.map((s) => s.server);
  }

  /**
   * Start every REPL and load the pre-warm header on each, in parallel. Idempotent; `run` calls it. Rejects (with
   * the ReplSetupError saying what is missing and how to install it) only when no REPL could start; REPLs that
   * failed are started again by their next request, whose outcome then carries the error.
   */
  async start(): Promise<void> {
    if (this.#closing) throw new ReplClosedError("ReplPool");
    const errors = await this.#startAll();
    if (errors.length === this.#slots.length) throw errors[0];
  }

  #startAll(): Promise<unknown[]> {
    this.#starting ??= Promise.all(
      this.#slots.map(async (slot): Promise<unknown> => {
        slot.busy = true;
        try {
          await slot.server.start();
          const t0 = performance.now();
          if (await slot.prewarm(this.#mode)) {
            const loadedHeader = importHeaderKey(this.#mode.prewarmHeader!);
            this.costs.observe({ durationMs: performance.now() - t0, newChars: 0, loadedHeader });
          }
          return null;
        } catch (err) {
          return err;
        } finally {
          this.#release(slot);
        }
      }),
    ).then((results) => results.filter((e) => e !== null));
    return this.#starting;
  }

  /**
   * Run a request on the REPL the policy chooses. Expected outcomes are data: `ok`, `timeout`, `crashed`, and
   * `rejected` (invalid request, unknown handle, pool closed, or pool_exhausted when no REPL freed up within
   * maxWaitMs or maxQueued requests already wait). The outcome records the rule that chose the REPL and the
   * characters of the text already elaborated there. Throws only for bugs and when `options.signal` aborts.
   */
  async run(request: LeanRequest, options: RunOptions = {}): Promise<RunOutcome> {
    const rejected = (err: LeanFleetError): RunOutcome =>
      runOutcome({ status: "rejected", error: err.toJSON(), replId: "", simulated: this.config.simulated });
    const raw = rawIdField(request);
    if (raw !== null && this.#slots.length > 1) {
      return rejected(
        new InvalidRequestError(
          raw,
          "a raw REPL id names a state of one REPL process, and this pool has several; run the earlier request with keep=true and pass its handle",
        ),
      );
    }
    try {
      const split = this.#split(request);
      return await this.#withSlot(
        async (lease, slot) => {
          const loadedHeader = slot.leaseHeader !== null && !slot.headerHeldAtLease ? slot.leaseHeader : null;
          const outcome = await runOnSlot(slot, request, options, this.#mode, split);
          const reusedChars = Math.max(lease.reusedChars, outcome.reusedChars);
          this.#reusedChars += reusedChars;
          if (outcome.status === "ok") {
            const newChars = Math.max(0, ("cmd" in request ? request.cmd.length : 0) - reusedChars);
            this.costs.observe({ durationMs: outcome.durationMs, newChars, loadedHeader });
          }
          return { ...outcome, rule: lease.rule, reusedChars, replId: lease.replId };
        },
        { request, ...(options.signal ? { signal: options.signal } : {}) },
        split,
      );
    } catch (err) {
      if (err instanceof PoolExhaustedError || err instanceof ReplClosedError) return rejected(err);
      throw err;
    }
  }

  /**
   * The one way to use a REPL of the pool: wait (bounded) for the REPL the policy picks, run `fn` on it, and give it
   * back. A REPL whose use threw a timeout, crash, memory or protocol error is restarted before anyone else gets
   * it; one that served config.maxRequestsPerRepl requests is recycled (and re-warmed) as its lease ends. Throws
   * PoolExhaustedError when the wait bound is passed.
   */
  withRepl<T>(fn: (lease: ReplLease) => Promise<T>, options: LeaseOptions = {}): Promise<T> {
    return this.#withSlot(fn, options, options.request === undefined ? null : this.#split(options.request));
  }

  /**
   * The command text's split, made once per request and shared by the lease, scheduling, the run and the prefix
   * index; null for requests without `cmd`, and for commands on an env when no prefix index is kept (nothing reads it).
   */
  #split(request: LeanRequest): SourceSplit | null {
    if (!("cmd" in request) || (request.env !== undefined && !this.#mode.incrementality)) return null;
    return splitSource(request.cmd);
  }

  /** {@link withRepl}, also handing `fn` the slot, with the request's command already split. */
  async #withSlot<T>(
    fn: (lease: ReplLease, slot: PoolSlot) => Promise<T>,
    options: LeaseOptions,
    split: SourceSplit | null,
  ): Promise<T> {
    if (this.#closing) throw new ReplClosedError("ReplPool");
    await this.#startAll();
    const request = options.request;
    const fresh = request !== undefined && "cmd" in request && request.env === undefined;
    const { slot, decision } = await this.#queue.acquire(
      {
        request,
        split,
        header: fresh ? headerKey(split!.imports) : null,
        handles: request ? parentHandles(request) : [],
      },
      options.signal,
    );
    try {
      // A failed restart surfaces as the request's outcome (the server retries starting before it runs).
      if (decision.restartFirst) await slot.restartFor(null).catch(() => undefined);
      return await fn(
        { server: slot.server, replId: slot.server.id, rule: decision.rule, reusedChars: decision.reusedChars },
        slot,
      );
    } catch (err) {
      if (isFatalReplError(err)) await slot.server.restart("crash").catch(() => undefined);
      throw err;
    } finally {
      const recycle = slot.stale || slot.server.recycleDue;
      slot.stale = false;
      if (!this.#closing) await slot.afterLease(this.#mode, recycle).catch(() => undefined);
      this.#release(slot);
    }
  }

  /**
   * Restart the REPLs of a project whose build changed (imports are cached per REPL process). With `projectDir`,
   * only when it is this pool's project. Busy REPLs restart when their request ends. Resolves with the count.
   */
  async invalidateProject(projectDir?: string): Promise<number> {
    if (
      projectDir !== undefined &&
      (this.config.projectDir === undefined || resolve(this.config.projectDir) !== resolve(projectDir))
    )
      return 0;
    for (const slot of this.#slots) slot.stale = true;
    const free = this.#slots.filter((s) => !s.busy);
    await Promise.all(free.map((slot) => this.#restartFree(slot)));
    return this.#slots.length;
  }

  /** Take a free REPL out of the pool, restart it if stale (and re-warm it), give it back. */
  async #restartFree(slot: PoolSlot): Promise<void> {
    if (slot.busy || this.#closing) return;
    slot.busy = true;
    try {
      await slot.afterLease(this.#mode, slot.stale);
      slot.stale = false;
    } finally {
      this.#release(slot);
    }
  }

  /** Size, liveness, activity, restarts, and scheduling counters. */
  stats(): PoolStats {
    return {
      size: this.#slots.length,
      alive: this.#slots.filter((s) => s.server.isAlive).length,
      busy: this.#slots.filter((s) => s.busy).length,
      restarts: this.#slots.reduce((n, s) => n + s.server.stats().restarts, 0),
      queued: this.#queue.length,
      rules: { ...this.#rules },
      reusedChars: this.#reusedChars,
      indexBytes: this.index.bytes,
      policy: this.policy.name,
    };
  }

  /** Refuse new requests, reject waiting ones (rejected: repl_closed), stop every REPL process. Idempotent. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.#queue.close(new ReplClosedError("ReplPool"));
      await Promise.all(this.#slots.map((s) => s.server.close()));
      this.index.clear();
    })();
    return this.#closing;
  }

  #release(slot: PoolSlot): void {
    slot.busy = false;
    slot.freedAt = slot.lastUsedAt = performance.now();
    this.#queue.dispatch();
  }
}
