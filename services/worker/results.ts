// From job to REPL request, and from REPL outcome to stored result: status, verdict, timings, provenance.
// Results are written once per job id (conditional put), so a redelivered job never yields a second, different result.
import {
  FORMAT_VERSION,
  groupValidKey,
  resultKey,
  type Check,
  type Job,
  type JobResult,
  type JobStatus,
  type Trust,
  type Verdict,
} from "../jobs/index.js";
import { verdictOf } from "../verify/index.js";
import type { LeanRequest, ReplResponse, RunOutcome } from "../repl/index.js";
import type { JobHeader } from "../jobs/index.js";
import type { ObjectStore } from "../core/index.js";

/** The REPL request a job asks for: code or file content as a `cmd`, or a tactic on a proof-state handle. */
export function toLeanRequest(job: Job): LeanRequest {
  const r = job.request;
  if (r.kind === "tactic") return { tactic: r.tactic, proofState: r.proofState };
  const cmd = r.kind === "command" ? r.code : r.content;
  return { cmd, ...(r.env !== undefined ? { env: r.env } : {}), ...r.options } as LeanRequest;
}

const SORRY_WARNING = "declaration uses 'sorry'";

/**
 * Status and verdict of a REPL answer. `lean_error` when the REPL answered with an error (a `{message}` response or
 * any error-severity message); `valid` only without error messages, without sorries (listed, or reported by the
 * "declaration uses 'sorry'" warning) and, for a tactic step, with the proof completed.
 */
export function judge(response: ReplResponse): { status: Extract<JobStatus, "ok" | "lean_error">; verdict: Verdict } {
  if (response.kind === "error") return { status: "lean_error", verdict: "invalid" };
  const messages = response.value.messages ?? [];
  if (messages.some((m) => m.severity === "error")) return { status: "lean_error", verdict: "invalid" };
  const sorries = (response.value.sorries ?? []).length > 0 || messages.some((m) => m.data.includes(SORRY_WARNING));
  if (sorries) return { status: "ok", verdict: "invalid" };
  if (response.kind === "proofStep") {
    const v = response.value;
    const complete = v.proofStatus !== undefined ? v.proofStatus === "Completed" : v.goals.length === 0;
    return { status: "ok", verdict: complete ? "valid" : "invalid" };
  }
  return { status: "ok", verdict: "valid" };
}

/** Facts about where and when a job ran, shared by every result the worker writes. */
export interface RunContext {
  /** Worker that wrote the result. */
  worker: string;
  /** True when the REPLs are the double. */
  simulated: boolean;
  /** Id of the worker's environment record (`env-…`, services/environment). */
  env?: string;
  /** Ids of the advisories whose affected environments include the worker's. */
  advisories?: string[];
  /** Deliveries of the message so far (SQS ApproximateReceiveCount). */
  deliveries: number;
  /** When the worker started the job (epoch ms). */
  startedAtMs: number;
  /** When the job finished (epoch ms). */
  finishedAtMs: number;
}

function provenance(job: JobHeader, ctx: RunContext) {
  const ref = {
    ...(job.itemId !== undefined ? { id: job.itemId } : {}),
    ...(job.meta !== undefined ? { meta: job.meta } : {}),
  };
  const startedAt = new Date(ctx.startedAtMs).toISOString();
  const submittedAt = job.submittedAt ?? startedAt;
  const submittedMs = Date.parse(submittedAt);
  const v: typeof FORMAT_VERSION = FORMAT_VERSION;
  return {
    v,
    jobId: job.id,
    fleet: job.fleet,
    ...(job.batchId !== undefined ? { batchId: job.batchId } : {}),
    ...(job.group !== undefined ? { group: job.group } : {}),
    ...ref,
    worker: ctx.worker,
    ...(ctx.env !== undefined ? { env: ctx.env } : {}),
    ...(ctx.advisories !== undefined && ctx.advisories.length > 0 ? { advisories: ctx.advisories } : {}),
    deliveries: ctx.deliveries,
    timings: {
      submittedAt,
      startedAt,
      finishedAt: new Date(ctx.finishedAtMs).toISOString(),
      queuedMs: Number.isFinite(submittedMs) ? Math.max(0, ctx.startedAtMs - submittedMs) : 0,
      runMs: 0,
      reusedChars: 0,
    },
  };
}

/** The header fields of a valid job. */
export function headerOf(job: Job): JobHeader {
  return {
    id: job.id,
    fleet: job.fleet,
    submittedAt: job.submittedAt,
    ...(job.batchId !== undefined ? { batchId: job.batchId } : {}),
    ...(job.group !== undefined ? { group: job.group } : {}),
    ...(job.itemId !== undefined ? { itemId: job.itemId } : {}),
    ...(job.meta !== undefined ? { meta: job.meta } : {}),
  };
}

/** The checks behind a verdict, as verification produced them. */
export interface CheckedVerdict {
  checks: Check[];
  trust: Trust;
}

/**
 * The result of a job the REPL set ran (whatever the outcome). With `checked`, the verdict is valid only when every
 * check passed; without it (no verification ran), only the REPL's own answer is judged.
 */
export function resultFromOutcome(job: Job, outcome: RunOutcome, ctx: RunContext, checked?: CheckedVerdict): JobResult {
  const base = provenance(headerOf(job), ctx);
  const judged =
    outcome.status === "ok" && outcome.response
      ? judge(outcome.response)
      : { status: outcome.status as JobStatus, verdict: "none" as Verdict };
  const verdict: Verdict =
    judged.verdict === "none" || checked === undefined ? judged.verdict : verdictOf(checked.checks);
  const handles = job.keep ? outcome.handles : undefined;
  return {
    ...base,
    status: judged.status,
    verdict,
    ...(checked !== undefined && judged.verdict !== "none" ? { trust: checked.trust, checks: checked.checks } : {}),
    ...(outcome.response ? { response: outcome.response.value } : {}),
    ...(handles && handles.length > 0 ? { handles } : {}),
    ...(outcome.error ? { error: outcome.error } : {}),
    timings: { ...base.timings, runMs: Math.round(outcome.durationMs), reusedChars: outcome.reusedChars },
    attempts: outcome.attempts,
    replId: outcome.replId,
    // A simulated REPL anywhere makes the result simulated.
    simulated: outcome.simulated || ctx.simulated,
  };
}

/** The result of an early-stopped batch item: another item of its group is already valid. */
export function skippedResult(job: Job, ctx: RunContext): JobResult {
  return {
    ...provenance(headerOf(job), ctx),
    status: "skipped",
    verdict: "none",
    error: {
      code: "early_stop",
      message: `skipped: another job of group ${JSON.stringify(job.group)} is already valid`,
    },
    attempts: 0,
    simulated: ctx.simulated,
  };
}

/** The result of a readable job that cannot be run (invalid content, wrong fleet, a check it cannot have here). */
export function rejectedResult(header: JobHeader, reason: string, ctx: RunContext, code = "invalid_job"): JobResult {
  return {
    ...provenance(header, ctx),
    status: "rejected",
    verdict: "none",
    error: { code, message: reason },
    attempts: 0,
    simulated: ctx.simulated,
  };
}

/** Writes results and the markers around them. */
export class ResultWriter {
  readonly #store: ObjectStore;
  constructor(store: ObjectStore) {
    this.#store = store;
  }

  /** True when the job already has a result (a redelivery of a finished job). */
  has(jobId: string): Promise<boolean> {
    return this.#store.exists(resultKey(jobId));
  }

  /**
   * Store a result unless one exists (the first result of a job id wins); then, for a valid early-stop batch
   * item, mark its group valid. Returns false when a result was already there. `conditional: false` writes
   * unconditionally (see WorkerOptions.conditionalFirstWrite).
   */
  async write(result: JobResult, job?: Job, conditional = true): Promise<boolean> {
    const written = await this.#store.put(resultKey(result.jobId), JSON.stringify(result), {
      ifAbsent: conditional,
      contentType: "application/json",
    });
    if (result.verdict === "valid" && job?.earlyStop && job.batchId !== undefined && job.group !== undefined) {
      await this.#store.put(groupValidKey(job.batchId, job.group), JSON.stringify({ jobId: job.id }), {
        ifAbsent: true,
      });
    }
    return written;
  }

  /** True when the job is an early-stop batch item whose group already has a valid item. */
  async groupIsDone(job: Job): Promise<boolean> {
    if (!job.earlyStop || job.batchId === undefined || job.group === undefined) return false;
    return this.#store.exists(groupValidKey(job.batchId, job.group));
  }
}
