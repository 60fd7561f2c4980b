// The pool's bounded wait queue: requests wait here for the REPL their policy picks; free REPLs are handed out
// affinity placements first, then in arrival order; a request that waits too long, or one too many, is refused.
import { performance } from "node:perf_hooks";
import { PoolExhaustedError } from "../errors.js";
import type { LeanRequest, ScheduleRule } from "../server/outcome.js";
import type { SourceSplit } from "../reuse/command-split.js";
import type { PrefixIndex } from "../reuse/prefix-index.js";
import type { CostView } from "./cost-estimates.js";
import type { PoolSlot } from "./pool-slot.js";
import type { ScheduleDecision, ScheduleRequest, SchedulingPolicy } from "./scheduling.js";

/** A `run` decision of a policy. */
export type RunDecision = Extract<ScheduleDecision, { kind: "run" }>;

/** A REPL handed to a waiting request, with the decision that chose it. */
export interface Lease {
  slot: PoolSlot;
  decision: RunDecision;
}

/** A request waiting for a REPL. */
export interface Waiter {
  readonly request: LeanRequest | undefined;
  /** The command text's split, made once for the whole request (null for requests without `cmd`). */
  readonly split: SourceSplit | null;
  readonly header: string | null;
  readonly handles: readonly string[];
  readonly enqueuedAt: number;
  /** Scratch space for the pool's view of this request (e.g. cached prefix lookups). */
  cache: { prefix: Map<string, number>; version: number };
}

/** How the queue asks the pool about requests and tells it about leases. */
export interface LeaseQueueHooks {
  /** The policy's view of a waiting request; `queuedFor` counts earlier waiters waiting for a given REPL. */
  describe(waiter: Waiter, queuedFor: (replId: string) => number): ScheduleRequest;
  /** A REPL was just leased to `waiter` (mark it busy, record what it will hold). */
  leased(slot: PoolSlot, waiter: Waiter, decision: RunDecision): void;
}

interface Entry {
  waiter: Waiter;
  resolve(lease: Lease): void;
  reject(err: unknown): void;
  timer: NodeJS.Timeout;
  recheck: NodeJS.Timeout | null;
}

const AFFINITY_RULES: ReadonlySet<ScheduleRule> = new Set(["handle", "prefix"]);

/** FIFO of waiting requests with a bounded wait (maxWaitMs) and a bounded length (maxQueued). */
export class LeaseQueue {
  readonly #entries: Entry[] = [];
  #closed = false;

  constructor(
    readonly slots: readonly PoolSlot[],
    readonly policy: SchedulingPolicy,
    readonly limits: { maxWaitMs: number; maxQueued: number },
    readonly hooks: LeaseQueueHooks,
  ) {}

  /** Requests waiting now. */
  get length(): number {
    return this.#entries.length;
  }

  /**
   * Wait for a REPL. Rejects with PoolExhaustedError after maxWaitMs, or at once when maxQueued requests already
   * wait; with the signal's reason when it aborts.
   */
  acquire(waiter: Omit<Waiter, "enqueuedAt" | "cache">, signal?: AbortSignal): Promise<Lease> {
    signal?.throwIfAborted();
    if (this.#entries.length >= this.limits.maxQueued)
      return Promise.reject(new PoolExhaustedError(0, this.#entries.length));
    return new Promise<Lease>((resolve, reject) => {
      const w: Waiter = { ...waiter, enqueuedAt: performance.now(), cache: { prefix: new Map(), version: -1 } };
      const onAbort = () => entry.reject(signal!.reason);
      const leave = () => {
        const i = this.#entries.indexOf(entry);
        if (i >= 0) this.#entries.splice(i, 1);
        clearTimeout(entry.timer);
        if (entry.recheck) clearTimeout(entry.recheck);
        signal?.removeEventListener("abort", onAbort);
      };
      const entry: Entry = {
        waiter: w,
        resolve: (lease) => (leave(), resolve(lease)),
        reject: (err) => (leave(), reject(err)),
        timer: setTimeout(
          () =>
            entry.reject(new PoolExhaustedError(Math.round(performance.now() - w.enqueuedAt), this.#entries.length)),
          this.limits.maxWaitMs,
        ),
        recheck: null,
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.#entries.push(entry);
      this.dispatch();
    });
  }

  /** Hand free REPLs to waiting requests: affinity placements (handle, prefix) first, then the rest in FIFO order. */
  dispatch(): void {
    if (this.#closed) return;
    for (const affinityOnly of [true, false]) {
      const queued = new Map<string, number>(); // requests waiting for a particular busy REPL, this pass
      const queuedFor = (id: string) => queued.get(id) ?? 0;
      // A copy: leasing or refusing an entry removes it from #entries while this loop runs.
      for (const entry of this.#entries.slice()) {
        if (!this.slots.some((s) => !s.busy)) return;
        const decision = this.policy.decide(this.hooks.describe(entry.waiter, queuedFor), this.slots);
        if (decision.kind === "wait") {
          if (decision.forRepl !== undefined) queued.set(decision.forRepl, queuedFor(decision.forRepl) + 1);
          if (decision.recheckInMs !== undefined && entry.recheck === null) {
            entry.recheck = setTimeout(
              () => {
                entry.recheck = null;
                this.dispatch();
              },
              Math.max(1, decision.recheckInMs),
            );
          }
          continue;
        }
        if (affinityOnly && !AFFINITY_RULES.has(decision.rule)) continue;
        const slot = this.slots.find((s) => s.id === decision.replId)!;
        this.policy.commit?.(decision, this.slots);
        this.hooks.leased(slot, entry.waiter, decision);
        entry.resolve({ slot, decision });
      }
    }
  }

  /** Refuse every waiting request with `err` and accept no more dispatching. */
  close(err: unknown): void {
    this.#closed = true;
    for (const entry of this.#entries.slice()) entry.reject(err); // a copy: reject() removes the entry
  }
}

/**
 * The policy's view of a waiting request. With `incrementality` (a prefix index is kept), its longest indexed prefix
 * per REPL is looked up, and cached on the waiter until the index changes.
 */
export function describeWaiter(
  w: Waiter,
  queuedFor: (replId: string) => number,
  pool: { index: PrefixIndex; incrementality: boolean; costs: CostView },
): ScheduleRequest {
  const r = w.request;
  if (pool.incrementality && r !== undefined && "cmd" in r && w.cache.version !== pool.index.version) {
    const base = typeof r.env === "string" ? r.env : r.env === undefined ? "" : null;
    w.cache.prefix = new Map(
      base === null ? [] : pool.index.longestMatch(r.cmd, base, w.split ?? undefined).map((m) => [m.replId, m.chars]),
    );
    w.cache.version = pool.index.version;
  }
  return {
    header: w.header,
    handles: w.handles,
    prefix: w.cache.prefix,
    waitedMs: performance.now() - w.enqueuedAt,
    queuedFor,
    costs: pool.costs,
  };
}
