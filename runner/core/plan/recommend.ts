import {
  expectedCost,
  lookCosts,
  verificationMinutes,
  type Fleet,
  type LookCost,
  type PlanDesign,
} from "./cost.ts";
import { operatingTable, simulationSe, type NoiseModel, type OperatingRow } from "./operating.ts";

export interface PlanResult {
  design: PlanDesign;
  looks: LookCost[];
  operating: OperatingRow[];
  /** Expected cost per verdict at the worst simulated true effect (usually δ, where runs go longest). */
  expected: { gpuMinutes: number; wallMinutes: number };
}

/** Analyses one design on one fleet: costs by look, operating table, expected cost per verdict. */
export function planDesign(
  d: PlanDesign,
  f: Fleet,
  noise: NoiseModel,
  reps: number,
  seed: number,
): PlanResult {
  const looks = lookCosts(d, f);
  const operating = operatingTable(d, noise, reps, seed);
  return { design: d, looks, operating, expected: worstExpected(looks, operating) };
}

/** The highest expected cost over the simulated effects: a budget has to hold whatever the submission. */
export function worstExpected(looks: readonly LookCost[], operating: readonly OperatingRow[]) {
  const costs = operating.map((row) => expectedCost(looks, row.stopAt));
  return {
    gpuMinutes: Math.max(...costs.map((c) => c.gpuMinutes)),
    wallMinutes: Math.max(...costs.map((c) => c.wallMinutes)),
  };
}

/**
 * The design's error-rate goals: P(faster | true effect +δ) ≤ α/2, not significantly exceeded given
 * the simulation's own standard error (it sits near α/2 by construction of the per-look alpha), and
 * power P(faster | 2δ) ≥ 80%.
 */
export function meetsGoals(d: PlanDesign, operating: readonly OperatingRow[], reps: number): boolean {
  const atDelta = operating.find((r) => r.effect === 1);
  const atTwo = operating.find((r) => r.effect === 2);
  if (!atDelta || !atTwo) return false;
  const falseWin = atDelta.pFaster - 1.96 * simulationSe(atDelta.pFaster, reps) <= d.alpha / 2;
  return falseWin && atTwo.pFaster >= 0.8;
}

/**
 * Look schedules the search tries. Multi-look schedules are limited to those whose per-look alpha is
 * calibrated in runner/core/stats/sequential.ts's table: any other would be re-calibrated by
 * simulation inside every `compare` call, which is far too slow for a search.
 */
export const LOOK_SCHEDULES: readonly (readonly number[])[] = [
  [4, 8],
  [6, 12],
  [6, 12, 18],
  ...[4, 6, 8, 10, 12, 14, 16, 20, 24].map((k) => [k]),
];

export interface Budget {
  /** GPU minutes per verdict (expected), if the challenge states one. */
  gpuMinutes?: number;
}

/**
 * The cheapest design (by expected GPU minutes, then wall minutes) over prompts per group and look
 * schedules that fits the job cap and budget on every fleet and meets the error-rate goals. Designs are
 * ranked by their cost bound first, and simulated cheapest first until one passes.
 */
export function recommend(
  base: PlanDesign,
  fleets: readonly Fleet[],
  noise: NoiseModel,
  budget: Budget,
  reps: number,
  seed: number,
): PlanResult | undefined {
  const groups = [1, 2, 4, 8, 16, 32, 64, 128].filter((g) => g <= base.prompts);
  const candidates: PlanDesign[] = [];
  for (const g of groups)
    for (const looks of LOOK_SCHEDULES) candidates.push({ ...base, promptsPerGroup: g, looks });
  const fits = candidates.filter((d) => fleets.every((f) => lookCosts(d, f).every((l) => l.fitsCap)));
  // Cheapest possible expected cost is the first look's; sort on it to simulate the likeliest first.
  const bound = (d: PlanDesign) => lookCosts(d, fleets[0]!)[0]!.gpuMinutes;
  fits.sort((a, z) => bound(a) - bound(z));
  let best: PlanResult | undefined;
  for (const d of fits) {
    if (best && bound(d) >= best.expected.gpuMinutes) break;
    if (budget.gpuMinutes !== undefined && bound(d) > budget.gpuMinutes) break;
    const r = planDesign(d, fleets[0]!, noise, reps, seed);
    if (!meetsGoals(d, r.operating, reps)) continue;
    if (budget.gpuMinutes !== undefined && !withinBudget(d, fleets, r.operating, budget.gpuMinutes)) continue;
    if (!best || r.expected.gpuMinutes < best.expected.gpuMinutes) best = r;
  }
  return best;
}

/**
 * Expected GPU minutes per verdict on one fleet with verification counted: the blocks at the worst
 * simulated effect, plus the scorer launch every run pays; and, separately, the plain-decode reference
 * a new commit adds once (cached by commit afterwards, so a re-run does not pay it).
 */
export function verdictCost(d: PlanDesign, f: Fleet, operating: readonly OperatingRow[]) {
  const blocks = worstExpected(lookCosts(d, f), operating).gpuMinutes;
  const v = verificationMinutes(d, f);
  return { blocks, perRun: blocks + v.scorerPerRun, newCommit: blocks + v.scorerPerRun + v.plainPerCommit };
}

/** The budget holds at every speed given (blocks and the per-run scorer; see verdictCost). */
export function withinBudget(
  d: PlanDesign,
  fleets: readonly Fleet[],
  operating: readonly OperatingRow[],
  gpuMinutes: number,
): boolean {
  return fleets.every((f) => verdictCost(d, f, operating).perRun <= gpuMinutes);
}
