// Progress of a batch (done, valid, counts by status, rate), computed from its stored results and cached per batch
// so that repeated polls only read results that are new since the last poll.
import { JOB_STATUSES, type JobStatus } from "../jobs/index.js";
import type { ObjectStore } from "../core/index.js";
import { listBatchResults, readResultTexts, type ResultRef } from "./batch-results.js";
import type { BatchExtent, BatchManifest } from "./batch-store.js";
import { byTrustOf, type EvalSummary, type TrustInput } from "./eval-summary.js";

/** Defaults of the progress tracker. */
export const BATCH_PROGRESS_DEFAULTS = {
  /** Batches whose summaries are kept in memory (least recently polled are dropped). @default 64 */
  cachedBatches: 64,
  /** Results read per poll at most; the rest are counted as done and classified on later polls. @default 5000 */
  maxReadsPerPoll: 5000,
  /** Window over which the completion rate is measured, in seconds. @default 60 */
  rateWindowSeconds: 60,
} as const;

/** Progress of a batch. */
export interface BatchProgress {
  batchId: string;
  fleet: string;
  earlyStop: boolean;
  createdAt: string;
  /** Items accepted so far. */
  total: number;
  /** Items with a stored result (skipped ones included). */
  done: number;
  /** Items with verdict `valid`. */
  valid: number;
  /** Results counted by status (of the `classified` ones). */
  byStatus: Record<JobStatus, number>;
  /** Results read so far; `byStatus` and `valid` cover these (equal to `done` except right after a cold start). */
  classified: number;
  /** Results finished per second over the last minute of finishing times. */
  ratePerSecond: number;
  /** True when every accepted item has a result. */
  complete: boolean;
  /** True when any result came from the REPL double: these are not Lean verdicts. */
  simulated: boolean;
  /** Classified results per environment id (a result's `env`; more than one: the batch ran in several environments). */
  environments?: Record<string, number>;
  /**
   * When results carry `trust`: items valid at each trust level and the unbiased pass@k by group (k = 1..the most
   * items of any group, over the classified items that ran), as in the evaluation summary (`EvalSummary.byTrust`).
   */
  byTrust?: NonNullable<EvalSummary["byTrust"]>;
}

interface Summary {
  status: JobStatus;
  valid: boolean;
  finishedAtMs: number;
  simulated: boolean;
  env: string | undefined;
  group: string | undefined;
  trust: "fast" | "strict" | undefined;
}

/** Computes batch progress, caching per-result summaries between polls. */
export class BatchProgressTracker {
  readonly #cache = new Map<string, Map<number, Summary>>();

  constructor(
    private readonly store: ObjectStore,
    private readonly options: { cachedBatches?: number; maxReadsPerPoll?: number; rateWindowSeconds?: number } = {},
  ) {}

  /** Current progress of a batch whose manifest and extent the caller has read. */
  async progress(manifest: BatchManifest, extent: BatchExtent): Promise<BatchProgress> {
    const { batchId } = manifest;
    const seen = this.#summaries(batchId);
    const done = await this.#classifyNew(batchId, seen);
    const counts = countSummaries(seen);
    const windowMs = (this.options.rateWindowSeconds ?? BATCH_PROGRESS_DEFAULTS.rateWindowSeconds) * 1000;
    return {
      batchId,
      fleet: manifest.fleet,
      earlyStop: manifest.earlyStop,
      createdAt: manifest.createdAt,
      total: extent.total,
      done,
      valid: counts.valid,
      byStatus: counts.byStatus,
      classified: seen.size,
      ratePerSecond: ratePerSecond(seen, counts.latest, windowMs),
      complete: extent.total > 0 && done >= extent.total,
      simulated: counts.simulated,
      ...(Object.keys(counts.environments).length > 0 ? { environments: counts.environments } : {}),
      ...byTrustOf(trustInputs(seen)),
    };
  }

  /** Count the batch's stored results, and read and summarise (up to the per-poll limit) those not seen yet. */
  async #classifyNew(batchId: string, seen: Map<number, Summary>): Promise<number> {
    const fresh: ResultRef[] = [];
    let done = 0;
    const maxReads = this.options.maxReadsPerPoll ?? BATCH_PROGRESS_DEFAULTS.maxReadsPerPoll;
    await listBatchResults(this.store, batchId, -1, (ref) => {
      done++;
      if (!seen.has(ref.seq) && fresh.length < maxReads) fresh.push(ref);
      return true;
    });
    const texts = await readResultTexts(this.store, fresh);
    texts.forEach((text, i) => {
      const summary = text === undefined ? undefined : summarise(text);
      if (summary) seen.set(fresh[i]!.seq, summary);
    });
    return done;
  }

  #summaries(batchId: string): Map<number, Summary> {
    let seen = this.#cache.get(batchId);
    if (seen) {
      this.#cache.delete(batchId); // re-insert: most recently used last
    } else {
      seen = new Map();
      const max = this.options.cachedBatches ?? BATCH_PROGRESS_DEFAULTS.cachedBatches;
      while (this.#cache.size >= max) this.#cache.delete(this.#cache.keys().next().value!);
    }
    this.#cache.set(batchId, seen);
    return seen;
  }
}

/** Counts over the classified results: by status, valid, simulated, by environment, and the latest finish. */
function countSummaries(seen: Map<number, Summary>): {
  byStatus: Record<JobStatus, number>;
  valid: number;
  simulated: boolean;
  latest: number;
  environments: Record<string, number>;
} {
  const byStatus = Object.fromEntries(JOB_STATUSES.map((s) => [s, 0])) as Record<JobStatus, number>;
  let valid = 0;
  let simulated = false;
  let latest = 0;
  const environments: Record<string, number> = {};
  for (const s of seen.values()) {
    if (s.env !== undefined) environments[s.env] = (environments[s.env] ?? 0) + 1;
    byStatus[s.status]++;
    if (s.valid) valid++;
    if (s.simulated) simulated = true;
    latest = Math.max(latest, s.finishedAtMs);
  }
  return { byStatus, valid, simulated, latest, environments };
}

/** Results finished per second within `windowMs` of the latest finish (0 for one result or none). */
function ratePerSecond(seen: Map<number, Summary>, latest: number, windowMs: number): number {
  let inWindow = 0;
  let earliest = latest;
  for (const s of seen.values()) {
    if (s.finishedAtMs > latest - windowMs) {
      inWindow++;
      earliest = Math.min(earliest, s.finishedAtMs);
    }
  }
  const spanMs = Math.max(latest - earliest, 1000);
  return inWindow <= 1 ? 0 : Math.round(((inWindow - 1) / spanMs) * 1000 * 100) / 100;
}

/** The classified results as {@link byTrustOf} reads them (an ungrouped item is its own group). */
function* trustInputs(seen: Map<number, Summary>): Generator<TrustInput> {
  for (const [seq, r] of seen)
    yield {
      group: r.group ?? `\u0000item-${seq}`,
      status: r.status,
      verdict: r.valid ? ("valid" as const) : ("invalid" as const),
      trust: r.trust,
    };
}

function summarise(text: string): Summary | undefined {
  try {
    const r = JSON.parse(text) as {
      status?: unknown;
      verdict?: unknown;
      timings?: { finishedAt?: unknown };
      simulated?: unknown;
      group?: unknown;
      trust?: unknown;
      env?: unknown;
    };
    if (typeof r.status !== "string" || !(JOB_STATUSES as readonly string[]).includes(r.status)) return undefined;
    const finished = typeof r.timings?.finishedAt === "string" ? Date.parse(r.timings.finishedAt) : NaN;
    return {
      status: r.status as JobStatus,
      valid: r.verdict === "valid",
      finishedAtMs: Number.isFinite(finished) ? finished : 0,
      simulated: r.simulated === true,
      env: typeof r.env === "string" ? r.env : undefined,
      group: typeof r.group === "string" ? r.group : undefined,
      trust: r.trust === "fast" || r.trust === "strict" ? r.trust : undefined,
    };
  } catch {
    return undefined;
  }
}
