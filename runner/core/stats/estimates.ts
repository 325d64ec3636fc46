import tQuantile from "@stdlib/stats-base-dists-t-quantile";
import type { LaunchRecord } from "../schema/run-record.ts";
import { mean, sd } from "./basic.ts";

/**
 * Per-run estimates the site and the reports read from a run record: the mean of each launch's
 * timed passes, one arm's speed with a t interval, and the per-block differences of an A/A run.
 * Computed here once, so every page agrees on the same numbers.
 */

export type Arm = "candidate" | "incumbent";

/** What these helpers read of a run: its launches' arm, block and timed passes. */
export interface LaunchesOf {
  launches: readonly Pick<LaunchRecord, "arm" | "block" | "runs">[];
}

/** One launch's speed: the mean of its timed passes (tok/s). */
export function launchMean(launch: Pick<LaunchRecord, "runs">): number {
  return mean(launch.runs);
}

/** The launch means of one arm of a run, in launch order. */
export function launchMeans(run: LaunchesOf, arm: Arm): number[] {
  return run.launches.filter((l) => l.arm === arm).map(launchMean);
}

export interface ArmEstimate {
  estimate: number;
  ci: [number, number];
  launches: number[];
}

/** Mean of launch means with a 95% t interval: one submission's speed with its uncertainty. */
export function armEstimate(run: LaunchesOf, arm: Arm): ArmEstimate | undefined {
  const means = launchMeans(run, arm);
  if (!means.length) return undefined;
  const m = mean(means);
  if (means.length < 2) return { estimate: m, ci: [m, m], launches: means };
  const h = tQuantile(0.975, means.length - 1) * (sd(means) / Math.sqrt(means.length));
  return { estimate: m, ci: [m - h, m + h], launches: means };
}

/** Candidate and incumbent launch means of each block that has both arms (block order of first sight). */
function blockPairs(run: LaunchesOf): { c: number; i: number }[] {
  const byBlock = new Map<number, { c?: number; i?: number }>();
  for (const l of run.launches) {
    const b = byBlock.get(l.block) ?? {};
    if (l.arm === "candidate") b.c = launchMean(l);
    else b.i = launchMean(l);
    byBlock.set(l.block, b);
  }
  const pairs: { c: number; i: number }[] = [];
  for (const b of byBlock.values())
    if (b.c !== undefined && b.i !== undefined) pairs.push({ c: b.c, i: b.i });
  return pairs;
}

/** Candidate minus incumbent launch mean for each block that has both arms (block order of first sight). */
export function blockDifferences(run: LaunchesOf): number[] {
  return blockPairs(run).map((p) => p.c - p.i);
}

/**
 * Relative difference of each block, log(candidate / incumbent): scale-free, so runner noise reads
 * the same at 300 and at 500 tok/s (0.01 ≈ 1%). Blocks with a non-positive speed are left out.
 */
export function relativeBlockDifferences(run: LaunchesOf): number[] {
  return blockPairs(run)
    .filter((p) => p.c > 0 && p.i > 0)
    .map((p) => Math.log(p.c / p.i));
}

/** Sample standard deviation that reads 0 (not NaN) below two values: a noise floor with no spread yet. */
export function spread(xs: readonly number[]): number {
  return xs.length < 2 ? 0 : sd(xs);
}
