// Runs one received message to its end: decode, skip what is done, run on the REPL set under a kept-alive lease,
// write the result, then delete the message. Whatever cannot finish is left to redelivery (and, if it never can,
// to the dead-letter queue through the redrive policy), so no job is lost and none loops forever.
import type { Logger } from "pino";
import type { Job, JobResult } from "../jobs/index.js";
import type { ReplRunner } from "../repl/index.js";
import type { Heartbeat } from "./heartbeat.js";
import { decodeMessage } from "../jobs/index.js";
import { emfRecord } from "./metrics.js";
import type { JobQueue, ObjectStore, ReceivedMessage } from "../core/index.js";
import type { ProtectionHolder } from "./protection.js";
import { startRunningMarker } from "./running-marker.js";
import {
  headerOf,
  rejectedResult,
  resultFromOutcome,
  ResultWriter,
  skippedResult,
  type RunContext,
} from "./results.js";
import { runAndVerify, type RunState } from "./job-run.js";
import { strictRefusal, type VerificationDeps } from "./verification.js";

/** How a message ended, as far as this worker is concerned. */
export type JobDisposition =
  /** A result was written (or already there) and the message deleted. */
  | "done"
  /** Redelivered after its result was written: deleted without running. */
  | "duplicate"
  /** Early stop: its group already has a valid item; `skipped` result written. */
  | "skipped"
  /** Readable but invalid: `rejected` result written. */
  | "rejected"
  /** Never runnable: left for the redrive policy to move to the dead-letter queue. */
  | "poison"
  /** The lease was lost while running: nothing written, another delivery will run it. */
  | "lease_lost"
  /** Aborted by shutdown: made visible again at once. */
  | "released"
  /** An infrastructure call failed: left for redelivery after the lease expires. */
  | "failed";

/** Rejections of the REPL set that say nothing about the job (capacity, shutdown): the job is released, not answered. */
const TRANSIENT_REJECTIONS = new Set(["pool_exhausted", "repl_closed"]);

/** Everything the processor needs. */
export interface JobProcessorDeps {
  queue: JobQueue;
  store: ObjectStore;
  runner: ReplRunner;
  heartbeat: Heartbeat;
  protection: ProtectionHolder;
  logger: Logger;
  fleet: string;
  workerId: string;
  /** The REPLs are the double: every result says `simulated`. */
  simulated: boolean;
  /** Id of the worker's environment record: every result carries it. */
  env?: string;
  /** Advisories matching the worker's environment: every result carries them. */
  advisories?: string[];
  /** Seconds a poison message stays hidden before its next delivery. */
  poisonRetryDelaySeconds: number;
  /**
   * Make the result write of a first delivery conditional too (redeliveries always are). Only a store whose
   * conditional put costs an extra call (fauxqs: HEAD then PUT) and whose queue never delivers a message twice with
   * receive count 1 (fauxqs, unlike SQS) may turn it off.
   */
  conditionalFirstWrite: boolean;
  /** The fast audit and the strict stage every answer goes through. */
  verification: VerificationDeps;
  /** Write `running/<jobId>` once a job has run this long (null: never). */
  markRunningAfterMs: number | null;
  /** REPL restarts since the last call (for the ReplRestarts metric). */
  restartsDelta: () => number;
  /** @default Date.now */
  now?: () => number;
}

/** Per-message context from the receive loop. */
export interface ProcessContext {
  /** When the message was received (its lease started). */
  receivedAtMs: number;
  /** Called once the job no longer needs a REPL (so the loop can fetch more work). Must be idempotent-safe to call once. */
  freeSlot: () => void;
  /** Aborted when shutdown gives up waiting for running jobs. */
  shutdown: AbortSignal;
}

/** A kept-alive lease of one message (see Heartbeat.track). */
type Lease = { signal: AbortSignal; stop(): void };

/** `fn`, called at most once. */
function once(fn: () => void): () => void {
  let called = false;
  return () => {
    if (!called) {
      called = true;
      fn();
    }
  };
}

/** Processes messages of one fleet. */
export class JobProcessor {
  readonly #d: JobProcessorDeps;
  readonly #writer: ResultWriter;
  readonly #now: () => number;

  constructor(deps: JobProcessorDeps) {
    this.#d = deps;
    this.#writer = new ResultWriter(deps.store);
    this.#now = deps.now ?? Date.now;
  }

  /** Process one message; never throws (failures are logged and left to redelivery). */
  async process(msg: ReceivedMessage, ctx: ProcessContext): Promise<JobDisposition> {
    const d = this.#d;
    const lease = d.heartbeat.track(msg.receipt, ctx.receivedAtMs);
    const freeSlot = once(ctx.freeSlot);
    const log = d.logger.child({ messageId: msg.messageId, deliveries: msg.receiveCount });
    await d.protection.acquire();
    try {
      const decoded = await decodeMessage(msg.body, d.fleet, d.store);
      if (decoded.kind === "poison") {
        freeSlot();
        lease.stop();
        log.warn({ jobId: decoded.jobId, reason: decoded.reason }, "poison message: left for the dead-letter queue");
        await d.queue.extendLease(msg.receipt, d.poisonRetryDelaySeconds).catch(() => undefined);
        return "poison";
      }
      if (decoded.kind === "invalid") {
        freeSlot();
        const result = rejectedResult(decoded.header, decoded.reason, this.#context(msg, this.#now()));
        await this.#finish(msg, lease.stop, result, log);
        return "rejected";
      }
      const jlog = log.child({ jobId: decoded.job.id });
      const settled = await this.#settleWithoutRunning(decoded.job, msg, lease, freeSlot, jlog);
      return settled ?? (await this.#run(decoded.job, msg, ctx, lease, freeSlot, jlog));
    } catch (err) {
      lease.stop();
      log.error({ err }, "job failed on infrastructure: left for redelivery");
      return "failed";
    } finally {
      lease.stop();
      freeSlot();
      d.protection.release();
    }
  }

  /** What every result of this message carries: worker, simulation, environment, deliveries and timing. */
  #context(msg: ReceivedMessage, startedAtMs: number): RunContext {
    const d = this.#d;
    return {
      worker: d.workerId,
      simulated: d.simulated,
      ...(d.env !== undefined ? { env: d.env } : {}),
      ...(d.advisories !== undefined ? { advisories: d.advisories } : {}),
      deliveries: msg.receiveCount,
      startedAtMs,
      finishedAtMs: this.#now(),
    };
  }

  /** A job that needs no run: already answered, its group done, or strict where it cannot be; null when it runs. */
  async #settleWithoutRunning(
    job: Job,
    msg: ReceivedMessage,
    lease: Lease,
    freeSlot: () => void,
    log: Logger,
  ): Promise<JobDisposition | null> {
    if (msg.receiveCount > 1 && (await this.#writer.has(job.id))) {
      freeSlot();
      lease.stop();
      await this.#d.queue.ack(msg.receipt);
      log.info("redelivered job already has a result: deleted without running");
      return "duplicate";
    }
    if (await this.#writer.groupIsDone(job)) {
      freeSlot();
      await this.#finish(msg, lease.stop, skippedResult(job, this.#context(msg, this.#now())), log, job);
      return "skipped";
    }
    const refusal = strictRefusal(job, this.#d.verification);
    if (refusal === null) return null;
    freeSlot();
    const result = rejectedResult(headerOf(job), refusal.message, this.#context(msg, this.#now()), refusal.code);
    await this.#finish(msg, lease.stop, result, log, job);
    return "rejected";
  }

  async #run(
    job: Job,
    msg: ReceivedMessage,
    ctx: ProcessContext,
    lease: Lease,
    freeSlot: () => void,
    log: Logger,
  ): Promise<JobDisposition> {
    const d = this.#d;
    const startedAtMs = this.#now();
    const marker = startRunningMarker(d.store, {
      jobId: job.id,
      workerId: d.workerId,
      startedAtMs,
      afterMs: d.markRunningAfterMs,
    });
    const signal = AbortSignal.any([lease.signal, ctx.shutdown]);
    const state: RunState = { outcome: undefined, verification: null };
    try {
      await runAndVerify(job, state, {
        ...d,
        leaseSignal: lease.signal,
        signal,
        freeSlot,
        startedAtMs,
        now: this.#now,
      });
    } finally {
      freeSlot();
      // The marker says "running": once the run is over it must not appear any more.
      marker.stop();
    }
    const { outcome, verification } = state;
    if (lease.signal.aborted) {
      log.warn(
        { reason: String(lease.signal.reason) },
        "lease lost while running: result not written, another delivery will run the job",
      );
      marker.remove();
      return "lease_lost";
    }
    // The REPL set could not take the job now (no REPL freed up in time, or it is closing), or shutdown cut the run
    // short: not an answer about the job, so hand it back for this or another worker. An answer that made it out
    // before the cut is kept.
    const transient = outcome?.status === "rejected" && TRANSIENT_REJECTIONS.has(outcome.error?.code ?? "");
    if (outcome === undefined || transient || (ctx.shutdown.aborted && outcome.status !== "ok")) {
      await this.#release(msg, lease, log, transient ? outcome?.error?.code : "shutdown");
      marker.remove();
      return "released";
    }
    const context = this.#context(msg, startedAtMs);
    const result =
      verification?.kind === "rejected"
        ? rejectedResult(headerOf(job), verification.message, context, verification.code)
        : resultFromOutcome(job, outcome, context, verification?.kind === "checked" ? verification : undefined);
    try {
      await this.#finish(msg, lease.stop, result, log, job, d.restartsDelta());
    } finally {
      marker.remove();
    }
    return "done";
  }

  /** Hand a job that did not run back to the queue at once, for this or another worker. */
  async #release(msg: ReceivedMessage, lease: Lease, log: Logger, reason: string | undefined): Promise<void> {
    lease.stop();
    await this.#d.queue.release(msg.receipt).catch(() => undefined);
    log.info({ reason }, "job not run: message released for another worker");
  }

  /** Write the result (first one wins), delete the message, log the job line with its metrics. */
  async #finish(
    msg: ReceivedMessage,
    stopLease: () => void,
    result: JobResult,
    log: Logger,
    job?: Job,
    restarts = 0,
  ): Promise<void> {
    const written = await this.#writer.write(result, job, msg.receiveCount > 1 || this.#d.conditionalFirstWrite);
    stopLease();
    await this.#d.queue.ack(msg.receipt);
    log.info(
      {
        ...emfRecord({
          fleet: this.#d.fleet,
          status: result.status,
          runMs: result.timings.runMs,
          reusedChars: result.timings.reusedChars,
          replRestarts: restarts,
        }),
        jobId: result.jobId,
        verdict: result.verdict,
        attempts: result.attempts,
        replId: result.replId,
        queuedMs: result.timings.queuedMs,
        ...(written ? {} : { duplicateResult: true }),
      },
      "job finished",
    );
  }
}
