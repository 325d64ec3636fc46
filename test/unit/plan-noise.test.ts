import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { estimateNoise } from "../../runner/core/plan/noise.ts";
import { DEFAULT_NOISE } from "../../runner/core/plan/operating.ts";

// Real H200 CUDA-graph decode timings (copied from the shared data; 223 KB, 1024 lines).
const DATA = readFileSync(resolve(import.meta.dirname, "../fixtures/data/h200-graph-decode.jsonl"), "utf8");

/** Balanced one-way ANOVA written out by hand: every launch here times the same 32 prompts. */
function directComponents(rows: { launch: string; tps: number }[]) {
  const byLaunch = new Map<string, number[]>();
  for (const r of rows) byLaunch.set(r.launch, [...(byLaunch.get(r.launch) ?? []), r.tps]);
  const launches = [...byLaunch.values()];
  const k = launches.length;
  const n = launches[0]!.length;
  expect(launches.every((l) => l.length === n)).toBe(true);
  const means = launches.map((l) => l.reduce((a, b) => a + b, 0) / n);
  const grand = means.reduce((a, b) => a + b, 0) / k;
  let ssWithin = 0;
  launches.forEach((l, i) => l.forEach((x) => (ssWithin += (x - means[i]!) ** 2)));
  const ssBetween = means.reduce((s, m) => s + n * (m - grand) ** 2, 0);
  const msWithin = ssWithin / (k * n - k);
  const msBetween = ssBetween / (k - 1);
  const varBetween = Math.max(0, (msBetween - msWithin) / n);
  return { k, cvPrompt: Math.sqrt(msWithin) / grand, cvBetween: Math.sqrt(varBetween) / grand };
}

describe("plan noise estimate from the H200 data", () => {
  const rows = DATA.trim()
    .split("\n")
    .map((l) => JSON.parse(l) as { arm: string; launch: string; tps: number });
  const est = estimateNoise(DATA);

  it("matches the per-prompt and per-launch variance computed directly, arm by arm", () => {
    const arms = [...new Set(rows.map((r) => r.arm))].sort();
    expect(est.arms.map((a) => a.arm).sort()).toEqual(arms);
    let weight = 0;
    let between = 0;
    let prompt = 0;
    for (const arm of arms) {
      const direct = directComponents(rows.filter((r) => r.arm === arm));
      const got = est.arms.find((a) => a.arm === arm)!;
      expect(got.launches).toBe(direct.k);
      expect(got.cvPrompt).toBeCloseTo(direct.cvPrompt, 12);
      expect(got.cvBetween).toBeCloseTo(direct.cvBetween, 12);
      weight += direct.k;
      between += direct.k * direct.cvBetween ** 2;
      prompt += direct.k * direct.cvPrompt ** 2;
    }
    expect(est.cvBetween).toBeCloseTo(Math.sqrt(between / weight), 12);
    expect(est.cvPrompt).toBeCloseTo(Math.sqrt(prompt / weight), 12);
  });

  it("agrees with the data README: launch CV 0.3–0.65%, a prompt's CV around 0.5–0.7%", () => {
    for (const a of est.arms) {
      expect(a.cvBetween).toBeGreaterThan(0.0025);
      expect(a.cvBetween).toBeLessThan(0.0066);
      expect(a.cvPrompt).toBeGreaterThan(0.004);
      expect(a.cvPrompt).toBeLessThan(0.0075);
    }
  });

  it("the default noise model is this estimate rounded up", () => {
    expect(DEFAULT_NOISE.cvBetween).toBeGreaterThanOrEqual(est.cvBetween);
    expect(DEFAULT_NOISE.cvBetween - est.cvBetween).toBeLessThan(0.0001);
    expect(DEFAULT_NOISE.cvPrompt).toBeGreaterThanOrEqual(est.cvPrompt);
    expect(DEFAULT_NOISE.cvPrompt - est.cvPrompt).toBeLessThan(0.0001);
  });
});

describe("plan noise from paired block differences (issue 25)", () => {
  const rows = DATA.trim()
    .split("\n")
    .map((l) => JSON.parse(l) as { arm: string; round: number; tps: number });
  const ROUND = { arm: "arm", launch: "launch", block: "round", tps: "tps" };

  /** Per pair of arms: SD over shared rounds of mean(a)/mean(b) − 1, written out by hand. */
  function pooledBlockSd(): number {
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const at = (arm: string, round: number) => rows.filter((r) => r.arm === arm && r.round === round);
    const arms = [...new Set(rows.map((r) => r.arm))].sort();
    let ss = 0;
    let df = 0;
    for (let i = 0; i < arms.length; i++)
      for (let j = i + 1; j < arms.length; j++) {
        const d: number[] = [];
        for (let k = 0; k < 20; k++) {
          const a = at(arms[i]!, k);
          const b = at(arms[j]!, k);
          if (a.length && b.length) d.push(mean(a.map((r) => r.tps)) / mean(b.map((r) => r.tps)) - 1);
        }
        const m = mean(d);
        ss += d.reduce((s, x) => s + (x - m) ** 2, 0);
        df += d.length - 1;
      }
    return Math.sqrt(ss / df);
  }

  it("uses the block differences when the input has blocks, so the simulation reproduces their spread", () => {
    const est = estimateNoise(DATA, ROUND);
    expect(est.source).toBe("blocks");
    const sd = pooledBlockSd();
    expect(est.blocks!.sd).toBeCloseTo(sd, 12);
    expect(sd).toBeGreaterThan(0.007); // 0.708%: wider than √2 × the within-launch share alone
    // The simulated block difference: 2·cvBetween² + 2·cvPrompt²/32 equals the observed variance.
    expect(2 * est.cvBetween ** 2 + (2 * est.cvPrompt ** 2) / 32).toBeCloseTo(sd ** 2, 12);
    // Not the ANOVA's launch CV (the old answer, 0.544%).
    expect(est.cvBetween).not.toBeCloseTo(est.cvBetweenAnova, 4);
    expect(estimateNoise(DATA).source).toBe("launches");
  });

  it("reads other field names (a renamed copy of the data gives the same estimate)", () => {
    const renamed = rows
      .map((r) => {
        const o = r as unknown as Record<string, unknown>;
        return JSON.stringify({ variant: o.arm, pid: o.launch, batch: o.round, decode_tps: o.tps });
      })
      .join("\n");
    const fields = { arm: "variant", launch: "pid", block: "batch", tps: "decode_tps" };
    expect(estimateNoise(renamed, fields)).toEqual(estimateNoise(DATA, ROUND));
    expect(() => estimateNoise(renamed)).toThrow(/arm, launch and a positive tps/);
  });
});
