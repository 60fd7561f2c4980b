// Time distributions for the report's charts: a run-time histogram on log-spaced bins with its percentiles, and the
// quantiles of queueing and running time side by side.
import { percentile } from "../batches/index.js";

/** A histogram: bin i counts values in [edges[i], edges[i+1]); x is each bin's geometric centre. */
export interface Histogram {
  edges: number[];
  x: number[];
  counts: number[];
  p50: number;
  p90: number;
  p99: number;
}

/** Histogram of times in ms on `bins` log-spaced bins (values below 1 ms fall in the first bin). */
export function logHistogram(values: readonly number[], bins = 40): Histogram {
  const sorted = [...values].sort((a, b) => a - b);
  const stats = { p50: percentile(sorted, 50), p90: percentile(sorted, 90), p99: percentile(sorted, 99) };
  if (sorted.length === 0) return { edges: [], x: [], counts: [], ...stats };
  const lo = Math.max(1, sorted[0]!);
  const hi = Math.max(lo * 1.0001, sorted[sorted.length - 1]!) * 1.0001; // the top value falls inside the last bin
  const n = Math.max(1, Math.min(bins, sorted.length));
  const step = Math.log(hi / lo) / n;
  const edges = Array.from({ length: n + 1 }, (_, i) => lo * Math.exp(step * i));
  const counts = new Array<number>(n).fill(0);
  for (const v of sorted) {
    const i = v <= lo ? 0 : Math.min(n - 1, Math.floor(Math.log(v / lo) / step));
    counts[i]!++;
  }
  const x = counts.map((_, i) => Math.sqrt(edges[i]! * edges[i + 1]!));
  return { edges, x, counts, ...stats };
}

/** Queueing and running time at the same quantiles (0, 1, ..., 100 %), and their totals. */
export interface TimeSplit {
  q: number[];
  queuedMs: number[];
  runMs: number[];
  queuedTotalMs: number;
  runTotalMs: number;
}

/** The time split of the items that ran. */
export function timeSplit(items: readonly { queuedMs: number; runMs: number }[]): TimeSplit {
  const queued = items.map((i) => i.queuedMs).sort((a, b) => a - b);
  const run = items.map((i) => i.runMs).sort((a, b) => a - b);
  const q = Array.from({ length: 101 }, (_, i) => i);
  const at = (xs: number[], p: number) => (xs.length === 0 ? 0 : p === 0 ? xs[0]! : percentile(xs, p));
  return {
    q,
    queuedMs: q.map((p) => at(queued, p)),
    runMs: q.map((p) => at(run, p)),
    queuedTotalMs: queued.reduce((a, b) => a + b, 0),
    runTotalMs: run.reduce((a, b) => a + b, 0),
  };
}
