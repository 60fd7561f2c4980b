// pass@k by group with the unbiased estimator of Chen et al. 2021 ("Evaluating Large Language Models Trained on
// Code"): per group of n attempts with c correct, 1 - C(n-c, k) / C(n, k), averaged over groups.

/** One group's attempts that ran and how many of them were correct. */
export interface GroupOutcome {
  /** Attempts that ran (early-stop skips excluded). */
  n: number;
  /** Correct (valid) attempts among them. */
  c: number;
}

/**
 * Unbiased pass@k of one group: the chance that k attempts drawn without replacement from its n include a correct
 * one, 1 - C(n-c, k) / C(n, k), computed as the product 1 - Π_{i=n-c+1..n} (1 - k/i) (Chen et al.'s form, with no
 * large binomials, so it stays exact to rounding for any n).
 *
 * A group with fewer attempts than k (n < k) counts with all it has: 1 if any attempt is correct, else 0. That is
 * the value pass@k would take if its missing attempts all failed; it is what makes an early-stopped group (solved,
 * the rest skipped) count as solved for every k at or above the attempts it ran, and it makes pass@n (n = the most
 * attempts of any group) equal the share of groups with a correct attempt. A group with no attempt that ran is 0.
 */
export function passAtK(n: number, c: number, k: number): number {
  if (!Number.isInteger(n) || !Number.isInteger(c) || !Number.isInteger(k) || n < 0 || c < 0 || c > n || k < 1) {
    throw new RangeError(`passAtK(n=${n}, c=${c}, k=${k}): need integers with 0 <= c <= n and k >= 1`);
  }
  if (c === 0) return 0;
  if (n - c < k) return 1; // every draw of k includes a correct attempt (covers n < k with c > 0)
  let allWrong = 1;
  for (let i = n - c + 1; i <= n; i++) allWrong *= 1 - k / i;
  return 1 - allWrong;
}

/**
 * pass@k averaged over groups for k = 1..maxK (index k-1); maxK defaults to the most attempts of any group.
 * Empty when there are no groups.
 */
export function passAtKCurve(
  groups: readonly GroupOutcome[],
  maxK = groups.reduce((m, g) => Math.max(m, g.n), 0),
): number[] {
  if (groups.length === 0) return [];
  const curve: number[] = [];
  for (let k = 1; k <= maxK; k++) {
    let sum = 0;
    for (const g of groups) sum += passAtK(g.n, g.c, k);
    curve.push(sum / groups.length);
  }
  return curve;
}
