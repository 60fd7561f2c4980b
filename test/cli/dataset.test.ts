// Datasets as people have them: prover datasets (miniF2F, ProofNet, PutnamBench as prover papers ship them) map to
// batch items with id, group, statement and meta; LeanFleet's own items pass through; errors use the API's text.
import { describe, expect, it } from "vitest";
import { parseDataset } from "../../cli/dataset.js";

const HEADER =
  "import Mathlib\nimport Aesop\n\nset_option maxHeartbeats 400000\n\nopen BigOperators Real Nat Topology Rat\n\n";
const STATEMENT = "theorem mathd_algebra_182 (y : ℂ) : 7 * (3 * y + 2) = 21 * y + 14 := by\n";
// DeepSeek-Prover's miniF2F file, plus a model's proof.
const MINIF2F = {
  name: "mathd_algebra_182",
  split: "valid",
  informal_prefix: "/-- Expand the following expression: $7(3y+2)$ Show that it is 21y+14.-/\n",
  formal_statement: STATEMENT,
  goal: "y : ℂ\n⊢ 7 * (3 * y + 2) = 21 * y + 14",
  header: HEADER,
  formal_proof: "  ring",
};
const lines = (...objs: object[]) => objs.map((o) => JSON.stringify(o)).join("\n") + "\n";

describe("parseDataset", () => {
  it("maps a miniF2F line: code = header + statement + proof, statement = header + statement, id and group = name, the rest in meta", () => {
    const { items, warnings } = parseDataset(lines(MINIF2F), "minif2f.jsonl");
    expect(warnings).toEqual([]);
    expect(items).toEqual([
      {
        code: HEADER + STATEMENT + "  ring",
        statement: HEADER + STATEMENT,
        id: "mathd_algebra_182",
        group: "mathd_algebra_182",
        meta: { split: "valid", informal_prefix: MINIF2F.informal_prefix, goal: MINIF2F.goal },
      },
    ]);
  });

  it("reads proof, output and completion fields; keeps a one-line statement and an unindented proof inside the by block", () => {
    const base = { name: "t", header: "import Mathlib", formal_statement: "theorem t : 1 + 1 = 2 := by" };
    for (const field of ["proof", "output", "completion"]) {
      const [item] = parseDataset(lines({ ...base, [field]: "norm_num\nsimp" })).items;
      expect(item!.code).toBe("import Mathlib\ntheorem t : 1 + 1 = 2 := by\n  norm_num\n  simp");
    }
    // A statement closed by sorry (PutnamBench's files) loses it before the proof.
    const [putnam] = parseDataset(
      lines({ name: "p", formal_statement: "theorem p : True := by sorry", proof: "  trivial" }),
    ).items;
    expect(putnam!.code).toBe("theorem p : True := by\n  trivial");
  });

  it("uses a proof field holding the whole file as the code (header first when it has no imports)", () => {
    const whole = `${STATEMENT}  ring`;
    expect(parseDataset(lines({ ...MINIF2F, formal_proof: whole })).items[0]!.code).toBe(HEADER + whole);
    const withImports = `import Mathlib\n${whole}`;
    expect(parseDataset(lines({ ...MINIF2F, formal_proof: withImports })).items[0]!.code).toBe(withImports);
  });

  it("takes --code-field, --id-field, --statement-field, --header-field and --proof-field", () => {
    const line = {
      problem: "p1",
      src_header: "import Mathlib",
      stmt: "theorem p1 : True := by",
      attempt: "  trivial",
      full: "theorem p1 : True := trivial",
    };
    const [a] = parseDataset(lines(line), "d", {
      id: "problem",
      header: "src_header",
      statement: "stmt",
      proof: "attempt",
    }).items;
    expect(a).toEqual({
      code: "import Mathlib\ntheorem p1 : True := by\n  trivial",
      statement: "import Mathlib\ntheorem p1 : True := by",
      id: "p1",
      group: "p1",
      meta: { full: line.full },
    });
    const [b] = parseDataset(lines(line), "d", {
      code: "full",
      id: "problem",
      header: "src_header",
      statement: "stmt",
    }).items;
    expect(b).toMatchObject({
      code: line.full,
      statement: "import Mathlib\ntheorem p1 : True := by",
      id: "p1",
      meta: { attempt: "  trivial" },
    });
    expect(() => parseDataset(lines(line), "d", { code: "nope" })).toThrow(
      "d:1: nope: missing (named by --code-field)",
    );
  });

  it("passes LeanFleet's own fields through; a line with its own meta keeps it, the other fields are named in one warning", () => {
    const own = {
      code: "theorem t : True := trivial",
      id: "t-1",
      name: "t",
      split: "test",
      meta: { sample: 3 },
      group: "t",
      verify: "fast",
    };
    const { items, warnings } = parseDataset(lines(own, { ...own, id: "t-2", extra: 1 }));
    expect(items[0]).toEqual({ code: own.code, id: "t-1", meta: { sample: 3 }, group: "t", verify: "fast" });
    expect(items[1]!.id).toBe("t-2");
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('fields "extra", "name", "split" are not sent');
    // No group: the id is the group, so pass@k and early stop work per problem.
    expect(parseDataset(lines({ code: "#check 1", id: 7 })).items[0]).toEqual({
      code: "#check 1",
      id: "7",
      group: "7",
    });
  });

  it("answers with the API's text: line, field, fix and the value", () => {
    expect(() => parseDataset('{"code":"a"}\n{"code": 3}\n', "ds.jsonl")).toThrow(
      "ds.jsonl:2: code: must be a string (Lean source code) (got 3)",
    );
    expect(() => parseDataset('{"code":"#check 1","verify":"paranoid"}\n', "ds.jsonl")).toThrow(
      'ds.jsonl:1: verify: must be "fast" or "strict" (got "paranoid")',
    );
    expect(() => parseDataset('{"code":"-- nothing"}\n', "ds.jsonl")).toThrow(
      "ds.jsonl:1: code: holds no Lean command",
    );
    expect(() => parseDataset('{"name":"p","formal_statement":"theorem p : True := by"}\n', "ds.jsonl")).toThrow(
      "ds.jsonl:1: no Lean code to check: the line has no code, file or tactic field and formal_statement but no proof field (proof, formal_proof, output, completion); name the field holding the whole Lean code with --code-field FIELD",
    );
    expect(() => parseDataset("[1]\n", "ds.jsonl")).toThrow(
      "ds.jsonl:1: must be a JSON object (one item per line), got [1]",
    );
    expect(() => parseDataset('{"code":"#check 1","id":""}\n', "ds.jsonl")).toThrow(
      "ds.jsonl:1: id: must not be empty",
    );
  });
});
