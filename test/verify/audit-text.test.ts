// The audit's Lean text and the parsing of real Lean's answers: `#print axioms` in every form Lean prints, the
// audit program's LFA1 lines, and the text scans (declared theorems, empty code, kernel options, statements).
import { describe, expect, it } from "vitest";
import {
  AUDIT_MARKER,
  auditText,
  declaredTheorems,
  describeAxiom,
  holdsNoLean,
  isNativeAxiom,
  kernelOffUses,
  parseAudit,
  prepareStatement,
  verdictOf,
} from "../../services/verify/index.js";

const info = (data: string) => ({ severity: "info" as const, data });

describe("parseAudit", () => {
  it("reads #print axioms with axioms, without, wrapped over lines, and the native and sorry axioms", () => {
    const a = parseAudit([
      info("'t' depends on axioms: [propext, Classical.choice, Quot.sound]"),
      info("'u' does not depend on any axioms"),
      info("'t_native' depends on axioms: [propext, Quot.sound,\n  t_native._native.native_decide.ax_1_1]"),
      info("'s' depends on axioms: [sorryAx]"),
      { severity: "error", data: "unknown constant 'nope'" },
    ]);
    expect(Object.fromEntries(a.axioms)).toEqual({
      t: ["propext", "Classical.choice", "Quot.sound"],
      u: [],
      t_native: ["propext", "Quot.sound", "t_native._native.native_decide.ax_1_1"],
      s: ["sorryAx"],
    });
    expect(a.errors).toEqual(["unknown constant 'nope'"]);
    expect(a.complete).toBe(false);
  });

  it("reads the audit program's constant reports and its final option line", () => {
    const a = parseAudit([
      info("LFA1\tfoo\ttheorem\tlocal\t\t(f (c Nat) (a (a (c Eq) (b 0)) (b 0)))\t"),
      info("LFA1\tbar\tmissing"),
      info("LFA1\tsol\tdef\tlocal\tsol_aux,x\t(c Nat)\t(a (c sorryAx) (c Nat))"),
      info("LFA1-OPT\tdebug.skipKernelTC\tfalse"),
    ]);
    expect(a.complete).toBe(true);
    expect(a.constants.get("foo")).toEqual({
      name: "foo",
      kind: "theorem",
      local: true,
      locals: [],
      type: "(f (c Nat) (a (a (c Eq) (b 0)) (b 0)))",
      value: "",
    });
    expect(a.constants.get("bar")?.kind).toBe("missing");
    expect(a.constants.get("sol")).toMatchObject({
      kind: "def",
      locals: ["sol_aux", "x"],
      value: "(a (c sorryAx) (c Nat))",
    });
    expect(a.options.get("debug.skipKernelTC")).toBe("false");
  });
});

describe("audit text", () => {
  it("prints axioms of each name and runs the report on exactly those names", () => {
    const text = auditText(["foo", "Bar.baz"], true);
    expect(text.startsWith(`${AUDIT_MARKER}\n#print axioms foo\n#print axioms Bar.baz\nnamespace LeanFleetAudit`)).toBe(
      true,
    );
    expect(text).toContain("run_meta LeanFleetAudit.report #[`foo, `Bar.baz] true");
    expect(text).toContain('logInfo ("LFA1-OPT\\tdebug.skipKernelTC\\t"');
  });

  it("refuses a name that would change the Lean text around it", () => {
    expect(() => auditText(["foo\n#eval evil"], false)).toThrow(/not an auditable Lean name/);
    expect(() => auditText(["«weird name»"], false)).toThrow(/not an auditable Lean name/);
  });
});

describe("text scans", () => {
  it("lists declared theorems with namespaces, modifiers and attributes, ignoring comments", () => {
    const code = [
      "import Mathlib",
      "/- theorem hidden : True := trivial -/",
      "theorem a : True := trivial",
      "namespace Foo",
      "@[simp] lemma b (n : ℕ) : n = n := rfl",
      "private theorem c : True := trivial",
      "theorem _root_.d : True := trivial",
      "end Foo",
      "-- theorem e : True := trivial",
      "def f := 1",
    ].join("\n");
    expect(declaredTheorems(code)).toEqual(["a", "Foo.b", "Foo.c", "d"]);
  });

  it("knows code that holds no Lean", () => {
    expect(holdsNoLean("")).toBe(true);
    expect(holdsNoLean("  \n\t")).toBe(true);
    expect(holdsNoLean("-- a comment\n/- a block\n  -/\n")).toBe(true);
    expect(holdsNoLean("import Mathlib")).toBe(false);
    expect(holdsNoLean("#check 1")).toBe(false);
  });

  it("finds kernel-skipping options outside comments", () => {
    expect(kernelOffUses("set_option debug.skipKernelTC true in\ntheorem t : 1 = 2 := sorry")).toEqual([
      "debug.skipKernelTC",
    ]);
    expect(kernelOffUses("-- set_option debug.skipKernelTC true\ntheorem t : True := trivial")).toEqual([]);
  });

  it("closes a statement left open as datasets ship it", () => {
    expect(prepareStatement("theorem t (n : ℕ) : n + 0 = n := by")).toBe("theorem t (n : ℕ) : n + 0 = n := by sorry\n");
    expect(prepareStatement("theorem t : True :=\n")).toBe("theorem t : True := sorry\n");
    expect(prepareStatement("theorem t : True := by sorry")).toBe("theorem t : True := by sorry\n");
  });
});

describe("verdicts and axioms", () => {
  it("is valid only when there are checks and all pass", () => {
    expect(verdictOf([])).toBe("invalid");
    expect(verdictOf([{ name: "errors", ok: true }])).toBe("valid");
    expect(
      verdictOf([
        { name: "errors", ok: true },
        { name: "axioms", ok: false },
      ]),
    ).toBe("invalid");
  });

  it("names native evaluation in every Lean era, and sorry", () => {
    for (const a of [
      "Lean.ofReduceBool",
      "Lean.trustCompiler",
      "t._native.native_decide.ax_1_1",
      "x._native.bv_decide.ax_1_5",
    ])
      expect(isNativeAxiom(a)).toBe(true);
    expect(isNativeAxiom("propext")).toBe(false);
    expect(describeAxiom("sorryAx")).toMatch(/sorry/);
    expect(describeAxiom("cheat")).toBe("depends on axiom cheat, which is not permitted");
  });
});
