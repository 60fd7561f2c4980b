// Crash handling through the whole worker path on real REPL processes (the double) and fauxqs: a job whose REPL
// crashed once and then succeeded reports attempts 2; a job that always crashes ends `crashed` after the bound and
// is deleted from the queue, never sent to the dead-letter queue.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resultKey, type JobResult } from "../../services/jobs/index.js";
import { ReplPool } from "../../services/repl/index.js";
import { NoopTaskProtection } from "../../services/aws/index.js";
import { Worker } from "../../services/worker/worker.js";
import { isAlive } from "../../services/local-cluster/index.js";
import { startFauxqsEnv, type FauxqsEnv } from "./helpers/fauxqs-env.js";
import { makeJob, memoryLogger } from "./helpers/jobs.js";
import { doubleConfig } from "../support/double.js";

let env: FauxqsEnv;
beforeAll(async () => {
  env = await startFauxqsEnv();
});
afterAll(async () => {
  await env?.close();
});

async function waitFor<T>(get: () => Promise<T | undefined> | T | undefined, timeoutMs = 20_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await get();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe("crash retries through the worker", () => {
  it("crashed once then succeeded -> attempts 2; always crashing -> crashed after the bound, not in the DLQ; no REPL survives", async () => {
    const { queue, dlq } = env.queue({ visibilitySeconds: 10, maxReceiveCount: 2 });
    const store = env.bucket();
    const pool = new ReplPool(doubleConfig({ maxCrashRetries: 1, restartBackoffMs: 0 }), { size: 1 });
    const { logger } = memoryLogger();
    const worker = new Worker({
      queue,
      store,
      runner: pool,
      protection: new NoopTaskProtection(),
      logger,
      fleet: "test",
      workerId: "w",
      simulated: true,
      pollWaitSeconds: 1,
      visibilitySeconds: 10,
      healthPort: null,
    });
    const replPids = new Set<number>();
    try {
      await pool.start();
      await worker.start();
      const flaky = makeJob({ code: "-- @double sleep 1500\ntheorem a : True := trivial" });
      await queue.send(JSON.stringify(flaky));
      // Kill the REPL (as the kernel's OOM killer would) while it runs the job: the pool restarts it and retries.
      await waitFor(() => worker.health().jobsRunning === 1 || undefined);
      const pid = await waitFor(() => pool.servers[0]!.pid ?? undefined);
      await new Promise((r) => setTimeout(r, 300));
      replPids.add(pid);
      process.kill(pid, "SIGKILL");
      const flakyResult = JSON.parse(await waitFor(() => store.get(resultKey(flaky.id)))) as JobResult;
      expect(flakyResult).toMatchObject({
        status: "ok",
        verdict: "valid",
        attempts: 2,
        simulated: true,
        deliveries: 1,
      });

      const doomed = makeJob({ code: "-- @double crash\ntheorem b : True := trivial" });
      await queue.send(JSON.stringify(doomed));
      const doomedResult = JSON.parse(await waitFor(() => store.get(resultKey(doomed.id)))) as JobResult;
      expect(doomedResult).toMatchObject({
        status: "crashed",
        verdict: "none",
        attempts: 2,
        error: { code: "repl_crashed" },
        deliveries: 1,
      });
      if (pool.servers[0]!.pid) replPids.add(pool.servers[0]!.pid);

      await waitFor(async () => {
        const d = await queue.depth();
        return d.visible + d.inFlight === 0 || undefined;
      });
      expect(await dlq.depth()).toMatchObject({ visible: 0, inFlight: 0 });
      expect(pool.stats().restarts).toBeGreaterThanOrEqual(3);
    } finally {
      await worker.close(1000);
    }
    await waitFor(() => [...replPids].every((p) => !isAlive(p)) || undefined, 5000);
  });
});
