// `leanfleet eval DATASET.jsonl`: submit a dataset as one batch, show live progress (rate, valid count, ETA), write
// the results as JSON Lines and print a summary (pass@k by group, time distribution, failures by status).
import { createWriteStream } from "node:fs";
import { writeFile } from "node:fs/promises";
import { basename } from "node:path";
import cliProgress from "cli-progress";
import type { Command } from "commander";
import { seqOfJob } from "../../services/batches/index.js";
import type { JobResult } from "../../services/jobs/index.js";
import { connect, type ConnectionOptions } from "../connection.js";
import { readDataset } from "../dataset.js";
import { formatSummary, summarise } from "../eval-summary.js";

/** Options of `eval`. */
interface EvalOptions {
  out?: string;
  fleet?: string;
  earlyStop?: boolean;
  summaryOut?: string;
  progress: boolean;
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
    .description("evaluate a dataset (JSON Lines of {code|file|tactic+proofState, group?}) as one batch; writes results JSONL and prints a summary")
    .argument("<dataset>", "a .jsonl file")
    .option("--out <file>", "results JSON Lines (default: <dataset>.results.jsonl in the current directory)")
    .option("--fleet <name>", "fleet (Lean environment)")
    .option("--early-stop", "skip the remaining items of a group once one is valid")
    .option("--summary-out <file>", "also write the summary as JSON")
    .option("--no-progress", "no progress bar")
    .action(async (dataset: string, opts: EvalOptions, cmd: Command) => {
      const started = Date.now();
      const items = await readDataset(dataset);
      const outPath = opts.out ?? defaultResultsPath(dataset);
      const client = connect(cmd.optsWithGlobals<ConnectionOptions>(), process.env, (line) => io.err(line));
      const health = await client.health();
      if (health.simulated) io.err("SIMULATED: the cluster runs the REPL double; results are not Lean verdicts.");

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
      if (show) bar.start(items.length, 0, { phase: "submit ", valid: 0, rate: "0.0" });
      const sub = await client.submitBatch(items, {
        ...(opts.fleet ? { fleet: opts.fleet } : {}),
        earlyStop: opts.earlyStop ?? false,
        signal: abort.signal,
        onProgress: (n) => show && bar.update(n),
      });
      if (show) bar.update(0, { phase: "results" });
      else io.err(`batch ${sub.batchId}: ${items.length} items submitted`);
      const indexOfSeq = new Map(sub.seqs.map((seq, i) => [seq, i]));

      const out = createWriteStream(outPath, { encoding: "utf8" });
      const results: JobResult[] = [];
      const meter = new RateMeter();
      let valid = 0;
      try {
        for await (const r of client.results(sub.batchId, { signal: abort.signal })) {
          const seq = seqOfJob(r.jobId);
          const line = { ...r, index: seq === undefined ? null : (indexOfSeq.get(seq) ?? null) };
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
          io.err(`stopped; batch ${sub.batchId} keeps running on the cluster (leanfleet status ${sub.batchId}); ${results.length} results written to ${outPath}`);
          process.exitCode = 130;
          return;
        }
        throw err;
      } finally {
        process.removeListener("SIGINT", onSigint);
      }
      if (show) bar.stop();
      await new Promise<void>((res) => out.end(() => res()));

      const summary = summarise(results);
      io.out(`batch ${sub.batchId}: results in ${outPath}`);
      for (const line of formatSummary(summary, { wallMs: Date.now() - started })) io.out(line);
      if (opts.summaryOut) await writeFile(opts.summaryOut, JSON.stringify({ batchId: sub.batchId, resultsFile: outPath, ...summary }, null, 2) + "\n");
    });
}
