// Closing a nightly run: the fleet's minimum back down, its results summarised and diffed against the previous run,
// its verdicts, summary and HTML report written next to the batch, and the run's latest pointer moved to it.
import { listBatchResults, readResultTexts } from "../../services/batches/index.js";
import type { ObjectStore } from "../../services/core/index.js";
import { resultSchema, type JobResult } from "../../services/jobs/index.js";
import { generateReport, readBatchResults, type ReportResult } from "../../services/report/index.js";
import type { RunState } from "./events.js";
import { nightlyActiveKey, nightlyLatestKey, runReportKey, runSummaryKey, runVerdictsKey } from "./keys.js";
import type { FleetScaler, FleetTarget, NightlyLog } from "./ports.js";
import { type FinishReason, type RunOutcomes, type RunSummary, diffRuns, outcomesOf, summarizeRun } from "./summary.js";

/** What closing a run works with. */
export interface FinishRunDeps {
  store: ObjectStore;
  scaler: FleetScaler;
  log: NightlyLog;
  now: () => Date;
}

/** A JSON object stored at `key`; undefined when absent or not JSON. */
export async function readJson(store: ObjectStore, key: string): Promise<Record<string, unknown> | undefined> {
  const text = await store.get(key);
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

/** How many results of the batch are stored. */
export async function countResults(store: ObjectStore, batchId: string): Promise<number> {
  let n = 0;
  await listBatchResults(store, batchId, -1, () => (n++, true));
  return n;
}

/** The batch's stored results by seq; unreadable ones are logged and skipped. */
async function readResults(d: FinishRunDeps, batchId: string): Promise<Map<number, JobResult>> {
  const refs: { seq: number; key: string }[] = [];
  await listBatchResults(d.store, batchId, -1, (ref) => (refs.push(ref), true));
  const texts = await readResultTexts(d.store, refs);
  const out = new Map<number, JobResult>();
  texts.forEach((text, i) => {
    if (text === undefined) return;
    try {
      const r = resultSchema.safeParse(JSON.parse(text));
      if (r.success) out.set(refs[i]!.seq, r.data);
      else d.log.warn({ key: refs[i]!.key }, "unreadable result skipped");
    } catch {
      d.log.warn({ key: refs[i]!.key }, "result is not JSON; skipped");
    }
  });
  return out;
}

/**
 * The run's HTML report next to its summary, against the previous run. Problems without a group are named by the
 * result's `id`, else by the dataset item id at the same position (a baseline run of an unchanged dataset matches).
 * A report that cannot be written is logged; it never fails the run.
 */
async function writeReport(
  d: FinishRunDeps,
  state: RunState,
  results: ReadonlyMap<number, JobResult>,
  prevBatch: string | undefined,
): Promise<void> {
  try {
    const named = (r: ReportResult, seq: number): ReportResult => ({
      ...r,
      index: seq,
      ...(r.id === undefined && state.itemIds[seq] !== undefined ? { id: state.itemIds[seq] } : {}),
    });
    const current = [...results.entries()].sort((a, b) => a[0] - b[0]).map(([seq, r]) => named(r, seq));
    const baseline =
      prevBatch === undefined
        ? undefined
        : (await readBatchResults(d.store, prevBatch)).map((r) => named(r, r.index ?? -1));
    const html = generateReport({
      title: `LeanFleet nightly: ${state.run} (${state.dataset})`,
      run: { results: current, source: `batch ${state.batchId}` },
      ...(baseline && baseline.length > 0 ? { baseline: { results: baseline, source: `batch ${prevBatch}` } } : {}),
    });
    await d.store.put(runReportKey(state.batchId), html, { contentType: "text/html; charset=utf-8" });
  } catch (err) {
    d.log.warn({ run: state.run, batchId: state.batchId, error: (err as Error).message }, "run report not written");
  }
}

/** The run's summary, diffed against the previous finished run of the same name (if any). */
async function summarize(
  d: FinishRunDeps,
  state: RunState,
  reason: FinishReason,
): Promise<{ summary: RunSummary; outcomes: RunOutcomes; results: Map<number, JobResult>; prevBatch?: string }> {
  const results = await readResults(d, state.batchId);
  const outcomes = outcomesOf(state.itemIds, results);
  const latest = await readJson(d.store, nightlyLatestKey(state.run));
  const prevBatch =
    typeof latest?.batchId === "string" && latest.batchId !== state.batchId ? latest.batchId : undefined;
  const previous = prevBatch
    ? ((await readJson(d.store, runVerdictsKey(prevBatch))) as RunOutcomes | undefined)
    : undefined;
  const summary: RunSummary = summarizeRun({
    run: state.run,
    fleet: state.fleet,
    dataset: state.dataset,
    batchId: state.batchId,
    startedAt: state.startedAt,
    finishedAt: d.now().toISOString(),
    finishedBecause: reason,
    outcomes,
    simulated: [...results.values()].some((r) => r.simulated),
    diff: diffRuns(previous, outcomes, previous ? prevBatch! : null),
  });
  return { summary, outcomes, results, ...(prevBatch === undefined ? {} : { prevBatch }) };
}

/** Close a run: lower a still-raised minimum, write its verdicts, summary and report, and make it the latest run. */
export async function finishRun(
  d: FinishRunDeps,
  state: RunState,
  target: FleetTarget,
  reason: FinishReason,
): Promise<FinishReason> {
  if (state.minRaisedAt && !state.minLoweredAt) await d.scaler.setMinTasks(target, target.minTasks);
  const { summary, outcomes, results, prevBatch } = await summarize(d, state, reason);
  await d.store.put(runVerdictsKey(state.batchId), JSON.stringify(outcomes));
  await d.store.put(runSummaryKey(state.batchId), JSON.stringify(summary, null, 2));
  await writeReport(d, state, results, prevBatch);
  await d.store.put(
    nightlyLatestKey(state.run),
    JSON.stringify({
      batchId: state.batchId,
      finishedAt: summary.finishedAt,
      summaryKey: runSummaryKey(state.batchId),
    }),
  );
  await d.store.delete(nightlyActiveKey(state.run));
  d.log.info(
    {
      run: state.run,
      batchId: state.batchId,
      reason,
      total: summary.total,
      valid: summary.valid,
      missing: summary.missing,
      ...summary.diff.counts,
      simulated: summary.simulated,
    },
    "nightly run finished",
  );
  return reason;
}
