// pass@k: the unbiased estimator against exact binomials, the rule for groups with fewer attempts than k, the curve.
import { describe, expect, it } from "vitest";
import { passAtK, passAtKCurve } from "../../services/batches/index.js";

/** C(n, k) exactly. */
function binomial(n: number, k: number): bigint {
  if (k < 0 || k > n) return 0n;
  let r = 1n;
  for (let i = 1; i <= k; i++) r = (r * BigInt(n - k + i)) / BigInt(i);
  return r;
}

describe("passAtK", () => {
  it("equals 1 - C(n-c,k)/C(n,k) for every n <= 30, c <= n, k <= n", () => {
    for (let n = 1; n <= 30; n++) {
      for (let c = 0; c <= n; c++) {
        for (let k = 1; k <= n; k++) {
          const exact = 1 - Number((binomial(n - c, k) * 10n ** 15n) / binomial(n, k)) / 1e15;
          expect(Math.abs(passAtK(n, c, k) - exact), `n=${n} c=${c} k=${k}`).toBeLessThan(1e-12);
        }
      }
    }
  });

  it("is stable for large n (no huge binomials)", () => {
    expect(passAtK(1000, 1, 1)).toBeCloseTo(0.001, 12);
    expect(passAtK(10_000, 5000, 1)).toBeCloseTo(0.5, 12);
    expect(passAtK(10_000, 1, 10_000)).toBe(1);
  });

  it("counts a group with fewer attempts than k with all it has: 1 if any is correct, else 0", () => {
    expect(passAtK(2, 1, 5)).toBe(1);
    expect(passAtK(2, 0, 5)).toBe(0);
    expect(passAtK(0, 0, 1)).toBe(0);
  });

  it("refuses impossible counts", () => {
    expect(() => passAtK(2, 3, 1)).toThrow(RangeError);
    expect(() => passAtK(2, 1, 0)).toThrow(/k >= 1/);
  });
});

describe("passAtKCurve", () => {
  it("averages over groups for k = 1..max attempts; its last value is the share of groups with a correct attempt", () => {
    const curve = passAtKCurve([
      { n: 4, c: 1 },
      { n: 4, c: 0 },
      { n: 2, c: 2 },
    ]);
    expect(curve).toHaveLength(4);
    expect(curve[0]).toBeCloseTo((0.25 + 0 + 1) / 3, 12);
    expect(curve[1]).toBeCloseTo((0.5 + 0 + 1) / 3, 12);
    expect(curve[3]).toBeCloseTo(2 / 3, 12);
    expect(passAtKCurve([])).toEqual([]);
  });
});
