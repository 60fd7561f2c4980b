// Where a job stands: done (its stored result), running (the worker's running marker), queued (accepted but not
// started) or unknown. "Accepted" is the signed id for single jobs (job-ids.ts) and the batch's part records for batch
// items, so GET answers 404 only for ids that were never accepted (or belong to another key).
import { seqOfJob } from "../../services/batches/index.js";
import { batchOfJob, resultKey, runningKey } from "../../services/jobs/index.js";
import type { ApiContext } from "./api-context.js";

/** The state of an accepted job. */
export type JobState = { state: "done"; result: unknown } | { state: "running" } | { state: "queued" };

/** True when `owner` (an API key id) submitted this job and it was accepted. */
async function acceptedFor(ctx: ApiContext, jobId: string, owner: string): Promise<boolean> {
  const batchId = batchOfJob(jobId);
  if (batchId === undefined) return ctx.jobIds.verify(jobId, owner);
  const manifest = await ctx.batches.manifest(batchId);
  if (manifest === undefined || manifest.owner !== owner) return false;
  const seq = seqOfJob(jobId)!;
  const extent = await ctx.batches.extent(batchId, manifest);
  return seq < extent.span && !extent.holes.some((h) => seq >= h.from && seq <= h.to);
}

/** The state of job `jobId` for caller `owner`, or undefined when it was never accepted (for this caller). */
export async function jobState(ctx: ApiContext, jobId: string, owner: string): Promise<JobState | undefined> {
  const [text, accepted] = await Promise.all([ctx.store.get(resultKey(jobId)), acceptedFor(ctx, jobId, owner)]);
  if (!accepted) return undefined;
  if (text !== undefined) return { state: "done", result: JSON.parse(text) };
  if (await ctx.store.exists(runningKey(jobId))) return { state: "running" };
  return { state: "queued" };
}

/**
 * Poll the store for a job's result until `deadlineMs` (epoch ms), with backoff from `startMs` doubling up to
 * `maxMs`. Returns the parsed result, or undefined when it is not ready in time.
 */
export async function waitForResult(
  ctx: ApiContext,
  jobId: string,
  deadlineMs: number,
  startMs: number,
  maxMs: number,
): Promise<unknown> {
  let delay = startMs;
  for (;;) {
    const text = await ctx.store.get(resultKey(jobId));
    if (text !== undefined) return JSON.parse(text);
    const left = deadlineMs - ctx.now();
    if (left <= 0) return undefined;
    await ctx.sleep(Math.min(delay, left));
    delay = Math.min(maxMs, delay * 2);
  }
}
