// The summary of an evaluation, computed from its results alone (so it can be recomputed from a results file): pass@k
// by group, valid share of the items that ran, time distribution, failures by status, and whether anything was simulated.
import { JOB_STATUSES, type JobStatus } from "../jobs/index.js";
import { byEnvironmentOf, type EnvironmentSummary } from "./environment-summary.js";
import { passAtKCurve } from "./pass-at-k.js";

/** The fields of a results-file line the summary reads. */
export interface SummaryInput {
  group?: string;
  status: JobStatus;
  verdict: "valid" | "invalid" | "none";
  /** The environment that made the result and the advisories it falls under, when the result carries them. */
  env?: unknown;
  advisories?: unknown;
  timings: { runMs: number; queuedMs: number; submittedAt?: string; finishedAt?: string };
  simulated: boolean;
  /** Trust level of the checks behind the verdict (`fast` or `strict`), when the result carries one. */
  trust?: unknown;
}

/** Valid items and pass@k at one trust level. */
export interface TrustLevelSummary {
  /** Items valid at this level. */
  valid: number;
  /** valid / items that ran. */
  validRate: number;
  /** Groups with an item valid at this level. */
  groupsPassed: number;
  /** Unbiased pass@k for k = 1..groups.maxAttempts (index k-1), counting only items valid at this level. */
  passAtK: number[];
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
  /**
   * Per environment (results' `env`), most items first, with pass@k over each environment's own items; present when
   * results carry `env`. More than one: the run mixed environments and the overall figures mix them too.
   */
  environments?: EnvironmentSummary[];
  /** Results per advisory id (results' `advisories`): verdicts made in an environment with a known soundness issue. */
  advisories?: Record<string, number>;
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
  /**
   * By trust level, when results carry `trust`: `fast` counts the items that passed the fast checks (verdict valid,
   * or trust `strict`, which the strict stage reaches only after every fast check passed); `strict` (present when
   * any result reached the strict stage) counts those comparator also accepted (verdict valid with trust strict).
   */
  byTrust?: { fast: TrustLevelSummary; strict?: TrustLevelSummary };
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

/** One group's counts while summarising. */
interface GroupTally {
  attempts: number;
  ran: number;
  valid: number;
}

/** What one pass over the results counts: statuses, groups, sorted run and queue times, and the time span. */
interface ResultTally {
  byStatus: Record<JobStatus, number>;
  groups: Map<string, GroupTally>;
  run: number[];
  queued: number[];
  valid: number;
  simulated: boolean;
  first: number;
  last: number;
}

function tally(results: readonly SummaryInput[]): ResultTally {
  const t: ResultTally = {
    byStatus: Object.fromEntries(JOB_STATUSES.map((s) => [s, 0])) as Record<JobStatus, number>,
    groups: new Map(),
    run: [],
    queued: [],
    valid: 0,
    simulated: false,
    first: Infinity,
    last: -Infinity,
  };
  results.forEach((r, i) => {
    t.byStatus[r.status]++;
    if (r.verdict === "valid") t.valid++;
    if (r.simulated) t.simulated = true;
    const key = groupKeyOf(r, i);
    const g = t.groups.get(key) ?? { attempts: 0, ran: 0, valid: 0 };
    g.attempts++;
    if (r.verdict === "valid") g.valid++;
    t.groups.set(key, g);
    if (r.status !== "skipped") {
      g.ran++;
      t.run.push(r.timings.runMs);
      t.queued.push(r.timings.queuedMs);
    }
    const submitted = r.timings.submittedAt === undefined ? NaN : Date.parse(r.timings.submittedAt);
    const finished = r.timings.finishedAt === undefined ? NaN : Date.parse(r.timings.finishedAt);
    if (Number.isFinite(submitted)) t.first = Math.min(t.first, submitted);
    if (Number.isFinite(finished)) t.last = Math.max(t.last, finished);
  });
  t.run.sort((a, b) => a - b);
  t.queued.sort((a, b) => a - b);
  return t;
}

/** Per group, in natural order of the group names; items without a group are each named `(ungrouped)`. */
function perGroupOf(groups: Map<string, GroupTally>): EvalSummary["perGroup"] {
  return [...groups.entries()]
    .map(([group, g]) => ({
      group: group.startsWith("\u0000") ? "(ungrouped)" : group,
      attempts: g.attempts,
      ran: g.ran,
      valid: g.valid,
      passed: g.valid > 0,
    }))
    .sort((a, b) => GROUP_ORDER.compare(a.group, b.group));
}

/** Summarise results. */
export function summarise(results: readonly SummaryInput[]): EvalSummary {
  const { byStatus, groups, run, queued, valid, simulated, first, last } = tally(results);
  const perGroup = perGroupOf(groups);
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
    ...byEnvironmentOf(results, groupKeyOf),
    runMs: {
      count: run.length,
      p50: percentile(run, 50),
      p90: percentile(run, 90),
      p99: percentile(run, 99),
      max: run[run.length - 1] ?? 0,
    },
    queuedMs: { p50: percentile(queued, 50), p99: percentile(queued, 99) },
    spanMs: Number.isFinite(first) && last >= first ? last - first : 0,
    simulated,
    ...byTrustOf(
      results.map((r, i) => ({ group: groupKeyOf(r, i), status: r.status, verdict: r.verdict, trust: r.trust })),
    ),
  };
}

/** What {@link byTrustOf} reads of a result: its group key (never undefined), status, verdict and trust. */
export interface TrustInput {
  group: string;
  status: JobStatus;
  verdict: "valid" | "invalid" | "none";
  trust?: unknown;
}

/**
 * Valid items and pass@k by trust level (see `EvalSummary.byTrust`), over the items that ran, with k up to the most
 * items of any group; `{}` when no result carries `trust`. Shared by the summary and batch progress.
 */
export function byTrustOf(results: Iterable<TrustInput>): { byTrust?: NonNullable<EvalSummary["byTrust"]> } {
  const groups = new Map<string, { attempts: number; ran: number; fast: number; strict: number }>();
  let ran = 0;
  let withTrust = false;
  let reachedStrict = false;
  let fastValid = 0;
  let strictValid = 0;
  for (const r of results) {
    const g = groups.get(r.group) ?? { attempts: 0, ran: 0, fast: 0, strict: 0 };
    groups.set(r.group, g);
    g.attempts++;
    if (r.status !== "skipped") {
      g.ran++;
      ran++;
    }
    if (r.trust !== undefined) withTrust = true;
    if (r.trust === "strict") reachedStrict = true;
    // The strict stage runs only after every fast check passed: a strict result passed fast, whatever comparator said.
    if (r.verdict === "valid" || r.trust === "strict") {
      g.fast++;
      fastValid++;
    }
    if (r.verdict === "valid" && r.trust === "strict") {
      g.strict++;
      strictValid++;
    }
  }
  if (!withTrust) return {};
  const gs = [...groups.values()];
  const maxK = gs.reduce((m, g) => Math.max(m, g.attempts), 0);
  const level = (valid: number, pick: (g: { fast: number; strict: number }) => number): TrustLevelSummary => ({
    valid,
    validRate: ran ? valid / ran : 0,
    groupsPassed: gs.filter((g) => pick(g) > 0).length,
    passAtK: passAtKCurve(
      gs.map((g) => ({ n: g.ran, c: Math.min(g.ran, pick(g)) })),
      maxK,
    ),
  });
  return {
    byTrust: {
      fast: level(fastValid, (g) => g.fast),
      ...(reachedStrict ? { strict: level(strictValid, (g) => g.strict) } : {}),
    },
  };
}
