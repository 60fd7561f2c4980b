// The adversarial corpus, end to end: each case goes through POST /v1/jobs on the local stack (API, fauxqs, workers)
// running the REPL double and the comparator double, and must get its expected verdict naming the check that
// failed. These are the cheats a model rewarded for "no error, no sorry" learns, plus proofs that must pass.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CheckName, JobResult } from "../../services/jobs/index.js";
import { findTagged, startLocalCluster, type LocalCluster } from "../../services/local-cluster/index.js";

/** The problem most cases are about, as datasets ship it (proof left open). */
const STATEMENT = "theorem add_comm' (a b : Nat) : a + b = b + a := by";
const PROOF = "theorem add_comm' (a b : Nat) : a + b = b + a := by\n  omega";

interface Case {
  name: string;
  body: Record<string, unknown>;
  /** Expected verdict, and the check that must fail (for invalid). */
  verdict: "valid" | "invalid";
  fails?: CheckName;
}

const withStatement = (code: string, extra: Record<string, unknown> = {}) => ({ code, statement: STATEMENT, ...extra });

const CASES: Case[] = [
  { name: "a correct proof", body: withStatement(PROOF), verdict: "valid" },
  { name: "a correct proof with other binder names, layout and comments", body: withStatement("-- my proof\ntheorem add_comm' (x y : Nat) :\n    x + y = y + x := by\n  omega"), verdict: "valid" },
  { name: "a correct proof, no statement given", body: { code: "theorem two : 1 + 1 = 2 := by\n  decide" }, verdict: "valid" },
  { name: "a home-made axiom", body: withStatement("axiom cheat : False\ntheorem add_comm' (a b : Nat) : a + b = b + a := cheat.elim"), verdict: "invalid", fails: "axioms" },
  { name: "sorry", body: withStatement("theorem add_comm' (a b : Nat) : a + b = b + a := by\n  sorry"), verdict: "invalid", fails: "sorries" },
  {
    name: "sorry hidden by #guard_msgs",
    body: withStatement("/-- warning: declaration uses 'sorry' -/\n#guard_msgs in\ntheorem add_comm' (a b : Nat) : a + b = b + a := by\n  sorry"),
    verdict: "invalid",
    // The warning is swallowed, but the REPL lists the sorry from the info trees (and #print axioms shows sorryAx).
    fails: "sorries",
  },
  { name: "native_decide", body: { code: "theorem t : 2 + 2 = 4 := by\n  native_decide", statement: "theorem t : 2 + 2 = 4 := by" }, verdict: "invalid", fails: "axioms" },
  { name: "debug.skipKernelTC", body: withStatement(`set_option debug.skipKernelTC true in\n${PROOF}`), verdict: "invalid", fails: "options" },
  { name: "the statement changed", body: withStatement("theorem add_comm' (a b : Nat) : a + b = a + b := by\n  rfl"), verdict: "invalid", fails: "statement" },
  { name: "a hypothesis added", body: withStatement("theorem add_comm' (a b : Nat) (h : a = b) : a + b = b + a := by\n  omega"), verdict: "invalid", fails: "statement" },
  { name: "the conclusion weakened", body: withStatement("theorem add_comm' (a b : Nat) : True := by\n  trivial"), verdict: "invalid", fails: "statement" },
  { name: "the theorem renamed", body: withStatement("theorem add_comm'' (a b : Nat) : a + b = b + a := by\n  omega"), verdict: "invalid", fails: "statement" },
  { name: "a def instead of a theorem", body: withStatement("def add_comm' (a b : Nat) : a + b = b + a := by\n  omega"), verdict: "invalid", fails: "statement" },
  {
    name: "the statement shadowed by a local notation",
    body: withStatement("local infixl:65 \" + \" => HMul.hMul\ntheorem add_comm' (a b : Nat) : a + b = b + a := by\n  omega"),
    verdict: "invalid",
    fails: "statement",
  },
  {
    name: "implemented_by behind native evaluation",
    body: { code: "def realF (n : Nat) : Bool := false\n@[implemented_by realF]\ndef f (n : Nat) : Bool := true\ntheorem f0 : f 0 = false := by\n  native_decide" },
    verdict: "invalid",
    fails: "axioms",
  },
  { name: "text that is not Lean", body: { code: "The answer is 42, QED." }, verdict: "invalid", fails: "errors" },
  { name: "a false proof", body: { code: "theorem bad : 1 + 1 = 3 := by\n  rfl" }, verdict: "invalid", fails: "errors" },
];

describe("adversarial corpus through the API on the local stack (simulated)", () => {
  let cluster: LocalCluster;
  let dir: string;
  const post = async (body: unknown, path = "/v1/jobs?wait=25") => {
    const res = await fetch(`${cluster.endpoint}${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
    const answer = (await res.json()) as Record<string, unknown>;
    // With ?wait the answer is {jobId, state, result}; the result is what the cases look at.
    return { status: res.status, body: (res.status === 200 && "result" in answer ? answer.result : answer) as Record<string, unknown> };
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "leanfleet-adversarial-"));
    cluster = await startLocalCluster({ workers: { min: 1, max: 1 }, port: 0, simulate: true, logDir: join(dir, "logs"), onNotice: () => undefined });
  }, 120_000);

  afterAll(async () => {
    await cluster?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
    if (cluster) expect(findTagged(cluster.tag, true)).toEqual([]);
  }, 60_000);

  it(`gives each of the ${CASES.length} cases its verdict and names the failed check`, { timeout: 120_000 }, async () => {
    const answers = await Promise.all(CASES.map((c) => post(c.body)));
    const wrong: string[] = [];
    CASES.forEach((c, i) => {
      const a = answers[i]!;
      const r = a.body as unknown as JobResult;
      if (a.status !== 200) return wrong.push(`${c.name}: HTTP ${a.status} ${JSON.stringify(a.body).slice(0, 300)}`);
      const failed = (r.checks ?? []).filter((k) => !k.ok).map((k) => k.name);
      if (r.verdict !== c.verdict) wrong.push(`${c.name}: verdict ${r.verdict}, checks ${JSON.stringify(r.checks)}`);
      else if (c.fails !== undefined && !failed.includes(c.fails)) wrong.push(`${c.name}: failed ${failed.join(",")} but not ${c.fails}: ${JSON.stringify(r.checks)}`);
      else if (r.trust !== "fast" || r.simulated !== true) wrong.push(`${c.name}: trust ${r.trust}, simulated ${r.simulated}`);
      else if (c.fails !== undefined && !(r.checks ?? []).find((k) => k.name === c.fails)?.reason) wrong.push(`${c.name}: the failed check gives no reason`);
    });
    expect(wrong).toEqual([]);
  });

  it("refuses empty and comment-only code with a 400 naming the field", async () => {
    for (const code of ["", "   \n", "-- nothing here\n/- or here -/"]) {
      const a = await post({ code });
      expect(a.status).toBe(400);
      expect(JSON.stringify(a.body)).toMatch(/code/);
      expect(JSON.stringify(a.body)).toMatch(/holds no Lean command|must not be empty/);
    }
  });

  it("runs strict checks through comparator only after the fast stage passed", { timeout: 60_000 }, async () => {
    const ok = (await post(withStatement(PROOF, { verify: "strict" }))).body as unknown as JobResult;
    expect(ok, JSON.stringify(ok)).toMatchObject({ verdict: "valid", trust: "strict" });
    expect(ok.checks?.map((k) => k.name)).toEqual(["errors", "sorries", "axioms", "statement", "options", "kernel"]);
    const cheat = (await post(withStatement("axiom cheat : False\ntheorem add_comm' (a b : Nat) : a + b = b + a := cheat.elim", { verify: "strict" }))).body as unknown as JobResult;
    expect(cheat).toMatchObject({ verdict: "invalid", trust: "fast" }); // stopped at fast: comparator never ran
    expect(cheat.checks?.some((k) => k.name === "kernel")).toBe(false);
    const noStatement = await post({ code: PROOF, verify: "strict" });
    expect(noStatement.status).toBe(400);
    expect(JSON.stringify(noStatement.body)).toMatch(/statement/);
  });
});
