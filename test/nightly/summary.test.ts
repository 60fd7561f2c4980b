// Pure run bookkeeping: outcomes from results, the diff between runs, and the stored summary.
import { describe, expect, it } from "vitest";
import { diffRuns, outcomesOf, summarizeRun, type RunOutcomes } from "../../functions/nightly/summary.js";
import type { JobResult } from "../../services/jobs/index.js";

function result(status: JobResult["status"], verdict: JobResult["verdict"], simulated = false): JobResult {
  const t = "2026-11-29T03:00:00.000Z";
  return {
    v: 1,
    jobId: "j",
    fleet: "mathlib",
    status,
    verdict,
    timings: { submittedAt: t, startedAt: t, finishedAt: t, queuedMs: 0, runMs: 1, reusedChars: 0 },
    attempts: 1,
    worker: "w",
    simulated,
  };
}

describe("outcomesOf", () => {
  it("GIVEN item ids by seq and results by seq WHEN combined THEN each item gets its status and verdict, and items without a result are missing", () => {
    const out = outcomesOf(
      ["a", "b", "c"],
      new Map([
        [0, result("ok", "valid")],
        [2, result("timeout", "none")],
      ]),
    );
    expect(out).toEqual({
      a: { status: "ok", verdict: "valid" },
      b: { status: "missing", verdict: "none" },
      c: { status: "timeout", verdict: "none" },
    });
  });
});

describe("diffRuns", () => {
  const prev: RunOutcomes = {
    keep: { status: "ok", verdict: "valid" },
    broke: { status: "ok", verdict: "valid" },
    fixed: { status: "lean_error", verdict: "invalid" },
    stillBad: { status: "timeout", verdict: "none" },
    lost: { status: "ok", verdict: "valid" },
    gone: { status: "ok", verdict: "valid" },
  };
  const curr: RunOutcomes = {
    keep: { status: "ok", verdict: "valid" },
    broke: { status: "lean_error", verdict: "invalid" },
    fixed: { status: "ok", verdict: "valid" },
    stillBad: { status: "crashed", verdict: "none" },
    lost: { status: "missing", verdict: "none" },
    fresh: { status: "ok", verdict: "valid" },
  };

  it("GIVEN two runs WHEN diffed THEN valid→not valid is newly failing (missing included), not valid→valid newly passing, and added/removed items are listed", () => {
    expect(diffRuns(prev, curr, "b_prev")).toEqual({
      previousBatchId: "b_prev",
      newlyFailing: ["broke", "lost"],
      newlyPassing: ["fixed"],
      added: ["fresh"],
      removed: ["gone"],
    });
  });

  it("GIVEN no previous run WHEN diffed THEN nothing is reported as changed", () => {
    expect(diffRuns(undefined, curr)).toEqual({
      previousBatchId: null,
      newlyFailing: [],
      newlyPassing: [],
      added: [],
      removed: [],
    });
  });

  it("GIVEN the same run twice WHEN diffed THEN there is no change", () => {
    expect(diffRuns(curr, curr, "b")).toMatchObject({ newlyFailing: [], newlyPassing: [], added: [], removed: [] });
  });
});

describe("summarizeRun", () => {
  it("GIVEN outcomes and a diff WHEN summarized THEN counts by status, pass rate, duration and diff counts are right", () => {
    const outcomes: RunOutcomes = {
      a: { status: "ok", verdict: "valid" },
      b: { status: "ok", verdict: "valid" },
      c: { status: "lean_error", verdict: "invalid" },
      d: { status: "missing", verdict: "none" },
    };
    const s = summarizeRun({
      run: "minif2f",
      fleet: "mathlib",
      dataset: "minif2f-valid",
      batchId: "b_1",
      startedAt: "2026-11-29T03:00:00.000Z",
      finishedAt: "2026-11-29T03:12:30.000Z",
      finishedBecause: "queue_empty",
      outcomes,
      simulated: true,
      diff: { previousBatchId: "b_0", newlyFailing: ["c"], newlyPassing: ["a", "b"], added: [], removed: [] },
    });
    expect(s).toMatchObject({
      total: 4,
      done: 3,
      missing: 1,
      valid: 2,
      passRate: 0.5,
      durationSeconds: 750,
      finishedBecause: "queue_empty",
      simulated: true,
      byStatus: { ok: 2, lean_error: 1, timeout: 0, crashed: 0, rejected: 0, skipped: 0, missing: 1 },
      diff: { previousBatchId: "b_0", counts: { newlyFailing: 1, newlyPassing: 2, added: 0, removed: 0 } },
    });
  });

  it("GIVEN an empty run WHEN summarized THEN the pass rate is 0, not NaN", () => {
    const s = summarizeRun({
      run: "r",
      fleet: "f",
      dataset: "d",
      batchId: "b",
      startedAt: "2026-11-29T03:00:00.000Z",
      finishedAt: "2026-11-29T03:00:00.000Z",
      finishedBecause: "complete",
      outcomes: {},
      simulated: false,
      diff: diffRuns(undefined, {}),
    });
    expect(s.passRate).toBe(0);
    expect(s.total).toBe(0);
  });
});

describe("verification in nightly runs", () => {
  it("GIVEN dataset items with a statement and a trust level WHEN parsed THEN they carry them to the job; results count valid by trust", async () => {
    const { parseItems } = await import("../../functions/nightly/dataset.js");
    const [item] = parseItems(
      [
        {
          id: "p1",
          code: "theorem t : True := trivial",
          statement: "theorem t : True := by",
          verify: "strict",
          permittedAxioms: ["propext"],
        },
      ],
      60_000,
      (i) => `items[${i}]`,
    );
    expect(item!.verify).toEqual({
      statement: "theorem t : True := by",
      verify: "strict",
      permittedAxioms: ["propext"],
    });
    expect(() => parseItems([{ id: "p2", code: "x", verify: "paranoid" }], 60_000, (i) => `items[${i}]`)).toThrow(
      /verify/,
    );
    const r = (seq: number, trust?: "fast" | "strict") =>
      ({ status: "ok", verdict: "valid", ...(trust ? { trust } : {}) }) as unknown as JobResult;
    const outcomes = outcomesOf(
      ["a", "b", "c"],
      new Map([
        [0, r(0, "strict")],
        [1, r(1, "fast")],
        [2, r(2, "fast")],
      ]),
    );
    const s = summarizeRun({
      run: "n",
      fleet: "f",
      dataset: "d",
      batchId: "b",
      startedAt: "2026-12-01T00:00:00Z",
      finishedAt: "2026-12-01T00:01:00Z",
      finishedBecause: "complete",
      simulated: true,
      outcomes,
      diff: diffRuns(undefined, outcomes),
    });
    expect(s.validByTrust).toEqual({ fast: 2, strict: 1 });
  });
});
