// The worker's verification step on fakes: strict jobs are refused where there is no comparator, run comparator
// (here the comparator double, a real process) only after the fast stage passed, and a comparator that hangs ends
// the job as a timeout; every outcome is one stored result.
import { afterEach, describe, expect, it } from "vitest";
import { resultKey, type JobResult } from "../../services/jobs/index.js";
import { FastAuditor, StrictChecker } from "../../services/verify/index.js";
import { Worker, type WorkerOptions } from "../../services/worker/worker.js";
import { strictRefusal } from "../../services/worker/verification.js";
import { MemoryJobQueue, MemoryObjectStore, RecordingTaskProtection, ScriptedRunner } from "../support/fakes.js";
import { makeJob, memoryLogger } from "./helpers/jobs.js";
import { comparatorDoubleCommand } from "../support/double.js";

const workers: Worker[] = [];
afterEach(async () => {
  await Promise.all(workers.splice(0).map((w) => w.close(0)));
});

const STATEMENT = "theorem t : True := by";
const PROOF = "theorem t : True := by\n  trivial";

async function run(
  jobs: ReturnType<typeof makeJob>[],
  strict: StrictChecker | null,
  extra: Partial<WorkerOptions> = {},
): Promise<JobResult[]> {
  const queue = new MemoryJobQueue({ visibilitySeconds: 30 });
  const store = new MemoryObjectStore();
  const runner = new ScriptedRunner({ size: 2 });
  const worker = new Worker({
    queue,
    store,
    runner,
    verification: { auditor: new FastAuditor(runner), strict },
    protection: new RecordingTaskProtection(),
    logger: memoryLogger().logger,
    fleet: "test",
    workerId: "w-test",
    simulated: true,
    pollWaitSeconds: 1,
    visibilitySeconds: 30,
    drainSeconds: 5,
    healthPort: null,
    ...extra,
  });
  workers.push(worker);
  for (const j of jobs) await queue.send(JSON.stringify(j));
  await worker.start();
  for (let i = 0; i < 400; i++) {
    const d = await queue.depth();
    if (d.visible + d.inFlight === 0) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  return Promise.all(jobs.map(async (j) => JSON.parse((await store.get(resultKey(j.id)))!) as JobResult));
}

describe("verification in the worker", () => {
  it("rejects a strict job on a fleet without comparator, naming the missing tool, before running anything", async () => {
    const job = makeJob({ code: PROOF, statement: STATEMENT, verify: "strict" });
    expect(strictRefusal(job, { auditor: new FastAuditor(new ScriptedRunner()), strict: null })?.code).toBe(
      "strict_unavailable",
    );
    const [r] = await run([job], null);
    expect(r).toMatchObject({
      status: "rejected",
      verdict: "none",
      error: { code: "strict_unavailable", message: expect.stringMatching(/comparator/) },
    });
  });

  it(
    "runs comparator in a fresh process after the fast stage, and a hanging comparator ends the job as a timeout",
    { timeout: 30_000 },
    async () => {
      const strict = new StrictChecker({
        command: comparatorDoubleCommand(),
        projectDir: null,
        addressSpaceLimitMiB: null,
        killGraceMs: 200,
      });
      const ok = makeJob({ code: PROOF, statement: STATEMENT, verify: "strict" });
      const hang = makeJob({
        code: `${PROOF}\n-- @double hang`,
        statement: STATEMENT,
        verify: "strict",
        timeoutMs: 2_000,
      });
      const fast = makeJob({ code: PROOF, statement: STATEMENT });
      const [a, b, c] = await run([ok, hang, fast], strict);
      expect(a).toMatchObject({ status: "ok", verdict: "valid", trust: "strict" });
      expect(a!.checks!.at(-1)).toEqual({ name: "kernel", ok: true });
      expect(b).toMatchObject({ status: "timeout", verdict: "none", error: { code: "strict_timeout" } });
      expect(c).toMatchObject({ verdict: "valid", trust: "fast" });
      expect(c!.checks!.some((k) => k.name === "kernel")).toBe(false);
    },
  );
});
