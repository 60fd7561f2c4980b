// What `leanfleet eval --resume` needs to continue an interrupted evaluation: a small state file beside the results
// (the batch id, a hash of the dataset, and which batch seq each dataset item got), and the results already written
// (a line cut off by a crash is dropped), from which the results cursor is rebuilt.
import { createHash } from "node:crypto";
import { readFile, rm, truncate, writeFile } from "node:fs/promises";
import { z } from "zod";
import { RESULT_CURSOR_MAX_CHARS, ResultCursor, seqOfJob, type SeqRange } from "../services/batches/index.js";
import { LeanFleetError } from "../services/core/index.js";
import type { JobResult } from "../services/jobs/index.js";

/** A problem with `--resume` (no state, another dataset, a damaged results file); the message says what to do. */
export class ResumeError extends LeanFleetError {
  constructor(message: string, options?: ErrorOptions) {
    super("resume_state", message, {}, options);
  }
}

const stateSchema = z.object({
  v: z.literal(1),
  batchId: z.string().min(1),
  datasetSha256: z.string().regex(/^[0-9a-f]{64}$/),
  items: z.number().int().positive(),
  /** Runs of consecutive items with consecutive seqs: [first item index, its seq, count]. */
  seqRuns: z.array(
    z.tuple([z.number().int().nonnegative(), z.number().int().nonnegative(), z.number().int().positive()]),
  ),
  endpoint: z.string(),
  /**
   * Order the items were submitted in (`eval --early-stop`: round-robin across groups); then `seqRuns` index
   * submission positions, mapped back to dataset items by recomputing the order from the (same) dataset.
   * @default "dataset"
   */
  order: z.enum(["dataset", "group-round-robin"]).optional(),
});

/** The state of one submitted evaluation. */
export type EvalState = z.infer<typeof stateSchema>;

/** Where the state of the evaluation writing `resultsPath` lives. */
export function statePath(resultsPath: string): string {
  return `${resultsPath}.state.json`;
}

/** SHA-256 of the dataset text: a resumed evaluation must read the same dataset. */
export function datasetHash(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex");
}

/** Compress `seqs[i]` (the seq of item i) into runs. */
export function toSeqRuns(seqs: number[]): EvalState["seqRuns"] {
  const runs: EvalState["seqRuns"] = [];
  seqs.forEach((seq, i) => {
    const last = runs[runs.length - 1];
    if (last && last[0] + last[2] === i && last[1] + last[2] === seq) last[2]++;
    else runs.push([i, seq, 1]);
  });
  return runs;
}

/** The dataset item index of every seq. */
export function indexOfSeq(state: Pick<EvalState, "seqRuns">): Map<number, number> {
  const map = new Map<number, number>();
  for (const [index, seq, count] of state.seqRuns) for (let k = 0; k < count; k++) map.set(seq + k, index + k);
  return map;
}

/** Write the state (after the submission completed). */
export async function saveState(resultsPath: string, state: EvalState): Promise<void> {
  await writeFile(statePath(resultsPath), JSON.stringify(state) + "\n");
}

/** Remove the state once every result is written. */
export async function clearState(resultsPath: string): Promise<void> {
  await rm(statePath(resultsPath), { force: true });
}

/** Read the state of `resultsPath`, checking that it belongs to this dataset. */
export async function loadState(resultsPath: string, datasetSha256: string): Promise<EvalState> {
  const path = statePath(resultsPath);
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch {
    throw new ResumeError(
      `nothing to resume: ${path} does not exist (it is written once a dataset is fully submitted, and removed when all results are in); run without --resume to start a new batch, or pass the --out of the interrupted run`,
    );
  }
  let state: EvalState;
  try {
    state = stateSchema.parse(JSON.parse(text));
  } catch (err) {
    throw new ResumeError(
      `${path} is damaged (${(err as Error).message.slice(0, 200)}); delete it and run without --resume`,
    );
  }
  if (state.datasetSha256 !== datasetSha256) {
    throw new ResumeError(
      `the dataset changed since batch ${state.batchId} was submitted (its SHA-256 differs from the one in ${path}); resume with the same dataset, or run without --resume`,
    );
  }
  return state;
}

/** Results already in the file, and the cursor covering them. */
export interface WrittenResults {
  results: JobResult[];
  /** Seqs of the results in the file (skipped if the server sends them again). */
  seqs: Set<number>;
  /** Cursor to resume the results stream from (only the fully covered prefix when every seq would not fit). */
  cursor: string;
}

/**
 * Read the results written so far. A last line without its newline (cut off by a crash) is dropped and the file
 * truncated before it, so appending continues on a line boundary; a damaged line elsewhere is an error.
 */
export async function readWrittenResults(resultsPath: string): Promise<WrittenResults> {
  let text = "";
  try {
    text = await readFile(resultsPath, "utf8");
  } catch {
    // No results yet: start the stream from the beginning.
  }
  const end = text.lastIndexOf("\n") + 1;
  if (end < text.length) {
    await truncate(resultsPath, Buffer.byteLength(text.slice(0, end)));
    text = text.slice(0, end);
  }
  const results: JobResult[] = [];
  const seqs = new Set<number>();
  text.split("\n").forEach((line, n) => {
    if (line === "") return;
    let r: JobResult;
    try {
      r = JSON.parse(line) as JobResult;
    } catch (err) {
      throw new ResumeError(
        `${resultsPath}:${n + 1} is not a JSON result (${(err as Error).message}); fix or delete that line, then resume`,
      );
    }
    const seq = seqOfJob(r.jobId);
    if (seq === undefined)
      throw new ResumeError(
        `${resultsPath}:${n + 1} has no batch item id ("jobId" of the form b_….NNNNNNNNN); is this the results file of another run?`,
      );
    if (seqs.has(seq)) return;
    seqs.add(seq);
    results.push(r);
  });
  // One pass over the sorted seqs: the cursor's ranges are built once, not re-merged per result.
  const ranges: SeqRange[] = [];
  for (const seq of [...seqs].sort((a, b) => a - b)) {
    const last = ranges[ranges.length - 1];
    if (last && last.to + 1 === seq) last.to = seq;
    else ranges.push({ from: seq, to: seq });
  }
  const cursor = new ResultCursor(-1, ranges);
  const full = cursor.toString();
  return { results, seqs, cursor: full.length <= RESULT_CURSOR_MAX_CHARS ? full : String(cursor.watermark) };
}

/**
 * When resuming would continue a run in another environment than the one its results so far came from: the ids on
 * both sides (null when nothing changed, or when either side is unknown).
 */
export function environmentChange(
  written: readonly { env?: unknown }[],
  current: string | null,
): { before: string[]; now: string } | null {
  const before = [...new Set(written.map((r) => r.env).filter((e): e is string => typeof e === "string"))].sort();
  if (current === null || before.length === 0 || before.includes(current)) return null;
  return { before, now: current };
}

/** The refusal of `--resume` into another environment, naming both. */
export function environmentChangeError(
  change: { before: string[]; now: string },
  fleet: string,
  resultsPath: string,
): ResumeError {
  return new ResumeError(
    `the results already in ${resultsPath} come from environment ${change.before.join(", ")}, but fleet ${JSON.stringify(fleet)} now runs ${change.now}: resuming would mix two environments in one run. ` +
      `Pass --allow-env-change to continue anyway (the summary then gives pass@k per environment), or start a new eval on the new environment without --resume`,
  );
}
