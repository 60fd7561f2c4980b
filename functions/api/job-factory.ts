// Builds queue jobs from validated submissions: the request kind, defaults, and a check that a given handle chain
// actually covers the handles the request uses.
import { FORMAT_VERSION, JOB_DEFAULTS, type Job, type JobRequest } from "../../services/jobs/index.js";
import { BadRequestError } from "./errors.js";
import type { BatchItem, JobSubmission } from "./schemas.js";

type Check = Omit<JobSubmission, "fleet"> | Omit<BatchItem, "group">;

/** The job request of a validated check. */
export function toJobRequest(s: Check): JobRequest {
  if (s.tactic !== undefined) return { kind: "tactic", tactic: s.tactic, proofState: s.proofState! };
  const base = {
    ...(s.env === undefined ? {} : { env: s.env }),
    ...(s.options === undefined ? {} : { options: s.options }),
  };
  if (s.file !== undefined) {
    return {
      kind: "file",
      content: s.file.content,
      ...(s.file.name === undefined ? {} : { name: s.file.name }),
      ...base,
    };
  }
  return { kind: "command", code: s.code ?? "", ...base };
}

/**
 * When a chain is given, it must hold the handle the request uses and every handle its records' requests use, so a
 * worker that never saw them can rebuild them. `field` prefixes the error's field path.
 */
export function checkChain(s: Check, field = ""): void {
  if (s.chain === undefined) return;
  const at = (f: string) => (field ? `${field}.${f}` : f);
  const known = new Set(s.chain.map((r) => r.handle as string));
  const used = s.tactic !== undefined ? s.proofState : s.env;
  if (used !== undefined && !known.has(used)) {
    throw new BadRequestError(
      at("chain"),
      `does not contain the record of ${used}; pass the handle records of every handle the job uses (from the results that returned them)`,
    );
  }
  s.chain.forEach((record, i) => {
    const req = record.request as { env?: unknown; proofState?: unknown };
    for (const dep of [req.env, req.proofState]) {
      if (typeof dep === "string" && !known.has(dep)) {
        throw new BadRequestError(
          at(`chain[${i}].request`),
          `uses ${dep}, whose record is missing from the chain; include the whole chain back to a fresh command`,
        );
      }
      if (typeof dep === "number") {
        throw new BadRequestError(
          at(`chain[${i}].request`),
          "holds a raw REPL id; chain records must use handles, as returned in results",
        );
      }
    }
  });
}

/** Where and how a job runs, beyond what its check says. */
export interface JobContext {
  id: string;
  fleet: string;
  submittedAt: string;
  batchId?: string;
  group?: string;
  earlyStop?: boolean;
  /** Batch-level defaults of what to check (an item's own fields win). */
  defaults?: { verify?: "fast" | "strict"; permittedAxioms?: string[] };
}

/** A job for the queue from a validated check. */
export function buildJob(s: Check, ctx: JobContext): Job {
  return {
    v: FORMAT_VERSION,
    id: ctx.id,
    fleet: ctx.fleet,
    request: toJobRequest(s),
    timeoutMs: s.timeoutMs ?? JOB_DEFAULTS.timeoutMs,
    keep: s.keep ?? false,
    ...(s.chain === undefined ? {} : { chain: s.chain }),
    ...(ctx.batchId === undefined ? {} : { batchId: ctx.batchId }),
    ...(ctx.group === undefined ? {} : { group: ctx.group }),
    ...(ctx.earlyStop ? { earlyStop: true } : {}),
    submittedAt: ctx.submittedAt,
    ...(s.id === undefined ? {} : { itemId: s.id }),
    ...(s.meta === undefined ? {} : { meta: s.meta }),
    ...(s.statement === undefined ? {} : { statement: s.statement }),
    ...(s.theorems === undefined ? {} : { theorems: s.theorems }),
    ...((s.permittedAxioms ?? ctx.defaults?.permittedAxioms) === undefined
      ? {}
      : { permittedAxioms: s.permittedAxioms ?? ctx.defaults!.permittedAxioms! }),
    ...((s.verify ?? ctx.defaults?.verify) === undefined ? {} : { verify: s.verify ?? ctx.defaults!.verify! }),
  };
}
