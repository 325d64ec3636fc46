import normalCdf from "@stdlib/stats-base-dists-normal-cdf";

export type PMethod = "exact" | "asymptotic";

/**
 * Two-sided p of a standard normal statistic from the lower tail, 2·Φ(−|z|), capped at 1.
 * 2·(1 − Φ(|z|)) would cancel to 0 below ~1e-16 (scipy's `2 * norm.sf(z)` keeps 1.7e-17).
 */
export function twoSidedNormalP(z: number): number {
  if (Number.isNaN(z)) return NaN;
  return Math.min(1, 2 * normalCdf(-Math.abs(z), 0, 1));
}

/**
 * Rank sum of sample a in the pooled sample a ∪ b (average ranks for ties) and the sizes of the tie
 * groups, from the two samples sorted separately and merged: O(n log n) with native numeric sorts.
 */
export function rankSumOfFirst(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
): { R: number; tieGroups: number[] } {
  const x = Float64Array.from(a).sort();
  const y = Float64Array.from(b).sort();
  let i = 0;
  let j = 0;
  let R = 0;
  const tieGroups: number[] = [];
  while (i < x.length || j < y.length) {
    // The next value in pooled order and how many of each sample share it.
    const v = j >= y.length || (i < x.length && x[i]! <= y[j]!) ? x[i]! : y[j]!;
    let inA = 0;
    let inB = 0;
    while (i + inA < x.length && x[i + inA] === v) inA++;
    while (j + inB < y.length && y[j + inB] === v) inB++;
    i += inA;
    j += inB;
    const size = inA + inB;
    const lastRank = i + j;
    R += inA * (lastRank - (size - 1) / 2); // average of ranks lastRank − size + 1 … lastRank
    if (size > 1) tieGroups.push(size);
  }
  return { R, tieGroups };
}

/** Two-sided p from a symmetric discrete null given as counts: 2·min(lower, upper tail), capped at 1. */
function exactTwoSided(counts: ArrayLike<number>, total: number, stat: number): number {
  let lower = 0;
  let upper = 0;
  for (let s = 0; s < counts.length; s++) {
    if (s <= stat) lower += counts[s]!;
    if (s >= stat) upper += counts[s]!;
  }
  // At the centre both tails exceed one half, so 2·min(...) would exceed 1 (1.0625 at n = 7).
  return Math.min(1, (2 * Math.min(lower, upper)) / total);
}

/** Counts of each signed-rank sum over the 2^n sign patterns (exact null of Wilcoxon's V). */
function signedRankCounts(n: number): Float64Array {
  const max = (n * (n + 1)) / 2;
  const c = new Float64Array(max + 1);
  c[0] = 1;
  for (let k = 1; k <= n; k++) for (let s = (k * (k + 1)) / 2; s >= k; s--) c[s]! += c[s - k]!;
  return c;
}

/**
 * Wilcoxon signed-rank on differences, as R's `wilcox.test(correct = TRUE)` and stdlib decide: exact
 * when there are at most 50 non-zero differences and no zeros or tied |d|; otherwise the normal
 * approximation with tie and continuity corrections. p is never above 1.
 */
export function wilcoxon(diffs: readonly number[]): { V: number; p: number; method: PMethod } {
  const nz = diffs.filter((d) => d !== 0);
  const zeros = diffs.length - nz.length;
  const n = nz.length;
  if (n === 0) return { V: 0, p: 1, method: "exact" };
  const { R: V, tieGroups } = rankSumOfFirst(
    nz.filter((d) => d > 0),
    nz.filter((d) => d < 0).map((d) => -d),
  );
  if (n <= 50 && zeros === 0 && tieGroups.length === 0)
    return { V, p: exactTwoSided(signedRankCounts(n), 2 ** n, V), method: "exact" };
  const mu = (n * (n + 1)) / 4;
  const tieTerm = tieGroups.reduce((a, t) => a + (t ** 3 - t), 0);
  const sigma = Math.sqrt((n * (n + 1) * (2 * n + 1)) / 24 - tieTerm / 48);
  if (sigma === 0) return { V, p: 1, method: "asymptotic" };
  const z = (V - mu - 0.5 * Math.sign(V - mu)) / sigma;
  return { V, p: twoSidedNormalP(z), method: "asymptotic" };
}

/**
 * Lower part (u = 0..maxU) of the null distribution of Mann-Whitney's U for samples of m and n, as
 * probabilities: the coefficients of the Gaussian binomial [m+n choose m]_q, built as
 * Π_{i=1..m} (1 − q^(n+i)) / (1 − q^i). O(m · maxU) time and O(maxU) memory, so a small sample
 * against a very large one stays cheap. After each factor i the coefficients are those of
 * [n+i choose i]_q, so they stay non-negative and rounding errors do not build up.
 */
export function uLowerDistribution(m: number, n: number, maxU: number): Float64Array {
  const c = new Float64Array(maxU + 1);
  c[0] = 1;
  let total = 1;
  for (let i = 1; i <= m; i++) {
    for (let u = maxU; u >= n + i; u--) c[u]! -= c[u - n - i]!; // × (1 − q^(n+i))
    for (let u = i; u <= maxU; u++) c[u]! += c[u - i]!; // ÷ (1 − q^i)
    total = (total * (n + i)) / i; // C(n+i, i)
  }
  for (let u = 0; u <= maxU; u++) c[u]! /= total;
  return c;
}

/**
 * Mann-Whitney U for the candidate arm x. Exact two-sided p whenever the smaller sample has at most
 * `exactLimit` (8) values and there are no ties — scipy's rule — otherwise the normal approximation
 * with tie and continuity corrections (scipy's `method="asymptotic"`). Hand-written: no well-kept
 * npm package computes Mann-Whitney p-values correctly.
 */
export function mannWhitney(
  x: readonly number[],
  y: readonly number[],
  opts: { exactLimit?: number } = {},
): { U: number; p: number; method: PMethod } {
  const n1 = x.length;
  const n2 = y.length;
  if (!n1 || !n2) return { U: NaN, p: NaN, method: "asymptotic" };
  const { R: R1, tieGroups } = rankSumOfFirst(x, y);
  const U = R1 - (n1 * (n1 + 1)) / 2;
  if (tieGroups.length === 0 && Math.min(n1, n2) <= (opts.exactLimit ?? 8)) {
    // U and n1·n2 − U have the same distribution; the smaller of them is the lower tail.
    const k = Math.round(Math.min(U, n1 * n2 - U));
    const lower = uLowerDistribution(Math.min(n1, n2), Math.max(n1, n2), k);
    let tail = 0;
    for (let u = 0; u <= k; u++) tail += lower[u]!;
    return { U, p: Math.min(1, 2 * tail), method: "exact" };
  }
  const N = n1 + n2;
  const tieTerm = tieGroups.reduce((a, t) => a + (t ** 3 - t), 0);
  const sigma = Math.sqrt(((n1 * n2) / 12) * (N + 1 - tieTerm / (N * (N - 1))));
  if (sigma === 0) return { U, p: 1, method: "asymptotic" };
  const z = Math.max(0, Math.abs(U - (n1 * n2) / 2) - 0.5) / sigma;
  return { U, p: twoSidedNormalP(z), method: "asymptotic" };
}
