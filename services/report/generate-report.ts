// Generating a report: from results in memory to the page's HTML, and from a results file (plus a baseline file) to
// a report file beside it.
import { readFile, writeFile } from "node:fs/promises";
import { basename } from "node:path";
import type { EvalSummary } from "../batches/index.js";
import { summarise } from "../batches/index.js";
import { buildReportModel, type ReportInput } from "./report-model.js";
import { renderReportHtml } from "./render-html.js";
import { parseResults } from "./report-result.js";

/** The report page for results in memory. */
export function generateReport(input: ReportInput): string {
  return renderReportHtml(buildReportModel(input));
}

/** Where a report for a results file goes by default: `x.results.jsonl` → `x.report.html`, `x.jsonl` → `x.report.html`. */
export function defaultReportPath(resultsPath: string): string {
  const stem = resultsPath.replace(/(\.results)?\.jsonl?$/i, "");
  return `${stem === resultsPath ? resultsPath : stem}.report.html`;
}

/** Options of {@link writeReportFile}. */
export interface ReportFileOptions {
  /** A results file of an earlier run to compare with. */
  baselinePath?: string;
  /** @default - {@link defaultReportPath} of the results file */
  out?: string;
  /** @default - "LeanFleet report: " and the results file's name */
  title?: string;
}

/** Read a results file (and a baseline), write its report; returns where, its size, warnings and the summary. */
export async function writeReportFile(
  resultsPath: string,
  options: ReportFileOptions = {},
): Promise<{ out: string; bytes: number; warnings: string[]; summary: EvalSummary }> {
  const run = parseResults(await readFile(resultsPath, "utf8"), resultsPath);
  const base =
    options.baselinePath === undefined
      ? undefined
      : parseResults(await readFile(options.baselinePath, "utf8"), options.baselinePath);
  const out = options.out ?? defaultReportPath(resultsPath);
  const html = generateReport({
    title: options.title ?? `LeanFleet report: ${basename(resultsPath)}`,
    run: { results: run.results, source: basename(resultsPath) },
    ...(base && options.baselinePath !== undefined
      ? { baseline: { results: base.results, source: basename(options.baselinePath) } }
      : {}),
  });
  await writeFile(out, html, "utf8");
  return {
    out,
    bytes: Buffer.byteLength(html),
    warnings: [...run.warnings, ...(base?.warnings ?? [])],
    summary: summarise(run.results),
  };
}
