import ttest from "@stdlib/stats-ttest";
import ttest2 from "@stdlib/stats-ttest2";
import wilcoxonTest from "@stdlib/stats-wilcoxon";
import normalCdf from "@stdlib/stats-base-dists-normal-cdf";
import { mean, median, ranks, sd } from "./basic.ts";
import { seededRng } from "./rng.ts";
import { quantileSorted } from "./basic.ts";

export interface TResult {
  t: number;
  df: number;
  p: number;
  ci: [number, number];
  estimate: number;
}

/** Paired t on per-block differences (candidate − incumbent): the primary test. */
export function pairedT(diffs: readonly number[], alpha: number): TResult {
  if (diffs.length < 2)
    return {
      t: NaN,
      df: Math.max(0, diffs.length - 1),
      p: NaN,
      ci: [-Infinity, Infinity],
      estimate: diffs.length ? diffs[0]! : NaN,
    };
  if (sd(diffs) === 0) {
    // Degenerate (identical differences): stdlib would divide by zero. The CI collapses to the point.
    const m = mean(diffs);
    return {
      t: m === 0 ? 0 : Math.sign(m) * Infinity,
      df: diffs.length - 1,
      p: m === 0 ? 1 : 0,
      ci: [m, m],
      estimate: m,
    };
  }
  const r = ttest([...diffs], { alpha });
  return { t: r.statistic, df: r.df as number, p: r.pValue, ci: [r.ci[0]!, r.ci[1]!], estimate: mean(diffs) };
}

/** Welch's unequal-variance t for unpaired launch means (candidate − incumbent). */
export function welchT(x: readonly number[], y: readonly number[], alpha: number): TResult {
  if (x.length < 2 || y.length < 2)
    return { t: NaN, df: NaN, p: NaN, ci: [-Infinity, Infinity], estimate: mean(x) - mean(y) };
  if (sd(x) === 0 && sd(y) === 0) {
    const d = mean(x) - mean(y);
    return {
      t: d === 0 ? 0 : Math.sign(d) * Infinity,
      df: x.length + y.length - 2,
      p: d === 0 ? 1 : 0,
      ci: [d, d],
      estimate: d,
    };
  }
  const r = ttest2([...x], [...y], { alpha, variance: "unequal" });
  return {
    t: r.statistic,
    df: r.df as number,
    p: r.pValue,
    ci: [r.ci[0]!, r.ci[1]!],
    estimate: mean(x) - mean(y),
  };
}

/** Wilcoxon signed-rank on differences (exact for small n without ties, as stdlib decides). */
export function wilcoxon(diffs: readonly number[]): { V: number; p: number } {
  const nz = diffs.filter((d) => d !== 0);
  if (nz.length === 0) return { V: 0, p: 1 };
  const r = wilcoxonTest([...diffs], { zeroMethod: "wilcox", correction: true });
  return { V: r.statistic, p: r.pValue };
}

/**
 * Mann-Whitney U for the candidate arm x. Exact two-sided p from the permutation distribution of U
 * (dynamic programming over rank sums) when both arms are small and there are no ties; otherwise
 * the normal approximation with tie and continuity corrections (as scipy's `method="asymptotic"`).
 * Hand-written: no well-kept npm package computes Mann-Whitney p-values correctly.
 */
export function mannWhitney(
  x: readonly number[],
  y: readonly number[],
  opts: { exactLimit?: number } = {},
): { U: number; p: number; method: "exact" | "asymptotic" } {
  const n1 = x.length;
  const n2 = y.length;
  if (!n1 || !n2) return { U: NaN, p: NaN, method: "asymptotic" };
  const { ranks: r, tieGroups } = ranks([...x, ...y]);
  const R1 = r.slice(0, n1).reduce((a, b) => a + b, 0);
  const U = R1 - (n1 * (n1 + 1)) / 2;
  const mu = (n1 * n2) / 2;
  if (tieGroups.length === 0 && Math.max(n1, n2) <= (opts.exactLimit ?? 8)) {
    const dist = uDistribution(n1, n2);
    const total = dist.reduce((a, b) => a + b, 0);
    const k = Math.round(Math.max(U, n1 * n2 - U));
    let upper = 0;
    for (let u = k; u < dist.length; u++) upper += dist[u]!;
    return { U, p: Math.min(1, (2 * upper) / total), method: "exact" };
  }
  const N = n1 + n2;
  const tieTerm = tieGroups.reduce((a, t) => a + (t ** 3 - t), 0);
  const sigma = Math.sqrt(((n1 * n2) / 12) * (N + 1 - tieTerm / (N * (N - 1))));
  if (sigma === 0) return { U, p: 1, method: "asymptotic" };
  const z = (Math.abs(U - mu) - 0.5) / sigma;
  return { U, p: Math.min(1, 2 * (1 - normalCdf(Math.max(z, 0), 0, 1))), method: "asymptotic" };
}

/** Counts of each U value over all C(n1+n2, n1) arrangements (frequencies of the null distribution). */
function uDistribution(n1: number, n2: number): number[] {
  // f[i][j][u]: arrangements of i x's and j y's with statistic u; built iteratively over j.
  const max = n1 * n2;
  let prev: number[][] = Array.from({ length: n1 + 1 }, (_, i) => {
    const a = new Array<number>(max + 1).fill(0);
    if (i >= 0) a[0] = 1;
    return a;
  });
  for (let j = 1; j <= n2; j++) {
    const cur: number[][] = Array.from({ length: n1 + 1 }, () => new Array<number>(max + 1).fill(0));
    cur[0]![0] = 1;
    for (let i = 1; i <= n1; i++) {
      for (let u = 0; u <= max; u++) {
        // Last element is an x (beats j y's) or a y.
        cur[i]![u] = (u >= j ? cur[i - 1]![u - j]! : 0) + prev[i]![u]!;
      }
    }
    prev = cur;
  }
  return prev[n1]!;
}

/** Hodges-Lehmann shift: median of all pairwise differences x_i − y_j. */
export function hodgesLehmann2(x: readonly number[], y: readonly number[]): number {
  const d: number[] = [];
  for (const a of x) for (const b of y) d.push(a - b);
  return median(d);
}

/** One-sample Hodges-Lehmann (pseudo-median): median of Walsh averages of paired differences. */
export function hodgesLehmann1(diffs: readonly number[]): number {
  const w: number[] = [];
  for (let i = 0; i < diffs.length; i++)
    for (let j = i; j < diffs.length; j++) w.push((diffs[i]! + diffs[j]!) / 2);
  return median(w);
}

/** Percentile bootstrap CI of the mean over blocks, seeded. */
export function bootstrapMeanCI(
  xs: readonly number[],
  alpha: number,
  seed: number,
  reps = 4000,
): [number, number] {
  if (xs.length < 2) return [-Infinity, Infinity];
  const rng = seededRng(seed);
  const means = new Float64Array(reps);
  for (let b = 0; b < reps; b++) {
    let s = 0;
    for (let i = 0; i < xs.length; i++) s += xs[rng.int(xs.length)]!;
    means[b] = s / xs.length;
  }
  const sorted = Array.from(means).sort((a, b) => a - b);
  return [quantileSorted(sorted, alpha / 2), quantileSorted(sorted, 1 - alpha / 2)];
}
