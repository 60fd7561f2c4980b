// Job → REPL request, REPL answer → status and verdict, and the result record's timings and provenance.
import { describe, expect, it } from "vitest";
import { resultSchema } from "../../services/jobs/index.js";
import type { ReplResponse } from "../../services/repl/index.js";
import {
  judge,
  rejectedResult,
  resultFromOutcome,
  skippedResult,
  toLeanRequest,
} from "../../services/worker/results.js";
import { makeJob } from "./helpers/jobs.js";

const pos = { line: 1, column: 0 };
const msg = (severity: "error" | "warning" | "info", data: string) => ({ severity, pos, endPos: null, data });
const cmd = (value: Record<string, unknown>): ReplResponse => ({ kind: "command", value: { env: 0, ...value } });
const step = (value: Record<string, unknown>): ReplResponse => ({
  kind: "proofStep",
  value: { proofState: 1, goals: [], ...value },
});

describe("toLeanRequest", () => {
  it("sends code and file content as cmd, with env handle and REPL options", () => {
    const env = `env_${"a".repeat(32)}`;
    expect(
      toLeanRequest(makeJob({ request: { kind: "command", code: "#check 1", env, options: { allTactics: true } } })),
    ).toEqual({
      cmd: "#check 1",
      env,
      allTactics: true,
    });
    expect(toLeanRequest(makeJob({ request: { kind: "file", name: "A.lean", content: "def a := 1" } }))).toEqual({
      cmd: "def a := 1",
    });
    const ps = `ps_${"b".repeat(32)}`;
    expect(toLeanRequest(makeJob({ request: { kind: "tactic", tactic: "simp", proofState: ps } }))).toEqual({
      tactic: "simp",
      proofState: ps,
    });
  });
});

describe("judge", () => {
  it("valid only without errors and sorries", () => {
    expect(judge(cmd({}))).toEqual({ status: "ok", verdict: "valid" });
    expect(judge(cmd({ messages: [msg("info", "1 : Nat"), msg("warning", "unused variable")] }))).toEqual({
      status: "ok",
      verdict: "valid",
    });
    expect(judge(cmd({ messages: [msg("error", "type mismatch")] }))).toEqual({
      status: "lean_error",
      verdict: "invalid",
    });
    expect(judge(cmd({ sorries: [{ goal: "⊢ True", proofState: 0 }] }))).toEqual({ status: "ok", verdict: "invalid" });
    expect(judge(cmd({ messages: [msg("warning", "declaration uses 'sorry'")] }))).toEqual({
      status: "ok",
      verdict: "invalid",
    });
    expect(judge({ kind: "error", value: { message: "Unknown environment." } })).toEqual({
      status: "lean_error",
      verdict: "invalid",
    });
  });

  it("a tactic step is valid only when the proof is completed", () => {
    expect(judge(step({ proofStatus: "Completed" }))).toEqual({ status: "ok", verdict: "valid" });
    expect(judge(step({ goals: ["⊢ 1 = 1"], proofStatus: "Incomplete: open goals remain" }))).toEqual({
      status: "ok",
      verdict: "invalid",
    });
    expect(judge(step({ goals: [] }))).toEqual({ status: "ok", verdict: "valid" });
    expect(judge(step({ goals: ["⊢ p"] }))).toEqual({ status: "ok", verdict: "invalid" });
    expect(judge(step({ proofStatus: "Error: kernel type check failed" }))).toEqual({
      status: "ok",
      verdict: "invalid",
    });
  });
});

describe("result records", () => {
  const ctx = {
    worker: "w-1",
    simulated: false,
    deliveries: 2,
    startedAtMs: Date.parse("2026-01-01T00:00:01.500Z"),
    finishedAtMs: Date.parse("2026-01-01T00:00:02Z"),
  };
  const job = makeJob({ submittedAt: "2026-01-01T00:00:00.000Z", batchId: "b_1", group: "p1" });

  it("carries status, verdict, response, timings, attempts, worker and REPL, and validates against the schema", () => {
    const r = resultFromOutcome(
      job,
      {
        status: "ok",
        response: cmd({ messages: [msg("error", "bad")] }),
        durationMs: 123.4,
        attempts: 2,
        reusedChars: 40,
        rule: "prefix",
        replId: "repl-3",
        peakRssBytes: null,
        simulated: true,
      },
      ctx,
    );
    expect(resultSchema.parse(r)).toMatchObject({
      jobId: job.id,
      fleet: "test",
      batchId: "b_1",
      group: "p1",
      status: "lean_error",
      verdict: "invalid",
      response: { env: 0, messages: [msg("error", "bad")] },
      timings: {
        submittedAt: "2026-01-01T00:00:00.000Z",
        startedAt: "2026-01-01T00:00:01.500Z",
        finishedAt: "2026-01-01T00:00:02.000Z",
        queuedMs: 1500,
        runMs: 123,
        reusedChars: 40,
      },
      attempts: 2,
      worker: "w-1",
      replId: "repl-3",
      simulated: true,
      deliveries: 2,
    });
  });

  it("maps timeout / crashed / rejected outcomes to their status with verdict none and the error", () => {
    for (const status of ["timeout", "crashed", "rejected"] as const) {
      const r = resultFromOutcome(
        job,
        {
          status,
          error: { code: `x_${status}`, message: "m" },
          durationMs: 5,
          attempts: status === "crashed" ? 2 : 1,
          reusedChars: 0,
          rule: "idle",
          replId: "repl-0",
          peakRssBytes: null,
          simulated: false,
        },
        ctx,
      );
      expect(resultSchema.parse(r)).toMatchObject({
        status,
        verdict: "none",
        error: { code: `x_${status}` },
        simulated: false,
      });
      expect(r.response).toBeUndefined();
    }
  });

  it("skipped and rejected results", () => {
    expect(resultSchema.parse(skippedResult(job, { ...ctx, simulated: true }))).toMatchObject({
      status: "skipped",
      verdict: "none",
      attempts: 0,
      simulated: true,
    });
    const r = rejectedResult({ id: "j_x", fleet: "test" }, "invalid job: timeoutMs: too small", ctx);
    expect(resultSchema.parse(r)).toMatchObject({ jobId: "j_x", status: "rejected", error: { code: "invalid_job" } });
  });
});
