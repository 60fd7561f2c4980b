// Puts accepted jobs on their fleet's queue through the job codec (services/jobs: claim check for large jobs,
// chunked sends): single sends go through the caller's coalescer; batch sends report exactly which seqs were sent.
import { encodeJob, PartialSendError, sendJobs, type Job } from "../../services/jobs/index.js";
import type { SeqRange } from "../../services/batches/index.js";
import { LeanFleetError, type JobQueue, type ObjectStore } from "../../services/core/index.js";

/**
 * Thrown when a batch was enqueued only in part; `sent` lists the seq ranges that reached the queue. The routes
 * catch it and answer with the batch's ids (errors.ts, PartialEnqueueFailure); it never reaches the error handler.
 */
export class PartialEnqueueError extends LeanFleetError {
  constructor(
    readonly sent: SeqRange[],
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

/** Sends jobs to queues. */
export class Enqueuer {
  constructor(
    private readonly store: ObjectStore,
    private readonly options: { sendConcurrency: number; claimCheckThresholdBytes?: number },
  ) {}

  /** The message body of a job (see encodeJob): a string when no store write is needed. */
  encode(job: Job): string | Promise<string> {
    return encodeJob(job, this.store, this.options.claimCheckThresholdBytes);
  }

  /** Enqueue one single job (through a coalescing sender: its id proves acceptance, no marker is written). */
  submitOne(sender: { send(body: string): Promise<string> }, job: Job): Promise<string> {
    const body = this.encode(job);
    return typeof body === "string" ? sender.send(body) : body.then((b) => sender.send(b));
  }

  /**
   * Enqueue batch jobs whose seqs are `firstSeq, firstSeq+1, …`. Resolves when all are sent; otherwise throws
   * {@link PartialEnqueueError} with the seq ranges that were sent.
   */
  async submitMany(queue: JobQueue, jobs: Job[], firstSeq: number): Promise<void> {
    try {
      await sendJobs(queue, this.store, jobs, {
        concurrency: this.options.sendConcurrency,
        ...(this.options.claimCheckThresholdBytes !== undefined
          ? { thresholdBytes: this.options.claimCheckThresholdBytes }
          : {}),
      });
    } catch (err) {
      if (!(err instanceof PartialSendError)) throw err;
      throw new PartialEnqueueError(
        err.sent.map((r) => ({ from: firstSeq + r.from, to: firstSeq + r.to })),
        err.cause,
      );
    }
  }
}
