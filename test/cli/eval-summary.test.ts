// The evaluation summary: pass@k by group (unbiased, k = 1..n), valid share of what ran, percentiles, failures by
// status, simulated flag; and its text form.
import { describe, expect, it } from "vitest";
import { formatSummary, percentile, summarise, type SummaryInput } from "../../cli/eval-summary.js";

const r = (
  group: string | undefined,
  status: SummaryInput["status"],
  verdict: SummaryInput["verdict"],
  runMs: number,
  simulated = false,
): SummaryInput => ({
  ...(group === undefined ? {} : { group }),
  status,
  verdict,
  timings: { runMs, queuedMs: runMs * 2 },
  simulated,
});

describe("summarise", () => {
  it("counts groups passed (any valid candidate), statuses and run-time percentiles of items that ran", () => {
    const s = summarise([
      r("a", "lean_error", "invalid", 10),
      r("a", "ok", "valid", 20),
      r("a", "skipped", "none", 0),
      r("b", "timeout", "none", 1000),
      r("b", "ok", "invalid", 30),
      r(undefined, "ok", "valid", 40),
      r(undefined, "crashed", "none", 50, true),
    ]);
    expect(s.items).toBe(7);
    expect(s.valid).toBe(2);
    expect(s.ran).toBe(6);
    expect(s.validRate).toBe(2 / 6);
    expect(s.byStatus).toEqual({ ok: 3, lean_error: 1, timeout: 1, crashed: 1, rejected: 0, skipped: 1 });
    expect(s.groups).toEqual({ total: 4, passed: 2, passRate: 0.5, maxAttempts: 3 });
    expect(s.perGroup.find((g) => g.group === "a")).toEqual({
      group: "a",
      attempts: 3,
      ran: 2,
      valid: 1,
      passed: true,
    });
    expect(s.runMs).toEqual({ count: 6, p50: 30, p90: 1000, p99: 1000, max: 1000 });
    expect(s.simulated).toBe(true);
  });

  it("gives the unbiased pass@k for k = 1..n over the attempts that ran; an early-stop skip is not a failure", () => {
    const s = summarise([
      // a: one of two ran attempts valid, the third skipped by early stop
      r("a", "lean_error", "invalid", 10),
      r("a", "ok", "valid", 20),
      r("a", "skipped", "none", 0),
      // b: nothing valid in three
      r("b", "timeout", "none", 1000),
      r("b", "ok", "invalid", 30),
      r("b", "lean_error", "invalid", 30),
      // c: valid at once, two skipped
      r("c", "ok", "valid", 5),
      r("c", "skipped", "none", 0),
      r("c", "skipped", "none", 0),
    ]);
    expect(s.groups.maxAttempts).toBe(3);
    expect(s.passAtK).toHaveLength(3);
    expect(s.passAtK[0]).toBeCloseTo((1 / 2 + 0 + 1) / 3, 12);
    expect(s.passAtK[1]).toBeCloseTo((1 + 0 + 1) / 3, 12);
    expect(s.passAtK[2]).toBe(s.groups.passRate);
    expect(s.validRate).toBe(2 / 6);
  });

  it("counts valid and pass@k by trust level when results carry trust: strict-stage results passed fast; valid at strict only when comparator accepted", () => {
    const t = (
      group: string,
      status: SummaryInput["status"],
      verdict: SummaryInput["verdict"],
      trust?: "fast" | "strict",
    ): SummaryInput => ({ ...r(group, status, verdict, 1), ...(trust ? { trust } : {}) });
    const s = summarise([
      // a: fast-invalid, then passed fast but comparator refused, then strict-valid
      t("a", "ok", "invalid", "fast"),
      t("a", "ok", "invalid", "strict"),
      t("a", "ok", "valid", "strict"),
      // b: passed fast, comparator refused; a Lean error
      t("b", "ok", "invalid", "strict"),
      t("b", "lean_error", "invalid", "fast"),
      // c: a timeout (no trust) and a skip
      t("c", "timeout", "none"),
      t("c", "skipped", "none"),
    ]);
    expect(s.byTrust?.fast).toEqual({ valid: 3, validRate: 3 / 6, groupsPassed: 2, passAtK: expect.any(Array) });
    expect(s.byTrust?.fast.passAtK[0]).toBeCloseTo((2 / 3 + 1 / 2 + 0) / 3, 12);
    expect(s.byTrust?.strict).toEqual({ valid: 1, validRate: 1 / 6, groupsPassed: 1, passAtK: expect.any(Array) });
    expect(s.byTrust?.strict?.passAtK[0]).toBeCloseTo(1 / 3 / 3, 12);
    expect(s.byTrust?.strict?.passAtK[2]).toBeCloseTo(1 / 3, 12);
    const text = formatSummary(s);
    expect(text).toContain(
      "trust fast   (errors, sorries, axioms, statement, options): valid 3 (50.0% of 6 that ran), 2/3 groups passed, pass@1 38.9%, pass@2 66.7%, pass@3 66.7%",
    );
    expect(
      text.find((l) =>
        l.startsWith(
          "trust strict (fast + comparator): valid 1 (16.7% of 6 that ran), 1/3 groups passed, pass@1 11.1%",
        ),
      ),
    ).toBeDefined();
    // Fast only: no strict line; no trust at all: no byTrust.
    expect(summarise([t("a", "ok", "valid", "fast")]).byTrust).toEqual({
      fast: { valid: 1, validRate: 1, groupsPassed: 1, passAtK: [1] },
    });
    expect(summarise([r("a", "ok", "valid", 1)]).byTrust).toBeUndefined();
  });

  it("spans the batch from the first submission to the last finish in the results' timestamps", () => {
    const at = (submittedAt: string, finishedAt: string): SummaryInput => ({
      ...r("g", "ok", "valid", 1),
      timings: { runMs: 1, queuedMs: 0, submittedAt, finishedAt },
    });
    expect(
      summarise([
        at("2025-01-01T00:00:00.000Z", "2025-01-01T00:00:02.000Z"),
        at("2025-01-01T00:00:01.000Z", "2025-01-01T01:00:00.000Z"),
      ]).spanMs,
    ).toBe(3_600_000);
    expect(summarise([r("g", "ok", "valid", 1)]).spanMs).toBe(0);
  });

  it("percentile uses the nearest rank", () => {
    const xs = Array.from({ length: 100 }, (_, i) => i + 1);
    expect([percentile(xs, 50), percentile(xs, 90), percentile(xs, 99), percentile([], 50)]).toEqual([50, 90, 99, 0]);
  });

  it("formats the simulated banner, pass@k, time distribution and failures by status", () => {
    const lines = formatSummary(
      summarise([r("p1", "ok", "valid", 5, true), r("p2", "lean_error", "invalid", 7, true)]),
      { wallMs: 1500 },
    );
    expect(lines[0]).toMatch(/^SIMULATED/);
    expect(lines).toContain("pass@k by group: 1/2 groups passed (50.0%), k <= 1 candidates per group");
    expect(lines).toContain("unbiased (Chen et al. 2021, over attempts that ran): pass@1 50.0%");
    expect(lines).toContain("  PASS  p1  (1/1 valid)");
    expect(lines.some((l) => l.startsWith("run time (ms, 2 items that ran): p50 5, p90 7, p99 7"))).toBe(true);
    expect(lines.some((l) => l.startsWith("failures by status: lean_error 1, timeout 0, crashed 0, rejected 0"))).toBe(
      true,
    );
    expect(lines[1]).toBe("items: 2, valid: 1 (50.0% of 2 that ran), wall time 1.5 s");
  });
});
