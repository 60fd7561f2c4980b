// Test helpers of the Kimina routes: the request bodies kimina-client 0.2.1 and Lean4Client send, and a fake worker
// that answers jobs on an in-memory queue by directives in their code, storing results the way the worker does.
import { jobMessageSchema, jobSchema, type Job, type JobResult } from "../../services/jobs/index.js";
import type { ObjectStore } from "../../services/core/index.js";
import type { MemoryJobQueue } from "../support/fakes.js";
import { writeResult } from "../api/helpers/api-env.js";

/** `CheckRequest(snippets=..., timeout=..., debug=False, reuse=True, infotree=None).model_dump()`: all five keys. */
export function kiminaClientBody(snippets: unknown[], over: Record<string, unknown> = {}) {
  return { snippets, timeout: 60, debug: false, reuse: true, infotree: null, ...over };
}

/** What `Lean4Client.verify(codes, timeout, infotree_type)` posts: four keys, `infotree_type` null by default. */
export function lean4ClientBody(
  codes: { custom_id: string | number; proof?: string; code?: string }[],
  over: Record<string, unknown> = {},
) {
  return { codes, timeout: 300, infotree_type: null, disable_cache: false, ...over };
}

/** A fake worker's answer for a job, chosen by a `-- @fake NAME` line in its code (default: valid). */
export function fakeResultOf(job: Job): Partial<JobResult> | undefined {
  const code = job.request.kind === "command" ? job.request.code : "";
  const d = /-- @fake (\S+)/.exec(code)?.[1] ?? "valid";
  const base = {
    fleet: job.fleet,
    batchId: job.batchId!,
    replId: "repl-1",
    worker: "w-1",
    timings: {
      submittedAt: job.submittedAt,
      startedAt: job.submittedAt,
      finishedAt: job.submittedAt,
      queuedMs: 1,
      runMs: 532,
      reusedChars: 0,
    },
  };
  switch (d) {
    case "never":
      return undefined;
    case "lean-error":
      return {
        ...base,
        status: "lean_error",
        verdict: "invalid",
        response: {
          env: 3,
          messages: [
            {
              severity: "error",
              pos: { line: 2, column: 36 },
              endPos: { line: 2, column: 44 },
              data: "unsolved goals\n⊢ 1 + 1 = 2",
            },
          ],
          sorries: [],
        },
      };
    case "sorry":
      return {
        ...base,
        status: "ok",
        verdict: "invalid",
        response: {
          env: 1,
          messages: [
            {
              severity: "warning",
              pos: { line: 2, column: 8 },
              endPos: { line: 2, column: 9 },
              data: "declaration uses 'sorry'",
            },
          ],
          sorries: [
            { pos: { line: 2, column: 40 }, endPos: { line: 2, column: 45 }, goal: "⊢ 1 + 1 = 2", proofState: 0 },
          ],
        },
        trust: "fast",
        checks: [
          { name: "errors", ok: true },
          { name: "sorries", ok: false, reason: "uses sorry" },
        ],
      };
    case "repl-error":
      return { ...base, status: "lean_error", verdict: "invalid", response: { message: "Unknown environment." } };
    case "timeout":
      return {
        ...base,
        status: "timeout",
        verdict: "none",
        error: { code: "timeout", message: `no answer within ${job.timeoutMs} ms` },
      };
    case "crash":
      return {
        ...base,
        status: "crashed",
        verdict: "none",
        error: { code: "repl_crashed", message: "REPL exited with code 134" },
      };
    case "infotree":
      return { ...base, status: "ok", verdict: "valid", response: { env: 0, infotree: [{ node: "x" }] } };
    default:
      return {
        ...base,
        status: "ok",
        verdict: "valid",
        response: { env: 0, messages: [], sorries: [] },
        trust: "fast",
        checks: [{ name: "errors", ok: true }],
      };
  }
}

/** Runs until stopped: takes jobs off `queue`, stores the fake answers in `store`; returns the jobs it saw. */
export function fakeWorker(queue: MemoryJobQueue, store: ObjectStore): { jobs: Job[]; stop(): void } {
  const jobs: Job[] = [];
  let stopped = false;
  void (async () => {
    while (!stopped) {
      const msgs = await queue.receive(10, 0);
      for (const m of msgs) {
        const job = jobSchema.parse(jobMessageSchema.parse(JSON.parse(m.body)));
        jobs.push(job);
        const fields = fakeResultOf(job);
        if (fields === undefined) continue; // never answered (the message stays in flight)
        await writeResult(store, job.id, fields);
        await queue.ack(m.receipt);
      }
      if (msgs.length === 0) await new Promise((r) => setTimeout(r, 2));
    }
  })();
  return { jobs, stop: () => void (stopped = true) };
}
