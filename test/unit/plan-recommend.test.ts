import { describe, expect, it } from "vitest";
import { lookCosts, verificationMinutes, type Fleet, type PlanDesign } from "../../runner/core/plan/cost.ts";
import { recommend, verdictCost, withinBudget } from "../../runner/core/plan/recommend.ts";

const base: PlanDesign = {
  prompts: 4,
  promptsPerGroup: 4,
  maxTokens: 64,
  warmup: 0,
  repeats: 1,
  looks: [6, 12],
  launchesPerBlock: 2,
  alpha: 0.05,
  minEffect: 0.01,
};
const fleet: Fleet = { tps: 64, startupSeconds: 60, runners: 2, jobCapMinutes: 20 };
const quiet = { cvBetween: 0.001, cvPrompt: 0.001 };

describe("plan --recommend", () => {
  it("with little noise picks the cheapest schedule and the smallest group", () => {
    const r = recommend(base, [fleet], quiet, {}, 100, 1)!;
    expect(r.design.promptsPerGroup).toBe(1);
    expect(r.design.looks[0]).toBe(4); // the smallest first look tried
    // (60 s + 64 tok / 64 tok/s) · 2 launches = 122 s a block; 4 blocks.
    expect(r.looks[0]!.gpuMinutes).toBeCloseTo((4 * 122) / 60, 10);
    expect(r.operating.find((o) => o.effect === 2)!.pFaster).toBeGreaterThanOrEqual(0.8);
  });

  it("with more noise needs more blocks, and finds nothing within a too small budget", () => {
    const noisy = { cvBetween: 0.004, cvPrompt: 0.004 };
    const r = recommend(base, [fleet], noisy, {}, 60, 1)!;
    expect(r.design.looks[r.design.looks.length - 1]!).toBeGreaterThan(4);
    expect(recommend(base, [fleet], noisy, { gpuMinutes: 5 }, 100, 1)).toBeUndefined();
  });

  it("never picks a design whose matrix jobs overrun the cap on any fleet", () => {
    const slowFleet = { ...fleet, tps: 4, runners: 1, jobCapMinutes: 12 };
    const r = recommend(base, [fleet, slowFleet], quiet, {}, 100, 1)!;
    expect(lookCosts(r.design, slowFleet).every((l) => l.fitsCap)).toBe(true);
  });
});

describe("plan budget at every speed (issue 25)", () => {
  const noisy = { cvBetween: 0.004, cvPrompt: 0.004 };
  const slowFleet: Fleet = { ...fleet, tps: 8 };

  it("--recommend keeps the budget (blocks and the per-run scorer) on the slow fleet too", () => {
    const fastOnly = recommend(base, [fleet], noisy, {}, 100, 1)!;
    // A budget the fast fleet's cheapest design meets but the slow fleet's price of it does not.
    const budget = verdictCost(fastOnly.design, fleet, fastOnly.operating).perRun + 0.01;
    expect(verdictCost(fastOnly.design, slowFleet, fastOnly.operating).perRun).toBeGreaterThan(budget);
    const both = recommend(base, [fleet, slowFleet], noisy, { gpuMinutes: budget }, 100, 1);
    if (both) expect(verdictCost(both.design, slowFleet, both.operating).perRun).toBeLessThanOrEqual(budget);
    expect(both?.design).not.toEqual(fastOnly.design);
  });

  it("counts verification: blocks + scorer per run, + the plain decode for a new commit", () => {
    const r = recommend(base, [fleet], quiet, {}, 100, 1)!;
    const c = verdictCost(r.design, fleet, r.operating);
    const v = verificationMinutes(r.design, fleet);
    expect(c.blocks).toBeCloseTo(r.expected.gpuMinutes, 10);
    expect(c.perRun).toBeCloseTo(c.blocks + v.scorerPerRun, 10);
    expect(c.newCommit).toBeCloseTo(c.perRun + v.plainPerCommit, 10);
    expect(withinBudget(r.design, [fleet], r.operating, c.blocks)).toBe(false);
  });
});
