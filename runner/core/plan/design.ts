import type { Challenge } from "../schema/challenge.ts";
import type { Fleet, PlanDesign } from "./cost.ts";

/**
 * The design a challenge states. Without `prompts_per_group` every launch decodes all public prompts
 * (the design before prompt groups). An absolute δ (tok/s) is turned into a fraction of `tps`.
 */
export function designOf(ch: Challenge, prompts: number, tps: number): PlanDesign {
  const sig = ch.significance;
  const minEffect = sig.min_effect.kind === "relative" ? sig.min_effect.value : sig.min_effect.value / tps;
  return {
    prompts,
    promptsPerGroup: Math.min(prompts, sig.prompts_per_group ?? prompts),
    maxTokens: ch.metric.max_tokens,
    warmup: ch.metric.warmup,
    repeats: ch.metric.repeats,
    looks: sig.looks,
    launchesPerBlock: ch.metric.launches_per_block,
    alpha: sig.alpha,
    minEffect,
  };
}

/** The per-job cap: the budget's, else the challenge's job timeout. */
export function jobCapOf(ch: Challenge): number {
  return ch.significance.budget?.job_minutes ?? ch.job_timeout_minutes;
}

/** The fleet at one engine speed. */
export function fleetOf(ch: Challenge, tps: number, startupSeconds: number, runners: number): Fleet {
  return { tps, startupSeconds, runners, jobCapMinutes: jobCapOf(ch) };
}
