// S3 keys of nightly runs: the active-run state, the pointer to each run's latest finished batch, and the
// summary, per-item verdicts and HTML report stored next to a batch's results.
import { batchResultsPrefix } from "../../services/jobs/index.js";

/** Prefix of the state objects of runs in progress (one per run name). */
export const NIGHTLY_ACTIVE_PREFIX = "nightly/active/";

/** State of run `run` while it is in progress. */
export function nightlyActiveKey(run: string): string {
  return `${NIGHTLY_ACTIVE_PREFIX}${run}.json`;
}

/** Pointer to the latest finished batch of run `run` (what the next run diffs against). */
export function nightlyLatestKey(run: string): string {
  return `nightly/latest/${run}.json`;
}

/**
 * The run summary, next to the batch's results (`results/<batchId>/summary.json`). Result listings skip it: only
 * keys named by a sequence number are results.
 */
export function runSummaryKey(batchId: string): string {
  return `${batchResultsPrefix(batchId)}summary.json`;
}

/** Per-item outcomes of a finished run, keyed by dataset item id (the next run's diff reads them). */
export function runVerdictsKey(batchId: string): string {
  return `${batchResultsPrefix(batchId)}verdicts.json`;
}

/** The run's HTML report, next to its summary (`results/<batchId>/report.html`). */
export function runReportKey(batchId: string): string {
  return `${batchResultsPrefix(batchId)}report.html`;
}
