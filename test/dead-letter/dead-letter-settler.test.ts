// The dead-letter consumer: every dead-lettered job gets exactly one terminal result (unless it already has one),
// unreadable messages are recorded, settling is idempotent, and the counts add up.
import { describe, expect, it } from "vitest";
import { countDeadLettered, DeadLetterSettler, deadJobHeader } from "../../services/dead-letter/index.js";
import { FORMAT_VERSION, resultKey } from "../../services/jobs/index.js";
import { MemoryJobQueue, MemoryObjectStore } from "../support/fakes.js";

const job = (id: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ v: FORMAT_VERSION, id, fleet: "default", submittedAt: "2026-12-01T00:00:00.000Z", ...extra });

describe("DeadLetterSettler", () => {
  it("writes a crashed dead_lettered result per readable job, records every message, and deletes them", async () => {
    const queue = new MemoryJobQueue();
    const store = new MemoryObjectStore();
    await store.put(resultKey("j_done"), JSON.stringify({ status: "ok" }));
    await queue.sendMany([
      job("j_a", { itemId: "mathd_1", meta: { split: "test" }, batchId: "b_x", group: "p1" }),
      "{not json",
      job("j_done"),
      JSON.stringify({ v: 99, id: "j_future" }),
    ]);
    const settler = new DeadLetterSettler({
      fleet: "default",
      queue,
      store,
      simulated: true,
      now: () => new Date("2026-12-01T00:00:10.000Z"),
    });
    let n = 0;
    for (let got = -1; got !== 0; n += got) got = await settler.drainOnce(10, 0);
    expect(n).toBe(4);
    expect((await queue.depth()).visible + (await queue.depth()).inFlight).toBe(0);
    const a = JSON.parse((await store.get(resultKey("j_a")))!);
    expect(a).toMatchObject({
      jobId: "j_a",
      status: "crashed",
      verdict: "none",
      id: "mathd_1",
      meta: { split: "test" },
      group: "p1",
      simulated: true,
      error: { code: "dead_lettered" },
    });
    expect(a.timings.queuedMs).toBe(10_000);
    expect(JSON.parse((await store.get(resultKey("j_done")))!)).toEqual({ status: "ok" }); // first result wins
    expect(JSON.parse((await store.get(resultKey("j_future")))!).status).toBe("crashed"); // a newer format still gets its answer
    expect(await countDeadLettered(store, "default")).toEqual({ count: 4, atLeast: false });
  });

  it("is idempotent: settling the same message twice leaves one result and one record", async () => {
    const store = new MemoryObjectStore();
    const settler = new DeadLetterSettler({ fleet: "f", store });
    const msg = { messageId: "m-1", body: job("j_b"), receiveCount: 5 };
    expect(await settler.settle(msg)).toBe("result");
    expect(await settler.settle(msg)).toBe("had_result");
    expect(await countDeadLettered(store, "f")).toEqual({ count: 1, atLeast: false });
    expect(JSON.parse((await store.get(resultKey("j_b")))!).error.message).toMatch(/delivered 5 time/);
  });

  it("reads the job a claim-check pointer names, and nothing from a body without an id", () => {
    expect(
      deadJobHeader(JSON.stringify({ v: 1, id: "j_c", fleet: "default", claim: "inputs/j_c.json" })),
    ).toMatchObject({ id: "j_c", claim: "inputs/j_c.json" });
    expect(deadJobHeader('{"v":1,"fleet":"default"')).toBeNull();
    expect(deadJobHeader("[1,2]")).toBeNull();
  });
});
