// The nightly runner on in-memory ports: submitting a dataset as a batch, raising and lowering the fleet's
// minimum, closing runs (complete, queue empty, superseded) with a summary, a diff from the previous run and a report.
import { describe, expect, it } from "vitest";
import { DatasetError } from "../../functions/nightly/dataset.js";
import {
  nightlyActiveKey,
  nightlyLatestKey,
  runReportKey,
  runSummaryKey,
  runVerdictsKey,
} from "../../functions/nightly/keys.js";
import { nightlyEventSchema, type StartRun } from "../../functions/nightly/events.js";
import { NightlyConfigError } from "../../functions/nightly/config.js";
import { NightlyRunner } from "../../functions/nightly/nightly-runner.js";
import type { FleetScaler, FleetTarget } from "../../functions/nightly/ports.js";
import type { RunSummary } from "../../functions/nightly/summary.js";
import { BatchStore } from "../../services/batches/index.js";
import type { ReportModel } from "../../services/report/index.js";
import { JOB_DEFAULTS, jobMessageSchema, resultKey, type Job, type JobMessage } from "../../services/jobs/index.js";
import { MemoryJobQueue, MemoryObjectStore } from "../support/fakes.js";

class RecordingScaler implements FleetScaler {
  readonly calls: { service: string; min: number }[] = [];
  async setMinTasks(target: FleetTarget, minTasks: number): Promise<void> {
    this.calls.push({ service: target.service, min: minTasks });
  }
}

const MANIFEST = "datasets/minif2f/manifest.json";
const RUN: StartRun = { name: "minif2f", fleet: "mathlib", manifestKey: MANIFEST, startTasks: 12 };

/** A runner on fakes with a settable clock and sequential batch ids. */
function setup(
  items: unknown[] = [
    { id: "p1", code: "theorem a : 1 = 1 := rfl" },
    { id: "p2", code: "theorem b : 2 = 2 := rfl", group: "g2" },
    { id: "p3", code: "example : False := sorry" },
  ],
) {
  const store = new MemoryObjectStore();
  const queue = new MemoryJobQueue({ visibilitySeconds: 60 });
  const scaler = new RecordingScaler();
  let nowMs = Date.parse("2026-11-29T03:00:00.000Z");
  let batch = 0;
  const runner = new NightlyRunner({
    store,
    queues: { mathlib: queue },
    fleets: { mathlib: { cluster: "c-mathlib", service: "s-mathlib", minTasks: 0 } },
    scaler,
    now: () => new Date(nowMs),
    newBatchId: () => `b_test${++batch}`,
  });
  void store.put(MANIFEST, JSON.stringify({ name: "minif2f-valid", timeoutMs: 30_000, items }));
  return {
    store,
    queue,
    scaler,
    runner,
    advance: (ms: number) => (nowMs += ms),
    /** Drain the queue as a worker would: every message, decoded. */
    async take(): Promise<JobMessage[]> {
      const out: JobMessage[] = [];
      for (;;) {
        const got = await queue.receive(10, 0);
        if (got.length === 0) return out;
        for (const m of got) {
          out.push(jobMessageSchema.parse(JSON.parse(m.body)));
          await queue.ack(m.receipt);
        }
      }
    },
    /** Store a result for a job as the worker would. */
    async result(job: { id: string }, verdict: "valid" | "invalid", simulated = true): Promise<void> {
      const t = new Date(nowMs).toISOString();
      await store.put(
        resultKey(job.id),
        JSON.stringify({
          v: 1,
          jobId: job.id,
          fleet: "mathlib",
          status: verdict === "valid" ? "ok" : "lean_error",
          verdict,
          timings: { submittedAt: t, startedAt: t, finishedAt: t, queuedMs: 0, runMs: 5, reusedChars: 0 },
          attempts: 1,
          worker: "w1",
          simulated,
        }),
      );
    },
  };
}

async function summaryOf(store: MemoryObjectStore, batchId: string): Promise<RunSummary> {
  return JSON.parse((await store.get(runSummaryKey(batchId)))!) as RunSummary;
}

describe("NightlyRunner.start", () => {
  it("GIVEN a dataset manifest WHEN a run starts THEN the batch manifest, run state and one job per item exist, and the fleet's minimum is raised", async () => {
    const t = setup();
    const out = await t.runner.start(RUN);
    expect(out).toEqual({ batchId: "b_test1", total: 3 });
    expect(t.scaler.calls).toEqual([{ service: "s-mathlib", min: 12 }]);
    const manifest = await new BatchStore(t.store).manifest("b_test1");
    expect(manifest).toMatchObject({
      batchId: "b_test1",
      fleet: "mathlib",
      total: 3,
      owner: "nightly",
      earlyStop: false,
    });
    const state = JSON.parse((await t.store.get(nightlyActiveKey("minif2f")))!);
    expect(state).toMatchObject({
      batchId: "b_test1",
      itemIds: ["p1", "p2", "p3"],
      startTasks: 12,
      minRaisedAt: "2026-11-29T03:00:00.000Z",
    });
    const jobs = (await t.take()) as Job[];
    expect(jobs.map((j) => j.id).sort()).toEqual(["b_test1.000000000", "b_test1.000000001", "b_test1.000000002"]);
    const second = jobs.find((j) => j.id.endsWith("1"))!;
    expect(second).toMatchObject({
      fleet: "mathlib",
      batchId: "b_test1",
      group: "g2",
      timeoutMs: 30_000,
      request: { kind: "command", code: "theorem b : 2 = 2 := rfl" },
    });
  });

  it("GIVEN an item larger than the claim-check threshold WHEN submitted THEN its body goes to S3 and the message carries a pointer", async () => {
    const big = "-- " + "x".repeat(JOB_DEFAULTS.claimCheckThresholdBytes) + "\ntheorem t : True := trivial";
    const t = setup([{ id: "big", code: big }]);
    await t.runner.start(RUN);
    const [msg] = await t.take();
    expect(msg).toEqual({ v: 1, id: "b_test1.000000000", fleet: "mathlib", claim: "inputs/b_test1.000000000.json" });
    const stored = JSON.parse((await t.store.get("inputs/b_test1.000000000.json"))!);
    expect(stored.request.code).toBe(big);
  });

  it("GIVEN two starts of the same run at once WHEN both proceed THEN only one enqueues (conditional put of the run state)", async () => {
    const t = setup();
    const outs = await Promise.all([t.runner.start(RUN), t.runner.start(RUN)]);
    expect(outs.filter((o) => "skipped" in o)).toHaveLength(1);
    expect(await t.take()).toHaveLength(3);
  });

  it("GIVEN a JSON Lines dataset with a bad line WHEN a run starts THEN the error names the key and the line, and nothing is enqueued", async () => {
    const t = setup();
    await t.store.put(MANIFEST, JSON.stringify({ name: "d", itemsKey: "datasets/d/items.jsonl" }));
    await t.store.put("datasets/d/items.jsonl", '{"id":"a","code":"x"}\n\n{"id":"b"}\n');
    await expect(t.runner.start(RUN)).rejects.toThrow(
      new DatasetError('datasets/d/items.jsonl line 3: give exactly one of "code" or "request"'),
    );
    await t.store.put("datasets/d/items.jsonl", '{"id":"a","code":"x"}\n{"id":"a","code":"y"}\n');
    await expect(t.runner.start(RUN)).rejects.toThrow(/line 2: id "a" appears twice/);
    expect((await t.queue.depth()).visible).toBe(0);
    expect(t.scaler.calls).toEqual([]);
  });

  it("GIVEN a run on a fleet the function does not know WHEN started THEN it fails naming the fleet", async () => {
    const t = setup();
    await expect(t.runner.start({ ...RUN, fleet: "other" })).rejects.toThrow(NightlyConfigError);
  });
});

describe("NightlyRunner.check", () => {
  it("GIVEN a started run WHEN checked after the start delay THEN the minimum goes back to the fleet's own, once", async () => {
    const t = setup();
    await t.runner.start(RUN);
    await t.runner.check();
    expect(t.scaler.calls).toHaveLength(1); // too early: the desired count may not be set yet
    t.advance(60_000);
    expect(await t.runner.check()).toEqual([{ run: "minif2f", batchId: "b_test1", done: 0, total: 3 }]);
    t.advance(60_000);
    await t.runner.check();
    expect(t.scaler.calls).toEqual([
      { service: "s-mathlib", min: 12 },
      { service: "s-mathlib", min: 0 },
    ]);
  });

  it("GIVEN every item has a result WHEN checked THEN the run closes: summary next to its results, verdicts, latest pointer, no active state", async () => {
    const t = setup();
    await t.runner.start(RUN);
    const jobs = await t.take();
    for (const j of jobs) await t.result(j, j.id.endsWith("2") ? "invalid" : "valid");
    t.advance(90_000);
    const [c] = await t.runner.check();
    expect(c).toEqual({ run: "minif2f", batchId: "b_test1", done: 3, total: 3, finished: "complete" });
    const s = await summaryOf(t.store, "b_test1");
    expect(s).toMatchObject({
      total: 3,
      done: 3,
      valid: 2,
      missing: 0,
      passRate: 2 / 3,
      simulated: true,
      durationSeconds: 90,
      dataset: "minif2f-valid",
    });
    expect(s.diff.previousBatchId).toBeNull();
    expect(JSON.parse((await t.store.get(runVerdictsKey("b_test1")))!)).toEqual({
      p1: { status: "ok", verdict: "valid" },
      p2: { status: "ok", verdict: "valid" },
      p3: { status: "lean_error", verdict: "invalid" },
    });
    expect(JSON.parse((await t.store.get(nightlyLatestKey("minif2f")))!)).toMatchObject({ batchId: "b_test1" });
    expect(await t.store.exists(nightlyActiveKey("minif2f"))).toBe(false);
    expect(await t.runner.check()).toEqual([]);
  });

  it("GIVEN a previous finished run WHEN the next run finishes THEN its summary lists newly failing and newly passing items", async () => {
    const t = setup();
    await t.runner.start(RUN);
    for (const j of await t.take()) await t.result(j, j.id.endsWith("2") ? "invalid" : "valid"); // p1 p2 valid, p3 invalid
    await t.runner.check();
    t.advance(86_400_000);
    await t.runner.start(RUN);
    for (const j of await t.take()) await t.result(j, j.id.endsWith("1") ? "invalid" : "valid"); // p2 now invalid, p3 valid
    const [c] = await t.runner.check();
    expect(c?.finished).toBe("complete");
    const s = await summaryOf(t.store, "b_test2");
    expect(s.diff).toMatchObject({
      previousBatchId: "b_test1",
      newlyFailing: ["p2"],
      newlyPassing: ["p3"],
      added: [],
      removed: [],
    });
    // The HTML report beside the summary says the same against the previous run.
    const html = (await t.store.get(runReportKey("b_test2")))!;
    const model = JSON.parse(
      /<script type="application\/json" id="report-data">(.*?)<\/script>/s.exec(html)![1]!,
    ) as ReportModel;
    expect(model.baseline).toMatchObject({
      source: "batch b_test1",
      diff: { newlySolved: ["p3"], newlyFailing: ["p2"] },
    });
    expect(model.summary).toMatchObject({ items: 3, valid: 2, simulated: true });
  });

  it("GIVEN results that never come (dead-lettered) WHEN the queue is empty past the grace period THEN the run closes with the items missing", async () => {
    const t = setup();
    await t.runner.start(RUN);
    const jobs = await t.take();
    await t.result(jobs[0]!, "valid");
    expect((await t.runner.check())[0]?.finished).toBeUndefined(); // queue empty, but within the grace period
    t.advance(120_000);
    const [c] = await t.runner.check();
    expect(c).toMatchObject({ done: 1, total: 3, finished: "queue_empty" });
    const s = await summaryOf(t.store, "b_test1");
    expect(s).toMatchObject({ missing: 2, done: 1, finishedBecause: "queue_empty" });
    // The raised minimum is restored when the run closes, even if no check had lowered it before.
    expect(t.scaler.calls.at(-1)).toEqual({ service: "s-mathlib", min: 0 });
  });

  it("GIVEN a run still active WHEN the next night's run starts THEN the old one is closed as superseded first", async () => {
    const t = setup();
    await t.runner.start(RUN);
    await t.queue.send("{}"); // other work keeps the queue busy, so the old run cannot close as queue_empty
    t.advance(3_600_000);
    const out = await t.runner.start(RUN);
    expect(out).toMatchObject({ batchId: "b_test2" });
    expect(await summaryOf(t.store, "b_test1")).toMatchObject({ finishedBecause: "superseded", missing: 3 });
    expect(JSON.parse((await t.store.get(nightlyActiveKey("minif2f")))!).batchId).toBe("b_test2");
  });
});

describe("nightly events", () => {
  it("GIVEN the events the schedules send WHEN parsed THEN start and check are accepted and anything else is refused", () => {
    expect(nightlyEventSchema.safeParse({ action: "start", run: RUN }).success).toBe(true);
    expect(nightlyEventSchema.safeParse({ action: "check" }).success).toBe(true);
    expect(nightlyEventSchema.safeParse({ action: "start", run: { ...RUN, startTasks: -1 } }).success).toBe(false);
    expect(nightlyEventSchema.safeParse({ action: "stop" }).success).toBe(false);
  });
});
