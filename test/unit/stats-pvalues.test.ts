// Edge cases of the p-values (issue 13, item 6). Reference values are hard-coded with their source:
// scipy/R where they publish one, otherwise the exact closed form computed independently in Python
// (scipy itself cannot be installed here).
import { describe, expect, it } from "vitest";
import {
  mannWhitney,
  twoSidedNormalP,
  uLowerDistribution,
  wilcoxon,
} from "../../runner/core/stats/rank-tests.ts";
import { pairedT, twoSidedTP, welchT } from "../../runner/core/stats/tests.ts";

describe("Wilcoxon signed-rank: p never above 1, exact and normal branches", () => {
  it("7 pairs at the centre of the null: 2·P(V ≤ 14) = 17/16 = 1.0625 is capped at 1 (scipy: 1.0)", () => {
    // Positive ranks 1 + 6 + 7 = 14 = n(n+1)/4. Exact counts give 2·68/128 = 1.0625 uncapped.
    const r = wilcoxon([1, -2, -3, -4, -5, 6, 7]);
    expect(r).toEqual({ V: 14, p: 1, method: "exact" });
  });
  it("3 pairs: 2·P(V ≤ 3) = 5/4 = 1.25 is capped at 1", () => {
    expect(wilcoxon([-1, -2, 3])).toEqual({ V: 3, p: 1, method: "exact" });
  });
  it("exact branch off-centre matches R's example (V = 40, p = 0.0390625)", () => {
    const x = [1.83, 0.5, 1.62, 2.48, 1.68, 1.88, 1.55, 3.06, 1.3];
    const y = [0.878, 0.647, 0.598, 2.05, 1.06, 1.29, 1.06, 3.14, 1.29];
    const r = wilcoxon(x.map((v, i) => v - y[i]!));
    expect(r.method).toBe("exact");
    expect(r.p).toBeCloseTo(0.0390625, 9);
  });
  it("more than 50 differences: normal approximation with continuity correction", () => {
    // d_i = ±i, negative when 3 | i; V = 1200. R wilcox.test(correct = TRUE) formula, computed in
    // Python with math.erfc: z = (1200 − 915 − 0.5) / √(60·61·121/24), p = 0.03622649417878664.
    const d = Array.from({ length: 60 }, (_, k) => ((k + 1) % 3 ? k + 1 : -(k + 1)));
    const r = wilcoxon(d);
    expect(r.method).toBe("asymptotic");
    expect(r.V).toBe(1200);
    expect(r.p).toBeCloseTo(0.03622649417878664, 12);
  });
  it("zeros and ties force the normal branch with the tie correction (R's rule)", () => {
    // R: wilcox.test(c(0,1,-1,2,2,3,-4,5,6,6,7)) drops the zero; V = 47.5, tie-corrected σ;
    // p = 0.0464251333035219 (same formula in Python with math.erfc).
    const r = wilcoxon([0, 1, -1, 2, 2, 3, -4, 5, 6, 6, 7]);
    expect(r.method).toBe("asymptotic");
    expect(r.V).toBe(47.5);
    expect(r.p).toBeCloseTo(0.0464251333035219, 12);
  });
  it("the normal branch at the centre gives exactly 1, not more", () => {
    const r = wilcoxon([1, -1, 2, -2, 3, -3]);
    expect(r.method).toBe("asymptotic");
    expect(r.p).toBe(1);
  });
});

describe("Mann-Whitney U: scipy's exact rule", () => {
  it("12 vs 8 without ties is exact (scipy: exact when the smaller sample has ≤ 8 values)", () => {
    const x = [23.1, 25.4, 19.8, 30.2, 27.7, 24.9, 26.3, 28.8, 22.0, 29.5, 31.4, 21.2];
    const y = [18.3, 20.5, 17.9, 22.6, 16.4, 19.1, 21.7, 15.2];
    // Brute force in Python over all C(20, 8) = 125,970 rank placements: U = 90, p = 2/4199.
    // The continuity-corrected normal approximation would say 0.0013657, almost three times larger.
    const r = mannWhitney(x, y);
    expect(r.U).toBe(90);
    expect(r.method).toBe("exact");
    expect(r.p).toBeCloseTo(2 / 4199, 12);
    expect(mannWhitney(y, x).p).toBeCloseTo(2 / 4199, 12);
    expect(mannWhitney(x, y, { exactLimit: 0 }).p).toBeCloseTo(0.0013657438527610926, 10);
  });
  it("9 vs 9 or any ties: asymptotic", () => {
    const a = Array.from({ length: 9 }, (_, i) => i);
    const b = Array.from({ length: 9 }, (_, i) => i + 0.5);
    expect(mannWhitney(a, b).method).toBe("asymptotic");
    expect(mannWhitney([1, 2, 2], [3, 4]).method).toBe("asymptotic");
  });
  it("the Gaussian-binomial distribution equals the textbook recursion for all sizes up to 8 × 12", () => {
    // f(m, n, u) = f(m − 1, n, u − n) + f(m, n − 1, u): the last of the m + n values is an x or a y.
    const memo = new Map<string, number>();
    const f = (m: number, n: number, u: number): number => {
      if (u < 0) return 0;
      if (m === 0 || n === 0) return u === 0 ? 1 : 0;
      const k = `${m},${n},${u}`;
      let v = memo.get(k);
      if (v === undefined) memo.set(k, (v = f(m - 1, n, u - n) + f(m, n - 1, u)));
      return v;
    };
    const binom = (n: number, k: number) => {
      let r = 1;
      for (let i = 1; i <= k; i++) r = (r * (n - k + i)) / i;
      return r;
    };
    for (let m = 1; m <= 8; m++)
      for (let n = m; n <= 12; n++) {
        const dist = uLowerDistribution(m, n, m * n);
        for (let u = 0; u <= m * n; u++) expect(dist[u]).toBeCloseTo(f(m, n, u) / binom(m + n, m), 14);
      }
  });
  it("a small sample against a very large one stays exact, cheap and close to the normal tail", () => {
    const big = Array.from({ length: 200_000 }, (_, i) => i + 0.25);
    const small = [5_000.5, 60_000.5, 99_000.5, 150_000.5, 190_000.5];
    const exact = mannWhitney(small, big);
    const asym = mannWhitney(small, big, { exactLimit: 0 });
    expect(exact.method).toBe("exact");
    expect(Math.abs(exact.p - asym.p)).toBeLessThan(0.01);
  });
  it("far-apart samples keep a tiny p instead of 0 (48 vs 48: scipy 2·norm.sf(z) = 3.2346e-17)", () => {
    // z = (1152 − 0.5) / √(48²·97/12) = 8.4378; Python: math.erfc(z/√2) = 3.2346125554755325e-17.
    // 2·(1 − Φ(z)) gives exactly 0 in double precision.
    const x = Array.from({ length: 48 }, (_, i) => i);
    const y = Array.from({ length: 48 }, (_, i) => 100 + i);
    const r = mannWhitney(x, y);
    expect(r.method).toBe("asymptotic");
    expect(r.p / 3.2346125554755325e-17).toBeCloseTo(1, 8);
  });
});

describe("tiny p-values from the lower tail", () => {
  it("normal: 2·Φ(−|z|) keeps 1.7e-17-size values", () => {
    // Python: math.erfc(8.5 / math.sqrt(2)) = 1.895906964440671e-17
    expect(twoSidedNormalP(8.5) / 1.895906964440671e-17).toBeCloseTo(1, 8);
    expect(twoSidedNormalP(-8.5)).toBe(twoSidedNormalP(8.5));
    expect(twoSidedNormalP(0)).toBe(1);
  });
  it("t with 2 df against its closed form P(T > t) = 1 / (s (s + t)), s = √(t² + 2)", () => {
    // Differences 1e9, 1e9 + 1, 1e9 + 2: mean 1e9 + 1, sd 1, t = (1e9 + 1)·√3 = 1732050809.3;
    // two-sided p = 2 / (s (s + t)) = 3.3333333266666677e-19 (Python). 1 − F(t) would be 0.
    const r = pairedT([1e9, 1e9 + 1, 1e9 + 2], 0.05);
    expect(r.df).toBe(2);
    expect(r.p).toBeGreaterThan(0);
    expect(r.p / 3.3333333266666677e-19).toBeCloseTo(1, 6);
    const t = 50;
    const s = Math.sqrt(t * t + 2);
    expect(twoSidedTP(-t, 2) / (2 / (s * (s + t)))).toBeCloseTo(1, 9);
  });
  it("Welch on far-apart samples stays positive and symmetric", () => {
    const a = [1000, 1001, 1002, 1003];
    const b = [1, 2, 3, 4];
    const r = welchT(a, b, 0.05);
    expect(r.p).toBeGreaterThan(0);
    expect(r.p).toBeLessThan(1e-8);
    expect(welchT(b, a, 0.05).p).toBe(r.p);
  });
});
