// The evaluation summary: pass@k by group, percentiles, failures by status, simulated flag; and its text form.
import { describe, expect, it } from "vitest";
import { formatSummary, percentile, summarise, type SummaryInput } from "../../cli/eval-summary.js";

const r = (group: string | undefined, status: SummaryInput["status"], verdict: SummaryInput["verdict"], runMs: number, simulated = false): SummaryInput => ({
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
    expect(s.byStatus).toEqual({ ok: 3, lean_error: 1, timeout: 1, crashed: 1, rejected: 0, skipped: 1 });
    expect(s.groups).toEqual({ total: 4, passed: 2, passRate: 0.5, maxAttempts: 3 });
    expect(s.perGroup.find((g) => g.group === "a")).toEqual({ group: "a", attempts: 3, valid: 1, passed: true });
    expect(s.runMs).toEqual({ count: 6, p50: 30, p90: 1000, p99: 1000, max: 1000 });
    expect(s.simulated).toBe(true);
  });

  it("percentile uses the nearest rank", () => {
    const xs = Array.from({ length: 100 }, (_, i) => i + 1);
    expect([percentile(xs, 50), percentile(xs, 90), percentile(xs, 99), percentile([], 50)]).toEqual([50, 90, 99, 0]);
  });

  it("formats the simulated banner, pass@k, time distribution and failures by status", () => {
    const lines = formatSummary(summarise([r("p1", "ok", "valid", 5, true), r("p2", "lean_error", "invalid", 7, true)]), { wallMs: 1500 });
    expect(lines[0]).toMatch(/^SIMULATED/);
    expect(lines).toContain("pass@k by group: 1/2 groups passed (50.0%), k <= 1 candidates per group");
    expect(lines).toContain("  PASS  p1  (1/1 valid)");
    expect(lines.some((l) => l.startsWith("run time (ms, 2 items that ran): p50 5, p90 7, p99 7"))).toBe(true);
    expect(lines.some((l) => l.startsWith("failures by status: lean_error 1, timeout 0, crashed 0, rejected 0"))).toBe(true);
  });
});
