// The report of a stored batch (the API's GET /v1/batches/:id/report and the nightly run): its results read from the
// object store in seq order, each with its seq as the dataset index, optionally against a baseline batch.
import { listBatchResults, readResultTexts } from "../batches/index.js";
import type { ObjectStore } from "../core/index.js";
import { generateReport } from "./generate-report.js";
import { readResultLine, type ReportResult } from "./report-result.js";

/** A batch's readable results in seq order (a result that is not JSON or not a result is left out). */
export async function readBatchResults(store: ObjectStore, batchId: string): Promise<ReportResult[]> {
  const refs: { seq: number; key: string }[] = [];
  await listBatchResults(store, batchId, -1, (ref) => (refs.push(ref), true));
  const texts = await readResultTexts(store, refs);
  const out: ReportResult[] = [];
  texts.forEach((text, i) => {
    if (text === undefined) return;
    const r = readResultLine(text);
    if (r) out.push({ ...r, index: r.index ?? refs[i]!.seq });
  });
  return out;
}

/** The report page of a batch, against a baseline batch if given. */
export async function batchReport(
  store: ObjectStore,
  batchId: string,
  options: { title?: string; baselineBatchId?: string } = {},
): Promise<string> {
  const results = await readBatchResults(store, batchId);
  const baseline =
    options.baselineBatchId === undefined ? undefined : await readBatchResults(store, options.baselineBatchId);
  return generateReport({
    title: options.title ?? `LeanFleet report: batch ${batchId}`,
    run: { results, source: `batch ${batchId}` },
    ...(baseline && options.baselineBatchId !== undefined
      ? { baseline: { results: baseline, source: `batch ${options.baselineBatchId}` } }
      : {}),
  });
}
