// The summary of an evaluation, computed from its results alone (so it can be recomputed from a results file): pass@k
// by group, valid share of the items that ran, time distribution, failures by status, and whether anything was simulated.
import { JOB_STATUSES, type JobStatus } from "../jobs/index.js";
import { passAtKCurve } from "./pass-at-k.js";

/** The fields of a results-file line the summary reads. */
export interface SummaryInput {
  group?: string;
  status: JobStatus;
  verdict: "valid" | "invalid" | "none";
  timings: { runMs: number; queuedMs: number; submittedAt?: string; finishedAt?: string };
  simulated: boolean;
}

/** An evaluation summary. */
export interface EvalSummary {
  items: number;
  /** Items that ran: all but early-stop skips. */
  ran: number;
  valid: number;
  /** valid / ran (0 when nothing ran): skipped items are not failures. */
  validRate: number;
  byStatus: Record<JobStatus, number>;
  /** Groups (items without a group each count as their own group); passRate is the share with a valid item. */
  groups: { total: number; passed: number; passRate: number; maxAttempts: number };
  /**
   * Unbiased pass@k averaged over groups (Chen et al. 2021) for k = 1..groups.maxAttempts, index k-1, over the
   * attempts that ran; see `passAtK` for groups with fewer attempts than k. Its last entry equals groups.passRate.
   */
  passAtK: number[];
  /** Per group: attempts (items), attempts that ran, valid items, passed. */
  perGroup: { group: string; attempts: number; ran: number; valid: number; passed: boolean }[];
  /** Run time of items that ran (skipped ones excluded), in ms. */
  runMs: { count: number; p50: number; p90: number; p99: number; max: number };
  /** Time from submission to start, in ms. */
  queuedMs: { p50: number; p99: number };
  /**
   * First submission to last finish over the results' own timestamps, in ms (0 without timestamps): the batch's
   * wall time, which, unlike a client's clock, spans an interrupted and resumed eval.
   */
  spanMs: number;
  simulated: boolean;
}

/** Nearest-rank percentile of sorted numbers (0 for none). */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

/** Key of an item's group: its group, or (without one) a key of its own. */
export function groupKeyOf(r: { group?: string }, i: number): string {
  return r.group ?? `\u0000item-${i}`;
}

const GROUP_ORDER = new Intl.Collator("en", { numeric: true });

/** Summarise results. */
export function summarise(results: readonly SummaryInput[]): EvalSummary {
  const byStatus = Object.fromEntries(JOB_STATUSES.map((s) => [s, 0])) as Record<JobStatus, number>;
  const groups = new Map<string, { attempts: number; ran: number; valid: number }>();
  const run: number[] = [];
  const queued: number[] = [];
  let valid = 0;
  let simulated = false;
  let first = Infinity;
  let last = -Infinity;
  results.forEach((r, i) => {
    byStatus[r.status]++;
    if (r.verdict === "valid") valid++;
    if (r.simulated) simulated = true;
    const key = groupKeyOf(r, i);
    const g = groups.get(key) ?? { attempts: 0, ran: 0, valid: 0 };
    g.attempts++;
    if (r.verdict === "valid") g.valid++;
    groups.set(key, g);
    if (r.status !== "skipped") {
      g.ran++;
      run.push(r.timings.runMs);
      queued.push(r.timings.queuedMs);
    }
    const submitted = r.timings.submittedAt === undefined ? NaN : Date.parse(r.timings.submittedAt);
    const finished = r.timings.finishedAt === undefined ? NaN : Date.parse(r.timings.finishedAt);
    if (Number.isFinite(submitted)) first = Math.min(first, submitted);
    if (Number.isFinite(finished)) last = Math.max(last, finished);
  });
  run.sort((a, b) => a - b);
  queued.sort((a, b) => a - b);
  const perGroup = [...groups.entries()]
    .map(([group, g]) => ({ group: group.startsWith("\u0000") ? "(ungrouped)" : group, attempts: g.attempts, ran: g.ran, valid: g.valid, passed: g.valid > 0 }))
    .sort((a, b) => GROUP_ORDER.compare(a.group, b.group));
  const passed = perGroup.filter((g) => g.passed).length;
  const maxAttempts = perGroup.reduce((m, g) => Math.max(m, g.attempts), 0);
  const ran = results.length - byStatus.skipped;
  return {
    items: results.length,
    ran,
    valid,
    validRate: ran ? valid / ran : 0,
    byStatus,
    groups: { total: perGroup.length, passed, passRate: perGroup.length ? passed / perGroup.length : 0, maxAttempts },
    passAtK: passAtKCurve(
      perGroup.map((g) => ({ n: g.ran, c: g.valid })),
      maxAttempts,
    ),
    perGroup,
    runMs: { count: run.length, p50: percentile(run, 50), p90: percentile(run, 90), p99: percentile(run, 99), max: run[run.length - 1] ?? 0 },
    queuedMs: { p50: percentile(queued, 50), p99: percentile(queued, 99) },
    spanMs: Number.isFinite(first) && last >= first ? last - first : 0,
    simulated,
  };
}
