// Worker behaviour that depends on the real queue protocol (fauxqs): shutdown never aborts a long poll (stack.md
// G5), so a message arriving during the final poll is handed back at once; plus the health endpoint and releases.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resultKey } from "../../services/jobs/index.js";
import { NoopTaskProtection } from "../../services/aws/index.js";
import { Worker } from "../../services/worker/worker.js";
import { ScriptedRunner } from "../support/fakes.js";
import { startFauxqsEnv, type FauxqsEnv } from "./helpers/fauxqs-env.js";
import { makeJob, memoryLogger } from "./helpers/jobs.js";

let env: FauxqsEnv;
beforeAll(async () => {
  env = await startFauxqsEnv();
});
afterAll(async () => {
  await env?.close();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("Worker on fauxqs", () => {
  it("at shutdown the pending long poll finishes; a message it returns is made visible again at once", async () => {
    const { queue } = env.queue({ visibilitySeconds: 60, maxReceiveCount: 5 });
    const store = env.bucket();
    const runner = new ScriptedRunner();
    const { logger } = memoryLogger();
    const worker = new Worker({
      queue,
      store,
      runner,
      protection: new NoopTaskProtection(),
      logger,
      fleet: "test",
      workerId: "w",
      simulated: true,
      pollWaitSeconds: 3,
      healthPort: null,
    });
    await worker.start();
    await sleep(300); // the worker is now inside a long poll
    const closing = worker.close(1000);
    const job = makeJob();
    await queue.send(JSON.stringify(job));
    await closing;
    const t0 = Date.now();
    const [again] = await queue.receive(1, 0);
    expect(again).toMatchObject({ receiveCount: 2 }); // it was received by the final poll, then released
    expect(Date.now() - t0).toBeLessThan(1000);
    expect(runner.requests).toHaveLength(0);
    expect(await store.exists(resultKey(job.id))).toBe(false);
  });

  it("serves GET /health with REPLs, running jobs and the last receive time; 503 while draining", async () => {
    const { queue } = env.queue({ visibilitySeconds: 30, maxReceiveCount: 5 });
    const store = env.bucket();
    const runner = new ScriptedRunner({ size: 3, script: () => ({ delayMs: 1500 }) });
    const { logger } = memoryLogger();
    const worker = new Worker({
      queue,
      store,
      runner,
      protection: new NoopTaskProtection(),
      logger,
      fleet: "test",
      workerId: "w-h",
      simulated: true,
      pollWaitSeconds: 1,
      healthPort: 0,
    });
    await worker.start();
    await queue.send(JSON.stringify(makeJob()));
    const url = `http://127.0.0.1:${worker.healthPort}/health`;
    let body: Record<string, unknown> = {};
    for (let i = 0; i < 50 && body.jobsRunning !== 1; i++) {
      const res = await fetch(url);
      expect(res.status).toBe(200);
      body = (await res.json()) as Record<string, unknown>;
      await sleep(50);
    }
    expect(body).toMatchObject({
      status: "ok",
      workerId: "w-h",
      fleet: "test",
      simulated: true,
      jobsRunning: 1,
      repls: { size: 3, alive: 3 },
      taskProtected: true,
    });
    expect(Date.parse(String(body.lastReceiveAt))).toBeGreaterThan(Date.now() - 10_000);
    const closing = worker.close(5000);
    const draining = await fetch(url).catch(() => undefined);
    if (draining) expect(draining.status).toBe(503);
    await closing;
    await expect(fetch(url)).rejects.toThrow();
  });

  it("a job the REPL set could not take (pool_exhausted) is released, not answered, and runs on its next delivery", async () => {
    const { queue } = env.queue({ visibilitySeconds: 30, maxReceiveCount: 5 });
    const store = env.bucket();
    const runner = new ScriptedRunner({
      script: (_r, call) =>
        call === 1 ? { status: "rejected", error: { code: "pool_exhausted", message: "no REPL became free" } } : {},
    });
    const { logger } = memoryLogger();
    const worker = new Worker({
      queue,
      store,
      runner,
      protection: new NoopTaskProtection(),
      logger,
      fleet: "test",
      workerId: "w",
      simulated: true,
      pollWaitSeconds: 1,
      healthPort: null,
    });
    await worker.start();
    const job = makeJob();
    await queue.send(JSON.stringify(job));
    let text: string | undefined;
    for (let i = 0; i < 100 && text === undefined; i++) {
      text = await store.get(resultKey(job.id));
      await sleep(50);
    }
    await worker.close(1000);
    expect(JSON.parse(text!)).toMatchObject({ status: "ok", deliveries: 2 });
    expect(worker.counts()).toMatchObject({ released: 1, done: 1 });
  });
});
