// Header reuse for the upstream REPL: splitting, position mapping, and — on the double run without incrementality —
// the same messages, sorries and declaration ranges as sending the whole text, while each header loads once per REPL.
import { describe, expect, it } from "vitest";
import { LeanServer, type ReplResponse } from "../../services/repl/index.js";
import { splitHeader } from "../../services/repl/reuse/header-split.js";
import { PositionMap } from "../../services/repl/reuse/position-map.js";
import {
  closePoolsAfterEach,
  doubleCfg,
  eventually,
  lastStats,
  notePids,
  tracker,
  trackedPool,
} from "./pool-support.js";

closePoolsAfterEach();

describe("splitHeader", () => {
  it("cuts leading imports (comments and blank lines allowed) and keys the header by its modules", () => {
    const text = "-- my file\nimport Mathlib\n\n/- a note -/\nimport Aesop -- search\n\ntheorem t : True := trivial\n";
    const s = splitHeader(text)!;
    expect(s.key).toBe("Mathlib Aesop");
    expect(s.headerText).toBe("import Mathlib\nimport Aesop");
    expect(s.body).toBe("\ntheorem t : True := trivial\n");
    expect(splitHeader("theorem t : True := trivial")).toBeNull();
    // Same modules, different layout: same key, so the same header environment is reused.
    expect(splitHeader("import Mathlib\nimport Aesop\ntheorem u : True := trivial")!.key).toBe(s.key);
  });

  it("maps body positions back: lines shift, columns shift only on a body that starts mid-line", () => {
    const text = "import A\n/- x -/ theorem t : 1 = 1 := by\n  sorry\n";
    const s = splitHeader(text)!;
    expect(s.body).toBe("/- x -/ theorem t : 1 = 1 := by\n  sorry\n");
    expect(s.positions.mapPos({ line: 1, column: 8 }).pos).toEqual({ line: 2, column: 8 });
    expect(s.positions.mapPos({ line: 2, column: 2 }).pos).toEqual({ line: 3, column: 2 });
    const midLine = splitHeader("import A /- c -/ theorem u : 2 = 2 := by\n  sorry")!;
    expect(midLine.body).toBe("theorem u : 2 = 2 := by\n  sorry");
    expect(midLine.positions.mapPos({ line: 1, column: 8 }).pos).toEqual({ line: 1, column: 25 });
    expect(midLine.positions.mapPos({ line: 2, column: 2 }).pos).toEqual({ line: 2, column: 2 });
    expect(s.positions.mapPos({ line: 0, column: 0 }).pos).toEqual({ line: 0, column: 0 });
  });

  it("counts columns in code points across inserted text", () => {
    const text = "import A\ntheorem 𝔸 : ∀ x, x = x := by\n  intro x; rfl";
    const map = new PositionMap(text, [
      { kind: "original", start: 0, end: 9 },
      { kind: "inserted", text: "set_option Elab.async true\n" },
      { kind: "original", start: 9, end: text.length },
    ]);
    expect(map.sent.split("\n")[1]).toBe("set_option Elab.async true");
    expect(map.mapPos({ line: 3, column: 10 }).pos).toEqual({ line: 2, column: 10 });
    expect(map.mapPos({ line: 2, column: 3 })).toEqual({ pos: { line: 2, column: 0 }, inserted: true });
    const mapped = map.mapResponse({
      kind: "command",
      value: {
        env: 1,
        messages: [{ severity: "warning", pos: { line: 3, column: 8 }, endPos: { line: 3, column: 9 }, data: "w" }],
        infotree: [
          {
            kind: "CommandInfo",
            node: {
              stx: { range: { synthetic: false, start: { line: 2, column: 0 }, finish: { line: 2, column: 26 } } },
            },
            children: [],
          },
          {
            kind: "CommandInfo",
            node: {
              stx: { range: { synthetic: false, start: { line: 3, column: 0 }, finish: { line: 4, column: 14 } } },
            },
            children: [],
          },
        ],
      },
    });
    expect(mapped.kind === "command" && mapped.value.messages![0]!.pos).toEqual({ line: 2, column: 8 });
    expect(mapped.kind === "command" && mapped.value.infotree).toEqual([
      {
        kind: "CommandInfo",
        node: { stx: { range: { synthetic: false, start: { line: 2, column: 0 }, finish: { line: 3, column: 14 } } } },
        children: [],
      },
    ]);
  });
});

/** A response without its per-process ids (env, proof states), for comparing two runs. */
function withoutIds(r: ReplResponse | undefined): unknown {
  return JSON.parse(JSON.stringify(r?.value ?? null, (k, v) => (k === "env" || k === "proofState" ? undefined : v)));
}

const TEXTS = [
  "import Mathlib\n\ntheorem a (x : Nat) : x + 0 = x := by\n  sorry\n\n#check 1\n-- @double error boom\ntheorem b : True := trivial\n",
  "-- header comment\nimport Mathlib\n/- note -/\nimport Aesop\n\ndef f (n : Nat) : Nat := n\ntheorem c : f 1 = 1 := by\n  have h : 1 = 1 := sorry\n  sorry\n",
  "import Mathlib\n/- inline -/ theorem d : 2 = 2 := sorry\n",
  "import Mathlib",
];

describe("header split on the upstream REPL (double without incrementality)", () => {
  it.each([false, true])(
    "returns the same messages, sorries and declarations (positions included) as the whole text, loading each header once (parallel elaboration %s)",
    async (parallel) => {
      const flags = ["--stats", "--import-cost", "Mathlib=20:1"];
      const upstream = doubleCfg(flags, { replSupportsIncrementality: false, enableParallelElaboration: parallel });
      const pool = trackedPool(upstream, { size: 1 });
      const reference = new LeanServer(upstream);
      try {
        for (const [i, cmd] of TEXTS.entries()) {
          const split = await pool.run({ cmd, declarations: true });
          const whole = await reference.run({ cmd, declarations: true });
          tracker.add(reference.pid);
          expect(split.status, `text ${i}`).toBe("ok");
          expect(withoutIds(split.response), `text ${i}`).toEqual(withoutIds(whole.response));
        }
        notePids(pool);
        // Whole-text runs load Mathlib for every text; the pool loaded each header (Mathlib; Mathlib+Aesop) once.
        const pooled = await eventually(
          () => lastStats(pool.servers[0]!.stderrTail(4096)),
          (s) => s !== null,
        );
        expect(pooled!.importsLoaded).toBe(3);
        const second = await pool.run({ cmd: TEXTS[0]! });
        expect(second).toMatchObject({ status: "ok", rule: "header" });
        expect(second.reusedChars).toBe("import Mathlib\n".length);
        const after = await eventually(
          () => lastStats(pool.servers[0]!.stderrTail(4096)),
          (s) => s !== null && s.elaboratedCommands > pooled!.elaboratedCommands,
        );
        expect(after!.importsLoaded).toBe(3);
      } finally {
        tracker.add(reference.pid);
        await reference.close();
      }
    },
  );

  it("keeps comments after the last import in the body (directives of the double live there)", async () => {
    const upstream = doubleCfg([], { replSupportsIncrementality: false });
    const pool = trackedPool(upstream, { size: 1 });
    const cmd = "import Mathlib\n-- @double error after the header\ntheorem t : True := trivial\n";
    const first = await pool.run({ cmd });
    const again = await pool.run({ cmd });
    notePids(pool);
    for (const o of [first, again]) {
      expect(o.status).toBe("ok");
      expect(o.response?.kind === "command" && o.response.value.messages?.map((m) => [m.pos.line, m.data])).toEqual([
        [2, "after the header"],
      ]);
    }
    expect(again.rule).toBe("header");
  });
});
