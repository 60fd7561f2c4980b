// Summaries name the environments a run's results came from: the evaluation summary (pass@k per environment when
// there are several, advisory counts), its text, the nightly summary, and the --resume check.
import { describe, expect, it } from "vitest";
import { environmentChange } from "../../cli/eval-state.js";
import { formatSummary } from "../../cli/eval-summary.js";
import { outcomesOf, summarizeRun } from "../../functions/nightly/summary.js";
import { summarise } from "../../services/batches/index.js";
import type { JobResult } from "../../services/jobs/index.js";

const t = "2026-11-29T03:00:00.000Z";
function result(group: string, verdict: JobResult["verdict"], env?: string, advisories?: string[]): JobResult {
  return {
    v: 1,
    jobId: "j",
    fleet: "main",
    group,
    status: verdict === "none" ? "timeout" : verdict === "valid" ? "ok" : "lean_error",
    verdict,
    timings: {
      submittedAt: t,
      startedAt: t,
      finishedAt: t,
      queuedMs: 0,
      runMs: 1,
      reusedChars: 0,
    },
    attempts: 1,
    worker: "w",
    simulated: false,
    ...(env ? { env } : {}),
    ...(advisories ? { advisories } : {}),
  };
}

describe("summaries by environment", () => {
  it("GIVEN results from two environments WHEN summarised THEN each gets its own pass@k and the text says the run is mixed", () => {
    const results = [
      result("p1", "valid", "env-aaaaaaaa", ["LEAN-2025-001"]),
      result("p1", "invalid", "env-aaaaaaaa", ["LEAN-2025-001"]),
      result("p2", "invalid", "env-aaaaaaaa", ["LEAN-2025-001"]),
      result("p2", "valid", "env-bbbbbbbb"),
      result("p3", "invalid", "env-bbbbbbbb"),
    ];
    const s = summarise(results);
    expect(s.environments).toEqual([
      {
        id: "env-aaaaaaaa",
        items: 3,
        ran: 3,
        valid: 1,
        groups: { total: 2, passed: 1 },
        passAtK: [0.25, 0.5],
      },
      {
        id: "env-bbbbbbbb",
        items: 2,
        ran: 2,
        valid: 1,
        groups: { total: 2, passed: 1 },
        passAtK: [0.5],
      },
    ]);
    expect(s.advisories).toEqual({ "LEAN-2025-001": 3 });
    const text = formatSummary(s).join("\n");
    expect(text).toContain("MIXED ENVIRONMENTS: these results come from 2 environments (env-aaaaaaaa, env-bbbbbbbb)");
    expect(text).toContain(
      "environment env-aaaaaaaa: 3 items, valid 1 (33.3% of 3 that ran), 1/2 groups passed, pass@1 25.0%, pass@2 50.0%",
    );
    expect(text).toContain(
      "environment env-bbbbbbbb: 2 items, valid 1 (50.0% of 2 that ran), 1/2 groups passed, pass@1 50.0%",
    );
    expect(text).toContain("ADVISORY LEAN-2025-001: 3 results");
  });

  it("GIVEN one environment THEN the summary names it once; GIVEN none (older results) THEN it says nothing of environments", () => {
    const one = summarise([result("p", "valid", "env-aaaaaaaa")]);
    expect(formatSummary(one).join("\n")).toContain("environment: env-aaaaaaaa");
    expect(formatSummary(one).join("\n")).not.toContain("MIXED");
    const none = summarise([result("p", "valid")]);
    expect(none.environments).toBeUndefined();
    expect(formatSummary(none).join("\n")).not.toContain("environment");
  });

  it("GIVEN a nightly run WHEN summarised THEN it counts items and valid items per environment and per advisory", () => {
    const results = new Map([
      [0, result("a", "valid", "env-aaaaaaaa", ["LEAN-2025-001"])],
      [1, result("b", "invalid", "env-bbbbbbbb")],
    ]);
    const outcomes = outcomesOf(["a", "b", "c"], results);
    const s = summarizeRun({
      run: "r",
      fleet: "main",
      dataset: "d",
      batchId: "b_1",
      startedAt: t,
      finishedAt: t,
      finishedBecause: "complete",
      simulated: false,
      outcomes,
      diff: {
        previousBatchId: null,
        newlyFailing: [],
        newlyPassing: [],
        added: [],
        removed: [],
      },
    });
    expect(s.environments).toEqual({
      "env-aaaaaaaa": { items: 1, valid: 1 },
      "env-bbbbbbbb": { items: 1, valid: 0 },
    });
    expect(s.advisories).toEqual({ "LEAN-2025-001": 1 });
  });

  it("GIVEN results so far from one environment WHEN the fleet now runs another THEN resuming is a change naming both", () => {
    expect(environmentChange([{ env: "env-aaaaaaaa" }], "env-bbbbbbbb")).toEqual({
      before: ["env-aaaaaaaa"],
      now: "env-bbbbbbbb",
    });
    expect(environmentChange([{ env: "env-aaaaaaaa" }], "env-aaaaaaaa")).toBeNull();
    expect(environmentChange([{}], "env-bbbbbbbb")).toBeNull();
    expect(environmentChange([{ env: "env-aaaaaaaa" }], null)).toBeNull();
  });
});
