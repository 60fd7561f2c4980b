// Runs one received message to its end: decode, skip what is done, run on the REPL set under a kept-alive lease,
// write the result, then delete the message. Whatever cannot finish is left to redelivery (and, if it never can,
// to the dead-letter queue through the redrive policy), so no job is lost and none loops forever.
import type { Logger } from "pino";
import { runningKey, type Job, type JobResult } from "../jobs/index.js";
import type { HandleRecord, ReplRunner, RunOutcome } from "../repl/index.js";
import type { Heartbeat } from "./heartbeat.js";
import { decodeMessage } from "../jobs/index.js";
import { emfRecord } from "./metrics.js";
import type { JobQueue, ObjectStore, ReceivedMessage } from "../core/index.js";
import type { ProtectionHolder } from "./protection.js";
import {
  headerOf,
  rejectedResult,
  resultFromOutcome,
  ResultWriter,
  skippedResult,
  toLeanRequest,
  type RunContext,
} from "./results.js";
import { strictRefusal, verifyAnswer, type Verification, type VerificationDeps } from "./verification.js";

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
    let slotFreed = false;
    const freeSlot = () => {
      if (!slotFreed) {
        slotFreed = true;
        ctx.freeSlot();
      }
    };
    const log = d.logger.child({ messageId: msg.messageId, deliveries: msg.receiveCount });
    await d.protection.acquire();
    try {
      const decoded = await decodeMessage(msg.body, d.fleet, d.store);
      const context = (startedAtMs: number): RunContext => ({
        worker: d.workerId,
        simulated: d.simulated,
        ...(d.env !== undefined ? { env: d.env } : {}),
        ...(d.advisories !== undefined ? { advisories: d.advisories } : {}),
        deliveries: msg.receiveCount,
        startedAtMs,
        finishedAtMs: this.#now(),
      });
      if (decoded.kind === "poison") {
        freeSlot();
        lease.stop();
        log.warn({ jobId: decoded.jobId, reason: decoded.reason }, "poison message: left for the dead-letter queue");
        await d.queue.extendLease(msg.receipt, d.poisonRetryDelaySeconds).catch(() => undefined);
        return "poison";
      }
      if (decoded.kind === "invalid") {
        freeSlot();
        const result = rejectedResult(decoded.header, decoded.reason, context(this.#now()));
        await this.#finish(msg, lease.stop, result, log);
        return "rejected";
      }
      const job = decoded.job;
      const jlog = log.child({ jobId: job.id });
      if (msg.receiveCount > 1 && (await this.#writer.has(job.id))) {
        freeSlot();
        lease.stop();
        await d.queue.ack(msg.receipt);
        jlog.info("redelivered job already has a result: deleted without running");
        return "duplicate";
      }
      if (await this.#writer.groupIsDone(job)) {
        freeSlot();
        await this.#finish(msg, lease.stop, skippedResult(job, context(this.#now())), jlog, job);
        return "skipped";
      }
      const refusal = strictRefusal(job, d.verification);
      if (refusal !== null) {
        freeSlot();
        const result = rejectedResult(headerOf(job), refusal.message, context(this.#now()), refusal.code);
        await this.#finish(msg, lease.stop, result, jlog, job);
        return "rejected";
      }
      return await this.#run(job, msg, ctx, lease, freeSlot, jlog, context);
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

  async #run(
    job: Job,
    msg: ReceivedMessage,
    ctx: ProcessContext,
    lease: { signal: AbortSignal; stop(): void },
    freeSlot: () => void,
    log: Logger,
    context: (startedAtMs: number) => RunContext,
  ): Promise<JobDisposition> {
    const d = this.#d;
    const startedAtMs = this.#now();
    let marked = false;
    const marker =
      d.markRunningAfterMs === null
        ? undefined
        : setTimeout(() => {
            marked = true;
            d.store
              .put(
                runningKey(job.id),
                JSON.stringify({ worker: d.workerId, startedAt: new Date(startedAtMs).toISOString() }),
              )
              .catch(() => undefined);
          }, d.markRunningAfterMs);
    marker?.unref();
    const unmark = () => {
      clearTimeout(marker);
      if (marked) d.store.delete(runningKey(job.id)).catch(() => undefined);
    };
    const signal = AbortSignal.any([lease.signal, ctx.shutdown]);
    let outcome: RunOutcome | undefined;
    let verification: Verification | null = null;
    try {
      // Code and file jobs keep their environment (a handle) for the audit, which runs on it.
      const audited = job.request.kind !== "tactic";
      outcome = await d.runner.run(toLeanRequest(job), {
        timeoutMs: job.timeoutMs,
        keep: job.keep || audited,
        ...(job.chain ? { chain: job.chain as HandleRecord[] } : {}),
        signal,
      });
      if (outcome.status === "ok" && outcome.response !== undefined && !lease.signal.aborted) {
        const remainingMs = job.timeoutMs - (this.#now() - startedAtMs);
        verification = await verifyAnswer(job, outcome, d.verification, {
          remainingMs,
          signal,
          beforeStrict: freeSlot,
        });
        if (verification.kind === "unfinished") outcome = verification.outcome;
      }
    } catch (err) {
      if (!signal.aborted) throw err;
    } finally {
      freeSlot();
      // The marker says "running": once the run is over it must not appear any more.
      clearTimeout(marker);
    }
    if (lease.signal.aborted) {
      log.warn(
        { reason: String(lease.signal.reason) },
        "lease lost while running: result not written, another delivery will run the job",
      );
      unmark();
      return "lease_lost";
    }
    // The REPL set could not take the job now (no REPL freed up in time, or it is closing), or shutdown cut the run
    // short: not an answer about the job, so hand it back for this or another worker. An answer that made it out
    // before the cut is kept.
    const transient = outcome?.status === "rejected" && TRANSIENT_REJECTIONS.has(outcome.error?.code ?? "");
    if (outcome === undefined || transient || (ctx.shutdown.aborted && outcome.status !== "ok")) {
      lease.stop();
      await d.queue.release(msg.receipt).catch(() => undefined);
      log.info(
        { reason: transient ? outcome?.error?.code : "shutdown" },
        "job not run: message released for another worker",
      );
      unmark();
      return "released";
    }
    const result =
      verification?.kind === "rejected"
        ? rejectedResult(headerOf(job), verification.message, context(startedAtMs), verification.code)
        : resultFromOutcome(
            job,
            outcome,
            context(startedAtMs),
            verification?.kind === "checked" ? verification : undefined,
          );
    try {
      await this.#finish(msg, lease.stop, result, log, job, d.restartsDelta());
    } finally {
      unmark();
    }
    return "done";
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
