import { describe, expect, it } from "vitest";
import { groupCount, groupOfBlock, promptGroups } from "../../runner/core/plan/groups.ts";
import { compare, type Launch } from "../../runner/core/stats/compare.ts";
import { seededRng } from "../../runner/core/stats/rng.ts";

describe("prompt groups", () => {
  it("cuts a seeded permutation into equal groups that cover every prompt", () => {
    const groups = promptGroups(10, 4, 7);
    expect(groupCount(10, 4)).toBe(3);
    expect(groups.map((g) => g.length)).toEqual([4, 4, 4]); // the last one wraps around
    expect(new Set(groups.flat())).toEqual(new Set([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]));
    for (const g of groups) expect(new Set(g).size).toBe(4);
    expect(promptGroups(10, 4, 7)).toEqual(groups); // a function of the seed…
    expect(promptGroups(10, 4, 8)).not.toEqual(groups); // …and another seed gives other groups
  });

  it("one group keeps every prompt in file order (the design before groups)", () => {
    expect(promptGroups(5, 5, 3)).toEqual([[0, 1, 2, 3, 4]]);
    expect(promptGroups(5, 99, 3)).toEqual([[0, 1, 2, 3, 4]]);
  });

  it("groups rotate across blocks, so G blocks time every prompt for each arm", () => {
    expect([0, 1, 2, 3, 4, 5].map((b) => groupOfBlock(b, 3))).toEqual([0, 1, 2, 0, 1, 2]);
  });
});

/**
 * Why the analysis needs no change for groups: both arms of a block decode the same group, so the
 * paired block difference cancels the group's own speed. Simulated launches: groups whose speeds
 * differ by up to ±15% (long prompts decode slower), launch noise 0.5%, no true difference.
 */
describe("the paired analysis with prompt groups", () => {
  const GROUP_SPEED = [1, 0.85, 1.15, 0.95];
  function launches(groupEffect: boolean, interaction = 0): Launch[] {
    const rng = seededRng(11);
    const out: Launch[] = [];
    for (let block = 0; block < 12; block++) {
      const g = groupOfBlock(block, GROUP_SPEED.length);
      const level = 100 * (groupEffect ? GROUP_SPEED[g]! : 1);
      // A prompt × arm interaction: the candidate gains `interaction` on group 0 only.
      const gain = g === 0 ? interaction : 0;
      const noise = [rng.normal(), rng.normal()];
      out.push({ arm: "incumbent", launch: `${block}-i`, block, runs: [level * (1 + 0.005 * noise[0]!)] });
      out.push({
        arm: "candidate",
        launch: `${block}-c`,
        block,
        runs: [level * (1 + gain) * (1 + 0.005 * noise[1]!)],
      });
    }
    return out;
  }
  const cfg = {
    alpha: 0.05,
    minEffect: { kind: "relative" as const, value: 0.01 },
    looks: [12],
    bootstrapReps: 0,
  };

  it("the group's speed cancels in the block differences: the paired CI barely moves", () => {
    const flat = compare(launches(false), cfg);
    const grouped = compare(launches(true), cfg);
    const width = (c: typeof flat) => c.ci[1] - c.ci[0];
    // The same launch noise scaled by each group's speed: the width changes by at most the spread.
    expect(width(grouped) / width(flat)).toBeGreaterThan(0.8);
    expect(width(grouped) / width(flat)).toBeLessThan(1.2);
    expect(grouped.verdict).toBe(flat.verdict);
    // Unpaired, the same launches would carry the whole group spread as noise.
    const spread = grouped.arms.incumbent.sd / flat.arms.incumbent.sd;
    expect(spread).toBeGreaterThan(10);
  });

  it("a prompt × arm interaction stays in the block differences as spread the paired CI measures", () => {
    const c = compare(launches(true, 0.04), cfg);
    // The candidate gains 4% on one group in four: 1% on average over the rotation.
    expect(c.relative.estimate).toBeCloseTo(0.01, 2);
    expect(c.relative.ci[0]).toBeLessThan(0.01);
    expect(c.relative.ci[1]).toBeGreaterThan(0.01);
  });
});
