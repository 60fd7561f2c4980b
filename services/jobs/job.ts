// Job format shared by the API (which writes jobs) and the worker (which runs them), validated with zod.
import { z } from "zod";
import { HANDLE_PATTERN, INFOTREE_MODES, LEAN_REPL_DEFAULTS } from "../repl/index.js";
import { verifyFieldsShape } from "./checks.js";

/** Defaults of the job format. */
export const JOB_DEFAULTS = {
  /** Per-job REPL timeout when the submitter gives none: the REPL unit's defaultTimeoutMs. @default 60000 */
  timeoutMs: LEAN_REPL_DEFAULTS.defaultTimeoutMs,
  /** Largest allowed per-job timeout. @default 900000 (15 min, the SQS visibility ceiling is 12 h but jobs should not be) */
  maxTimeoutMs: 900_000,
  /** Serialised jobs larger than this go to S3 and the message carries a pointer (claim check). @default 204800 */
  claimCheckThresholdBytes: 200 * 1024,
  /** Largest accepted code or file content. @default 10485760 (10 MiB) */
  maxInputBytes: 10 * 1024 * 1024,
} as const;

/** Current version of the job and result formats; bump on incompatible change. */
export const FORMAT_VERSION = 1;

const handle = (kind: "env" | "ps") =>
  z
    .string()
    .regex(HANDLE_PATTERN, {
      error: `must be a handle returned by an earlier job run with keep=true (e.g. "${kind}_" + 32 hex digits)`,
    })
    .refine((h) => h.startsWith(`${kind}_`), {
      error: `must be an ${kind === "env" ? "environment (env_…)" : "proof state (ps_…)"} handle`,
    });

const handleRecordSchema: z.ZodType<unknown> = z.looseObject({
  handle: z.string().regex(HANDLE_PATTERN),
  request: z.record(z.string(), z.unknown()),
  select: z.union([
    z.object({ kind: z.enum(["env", "proofState"]) }),
    z.object({ kind: z.enum(["sorry", "tactic"]), index: z.number().int().nonnegative() }),
  ]),
});

/** REPL options a job may set (the keys of the REPL's command options, minus ids). */
export const replOptionsSchema = z.strictObject({
  allTactics: z.boolean().optional(),
  rootGoals: z.boolean().optional(),
  infotree: z.enum(INFOTREE_MODES).optional(),
  declarations: z.boolean().optional(),
  setOptions: z
    .array(
      z.tuple([
        z.array(z.string().min(1)).min(1),
        z.union([z.boolean(), z.number().int(), z.string(), z.array(z.string())]),
      ]),
    )
    .optional(),
  /** Override the fleet's incrementality default for this job (honoured, unlike LeanInteract). */
  incrementality: z.boolean().optional(),
});

/** What to check: Lean code, a file's content, or a tactic step on a proof-state handle. */
export const jobRequestSchema = z.discriminatedUnion("kind", [
  z.strictObject({
    kind: z.literal("command"),
    code: z.string().max(JOB_DEFAULTS.maxInputBytes),
    env: handle("env").optional(),
    options: replOptionsSchema.optional(),
  }),
  z.strictObject({
    kind: z.literal("file"),
    /** Display name of the file (the REPL still sees the content, positions refer to its lines). */
    name: z.string().min(1).max(1024).optional(),
    content: z.string().max(JOB_DEFAULTS.maxInputBytes),
    env: handle("env").optional(),
    options: replOptionsSchema.optional(),
  }),
  z.strictObject({
    kind: z.literal("tactic"),
    tactic: z.string().min(1).max(JOB_DEFAULTS.maxInputBytes),
    proofState: handle("ps"),
  }),
]);

/** A job as the worker runs it. */
export const jobSchema = z.strictObject({
  v: z.literal(FORMAT_VERSION),
  id: z.string().min(1).max(128),
  fleet: z.string().regex(/^[a-z0-9][a-z0-9-]{0,39}$/),
  request: jobRequestSchema,
  timeoutMs: z.number().int().min(100).max(JOB_DEFAULTS.maxTimeoutMs),
  /** Return handles for the states the job creates. */
  keep: z.boolean().default(false),
  /** Chains of the handles the request uses, so any worker can rebuild them. */
  chain: z.array(handleRecordSchema).optional(),
  batchId: z.string().min(1).max(128).optional(),
  group: z.string().min(1).max(256).optional(),
  /** Skip this job once another job of its group is valid. */
  earlyStop: z.boolean().optional(),
  submittedAt: z.iso.datetime(),
  /** The submitter's own id of the item (returned as `id` in the result). */
  itemId: z.string().min(1).max(256).optional(),
  /** Free-form JSON of the submitter, returned as is in the result. */
  meta: z.json().optional(),
  ...verifyFieldsShape,
});

/** The body of a queue message: the job itself, or a pointer to it in S3 when it is large (claim check). */
export const jobMessageSchema = z.union([
  jobSchema,
  z.strictObject({ v: z.literal(FORMAT_VERSION), id: z.string().min(1), fleet: z.string(), claim: z.string().min(1) }),
]);

/** A job. */
export type Job = z.infer<typeof jobSchema>;
/** A job's request. */
export type JobRequest = z.infer<typeof jobRequestSchema>;
/** A queue message body. */
export type JobMessage = z.infer<typeof jobMessageSchema>;
/** A claim-check pointer. */
export type JobClaim = Extract<JobMessage, { claim: string }>;

/** True when a message body is a claim-check pointer. */
export function isClaim(m: JobMessage): m is JobClaim {
  return "claim" in m;
}
