// The lease heartbeat under fake timers: extends before expiry, aborts on a refused or repeatedly failing extension.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { LeaseLostError } from "../../services/core/index.js";
import { Heartbeat } from "../../services/worker/heartbeat.js";
import { MemoryJobQueue } from "../support/fakes.js";

describe("Heartbeat", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  async function leased(visibilitySeconds = 30) {
    const queue = new MemoryJobQueue({ visibilitySeconds });
    await queue.send("job");
    const [m] = await queue.receive(1, 0);
    return { queue, m: m! };
  }

  it("keeps a job's message invisible for as long as it runs, extending every third of the lease", async () => {
    const { queue, m } = await leased(30);
    const spy = vi.spyOn(queue, "extendLease");
    const hb = new Heartbeat({ queue, visibilitySeconds: 30 });
    const lease = hb.track(m.receipt);
    await vi.advanceTimersByTimeAsync(9_999);
    expect(spy).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1);
    expect(spy).toHaveBeenCalledTimes(1);
    expect(spy).toHaveBeenLastCalledWith(m.receipt, 30);
    // Ten minutes: 20 times the lease; the message never becomes visible again.
    for (let i = 0; i < 60; i++) {
      await vi.advanceTimersByTimeAsync(10_000);
      expect(await queue.receive(10, 0)).toEqual([]);
    }
    expect(spy.mock.calls.length).toBeGreaterThanOrEqual(60);
    expect(lease.signal.aborted).toBe(false);
    lease.stop();
    const calls = spy.mock.calls.length;
    await vi.advanceTimersByTimeAsync(120_000);
    expect(spy.mock.calls.length).toBe(calls);
    expect(hb.size).toBe(0);
  });

  it("a job received a while ago is extended sooner, before its lease runs out", async () => {
    const { queue, m } = await leased(30);
    const spy = vi.spyOn(queue, "extendLease");
    const hb = new Heartbeat({ queue, visibilitySeconds: 30 });
    const lease = hb.track(m.receipt, Date.now() - 25_000);
    await vi.advanceTimersByTimeAsync(1);
    expect(spy).toHaveBeenCalledTimes(1);
    expect(lease.signal.aborted).toBe(false);
    lease.stop();
  });

  it("aborts the job at once when the queue refuses an extension (the lease is gone)", async () => {
    const { queue, m } = await leased(30);
    const errors: unknown[] = [];
    const hb = new Heartbeat({ queue, visibilitySeconds: 30, onError: (e) => errors.push(e) });
    const lease = hb.track(m.receipt);
    queue.failNext("extendLease", new LeaseLostError(m.receipt, "MessageNotInflight"));
    await vi.advanceTimersByTimeAsync(10_000);
    expect(lease.signal.aborted).toBe(true);
    expect(lease.signal.reason).toBeInstanceOf(LeaseLostError);
    expect(errors).toHaveLength(1);
    expect(hb.size).toBe(0);
  });

  it("tolerates one transient failure, and aborts before expiry when extensions keep failing", async () => {
    const { queue, m } = await leased(30);
    const hb = new Heartbeat({ queue, visibilitySeconds: 30 });
    const t0 = Date.now();
    const lease = hb.track(m.receipt);
    queue.failNext("extendLease", new Error("network down"), 1);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(lease.signal.aborted).toBe(false);
    await vi.advanceTimersByTimeAsync(10_000); // the retry succeeds: the lease now runs to 50 s
    expect(lease.signal.aborted).toBe(false);
    queue.failNext("extendLease", new Error("network down"), 100);
    await vi.advanceTimersByTimeAsync(10_000); // 30 s: fails; a retry at 40 s still fits before 50 s
    expect(lease.signal.aborted).toBe(false);
    await vi.advanceTimersByTimeAsync(10_000); // 40 s: fails again; no time left for another try
    expect(lease.signal.aborted).toBe(true);
    expect(Date.now() - t0).toBeLessThan(50_000); // declared lost before the lease (extended at 20 s) expires
    expect(String((lease.signal.reason as Error).message)).toMatch(/kept failing/);
  });

  it("stopAll stops every lease", async () => {
    const { queue, m } = await leased(30);
    const spy = vi.spyOn(queue, "extendLease");
    const hb = new Heartbeat({ queue, visibilitySeconds: 30 });
    hb.track(m.receipt);
    hb.track("other");
    expect(hb.size).toBe(2);
    hb.stopAll();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(spy).not.toHaveBeenCalled();
  });
});
