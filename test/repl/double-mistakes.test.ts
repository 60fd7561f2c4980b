// The double says what Lean would say to obvious mistakes: text that is not Lean, unknown tactics in commands,
// false closed arithmetic proved by rfl/decide/norm_num, unknown identifiers where it can tell.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { killAllDoubles, startDouble } from "../fixtures/double-process.js";

const workDir = fs.mkdtempSync(path.join(os.tmpdir(), "leanfleet-double-mistakes-"));
afterEach(async () => expect(await killAllDoubles()).toEqual([]));
afterAll(() => fs.rmSync(workDir, { recursive: true, force: true }));

interface Msg {
  severity: string;
  pos: { line: number; column: number };
  endPos: { line: number; column: number };
  data: string;
}

/** Elaborate each text in a fresh env of one double; returns the messages per text. */
async function check(texts: string[], version = "4.19.0"): Promise<Msg[][]> {
  const d = startDouble(["--no-transcripts", "--lean-version", version], { cwd: workDir });
  for (const cmd of texts) d.write(`${JSON.stringify({ cmd })}\n\n`);
  const rs = (await d.responses(texts.length, 20_000)) as Array<{ messages?: Msg[] }>;
  return rs.map((r) => r.messages ?? []);
}
const errors = (ms: Msg[]) => ms.filter((m) => m.severity === "error").map((m) => m.data);

describe("parse errors", () => {
  it("text that is not Lean: unexpected identifier/token; expected command, at the first bad token", async () => {
    const [prose, symbol, after] = await check([
      "Hello world, this is not Lean.",
      "{ not lean }",
      "-- a comment\n\n1 + 1 is two\ntheorem t : 1 = 1 := rfl",
    ]);
    expect(prose).toEqual([
      {
        severity: "error",
        pos: { line: 1, column: 0 },
        endPos: { line: 1, column: 5 },
        data: "unexpected identifier; expected command",
      },
    ]);
    expect(errors(symbol!)).toEqual(["unexpected token '{'; expected command"]);
    expect(after!.map((m) => [m.pos.line, m.data])).toEqual([[3, "unexpected token '1'; expected command"]]);
  });

  it("an unknown tactic in a command is a parse error at the tactic", async () => {
    const [r] = await check(["theorem t (x : Nat) : x = x := by\n  frobnicate\n  rfl"]);
    expect(r).toEqual([
      { severity: "error", pos: { line: 2, column: 2 }, endPos: { line: 2, column: 12 }, data: "unknown tactic" },
    ]);
  });

  it("known tactics, nested blocks and continuation lines are not judged", async () => {
    const ok = await check([
      "theorem t (a b : Nat) (h : a = b) : b = a := by\n  have h2 : a = b := by\n    exact h\n  exact\n    h2.symm",
      "theorem u (p q : Prop) (hp : p) (hq : q) : p ∧ q := by\n  constructor\n  · exact hp\n  · exact hq",
      "theorem v : 2 + 2 = 4 := by norm_num\ntheorem w : 10 < 11 := by decide\ntheorem z : (7 : ℤ) - 10 = -3 := by rfl",
    ]);
    expect(ok.map(errors)).toEqual([[], [], []]);
  });
});

describe("false closed arithmetic over Nat and Int", () => {
  it("rfl, decide and norm_num fail with Lean's messages (before 4.23)", async () => {
    const [rfl, decide, normNum, term] = await check([
      "theorem bad : 1 + 1 = 3 := by rfl",
      "theorem bad : 2 ^ 10 % 7 ≤ 1 := by decide",
      "theorem bad : (2 : ℤ) - 5 = 3 := by norm_num",
      "theorem bad : 1 + 1 = 3 := rfl",
    ]);
    expect(rfl).toEqual([
      {
        severity: "error",
        pos: { line: 1, column: 30 },
        endPos: { line: 1, column: 33 },
        data: "tactic 'rfl' failed, the left-hand side\n  1 + 1\nis not definitionally equal to the right-hand side\n  3\n⊢ 1 + 1 = 3",
      },
    ]);
    expect(errors(decide!)).toEqual(["tactic 'decide' proved that the proposition\n  2 ^ 10 % 7 ≤ 1\nis false"]);
    expect(normNum).toEqual([
      {
        severity: "error",
        pos: { line: 1, column: 33 },
        endPos: { line: 1, column: 35 },
        data: "unsolved goals\n⊢ False",
      },
    ]);
    expect(errors(term!)).toEqual([
      "type mismatch\n  rfl\nhas type\n  1 + 1 = 1 + 1 : Prop\nbut is expected to have type\n  1 + 1 = 3 : Prop",
    ]);
  });

  it("from 4.23 the messages are capitalized", async () => {
    const [rfl, decide, term] = await check(
      ["theorem bad : 1 + 1 = 3 := by rfl", "theorem bad : 3 - 5 ≠ 0 := by decide", "theorem bad : 1 + 1 = 3 := rfl"],
      "4.23.0",
    );
    expect(errors(rfl!)).toEqual([
      "Tactic `rfl` failed: The left-hand side\n  1 + 1\nis not definitionally equal to the right-hand side\n  3\n\n⊢ 1 + 1 = 3",
    ]);
    expect(errors(decide!)).toEqual(["Tactic `decide` proved that the proposition\n  3 - 5 ≠ 0\nis false"]);
    expect(term!.map((m) => [m.pos, m.data])).toEqual([
      [
        { line: 1, column: 0 },
        "Not a definitional equality: the left-hand side\n  1 + 1\nis not definitionally equal to the right-hand side\n  3",
      ],
    ]);
  });

  it("Nat subtraction truncates, Int division is Euclidean; true statements pass", async () => {
    const r = await check([
      "theorem a : 3 - 5 = 0 := by decide",
      "theorem b : (-7 : ℤ) / 2 = -4 := by decide",
      "theorem c : (-7 : ℤ) % 2 = 1 := by rfl",
      "theorem d : 7 / 0 = 0 := by decide",
    ]);
    expect(r.map(errors)).toEqual([[], [], [], []]);
  });

  it("a failed proof leaves the theorem depending on sorryAx", async () => {
    const d = startDouble(["--no-transcripts"], { cwd: workDir });
    d.write(
      `${JSON.stringify({ cmd: "theorem bad : 1 + 1 = 3 := by rfl" })}\n\n${JSON.stringify({ cmd: "#print axioms bad", env: 0 })}\n\n`,
    );
    const [, r] = (await d.responses(2)) as Array<{ messages: Msg[] }>;
    expect(r!.messages.map((m) => m.data)).toEqual(["'bad' depends on axioms: [sorryAx]"]);
  });
});

describe("unknown identifiers", () => {
  it("#check and a term proof's head, where the model can tell", async () => {
    const [checkG, glued, made, bound, declared, mathlib] = await check([
      "#check g",
      "theorem foo : 1 = 1 := byrfl",
      "theorem foo : 1 = 1 := foo_lemma",
      "theorem foo (h : 1 = 1) : 1 = 1 := h",
      "theorem a : 1 = 1 := rfl\ntheorem b : 1 = 1 := a",
      "import Mathlib\ntheorem foo (a b : ℕ) : a + b = b + a := add_comm a b",
    ]);
    expect(checkG).toEqual([
      {
        severity: "error",
        pos: { line: 1, column: 7 },
        endPos: { line: 1, column: 8 },
        data: "unknown identifier 'g'",
      },
    ]);
    expect(glued!.map((m) => [m.pos.column, m.endPos.column, m.data])).toEqual([
      [23, 28, "unknown identifier 'byrfl'"],
    ]);
    expect(errors(made!)).toEqual(["unknown identifier 'foo_lemma'"]);
    expect([bound, declared, mathlib].map((m) => errors(m!))).toEqual([[], [], []]);
  });

  it("from 4.23: Unknown identifier with backticks", async () => {
    const [r] = await check(["#check g"], "4.33.0");
    expect(errors(r!)).toEqual(["Unknown identifier `g`"]);
  });
});
