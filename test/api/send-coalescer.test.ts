// SendCoalescer: single sends ride on SendMessageBatch calls, at most maxInFlight calls at once; a failed call
// fails exactly the requests it carried.
import { describe, expect, it } from "vitest";
import { SendCoalescer } from "../../functions/api/send-coalescer.js";
import { MemoryJobQueue } from "../support/fakes.js";

describe("SendCoalescer", () => {
  it("sends a burst of 25 bodies in batch calls of at most 10, every body once", async () => {
    const queue = new MemoryJobQueue();
    const calls: number[] = [];
    const sendMany = queue.sendMany.bind(queue);
    queue.sendMany = async (b) => {
      calls.push(b.length);
      return sendMany(b);
    };
    const c = new SendCoalescer(queue, 4);
    const ids = await Promise.all(Array.from({ length: 25 }, (_, i) => c.send(`body-${i}`)));
    expect(calls).toEqual([10, 10, 5]);
    expect(new Set(ids).size).toBe(25);
    // Concurrent batch calls may interleave (a standard SQS queue keeps no order either).
    expect(
      queue
        .snapshot()
        .map((m) => m.body)
        .sort(),
    ).toEqual(Array.from({ length: 25 }, (_, i) => `body-${i}`).sort());
  });

  it("keeps at most maxInFlight calls running; bodies arriving meanwhile wait for the next call", async () => {
    const queue = new MemoryJobQueue();
    let running = 0;
    let peak = 0;
    const sizes: number[] = [];
    const release: (() => void)[] = [];
    queue.sendMany = async (b) => {
      running++;
      peak = Math.max(peak, running);
      sizes.push(b.length);
      await new Promise<void>((r) => release.push(r));
      running--;
      return b.map((_, i) => `m${i}`);
    };
    queue.send = async (b) => (await queue.sendMany([b]))[0]!;
    const c = new SendCoalescer(queue, 1);
    const first = Promise.all([c.send("a"), c.send("b")]);
    await new Promise((r) => setImmediate(r));
    const later = Promise.all(Array.from({ length: 7 }, (_, i) => c.send(`x${i}`)));
    await new Promise((r) => setImmediate(r));
    expect(sizes).toEqual([2]); // the second batch waits for the first call
    release.shift()!();
    await first;
    await new Promise((r) => setImmediate(r));
    expect(sizes).toEqual([2, 7]);
    release.shift()!();
    await later;
    expect(peak).toBe(1);
  });

  it("GIVEN a call on the wire THEN a partial batch waits for it, while full batches use the free call slots", async () => {
    const queue = new MemoryJobQueue();
    const sizes: number[] = [];
    const release: (() => void)[] = [];
    queue.sendMany = async (b) => {
      sizes.push(b.length);
      await new Promise<void>((r) => release.push(r));
      return b.map((_, i) => `m${i}`);
    };
    queue.send = async (b) => (await queue.sendMany([b]))[0]!;
    const c = new SendCoalescer(queue, 4);
    const first = c.send("lone");
    await new Promise((r) => setImmediate(r));
    expect(sizes).toEqual([1]); // nothing in flight: a lone body goes at once
    const partial = Promise.all(Array.from({ length: 3 }, (_, i) => c.send(`p${i}`)));
    await new Promise((r) => setImmediate(r));
    expect(sizes).toEqual([1]); // a partial batch waits while a call runs
    const full = Promise.all(Array.from({ length: 14 }, (_, i) => c.send(`f${i}`)));
    await new Promise((r) => setImmediate(r));
    expect(sizes).toEqual([1, 10]); // 17 pending: one full batch takes a free slot, the 7 left wait as a partial batch
    release.shift()!();
    await first;
    await new Promise((r) => setImmediate(r));
    expect(sizes).toEqual([1, 10]); // still one call on the wire, the partial batch keeps waiting
    release.shift()!();
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setImmediate(r));
    expect(sizes).toEqual([1, 10, 7]); // nothing in flight any more: the partial batch goes
    release.shift()!();
    await Promise.all([partial, full]);
  });

  it("rejects the requests of a failed call only", async () => {
    const queue = new MemoryJobQueue();
    let n = 0;
    const sendMany = queue.sendMany.bind(queue);
    queue.sendMany = async (b) => {
      if (++n === 1) throw new Error("throttled");
      return sendMany(b);
    };
    const c = new SendCoalescer(queue, 1);
    const results = await Promise.allSettled(Array.from({ length: 15 }, (_, i) => c.send(`b${i}`)));
    expect(results.slice(0, 10).every((r) => r.status === "rejected")).toBe(true);
    expect(results.slice(10).every((r) => r.status === "fulfilled")).toBe(true);
    expect(queue.snapshot()).toHaveLength(5);
  });
});
