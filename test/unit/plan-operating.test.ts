import { describe, expect, it } from "vitest";
import type { PlanDesign } from "../../runner/core/plan/cost.ts";
import { operatingAt, outcomeOf, simulationSe } from "../../runner/core/plan/operating.ts";
import { meetsGoals } from "../../runner/core/plan/recommend.ts";
import type { Comparison } from "../../runner/core/stats/compare.ts";

const single: PlanDesign = {
  prompts: 32,
  promptsPerGroup: 1, // the group size does not matter to these checks; one prompt keeps them fast
  maxTokens: 128,
  warmup: 0,
  repeats: 1,
  looks: [8],
  launchesPerBlock: 2,
  alpha: 0.05,
  minEffect: 0.01,
};
const noise = { cvBetween: 0.005, cvPrompt: 0.005 };

/** |estimate − expected| within 4 binomial standard errors (a 1-in-15,000 false alarm). */
function expectWithinSe(p: number, expected: number, reps: number) {
  expect(Math.abs(p - expected)).toBeLessThanOrEqual(4 * simulationSe(expected, reps));
}

describe("operating characteristic by simulating compare", () => {
  it("at a true effect of exactly +δ, a single look says faster α/2 of the time (the t CI is exact)", () => {
    const reps = 1000;
    const row = operatingAt(single, noise, 1, reps, 7);
    expectWithinSe(row.pFaster, single.alpha / 2, reps);
    expect(row.pSlower).toBe(0);
    expect(row.stopAt).toEqual([1]);
    expect(row.pFaster + row.pSlower + row.pTie + row.pUnresolved).toBeCloseTo(1, 12);
  });

  it("mirrors: at −δ it says slower α/2 of the time", () => {
    const reps = 1000;
    const row = operatingAt(single, noise, -1, reps, 8);
    expectWithinSe(row.pSlower, single.alpha / 2, reps);
    expect(row.pFaster).toBe(0);
  });

  it("two looks stop early on large effects and power grows with the effect", () => {
    const d = { ...single, looks: [4, 8] };
    const reps = 300;
    const small = operatingAt(d, noise, 1.5, reps, 3);
    const large = operatingAt(d, noise, 3, reps, 3);
    expect(large.pFaster).toBeGreaterThan(small.pFaster);
    expect(large.stopAt[0]!).toBeGreaterThan(small.stopAt[0]!);
    expect(large.stopAt.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
  });

  it("the same seed gives the same table", () => {
    expect(operatingAt(single, noise, 2, 100, 5)).toEqual(operatingAt(single, noise, 2, 100, 5));
  });
});

describe("outcomes and goals", () => {
  const base = { delta: 1, look: { index: 2, of: 2, blocks: 12, final: true } } as unknown as Comparison;
  const at = (verdict: string, ci: [number, number], final = true) =>
    outcomeOf({ ...base, verdict, ci, look: { ...base.look, final } } as Comparison);

  it("a tie counts only when the CI lies inside ±δ; a straddling last look is unresolved", () => {
    expect(at("tie", [-0.5, 0.8])).toBe("tie");
    expect(at("tie", [-0.5, 1.8])).toBe("unresolved");
    expect(at("unresolved", [-0.5, 1.8])).toBe("unresolved");
    expect(at("inconclusive", [-0.5, 1.8], false)).toBe("continue");
    expect(at("faster", [1.2, 1.8])).toBe("faster");
  });

  it("goals: false wins at +δ within α/2 (given simulation error) and 80% power at 2δ", () => {
    const row = (effect: number, pFaster: number) => ({
      effect,
      pFaster,
      pSlower: 0,
      pTie: 0,
      pUnresolved: 1 - pFaster,
      stopAt: [1],
    });
    expect(meetsGoals(single, [row(1, 0.02), row(2, 0.85)], 1000)).toBe(true);
    expect(meetsGoals(single, [row(1, 0.02), row(2, 0.7)], 1000)).toBe(false);
    expect(meetsGoals(single, [row(1, 0.06), row(2, 0.9)], 1000)).toBe(false);
  });
});
