// LeanFleet's scheduling policy as a pure strategy over fake REPL views: its affinity rules (handle, prefix, header,
// idle, evict, bounded waiting). The peers' policies are tested in test/bench/peer-policies.test.ts.
import { describe, expect, it } from "vitest";
import { CostEstimates } from "../../services/repl/index.js";
import { H, ran, req, slot } from "./scheduling-support.js";
import { createPolicy } from "../../services/repl/pool/scheduling.js";

describe("LeanFleet affinity policy", () => {
  const policy = createPolicy("leanfleet", { affinityWaitMs: 1000, prewarmHeader: "Mathlib" });

  it("prefers a free REPL holding the request's handles, and waits (bounded) for a busy one", () => {
    const slots = [slot(0), slot(1, { held: [H] })];
    expect(ran(policy.decide(req({ header: null, handles: [H] }), slots))).toEqual(["repl-1", "handle", 0, false]);
    const busy = [slot(0), slot(1, { held: [H], busy: true })];
    expect(policy.decide(req({ header: null, handles: [H] }), busy)).toEqual({
      kind: "wait",
      forRepl: "repl-1",
      recheckInMs: 1000,
    });
    // Too many requests already wait for that REPL: rebuild the state on the free one instead.
    expect(ran(policy.decide(req({ header: null, handles: [H], queuedFor: () => 8 }), busy))).toEqual([
      "repl-0",
      "any",
      0,
      false,
    ]);
    expect(ran(policy.decide(req({ header: null, handles: [H], waitedMs: 1500 }), busy))).toEqual([
      "repl-0",
      "any",
      0,
      false,
    ]);
  });

  it("takes the free REPL with the longest indexed prefix, waiting for a busy one holding more", () => {
    const slots = [slot(0, { headers: new Set(["Mathlib"]) }), slot(1), slot(2)];
    const prefix = new Map([
      ["repl-1", 300],
      ["repl-2", 900],
    ]);
    expect(ran(policy.decide(req({ prefix }), slots))).toEqual(["repl-2", "prefix", 900, false]);
    const busy2 = [slots[0]!, slots[1]!, slot(2, { busy: true })];
    expect(policy.decide(req({ prefix, waitedMs: 200 }), busy2)).toEqual({
      kind: "wait",
      forRepl: "repl-2",
      recheckInMs: 800,
    });
    expect(ran(policy.decide(req({ prefix, waitedMs: 1200 }), busy2))).toEqual(["repl-1", "prefix", 300, false]);
  });

  it("then a REPL with the header loaded (least recently used), then an idle one, then evicts the LRU free one", () => {
    const withHeader = [
      slot(0, { headers: new Set(["Aesop"]), usesSinceStart: 3 }),
      slot(1, { headers: new Set(["Mathlib"]), lastUsedAt: 9 }),
      slot(2, { headers: new Set(["Mathlib"]), lastUsedAt: 5 }),
    ];
    expect(ran(policy.decide(req(), withHeader))).toEqual(["repl-2", "header", 0, false]);
    const idle = [
      slot(0, { headers: new Set(["Aesop"]), usesSinceStart: 3 }),
      slot(1, { headers: new Set(["Mathlib"]), usesSinceStart: 0 }),
    ];
    expect(ran(policy.decide(req({ header: "Other" }), idle))).toEqual(["repl-1", "idle", 0, false]);
    const used = [
      slot(0, { headers: new Set(["Aesop"]), usesSinceStart: 3, lastUsedAt: 7 }),
      slot(1, { headers: new Set(["Mathlib"]), usesSinceStart: 2, lastUsedAt: 4 }),
    ];
    expect(ran(policy.decide(req({ header: "Other" }), used))).toEqual(["repl-1", "evict", 0, false]);
    // The header is loaded on a busy REPL: wait for it first (bounded).
    const busyHeader = [
      slot(0, { headers: new Set(["Other"]), busy: true }),
      slot(1, { headers: new Set(["Mathlib"]), usesSinceStart: 2 }),
    ];
    expect(policy.decide(req({ header: "Other" }), busyHeader)).toMatchObject({ kind: "wait", forRepl: "repl-0" });
    // ...but only while waiting is cheaper than loading the header: with 3 requests ahead at 40 ms each and a
    // 100 ms header, the request loads the header on the free REPL instead.
    const costs = new CostEstimates();
    costs.observe({ durationMs: 40, newChars: 100, loadedHeader: null });
    costs.observe({ durationMs: 100, newChars: 0, loadedHeader: "Other" });
    costs.observe({ durationMs: 40, newChars: 100, loadedHeader: null });
    expect(costs.serviceMs).toBeLessThan(50);
    expect(policy.decide(req({ header: "Other", costs, queuedFor: () => 1 }), busyHeader).kind).toBe("wait");
    expect(
      ran(policy.decide(req({ header: "Other", costs, queuedFor: (id) => (id === "repl-0" ? 3 : 0) }), busyHeader)),
    ).toEqual(["repl-1", "evict", 0, false]);
  });

  it("waits without a recheck when every REPL is busy", () => {
    expect(policy.decide(req(), [slot(0, { busy: true }), slot(1, { busy: true })])).toEqual({ kind: "wait" });
  });
});
