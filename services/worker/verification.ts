// Turns a job's REPL answer into checks: message checks on every answer, the fast audit when those pass, and the
// strict stage (comparator) for strict jobs that pass fast. What cannot be decided is an outcome, not a verdict.
import { DEFAULT_PERMITTED_AXIOMS, VERIFY_DEFAULTS, type Check, type Job, type Trust } from "../jobs/index.js";
import type { RunOutcome } from "../repl/index.js";
import {
  messageChecks,
  prepareStatement,
  type FastAuditor,
  type StrictChecker,
  type VerifySpec,
} from "../verify/index.js";

/** What the worker verifies with. */
export interface VerificationDeps {
  auditor: FastAuditor;
  /** The strict stage; null when this fleet has no comparator (strict jobs are then rejected). */
  strict: StrictChecker | null;
}

/** What verification concluded. */
export type Verification =
  /** Checks ran: the verdict follows from them. `outcome` may replace the run's (a longer duration). */
  | { kind: "checked"; checks: Check[]; trust: Trust; auditMs: number; strictMs: number }
  /** A verification run did not answer: the job ends with this outcome (timeout, crashed, rejected). */
  | { kind: "unfinished"; outcome: RunOutcome }
  /** The job cannot be verified as asked: it ends `rejected` with this error. */
  | { kind: "rejected"; code: string; message: string };

/** The verify spec of a job, defaults applied. */
export function specOf(job: Job): VerifySpec {
  return {
    ...(job.statement !== undefined ? { statement: job.statement } : {}),
    ...(job.theorems !== undefined ? { theorems: job.theorems } : {}),
    permittedAxioms: job.permittedAxioms ?? DEFAULT_PERMITTED_AXIOMS,
  };
}

/** Why a strict job cannot run on this fleet, before anything runs (null when it can). */
export function strictRefusal(job: Job, deps: VerificationDeps): { code: string; message: string } | null {
  if ((job.verify ?? VERIFY_DEFAULTS.verify) !== "strict") return null;
  if (deps.strict === null) {
    return {
      code: "strict_unavailable",
      message: `verify: "strict" needs leanprover/comparator (with lean4export and landrun) on fleet ${JSON.stringify(job.fleet)}, which has none; set LEANFLEET_COMPARATOR on its workers (see the README, "Trusting a verdict"), or ask for verify: "fast"`,
    };
  }
  if (job.statement === undefined)
    return {
      code: "invalid_job",
      message: 'verify: "strict" needs statement: comparator checks the proof against the problem\'s statement',
    };
  if (job.request.kind === "tactic")
    return { code: "invalid_job", message: 'verify: "strict" applies to code or file jobs, not to tactic steps' };
  return null;
}

/** The code a command or file job elaborated. */
function codeOf(job: Job): string | null {
  return job.request.kind === "command" ? job.request.code : job.request.kind === "file" ? job.request.content : null;
}

/** The checks of a tactic step: the REPL's proof status is the check (Completed runs the kernel on the finished proof). */
function tacticChecks(checks: Check[], outcome: RunOutcome): Verification {
  const step = outcome.response!.kind === "proofStep" ? outcome.response!.value : null;
  if (step !== null) {
    const done = step.proofStatus !== undefined ? step.proofStatus === "Completed" : step.goals.length === 0;
    const proofChecks = checks.filter((c) => c.name === "errors");
    if (!done)
      proofChecks.push({
        name: "sorries",
        ok: false,
        reason: `the proof is not complete: ${step.goals.length} goal(s) left${step.proofStatus ? ` (${step.proofStatus})` : ""}`,
      });
    else proofChecks.push({ name: "sorries", ok: true });
    return { kind: "checked", checks: proofChecks, trust: "fast", auditMs: 0, strictMs: 0 };
  }
  return { kind: "checked", checks, trust: "fast", auditMs: 0, strictMs: 0 };
}

/** Options of {@link verifyAnswer}. */
export interface VerifyOptions {
  remainingMs: number;
  signal?: AbortSignal;
  beforeStrict?: () => void;
}

/** The strict stage (comparator) on a code job whose fast checks passed. */
async function strictStage(
  strict: StrictChecker,
  input: {
    job: Job;
    code: string;
    outcome: RunOutcome;
    checks: Check[];
    audit: { durationMs: number; theorems: string[] };
  },
  spec: VerifySpec,
  opts: VerifyOptions,
): Promise<Verification> {
  const { job, code, outcome, checks, audit } = input;
  opts.beforeStrict?.();
  const result = await strict.check(
    {
      challenge: prepareStatement(job.statement!),
      solution: code,
      theorems: audit.theorems,
      permittedAxioms: spec.permittedAxioms,
    },
    {
      timeoutMs: Math.max(1_000, opts.remainingMs - audit.durationMs),
      ...(opts.signal ? { signal: opts.signal } : {}),
    },
  );
  if (result.status !== "ok") {
    return {
      kind: "unfinished",
      outcome: {
        ...outcome,
        status: result.status,
        error: { code: result.status === "timeout" ? "strict_timeout" : "strict_crashed", message: result.reason },
        durationMs: outcome.durationMs + result.durationMs,
      },
    };
  }
  checks.push(result.check);
  return { kind: "checked", checks, trust: "strict", auditMs: audit.durationMs, strictMs: result.durationMs };
}

/**
 * Verify a job whose REPL run answered (`outcome.status === "ok"`). `remainingMs` bounds what the audit and the
 * strict stage may still take; `beforeStrict` runs once the REPL is no longer needed (strict runs outside it).
 */
export async function verifyAnswer(
  job: Job,
  outcome: RunOutcome,
  deps: VerificationDeps,
  opts: VerifyOptions,
): Promise<Verification> {
  const checks = messageChecks(outcome.response!);
  const code = codeOf(job);
  if (code === null) return tacticChecks(checks, outcome);
  if (!checks.every((c) => c.ok)) return { kind: "checked", checks, trust: "fast", auditMs: 0, strictMs: 0 };
  const spec = specOf(job);
  const audit = await deps.auditor.audit(code, outcome, spec, {
    timeoutMs: opts.remainingMs,
    ...(opts.signal ? { signal: opts.signal } : {}),
  });
  if (audit.kind === "unfinished") return { kind: "unfinished", outcome: audit.outcome };
  if (audit.kind === "bad_statement") return { kind: "rejected", code: "bad_statement", message: audit.message };
  checks.push(...audit.checks);
  const fastOk = checks.every((c) => c.ok);
  if (!fastOk || (job.verify ?? VERIFY_DEFAULTS.verify) !== "strict" || deps.strict === null) {
    return { kind: "checked", checks, trust: "fast", auditMs: audit.durationMs, strictMs: 0 };
  }
  return strictStage(deps.strict, { job, code, outcome, checks, audit }, spec, opts);
}
