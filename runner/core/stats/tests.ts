import tCdf from "@stdlib/stats-base-dists-t-cdf";
import tQuantile from "@stdlib/stats-base-dists-t-quantile";
import { mean, variance } from "./basic.ts";

export { mannWhitney, wilcoxon } from "./rank-tests.ts";
export { hodgesLehmann1, hodgesLehmann2 } from "./hodges-lehmann.ts";
export { bootstrapTInterval, percentileBootstrapCI } from "./bootstrap.ts";

export interface TResult {
  t: number;
  df: number;
  p: number;
  ci: [number, number];
  estimate: number;
}

/**
 * Two-sided p of a t statistic from the lower tail, 2·F(−|t|). Computing 2·(1 − F(|t|)) instead
 * loses everything below ~1e-16 to cancellation (it returns 0 where the true p is 1.7e-17).
 */
export function twoSidedTP(t: number, df: number): number {
  if (Number.isNaN(t)) return NaN;
  return Math.min(1, 2 * tCdf(-Math.abs(t), df));
}

/** A t interval and test for an estimate with standard error `se` on `df` degrees of freedom. */
function tResult(estimate: number, se: number, df: number, alpha: number): TResult {
  if (se === 0) {
    // Degenerate (no spread at all): the CI collapses to the point; the verdict logic refuses it.
    const t = estimate === 0 ? 0 : Math.sign(estimate) * Infinity;
    return { t, df, p: estimate === 0 ? 1 : 0, ci: [estimate, estimate], estimate };
  }
  const t = estimate / se;
  const q = tQuantile(1 - alpha / 2, df);
  return { t, df, p: twoSidedTP(t, df), ci: [estimate - q * se, estimate + q * se], estimate };
}

/** Paired t on per-block differences (candidate − incumbent): the primary test. */
export function pairedT(diffs: readonly number[], alpha: number): TResult {
  const n = diffs.length;
  if (n < 2)
    return { t: NaN, df: Math.max(0, n - 1), p: NaN, ci: [-Infinity, Infinity], estimate: diffs[0] ?? NaN };
  return tResult(mean(diffs), Math.sqrt(variance(diffs) / n), n - 1, alpha);
}

/** Welch's unequal-variance t for unpaired launch means (candidate − incumbent). */
export function welchT(x: readonly number[], y: readonly number[], alpha: number): TResult {
  const estimate = mean(x) - mean(y);
  if (x.length < 2 || y.length < 2) return { t: NaN, df: NaN, p: NaN, ci: [-Infinity, Infinity], estimate };
  const vx = variance(x) / x.length;
  const vy = variance(y) / y.length;
  if (vx === 0 && vy === 0) return tResult(estimate, 0, x.length + y.length - 2, alpha);
  // Welch–Satterthwaite degrees of freedom.
  const df = (vx + vy) ** 2 / (vx ** 2 / (x.length - 1) + vy ** 2 / (y.length - 1));
  return tResult(estimate, Math.sqrt(vx + vy), df, alpha);
}
