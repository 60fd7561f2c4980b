// Puts accepted jobs on their fleet's queue: claim check for large jobs, single sends (coalesced by the caller), and
// batch sends in chunks with bounded concurrency that report exactly which items reached the queue.
import { inputKey, JOB_DEFAULTS, FORMAT_VERSION, type Job, type JobMessage } from "../../services/jobs/index.js";
import { mapLimit, type SeqRange } from "../../services/batches/index.js";
import type { JobQueue, ObjectStore } from "../../services/core/index.js";

/** Bodies per `sendMany` call while enqueueing a batch: one SQS SendMessageBatch, so a failure is one known chunk. */
const CHUNK = 10;

/** Thrown when a batch was enqueued only in part; `sent` lists the seq ranges that reached the queue. */
export class PartialEnqueueError extends Error {
  constructor(readonly sent: SeqRange[], cause: unknown) {
    super(`enqueueing stopped part-way: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
}

/** Sends jobs to queues. */
export class Enqueuer {
  constructor(
    private readonly store: ObjectStore,
    private readonly options: { sendConcurrency: number; claimCheckThresholdBytes?: number },
  ) {}

  /**
   * The message body of a job: the job itself, or a pointer after storing it when it is large (claim check). A string
   * when no store write is needed, so the enqueue path does not wait a turn for nothing.
   */
  encode(job: Job): string | Promise<string> {
    const body = JSON.stringify(job);
    const threshold = this.options.claimCheckThresholdBytes ?? JOB_DEFAULTS.claimCheckThresholdBytes;
    if (body.length <= threshold / 3 || Buffer.byteLength(body) <= threshold) return body;
    return this.#claimCheck(job, body);
  }

  async #claimCheck(job: Job, body: string): Promise<string> {
    const key = inputKey(job.id);
    await this.store.put(key, body, { contentType: "application/json" });
    const pointer: JobMessage = { v: FORMAT_VERSION, id: job.id, fleet: job.fleet, claim: key };
    return JSON.stringify(pointer);
  }

  /** Enqueue one single job (through a coalescing sender: its id proves acceptance, no marker is written). */
  submitOne(sender: { send(body: string): Promise<string> }, job: Job): Promise<string> {
    const body = this.encode(job);
    return typeof body === "string" ? sender.send(body) : body.then((b) => sender.send(b));
  }

  /**
   * Enqueue batch jobs whose seqs are `firstSeq, firstSeq+1, …`. Resolves when all are sent; otherwise throws
   * {@link PartialEnqueueError} with the ranges that were sent.
   */
  async submitMany(queue: JobQueue, jobs: Job[], firstSeq: number): Promise<void> {
    const chunks: number[] = [];
    for (let i = 0; i < jobs.length; i += CHUNK) chunks.push(i);
    const sent: boolean[] = new Array<boolean>(chunks.length).fill(false);
    try {
      await mapLimit(chunks, this.options.sendConcurrency, async (start, c) => {
        const bodies = await Promise.all(jobs.slice(start, start + CHUNK).map((j) => this.encode(j)));
        await queue.sendMany(bodies);
        sent[c] = true;
      });
    } catch (err) {
      const ranges: SeqRange[] = [];
      sent.forEach((ok, c) => {
        if (!ok) return;
        const from = firstSeq + chunks[c]!;
        const to = Math.min(firstSeq + jobs.length, from + CHUNK) - 1;
        const prev = ranges[ranges.length - 1];
        if (prev && prev.to + 1 === from) prev.to = to;
        else ranges.push({ from, to });
      });
      throw new PartialEnqueueError(ranges, err);
    }
  }
}
