// Statement match: each checked theorem of the candidate has exactly the type of the problem's theorem (Lean's
// elaborated terms, compared up to alpha-equivalence), and every file-local constant those types mention is the
// problem's own (same kind, same type; same value unless the problem leaves it as a `sorry` hole).
import type { AuditAnswer, ConstantReport } from "./audit-parse.js";
import type { Check } from "./checks.js";

/** The problem's statement as Lean elaborated it in a clean environment. */
export interface StatementInfo {
  /** The theorems to check, in order. */
  names: string[];
  /** Reports of those theorems and of the file-local constants their types mention. */
  constants: Map<string, ConstantReport>;
}

/** Compare the candidate's declarations (from its audit) with the statement's. */
export function compareStatement(statement: StatementInfo, answer: AuditAnswer): Check {
  const problems: string[] = [];
  const notes: string[] = [];
  for (const name of statement.names) {
    const want = statement.constants.get(name)!;
    const got = answer.constants.get(name);
    if (got === undefined || got.kind === "missing") {
      problems.push(`${name} is not declared (the problem's theorem must be proved under its own name)`);
      continue;
    }
    if (got.kind !== "theorem") {
      problems.push(`${name} is declared as ${got.kind === "def" ? "a def" : `an ${got.kind}`}, not a theorem`);
      continue;
    }
    if (got.type !== want.type) {
      problems.push(`${name} states something else than the problem (its elaborated type differs)`);
      continue;
    }
    const wanted = new Set(want.locals);
    const foreign = got.locals.filter((l) => !wanted.has(l));
    if (foreign.length > 0)
      problems.push(`${name}'s statement mentions ${foreign.join(", ")}, declared by the code, not by the problem`);
    for (const local of want.locals) {
      const w = statement.constants.get(local);
      const g = answer.constants.get(local);
      if (w === undefined) continue;
      if (g === undefined || g.kind !== w.kind || g.type !== w.type) {
        problems.push(`${local} (used by ${name}'s statement) is not declared as the problem declares it`);
      } else if (w.kind === "def" && g.value !== w.value) {
        if (w.value.includes("(c sorryAx"))
          notes.push(`definition hole ${local} is filled by the candidate: its value needs human review`);
        else problems.push(`${local} (used by ${name}'s statement) has another value than the problem gives it`);
      }
    }
  }
  if (problems.length > 0) return { name: "statement", ok: false, reason: problems.join("; ") };
  return notes.length > 0 ? { name: "statement", ok: true, reason: notes.join("; ") } : { name: "statement", ok: true };
}
