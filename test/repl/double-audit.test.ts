// The double's model of what the fast audit reads: axioms (`axiom`, sorryAx, native evaluation per Lean version,
// standard axioms per tactic), `#print axioms` answers, debug.skipKernelTC, and the audit program's LFA1 lines.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { killAllDoubles, startDouble } from "../fixtures/double-process.js";

const workDir = fs.mkdtempSync(path.join(os.tmpdir(), "leanfleet-double-audit-"));
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
afterEach(async () => expect(await killAllDoubles()).toEqual([]));
afterAll(() => fs.rmSync(workDir, { recursive: true, force: true }));

interface Msg {
  severity: string;
  pos: { line: number; column: number };
  data: string;
}
type Resp = { env?: number; messages?: Msg[]; message?: string };

function open(args: string[] = []) {
  const d = startDouble(["--no-transcripts", ...args], { cwd: workDir });
  let sent = 0;
  const ask = async (req: unknown): Promise<Resp> => {
    d.write(`${JSON.stringify(req)}\n\n`);
    sent++;
    return (await d.responses(sent, 20_000))[sent - 1] as Resp;
  };
  const stats = async (): Promise<{ costMs: number; elaboratedCommands: number }> => {
    for (let i = 0; i < 200; i++) {
      const lines = [...d.stderr().matchAll(/@double-stats (\{.*\})\n/g)];
      if (lines.length >= sent) return JSON.parse(lines[sent - 1]![1]!);
      await new Promise((r) => setTimeout(r, 10));
    }
    throw new Error("no stats");
  };
  return { d, ask, stats };
}
const data = (r: Resp, severity?: string) =>
  (r.messages ?? []).filter((m) => !severity || m.severity === severity).map((m) => m.data);

/** Axioms messages for `names` after elaborating `code` at `version`. */
async function printAxioms(code: string, names: string[], version = "4.19.0"): Promise<string[]> {
  const { ask } = open(["--lean-version", version]);
  await ask({ cmd: code });
  return data(await ask({ cmd: names.map((n) => `#print axioms ${n}`).join("\n"), env: 0 }));
}

const PROGRAM =
  "namespace LeanFleetAudit\nopen Lean Meta\n\ndef report (names : Array Name) (listLocal : Bool) : MetaM Unit := do\n  pure ()\n\nend LeanFleetAudit";
/** An audit text shaped like services/verify/audit-lean.ts's (marker, #print axioms, program, run_meta). */
function audit(names: string[], listLocal: boolean): string {
  return `/-! leanfleet-audit v1 -/\n${names.map((n) => `#print axioms ${n}\n`).join("")}${PROGRAM}\nrun_meta LeanFleetAudit.report #[${names.map((n) => "`" + n).join(", ")}] ${listLocal}\n`;
}
function lfa(r: Resp): string[][] {
  return data(r, "info")
    .filter((s) => s.startsWith("LFA1"))
    .map((s) => s.split("\t"));
}

describe("axioms", () => {
  it("an axiom is its own axiom, and a proof through it (cheat.elim) depends on it", async () => {
    expect(
      await printAxioms("axiom cheat : False\ntheorem t : 1 = 2 := cheat.elim\ntheorem u : 1 = 2 := t", [
        "cheat",
        "t",
        "u",
      ]),
    ).toEqual([
      "'cheat' depends on axioms: [cheat]",
      "'t' depends on axioms: [cheat]",
      "'u' depends on axioms: [cheat]",
    ]);
  });

  it("sorryAx behind every sorry, also when #guard_msgs swallows the warning", async () => {
    const { ask } = open();
    const r = await ask({
      cmd: "/-- warning: declaration uses 'sorry' -/\n#guard_msgs in\ntheorem g : 2 = 2 := by sorry\ntheorem s : 1 = 1 := sorry",
    });
    expect(data(r)).toEqual(["declaration uses `sorry`"]);
    expect(r.messages![0]!.pos.line).toBe(4);
    expect(data(await ask({ cmd: "#print axioms g\n#print axioms s", env: 0 }))).toEqual([
      "'g' depends on axioms: [sorryAx]",
      "'s' depends on axioms: [sorryAx]",
    ]);
  });

  it("a #guard_msgs whose docstring does not match reports it and keeps the messages", async () => {
    const { ask } = open();
    const r = await ask({ cmd: "/-- info: nothing -/\n#guard_msgs in\ntheorem g : 2 = 2 := by sorry" });
    expect(data(r)[0]).toMatch(
      /^❌️ Docstring on `#guard_msgs` does not match generated message:\n\nwarning: declaration uses `sorry`$/,
    );
    expect(data(r)[1]).toBe("declaration uses `sorry`");
  });

  it("native evaluation: Lean.ofReduceBool before 4.22, plus Lean.trustCompiler until 4.29, then one axiom per use", async () => {
    const code =
      "theorem n : 10 < 11 := by native_decide\ntheorem m : 1 = 1 ∧ 2 = 2 := by\n  constructor\n  · native_decide\n  · decide +native";
    expect(await printAxioms(code, ["n"], "4.19.0")).toEqual(["'n' depends on axioms: [Lean.ofReduceBool]"]);
    expect(await printAxioms(code, ["n"], "4.24.0")).toEqual([
      "'n' depends on axioms: [Lean.ofReduceBool, Lean.trustCompiler]",
    ]);
    expect(await printAxioms(code, ["n", "m", "m._native.native_decide.ax_1_1"], "4.29.0")).toEqual([
      "'n' depends on axioms: [n._native.native_decide.ax_1_1]",
      "'m' depends on axioms: [m._native.decide.ax_1_1, m._native.native_decide.ax_1_1]",
      "'m._native.native_decide.ax_1_1' depends on axioms: [m._native.native_decide.ax_1_1]",
    ]);
  });

  it("implemented_by is recorded and matters only through native evaluation", async () => {
    const code =
      "def fImpl (n : Nat) : Nat := 0\n@[implemented_by fImpl]\ndef f (n : Nat) : Nat := n\ntheorem a : f 1 = 1 := by decide\ntheorem b : f 1 = 0 := by native_decide";
    expect(await printAxioms(code, ["a", "b"])).toEqual([
      "'a' does not depend on any axioms",
      "'b' depends on axioms: [Lean.ofReduceBool]",
    ]);
  });

  it("standard axioms per tactic, sorted by Name.lt from 4.10, in collection order before", async () => {
    const code =
      "theorem r : 2 = 2 := rfl\ntheorem s (x : Nat) : x + 0 = x := by simp\ntheorem n : (2 : Nat) + 2 = 4 := by norm_num\ntheorem w : 2 = 2 := by\n  have := n\n  exact sorry";
    expect(await printAxioms(code, ["r", "s", "n", "w"])).toEqual([
      "'r' does not depend on any axioms",
      "'s' depends on axioms: [propext]",
      "'n' depends on axioms: [propext, Classical.choice, Quot.sound]",
      "'w' depends on axioms: [propext, sorryAx, Classical.choice, Quot.sound]",
    ]);
    expect(await printAxioms(code, ["w"], "4.9.0")).toEqual([
      "'w' depends on axioms: [propext, Classical.choice, Quot.sound, sorryAx]",
    ]);
  });

  it("unknown constant: lower case with quotes before 4.23, capitalized with backticks from 4.23", async () => {
    const old = open();
    const r = await old.ask({ cmd: "#print axioms foo" });
    expect(r.messages).toEqual([
      {
        severity: "error",
        pos: { line: 1, column: 14 },
        endPos: { line: 1, column: 17 },
        data: "unknown constant 'foo'",
      },
    ]);
    const recent = open(["--lean-version", "4.23.0"]);
    expect(data(await recent.ask({ cmd: "#print axioms foo" }))).toEqual(["Unknown constant `foo`"]);
  });

  it("long lists wrap at 120 columns with a two-space indent", async () => {
    const axioms = Array.from({ length: 8 }, (_, i) => `axiom someRatherLongAxiomName${i} : True`).join("\n");
    const uses = Array.from({ length: 8 }, (_, i) => `someRatherLongAxiomName${i}`).join(", ");
    const [msg] = await printAxioms(
      `${axioms}\ntheorem t : True ∧ True := by\n  have := (${uses})\n  exact ⟨trivial, trivial⟩`,
      ["t"],
    );
    const lines = msg!.split("\n");
    expect(lines.length).toBeGreaterThan(1);
    for (const l of lines) expect(l.length).toBeLessThanOrEqual(120);
    expect(lines[1]).toMatch(/^ {2}someRatherLongAxiomName/);
  });

  it("namespaces: declarations get full names, resolved from inside the namespace", async () => {
    expect(
      await printAxioms("namespace Foo\naxiom bad : False\ntheorem t : 1 = 2 := bad.elim\nend Foo", ["Foo.t"]),
    ).toEqual(["'Foo.t' depends on axioms: [Foo.bad]"]);
  });

  it("a kernel-rejected declaration is not added unless debug.skipKernelTC is on", async () => {
    const { ask } = open();
    const r = await ask({ cmd: "theorem k : 1 = 1 := by\n  -- @double kernel-reject\n  rfl" });
    expect(data(r)).toEqual(["(kernel) declaration type mismatch, 'k'"]);
    expect(data(await ask({ cmd: "#print axioms k", env: 0 }))).toEqual(["unknown constant 'k'"]);
    const skipped = await ask({
      cmd: "set_option debug.skipKernelTC true in\ntheorem k : 1 = 1 := by\n  -- @double kernel-reject\n  rfl",
    });
    expect(skipped.messages).toBeUndefined();
  });
});

describe("the audit program", () => {
  it("answers #print axioms and the LFA1 lines, in the program's order, with the kernel option", async () => {
    const { ask } = open();
    await ask({
      cmd: "axiom cheat : False\ntheorem t (a b : Nat) (h : a = b) : b = a := cheat.elim\ndef d (n : Nat) : Nat := n + 1\nset_option debug.skipKernelTC true",
    });
    const r = await ask({ cmd: audit(["t", "d", "nope"], true), env: 0 });
    expect(r.env).toBe(1);
    expect(data(r, "info").slice(0, 2)).toEqual([
      "'t' depends on axioms: [cheat]",
      "'d' does not depend on any axioms",
    ]);
    expect(data(r, "error")).toEqual(["unknown constant 'nope'"]);
    const rows = lfa(r);
    expect(rows.map((x) => x.slice(0, 4))).toEqual([
      ["LFA1", "t", "theorem", "local"],
      ["LFA1", "d", "def", "local"],
      ["LFA1", "nope", "missing"],
      ["LFA1", "cheat", "axiom", "local"],
      ["LFA1-OPT", "debug.skipKernelTC", "true"],
    ]);
    expect(rows[1]![6]).not.toBe("");
    expect(rows[0]![6]).toBe("");
  });

  it("types are equal modulo whitespace, comments, binder names and ∀/arrow spelling; not modulo hypotheses", async () => {
    const typeOf = async (code: string) => {
      const { ask } = open();
      await ask({ cmd: code });
      return lfa(await ask({ cmd: audit(["t"], false), env: 0 }))[0]![5]!;
    };
    const clean = await typeOf("theorem t (a b : Nat) (h : a = b) : b = a := sorry");
    expect(await typeOf("theorem t (x y : ℕ)\n    (hxy : x = y) : -- comment\n  y = x := by\n  omega")).toBe(clean);
    expect(await typeOf("theorem t : ∀ (p q : Nat), p = q → q = p := by\n  intro p q h\n  omega")).toBe(clean);
    expect(await typeOf("theorem t (a b : Nat) (h : a = b) (extra : 0 < a) : b = a := sorry")).not.toBe(clean);
    expect(await typeOf("theorem t (a b : Nat) (h : a = b) : a = b := sorry")).not.toBe(clean);
    expect(await typeOf("theorem t (a b : Nat) (h : ∃ k, a = k) : b = a := sorry")).toBe(
      await typeOf("theorem t (a b : Nat) (h : ∃ m, a = m) : b = a := sorry"),
    );
  });

  it("a shadowing notation or instance changes the serialization and shows up in locals", async () => {
    const row = async (code: string) => {
      const { ask } = open();
      await ask({ cmd: code });
      return lfa(await ask({ cmd: audit(["t"], false), env: 0 }));
    };
    const clean = (await row("theorem t : 2 + 2 = 4 := sorry"))[0]!;
    const notation = await row('def four := 5\nlocal notation "4" => four\ntheorem t : 2 + 2 = 4 := sorry');
    expect(notation[0]![5]).not.toBe(clean[5]);
    expect(notation[0]![4]).toBe("four");
    expect(notation[1]!.slice(0, 3)).toEqual(["LFA1", "four", "def"]);
    const inst = await row("instance : Add Nat := ⟨Nat.mul⟩\ntheorem t : 2 + 2 = 4 := sorry");
    expect(inst[0]![5]).not.toBe(clean[5]);
    expect(inst[0]![4]).toBe("instAddNat_1");
    const same = await row('notation "ℕ₀" => Nat\ntheorem t : ∀ n : ℕ₀, n = n := sorry');
    expect(same[0]![5]).toBe((await row("theorem t : ∀ n : Nat, n = n := sorry"))[0]![5]);
  });

  it("kinds: theorem, def (def, abbrev, instance), axiom, opaque, other (structure)", async () => {
    const { ask } = open();
    await ask({
      cmd: "theorem a : True := trivial\nlemma b : True := trivial\nabbrev c := 1\nopaque o : Nat\nstructure S where\n  x : Nat\ninstance i : Inhabited Nat := ⟨0⟩",
    });
    const rows = lfa(await ask({ cmd: audit(["a", "b", "c", "o", "S", "i"], false), env: 0 }));
    expect(rows.map((x) => x[2])).toEqual(["theorem", "theorem", "def", "opaque", "other", "def", "false"]);
  });

  it("costs one fixed audit charge, leaves the candidate env as it was, and can run again on it", async () => {
    const { ask, stats } = open(["--command-cost-ms", "50", "--audit-cost-ms", "3", "--stats"]);
    await ask({ cmd: "theorem t : 1 = 1 := rfl" });
    expect(await stats()).toMatchObject({ costMs: 50, elaboratedCommands: 1 });
    const first = await ask({ cmd: audit(["t"], true), env: 0 });
    expect(await stats()).toMatchObject({ costMs: 53, elaboratedCommands: 1 });
    const second = await ask({ cmd: audit(["t"], true), env: 0 });
    expect(data(second, "error")).toEqual([]);
    expect(second).toEqual({ ...first, env: 2 });
    // The audit's env holds the program (as real Lean's would); the candidate's env does not.
    expect(data(await ask({ cmd: PROGRAM, env: 1 }), "error")).toEqual([
      "'LeanFleetAudit.report' has already been declared",
    ]);
    expect(data(await ask({ cmd: "#print axioms LeanFleetAudit.report", env: 0 }), "error")).toEqual([
      "unknown constant 'LeanFleetAudit.report'",
    ]);
  });

  it("a candidate that declares the program's names makes the audit fail with an error", async () => {
    const { ask } = open();
    await ask({ cmd: "namespace LeanFleetAudit\ndef report := 0\nend LeanFleetAudit\ntheorem t : 1 = 1 := rfl" });
    expect(data(await ask({ cmd: audit(["t"], false), env: 0 }), "error")).toEqual([
      "'LeanFleetAudit.report' has already been declared",
    ]);
  });

  it("recognizes the real audit text of services/verify/audit-lean.ts (when present)", async () => {
    const file = path.join(repoRoot, "services/verify/audit-lean.ts");
    if (!fs.existsSync(file)) return;
    const mod = (await import(pathToFileURL(file).href)) as {
      auditText: (names: string[], listLocal: boolean) => string;
    };
    const { ask } = open();
    await ask({ cmd: "axiom cheat : False\ntheorem t : 1 = 2 := cheat.elim" });
    const r = await ask({ cmd: mod.auditText(["t"], true), env: 0 });
    expect(data(r, "error")).toEqual([]);
    expect(data(r, "info")).toEqual([
      "'t' depends on axioms: [cheat]",
      "LFA1\tt\ttheorem\tlocal\t\t1 = 2\t",
      "LFA1\tcheat\taxiom\tlocal\t\tFalse\t",
      "LFA1-OPT\tdebug.skipKernelTC\tfalse",
    ]);
  });
});
