// The queue side of the job format: a job's message body (the job itself, or a claim-check pointer after storing a
// large job in the bucket) and sending many jobs in chunks with bounded concurrency. The API, nightly runs and
// tests enqueue through here; the worker decodes with job-decoder.ts.
import pLimit from "p-limit";
import { LeanFleetError, type JobQueue, type ObjectStore } from "../core/index.js";
import { FORMAT_VERSION, JOB_DEFAULTS, type Job, type JobMessage } from "./job.js";
import { inputKey } from "./keys.js";

/** Defaults of the job codec. */
export const JOB_CODEC_DEFAULTS = {
  /** Bodies per `sendMany` call: one SQS SendMessageBatch, so a failure is one known chunk. @default 10 */
  sendChunk: 10,
} as const;

/**
 * The message body of a job: the job itself, or a pointer after storing it under `inputs/<id>.json` when it is larger
 * than `thresholdBytes` (claim check). A string when no store write is needed, so a caller does not wait a turn.
 */
export function encodeJob(
  job: Job,
  store: ObjectStore,
  thresholdBytes: number = JOB_DEFAULTS.claimCheckThresholdBytes,
): string | Promise<string> {
  const body = JSON.stringify(job);
  // UTF-8 takes at most 3 bytes per UTF-16 unit: a short string is under the threshold without measuring it.
  if (body.length <= thresholdBytes / 3 || Buffer.byteLength(body) <= thresholdBytes) return body;
  return claimCheck(job, body, store);
}

async function claimCheck(job: Job, body: string, store: ObjectStore): Promise<string> {
  const key = inputKey(job.id);
  await store.put(key, body, { contentType: "application/json" });
  const pointer: JobMessage = { v: FORMAT_VERSION, id: job.id, fleet: job.fleet, claim: key };
  return JSON.stringify(pointer);
}

/** A run of consecutive jobs (by index in the list given to {@link sendJobs}) that reached the queue. */
export interface SentRange {
  from: number;
  to: number;
}

/** Thrown when jobs were sent only in part; `sent` lists the index ranges that reached the queue. */
export class PartialSendError extends LeanFleetError {
  constructor(
    readonly sent: SentRange[],
    cause: unknown,
  ) {
    super(
      "partial_enqueue",
      `enqueueing stopped part-way: ${cause instanceof Error ? cause.message : String(cause)}`,
      { sent },
      { cause },
    );
  }
}

/**
 * Encode and send `jobs` in chunks of `sendChunk`, `concurrency` chunks at a time. Resolves when all are sent;
 * otherwise throws {@link PartialSendError} with the index ranges that were.
 */
export async function sendJobs(
  queue: JobQueue,
  store: ObjectStore,
  jobs: readonly Job[],
  options: { concurrency: number; sendChunk?: number; thresholdBytes?: number },
): Promise<void> {
  const chunk = options.sendChunk ?? JOB_CODEC_DEFAULTS.sendChunk;
  const starts: number[] = [];
  for (let i = 0; i < jobs.length; i += chunk) starts.push(i);
  const sent: boolean[] = new Array<boolean>(starts.length).fill(false);
  const limit = pLimit(options.concurrency);
  let failure: { error: unknown } | null = null;
  // After a failure the chunks still queued return at once and those already sending are waited for, so `sent` is
  // exact (p-limit's clearQueue would leave the queued ones' promises pending for ever).
  await Promise.allSettled(
    starts.map((start, c) =>
      limit(async () => {
        if (failure !== null) return;
        try {
          const bodies = await Promise.all(
            jobs.slice(start, start + chunk).map((j) => encodeJob(j, store, options.thresholdBytes)),
          );
          await queue.sendMany(bodies);
          sent[c] = true;
        } catch (error) {
          failure ??= { error };
        }
      }),
    ),
  );
  if (failure !== null) {
    const ranges: SentRange[] = [];
    sent.forEach((ok, c) => {
      if (!ok) return;
      const from = starts[c]!;
      const to = Math.min(jobs.length, from + chunk) - 1;
      const prev = ranges[ranges.length - 1];
      if (prev && prev.to + 1 === from) prev.to = to;
      else ranges.push({ from, to });
    });
    throw new PartialSendError(ranges, (failure as { error: unknown }).error);
  }
}
