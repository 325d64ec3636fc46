// The printed bootstrap interval must cover as often as it claims. At the first look (6 blocks,
// 97.3% per look) the old percentile bootstrap covered ~89%; the studentized one holds ~97%.
import { describe, expect, it } from "vitest";
import { bootstrapTInterval, percentileBootstrapCI } from "../../runner/core/stats/bootstrap.ts";
import { seededRng, type Rng } from "../../runner/core/stats/rng.ts";

/** Fraction of `datasets` simulated samples of n whose interval covers the true mean 0. */
function coverage(
  interval: (xs: number[], alpha: number, seed: number, reps: number) => [number, number],
  draw: (r: Rng) => number,
  n: number,
  alpha: number,
  datasets: number,
): number {
  const rng = seededRng(2024);
  let covered = 0;
  for (let k = 0; k < datasets; k++) {
    const xs = Array.from({ length: n }, () => draw(rng));
    const [lo, hi] = interval(xs, alpha, k + 1, 999);
    if (lo <= 0 && hi >= 0) covered++;
  }
  return covered / datasets;
}

describe("bootstrap coverage at the first look (6 blocks, 97.3%)", () => {
  const alpha = 0.027;
  const datasets = 1200;
  // Binomial standard error of a coverage estimate near 97.3% over 1,200 datasets: 0.47 points.
  const se = Math.sqrt(((1 - alpha) * alpha) / datasets);
  const normal = (r: Rng) => r.normal();

  it("the studentized interval holds its nominal coverage", () => {
    const c = coverage(bootstrapTInterval, normal, 6, alpha, datasets);
    expect(c).toBeGreaterThan(1 - alpha - 3 * se);
    expect(c).toBeLessThan(0.995); // not uselessly wide either
  });
  it("the percentile interval it replaces covers only about 90%", () => {
    const c = coverage(percentileBootstrapCI, normal, 6, alpha, datasets);
    expect(c).toBeLessThan(0.93);
    expect(c).toBeGreaterThan(0.85);
  });
  it("is seeded above the exact range: the same data and seed give the same interval", () => {
    const xs = [1.2, -0.3, 0.8, 2.1, 0.4, -1.0, 0.9, 1.7, -0.2, 0.6, 1.1, 0.3];
    expect(bootstrapTInterval(xs, alpha, 7)).toEqual(bootstrapTInterval(xs, alpha, 7));
    expect(bootstrapTInterval(xs, alpha, 7)).not.toEqual(bootstrapTInterval(xs, alpha, 8));
  });
});

// Issue 25: with 4,000 random resamples the bounds at 6 blocks moved by up to 4 tok/s with the seed.
// Up to EXACT_BOOTSTRAP_MAX (8) blocks the distribution is now enumerated, so the stated tolerance
// there is zero; above it, Monte Carlo at compare's 4,000 resamples keeps each bound within 15% of the
// interval's width across seeds from 10 blocks on (measured worst 12% at 11–12 blocks with an outlier
// block, 7% at 16+), and within 30% at 9 blocks (measured 26%; enumerating 9 costs 80–200 ms a call).
describe("bootstrap stability across seeds (issue 25)", () => {
  const seeds = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
  const spread = (cis: [number, number][], k: 0 | 1) =>
    Math.max(...cis.map((c) => c[k])) - Math.min(...cis.map((c) => c[k]));

  it("up to 8 blocks the interval is exact: identical for every seed, even with a −30% block", () => {
    // 6 blocks of a ~300 tok/s engine, one of them a −30% outlier (the audit's case).
    const six = [1.8, 2.6, -90, 3.1, 0.7, 2.2];
    const rng = seededRng(3);
    for (const xs of [
      six,
      Array.from({ length: 7 }, () => rng.normal()),
      Array.from({ length: 8 }, () => rng.normal()),
    ]) {
      const cis = seeds.map((s) => bootstrapTInterval(xs, 0.027, s));
      expect(spread(cis, 0)).toBe(0);
      expect(spread(cis, 1)).toBe(0);
    }
  });

  it("above 8 blocks each bound stays within 15% of the interval's width across seeds (30% at 9)", () => {
    const rng = seededRng(11);
    for (const n of [9, 12, 16, 24])
      for (let d = 0; d < 6; d++) {
        const xs = Array.from({ length: n }, () => rng.normal());
        if (d % 3 === 0) xs[0] = -10; // an outlier block: the heavy-tailed case
        const cis = seeds.map((s) => bootstrapTInterval(xs, 0.027, s, 4000));
        const width = cis[0]![1] - cis[0]![0];
        const tol = n === 9 ? 0.3 : 0.15;
        expect(spread(cis, 0)).toBeLessThanOrEqual(tol * width);
        expect(spread(cis, 1)).toBeLessThanOrEqual(tol * width);
      }
  });
});
