// The summary of an evaluation, computed from its results alone (so it can be recomputed from a results file):
// pass rate by group (pass@k), time distribution, failures by status, and whether anything was simulated.
import { JOB_STATUSES, type JobStatus } from "../services/jobs/index.js";

/** The fields of a results-file line the summary reads. */
export interface SummaryInput {
  group?: string;
  status: JobStatus;
  verdict: "valid" | "invalid" | "none";
  timings: { runMs: number; queuedMs: number };
  simulated: boolean;
}

/** An evaluation summary. */
export interface EvalSummary {
  items: number;
  valid: number;
  byStatus: Record<JobStatus, number>;
  /** Groups (items without a group each count as their own group). */
  groups: { total: number; passed: number; passRate: number; maxAttempts: number };
  /** Per group: attempts (items), valid items, passed. */
  perGroup: { group: string; attempts: number; valid: number; passed: boolean }[];
  /** Run time of items that ran (skipped ones excluded), in ms. */
  runMs: { count: number; p50: number; p90: number; p99: number; max: number };
  /** Time from submission to start, in ms. */
  queuedMs: { p50: number; p99: number };
  simulated: boolean;
}

/** Nearest-rank percentile of sorted numbers (0 for none). */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

/** Summarise results. */
export function summarise(results: SummaryInput[]): EvalSummary {
  const byStatus = Object.fromEntries(JOB_STATUSES.map((s) => [s, 0])) as Record<JobStatus, number>;
  const groups = new Map<string, { attempts: number; valid: number }>();
  const run: number[] = [];
  const queued: number[] = [];
  let valid = 0;
  let simulated = false;
  results.forEach((r, i) => {
    byStatus[r.status]++;
    if (r.verdict === "valid") valid++;
    if (r.simulated) simulated = true;
    const key = r.group ?? `\u0000item-${i}`;
    const g = groups.get(key) ?? { attempts: 0, valid: 0 };
    g.attempts++;
    if (r.verdict === "valid") g.valid++;
    groups.set(key, g);
    if (r.status !== "skipped") {
      run.push(r.timings.runMs);
      queued.push(r.timings.queuedMs);
    }
  });
  run.sort((a, b) => a - b);
  queued.sort((a, b) => a - b);
  const perGroup = [...groups.entries()]
    .map(([group, g]) => ({ group: group.startsWith("\u0000") ? "(ungrouped)" : group, attempts: g.attempts, valid: g.valid, passed: g.valid > 0 }))
    .sort((a, b) => a.group.localeCompare(b.group, "en", { numeric: true }));
  const passed = perGroup.filter((g) => g.passed).length;
  return {
    items: results.length,
    valid,
    byStatus,
    groups: {
      total: perGroup.length,
      passed,
      passRate: perGroup.length ? passed / perGroup.length : 0,
      maxAttempts: perGroup.reduce((m, g) => Math.max(m, g.attempts), 0),
    },
    perGroup,
    runMs: { count: run.length, p50: percentile(run, 50), p90: percentile(run, 90), p99: percentile(run, 99), max: run[run.length - 1] ?? 0 },
    queuedMs: { p50: percentile(queued, 50), p99: percentile(queued, 99) },
    simulated,
  };
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

/** The summary as text lines for the terminal. */
export function formatSummary(s: EvalSummary, options: { wallMs?: number; maxGroupLines?: number } = {}): string[] {
  const lines: string[] = [];
  if (s.simulated) lines.push("SIMULATED: these results come from the REPL double, not from Lean; they are not Lean verdicts.");
  lines.push(`items: ${s.items}, valid: ${s.valid} (${pct(s.items ? s.valid / s.items : 0)})${options.wallMs !== undefined ? `, wall time ${(options.wallMs / 1000).toFixed(1)} s` : ""}`);
  lines.push(`pass@k by group: ${s.groups.passed}/${s.groups.total} groups passed (${pct(s.groups.passRate)}), k <= ${s.groups.maxAttempts} candidates per group`);
  const maxLines = options.maxGroupLines ?? 50;
  if (s.perGroup.length <= maxLines) {
    for (const g of s.perGroup) lines.push(`  ${g.passed ? "PASS" : "fail"}  ${g.group}  (${g.valid}/${g.attempts} valid)`);
  }
  lines.push(`run time (ms, ${s.runMs.count} items that ran): p50 ${s.runMs.p50}, p90 ${s.runMs.p90}, p99 ${s.runMs.p99}, max ${s.runMs.max}`);
  lines.push(`queued time (ms): p50 ${s.queuedMs.p50}, p99 ${s.queuedMs.p99}`);
  const failures = (["lean_error", "timeout", "crashed", "rejected"] as const).map((st) => `${st} ${s.byStatus[st]}`).join(", ");
  lines.push(`failures by status: ${failures}; ok but invalid (sorry or unfinished proof) ${s.byStatus.ok - s.valid}; skipped by early stop ${s.byStatus.skipped}`);
  return lines;
}
