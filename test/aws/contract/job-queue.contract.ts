// Contract suite of the JobQueue port: every implementation (in-memory fake, SQS on fauxqs) must pass it.
import { describe, expect, it } from "vitest";
import { LeaseLostError } from "../../../services/core/index.js";
import type { JobQueue, ReceivedMessage } from "../../../services/core/index.js";

/** A fresh queue with a dead-letter queue, using the given lease and redrive settings. */
export interface JobQueueHarness {
  queue: JobQueue;
  dlq: JobQueue;
}

/** Builds a fresh harness per test. */
export type JobQueueFactory = (options: {
  visibilitySeconds: number;
  maxReceiveCount: number;
}) => Promise<JobQueueHarness> | JobQueueHarness;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function receiveAll(queue: JobQueue, n: number, timeoutMs = 5000): Promise<ReceivedMessage[]> {
  const out: ReceivedMessage[] = [];
  const end = Date.now() + timeoutMs;
  while (out.length < n && Date.now() < end) out.push(...(await queue.receive(10, 1)));
  return out;
}

/** Register the JobQueue contract tests for one implementation (real time; visibility timeouts of 1-2 s). */
export function jobQueueContract(name: string, make: JobQueueFactory): void {
  describe(`JobQueue contract: ${name}`, () => {
    it("delivers a sent message once with its body, a receipt, receive count 1 and the send time", async () => {
      const { queue } = await make({ visibilitySeconds: 30, maxReceiveCount: 5 });
      const before = Date.now();
      const id = await queue.send('{"hello":"wörld ⊢"}');
      const [m, ...rest] = await queue.receive(10, 1);
      expect(rest).toEqual([]);
      expect(m).toMatchObject({ messageId: id, body: '{"hello":"wörld ⊢"}', receiveCount: 1 });
      expect(m!.receipt).not.toBe("");
      expect(m!.sentAtMs).toBeGreaterThanOrEqual(before - 2000);
      expect(await queue.depth()).toMatchObject({ visible: 0, inFlight: 1 });
      expect(await queue.receive(10, 0)).toEqual([]);
    });

    it("sendMany keeps order of ids, batches big bodies, and receive honours max", async () => {
      const { queue } = await make({ visibilitySeconds: 30, maxReceiveCount: 5 });
      const bodies = Array.from({ length: 23 }, (_, i) => `b${i}`);
      const big = Array.from({ length: 3 }, (_, i) => `big${i}:` + "x".repeat(100 * 1024));
      const ids = await queue.sendMany([...bodies, ...big]);
      expect(ids).toHaveLength(26);
      expect(new Set(ids).size).toBe(26);
      const first = await queue.receive(3, 1);
      expect(first.length).toBeGreaterThan(0);
      expect(first.length).toBeLessThanOrEqual(3);
      const rest = await receiveAll(queue, 26 - first.length);
      const got = [...first, ...rest];
      expect(got.map((m) => m.body).sort()).toEqual([...bodies, ...big].sort());
      const byBody = new Map(got.map((m) => [m.body, m.messageId]));
      expect([...bodies, ...big].map((b) => byBody.get(b))).toEqual(ids);
      expect(await queue.depth()).toMatchObject({ visible: 0, inFlight: 26 });
    });

    it("an empty long poll waits about waitSeconds and returns nothing", async () => {
      const { queue } = await make({ visibilitySeconds: 30, maxReceiveCount: 5 });
      const t0 = Date.now();
      expect(await queue.receive(10, 1)).toEqual([]);
      expect(Date.now() - t0).toBeGreaterThanOrEqual(800);
    });

    it("a long poll returns early when a message arrives during the wait", async () => {
      const { queue } = await make({ visibilitySeconds: 30, maxReceiveCount: 5 });
      const t0 = Date.now();
      const polling = queue.receive(10, 10);
      await sleep(300);
      await queue.send("late");
      const got = await polling;
      expect(got.map((m) => m.body)).toEqual(["late"]);
      expect(Date.now() - t0).toBeLessThan(8000);
    });

    it("ack deletes: nothing is redelivered after the visibility timeout", async () => {
      const { queue } = await make({ visibilitySeconds: 1, maxReceiveCount: 5 });
      await queue.send("once");
      const [m] = await queue.receive(1, 1);
      await queue.ack(m!.receipt);
      await sleep(1300);
      expect(await queue.receive(10, 1)).toEqual([]);
      expect(await queue.depth()).toMatchObject({ visible: 0, inFlight: 0 });
    });

    it("release makes the message visible at once, and it comes back with receive count 2", async () => {
      const { queue } = await make({ visibilitySeconds: 30, maxReceiveCount: 5 });
      await queue.send("again");
      const [m] = await queue.receive(1, 1);
      await queue.release(m!.receipt);
      const [m2] = await queue.receive(1, 1);
      expect(m2).toMatchObject({ messageId: m!.messageId, body: "again", receiveCount: 2 });
      expect(m2!.receipt).not.toBe(m!.receipt);
    });

    it("an expired lease redelivers; the stale receipt can no longer extend, and acking with it deletes nothing", async () => {
      const { queue } = await make({ visibilitySeconds: 1, maxReceiveCount: 5 });
      await queue.send("slow");
      const [m] = await queue.receive(1, 1);
      await sleep(1300);
      const [m2] = await queue.receive(1, 2);
      expect(m2).toMatchObject({ messageId: m!.messageId, receiveCount: 2 });
      await expect(queue.extendLease(m!.receipt, 30)).rejects.toBeInstanceOf(LeaseLostError);
      await queue.ack(m!.receipt).catch(() => undefined);
      expect(await queue.depth()).toMatchObject({ inFlight: 1 });
      await queue.ack(m2!.receipt);
      expect(await queue.depth()).toMatchObject({ visible: 0, inFlight: 0 });
    });

    it("extendLease keeps a message hidden past the queue's visibility timeout", async () => {
      const { queue } = await make({ visibilitySeconds: 1, maxReceiveCount: 5 });
      await queue.send("long job");
      const [m] = await queue.receive(1, 1);
      await queue.extendLease(m!.receipt, 4);
      await sleep(1500);
      expect(await queue.receive(10, 0)).toEqual([]);
      await queue.extendLease(m!.receipt, 4);
      await queue.ack(m!.receipt);
    });

    it("after maxReceiveCount receives the message moves to the dead-letter queue", async () => {
      const { queue, dlq } = await make({ visibilitySeconds: 30, maxReceiveCount: 2 });
      const id = await queue.send("poison");
      for (let i = 1; i <= 2; i++) {
        const [m] = await queue.receive(1, 1);
        expect(m).toMatchObject({ body: "poison", receiveCount: i });
        await queue.release(m!.receipt);
      }
      expect(await queue.receive(10, 1)).toEqual([]);
      const [dead] = await dlq.receive(10, 1);
      expect(dead).toMatchObject({ messageId: id, body: "poison" });
    });

    it("a lease on a released message is gone", async () => {
      const { queue } = await make({ visibilitySeconds: 30, maxReceiveCount: 5 });
      await queue.send("x");
      const [m] = await queue.receive(1, 1);
      await queue.release(m!.receipt);
      const [m2] = await queue.receive(1, 1);
      await expect(queue.extendLease(m!.receipt, 10)).rejects.toBeInstanceOf(LeaseLostError);
      await queue.ack(m2!.receipt);
    });
  });
}
