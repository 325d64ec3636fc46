// compare's edge cases (issue 13 item 6, issue 12 item 4): dropped blocks, overflow, verdicts at
// and between looks, and the O(n log n) estimators.
import { describe, expect, it } from "vitest";
import { compare, CompareError, type CompareConfig, type Launch } from "../../runner/core/stats/compare.ts";
import { hodgesLehmann1, hodgesLehmann2 } from "../../runner/core/stats/hodges-lehmann.ts";
import { seededRng } from "../../runner/core/stats/rng.ts";

const cfg = (o: Partial<CompareConfig> = {}): CompareConfig => ({
  alpha: 0.05,
  minEffect: { kind: "relative", value: 0.01 },
  looks: [6, 12],
  bootstrapReps: 0,
  ...o,
});

/** Paired blocks: candidate = base + gain + machine + noise, incumbent = base + machine + noise. */
function blocks(n: number, gain: number, noise: number, seed = 1, base = 100): Launch[] {
  const rng = seededRng(seed);
  const out: Launch[] = [];
  for (let b = 0; b < n; b++) {
    const machine = rng.normal();
    out.push({
      arm: "candidate",
      launch: `c${b}`,
      block: b,
      runs: [base + gain + machine + noise * rng.normal()],
    });
    out.push({ arm: "incumbent", launch: `i${b}`, block: b, runs: [base + machine + noise * rng.normal()] });
  }
  return out;
}

describe("launches of dropped blocks", () => {
  it("move neither δ nor the arm means nor the unpaired cross-checks", () => {
    const complete = blocks(6, 3, 0.5);
    // Block 99 lost its candidate launch; its incumbent launch is wildly off.
    const withOrphan = [...complete, { arm: "incumbent" as const, launch: "i99", block: 99, runs: [500] }];
    const a = compare(complete, cfg());
    const b = compare(withOrphan, cfg());
    expect(b.arms).toEqual(a.arms);
    expect(b.delta).toBe(a.delta);
    expect(b.relative).toEqual(a.relative);
    expect(b.tests.welch).toEqual(a.tests.welch);
    expect(b.tests.mannWhitney).toEqual(a.tests.mannWhitney);
    expect(b.ci).toEqual(a.ci);
    expect(b.arms.incumbent.launches).toBe(6);
    expect(b.warnings.join("\n")).toMatch(/1 block\(s\) lack a launch of one arm .*block 99/);
  });
});

describe("values near the float limit", () => {
  it("give a clear error instead of null estimates", () => {
    const huge = blocks(6, 0, 1).map((l) => ({ ...l, runs: l.runs.map((r) => r * 1.7e306) }));
    expect(() => compare(huge, cfg())).toThrow(CompareError);
    expect(() => compare(huge, cfg())).toThrow(
      /overflow double precision .*largest tokens\/s value 1\.\d+e\+308/,
    );
    // Squares overflow long before the values do.
    const big = blocks(6, 0, 1).map((l) => ({ ...l, runs: l.runs.map((r) => r * 1e160) }));
    expect(() => compare(big, cfg())).toThrow(/overflow/);
  });
  it("ordinary magnitudes are untouched", () => {
    const c = compare(blocks(6, 3, 0.5), cfg());
    expect(Number.isFinite(c.estimate) && Number.isFinite(c.ci[0]) && Number.isFinite(c.mde)).toBe(true);
  });
});

describe("verdicts: tie only by equivalence, unresolved when the evidence ran out", () => {
  it("a CI inside ±δ is a tie", () => {
    const c = compare(blocks(12, 0, 0.05), cfg({ minEffect: { kind: "absolute", value: 2 } }));
    expect(c.ci[0]).toBeGreaterThan(-2);
    expect(c.ci[1]).toBeLessThan(2);
    expect(c.verdict).toBe("tie");
  });
  it("at the first look a straddling CI is inconclusive and names the next look", () => {
    const c = compare(blocks(6, 1, 3), cfg({ minEffect: { kind: "absolute", value: 1 } }));
    expect(c.verdict).toBe("inconclusive");
    expect(c.look).toMatchObject({ index: 1, final: false, next: 12 });
    expect(c.reasons[0]).toMatch(/extend to 12 blocks/);
  });
  it("at the last look a straddling CI is unresolved, never a tie, and reports the MDE reached", () => {
    const c = compare(blocks(12, 1, 3), cfg({ minEffect: { kind: "absolute", value: 1 } }));
    expect(c.ci[0]).toBeLessThan(1);
    expect(c.ci[1]).toBeGreaterThan(-1);
    expect(c.verdict).toBe("unresolved");
    expect(c.reasons[0]).toMatch(/incumbent keeps the lead/);
    expect(c.reasons[0]).toContain(`≈ ${c.mde.toFixed(2)} tok/s`);
  });
  it("a zero-width CI gives no verdict, however far from δ it lies", () => {
    const same: Launch[] = [];
    for (let b = 0; b < 6; b++)
      same.push(
        { arm: "candidate", launch: `c${b}`, block: b, runs: [150 + b] },
        { arm: "incumbent", launch: `i${b}`, block: b, runs: [100 + b] },
      );
    const c = compare(same, cfg());
    expect(c.ci[0]).toBe(c.ci[1]);
    expect(c.verdict).toBe("inconclusive");
    expect(c.reasons[0]).toMatch(/zero width/);
    expect(compare(same, cfg({ looks: [6] })).verdict).toBe("unresolved");
  });
  it("unplanned looks are refused; a run cut short may be analysed as final", () => {
    const eight = blocks(8, 3, 0.5);
    expect(() => compare(eight, cfg())).toThrow(/8 blocks is not a planned look \(looks at 6, 12 blocks\)/);
    expect(() => compare(blocks(13, 3, 0.5), cfg())).toThrow(/not a planned look/);
    expect(() => compare(blocks(4, 3, 0.5), cfg())).toThrow(/not a planned look/);
    const f = compare(eight, cfg({ final: true }));
    expect(f.look).toMatchObject({ index: 1, of: 2, blocks: 8, final: true });
    expect(compare(eight, cfg({ looks: [] })).look.final).toBe(true);
  });
});

describe("Hodges-Lehmann by selection", () => {
  const naiveMedian = (v: number[]) => {
    const s = [...v].sort((a, b) => a - b);
    const h = s.length >> 1;
    return s.length % 2 ? s[h]! : (s[h - 1]! + s[h]!) / 2;
  };
  it("is bit-identical to sorting all pairs, with ties, negatives and zeros", () => {
    const rng = seededRng(4);
    for (let rep = 0; rep < 40; rep++) {
      const nx = 1 + rng.int(30);
      const ny = 1 + rng.int(30);
      const draw = () => (rep % 2 ? Math.round(rng.normal() * 3) : rng.normal() * 1e3);
      const x = Array.from({ length: nx }, draw);
      const y = Array.from({ length: ny }, draw);
      const pairs: number[] = [];
      for (const a of x) for (const b of y) pairs.push(a - b);
      // + 0: −0 and +0 are the same median; the selection may return either sign of zero.
      expect(hodgesLehmann2(x, y) + 0).toBe(naiveMedian(pairs) + 0);
      const walsh: number[] = [];
      for (let i = 0; i < nx; i++) for (let j = i; j < nx; j++) walsh.push((x[i]! + x[j]!) / 2);
      expect(hodgesLehmann1(x) + 0).toBe(naiveMedian(walsh) + 0);
    }
  });
});

describe("scale", () => {
  it("compares 100,000 single-run blocks (the old code listed 5·10⁹ Walsh averages here)", () => {
    const c = compare(
      blocks(100_000, 0.3, 1),
      cfg({ looks: [], bootstrapReps: 4000, minEffect: { kind: "absolute", value: 0.1 } }),
    );
    expect(c.blocks).toBe(100_000);
    expect(c.verdict).toBe("faster");
    expect(Math.abs(c.tests.hodgesLehmann - 0.3)).toBeLessThan(0.02);
    expect(c.tests.bootstrap).toBeUndefined();
    expect(c.warnings.join("\n")).toMatch(/bootstrap skipped/);
  });
});

describe("issue 25: --final within the plan only, δ = 0, disagreeing methods, underflow", () => {
  it("--final beyond the plan's last look is refused: it would spend α the design never had", () => {
    expect(() => compare(blocks(24, 0, 1), cfg({ final: true }))).toThrow(
      /--final at 24 blocks is beyond the plan's last look \(12 blocks\)/,
    );
    // Within the plan it stays allowed (a run cut short between looks).
    expect(compare(blocks(8, 3, 0.5), cfg({ final: true })).look).toMatchObject({ final: true });
  });

  it("--final never decides below the first planned look, however clear the two blocks look", () => {
    const two = compare(blocks(2, 30, 0.01), cfg({ final: true }));
    expect(two.verdict).toBe("unresolved");
    expect(two.reasons[0]).toMatch(/2 blocks is fewer than the first planned look \(6\)/);
  });

  it("simulation: A/A with a final look anywhere in the plan keeps false faster at or below α/2", () => {
    // 2,000 null runs, each cut at a random block count between 6 and 12 and analysed as final
    // (the per-look α of the two planned looks); one-sided false `faster` must stay ≤ 2.5% + noise.
    const rng = seededRng(7);
    let faster = 0;
    const N = 2000;
    for (let i = 0; i < N; i++) {
      const n = 6 + rng.int(7);
      const c = compare(
        blocks(n, 0, 1, 1000 + i),
        cfg({ final: true, minEffect: { kind: "absolute", value: 0.1 } }),
      );
      if (c.verdict === "faster") faster++;
    }
    expect(faster / N).toBeLessThanOrEqual(0.025 + 3 * Math.sqrt((0.025 * 0.975) / N));
  });

  it("--delta 0 warns that it is not robust to skewed launch noise", () => {
    const c = compare(blocks(6, 3, 0.5), cfg({ minEffect: { kind: "absolute", value: 0 } }));
    expect(c.warnings.join("\n")).toMatch(/δ = 0 is not robust to skewed launch noise/);
    expect(compare(blocks(6, 3, 0.5), cfg()).warnings.join("\n")).not.toMatch(/δ = 0/);
  });

  it("one outlier block that leaves the t interval unresolved while Wilcoxon finds a difference is reported", () => {
    // Eleven blocks +1% and one −30%: the t CI straddles, the signed-rank test does not.
    const out: Launch[] = [];
    for (let b = 0; b < 12; b++) {
      const inc = 300 + (b % 3);
      const cand = b === 5 ? inc * 0.7 : inc * 1.01 + (b % 2) * 0.2;
      out.push({ arm: "candidate", launch: `c${b}`, block: b, runs: [cand] });
      out.push({ arm: "incumbent", launch: `i${b}`, block: b, runs: [inc] });
    }
    const c = compare(out, cfg({ minEffect: { kind: "absolute", value: 0.5 } }));
    expect(["unresolved", "inconclusive"]).toContain(c.verdict);
    expect(c.warnings.join("\n")).toMatch(
      /the methods disagree: the Wilcoxon signed-rank test finds a difference/,
    );
  });

  it("values near 1e-170 are an underflow, not 'every block gave the same difference'", () => {
    const tiny = blocks(6, 3, 0.5).map((l) => ({ ...l, runs: l.runs.map((r) => r * 1e-172) }));
    expect(() => compare(tiny, cfg())).toThrow(
      /underflow double precision .*smallest tokens\/s value [\d.]+e-17\d/,
    );
  });
});
