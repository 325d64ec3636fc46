import { describe, expect, it } from "vitest";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import chisquarePdf from "@stdlib/stats-base-dists-chisquare-pdf";
import normalCdf from "@stdlib/stats-base-dists-normal-cdf";
import { compare, type Launch } from "../runner/core/stats/compare.ts";
import { blockOrder } from "../runner/core/stats/design.ts";
import { rankWithUncertainty } from "../runner/core/stats/ranking.ts";
import { runnerHealth, varianceComponents } from "../runner/core/stats/health.ts";
import { seededRng, type Rng } from "../runner/core/stats/rng.ts";
import { parseSamples } from "../runner/core/stats/samples.ts";
import { perLookAlpha, simulateNullRejection, tCrit } from "../runner/core/stats/sequential.ts";
import {
  bootstrapTInterval,
  hodgesLehmann1,
  hodgesLehmann2,
  mannWhitney,
  pairedT,
  welchT,
  wilcoxon,
} from "../runner/core/stats/tests.ts";
import { REPO_ROOT, runCli } from "./helpers.ts";

const sleepX = [0.7, -1.6, -0.2, -1.2, -0.1, 3.4, 3.7, 0.8, 0.0, 2.0];
const sleepY = [1.9, 0.8, 1.1, 0.1, -0.1, 4.4, 5.5, 1.6, 4.6, 3.4];

describe("reference values (R, scipy) to 1e-6", () => {
  it("Welch t on R's sleep data", () => {
    const r = welchT(sleepX, sleepY, 0.05);
    expect(r.t).toBeCloseTo(-1.8608135, 6);
    expect(r.df).toBeCloseTo(17.776474, 6);
    expect(r.p).toBeCloseTo(0.07939414, 6);
    expect(r.ci[0]).toBeCloseTo(-3.3654832, 6);
    expect(r.ci[1]).toBeCloseTo(0.2054832, 6);
  });
  it("paired t on R's sleep data", () => {
    const r = pairedT(
      sleepX.map((x, i) => x - sleepY[i]!),
      0.05,
    );
    expect(r.t).toBeCloseTo(-4.0621277, 6);
    expect(r.df).toBe(9);
    expect(r.p).toBeCloseTo(0.00283289, 6);
    expect(r.ci[0]).toBeCloseTo(-2.4598858, 6);
    expect(r.ci[1]).toBeCloseTo(-0.7001142, 6);
  });
  it("Mann-Whitney U, scipy's docstring example: exact and asymptotic", () => {
    const x = [19, 22, 16, 29, 24];
    const y = [20, 11, 17, 12];
    const exact = mannWhitney(x, y);
    expect(exact.U).toBe(17);
    expect(exact.method).toBe("exact");
    expect(exact.p).toBeCloseTo(0.1111111, 6);
    const asym = mannWhitney(x, y, { exactLimit: 0 });
    expect(asym.method).toBe("asymptotic");
    expect(asym.p).toBeCloseTo(0.1113469, 6);
    // U for the other arm is n1·n2 − U, with the same two-sided p.
    expect(mannWhitney(y, x).U).toBe(3);
    expect(mannWhitney(y, x).p).toBeCloseTo(0.1111111, 6);
  });
  it("Mann-Whitney with ties uses the tie-corrected normal approximation", () => {
    // scipy.stats.mannwhitneyu([1,2,2,3,4],[2,3,3,5,6,7]) → U=6.0, p=0.11390314458853068 (asymptotic, tie-corrected)
    const r = mannWhitney([1, 2, 2, 3, 4], [2, 3, 3, 5, 6, 7]);
    expect(r.method).toBe("asymptotic");
    expect(r.U).toBe(6);
    expect(r.p).toBeCloseTo(0.11390314458853068, 6);
  });
  it("Wilcoxon signed-rank, R's example", () => {
    const x = [1.83, 0.5, 1.62, 2.48, 1.68, 1.88, 1.55, 3.06, 1.3];
    const y = [0.878, 0.647, 0.598, 2.05, 1.06, 1.29, 1.06, 3.14, 1.29];
    const r = wilcoxon(x.map((v, i) => v - y[i]!));
    expect(r.V).toBe(40);
    expect(r.p).toBeCloseTo(0.0390625, 6);
  });
  it("Hodges-Lehmann estimators", () => {
    expect(hodgesLehmann2([1, 2, 3], [0, 0])).toBe(2);
    // Walsh averages of [1, 2, 10]: 1, 1.5, 5.5, 2, 6, 10 → median 3.75
    expect(hodgesLehmann1([1, 2, 10])).toBe(3.75);
  });
  it("bootstrap is seeded and brackets the mean", () => {
    const d = sleepX.map((x, i) => x - sleepY[i]!);
    const a = bootstrapTInterval(d, 0.05, 42);
    expect(bootstrapTInterval(d, 0.05, 42)).toEqual(a);
    expect(bootstrapTInterval(d, 0.05, 43)).not.toEqual(a);
    expect(a[0]).toBeLessThan(-1.58);
    expect(a[1]).toBeGreaterThan(-1.58);
    expect(a[1]).toBeLessThan(0);
  });
});

describe("design", () => {
  it("block order is seeded and balanced", () => {
    const o = blockOrder(12, 7);
    expect(blockOrder(12, 7)).toEqual(o);
    expect(o.filter((b) => b[0] === "candidate")).toHaveLength(6);
    expect(o.every((b) => new Set(b).size === 2)).toBe(true);
    expect(blockOrder(12, 8)).not.toEqual(o);
  });
  it("the shipped per-look alpha keeps the overall error at alpha (fresh simulation, other seed)", () => {
    const a = perLookAlpha(0.05, [6, 12]);
    expect(a).toBe(0.027);
    const rate = simulateNullRejection(a, [6, 12], 40_000, 99);
    const se = Math.sqrt((0.05 * 0.95) / 40_000);
    expect(rate).toBeLessThan(0.05 + 3 * se);
    expect(rate).toBeGreaterThan(0.05 - 6 * se); // not needlessly conservative either
    // Without correction, two looks at 0.05 each inflate the error.
    expect(simulateNullRejection(0.05, [6, 12], 40_000, 99)).toBeGreaterThan(0.07);
  });
});

// ---------------------------------------------------------------------------------------------
// Simulations: the whole engine (compare) under the planned sequential design.

type Noise = (rng: Rng) => number;
const normalNoise: Noise = (r) => r.normal();
/** Student t with 3 df, scaled to unit variance: heavy tails like real launch outliers. */
const heavyNoise: Noise = (r) => {
  const z = r.normal();
  let chi = 0;
  for (let k = 0; k < 3; k++) chi += r.normal() ** 2;
  return z / Math.sqrt(chi / 3) / Math.sqrt(3);
};

/** One simulated challenge run: blocks of launches with launch-level noise sd `sigma`. */
function simulateRun(
  rng: Rng,
  gain: number,
  sigma: number,
  noise: Noise,
  looks: number[],
  delta: number,
  base = 200,
) {
  const launches: Launch[] = [];
  let result;
  let b = 0;
  for (const look of looks) {
    for (; b < look; b++) {
      const machine = rng.normal() * 2; // block effect: the machine's state during this block
      launches.push({
        arm: "candidate",
        launch: `c${b}`,
        block: b,
        runs: [base + gain + machine + sigma * noise(rng)],
      });
      launches.push({
        arm: "incumbent",
        launch: `i${b}`,
        block: b,
        runs: [base + machine + sigma * noise(rng)],
      });
    }
    result = compare(launches, {
      alpha: 0.05,
      minEffect: { kind: "absolute", value: delta },
      looks,
      bootstrapReps: 0,
    });
    if (result.verdict !== "inconclusive") break;
  }
  return result!;
}

describe("simulation: no true difference", () => {
  for (const [name, noise] of [
    ["normal", normalNoise],
    ["heavy-tailed", heavyNoise],
  ] as const) {
    it(`false "faster" rate ≤ α/2 with ${name} noise (δ = 0, the worst case)`, () => {
      const rng = seededRng(name === "normal" ? 11 : 12);
      const reps = 4000;
      let faster = 0;
      for (let i = 0; i < reps; i++)
        if (simulateRun(rng, 0, 3, noise, [6, 12], 0).verdict === "faster") faster++;
      const rate = faster / reps;
      expect(rate).toBeLessThan(0.025 + 3 * Math.sqrt((0.025 * 0.975) / reps));
    });
  }

  it("naive peeking after every block (stop at p < 0.05) is much worse", () => {
    const rng = seededRng(13);
    const reps = 4000;
    let naive = 0;
    let planned = 0;
    for (let i = 0; i < reps; i++) {
      const d: number[] = [];
      let hit = false;
      for (let b = 0; b < 12; b++) {
        d.push(3 * rng.normal() - 3 * rng.normal());
        if (d.length >= 2 && pairedT(d, 0.05).p < 0.05) {
          hit = true;
          break;
        }
      }
      if (hit) naive++;
      const r = simulateRun(rng, 0, 3, normalNoise, [6, 12], 0);
      if (r.verdict === "faster" || r.verdict === "slower") planned++;
    }
    expect(naive / reps).toBeGreaterThan(0.15); // ≈ 23% per the protocol notes
    expect(planned / reps).toBeLessThan(0.06);
    expect(naive / reps).toBeGreaterThan(3 * (planned / reps));
  });
});

/** Power of "CI lower bound > δ" for a single look with n blocks: a noncentral t tail, integrated numerically. */
function theoreticalPower(n: number, alpha: number, ncp: number): number {
  const df = n - 1;
  const t = tCrit(alpha, df);
  // P(T > t) with T = (Z + ncp) / sqrt(V/df), V ~ χ²(df): ∫ Φ(ncp − t·sqrt(v/df)) f(v) dv
  let p = 0;
  const step = 0.005;
  for (let v = step / 2; v < df * 12; v += step)
    p += (normalCdf(ncp - t * Math.sqrt(v / df), 0, 1) as number) * chisquarePdf(v, df) * step;
  return p;
}

describe("simulation: power", () => {
  it("with a true gain of δ + 2σ (σ: standard error at 12 blocks), power matches theory within a few points", () => {
    const rng = seededRng(21);
    const sigma = 3;
    const sdDiff = sigma * Math.SQRT2;
    const se = sdDiff / Math.sqrt(12);
    const delta = 2;
    const reps = 3000;
    let faster = 0;
    for (let i = 0; i < reps; i++)
      if (simulateRun(rng, delta + 2 * se, sigma, normalNoise, [12], delta).verdict === "faster") faster++;
    const theory = theoreticalPower(12, 0.05, 2);
    expect(theory).toBeGreaterThan(0.3);
    expect(theory).toBeLessThan(0.6);
    expect(Math.abs(faster / reps - theory)).toBeLessThan(0.03);
  });
  it("the two-look design stops early on large gains", () => {
    const rng = seededRng(22);
    let early = 0;
    for (let i = 0; i < 500; i++)
      if (simulateRun(rng, 20, 3, normalNoise, [6, 12], 2).look.blocks === 6) early++;
    expect(early / 500).toBeGreaterThan(0.95);
  });
});

describe("real H100 noise (shared/data/h100-decode-ab.jsonl)", async () => {
  const file = join(REPO_ROOT, "test/fixtures/data/h100-decode-ab.jsonl");
  const text = await readFile(file, "utf8");
  const names = { candidate: "sdpa-bf16", incumbent: "eager-bf16" };
  const parsed = parseSamples(file, text, names, {
    fields: { arm: "config", launch: "pid", block: "round", tps: "tps" },
    rounds: true,
  });

  it("parses 6 rounds × 2 launches × 10 runs", () => {
    expect(parsed.problems).toEqual([]);
    expect(parsed.launches).toHaveLength(12);
    expect(parsed.launches.every((l) => l.runs.length === 10)).toBe(true);
  });

  it("gives a verdict and explains it", () => {
    const c = compare(parsed.launches, {
      alpha: 0.05,
      minEffect: { kind: "relative", value: 0.01 },
      looks: [6, 12],
    });
    expect(["faster", "slower", "tie", "unresolved", "inconclusive"]).toContain(c.verdict);
    expect(c.blocks).toBe(6);
    expect(c.reasons.join(" ")).toMatch(/CI/);
    expect(c.ci[0]).toBeLessThan(c.estimate);
    expect(c.ci[1]).toBeGreaterThan(c.estimate);
    // Forced to be final, a result still straddling ±δ is unresolved, never a win or a tie.
    const f = compare(parsed.launches, {
      alpha: 0.05,
      minEffect: { kind: "relative", value: 0.01 },
      looks: [6, 12],
      final: true,
    });
    expect(f.verdict === "inconclusive").toBe(false);
    if (c.verdict === "inconclusive") expect(f.verdict).toBe("unresolved");
  });

  it("a naive per-run test overstates confidence on the same data", () => {
    const c = compare(parsed.launches, {
      alpha: 0.05,
      minEffect: { kind: "absolute", value: 0 },
      looks: [6],
    });
    const runsOf = (arm: string) => parsed.launches.filter((l) => l.arm === arm).flatMap((l) => l.runs);
    const naive = welchT(runsOf("candidate"), runsOf("incumbent"), 0.05);
    expect(naive.p).toBeLessThan(0.001); // the naive test claims near-certainty…
    expect(c.tests.pairedT!.p).toBeGreaterThan(0.05); // …launches as units do not
    expect(naive.ci[1] - naive.ci[0]).toBeLessThan((c.ci[1] - c.ci[0]) / 3);
    // The variance components say why: between-launch noise dominates.
    const vc = varianceComponents(parsed.launches.filter((l) => l.arm === "candidate").map((l) => l.runs));
    expect(vc.sigmaBetween).toBeGreaterThan(vc.sigmaWithin / Math.sqrt(10));
  });

  it("the CLI reads it with field mapping and prints JSON for agents", async () => {
    const r = await runCli(
      [
        "compare",
        file,
        "--candidate",
        "sdpa-bf16",
        "--incumbent",
        "eager-bf16",
        "--arm-field",
        "config",
        "--launch-field",
        "pid",
        "--rounds",
        "--json",
      ],
      process.cwd(),
    );
    expect(r.code, r.err).toBe(0);
    const j = JSON.parse(r.out);
    expect(j).toMatchObject({
      verdict: expect.any(String),
      estimate: expect.any(Number),
      ci: [expect.any(Number), expect.any(Number)],
      delta: expect.any(Number),
      blocks: 6,
    });
    expect(Object.keys(j.tests)).toEqual(
      expect.arrayContaining(["pairedT", "wilcoxon", "welch", "mannWhitney"]),
    );
    expect(j.tests.mannWhitney).toMatchObject({ U: expect.any(Number), p: expect.any(Number) });
    const human = await runCli(
      [
        "compare",
        file,
        "--candidate",
        "sdpa-bf16",
        "--incumbent",
        "eager-bf16",
        "--arm-field",
        "config",
        "--launch-field",
        "pid",
        "--rounds",
      ],
      process.cwd(),
    );
    expect(human.out).toMatch(/^verdict: (FASTER|SLOWER|TIE|UNRESOLVED|INCONCLUSIVE)/);
    expect(human.out).toMatch(/paired t .*\(primary\)/);
  });
});

describe("compare CLI input errors", () => {
  it("bad lines get file:line errors; unpaired data uses Welch", async () => {
    const { writeFile, mkdtemp } = await import("node:fs/promises");
    const { tmpdir } = await import("node:os");
    const dir = await mkdtemp(join(tmpdir(), "cmp-"));
    await writeFile(
      join(dir, "bad.jsonl"),
      '{"arm":"A","launch":"a","tps":1}\n{"arm":"A","launch":"b","tps":-3}\nnot json\n',
    );
    const bad = await runCli(["compare", "bad.jsonl", "--candidate", "A", "--incumbent", "B"], dir);
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/bad\.jsonl:2:1: error\[bad-sample\]: field `tps`/);
    expect(bad.err).toMatch(/bad\.jsonl:3:1: error\[bad-json\]/);
    const lines = [];
    for (let i = 0; i < 6; i++)
      lines.push(
        JSON.stringify({ arm: "A", launch: `a${i}`, tps: 110 + (i % 3) }),
        JSON.stringify({ arm: "B", launch: `b${i}`, tps: 100 + (i % 2) }),
      );
    await writeFile(join(dir, "u.jsonl"), lines.join("\n"));
    const u = JSON.parse(
      (await runCli(["compare", "u.jsonl", "--candidate", "A", "--incumbent", "B", "--json"], dir)).out,
    );
    expect(u.design).toBe("unpaired");
    expect(u.verdict).toBe("faster");
    expect(u.tests.pairedT).toBeUndefined();
    const missing = await runCli(["compare", "u.jsonl", "--candidate", "A", "--incumbent", "C"], dir);
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/matched neither name: B/);
  });
});

describe("compare CLI: edge cases from issue 13", () => {
  it("--delta -1 says what is wrong instead of parseArgs' 'ambiguous' message", async () => {
    const file = join(REPO_ROOT, "test/fixtures/data/h100-decode-ab.jsonl");
    const r = await runCli(
      ["compare", file, "--candidate", "sdpa-bf16", "--incumbent", "eager-bf16", "--delta", "-1"],
      process.cwd(),
    );
    expect(r.code).not.toBe(0);
    expect(r.err).toMatch(/--delta must not be negative/);
    expect(r.err).toMatch(/Give 1 instead/);
    expect(r.err).not.toMatch(/ambiguous/);
  });
  it("a duplicated line is a file:line error, not an extra run", async () => {
    const { writeFile, mkdtemp } = await import("node:fs/promises");
    const { tmpdir } = await import("node:os");
    const dir = await mkdtemp(join(tmpdir(), "cmp-dup-"));
    const lines = [];
    for (let b = 0; b < 6; b++)
      lines.push(
        JSON.stringify({ arm: "A", launch: `a${b}`, block: b, tps: 110 + b }),
        JSON.stringify({ arm: "B", launch: `b${b}`, block: b, tps: 100 + (b % 2) }),
      );
    lines.push(lines[4]!);
    await writeFile(join(dir, "d.jsonl"), lines.join("\n"));
    const r = await runCli(["compare", "d.jsonl", "--candidate", "A", "--incumbent", "B"], dir);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/d\.jsonl:13:1: error\[duplicate-line\]: repeats line 5 exactly/);
  });
});

describe("ranking and runner health", () => {
  it("overlapping entries share a rank", () => {
    const r = rankWithUncertainty(
      [
        { id: "a", estimate: 300, ci: [295, 305] },
        { id: "b", estimate: 298, ci: [292, 304] },
        { id: "c", estimate: 250, ci: [245, 255] },
      ],
      2,
    );
    expect(r.map((e) => [e.id, e.label])).toEqual([
      ["a", "=1"],
      ["b", "=1"],
      ["c", "3"],
    ]);
  });
  it("variance components recover simulated σw and σb", () => {
    const rng = seededRng(5);
    const launches = Array.from({ length: 200 }, () => {
      const lvl = 100 + 4 * rng.normal();
      return Array.from({ length: 10 }, () => lvl + 1 * rng.normal());
    });
    const vc = varianceComponents(launches);
    expect(vc.sigmaBetween).toBeGreaterThan(3.5);
    expect(vc.sigmaBetween).toBeLessThan(4.5);
    expect(vc.sigmaWithin).toBeGreaterThan(0.95);
    expect(vc.sigmaWithin).toBeLessThan(1.05);
    expect(vc.optimalRuns(10)).toBeCloseTo(Math.sqrt((10 * vc.sigmaWithin ** 2) / vc.sigmaBetween ** 2), 6);
  });
  it("flags a runner whose A/A noise drifts, not one that is steady", () => {
    const rng = seededRng(6);
    const win = (label: string, s: number) => ({
      label,
      diffs: Array.from({ length: 12 }, () => s * rng.normal()),
    });
    expect(runnerHealth([win("w1", 1), win("w2", 1), win("w3", 1)]).drifting).toBe(false);
    const bad = runnerHealth([win("w1", 1), win("w2", 1), win("w3", 4)]);
    expect(bad.drifting).toBe(true);
    expect(bad.reason).toMatch(/w3/);
  });
});
