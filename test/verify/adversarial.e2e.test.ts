// The adversarial corpus, end to end: each case goes through POST /v1/jobs on the local stack (API, fauxqs, workers)
// running the REPL double and the comparator double, and must get its expected verdict naming the check that
// failed. These are the cheats a model rewarded for "no error, no sorry" learns, plus proofs that must pass.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { JobResult } from "../../services/jobs/index.js";
import { findTagged, startLocalCluster, type LocalCluster } from "../../services/local-cluster/index.js";
import { CASES, PROOF, withStatement } from "./adversarial-corpus.js";

describe("adversarial corpus through the API on the local stack (simulated)", () => {
  let cluster: LocalCluster;
  let dir: string;
  const post = async (body: unknown, path = "/v1/jobs?wait=25") => {
    const res = await fetch(`${cluster.endpoint}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    const answer = (await res.json()) as Record<string, unknown>;
    // With ?wait the answer is {jobId, state, result}; the result is what the cases look at.
    return {
      status: res.status,
      body: (res.status === 200 && "result" in answer ? answer.result : answer) as Record<string, unknown>,
    };
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "leanfleet-adversarial-"));
    cluster = await startLocalCluster({
      workers: { min: 1, max: 1 },
      port: 0,
      simulate: true,
      logDir: join(dir, "logs"),
      onNotice: () => undefined,
    });
  }, 120_000);

  afterAll(async () => {
    await cluster?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
    if (cluster) expect(findTagged(cluster.tag, true)).toEqual([]);
  }, 60_000);

  it(
    `gives each of the ${CASES.length} cases its verdict and names the failed check`,
    { timeout: 120_000 },
    async () => {
      const answers = await Promise.all(CASES.map((c) => post(c.body)));
      const wrong: string[] = [];
      CASES.forEach((c, i) => {
        const a = answers[i]!;
        const r = a.body as unknown as JobResult;
        if (a.status !== 200) return wrong.push(`${c.name}: HTTP ${a.status} ${JSON.stringify(a.body).slice(0, 300)}`);
        const failed = (r.checks ?? []).filter((k) => !k.ok).map((k) => k.name);
        if (r.verdict !== c.verdict) wrong.push(`${c.name}: verdict ${r.verdict}, checks ${JSON.stringify(r.checks)}`);
        else if (c.fails !== undefined && !failed.includes(c.fails))
          wrong.push(`${c.name}: failed ${failed.join(",")} but not ${c.fails}: ${JSON.stringify(r.checks)}`);
        else if (r.trust !== "fast" || r.simulated !== true)
          wrong.push(`${c.name}: trust ${r.trust}, simulated ${r.simulated}`);
        else if (c.fails !== undefined && !(r.checks ?? []).find((k) => k.name === c.fails)?.reason)
          wrong.push(`${c.name}: the failed check gives no reason`);
      });
      expect(wrong).toEqual([]);
    },
  );

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
    const cheat = (
      await post(
        withStatement("axiom cheat : False\ntheorem add_comm' (a b : Nat) : a + b = b + a := cheat.elim", {
          verify: "strict",
        }),
      )
    ).body as unknown as JobResult;
    expect(cheat).toMatchObject({ verdict: "invalid", trust: "fast" }); // stopped at fast: comparator never ran
    expect(cheat.checks?.some((k) => k.name === "kernel")).toBe(false);
    const noStatement = await post({ code: PROOF, verify: "strict" });
    expect(noStatement.status).toBe(400);
    expect(JSON.stringify(noStatement.body)).toMatch(/statement/);
  });
});
