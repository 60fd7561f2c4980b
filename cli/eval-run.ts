// One run of `leanfleet eval` once its flags are checked: read the dataset, submit it as one batch (or pick up the
// interrupted one with --resume), append the results to the results file as they arrive, then print and write the
// summary and the optional report.
import { createWriteStream, existsSync, type WriteStream } from "node:fs";
import { writeFile } from "node:fs/promises";
import { basename } from "node:path";
import { seqOfJob } from "../services/batches/index.js";
import type { BatchItemInput, LeanFleetClient } from "../services/client/index.js";
import { InterruptedError } from "../services/core/index.js";
import type { JobResult } from "../services/jobs/index.js";
import { writeReportFile } from "../services/report/index.js";
import { connect, endpointOf, type ConnectionOptions } from "./connection.js";
import type { DatasetFields } from "./dataset.js";
import { readDataset } from "./dataset.js";
import { EvalProgress } from "./eval-progress.js";
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
  type EvalState,
  type WrittenResults,
} from "./eval-state.js";
import { formatSummary, summarise } from "./eval-summary.js";
import { submitOrder } from "./submit-order.js";
import type { CliIo } from "./io.js";

/** What `eval` was asked to do, its flags checked. */
export interface EvalPlan {
  dataset: string;
  /** The results file (JSON Lines). */
  outPath: string;
  fields: DatasetFields;
  fleet?: string;
  earlyStop: boolean;
  verify?: "fast" | "strict";
  /** Draw the progress bar. */
  show: boolean;
  resume: boolean;
  allowEnvChange: boolean;
  summaryOut?: string;
  report: boolean;
  connection: ConnectionOptions;
}

/** An interrupted run being continued: its state and the results already in the file. */
interface Resumed {
  state: EvalState;
  written: WrittenResults;
}

/** The dataset read and the cluster reached, before anything is submitted. */
interface EvalSession {
  plan: EvalPlan;
  io: CliIo;
  items: BatchItemInput[];
  sha256: string;
  endpoint: string;
  client: LeanFleetClient;
  resumed: Resumed | undefined;
}

/** The batch whose results are collected, and the dataset index of each of its seqs. */
interface EvalBatch {
  batchId: string;
  seqToIndex: Map<number, number>;
  written: WrittenResults | undefined;
}

/** Run `eval`; Ctrl-C while results stream in stops with exit code 130 and says how to resume. */
export async function runEval(plan: EvalPlan, io: CliIo): Promise<void> {
  const started = Date.now();
  const session = await openSession(plan, io);
  const abort = new AbortController();
  const onSigint = () => abort.abort(new InterruptedError("interrupted"));
  process.once("SIGINT", onSigint);
  const progress = new EvalProgress(plan.show);
  const batch = session.resumed
    ? resumeBatch(session, session.resumed)
    : await submitDataset(session, progress, abort.signal);
  const results = await collectResults(session, batch, progress, abort.signal, () =>
    process.removeListener("SIGINT", onSigint),
  );
  if (results !== undefined) await finishEval(session, batch.batchId, results, started);
}

/** Read the dataset and reach the cluster; with --resume, check the state and the environment first. */
async function openSession(plan: EvalPlan, io: CliIo): Promise<EvalSession> {
  const { items, text, warnings } = await readDataset(plan.dataset, plan.fields);
  for (const w of warnings) io.err(w);
  const sha256 = datasetHash(text);
  const endpoint = endpointOf(plan.connection);
  const client = connect(plan.connection, process.env, (line) => io.err(line));
  // Resuming: the batch and results so far come from the interrupted run (checked before touching the cluster).
  const resumed = plan.resume
    ? { state: await loadState(plan.outPath, sha256), written: await readWrittenResults(plan.outPath) }
    : undefined;
  if (resumed && resumed.state.endpoint !== endpoint) {
    io.err(
      `note: batch ${resumed.state.batchId} was submitted to ${resumed.state.endpoint}; reading its results from ${endpoint}`,
    );
  }
  if (!resumed && existsSync(statePath(plan.outPath))) {
    io.err(
      `note: ${statePath(plan.outPath)} records an interrupted eval; this run submits a new batch (use --resume to continue that one instead)`,
    );
  }
  const health = await client.health();
  if (health.simulated) io.err("SIMULATED: the cluster runs the REPL double; results are not Lean verdicts.");
  const session = { plan, io, items, sha256, endpoint, client, resumed };
  if (resumed) await checkEnvironment(session, resumed);
  return session;
}

/** Never mix environments silently: the fleet's latest worker must run one the results so far came from. */
async function checkEnvironment({ plan, io, client }: EvalSession, resumed: Resumed): Promise<void> {
  const { fleet } = await client.progress(resumed.state.batchId);
  const envs = (await client.cluster()).fleets.find((f) => f.fleet === fleet)?.environments;
  const change = environmentChange(resumed.written.results, envs && !("error" in envs) ? envs.current : null);
  if (change && !plan.allowEnvChange) throw environmentChangeError(change, fleet, plan.outPath);
  if (change)
    io.err(
      `note: continuing in environment ${change.now} after ${change.before.join(", ")} (--allow-env-change); the summary gives pass@k per environment`,
    );
}

/** The interrupted run's batch, its seqs mapped back to dataset items through the order they were submitted in. */
function resumeBatch({ io, items, plan }: EvalSession, resumed: Resumed): EvalBatch {
  const { batchId } = resumed.state;
  const order = submitOrder(
    resumed.state.order ?? "dataset",
    items.map((it) => it.group),
  );
  const seqToIndex = new Map([...indexOfSeq(resumed.state)].map(([seq, position]) => [seq, order[position]!]));
  io.err(
    `resuming batch ${batchId}: ${resumed.written.results.length} of ${items.length} results already in ${plan.outPath}`,
  );
  return { batchId, seqToIndex, written: resumed.written };
}

/** Submit the dataset as one batch and save the state a later --resume needs. */
async function submitDataset(s: EvalSession, progress: EvalProgress, signal: AbortSignal): Promise<EvalBatch> {
  const { plan, items } = s;
  progress.startSubmit(items.length);
  // With early stop, a group's later candidates must reach the queue after its first ones ran: round-robin.
  const orderKind = plan.earlyStop ? "group-round-robin" : "dataset";
  const order = submitOrder(
    orderKind,
    items.map((it) => it.group),
  );
  const sub = await s.client.submitBatch(
    order.map((i) => items[i]!),
    {
      ...(plan.fleet ? { fleet: plan.fleet } : {}),
      earlyStop: plan.earlyStop,
      ...(plan.verify ? { verify: plan.verify } : {}),
      signal,
      onProgress: (n) => progress.submitted(n),
    },
  );
  const { batchId } = sub;
  const seqToIndex = new Map(sub.seqs.map((seq, position) => [seq, order[position]!]));
  await saveState(plan.outPath, {
    v: 1,
    batchId,
    datasetSha256: s.sha256,
    items: items.length,
    seqRuns: toSeqRuns(sub.seqs),
    endpoint: s.endpoint,
    order: orderKind,
  });
  if (!plan.show) s.io.err(`batch ${batchId}: ${items.length} items submitted`);
  return { batchId, seqToIndex, written: undefined };
}

const endStream = (out: WriteStream) => new Promise<void>((res) => out.end(() => res()));

/**
 * Append the batch's results to the results file; every result in it, or undefined when Ctrl-C stopped the stream
 * (then the exit code is 130 and the user is told how to resume). `release` runs once the stream ends either way.
 */
async function collectResults(
  s: EvalSession,
  batch: EvalBatch,
  progress: EvalProgress,
  signal: AbortSignal,
  release: () => void,
): Promise<JobResult[] | undefined> {
  const { plan } = s;
  const out = createWriteStream(plan.outPath, { encoding: "utf8", flags: s.resumed ? "a" : "w" });
  const results: JobResult[] = [...(batch.written?.results ?? [])];
  try {
    await appendResults(s, batch, out, results, progress, signal);
  } catch (err) {
    progress.stop();
    await endStream(out);
    if (signal.aborted) {
      s.io.err(
        `stopped; batch ${batch.batchId} keeps running on the cluster; ${results.length} results written to ${plan.outPath}. Continue with: leanfleet eval ${plan.dataset} --out ${plan.outPath} --resume`,
      );
      process.exitCode = 130;
      return undefined;
    }
    throw err;
  } finally {
    release();
  }
  progress.stop();
  await endStream(out);
  return results;
}

/** Stream the batch's results into `out` (and `results`), each line with the dataset index it answers. */
async function appendResults(
  s: EvalSession,
  { batchId, seqToIndex, written }: EvalBatch,
  out: WriteStream,
  results: JobResult[],
  progress: EvalProgress,
  signal: AbortSignal,
): Promise<void> {
  let valid = results.filter((r) => r.verdict === "valid").length;
  progress.startResults(s.items.length, results.length, valid, s.resumed !== undefined);
  for await (const r of s.client.results(batchId, { signal, ...(written ? { cursor: written.cursor } : {}) })) {
    const seq = seqOfJob(r.jobId);
    if (seq !== undefined && written?.seqs.has(seq)) continue; // already in the file (beyond what the cursor could hold)
    const line = { ...r, index: seq === undefined ? null : (seqToIndex.get(seq) ?? null) };
    if (!out.write(JSON.stringify(line) + "\n")) await new Promise<void>((res) => out.once("drain", () => res()));
    results.push(r);
    if (r.verdict === "valid") valid++;
    progress.result(results.length, valid);
  }
}

/** Every result is in the file: drop the resume state, print the summary, write the summary and report files. */
async function finishEval(
  { plan, io }: EvalSession,
  batchId: string,
  results: JobResult[],
  started: number,
): Promise<void> {
  await clearState(plan.outPath); // nothing left to resume
  const summary = summarise(results);
  io.out(`batch ${batchId}: results in ${plan.outPath}`);
  for (const line of formatSummary(summary, { wallMs: Date.now() - started })) io.out(line);
  if (plan.summaryOut)
    await writeFile(
      plan.summaryOut,
      JSON.stringify({ batchId, resultsFile: plan.outPath, ...summary }, null, 2) + "\n",
    );
  if (plan.report) {
    const report = await writeReportFile(plan.outPath, {
      title: `LeanFleet report: ${basename(plan.dataset)} (batch ${batchId})`,
    });
    io.out(`report: ${report.out}`);
  }
}
