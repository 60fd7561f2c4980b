// `leanfleet report RESULTS.jsonl [--baseline OLD.jsonl] [--out report.html] [--title T]`: write a results file's
// report (one self-contained HTML page) and print the same summary `leanfleet eval` prints for it. Needs no cluster.
import type { Command } from "commander";
import { writeReportFile } from "../../services/report/index.js";
import { formatSummary } from "../eval-summary.js";
import type { CliIo } from "../io.js";

/** Options of `report`. */
interface ReportOptions {
  baseline?: string;
  out?: string;
  title?: string;
}

/** Register `report`. */
export function registerReport(program: Command, io: CliIo): void {
  program
    .command("report")
    .description(
      "write an evaluation report (one self-contained HTML page) from a results file, optionally against a baseline run",
    )
    .argument("<results>", "a results .jsonl file (leanfleet eval --out)")
    .option("--baseline <file>", "results .jsonl of an earlier run: newly solved, newly failing, slowdowns")
    .option("--out <file>", "the HTML file (default: <results without .results.jsonl>.report.html)")
    .option("--title <text>", "page title (default: LeanFleet report: <results file name>)")
    .action(async (results: string, opts: ReportOptions) => {
      const written = await writeReportFile(results, {
        ...(opts.baseline !== undefined ? { baselinePath: opts.baseline } : {}),
        ...(opts.out !== undefined ? { out: opts.out } : {}),
        ...(opts.title !== undefined ? { title: opts.title } : {}),
      });
      for (const w of written.warnings) io.err(`warning: ${w}`);
      for (const line of formatSummary(written.summary)) io.out(line);
      io.out(`report: ${written.out} (${(written.bytes / 1e6).toFixed(2)} MB)`);
    });
}
