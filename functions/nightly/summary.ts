// Pure run bookkeeping of nightly runs: per-item outcomes from results, the diff against the previous run
// (newly failing, newly passing), and the summary stored next to the run's results.
import { JOB_STATUSES, type JobResult, type JobStatus, type Trust, type Verdict } from "../../services/jobs/index.js";

/** What happened to one dataset item in a run (`missing`: no result, e.g. its message went to the dead-letter queue). */
export interface ItemOutcome {
  status: JobStatus | "missing";
  verdict: Verdict;
  /** Trust level of the verdict's checks (absent when nothing was checked). */
  trust?: Trust;
  /** The environment that made the verdict, and the advisories that environment falls under. */
  env?: string;
  advisories?: string[];
}

/** Outcomes of a run keyed by dataset item id. */
export type RunOutcomes = Record<string, ItemOutcome>;

/** Why a run was closed. */
export type FinishReason = "complete" | "queue_empty" | "superseded";

/** Difference between two runs of the same dataset; ids sorted. */
export interface RunDiff {
  /** Batch of the previous run, or null when there is none to compare with. */
  previousBatchId: string | null;
  /** Valid before, not valid now (including items now missing). */
  newlyFailing: string[];
  /** Not valid before, valid now. */
  newlyPassing: string[];
  /** Items only in this run. */
  added: string[];
  /** Items only in the previous run. */
  removed: string[];
}

/** The stored summary of a run. */
export interface RunSummary {
  v: 1;
  run: string;
  fleet: string;
  dataset: string;
  batchId: string;
  startedAt: string;
  finishedAt: string;
  durationSeconds: number;
  finishedBecause: FinishReason;
  total: number;
  /** Items with a result. */
  done: number;
  missing: number;
  valid: number;
  /** valid / total (0 for an empty run). */
  passRate: number;
  /** Valid items by the trust level of their checks (fast: in the REPL; strict: comparator too). */
  validByTrust: Record<Trust, number>;
  byStatus: Record<JobStatus | "missing", number>;
  /** True when any result came from the REPL double: then none of this is a Lean verdict. */
  simulated: boolean;
  /** Items and valid items per environment id (more than one: the fleet changed during the run). */
  environments: Record<string, { items: number; valid: number }>;
  /** Items per advisory id whose environment falls under it. */
  advisories: Record<string, number>;
  diff: RunDiff & { counts: { newlyFailing: number; newlyPassing: number; added: number; removed: number } };
}

/** Outcomes of the items `itemIds[seq]` given the results by seq (undefined = no result). */
export function outcomesOf(itemIds: readonly string[], results: ReadonlyMap<number, JobResult>): RunOutcomes {
  const out: RunOutcomes = {};
  itemIds.forEach((id, seq) => {
    const r = results.get(seq);
    out[id] = r
      ? {
          status: r.status,
          verdict: r.verdict,
          ...(r.trust !== undefined ? { trust: r.trust } : {}),
          ...(r.env !== undefined ? { env: r.env } : {}),
          ...(r.advisories?.length ? { advisories: r.advisories } : {}),
        }
      : { status: "missing", verdict: "none" };
  });
  return out;
}

/** Compare a run with the previous one. Without a previous run every list is empty. */
export function diffRuns(
  previous: RunOutcomes | undefined,
  current: RunOutcomes,
  previousBatchId: string | null = null,
): RunDiff {
  if (previous === undefined)
    return { previousBatchId: null, newlyFailing: [], newlyPassing: [], added: [], removed: [] };
  const newlyFailing: string[] = [];
  const newlyPassing: string[] = [];
  const added: string[] = [];
  for (const [id, now] of Object.entries(current)) {
    const before = previous[id];
    if (before === undefined) {
      added.push(id);
      continue;
    }
    const wasValid = before.verdict === "valid";
    const isValid = now.verdict === "valid";
    if (wasValid && !isValid) newlyFailing.push(id);
    if (!wasValid && isValid) newlyPassing.push(id);
  }
  const removed = Object.keys(previous).filter((id) => !(id in current));
  const sort = (a: string[]) => a.sort((x, y) => (x < y ? -1 : x > y ? 1 : 0));
  return {
    previousBatchId,
    newlyFailing: sort(newlyFailing),
    newlyPassing: sort(newlyPassing),
    added: sort(added),
    removed: sort(removed),
  };
}

/** What {@link summarizeRun} needs: the run's identity and times, its outcomes and its diff. */
export type SummaryInput = Pick<
  RunSummary,
  "run" | "fleet" | "dataset" | "batchId" | "startedAt" | "finishedAt" | "finishedBecause" | "simulated"
> & {
  outcomes: RunOutcomes;
  diff: RunDiff;
};

/** The summary of a finished run. */
export function summarizeRun(input: SummaryInput): RunSummary {
  const byStatus = Object.fromEntries([...JOB_STATUSES, "missing"].map((s) => [s, 0])) as Record<
    JobStatus | "missing",
    number
  >;
  let valid = 0;
  const validByTrust: Record<Trust, number> = { fast: 0, strict: 0 };
  const outcomes = Object.values(input.outcomes);
  const environments: RunSummary["environments"] = {};
  const advisories: RunSummary["advisories"] = {};
  for (const o of outcomes) {
    if (o.env !== undefined) {
      const e = (environments[o.env] ??= { items: 0, valid: 0 });
      e.items++;
      if (o.verdict === "valid") e.valid++;
    }
    for (const a of o.advisories ?? []) advisories[a] = (advisories[a] ?? 0) + 1;
    byStatus[o.status]++;
    if (o.verdict === "valid") {
      valid++;
      if (o.trust !== undefined) validByTrust[o.trust]++;
    }
  }
  const total = outcomes.length;
  const { diff } = input;
  return {
    v: 1,
    run: input.run,
    fleet: input.fleet,
    dataset: input.dataset,
    batchId: input.batchId,
    startedAt: input.startedAt,
    finishedAt: input.finishedAt,
    durationSeconds: Math.max(0, Math.round((Date.parse(input.finishedAt) - Date.parse(input.startedAt)) / 1000)),
    finishedBecause: input.finishedBecause,
    total,
    done: total - byStatus.missing,
    missing: byStatus.missing,
    valid,
    passRate: total === 0 ? 0 : valid / total,
    validByTrust,
    byStatus,
    simulated: input.simulated,
    environments,
    advisories,
    diff: {
      ...diff,
      counts: {
        newlyFailing: diff.newlyFailing.length,
        newlyPassing: diff.newlyPassing.length,
        added: diff.added.length,
        removed: diff.removed.length,
      },
    },
  };
}
