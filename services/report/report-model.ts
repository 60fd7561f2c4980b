// The data a report page shows, computed once at generation time from the results (and a baseline's): the summary,
// the problems as columns with a shared string table (so 100,000 items stay a few MB), chart series and the diff.
import { summarise, type EvalSummary } from "../batches/index.js";
import { diffAgainstBaseline, type BaselineDiff, type BaselineDiffOptions } from "./baseline-diff.js";
import { logHistogram, timeSplit, type Histogram, type TimeSplit } from "./distributions.js";
import { fieldLabel, PROBLEM_STATUSES, problemRows, type ProblemRow } from "./problem-rows.js";
import type { ReportResult } from "./report-result.js";

/** A run to report on: its results and where they came from. */
export interface ReportRun {
  results: readonly ReportResult[];
  /** Shown as the run's source (a file name, a batch id). */
  source: string;
}

/** What the generator needs. */
export interface ReportInput {
  title: string;
  run: ReportRun;
  baseline?: ReportRun;
  diff?: BaselineDiffOptions;
  /** @default - now */
  generatedAt?: Date;
}

/** The problems table as columns; string columns are indexes into `strings` (-1 for none). */
export interface ProblemColumns {
  count: number;
  name: string[];
  /** Index into {@link PROBLEM_STATUSES}. */
  status: number[];
  attempts: number[];
  ran: number[];
  valid: number[];
  /** -1 when nothing ran. */
  bestMs: number[];
  error: number[];
  trust: number[];
  /** Failed check names, joined with ", ". */
  checks: number[];
  /** Environment ids, joined with ", ". */
  envs: number[];
}

/** Everything the page shows (embedded in it as JSON). */
export interface ReportModel {
  v: 1;
  title: string;
  source: string;
  generatedAt: string;
  /** The same summary `leanfleet eval` prints (without its per-group list, which `problems` replaces). */
  summary: Omit<EvalSummary, "perGroup">;
  statuses: readonly string[];
  problems: ProblemColumns;
  strings: string[];
  histogram: Histogram;
  timeSplit: TimeSplit;
  /** Items and valid items per trust level, when results carry `trust`. */
  trust: { level: string; items: number; valid: number }[];
  /** Items per environment id, when results carry `env`. */
  envs: { id: string; items: number }[];
  baseline?: { source: string; summary: Omit<EvalSummary, "perGroup">; diff: BaselineDiff };
}

function withoutGroups(s: EvalSummary): Omit<EvalSummary, "perGroup"> {
  const { perGroup: _omitted, ...rest } = s;
  return rest;
}

/** Columns of the problem rows, strings interned. */
function columns(rows: readonly ProblemRow[]): { problems: ProblemColumns; strings: string[] } {
  const strings: string[] = [];
  const ids = new Map<string, number>();
  const intern = (s: string | undefined) => {
    if (s === undefined || s === "") return -1;
    let id = ids.get(s);
    if (id === undefined) {
      id = strings.push(s) - 1;
      ids.set(s, id);
    }
    return id;
  };
  const statusIndex = new Map<string, number>(PROBLEM_STATUSES.map((s, i) => [s, i]));
  return {
    strings,
    problems: {
      count: rows.length,
      name: rows.map((r) => r.name),
      status: rows.map((r) => statusIndex.get(r.status)!),
      attempts: rows.map((r) => r.attempts),
      ran: rows.map((r) => r.ran),
      valid: rows.map((r) => r.valid),
      bestMs: rows.map((r) => r.bestMs ?? -1),
      error: rows.map((r) => intern(r.firstError)),
      trust: rows.map((r) => intern(r.trust)),
      checks: rows.map((r) => intern(r.failedChecks.join(", "))),
      envs: rows.map((r) => intern(r.envs.join(", "))),
    },
  };
}

function countBy<T>(items: readonly T[], key: (t: T) => string | undefined): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const t of items) {
    const k = key(t);
    if (k === undefined) continue;
    const list = m.get(k);
    if (list) list.push(t);
    else m.set(k, [t]);
  }
  return m;
}

/** Build the model of a report. */
export function buildReportModel(input: ReportInput): ReportModel {
  const { results } = input.run;
  const rows = problemRows(results);
  const ran = results.filter((r) => r.status !== "skipped");
  const { problems, strings } = columns(rows);
  const model: ReportModel = {
    v: 1,
    title: input.title,
    source: input.run.source,
    generatedAt: (input.generatedAt ?? new Date()).toISOString(),
    summary: withoutGroups(summarise(results)),
    statuses: PROBLEM_STATUSES,
    problems,
    strings,
    histogram: logHistogram(ran.map((r) => r.timings.runMs)),
    timeSplit: timeSplit(ran.map((r) => r.timings)),
    trust: [...countBy(results, (r) => fieldLabel(r.trust))].map(([level, rs]) => ({
      level,
      items: rs.length,
      valid: rs.filter((r) => r.verdict === "valid").length,
    })),
    envs: [...countBy(results, (r) => fieldLabel(r.env))]
      .map(([id, rs]) => ({ id, items: rs.length }))
      .sort((a, b) => b.items - a.items),
  };
  if (input.baseline) {
    model.baseline = {
      source: input.baseline.source,
      summary: withoutGroups(summarise(input.baseline.results)),
      diff: diffAgainstBaseline(rows, problemRows(input.baseline.results), input.diff),
    };
  }
  return model;
}
