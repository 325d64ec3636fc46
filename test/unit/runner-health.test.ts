import { describe, expect, it } from "vitest";
import { seededRng, type Rng } from "../../runner/core/stats/rng.ts";
import { DRIFT_ALPHA, robustNoise, runnerHealth, type AAWindow } from "../../runner/core/stats/health.ts";
import { aaWindows } from "../../runner/core/runners.ts";
import type { RunRecord } from "../../runner/core/schema/run-record.ts";
import { runRecord } from "../fakes/bot-fixtures.ts";

/** Student-t with 3 degrees of freedom: heavy tails (infinite kurtosis), the stress case for a scale test. */
function studentT3(rng: Rng): number {
  const chi2 = rng.normal() ** 2 + rng.normal() ** 2 + rng.normal() ** 2;
  return rng.normal() / Math.sqrt(chi2 / 3);
}

/** A history of daily A/A windows of `blocks` relative differences; the last one scaled by `lastScale`. */
function history(rng: Rng, days: number, blocks: number, lastScale = 1): AAWindow[] {
  return Array.from({ length: days }, (_, d) => ({
    label: `2026-01-${String(d + 1).padStart(2, "0")}`,
    diffs: Array.from({ length: blocks }, () => 0.01 * (d === days - 1 ? lastScale : 1) * studentT3(rng)),
  }));
}

describe("runner drift check", () => {
  it("holds its stated false-alarm rate under heavy-tailed (t3) noise", () => {
    const rng = seededRng(20261126);
    const trials = 4000;
    let rejected = 0;
    let flagged = 0;
    for (let i = 0; i < trials; i++) {
      const h = runnerHealth(history(rng, 4, 12));
      if (h.p < DRIFT_ALPHA) rejected++;
      if (h.drifting) flagged++;
    }
    // The test alone: at most α plus a margin of ~4.5 binomial sds (0.0016 each at α = 1%).
    expect(rejected / trials).toBeLessThanOrEqual(DRIFT_ALPHA + 0.0075);
    expect(flagged / trials).toBeLessThanOrEqual(DRIFT_ALPHA + 0.0075);
  });

  it("still catches noise that tripled, under the same heavy tails", () => {
    const rng = seededRng(7);
    const trials = 500;
    let flagged = 0;
    for (let i = 0; i < trials; i++) if (runnerHealth(history(rng, 4, 12, 3)).drifting) flagged++;
    expect(flagged / trials).toBeGreaterThan(0.5);
  });

  it("flags a runner whose noise drifts and names the window; a steady one is not flagged", () => {
    const rng = seededRng(6);
    const steady = runnerHealth(history(rng, 3, 12));
    expect(steady.drifting).toBe(false);
    const bad = runnerHealth(history(rng, 3, 12, 6));
    expect(bad.drifting).toBe(true);
    expect(bad.reason).toMatch(/2026-01-03/);
    expect(bad.ratio).toBeGreaterThan(1.5);
  });

  it("one wild block barely moves the robust noise", () => {
    const calm = [0.01, -0.012, 0.008, -0.009, 0.011, -0.01];
    expect(robustNoise([...calm, 0.5])).toBeLessThan(2 * robustNoise(calm));
  });
});

/** An A/A run of `slug` on `runner` whose blocks run at `tps` with relative noise `rel[i]` between arms. */
function aaRun(id: string, day: string, runner: string, tps: number, rel: number[]): RunRecord {
  const base = runRecord("tie");
  const launches = rel.flatMap((r, block) => [
    { ...base.launches[0]!, arm: "candidate" as const, slug: "lead", block, runs: [tps * (1 + r / 2)] },
    { ...base.launches[1]!, arm: "incumbent" as const, slug: "lead", block, runs: [tps * (1 - r / 2)] },
  ]);
  return {
    ...base,
    id,
    candidate: { slug: "lead" },
    incumbent: { slug: "lead" },
    runner: { ...base.runner, id: runner },
    launches,
    finishedAt: `${day}T10:00:00.000Z`,
  };
}

describe("relative runner noise", () => {
  it("a leader moving from 300 to 500 tok/s does not look like drift", () => {
    const rng = seededRng(11);
    const rel = () => Array.from({ length: 12 }, () => 0.01 * rng.normal());
    const runs = [
      aaRun("a1", "2026-01-01", "r1", 300, rel()),
      aaRun("a2", "2026-01-02", "r1", 300, rel()),
      aaRun("a3", "2026-01-03", "r1", 300, rel()),
      aaRun("a4", "2026-01-04", "r1", 500, rel()),
    ];
    const windows = aaWindows(runs);
    expect(windows.map((w) => Math.round(w.tps))).toEqual([300, 300, 300, 500]);
    const h = runnerHealth(windows);
    expect(h.drifting).toBe(false);
    expect(h.ratio).toBeLessThan(1.5);
    expect(h.noise).toBeGreaterThan(0.005);
    expect(h.noise).toBeLessThan(0.02);
  });
});
