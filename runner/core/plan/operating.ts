import { compare, type Comparison, type Launch } from "../stats/compare.ts";
import { seededRng, type Rng } from "../stats/rng.ts";
import type { PlanDesign } from "./cost.ts";

/**
 * Noise of one runner pool, relative to the engine's speed. A launch's level varies by `cvBetween`
 * (fresh process, new CUDA context, graph capture, clocks); each prompt's speed inside a launch varies
 * by `cvPrompt` around it. The defaults are `estimateNoise` of the real H200 CUDA-graph decode data
 * shipped in test/fixtures/data/h200-graph-decode.jsonl (32 launches in 3 arms, 32 prompts each:
 * launch CV 0.30–0.64% by arm, pooled 0.544%; per-prompt CV 0.53–0.71%, pooled 0.629%), rounded up.
 * Per-prompt differences are modelled as noise although a block's arms share their group (so fixed
 * prompt effects cancel): that errs on the expensive side. Measure your own pool with `--noise`.
 */
export interface NoiseModel {
  cvBetween: number;
  cvPrompt: number;
}
export const DEFAULT_NOISE: NoiseModel = { cvBetween: 0.0055, cvPrompt: 0.0063 };

export interface OperatingRow {
  /** True effect in units of δ (0, 1, 1.5, 2, 3). */
  effect: number;
  pFaster: number;
  pSlower: number;
  pTie: number;
  pUnresolved: number;
  /** Probability that the run stops at each look. */
  stopAt: number[];
}

export const EFFECTS = [0, 1, 1.5, 2, 3] as const;

/** Nominal incumbent speed of the simulation; every quantity is relative, so its value does not matter. */
const BASE_TPS = 100;

/** One simulated launch: its group's per-prompt speeds around a launch level drawn from the noise. */
function simulateLaunch(rng: Rng, level: number, d: PlanDesign, noise: NoiseModel): number[] {
  const launchLevel = level * (1 + noise.cvBetween * rng.normal());
  const runs: number[] = [];
  for (let p = 0; p < d.repeats * d.promptsPerGroup; p++)
    runs.push(launchLevel * (1 + noise.cvPrompt * rng.normal()));
  return runs;
}

/** Sorts an analysed look into the four outcomes; a "tie" only counts when the CI lies inside ±δ. */
export function outcomeOf(c: Comparison): "faster" | "slower" | "tie" | "unresolved" | "continue" {
  if (c.verdict === "faster" || c.verdict === "slower") return c.verdict;
  const inside = c.ci[0] >= -c.delta && c.ci[1] <= c.delta;
  if (c.verdict === "tie" && inside) return "tie";
  return c.look.final ? "unresolved" : "continue";
}

/**
 * One simulated /bench: blocks of one candidate and one incumbent launch, analysed with the real
 * `compare` at every planned look exactly as runner/adapters/bench.ts does (all launches so far, paired
 * by block, the challenge's alpha, δ and looks), stopping at the first look that is not inconclusive.
 * The bootstrap cross-check is skipped (bootstrapReps 0): it never changes the verdict.
 */
function simulateRun(rng: Rng, d: PlanDesign, noise: NoiseModel, effect: number) {
  const candidateLevel = BASE_TPS * (1 + effect * d.minEffect);
  const launches: Launch[] = [];
  let block = 0;
  for (const [lookIndex, look] of d.looks.entries()) {
    for (; block < look; block++) {
      launches.push({
        arm: "incumbent",
        launch: `${block}-i`,
        block,
        runs: simulateLaunch(rng, BASE_TPS, d, noise),
      });
      launches.push({
        arm: "candidate",
        launch: `${block}-c`,
        block,
        runs: simulateLaunch(rng, candidateLevel, d, noise),
      });
    }
    const c = compare(launches, {
      alpha: d.alpha,
      minEffect: { kind: "relative", value: d.minEffect },
      looks: d.looks,
      bootstrapReps: 0,
    });
    const outcome = outcomeOf(c);
    if (outcome !== "continue") return { outcome, look: lookIndex };
  }
  return { outcome: "unresolved" as const, look: d.looks.length - 1 };
}

/** P(faster), P(slower), P(tie), P(unresolved) and the stopping look at one true effect. */
export function operatingAt(
  d: PlanDesign,
  noise: NoiseModel,
  effect: number,
  reps: number,
  seed: number,
): OperatingRow {
  const rng = seededRng(seed);
  const counts = { faster: 0, slower: 0, tie: 0, unresolved: 0 };
  const stops = d.looks.map(() => 0);
  for (let r = 0; r < reps; r++) {
    const { outcome, look } = simulateRun(rng, d, noise, effect);
    counts[outcome]++;
    stops[look]!++;
  }
  return {
    effect,
    pFaster: counts.faster / reps,
    pSlower: counts.slower / reps,
    pTie: counts.tie / reps,
    pUnresolved: counts.unresolved / reps,
    stopAt: stops.map((s) => s / reps),
  };
}

/** The operating table at 0, δ, 1.5δ, 2δ and 3δ; each effect gets its own seeded stream. */
export function operatingTable(d: PlanDesign, noise: NoiseModel, reps: number, seed: number): OperatingRow[] {
  return EFFECTS.map((e, i) => operatingAt(d, noise, e, reps, seed + i));
}

/** Binomial standard error of a simulated probability. */
export function simulationSe(p: number, reps: number): number {
  return Math.sqrt(Math.max(p * (1 - p), 1 / reps) / reps);
}
