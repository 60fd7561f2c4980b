// Request bodies of Kimina Lean Server 2.0's routes (kimina-client 0.2.1's CheckRequest, Lean4Client's
// VerifyRequestBody), with Kimina's defaults, explicit nulls read as "not given", and FastAPI's 422 answer shape.
import { z } from "zod";
import { INFOTREE_MODES } from "../../../services/repl/index.js";

/** Kimina's request defaults. */
export const KIMINA_DEFAULTS = {
  /** `timeout` of `POST /api/check`, in seconds. @default 30 */
  checkTimeoutSeconds: 30,
  /** `timeout` of `POST /verify`, in seconds. @default 300 */
  verifyTimeoutSeconds: 300,
} as const;

/** A field that may be sent as null: null reads as absent (then the default applies). */
const nullable = <T extends z.ZodType>(schema: T) => schema.nullish().transform((v) => v ?? undefined);

/** Pydantic's int: an integer, or a float with no fraction (`30.0`). */
const seconds = z
  .number({ error: "Input should be a valid integer" })
  .int({ error: "Input should be a valid integer" })
  .min(0, { error: "Input should be greater than or equal to 0" });
const infotree = z.enum(INFOTREE_MODES, { error: "Input should be 'full', 'tactics', 'original' or 'substantive'" });
const bool = z.boolean({ error: "Input should be a valid boolean" });

const snippetSchema = z.object({
  id: z
    .string({ error: "Input should be a valid string" })
    .describe("Your id of the snippet; answered as the result's `id`."),
  code: z.string({ error: "Input should be a valid string" }).describe("Lean 4 source: imports, then commands."),
});

/** `POST /api/check`: kimina-client sends all five keys (`infotree: null` included). */
export const checkRequestSchema = z
  .object({
    snippets: z
      .array(snippetSchema, { error: "Input should be a valid list" })
      .describe("Snippets to check, each run as one job; non-empty, unique ids."),
    timeout: nullable(seconds).describe("Seconds each snippet may run (LeanFleet's job timeoutMs). Default 30."),
    debug: nullable(bool).describe("Add `diagnostics` (REPL id) to every result. Default false."),
    reuse: nullable(bool).describe(
      "false: reuse nothing elaborated earlier (options.incrementality false). Default true.",
    ),
    infotree: nullable(infotree).describe(
      "Ask the REPL for the info tree at this level; passed through in `response.infotree`.",
    ),
  })
  .superRefine((v, ctx) => {
    if (v.snippets.length === 0)
      ctx.addIssue({ code: "custom", path: [], message: "Value error, `snippets` must be non empty" });
    else if (new Set(v.snippets.map((s) => s.id)).size !== v.snippets.length)
      ctx.addIssue({ code: "custom", path: [], message: "Value error, `snippets` must have unique ids" });
  });
/** A parsed `POST /api/check` body. */
export type CheckRequest = z.infer<typeof checkRequestSchema>;

const codeSchema = z
  .object({
    custom_id: z
      .union([z.string(), z.number().int()], { error: "Input should be a valid string or integer" })
      .describe("Answered as a string."),
    proof: nullable(z.string({ error: "Input should be a valid string" })).describe(
      "The Lean source (wins over `code`).",
    ),
    code: nullable(z.string({ error: "Input should be a valid string" })).describe("Legacy name of `proof`."),
  })
  .superRefine((v, ctx) => {
    if (v.proof === undefined && v.code === undefined)
      ctx.addIssue({
        code: "custom",
        path: [],
        message: `Value error, Snippet ${JSON.stringify(String(v.custom_id))} has no proof/code content`,
      });
  });

/** `POST /verify` and `POST /one_pass_verify_batch` (Lean4Client sends `codes`, `timeout`, `infotree_type`, `disable_cache`). */
export const verifyRequestSchema = z.object({
  codes: z
    .array(codeSchema, { error: "Input should be a valid list" })
    .describe("Proofs to check, each run as one job."),
  timeout: nullable(seconds).describe("Seconds each proof may run. Default 300."),
  infotree_type: nullable(infotree).describe("Info tree level, passed through in `response.infotree`."),
  disable_cache: nullable(bool).describe("true: reuse nothing elaborated earlier (as reuse: false). Default false."),
});
/** A parsed `/verify` body. */
export type VerifyRequest = z.infer<typeof verifyRequestSchema>;

/** One entry of FastAPI's 422 `detail`. */
export interface ValidationDetail {
  type: string;
  loc: (string | number)[];
  msg: string;
  input?: unknown;
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let v = root;
  for (const k of path) v = v !== null && typeof v === "object" ? (v as Record<PropertyKey, unknown>)[k] : undefined;
  return v;
}

/** FastAPI's 422 body for zod issues of the request body `input`. */
export function validationDetail(error: z.ZodError, input: unknown): { detail: ValidationDetail[] } {
  return {
    detail: error.issues.map((i) => {
      const value = valueAt(input, i.path);
      const missing = i.code === "invalid_type" && value === undefined;
      const type = missing
        ? "missing"
        : i.code === "custom"
          ? "value_error"
          : i.code === "invalid_type"
            ? `${i.expected}_type`
            : i.code === "too_small"
              ? "greater_than_equal"
              : i.code === "invalid_value"
                ? "enum"
                : i.code;
      return {
        type,
        loc: ["body", ...i.path.map((p) => (typeof p === "number" ? p : String(p)))],
        msg: missing ? "Field required" : i.message,
        ...(value === undefined ? {} : { input: value }),
      };
    }),
  };
}
