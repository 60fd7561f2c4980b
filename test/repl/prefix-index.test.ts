// PrefixIndex: longest matches per REPL and per base, command boundaries, LRU eviction within a byte budget.
import { describe, expect, it } from "vitest";
import { PrefixIndex, splitSource } from "../../services/repl/index.js";
import { FRESH_BASE } from "../../services/repl/reuse/prefix-index.js";

/** A file of `n` theorems under `import Mathlib`; theorem i's proof is `proofs[i]` (default `rfl`). */
function file(name: string, n: number, proofs: Record<number, string> = {}): string {
  const cmds = Array.from(
    { length: n },
    (_, i) => `theorem ${name}_${i} : ${i} + 0 = ${i} := by\n  ${proofs[i] ?? "rfl"}`,
  );
  return `import Mathlib\n\n${cmds.join("\n\n")}\n`;
}

/** Reference: the longest key (over all stored texts of a REPL) that is a command-prefix of `text`. */
function bruteForce(stored: Array<[string, string]>, text: string): Map<string, number> {
  const s = splitSource(text);
  const t = text.slice(s.keyStart);
  const newKeys = new Set(s.keyEnds.map((e) => t.slice(0, e - s.keyStart)));
  const best = new Map<string, number>();
  for (const [repl, old] of stored) {
    const o = splitSource(old);
    for (const e of o.keyEnds) {
      const key = old.slice(o.keyStart, e);
      if (newKeys.has(key) && key.length > (best.get(repl) ?? 0)) best.set(repl, key.length);
    }
  }
  return best;
}

describe("PrefixIndex.longestMatch", () => {
  it("finds the longest whole-command prefix each REPL holds, longest first", () => {
    const ix = new PrefixIndex();
    ix.record("r1", file("a", 10));
    ix.record("r2", file("a", 4));
    ix.record("r3", file("b", 10));
    const edited = file("a", 10, { 8: "simp" });
    const matches = ix.longestMatch(edited);
    const upTo8 = edited.indexOf("theorem a_8") - 2; // key of a_7 ends before the blank line
    expect(matches).toEqual([
      { replId: "r1", chars: upTo8 },
      { replId: "r2", chars: file("a", 4).trimEnd().length },
    ]);
  });

  it("only counts matches that end where a command of the new text ends", () => {
    const ix = new PrefixIndex();
    ix.record("r1", "def f := 1\ndef g := 2");
    // "def f := 1" is a textual prefix of "def f := 12", but the command differs.
    expect(ix.longestMatch("def f := 12\ndef g := 2")).toEqual([]);
    expect(ix.longestMatch("def f := 1\ndef h := 3")).toEqual([{ replId: "r1", chars: "def f := 1".length }]);
    // Trailing and leading whitespace do not matter (keys are trimmed, like the fork's).
    expect(ix.longestMatch("\n\ndef f := 1\ndef g := 2  \n\n")).toEqual([
      { replId: "r1", chars: "def f := 1\ndef g := 2".length },
    ]);
    // Whitespace between commands is part of the key, as in the fork.
    expect(ix.longestMatch("def f := 1\n\n\ndef g := 2")).toEqual([{ replId: "r1", chars: "def f := 1".length }]);
  });

  it("keeps bases apart (fresh session vs a handle)", () => {
    const ix = new PrefixIndex();
    const h = "env_" + "a".repeat(32);
    ix.record("r1", "theorem x : True := trivial", h);
    ix.record("r2", "theorem x : True := trivial");
    expect(ix.longestMatch("theorem x : True := trivial", h).map((m) => m.replId)).toEqual(["r1"]);
    expect(ix.longestMatch("theorem x : True := trivial", FRESH_BASE).map((m) => m.replId)).toEqual(["r2"]);
    expect(ix.longestMatch("theorem x : True := trivial", "env_" + "b".repeat(32))).toEqual([]);
  });

  it("agrees with a brute-force reference on random edit histories", () => {
    let seed = 12345;
    const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
    const ix = new PrefixIndex();
    const stored: Array<[string, string]> = [];
    const proofs = ["rfl", "simp", "omega", "decide", "norm_num"];
    for (let i = 0; i < 300; i++) {
      const repl = `r${rand(4)}`;
      const edits: Record<number, string> = { [rand(12)]: proofs[rand(5)]!, [rand(12)]: proofs[rand(5)]! };
      const text = file(`f${rand(3)}`, 1 + rand(12), edits);
      stored.push([repl, text]);
      ix.record(repl, text);
      const probe = file(`f${rand(3)}`, 1 + rand(12), { [rand(12)]: proofs[rand(5)]! });
      const got = new Map(ix.longestMatch(probe).map((m) => [m.replId, m.chars]));
      expect(got).toEqual(bruteForce(stored, probe));
    }
  });

  it("forgets a REPL's entries on dropRepl and frees their memory", () => {
    const ix = new PrefixIndex();
    ix.record("r1", file("a", 20));
    const one = ix.bytes;
    ix.record("r2", file("b", 20));
    ix.dropRepl("r2");
    expect(ix.longestMatch(file("b", 20))).toEqual([]);
    expect(ix.longestMatch(file("a", 20)).map((m) => m.replId)).toEqual(["r1"]);
    expect(ix.bytes).toBe(one);
    ix.dropRepl("r1");
    expect(ix.bytes).toBe(0);
    expect(ix.size).toBe(0);
  });
});

describe("PrefixIndex memory budget", () => {
  it("stays within its budget under 10^5 inserted commands, evicting least recently used entries", () => {
    const budgetBytes = 2 * 1024 * 1024;
    const ix = new PrefixIndex({ budgetBytes });
    let inserted = 0;
    let maxBytes = 0;
    for (let f = 0; inserted < 100_000; f++) {
      inserted += ix.record(`r${f % 4}`, file(`g${f}`, 40));
      maxBytes = Math.max(maxBytes, ix.bytes);
      if (f % 50 === 0) {
        // A file kept in use is refreshed and survives eviction.
        ix.record("r0", file("hot", 40));
      }
    }
    expect(inserted).toBeGreaterThanOrEqual(100_000);
    expect(maxBytes).toBeLessThanOrEqual(budgetBytes);
    expect(ix.evicted).toBeGreaterThan(50_000);
    expect(ix.size).toBeGreaterThan(1000);
    expect(ix.longestMatch(file("hot", 40))[0]).toEqual({ replId: "r0", chars: file("hot", 40).trimEnd().length });
    // The oldest files are gone.
    expect(ix.longestMatch(file("g1", 40))).toEqual([]);
    // The byte accounting stayed consistent through all the splits, merges and evictions.
    for (const r of ["r0", "r1", "r2", "r3"]) ix.dropRepl(r);
    expect(ix.size).toBe(0);
    expect(ix.bytes).toBe(0);
  });
});

describe("splitSource", () => {
  it("splits the header and top-level commands, skipping comments, strings and doc comments", () => {
    const text = [
      "import Mathlib",
      "-- a comment",
      "import Aesop /- trailing -/",
      "",
      "/-- doc -/",
      "theorem a : True := by",
      "  trivial",
      "@[simp]",
      "lemma b : 1 = 1 := rfl",
      "/- theorem hidden : False := sorry -/",
      '#eval "theorem not_a_command"',
      "noncomputable",
      "def c : Nat := 1",
    ].join("\n");
    const s = splitSource(text);
    expect(s.imports).toEqual(["Mathlib", "Aesop"]);
    expect(text.slice(s.headerEnd).startsWith("/-- doc -/")).toBe(true);
    expect(s.commandStarts.map((i) => text.slice(i).split("\n")[0])).toEqual([
      "/-- doc -/",
      "@[simp]",
      '#eval "theorem not_a_command"',
      "noncomputable",
    ]);
    expect(s.keyEnds.at(-1)).toBe(text.length);
  });

  it("ends the header mid-line when a command follows a block comment on the same line", () => {
    const text = "import A B\n/- note\n-/ def f := 1\n";
    const s = splitSource(text);
    expect(s.imports).toEqual(["A", "B"]);
    expect(text.slice(s.headerEnd)).toBe("def f := 1\n");
  });
});
