// One job's run: the request on the REPL set, then the verification of an answer (checks, fast audit, strict
// stage). What it reached is kept in a state object, so that an abort part-way still tells what happened.
import type { Job } from "../jobs/index.js";
import type { HandleRecord, ReplRunner, RunOutcome } from "../repl/index.js";
import { toLeanRequest } from "./results.js";
import { verifyAnswer, type Verification, type VerificationDeps } from "./verification.js";

/** What a run reached: the REPL set's outcome, and what verification concluded about an answer. */
export interface RunState {
  outcome: RunOutcome | undefined;
  verification: Verification | null;
}

/** What {@link runAndVerify} runs with. */
export interface RunDeps {
  runner: ReplRunner;
  verification: VerificationDeps;
  /** The message's lease: once lost, an answer is not verified. */
  leaseSignal: AbortSignal;
  /** Lease lost or shutdown: ends the run. */
  signal: AbortSignal;
  /** Called once the REPL is no longer needed (before the strict stage, which runs outside it). */
  freeSlot: () => void;
  startedAtMs: number;
  now: () => number;
}

/** Run the job on the REPL set, then verify an answer; after an abort, an error leaves `state` as far as it got. */
export async function runAndVerify(job: Job, state: RunState, o: RunDeps): Promise<void> {
  try {
    // Code and file jobs keep their environment (a handle) for the audit, which runs on it.
    const audited = job.request.kind !== "tactic";
    state.outcome = await o.runner.run(toLeanRequest(job), {
      timeoutMs: job.timeoutMs,
      keep: job.keep || audited,
      ...(job.chain ? { chain: job.chain as HandleRecord[] } : {}),
      signal: o.signal,
    });
    if (state.outcome.status === "ok" && state.outcome.response !== undefined && !o.leaseSignal.aborted) {
      const remainingMs = job.timeoutMs - (o.now() - o.startedAtMs);
      state.verification = await verifyAnswer(job, state.outcome, o.verification, {
        remainingMs,
        signal: o.signal,
        beforeStrict: o.freeSlot,
      });
      if (state.verification.kind === "unfinished") state.outcome = state.verification.outcome;
    }
  } catch (err) {
    if (!o.signal.aborted) throw err;
  }
}
