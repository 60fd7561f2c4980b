// One Kimina call on the fleet: its snippets become one batch of jobs on the default fleet's queue (the same batch
// records, ids and Enqueuer as POST /v1/batches), then the call waits for their stored results within its budget.
// Whatever goes wrong is answered per snippet (never a whole-request 429/500), and a job once enqueued is never
// dropped: a snippet not back in time still ends with its stored result, readable at GET /v1/jobs/<jobId>.
import {
  listBatchResults,
  readResultTexts,
  type BatchManifest,
  type BatchPart,
  type ResultRef,
} from "../../../services/batches/index.js";
import { batchJobId, FORMAT_VERSION, JOB_DEFAULTS, type Job, type JobResult } from "../../../services/jobs/index.js";
import type { InfotreeMode } from "../../../services/repl/index.js";
import { InternalError, LeanFleetError, type JobQueue } from "../../../services/core/index.js";
import type { ApiContext } from "../api-context.js";
import { PartialEnqueueError } from "../enqueue.js";
import type { Principal } from "../limits.js";
import type { SnippetOutcome } from "./answers.js";

/** Polling of the store while a call waits. */
export const KIMINA_POLL = {
  /** First wait between two looks at the batch's results, in milliseconds. @default 20 */
  startMs: 20,
  /** Longest wait between two looks, in milliseconds (one LIST plus a GET per new result each look). @default 250 */
  maxMs: 250,
} as const;

/** One call's snippets and how they run. */
export interface SnippetRun {
  codes: string[];
  /** Kimina's `timeout`, in seconds: each snippet's job timeout. */
  timeoutSeconds: number;
  /** false: nothing elaborated earlier is reused (`options.incrementality: false`). */
  reuse: boolean;
  infotree: InfotreeMode | undefined;
  principal: Principal;
  /** Aborted when the client went away: stop waiting (the jobs still run and store their results). */
  signal?: AbortSignal | undefined;
}

/** The job timeout for Kimina's `timeout`: at least the job format's 100 ms, at most its ceiling. */
export function jobTimeoutMs(timeoutSeconds: number): number {
  return Math.min(JOB_DEFAULTS.maxTimeoutMs, Math.max(100, Math.round(timeoutSeconds * 1000)));
}

const messageOf = (err: unknown) => (err instanceof Error ? err.message : String(err));

/** Kimina's error for snippets that never reached a REPL (2.1.3 words it "Failed to get REPL: …"). */
const notRun = (why: string) => `Failed to get REPL: ${why}`;

/** The call's batch (on the default fleet) and its jobs, one per snippet: a snippet's seq is its index. */
function snippetBatch(ctx: ApiContext, run: SnippetRun): { manifest: BatchManifest; jobs: Job[]; queue: JobQueue } {
  const { fleet, queue } = ctx.queueOf(undefined, "fleet");
  const at = new Date(ctx.now()).toISOString();
  const manifest: BatchManifest = {
    v: FORMAT_VERSION,
    batchId: ctx.newBatchId(),
    fleet,
    earlyStop: false,
    createdAt: at,
    owner: run.principal.id,
  };
  const timeoutMs = jobTimeoutMs(run.timeoutSeconds);
  const options = {
    ...(run.reuse ? {} : { incrementality: false }),
    ...(run.infotree !== undefined ? { infotree: run.infotree } : {}),
  };
  const jobs: Job[] = run.codes.map((code, seq) => ({
    v: FORMAT_VERSION,
    id: batchJobId(manifest.batchId, seq),
    fleet,
    request: { kind: "command", code, ...(Object.keys(options).length > 0 ? { options } : {}) },
    timeoutMs,
    keep: false,
    batchId: manifest.batchId,
    submittedAt: at,
  }));
  return { manifest, jobs, queue };
}

/**
 * Admission: the key's request rate and queued-jobs limits, then the batch records (the whole call is one new batch,
 * so its part starts at seq 0).
 */
async function admitCall(
  ctx: ApiContext,
  principal: Principal,
  manifest: BatchManifest,
  n: number,
): Promise<BatchPart> {
  ctx.rate.take(principal);
  await ctx.queued.admit(principal, n);
  if (!(await ctx.batches.create(manifest)))
    throw new InternalError(`batch id ${manifest.batchId} already exists (id generator collision)`, {
      batchId: manifest.batchId,
    });
  const part = await ctx.batches.reserve(manifest.batchId, n, manifest.createdAt);
  if (part.start !== 0)
    throw new InternalError(`batch ${manifest.batchId} was appended to by another call`, { batchId: manifest.batchId });
  return part;
}

/** Send the jobs; which were sent (a partial failure keeps the batch's records to those). */
async function enqueueSnippets(
  ctx: ApiContext,
  queue: JobQueue,
  batch: { manifest: BatchManifest; part: BatchPart },
  jobs: Job[],
): Promise<boolean[]> {
  try {
    await ctx.enqueuer.submitMany(queue, jobs, 0);
    return jobs.map(() => true);
  } catch (err) {
    const ranges = err instanceof PartialEnqueueError ? err.sent : [];
    const sent = jobs.map((_, seq) => ranges.some((r) => seq >= r.from && seq <= r.to));
    await ctx.batches.truncate(batch.manifest.batchId, batch.part, ranges).catch(() => undefined);
    ctx.log?.error({ err, batchId: batch.manifest.batchId }, "kimina call enqueued in part");
    return sent;
  }
}

/** Submit the call's snippets as one batch and wait for their results; one outcome per snippet, in order. */
export async function runSnippets(ctx: ApiContext, run: SnippetRun): Promise<SnippetOutcome[]> {
  const { manifest, jobs, queue } = snippetBatch(ctx, run);
  // A refusal answers every snippet with its reason (kimina-client would resend the whole call after a 429, and give
  // up after 3).
  let part: BatchPart;
  try {
    part = await admitCall(ctx, run.principal, manifest, run.codes.length);
  } catch (err) {
    if (!(err instanceof LeanFleetError) || err.code === "internal")
      ctx.log?.error({ err }, "kimina call not admitted");
    return run.codes.map(() => ({ error: notRun(messageOf(err)) }));
  }
  const sent = await enqueueSnippets(ctx, queue, { manifest, part }, jobs);
  ctx.queued.record(run.principal, manifest.fleet, sent.filter(Boolean).length);

  const results = await waitForResults(ctx, manifest.batchId, sent, run.signal);
  const budget = ctx.limits.kiminaWaitSeconds;
  return jobs.map((job, seq): SnippetOutcome => {
    if (!sent[seq]) return { error: notRun("the fleet's queue refused the job; send the snippet again") };
    const result = results.get(seq);
    if (result !== undefined) return { jobId: job.id, result };
    return {
      jobId: job.id,
      error: `No result within this call's ${budget} s wait (queued behind other work): job ${job.id} still runs and stores its result; read it with GET /v1/jobs/${job.id}`,
    };
  });
}

/** Poll the batch's stored results until every sent seq has one, the budget runs out, or the client went away. */
async function waitForResults(
  ctx: ApiContext,
  batchId: string,
  sent: boolean[],
  signal: AbortSignal | undefined,
): Promise<Map<number, JobResult>> {
  const results = new Map<number, JobResult>();
  const wanted = sent.filter(Boolean).length;
  const deadline = ctx.now() + ctx.limits.kiminaWaitSeconds * 1000;
  let delay: number = KIMINA_POLL.startMs;
  while (results.size < wanted) {
    // List after the longest run of seqs already answered (or never sent), so a look costs one LIST page.
    let after = -1;
    while (after + 1 < sent.length && (!sent[after + 1] || results.has(after + 1))) after++;
    try {
      const refs: ResultRef[] = [];
      await listBatchResults(ctx.store, batchId, after, (ref) => {
        if (ref.seq < sent.length && sent[ref.seq] && !results.has(ref.seq)) refs.push(ref);
        return true;
      });
      const texts = await readResultTexts(ctx.store, refs);
      texts.forEach((t, i) => {
        if (t !== undefined) results.set(refs[i]!.seq, JSON.parse(t) as JobResult);
      });
    } catch (err) {
      // A failed look (the store throttled, a network blip) is retried at the next one; the call never fails whole.
      ctx.log?.error({ err, batchId }, "kimina call: reading results failed; retrying");
    }
    if (results.size >= wanted || signal?.aborted) break;
    const left = deadline - ctx.now();
    if (left <= 0) break;
    await ctx.sleep(Math.min(delay, left));
    delay = Math.min(KIMINA_POLL.maxMs, Math.ceil(delay * 1.5));
  }
  return results;
}
