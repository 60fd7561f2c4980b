// Reads the fast audit's answers out of REPL messages: `#print axioms` in the exact forms real Lean prints, and the
// `LFA1` lines of the audit's meta program (see audit-lean.ts).

/** A message as the REPL reports it (only the fields the audit reads). */
export interface AuditMessage {
  severity: "info" | "warning" | "error";
  data: string;
}

/** What the audit learned about one constant. */
export interface ConstantReport {
  name: string;
  /** `missing` when the environment has no such constant. */
  kind: "theorem" | "def" | "axiom" | "opaque" | "other" | "missing";
  /** Declared by the candidate's own text (or session), rather than imported. */
  local: boolean;
  /** File-local constants the type mentions. */
  locals: string[];
  /** The type, serialized up to alpha-equivalence. */
  type: string;
  /** A definition's value, serialized (empty otherwise). */
  value: string;
}

/** Everything one audit answer says. */
export interface AuditAnswer {
  /** Axioms per name, from `#print axioms` (a name whose print failed is absent). */
  axioms: Map<string, string[]>;
  /** Constant reports in the order the program logged them. */
  constants: Map<string, ConstantReport>;
  /** Options that switch the kernel off, as the environment has them. */
  options: Map<string, string>;
  /** Error messages in the answer (a failed `#print axioms`, a clash with the program's names, ...). */
  errors: string[];
  /** True when the meta program reported (its final `LFA1-OPT` line arrived). */
  complete: boolean;
}

const DEPENDS = /^'(.+)' depends on axioms: \[([\s\S]*)\]$/;
const NONE = /^'(.+)' does not depend on any axioms$/;
const KINDS = new Set(["theorem", "def", "axiom", "opaque", "other"]);

/**
 * Parse an audit's messages. `#print axioms` lists may wrap over several lines (Lean's formatter breaks at its
 * width with a two-space indent): whitespace inside the brackets is dropped.
 */
export function parseAudit(messages: readonly AuditMessage[]): AuditAnswer {
  const answer: AuditAnswer = {
    axioms: new Map(),
    constants: new Map(),
    options: new Map(),
    errors: [],
    complete: false,
  };
  for (const m of messages) {
    const data = m.data.trim();
    if (m.severity === "error") {
      answer.errors.push(data);
      continue;
    }
    if (m.severity !== "info") continue;
    const dep = DEPENDS.exec(data);
    if (dep) {
      answer.axioms.set(
        dep[1]!,
        dep[2]!
          .split(",")
          .map((s) => s.trim())
          .filter((s) => s !== ""),
      );
      continue;
    }
    const none = NONE.exec(data);
    if (none) {
      answer.axioms.set(none[1]!, []);
      continue;
    }
    if (data.startsWith("LFA1-OPT\t")) {
      const [, name, value] = data.split("\t");
      if (name !== undefined && value !== undefined) answer.options.set(name, value);
      answer.complete = true;
      continue;
    }
    if (data.startsWith("LFA1\t")) {
      const report = parseConstantLine(data);
      if (report) answer.constants.set(report.name, report);
    }
  }
  return answer;
}

function parseConstantLine(line: string): ConstantReport | null {
  const f = line.split("\t");
  const name = f[1];
  if (name === undefined || name === "") return null;
  if (f[2] === "missing") return { name, kind: "missing", local: false, locals: [], type: "", value: "" };
  if (f.length < 6 || !KINDS.has(f[2]!)) return null;
  return {
    name,
    kind: f[2] as ConstantReport["kind"],
    local: f[3] === "local",
    locals: f[4] === "" ? [] : f[4]!.split(","),
    type: f[5]!,
    value: f[6] ?? "",
  };
}
