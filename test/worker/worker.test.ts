// The worker's loop, processor, heartbeat, protection and shutdown on in-memory fakes (real time, short leases).
import { afterEach, describe, expect, it } from "vitest";
import { groupValidKey, resultKey, runningKey, type JobResult } from "../../services/jobs/index.js";
import type { LeanRequest } from "../../services/repl/index.js";
import { Worker, type WorkerOptions } from "../../services/worker/worker.js";
import {
  MemoryJobQueue,
  MemoryObjectStore,
  RecordingTaskProtection,
  ScriptedRunner,
  type ScriptStep,
} from "../support/fakes.js";
import { makeJob, memoryLogger, messageBody } from "./helpers/jobs.js";

const workers: Worker[] = [];
afterEach(async () => {
  await Promise.all(workers.splice(0).map((w) => w.close(0)));
});

const textOf = (r: LeanRequest) => ("cmd" in r ? r.cmd : "tactic" in r ? r.tactic : "");

function setup(
  opts: {
    size?: number;
    visibilitySeconds?: number;
    maxReceiveCount?: number;
    script?: (r: LeanRequest, call: number) => ScriptStep | Promise<ScriptStep>;
  } & Partial<WorkerOptions> = {},
) {
  const { size = 2, visibilitySeconds = 30, maxReceiveCount = 3, script, ...rest } = opts;
  const dlq = new MemoryJobQueue();
  const queue = new MemoryJobQueue({ visibilitySeconds, maxReceiveCount, deadLetter: dlq });
  const store = new MemoryObjectStore();
  const runner = new ScriptedRunner({ size, ...(script ? { script } : {}) });
  const protection = new RecordingTaskProtection();
  const { logger, lines } = memoryLogger();
  const worker = new Worker({
    queue,
    store,
    runner,
    protection,
    logger,
    fleet: "test",
    workerId: "w-test",
    simulated: true,
    pollWaitSeconds: 1,
    visibilitySeconds,
    drainSeconds: 5,
    protectionReleaseDelayMs: 50,
    healthPort: null,
    ...rest,
  });
  workers.push(worker);
  return { dlq, queue, store, runner, protection, lines, worker };
}

async function waitFor(cond: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function result(store: MemoryObjectStore, jobId: string): Promise<JobResult | undefined> {
  const text = await store.get(resultKey(jobId));
  return text === undefined ? undefined : (JSON.parse(text) as JobResult);
}

describe("Worker on fakes", () => {
  it("runs jobs, writes one result each, deletes the messages, and logs an EMF record per job", async () => {
    const { queue, store, lines, worker, runner } = setup({
      script: (r) =>
        textOf(r).includes("ERR")
          ? {
              response: {
                kind: "command",
                value: {
                  env: 0,
                  messages: [{ severity: "error", pos: { line: 1, column: 0 }, endPos: null, data: "bad" }],
                },
              },
            }
          : {},
    });
    const jobs = [makeJob(), makeJob({ code: "ERR" }), makeJob({ request: { kind: "file", content: "def x := 1" } })];
    for (const j of jobs) await queue.send(JSON.stringify(j));
    await worker.start();
    await waitFor(async () => (await queue.depth()).visible + (await queue.depth()).inFlight === 0);
    expect(await result(store, jobs[0]!.id)).toMatchObject({
      status: "ok",
      verdict: "valid",
      simulated: true,
      attempts: 1,
      worker: "w-test",
      deliveries: 1,
    });
    expect(await result(store, jobs[1]!.id)).toMatchObject({ status: "lean_error", verdict: "invalid" });
    expect(await result(store, jobs[2]!.id)).toMatchObject({ status: "ok" });
    expect(runner.requests.map(textOf)).toContain("def x := 1");
    expect(runner.options[0]).toMatchObject({ timeoutMs: 5000, keep: true });
    const emf = lines().filter((l) => l._aws !== undefined);
    expect(emf).toHaveLength(3);
    expect(emf[0]).toMatchObject({
      _aws: { CloudWatchMetrics: [{ Namespace: "LeanFleet", Dimensions: [["Fleet"]] }] },
      Fleet: "test",
      Jobs: 1,
      ReplRestarts: 0,
    });
    expect(Object.keys(emf[0]!)).toEqual(expect.arrayContaining(["RunMs", "ReusedChars"]));
    await waitFor(() => store.keys().every((k) => !k.startsWith("running/")));
  });

  it("never holds more jobs than REPLs", async () => {
    const { queue, worker, runner } = setup({ size: 3, script: () => ({ delayMs: 30 }) });
    await queue.sendMany(Array.from({ length: 30 }, () => JSON.stringify(makeJob())));
    await worker.start();
    await waitFor(async () => (await queue.depth()).visible + (await queue.depth()).inFlight === 0);
    expect(runner.requests).toHaveLength(30);
    expect(runner.maxConcurrent).toBe(3);
  });

  it("a redelivered job that already has a result is deleted without running again", async () => {
    const { queue, store, worker, runner } = setup();
    const job = makeJob();
    await store.put(resultKey(job.id), JSON.stringify({ jobId: job.id, status: "ok" }));
    await queue.send(JSON.stringify(job));
    const [first] = await queue.receive(1, 0);
    await queue.release(first!.receipt); // second delivery
    await worker.start();
    await waitFor(async () => (await queue.depth()).visible + (await queue.depth()).inFlight === 0);
    expect(runner.requests).toHaveLength(0);
    expect(worker.counts()).toEqual({ duplicate: 1 });
  });

  it("first result wins: a job that runs twice (duplicate delivery) keeps its first result", async () => {
    const { queue, store, worker } = setup({ script: (_r, call) => ({ replId: `repl-${call}` }) });
    const job = makeJob();
    await queue.send(JSON.stringify(job));
    await queue.send(JSON.stringify(job)); // SQS may deliver a message twice; both have receive count 1
    await worker.start();
    await waitFor(async () => (await queue.depth()).visible + (await queue.depth()).inFlight === 0);
    expect((await result(store, job.id))!.replId).toBe("repl-1");
  });

  it("early stop: a valid item marks its group; later items of the group are skipped without running", async () => {
    const { queue, store, worker, runner } = setup({ size: 1 });
    const a = makeJob({ batchId: "b_1", group: "p1", earlyStop: true });
    const b = makeJob({ batchId: "b_1", group: "p1", earlyStop: true });
    await queue.send(JSON.stringify(a));
    await worker.start();
    await waitFor(async () => await store.exists(groupValidKey("b_1", "p1")));
    await queue.send(JSON.stringify(b));
    await waitFor(async () => (await result(store, b.id)) !== undefined);
    expect(await result(store, b.id)).toMatchObject({
      status: "skipped",
      verdict: "none",
      attempts: 0,
      simulated: true,
    });
    expect(runner.requests).toHaveLength(1);
  });

  it("resolves claim-checked inputs", async () => {
    const { queue, store, worker, runner } = setup();
    const job = makeJob({ code: "-- big\n".repeat(50_000) + "theorem t : True := trivial" });
    await queue.send(await messageBody(job, store));
    await worker.start();
    await waitFor(async () => (await result(store, job.id)) !== undefined);
    expect(textOf(runner.requests[0]!)).toBe(job.request.kind === "command" ? job.request.code : "");
  });

  it("poison messages are never answered and reach the dead-letter queue through redrive; invalid jobs are rejected", async () => {
    const { queue, dlq, store, worker } = setup({ maxReceiveCount: 2, poisonRetryDelaySeconds: 1 });
    await queue.send("{this is not json");
    const invalid = { ...makeJob(), timeoutMs: 1 };
    await queue.send(JSON.stringify(invalid));
    await worker.start();
    await waitFor(async () => (await dlq.depth()).visible === 1);
    expect(dlq.snapshot().map((m) => m.body)).toEqual(["{this is not json"]);
    expect(await result(store, invalid.id)).toMatchObject({ status: "rejected", error: { code: "invalid_job" } });
    expect(worker.counts()).toMatchObject({ poison: 2, rejected: 1 });
    expect(store.keys().filter((k) => k.startsWith("results/"))).toHaveLength(1);
  });

  it("an infrastructure failure leaves the job for redelivery; the next delivery finishes it", async () => {
    const { queue, store, worker, runner } = setup({ visibilitySeconds: 1 });
    const job = makeJob();
    await worker.start();
    store.failNext("put", new Error("S3 throttled"), 1); // the result write of the first delivery
    await queue.send(JSON.stringify(job));
    await waitFor(async () => (await result(store, job.id)) !== undefined, 15_000);
    expect(worker.counts()).toMatchObject({ failed: 1, done: 1 });
    expect(await result(store, job.id)).toMatchObject({ status: "ok", deliveries: 2 });
    expect(runner.requests).toHaveLength(2);
  });

  it("a job whose lease is lost is aborted and writes nothing", async () => {
    const { queue, store, worker } = setup({ visibilitySeconds: 3, script: () => ({ delayMs: 5000 }) });
    const job = makeJob();
    await queue.send(JSON.stringify(job));
    await worker.start();
    await waitFor(() => worker.health().jobsRunning === 1);
    queue.failNext("extendLease", new (await import("../../services/core/index.js")).LeaseLostError("r", "gone"));
    await waitFor(() => (worker.counts().lease_lost ?? 0) === 1, 5000);
    expect(store.keys().filter((k) => k.startsWith("results/"))).toEqual([]);
  });

  it("passes the REPL set's attempts through: crashed once then succeeded reports attempts 2; always crashing ends crashed", async () => {
    const { queue, store, worker } = setup({
      script: (r) =>
        textOf(r).includes("flaky")
          ? { attempts: 2 }
          : { status: "crashed", attempts: 2, error: { code: "repl_crashed", message: "exit 134" } },
    });
    const flaky = makeJob({ code: "flaky" });
    const dead = makeJob({ code: "crash" });
    await queue.sendMany([JSON.stringify(flaky), JSON.stringify(dead)]);
    await worker.start();
    await waitFor(
      async () => (await result(store, dead.id)) !== undefined && (await result(store, flaky.id)) !== undefined,
    );
    expect(await result(store, flaky.id)).toMatchObject({ status: "ok", attempts: 2 });
    expect(await result(store, dead.id)).toMatchObject({
      status: "crashed",
      attempts: 2,
      verdict: "none",
      error: { code: "repl_crashed" },
    });
  });

  it("marks a job running once it has run for a while, and removes the marker when it ends; quick jobs write none", async () => {
    const { queue, store, worker } = setup({
      markRunningAfterMs: 200,
      script: (r) => ({ delayMs: textOf(r).includes("slow") ? 1500 : 0 }),
    });
    const quick = makeJob({ code: "quick" });
    const slow = makeJob({ code: "slow" });
    await queue.sendMany([JSON.stringify(quick), JSON.stringify(slow)]);
    await worker.start();
    await waitFor(() => store.exists(runningKey(slow.id)));
    expect(JSON.parse((await store.get(runningKey(slow.id)))!)).toMatchObject({ worker: "w-test" });
    await waitFor(async () => (await result(store, slow.id)) !== undefined);
    await waitFor(async () => !(await store.exists(runningKey(slow.id))));
    expect(store.calls.put).toBe(3); // two results and one marker
  });

  it("holds task protection while jobs run and releases it when idle", async () => {
    const { queue, worker, protection } = setup({ script: () => ({ delayMs: 200 }) });
    await worker.start();
    expect(protection.calls).toEqual([]);
    await queue.send(JSON.stringify(makeJob()));
    await waitFor(() => protection.on);
    await waitFor(() => !protection.on, 5000);
    expect(protection.calls).toEqual([true, false]);
  });

  it("shutdown drains running jobs within the budget, then aborts and releases the rest; the REPL set is closed", async () => {
    const { queue, store, worker, runner } = setup({
      size: 2,
      script: (r) => ({ delayMs: textOf(r).includes("slow") ? 60_000 : 300 }),
    });
    const quick = makeJob({ code: "quick" });
    const slow = makeJob({ code: "slow" });
    await queue.sendMany([JSON.stringify(quick), JSON.stringify(slow)]);
    await worker.start();
    await waitFor(() => worker.health().jobsRunning === 2);
    const t0 = Date.now();
    await worker.close(1500);
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(await result(store, quick.id)).toMatchObject({ status: "ok" });
    expect(await result(store, slow.id)).toBeUndefined();
    expect(await store.exists(runningKey(slow.id))).toBe(false);
    // The slow job's message is visible again at once, for another worker.
    const [again] = await queue.receive(1, 0);
    expect(JSON.parse(again!.body).id).toBe(slow.id);
    expect(runner.closed).toBe(true);
    expect(worker.health().status).toBe("draining");
  });
});
