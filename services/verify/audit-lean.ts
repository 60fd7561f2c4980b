// The Lean text of the fast audit: `#print axioms` for each checked theorem, and a small meta program that reports,
// for each name, its kind, origin and elaborated type (binder names erased), run in the candidate's own environment.
/**
 * What the audit sends (one REPL `cmd` on the candidate's environment, or appended to a statement):
 *
 * ```lean
 * /-! leanfleet-audit v1 -/
 * #print axioms foo
 * namespace LeanFleetAudit
 * ...serializer and report (AUDIT_PROGRAM)...
 * end LeanFleetAudit
 * run_meta LeanFleetAudit.report #[`foo] true
 * ```
 *
 * `report names listLocal` logs one info message per name, then (with `listLocal`) one per theorem or axiom
 * declared in the current file that is not among `names`, then one for each file-local constant the reported
 * types mention, then the kernel-skipping option:
 *
 * - `LFA1\t<name>\tmissing`
 * - `LFA1\t<name>\t<kind>\t<origin>\t<locals>\t<type>\t<value>` where kind is `theorem`, `def`, `axiom`, `opaque`
 *   or `other`; origin is `local` (declared by this file or session) or `imported`; locals is the comma-separated
 *   list of file-local constants the type mentions; type is the type serialized by `ser` (de Bruijn, binder names
 *   and binder annotations dropped, metadata skipped: two types print equal exactly when they are the same term up
 *   to alpha-equivalence, as `Expr.eqv` decides); value is the serialized value of a `def` (empty otherwise).
 * - `LFA1-OPT\tdebug.skipKernelTC\t<true|false>`
 *
 * The program is written against the `Expr` constructors that every Lean 4 release has (`letE` with its fifth
 * `nonDep` field since the first releases) and core functions only. Names it defines live in `LeanFleetAudit`:
 * a candidate that declares them first makes the audit fail with an error, which fails the check (closed).
 */

/** Marker on the first line of every audit text (the REPL double recognizes audits by it). */
export const AUDIT_MARKER = "/-! leanfleet-audit v1 -/";

/** The meta program: serializers for levels and expressions, and `report`. */
export const AUDIT_PROGRAM = `namespace LeanFleetAudit
open Lean Meta

partial def lvl : Level → String
  | .zero => "0"
  | .succ l => "(s " ++ lvl l ++ ")"
  | .max a b => "(max " ++ lvl a ++ " " ++ lvl b ++ ")"
  | .imax a b => "(imax " ++ lvl a ++ " " ++ lvl b ++ ")"
  | .param n => "(p " ++ n.toString ++ ")"
  | .mvar _ => "(?u)"

partial def ser : Expr → String
  | .bvar i => "(b " ++ Nat.repr i ++ ")"
  | .fvar _ => "(?f)"
  | .mvar _ => "(?m)"
  | .sort l => "(S " ++ lvl l ++ ")"
  | .const n ls => "(c " ++ n.toString ++ String.join (ls.map fun l => " " ++ lvl l) ++ ")"
  | .app f a => "(a " ++ ser f ++ " " ++ ser a ++ ")"
  | .lam _ t b _ => "(l " ++ ser t ++ " " ++ ser b ++ ")"
  | .forallE _ t b _ => "(f " ++ ser t ++ " " ++ ser b ++ ")"
  | .letE _ t v b _ => "(L " ++ ser t ++ " " ++ ser v ++ " " ++ ser b ++ ")"
  | .lit (.natVal n) => "(n " ++ Nat.repr n ++ ")"
  | .lit (.strVal s) => "(str " ++ s.quote ++ ")"
  | .mdata _ e => ser e
  | .proj s i e => "(j " ++ s.toString ++ " " ++ Nat.repr i ++ " " ++ ser e ++ ")"

def kindOf : ConstantInfo → String
  | .thmInfo _ => "theorem"
  | .defnInfo _ => "def"
  | .axiomInfo _ => "axiom"
  | .opaqueInfo _ => "opaque"
  | _ => "other"

def line (env : Environment) (n : Name) : String :=
  match env.find? n with
  | none => "LFA1\\t" ++ n.toString ++ "\\tmissing"
  | some ci =>
    let isLocal := fun (c : Name) => (env.getModuleIdxFor? c).isNone
    let locals := ci.type.getUsedConstants.filter isLocal
    let value := match ci with
      | .defnInfo d => ser d.value
      | _ => ""
    "LFA1\\t" ++ n.toString ++ "\\t" ++ kindOf ci ++ "\\t" ++ (if isLocal n then "local" else "imported") ++ "\\t" ++
      ",".intercalate (locals.toList.map Name.toString) ++ "\\t" ++ ser ci.type ++ "\\t" ++ value

def report (names : Array Name) (listLocal : Bool) : MetaM Unit := do
  let env ← getEnv
  let mut todo := names
  if listLocal then
    for (n, ci) in env.constants.map₂.toList do
      if !n.isInternal && !names.contains n && (kindOf ci == "theorem" || kindOf ci == "axiom") then
        todo := todo.push n
  let mut seen : Array Name := #[]
  let mut i := 0
  while i < todo.size do
    let n := todo[i]!
    i := i + 1
    if seen.contains n then continue
    seen := seen.push n
    logInfo (line env n)
    if let some ci := env.find? n then
      for c in ci.type.getUsedConstants do
        if (env.getModuleIdxFor? c).isNone && !seen.contains c then todo := todo.push c
  logInfo ("LFA1-OPT\\tdebug.skipKernelTC\\t" ++ toString ((← getOptions).getBool \`debug.skipKernelTC false))

end LeanFleetAudit`;

/** Lean identifiers the audit can name (dotted, Unicode letters allowed, no «» escapes). */
export const AUDIT_NAME_PATTERN =
  /^[\p{L}_][\p{L}\p{N}_'!?\u2080-\u209C]*(\.[\p{L}_][\p{L}\p{N}_'!?\u2080-\u209C]*)*$/u;

/** The audit text for `names` (each matching {@link AUDIT_NAME_PATTERN}); `listLocal` also reports the file's theorems. */
export function auditText(names: readonly string[], listLocal: boolean): string {
  for (const n of names)
    if (!AUDIT_NAME_PATTERN.test(n)) throw new RangeError(`not an auditable Lean name: ${JSON.stringify(n)}`);
  const printAxioms = names.map((n) => `#print axioms ${n}`).join("\n");
  const literal = `#[${names.map((n) => "`" + n).join(", ")}]`;
  return `${AUDIT_MARKER}\n${printAxioms}${printAxioms ? "\n" : ""}${AUDIT_PROGRAM}\nrun_meta LeanFleetAudit.report ${literal} ${listLocal}\n`;
}

/** `#print axioms` for extra names (theorems the listing found that the text scan missed). */
export function printAxiomsText(names: readonly string[]): string {
  for (const n of names)
    if (!AUDIT_NAME_PATTERN.test(n)) throw new RangeError(`not an auditable Lean name: ${JSON.stringify(n)}`);
  return `${AUDIT_MARKER}\n${names.map((n) => `#print axioms ${n}`).join("\n")}\n`;
}
