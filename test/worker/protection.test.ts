// Task protection held while jobs run: on at the first job, off after the release delay, renewed while held.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ProtectionHolder } from "../../services/worker/protection.js";
import { RecordingTaskProtection } from "../support/fakes.js";

describe("ProtectionHolder", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("turns protection on once for overlapping jobs and off after the last one, with a delay against flapping", async () => {
    const p = new RecordingTaskProtection();
    const h = new ProtectionHolder({ protection: p, releaseDelayMs: 2000, renewMs: 3_600_000 });
    await h.acquire();
    await h.acquire();
    h.release();
    await vi.advanceTimersByTimeAsync(5000);
    expect(p.calls).toEqual([true]);
    h.release();
    await vi.advanceTimersByTimeAsync(1000);
    await h.acquire(); // a new job within the delay: protection stays on
    h.release();
    await vi.advanceTimersByTimeAsync(1999);
    expect(p.calls).toEqual([true]);
    await vi.advanceTimersByTimeAsync(1);
    expect(p.calls).toEqual([true, false]);
    expect(h.held).toBe(false);
  });

  it("renews while held, survives a failing call, and close() turns it off", async () => {
    const p = new RecordingTaskProtection();
    const errors: unknown[] = [];
    let fail = true;
    const flaky = {
      set: async (on: boolean) => (fail ? ((fail = false), Promise.reject(new Error("throttled"))) : p.set(on)),
    };
    const h = new ProtectionHolder({
      protection: flaky,
      releaseDelayMs: 2000,
      renewMs: 60_000,
      onError: (e) => errors.push(e),
    });
    await h.acquire();
    expect(errors).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(120_000);
    expect(p.calls).toEqual([true, true]);
    await h.close();
    expect(p.calls).toEqual([true, true, false]);
  });

  it("a job does not wait forever for a hanging protection call", async () => {
    const h = new ProtectionHolder({
      protection: { set: () => new Promise<void>(() => undefined) },
      acquireTimeoutMs: 5000,
    });
    let acquired = false;
    void h.acquire().then(() => (acquired = true));
    await vi.advanceTimersByTimeAsync(4999);
    expect(acquired).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(acquired).toBe(true);
  });
});
