import { describe, expect, it } from "vitest";
import {
  blockMinutes,
  expectedCost,
  launchSeconds,
  lookCosts,
  promptsCovered,
  verificationMinutes,
  type Fleet,
  type PlanDesign,
} from "../../runner/core/plan/cost.ts";

// Numbers chosen so every step is exact by hand: 12 requests × 512 tokens / 256 tok/s = 24 s of decode.
const design: PlanDesign = {
  prompts: 128,
  promptsPerGroup: 8,
  maxTokens: 512,
  warmup: 4,
  repeats: 1,
  looks: [6, 12],
  launchesPerBlock: 2,
  alpha: 0.05,
  minEffect: 0.01,
};
const fleet: Fleet = { tps: 256, startupSeconds: 120, runners: 4, jobCapMinutes: 20 };

describe("plan cost model", () => {
  it("prices verification: a new commit's plain decode of every prompt, and every run's scorer", () => {
    const v = verificationMinutes(design, fleet);
    // 120 s + 2 sets × 128 prompts × 512 tokens / 256 tok/s = 632 s.
    expect(v.plainPerCommit).toBeCloseTo(632 / 60, 10);
    // 120 s + 2 arms × 2 outputs × 96 covered prompts × 512 tokens / 2,560 tok/s of prefill = 196.8 s.
    expect(v.scorerPerRun).toBeCloseTo(196.8 / 60, 10);
  });

  it("a launch is start-up plus every warm-up and timed request of its group", () => {
    expect(launchSeconds(design, fleet)).toBeCloseTo(144, 10); // 120 + (4 + 8) · 512 / 256
    expect(blockMinutes(design, fleet)).toBeCloseTo(4.8, 10); // 2 launches · 144 s
  });

  it("costs each look cumulatively and fans its new blocks over the runners", () => {
    const [first, second] = lookCosts(design, fleet);
    // Look 1: 6 blocks on 4 runners → 2 blocks on the busiest runner = 9.6 min.
    expect(first).toMatchObject({ blocks: 6, newBlocks: 6, fitsCap: true });
    expect(first!.gpuMinutes).toBeCloseTo(28.8, 10);
    expect(first!.jobMinutes).toBeCloseTo(9.6, 10);
    expect(first!.wallMinutes).toBeCloseTo(9.6, 10);
    // Look 2 adds 6 more blocks: GPU 12 · 4.8, wall 9.6 + 9.6.
    expect(second).toMatchObject({ blocks: 12, newBlocks: 6, fitsCap: true });
    expect(second!.gpuMinutes).toBeCloseTo(57.6, 10);
    expect(second!.wallMinutes).toBeCloseTo(19.2, 10);
  });

  it("flags a look whose matrix job runs past the cap", () => {
    const looks = lookCosts(design, { ...fleet, jobCapMinutes: 9 });
    expect(looks.map((l) => l.fitsCap)).toEqual([false, false]);
    // With 8 runners each job is one block (4.8 min) and fits.
    expect(lookCosts(design, { ...fleet, runners: 8, jobCapMinutes: 9 }).every((l) => l.fitsCap)).toBe(true);
  });

  it("the old design (all 128 prompts per launch) matches the issue's table at 44 tok/s", () => {
    const old = { ...design, promptsPerGroup: 128 };
    // (4 + 128) · 512 = 67,584 tokens / 44 tok/s = 1536 s, + 120 s start-up = 1656 s per launch.
    expect(launchSeconds(old, { ...fleet, tps: 44 })).toBeCloseTo(1656, 10);
    const looks = lookCosts(old, { ...fleet, tps: 44, runners: 1 });
    expect(looks[0]!.gpuMinutes).toBeCloseTo((12 * 1656) / 60, 10); // ≈ 331 (the issue: ~334)
    expect(looks[0]!.fitsCap).toBe(false);
  });

  it("expected cost weighs each look by the chance of stopping there", () => {
    const e = expectedCost(lookCosts(design, fleet), [0.25, 0.75]);
    expect(e.gpuMinutes).toBeCloseTo(0.25 * 28.8 + 0.75 * 57.6, 10); // 50.4
    expect(e.wallMinutes).toBeCloseTo(0.25 * 9.6 + 0.75 * 19.2, 10); // 16.8
  });

  it("counts the prompts the rotating groups cover by the last look", () => {
    expect(promptsCovered(design)).toBe(96);
    expect(promptsCovered({ ...design, promptsPerGroup: 16 })).toBe(128);
  });
});
