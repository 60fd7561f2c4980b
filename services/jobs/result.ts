// Result format written by the worker (one object per job id) and read by the API, the CLI and nightly runs.
import { z } from "zod";
import { checkSchema, TRUST_LEVELS } from "./checks.js";
import { FORMAT_VERSION } from "./job.js";

/** Job statuses. `skipped` is only for early-stopped batch items. */
export const JOB_STATUSES = ["ok", "lean_error", "timeout", "crashed", "rejected", "skipped"] as const;
/** One of {@link JOB_STATUSES}. */
export type JobStatus = (typeof JOB_STATUSES)[number];

/**
 * `valid`: every check of the result's trust level passed (`checks`): no error message, no sorry, only permitted
 * axioms, the statement matched when one was given, no kernel-skipping option, and for `strict` comparator
 * accepted it (a tactic step: no error and the proof completed); `invalid`: the REPL answered and a check failed;
 * `none`: no answer (timeout, crash, rejected, skipped).
 */
export type Verdict = "valid" | "invalid" | "none";

/** A stored result. */
export const resultSchema = z.looseObject({
  v: z.literal(FORMAT_VERSION),
  jobId: z.string(),
  fleet: z.string(),
  batchId: z.string().optional(),
  group: z.string().optional(),
  status: z.enum(JOB_STATUSES),
  verdict: z.enum(["valid", "invalid", "none"]),
  /** The REPL's response (wire JSON), ids replaced by handles when the job asked to keep them. */
  response: z.unknown().optional(),
  /** Handle records created (with keep), each one link of a chain. */
  handles: z.array(z.unknown()).optional(),
  error: z.object({ code: z.string(), message: z.string() }).loose().optional(),
  timings: z.object({
    submittedAt: z.string(),
    startedAt: z.string(),
    finishedAt: z.string(),
    queuedMs: z.number(),
    runMs: z.number(),
    reusedChars: z.number(),
  }),
  attempts: z.number().int().nonnegative(),
  worker: z.string(),
  replId: z.string().optional(),
  /** True when the REPL was the test double: this is not a Lean verdict. */
  simulated: z.boolean(),
  /** The submitter's item id and free-form meta, as submitted. */
  id: z.string().optional(),
  meta: z.unknown().optional(),
  /** Trust level of the checks behind the verdict (absent when nothing was checked: no REPL answer). */
  trust: z.enum(TRUST_LEVELS).optional(),
  /** Each check that ran, with its outcome; `verdict` is valid only when every one passed. */
  checks: z.array(checkSchema).optional(),
  /** Id of the environment that made the result (`env-` + 8 hex; the record: `GET /v1/environments/{id}`). */
  env: z.string().optional(),
  /** Ids of the advisories (advisories/lean-advisories.json) whose affected environments include `env`. */
  advisories: z.array(z.string()).optional(),
});

/** A stored result. */
export type JobResult = z.infer<typeof resultSchema>;
