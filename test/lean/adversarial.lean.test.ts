// The adversarial corpus on real Lean (npm run test:lean): each case through the worker's verification path (run
// with its environment kept, message checks, fast audit, strict stage when comparator is present) on a real REPL,
// with the expected verdict. Which check fails can differ from the double's model (real Lean may already reject a
// shadowing notation as ambiguous), so here a failed case must name some failed check with a reason.
import { afterAll, describe, expect, it } from "vitest";
import { FORMAT_VERSION, type Job } from "../../services/jobs/index.js";
import { detectRepl, ReplPool } from "../../services/repl/index.js";
import { FastAuditor, resolveComparator, StrictChecker } from "../../services/verify/index.js";
import { toLeanRequest } from "../../services/worker/index.js";
import { verifyAnswer } from "../../services/worker/verification.js";
import { CASES, PROOF, withStatement } from "../verify/adversarial-corpus.js";

const found = detectRepl();
if (!found.ok) throw new Error(`test:lean needs a Lean REPL: ${found.error.message}`);
const pool = new ReplPool(found.config, { size: 2 });
const auditor = new FastAuditor(pool);
const comparator = resolveComparator(process.env.LEANFLEET_COMPARATOR);
const strict =
  comparator === null ? null : new StrictChecker({ command: comparator, projectDir: found.config.projectDir ?? null });
afterAll(() => pool.close());

const job = (body: Record<string, unknown>, i: number): Job =>
  ({
    v: FORMAT_VERSION,
    id: `j_lean_${i}`,
    fleet: "lean",
    request: { kind: "command", code: body.code as string },
    timeoutMs: 300_000,
    keep: false,
    submittedAt: new Date().toISOString(),
    ...(body.statement ? { statement: body.statement } : {}),
    ...(body.verify ? { verify: body.verify } : {}),
  }) as Job;

describe("adversarial corpus on real Lean", () => {
  CASES.forEach((c, i) => {
    it(c.name, async () => {
      const j = job(c.body, i);
      const run = await pool.run(toLeanRequest(j), { timeoutMs: 300_000, keep: true });
      expect(run.status).toBe("ok");
      const v = await verifyAnswer(j, run, { auditor, strict }, { remainingMs: 300_000 });
      expect(v.kind).toBe("checked");
      if (v.kind !== "checked") return;
      const ok = v.checks.every((k) => k.ok);
      expect(ok ? "valid" : "invalid", JSON.stringify(v.checks)).toBe(c.verdict);
      if (!ok) expect(v.checks.find((k) => !k.ok)?.reason).toBeTruthy();
    });
  });

  it.runIf(strict !== null)("accepts a correct proof with comparator, in a fresh process", async () => {
    const j = job(withStatement(PROOF, { verify: "strict" }), 99);
    const run = await pool.run(toLeanRequest(j), { timeoutMs: 300_000, keep: true });
    const v = await verifyAnswer(j, run, { auditor, strict }, { remainingMs: 600_000 });
    expect(v).toMatchObject({ kind: "checked", trust: "strict" });
  });
});
