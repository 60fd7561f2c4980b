// The run against a baseline run, problem by problem: newly solved, newly failing, and problems that got slower.
import type { ProblemRow } from "./problem-rows.js";

/** Tunables of the comparison. */
export interface BaselineDiffOptions {
  /**
   * A solved problem is a slowdown when its best time grew by more than this factor...
   * @default 2
   */
  slowdownFactor?: number;
  /**
   * ...and by at least this many ms (so 1 ms becoming 3 ms on the double is not reported).
   * @default 10
   */
  slowdownMinMs?: number;
}

/** Defaults of {@link BaselineDiffOptions}. */
export const BASELINE_DIFF_DEFAULTS = { slowdownFactor: 2, slowdownMinMs: 10 } as const;

/** A problem solved in both runs whose best time grew past the threshold. */
export interface Slowdown {
  name: string;
  beforeMs: number;
  afterMs: number;
}

/** How the run differs from its baseline; problem names in each list sorted. */
export interface BaselineDiff {
  /** Solved now, present and not solved in the baseline. */
  newlySolved: string[];
  /** Solved in the baseline, present and not solved now. */
  newlyFailing: string[];
  /** Solved in both, best time grew by more than the factor; slowest growth first. */
  slowdowns: Slowdown[];
  /** Problems only in this run, and only in the baseline. */
  onlyCurrent: number;
  onlyBaseline: number;
}

const order = new Intl.Collator("en", { numeric: true });

/** Compare problems by name (problems without a group match by id, or else by dataset index). */
export function diffAgainstBaseline(
  current: readonly ProblemRow[],
  baseline: readonly ProblemRow[],
  options: BaselineDiffOptions = {},
): BaselineDiff {
  const { slowdownFactor, slowdownMinMs } = { ...BASELINE_DIFF_DEFAULTS, ...options };
  const before = new Map(baseline.map((p) => [p.name, p]));
  const diff: BaselineDiff = { newlySolved: [], newlyFailing: [], slowdowns: [], onlyCurrent: 0, onlyBaseline: 0 };
  const seen = new Set<string>();
  for (const now of current) {
    const was = before.get(now.name);
    if (!was) {
      diff.onlyCurrent++;
      continue;
    }
    seen.add(now.name);
    const solvedNow = now.status === "solved";
    const solvedBefore = was.status === "solved";
    if (solvedNow && !solvedBefore) diff.newlySolved.push(now.name);
    if (!solvedNow && solvedBefore) diff.newlyFailing.push(now.name);
    if (solvedNow && solvedBefore && now.bestMs !== undefined && was.bestMs !== undefined) {
      if (now.bestMs > slowdownFactor * was.bestMs && now.bestMs - was.bestMs >= slowdownMinMs) {
        diff.slowdowns.push({ name: now.name, beforeMs: was.bestMs, afterMs: now.bestMs });
      }
    }
  }
  diff.onlyBaseline = baseline.filter((p) => !seen.has(p.name)).length;
  diff.newlySolved.sort(order.compare);
  diff.newlyFailing.sort(order.compare);
  diff.slowdowns.sort(
    (a, b) =>
      b.afterMs / Math.max(1, b.beforeMs) - a.afterMs / Math.max(1, a.beforeMs) || order.compare(a.name, b.name),
  );
  return diff;
}
