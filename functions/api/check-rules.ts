// The cross-field rules of a check (single job or batch item): exactly one kind of request, and only the fields
// that kind takes. Used as the zod refinement of the request schemas in schemas.ts.
import type { z } from "zod";
import { holdsNoLean } from "../../services/verify/index.js";

/** The fields of a check the cross-field rules look at. */
export interface CheckFields {
  code?: unknown;
  file?: { content: string } | undefined;
  tactic?: unknown;
  proofState?: unknown;
  env?: unknown;
  options?: unknown;
  statement?: unknown;
  theorems?: unknown;
  verify?: unknown;
  permittedAxioms?: unknown;
}

/** Code or file content that holds no Lean command (unless it runs on top of an environment). */
function sourceRules(v: CheckFields, ctx: z.RefinementCtx): void {
  if (typeof v.code === "string" && v.env === undefined && holdsNoLean(v.code)) {
    ctx.addIssue({
      code: "custom",
      path: ["code"],
      message:
        'holds no Lean command (it is empty, blank or only comments); send the Lean source to check, e.g. "theorem t : 1 + 1 = 2 := rfl"',
    });
  }
  if (v.file !== undefined && v.env === undefined && holdsNoLean(v.file.content)) {
    ctx.addIssue({
      code: "custom",
      path: ["file", "content"],
      message: "holds no Lean command (it is empty, blank or only comments); send the file to check",
    });
  }
}

/** The verification fields: code or file only, and a statement for the strict stage. */
function verificationRules(v: CheckFields, ctx: z.RefinementCtx): void {
  if (v.tactic !== undefined) {
    for (const f of ["statement", "theorems", "permittedAxioms", "verify"] as const) {
      if (v[f] !== undefined)
        ctx.addIssue({
          code: "custom",
          path: [f],
          message: "applies to code or file, not to a tactic step; remove it",
        });
    }
  }
  if (v.verify === "strict" && v.statement === undefined && v.tactic === undefined) {
    ctx.addIssue({
      code: "custom",
      path: ["statement"],
      message: 'is required with verify "strict": comparator checks the proof against the problem\'s statement',
    });
  }
}

/** Exactly one of code, file or tactic. */
function kindRules(v: CheckFields, ctx: z.RefinementCtx): void {
  const kinds = (["code", "file", "tactic"] as const).filter((k) => v[k] !== undefined);
  if (kinds.length === 0) {
    ctx.addIssue({
      code: "custom",
      path: [],
      message: 'give exactly one of code, file or tactic, e.g. {"code": "theorem t : 1 + 1 = 2 := rfl"}',
    });
  } else if (kinds.length > 1) {
    ctx.addIssue({
      code: "custom",
      path: [kinds[1]!],
      message: `cannot be combined with ${kinds[0]}; send exactly one of code, file or tactic`,
    });
  }
}

/** A tactic needs a proof state and takes neither an environment nor REPL options; a proof state needs a tactic. */
function tacticRules(v: CheckFields, ctx: z.RefinementCtx): void {
  if (v.tactic !== undefined && v.proofState === undefined) {
    ctx.addIssue({
      code: "custom",
      path: ["proofState"],
      message: "is required with tactic: pass the ps_… handle of the proof state to run the tactic on",
    });
  }
  if (v.tactic === undefined && v.proofState !== undefined) {
    ctx.addIssue({
      code: "custom",
      path: ["proofState"],
      message: "is only used with tactic; to elaborate code on a state, pass an env_… handle as env",
    });
  }
  if (v.tactic !== undefined && v.env !== undefined) {
    ctx.addIssue({
      code: "custom",
      path: ["env"],
      message: "is not used with tactic (the proof state carries its environment); remove it",
    });
  }
  if (v.tactic !== undefined && v.options !== undefined) {
    ctx.addIssue({
      code: "custom",
      path: ["options"],
      message: "REPL options apply to code or file, not to tactic; remove them",
    });
  }
}

/** Cross-field rules of a check: exactly one kind, and only the fields that kind takes (issues in this order). */
export function checkRules(v: CheckFields, ctx: z.RefinementCtx): void {
  sourceRules(v, ctx);
  verificationRules(v, ctx);
  kindRules(v, ctx);
  tacticRules(v, ctx);
}
