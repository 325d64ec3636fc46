import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { estimateNoise } from "../runner/core/plan/noise.ts";
import { runCli } from "./helpers.ts";

const ROOT = resolve(import.meta.dirname, "..");
const NOISE_FILE = "test/fixtures/data/h200-graph-decode.jsonl";

interface PlanJson {
  design: { promptsPerGroup: number; looks: number[]; alpha: number };
  looks: { blocks: number; gpuMinutes: number; wallMinutes: number; fitsCap: boolean }[];
  expected: { gpuMinutes: number; wallMinutes: number };
  operating: { effect: number; pFaster: number; pSlower: number; pTie: number; pUnresolved: number }[];
  scenarios: { tps: number; looks: { fitsCap: boolean; jobMinutes: number }[] }[];
}

describe("velodrome plan on the shipped challenge", () => {
  it("meets issue 12's goal: ≤ 20 wall min and ≤ 60 GPU min per verdict at 247 tok/s on 8 runners", async () => {
    const reps = 300;
    const r = await runCli(
      ["plan", "--json", "--tps", "247,44", "--startup", "120", "--runners", "8", "--reps", String(reps)],
      ROOT,
    );
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    const plan = JSON.parse(r.out) as PlanJson;
    expect(plan.design.promptsPerGroup).toBe(8);
    expect(plan.expected.wallMinutes).toBeLessThanOrEqual(20);
    expect(plan.expected.gpuMinutes).toBeLessThanOrEqual(60);
    expect(plan.looks.map((l) => l.blocks)).toEqual(plan.design.looks);
    const at = (e: number) => plan.operating.find((o) => o.effect === e)!;
    // Simulation error at reps = 300: SE ≈ 0.9% near α/2, so allow 2 SE above it.
    expect(at(1).pFaster).toBeLessThanOrEqual(plan.design.alpha / 2 + 2 * Math.sqrt((0.025 * 0.975) / reps));
    expect(at(2).pFaster).toBeGreaterThanOrEqual(0.8);
    // At 44 tok/s every matrix job still fits the 20-minute cap.
    const slow = plan.scenarios.find((s) => s.tps === 44)!;
    expect(slow.looks.every((l) => l.fitsCap && l.jobMinutes <= 20)).toBe(true);
  }, 120_000);

  it("prints a human table by default and refuses a missing --tps", async () => {
    const r = await runCli(["plan", "--tps", "247", "--startup", "120", "--reps", "50"], ROOT);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/design: 8 of 128 prompts per launch/);
    expect(r.out).toMatch(/look 2\s+12\s+57\.9/);
    expect(r.out).toMatch(/P\(unresolved\)/);
    const bad = await runCli(["plan", "--startup", "120"], ROOT);
    expect(bad.code).not.toBe(0);
    expect(bad.err).toMatch(/--tps/);
  }, 60_000);

  it("--warm-startup prices the same design at a cold and a warm start-up and says what warm saves", async () => {
    const args = ["plan", "--tps", "247", "--startup", "120", "--warm-startup", "40", "--reps", "50"];
    const r = await runCli([...args, "--json"], ROOT);
    expect(r.code).toBe(0);
    const w = (JSON.parse(r.out) as { warm: Record<string, { gpuMinutes: number } & Record<string, number>> })
      .warm;
    expect(w.cold!.startupSeconds).toBe(120);
    expect(w.warm!.startupSeconds).toBe(40);
    expect(w.warm!.gpuMinutes).toBeLessThan(w.cold!.gpuMinutes);
    expect(w.savedGpuMinutes).toBeCloseTo(w.cold!.gpuMinutes - w.warm!.gpuMinutes, 1);
    expect((await runCli(args, ROOT)).out).toMatch(
      /start-up: cold 120 s → [\d.]+ GPU min per verdict; warm 40 s/,
    );
  }, 60_000);

  it("--noise estimates the noise from samples JSONL (here the shipped H200 data)", async () => {
    const r = await runCli(
      ["plan", "--json", "--tps", "247", "--startup", "120", "--reps", "20", "--noise", NOISE_FILE],
      ROOT,
    );
    expect(r.code).toBe(0);
    const plan = JSON.parse(r.out) as { noise: { cvBetween: number; cvPrompt: number } };
    const direct = estimateNoise(readFileSync(join(ROOT, NOISE_FILE), "utf8"));
    expect(plan.noise).toMatchObject({ cvBetween: direct.cvBetween, cvPrompt: direct.cvPrompt });
    const bad = await runCli(["plan", "--tps", "247", "--startup", "120", "--cv", "x"], ROOT);
    expect(bad.code).not.toBe(0);
    expect(bad.err).toMatch(/--cv/);
  }, 60_000);

  it("checks the 60 GPU-min budget at every speed, counting verification (issue 25)", async () => {
    const args = ["plan", "--tps", "247,44", "--startup", "120", "--runners", "8", "--reps", "50"];
    const r = await runCli([...args, "--json"], ROOT);
    expect(r.code).toBe(0);
    const plan = JSON.parse(r.out) as {
      budget: { gpuMinutes: number };
      scenarios: {
        tps: number;
        expected: { gpuMinutes: number; perRun: number; newCommit: number };
        verification: { scorerPerRun: number; plainPerCommit: number };
        withinBudget: boolean;
      }[];
    };
    expect(plan.budget.gpuMinutes).toBe(60);
    const [fast, slow] = plan.scenarios;
    // The verification costs: +3.3 / +10.8 GPU min at 247 tok/s, +9.4 / +51.6 at 44.
    expect(fast!.verification.scorerPerRun).toBeCloseTo(3.3, 1);
    expect(fast!.verification.plainPerCommit).toBeCloseTo(10.8, 1);
    expect(slow!.verification.scorerPerRun).toBeCloseTo(9.4, 1);
    expect(slow!.verification.plainPerCommit).toBeCloseTo(51.6, 1);
    for (const s of plan.scenarios) {
      expect(s.expected.perRun).toBeCloseTo(s.expected.gpuMinutes + s.verification.scorerPerRun, 6);
      expect(s.expected.newCommit).toBeCloseTo(s.expected.perRun + s.verification.plainPerCommit, 6);
      expect(s.withinBudget).toBe(s.expected.perRun <= 60);
    }
    expect(slow!.withinBudget).toBe(false); // the stated design at 44 tok/s: ~100 GPU min of blocks
    expect((await runCli(args, ROOT)).out).toMatch(/44 tok\/s[^]*OVER the 60 GPU-min budget/);
  }, 60_000);

  it("--noise with --block-field reads rounds as blocks and reports the paired-difference estimate", async () => {
    const args = [
      "plan",
      "--json",
      "--tps",
      "247",
      "--startup",
      "120",
      "--reps",
      "20",
      "--noise",
      NOISE_FILE,
    ];
    const r = await runCli([...args, "--block-field", "round"], ROOT);
    expect(r.code).toBe(0);
    const noise = (JSON.parse(r.out) as { noise: { source: string; cvBetween: number; blockSd: number } })
      .noise;
    const direct = estimateNoise(readFileSync(join(ROOT, NOISE_FILE), "utf8"), {
      arm: "arm",
      launch: "launch",
      block: "round",
      tps: "tps",
    });
    expect(noise).toMatchObject({
      source: "blocks",
      cvBetween: direct.cvBetween,
      blockSd: direct.blocks!.sd,
    });
    const wrong = await runCli([...args, "--tps-field", "decode_tps"], ROOT);
    expect(wrong.code).not.toBe(0);
    expect(wrong.code).toBe(2); // a usage error: "line 1: need arm, launch and a positive decode_tps"
  }, 60_000);
});
