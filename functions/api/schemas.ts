// Request schemas of the public API (zod). They validate requests AND generate /openapi.json, so the two never
// drift. Messages name the fix; cross-field rules live in the refinements below.
import { z } from "zod";
import { JOB_DEFAULTS, replOptionsSchema, TRUST_LEVELS } from "../../services/jobs/index.js";
import { checkRules } from "./check-rules.js";

/** Fleet names: lowercase letters, digits and '-', 1..40 characters (as in the job format). */
export const FLEET_PATTERN = /^[a-z0-9][a-z0-9-]{0,39}$/;
const UUID = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}";
/** A batch id: `b_` + UUID. */
export const BATCH_ID_PATTERN = new RegExp(`^b_${UUID}$`);
/** A job id: `j_` + UUID for single jobs, `<batchId>.<9-digit seq>` for batch items. */
export const JOB_ID_PATTERN = new RegExp(`^(j_${UUID}|b_${UUID}\\.[0-9]{9})$`);

const fleetName = z
  .string({ error: 'must be a fleet name string such as "default"' })
  .regex(FLEET_PATTERN, {
    error: 'must be a fleet name: lowercase letters, digits and "-", at most 40 characters (e.g. "default")',
  })
  .describe("Fleet (Lean environment) to run on; see GET /v1/cluster for the fleets of this deployment.");

const handleOf = (prefix: "env" | "ps", what: string) =>
  z
    .string({
      error: `must be ${what} handle string ("${prefix}_" + 32 hex digits) returned by an earlier job run with keep=true`,
    })
    .regex(new RegExp(`^${prefix}_[0-9a-f]{32}$`), {
      error: `must be ${what} handle ("${prefix}_" + 32 lowercase hex digits) returned by an earlier job run with keep=true; raw REPL ids are not accepted`,
    });

/** An environment handle (`env_…`). */
export const envHandleSchema = handleOf("env", "an environment");
/** A proof-state handle (`ps_…`). */
export const proofStateHandleSchema = handleOf("ps", "a proof-state");
const anyHandle = z
  .string()
  .regex(/^(env|ps)_[0-9a-f]{32}$/, { error: 'must be a handle ("env_" or "ps_" + 32 hex digits)' });

/** One link of a handle chain, as returned in a result's `handles` (pass them back so any worker can rebuild). */
export const handleRecordSchema = z.looseObject({
  handle: anyHandle,
  request: z.record(z.string(), z.unknown(), {
    error: "must be the request object of the handle record, as returned in the result",
  }),
  select: z.union(
    [
      z.object({ kind: z.enum(["env", "proofState"]) }),
      z.object({ kind: z.enum(["sorry", "tactic"]), index: z.number().int().nonnegative() }),
    ],
    { error: 'must be {"kind":"env"|"proofState"} or {"kind":"sorry"|"tactic","index":n}, as returned in the result' },
  ),
});

const text = (what: string, min = 0) =>
  z
    .string({ error: `must be a string (${what})` })
    .min(min, { error: `must not be empty (${what})` })
    .max(JOB_DEFAULTS.maxInputBytes, {
      error: `is longer than ${JOB_DEFAULTS.maxInputBytes} characters; split the input`,
    });

/** The fields every check may carry, whether single or a batch item. */
const checkShape = {
  code: text("Lean source code")
    .optional()
    .describe("Lean source to elaborate (a command request). Exactly one of code, file, tactic."),
  file: z
    .strictObject(
      {
        content: text("the file's content").describe("The file's content (positions in messages refer to its lines)."),
        name: z.string({ error: "must be a string" }).min(1).max(1024).optional().describe("Display name of the file."),
      },
      { error: 'must be an object {"content": "...", "name": "Foo.lean"}' },
    )
    .optional()
    .describe("A whole file to elaborate. Exactly one of code, file, tactic."),
  tactic: text("a tactic", 1)
    .optional()
    .describe("A tactic to run on `proofState`. Exactly one of code, file, tactic."),
  proofState: proofStateHandleSchema
    .optional()
    .describe("Proof-state handle the tactic runs on (required with tactic)."),
  env: envHandleSchema.optional().describe("Environment handle to elaborate on top of (with code or file)."),
  options: replOptionsSchema.optional().describe("REPL options (with code or file)."),
  timeoutMs: z
    .number({ error: "must be a number of milliseconds" })
    .int({ error: "must be a whole number of milliseconds" })
    .min(100, { error: "must be at least 100 (milliseconds)" })
    .max(JOB_DEFAULTS.maxTimeoutMs, { error: `must be at most ${JOB_DEFAULTS.maxTimeoutMs} (milliseconds)` })
    .optional()
    .describe(`Kill the REPL and report status timeout after this long. Default ${JOB_DEFAULTS.timeoutMs}.`),
  keep: z
    .boolean({ error: "must be true or false" })
    .optional()
    .describe("Return handles for the states the job creates."),
  chain: z
    .array(handleRecordSchema, { error: "must be an array of handle records, as returned in results' handles" })
    .max(10_000, { error: "holds more than 10000 records" })
    .optional()
    .describe("Handle records of the handles this job uses (from earlier results), so any worker can rebuild them."),
  id: z
    .string({ error: 'must be a string (your own id of this item, e.g. "mathd_algebra_10")' })
    .min(1, { error: "must not be empty" })
    .max(256, { error: "must be at most 256 characters" })
    .optional()
    .describe("Your own id of the item; returned as `id` in its result."),
  meta: z
    .json({ error: "must be JSON" })
    .optional()
    .describe("Free-form JSON returned as is in the result (e.g. the dataset's split, the sample index)."),
  statement: text("the problem's formal statement", 1)
    .optional()
    .describe(
      "The formal statement the code must prove: Lean text with theorem/lemma declarations whose proofs are `sorry` (or left open as `:= by`), optionally with its own imports. The fast audit checks that the code declares each of its theorems with exactly this type (Lean decides, up to binder names).",
    ),
  theorems: z
    .array(z.string({ error: "must be a theorem name string" }).min(1).max(512), {
      error: 'must be an array of theorem names such as ["mathd_algebra_10"]',
    })
    .min(1, { error: "must name at least one theorem (or be left out)" })
    .max(1000)
    .optional()
    .describe("Theorems to check. Default: every theorem of statement, else every theorem the code declares."),
  permittedAxioms: z
    .array(z.string({ error: "must be an axiom name string" }).min(1).max(512), {
      error: 'must be an array of axiom names such as ["propext", "Classical.choice", "Quot.sound"]',
    })
    .max(1000)
    .optional()
    .describe('Axioms the checked theorems may depend on. Default ["propext", "Classical.choice", "Quot.sound"].'),
  verify: z
    .enum(TRUST_LEVELS, { error: 'must be "fast" or "strict"' })
    .optional()
    .describe(
      'Trust level: "fast" (default: errors, sorries, axioms, statement and kernel options, in the REPL) or "strict" (also leanprover/comparator in a fresh sandboxed process; needs statement).',
    ),
};

/** Body of `POST /v1/jobs`. */
export const jobSubmissionSchema = z
  .strictObject(
    { ...checkShape, fleet: fleetName.optional() },
    { error: 'the body must be a JSON object such as {"code": "#check 1"}' },
  )
  .superRefine(checkRules)
  .describe("One check: exactly one of code, file (content) or tactic + proofState.");
/** A validated `POST /v1/jobs` body. */
export type JobSubmission = z.infer<typeof jobSubmissionSchema>;

/** One item of `POST /v1/batches`. */
export const batchItemSchema = z
  .strictObject(
    {
      ...checkShape,
      group: z
        .string({ error: "must be a string (a problem id)" })
        .min(1, { error: "must not be empty" })
        .max(256, { error: "must be at most 256 characters" })
        .optional()
        .describe("Problem id: with earlyStop, the remaining items of a group are skipped once one is valid."),
    },
    { error: 'each item must be a JSON object such as {"code": "...", "group": "problem-1"}' },
  )
  .superRefine(checkRules)
  .describe("One batch item: a check plus an optional group.");
/** A validated batch item. */
export type BatchItem = z.infer<typeof batchItemSchema>;
/** The fields a batch item may carry (anything else is refused as an unknown field). */
export const BATCH_ITEM_FIELDS: readonly string[] = [...Object.keys(checkShape), "group"];

const seconds = z
  .string()
  .regex(/^[0-9]{1,4}(\.[0-9]{1,3})?$/, { error: "must be a number of seconds such as 10 or 2.5" })
  .transform(Number);

/** Query of `POST /v1/jobs`. */
export const jobSubmitQuerySchema = z.strictObject({
  wait: seconds
    .optional()
    .describe("Wait up to this many seconds (at most 30) and answer 200 with the result if it is ready."),
});

const boolParam = z.enum(["true", "false"], { error: "must be true or false" }).transform((s) => s === "true");

/** Query of `POST /v1/batches`. */
export const batchSubmitQuerySchema = z.strictObject({
  batchId: z
    .string()
    .regex(BATCH_ID_PATTERN, { error: 'must be the batchId returned by the first call ("b_" + UUID)' })
    .optional()
    .describe("Append to this batch (returned by the first call); omit to create a new batch."),
  fleet: fleetName.optional(),
  earlyStop: boolParam.optional().describe("Skip the remaining items of a group once one is valid (status skipped)."),
  verify: z
    .enum(TRUST_LEVELS, { error: 'must be "fast" or "strict"' })
    .optional()
    .describe("Default trust level of the items that name none."),
  permittedAxioms: z
    .string()
    .regex(/^[^,\s]+(,[^,\s]+)*$/, {
      error: "must be a comma-separated list of axiom names such as propext,Classical.choice,Quot.sound",
    })
    .transform((v) => v.split(","))
    .optional()
    .describe("Default permitted axioms (comma-separated) of the items that name none."),
});

/** Query of `GET /v1/batches/:id/results`. */
export const batchResultsQuerySchema = z.strictObject({
  cursor: z.string().max(6000).optional().describe("LeanFleet-Cursor header of the previous page; omit to start."),
  limit: z
    .string()
    .regex(/^[1-9][0-9]{0,5}$/, { error: "must be a positive whole number of results" })
    .transform(Number)
    .optional()
    .describe("Results per page (default and maximum 1000)."),
  wait: seconds.optional().describe("When no new result is ready, wait up to this many seconds (at most 30) for one."),
});

/** Query of `GET /v1/batches/:id/report`. */
export const batchReportQuerySchema = z.strictObject({
  baseline: z
    .string()
    .regex(BATCH_ID_PATTERN, { error: 'must be a batchId ("b_" + UUID) of an earlier run you may read' })
    .optional()
    .describe("Compare with this batch: newly solved, newly failing, slowdowns."),
  title: z.string().min(1).max(200).optional().describe("Page title (default: LeanFleet report: batch <id>)."),
});

/** Query of GET routes without parameters. */
export const emptyQuerySchema = z.strictObject({});
