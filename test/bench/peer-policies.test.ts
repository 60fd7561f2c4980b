// The peers' scheduling policies used by bench/scheduling (Kimina, LeanInteract, round-robin), as pure strategies
// over fake REPL views.
import { describe, expect, it } from "vitest";
import { createPolicy } from "../../bench/lib/peer-policies.js";
import { H, ran, req, slot } from "../repl/scheduling-support.js";

describe("peer policies", () => {
  it("Kimina: REPL keyed by header, else an unused one, else restart the least recently used", () => {
    const kimina = createPolicy("kimina");
    expect(kimina.mode).toEqual({ incrementality: false, headerSplit: "always" });
    const slots = [
      slot(0, { keyHeader: "A", lastUsedAt: 3 }),
      slot(1, { keyHeader: "B", lastUsedAt: 1 }),
      slot(2, { keyHeader: "Mathlib", busy: true }),
    ];
    expect(ran(kimina.decide(req({ header: "B" }), slots))).toEqual(["repl-1", "header", 0, false]);
    expect(ran(kimina.decide(req({ header: "Mathlib", prefix: new Map([["repl-2", 500]]) }), slots))).toEqual([
      "repl-1",
      "evict",
      0,
      true,
    ]);
    expect(ran(kimina.decide(req({ header: "C" }), [...slots, slot(3)]))).toEqual(["repl-3", "idle", 0, false]);
  });

  it("LeanInteract: the REPL holding the state, else the most recently freed", () => {
    const li = createPolicy("leaninteract");
    expect(li.mode).toEqual({ incrementality: true, headerSplit: "never" });
    const slots = [slot(0, { freedAt: 5 }), slot(1, { freedAt: 9 }), slot(2, { freedAt: 1, held: [H] })];
    expect(ran(li.decide(req({ handles: [H] }), slots))).toEqual(["repl-2", "handle", 0, false]);
    expect(ran(li.decide(req({ prefix: new Map([["repl-0", 900]]) }), slots))).toEqual(["repl-1", "any", 0, false]);
  });

  it("round-robin: the next free REPL in turn, whatever it holds", () => {
    const rr = createPolicy("round-robin");
    const slots = [slot(0), slot(1), slot(2)];
    const order: string[] = [];
    for (let i = 0; i < 5; i++) {
      const d = rr.decide(req({ prefix: new Map([["repl-0", 900]]) }), slots);
      if (d.kind !== "run") throw new Error("expected run");
      rr.commit?.(d, slots);
      order.push(d.replId);
    }
    expect(order).toEqual(["repl-0", "repl-1", "repl-2", "repl-0", "repl-1"]);
    // A decision that is not acted on does not advance the turn.
    rr.decide(req(), slots);
    const d = rr.decide(req(), slots);
    expect(d.kind === "run" && d.replId).toBe("repl-2");
  });
});
