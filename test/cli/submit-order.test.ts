// The submission order of `eval --early-stop`: round-robin across groups, every item exactly once, linear time.
import { describe, expect, it } from "vitest";
import { roundRobinOrder, submitOrder } from "../../cli/submit-order.js";

describe("roundRobinOrder", () => {
  it("takes the first item of every group, then the second, ...; groups in order of first appearance; ungrouped items count alone", () => {
    expect(roundRobinOrder(["a", "a", "a", "b", "c", "c"])).toEqual([0, 3, 4, 1, 5, 2]);
    expect(roundRobinOrder(["b", undefined, "a", "b", undefined])).toEqual([0, 1, 2, 4, 3]);
    expect(roundRobinOrder([])).toEqual([]);
    // A dataset already interleaved by hand keeps its order.
    expect(roundRobinOrder(["a", "b", "c", "a", "b", "c"])).toEqual([0, 1, 2, 3, 4, 5]);
    expect(submitOrder("dataset", ["a", "a", "b"])).toEqual([0, 1, 2]);
  });

  it("is a permutation and stays linear for one huge group beside many small ones", () => {
    const groups = [
      ...Array.from({ length: 50_000 }, () => "big"),
      ...Array.from({ length: 50_000 }, (_, i) => `g${i}`),
    ];
    const t0 = performance.now();
    const order = roundRobinOrder(groups);
    expect(performance.now() - t0).toBeLessThan(2_000);
    expect(order).toHaveLength(groups.length);
    expect(new Set(order).size).toBe(groups.length);
    expect(order.slice(0, 3)).toEqual([0, 50_000, 50_001]);
  });
});
