// Per-key limits: a token bucket for requests per second, and an upper bound of each key's queued jobs checked
// against its maxQueuedJobs. State lives in the app instance (per process; per Lambda instance in AWS).
import type { JobQueue } from "../../services/core/index.js";
import { LimitExceededError } from "./errors.js";
import type { KeyLimits } from "./deps.js";

/** The caller of a request: an API key id (or `anonymous`) and its limits. */
export interface Principal {
  id: string;
  limits: KeyLimits;
}

/** Requests-per-second limiter: one token bucket per key. */
export class RateLimiter {
  readonly #buckets = new Map<string, { tokens: number; atMs: number }>();

  constructor(private readonly now: () => number) {}

  /** Take one token for `p`, or throw `rate_limited` with the seconds until one is available. */
  take(p: Principal): void {
    const { requestsPerSecond: rate, burst } = p.limits;
    const now = this.now();
    const b = this.#buckets.get(p.id) ?? { tokens: burst, atMs: now };
    b.tokens = Math.min(burst, b.tokens + ((now - b.atMs) / 1000) * rate);
    b.atMs = now;
    this.#buckets.set(p.id, b);
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return;
    }
    const wait = Math.max(1, Math.ceil((1 - b.tokens) / rate));
    throw new LimitExceededError(
      "rate_limited",
      `key ${JSON.stringify(p.id)} sent more than ${rate} requests per second (burst ${burst}); retry after ${wait} s, or send many checks in one POST /v1/batches`,
      wait,
    );
  }
}

/** The last depth read of a fleet's queue. */
interface DepthEntry {
  /** Jobs on the queue (visible, in flight, delayed) at the last successful read; +Infinity before the first. */
  total: number;
  /** When the last successful read started (jobs sent before it are counted in `total`). */
  startedMs: number;
  /** When the last read, successful or not, started: a failing read is retried only after depthCacheMs too. */
  triedMs: number;
  promise?: Promise<void>;
}

interface Bound {
  /** Upper bound of this key's jobs still queued on the fleet. */
  queued: number;
  /** When this key's last accepted jobs finished sending (a depth read started later already counts them). */
  lastSentMs: number;
}

/**
 * Queued-jobs limit. A key's queued jobs on a fleet are bounded above by both the fleet's whole queue depth and
 * (previous bound + jobs it sent since), so `min(depth, bound + sent)` is a sound per-key estimate that needs no
 * shared counter. Depth reads are cached for `depthCacheMs`; SQS depth counts are approximate, so is the limit.
 */
export class QueuedJobsLimiter {
  readonly #bounds = new Map<string, Map<string, Bound>>();
  readonly #depth = new Map<string, DepthEntry>();

  constructor(
    private readonly queues: Record<string, JobQueue>,
    private readonly now: () => number,
    private readonly depthCacheMs: number,
  ) {}

  /**
   * Throw `too_many_queued` when `count` more jobs would take `p` over its maxQueuedJobs. Synchronous (no promise)
   * when every depth it needs is cached, as on the enqueue path under load.
   */
  admit(p: Principal, count: number): Promise<void> | undefined {
    const mine = this.#bounds.get(p.id);
    if (mine) {
      for (const [fleet, bound] of mine)
        if (bound.queued > 0 && !this.#depthIsFresh(fleet)) return this.#admitAfterReads(p, count);
    }
    this.#check(p, count);
    return undefined;
  }

  async #admitAfterReads(p: Principal, count: number): Promise<void> {
    for (const [fleet, bound] of this.#bounds.get(p.id) ?? []) if (bound.queued > 0) await this.#readDepth(fleet);
    this.#check(p, count);
  }

  /** Tighten `p`'s bounds with the depths read since its last sends, and throw when `count` more would pass its limit. */
  #check(p: Principal, count: number): void {
    let queued = 0;
    for (const [fleet, bound] of this.#bounds.get(p.id) ?? []) {
      if (bound.queued === 0) continue;
      const depth = this.#depth.get(fleet);
      if (depth && depth.startedMs > bound.lastSentMs) bound.queued = Math.min(bound.queued, depth.total);
      queued += bound.queued;
    }
    const max = p.limits.maxQueuedJobs;
    if (queued + count > max) {
      const wait = Math.max(1, Math.ceil(this.depthCacheMs / 1000) * 5);
      throw new LimitExceededError(
        "too_many_queued",
        `key ${JSON.stringify(p.id)} has about ${queued} jobs queued and ${count} more would pass its limit of ${max}; wait for results (retry after ${wait} s) or submit fewer items`,
        wait,
      );
    }
  }

  /** True when the fleet's depth needs no read now (cached within depthCacheMs and not being read, or no such queue). */
  #depthIsFresh(fleet: string): boolean {
    if (!this.queues[fleet]) return true;
    const entry = this.#depth.get(fleet);
    return entry !== undefined && entry.promise === undefined && this.now() - entry.triedMs <= this.depthCacheMs;
  }

  /** Count `count` jobs just sent by `p` to `fleet`. */
  record(p: Principal, fleet: string, count: number): void {
    let mine = this.#bounds.get(p.id);
    if (!mine) this.#bounds.set(p.id, (mine = new Map()));
    const b = mine.get(fleet) ?? { queued: 0, lastSentMs: 0 };
    b.queued += count;
    b.lastSentMs = this.now();
    mine.set(fleet, b);
  }

  /** Bring the fleet's cached depth up to date: start a read when the cache is stale, and wait for a read under way. */
  async #readDepth(fleet: string): Promise<void> {
    const queue = this.queues[fleet];
    if (!queue) return;
    let entry = this.#depth.get(fleet);
    const now = this.now();
    if (!entry || (now - entry.triedMs > this.depthCacheMs && !entry.promise)) {
      const fresh: DepthEntry = {
        total: entry?.total ?? Number.POSITIVE_INFINITY,
        startedMs: entry?.startedMs ?? 0,
        triedMs: now,
      };
      fresh.promise = queue
        .depth()
        .then((d) => {
          fresh.total = d.visible + d.inFlight + d.delayed;
          fresh.startedMs = fresh.triedMs;
        })
        .catch(() => undefined) // a failed depth read keeps the previous bound (never loosens the limit)
        .finally(() => {
          delete fresh.promise;
        });
      this.#depth.set(fleet, fresh);
      entry = fresh;
    }
    if (entry.promise) await entry.promise;
  }
}
