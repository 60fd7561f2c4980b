// `leanfleet eval DATASET.jsonl`: submit a dataset as one batch, show live progress (rate, valid count, ETA), write
// the results as JSON Lines and print a summary (pass@k by group, time distribution, failures by status). With
// --resume, an interrupted evaluation continues collecting its batch's results into the same file (no resubmission).
// With --report, the run's HTML report is written beside the results.
import { createWriteStream, existsSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { basename } from "node:path";
import cliProgress from "cli-progress";
import type { Command } from "commander";
import { seqOfJob } from "../../services/batches/index.js";
import type { JobResult } from "../../services/jobs/index.js";
import { connect, endpointOf, type ConnectionOptions } from "../connection.js";
import { PROOF_FIELDS, readDataset } from "../dataset.js";
import { submitOrder } from "../submit-order.js";
import { writeReportFile } from "../../services/report/index.js";
import { formatSummary, summarise } from "../eval-summary.js";
import {
  clearState,
  datasetHash,
  environmentChange,
  environmentChangeError,
  indexOfSeq,
  loadState,
  readWrittenResults,
  saveState,
  statePath,
  toSeqRuns,
  type WrittenResults,
} from "../eval-state.js";

/** Options of `eval`. */
interface EvalOptions {
  out?: string;
  fleet?: string;
  earlyStop?: boolean;
  summaryOut?: string;
  progress: boolean;
  resume?: boolean;
  report?: boolean;
  allowEnvChange?: boolean;
  verify?: string;
  codeField?: string;
  idField?: string;
  statementField?: string;
  headerField?: string;
  proofField?: string;
}

/** Default results path for a dataset: `<name>.results.jsonl` in the current directory. */
export function defaultResultsPath(dataset: string): string {
  return `${basename(dataset).replace(/\.jsonl?$/i, "")}.results.jsonl`;
}

/** Results per second over the last `windowMs` of arrivals. */
class RateMeter {
  readonly #times: number[] = [];
  constructor(private readonly windowMs = 10_000) {}
  tick(now: number): void {
    this.#times.push(now);
    while (this.#times.length > 0 && this.#times[0]! < now - this.windowMs) this.#times.shift();
  }
  rate(now: number): number {
    const inWindow = this.#times.filter((t) => t >= now - this.windowMs);
    if (inWindow.length < 2) return 0;
    return (inWindow.length - 1) / Math.max(0.001, (now - inWindow[0]!) / 1000);
  }
}

/** Register `eval`. */
export function registerEval(program: Command, io: { out: (s: string) => void; err: (s: string) => void }): void {
  program
    .command("eval")
    .description(
      "evaluate a dataset as one batch: JSON Lines of {code|file|tactic+proofState, group?, id?, meta?, statement?}, or prover datasets as they ship ({name, split, header, formal_statement, proof|formal_proof|output|completion}); writes results JSONL and prints a summary",
    )
    .argument("<dataset>", "a .jsonl file")
    .option("--out <file>", "results JSON Lines (default: <dataset>.results.jsonl in the current directory)")
    .option("--fleet <name>", "fleet (Lean environment)")
    .option(
      "--early-stop",
      "skip the remaining items of a group once one is valid (items are then submitted round-robin across groups)",
    )
    .option(
      "--verify <level>",
      'trust level of the items that name none: "fast" (default) or "strict" (needs a statement)',
    )
    .option("--code-field <field>", "field with the whole Lean code (default: code; else header + statement + proof)")
    .option(
      "--id-field <field>",
      "field with the item's id, returned as id in its result and the default group (default: id, else name)",
    )
    .option(
      "--statement-field <field>",
      "field with the formal statement, sent with the header as statement so the proof must prove it (default: formal_statement)",
    )
    .option("--header-field <field>", "field with the import header before the statement (default: header)")
    .option(
      "--proof-field <field>",
      `field with the proof completing the statement (default: the first of ${PROOF_FIELDS.join(", ")})`,
    )
    .option("--summary-out <file>", "also write the summary as JSON")
    .option("--no-progress", "no progress bar")
    .option(
      "--report",
      "also write the run's HTML report beside the results (<results without .results.jsonl>.report.html)",
    )
    .option(
      "--resume",
      "continue an interrupted eval of the same dataset and --out: collect the rest of its batch's results (nothing is resubmitted)",
    )
    .option(
      "--allow-env-change",
      "with --resume: continue even though the fleet now runs another environment than the results so far (pass@k is then given per environment)",
    )
    .action(async (dataset: string, opts: EvalOptions, cmd: Command) => {
      const started = Date.now();
      if (opts.verify !== undefined && opts.verify !== "fast" && opts.verify !== "strict") {
        throw new Error(`--verify must be "fast" or "strict", got ${JSON.stringify(opts.verify)}`);
      }
      const verify = opts.verify as "fast" | "strict" | undefined;
      const { items, text, warnings } = await readDataset(dataset, {
        ...(opts.codeField ? { code: opts.codeField } : {}),
        ...(opts.idField ? { id: opts.idField } : {}),
        ...(opts.statementField ? { statement: opts.statementField } : {}),
        ...(opts.headerField ? { header: opts.headerField } : {}),
        ...(opts.proofField ? { proof: opts.proofField } : {}),
      });
      for (const w of warnings) io.err(w);
      const sha256 = datasetHash(text);
      const outPath = opts.out ?? defaultResultsPath(dataset);
      const connection = cmd.optsWithGlobals<ConnectionOptions>();
      const endpoint = endpointOf(connection);
      const client = connect(connection, process.env, (line) => io.err(line));
      // Resuming: the batch and results so far come from the interrupted run (checked before touching the cluster).
      const resumed = opts.resume
        ? { state: await loadState(outPath, sha256), written: await readWrittenResults(outPath) }
        : undefined;
      if (resumed && resumed.state.endpoint !== endpoint) {
        io.err(
          `note: batch ${resumed.state.batchId} was submitted to ${resumed.state.endpoint}; reading its results from ${endpoint}`,
        );
      }
      if (!resumed && existsSync(statePath(outPath))) {
        io.err(
          `note: ${statePath(outPath)} records an interrupted eval; this run submits a new batch (use --resume to continue that one instead)`,
        );
      }
      const health = await client.health();
      if (health.simulated) io.err("SIMULATED: the cluster runs the REPL double; results are not Lean verdicts.");
      if (resumed) {
        // Never mix environments silently: the fleet's latest worker must run one the results so far came from.
        const { fleet } = await client.progress(resumed.state.batchId);
        const envs = (await client.cluster()).fleets.find((f) => f.fleet === fleet)?.environments;
        const change = environmentChange(resumed.written.results, envs && !("error" in envs) ? envs.current : null);
        if (change && !opts.allowEnvChange) throw environmentChangeError(change, fleet, outPath);
        if (change)
          io.err(
            `note: continuing in environment ${change.now} after ${change.before.join(", ")} (--allow-env-change); the summary gives pass@k per environment`,
          );
      }

      const abort = new AbortController();
      const onSigint = () => abort.abort(new Error("interrupted"));
      process.once("SIGINT", onSigint);
      const bar = new cliProgress.SingleBar(
        {
          format: "{phase} |{bar}| {value}/{total} | valid {valid} | {rate}/s | ETA {eta_formatted}",
          stream: process.stderr,
          noTTYOutput: true,
          notTTYSchedule: 2000,
          hideCursor: false,
          etaBuffer: 200,
        },
        cliProgress.Presets.shades_classic,
      );
      const show = opts.progress !== false;
      let batchId: string;
      let seqToIndex: Map<number, number>;
      let written: WrittenResults | undefined;
      if (resumed) {
        ({ batchId } = resumed.state);
        const order = submitOrder(
          resumed.state.order ?? "dataset",
          items.map((it) => it.group),
        );
        seqToIndex = new Map([...indexOfSeq(resumed.state)].map(([seq, position]) => [seq, order[position]!]));
        written = resumed.written;
        io.err(`resuming batch ${batchId}: ${written.results.length} of ${items.length} results already in ${outPath}`);
      } else {
        if (show) bar.start(items.length, 0, { phase: "submit ", valid: 0, rate: "0.0" });
        // With early stop, a group's later candidates must reach the queue after its first ones ran: round-robin.
        const orderKind = opts.earlyStop ? "group-round-robin" : "dataset";
        const order = submitOrder(
          orderKind,
          items.map((it) => it.group),
        );
        const sub = await client.submitBatch(
          order.map((i) => items[i]!),
          {
            ...(opts.fleet ? { fleet: opts.fleet } : {}),
            earlyStop: opts.earlyStop ?? false,
            ...(verify ? { verify } : {}),
            signal: abort.signal,
            onProgress: (n) => show && bar.update(n),
          },
        );
        batchId = sub.batchId;
        seqToIndex = new Map(sub.seqs.map((seq, position) => [seq, order[position]!]));
        await saveState(outPath, {
          v: 1,
          batchId,
          datasetSha256: sha256,
          items: items.length,
          seqRuns: toSeqRuns(sub.seqs),
          endpoint,
          order: orderKind,
        });
        if (!show) io.err(`batch ${batchId}: ${items.length} items submitted`);
      }

      const out = createWriteStream(outPath, { encoding: "utf8", flags: resumed ? "a" : "w" });
      const results: JobResult[] = [...(written?.results ?? [])];
      const meter = new RateMeter();
      let valid = results.filter((r) => r.verdict === "valid").length;
      if (show) {
        if (resumed) bar.start(items.length, results.length, { phase: "results", valid, rate: "0.0" });
        else bar.update(0, { phase: "results" });
      }
      try {
        for await (const r of client.results(batchId, {
          signal: abort.signal,
          ...(written ? { cursor: written.cursor } : {}),
        })) {
          const seq = seqOfJob(r.jobId);
          if (seq !== undefined && written?.seqs.has(seq)) continue; // already in the file (beyond what the cursor could hold)
          const line = { ...r, index: seq === undefined ? null : (seqToIndex.get(seq) ?? null) };
          if (!out.write(JSON.stringify(line) + "\n")) await new Promise<void>((res) => out.once("drain", () => res()));
          results.push(r);
          if (r.verdict === "valid") valid++;
          const now = Date.now();
          meter.tick(now);
          if (show) bar.update(results.length, { valid, rate: meter.rate(now).toFixed(1) });
        }
      } catch (err) {
        if (show) bar.stop();
        await new Promise<void>((res) => out.end(() => res()));
        if (abort.signal.aborted) {
          io.err(
            `stopped; batch ${batchId} keeps running on the cluster; ${results.length} results written to ${outPath}. Continue with: leanfleet eval ${dataset} --out ${outPath} --resume`,
          );
          process.exitCode = 130;
          return;
        }
        throw err;
      } finally {
        process.removeListener("SIGINT", onSigint);
      }
      if (show) bar.stop();
      await new Promise<void>((res) => out.end(() => res()));

      await clearState(outPath); // every result is in the file: nothing left to resume
      const summary = summarise(results);
      io.out(`batch ${batchId}: results in ${outPath}`);
      for (const line of formatSummary(summary, { wallMs: Date.now() - started })) io.out(line);
      if (opts.summaryOut)
        await writeFile(opts.summaryOut, JSON.stringify({ batchId, resultsFile: outPath, ...summary }, null, 2) + "\n");
      if (opts.report) {
        const report = await writeReportFile(outPath, {
          title: `LeanFleet report: ${basename(dataset)} (batch ${batchId})`,
        });
        io.out(`report: ${report.out}`);
      }
    });
}
