// The verdict contract: trust levels, the checks a result lists, and what a job asks to have checked.
import { z } from "zod";

/** Trust levels: `fast` (in the REPL, every job) and `strict` (comparator in a fresh sandboxed process). */
export const TRUST_LEVELS = ["fast", "strict"] as const;
/** One of {@link TRUST_LEVELS}. */
export type Trust = (typeof TRUST_LEVELS)[number];

/** Names of the checks, in the order they run. */
export const CHECK_NAMES = ["errors", "sorries", "axioms", "statement", "options", "kernel"] as const;
/** One of {@link CHECK_NAMES}. */
export type CheckName = (typeof CHECK_NAMES)[number];

/** One check and its outcome. */
export const checkSchema = z.object({
  name: z.enum(CHECK_NAMES),
  ok: z.boolean(),
  /** Why it failed (or, for a pass that needs a caveat, what to know). */
  reason: z.string().optional(),
  /** For `axioms`: the axioms each checked theorem depends on, as Lean reports them. */
  axioms: z.record(z.string(), z.array(z.string())).optional(),
});
/** One check and its outcome. */
export type Check = z.infer<typeof checkSchema>;

/** The axioms a proof may use when the job names none: Lean's three standard axioms. */
export const DEFAULT_PERMITTED_AXIOMS: readonly string[] = ["propext", "Classical.choice", "Quot.sound"];

/** Defaults of what a job asks to check. */
export const VERIFY_DEFAULTS = {
  /** Trust level when the job names none. @default "fast" */
  verify: "fast" as Trust,
} as const;

const leanName = z.string().min(1).max(512);

/** What a job asks to have checked beyond "no error, no sorry" (all optional; see VERIFY_DEFAULTS). */
export const verifyFieldsShape = {
  /** The problem's formal statement: theorems with `sorry` (or open `:= by`) proofs, optionally with imports. */
  statement: z
    .string()
    .min(1)
    .max(10 * 1024 * 1024)
    .optional(),
  /** Theorems to check. @default - every theorem of `statement`, else every theorem the code declares */
  theorems: z.array(leanName).min(1).max(1000).optional(),
  /** Axioms the checked theorems may use. @default DEFAULT_PERMITTED_AXIOMS */
  permittedAxioms: z.array(leanName).max(1000).optional(),
  /** Trust level asked for. @default "fast" */
  verify: z.enum(TRUST_LEVELS).optional(),
};

/** The verify fields of a job or dataset item. */
export type VerifyFields = z.infer<z.ZodObject<typeof verifyFieldsShape>>;
