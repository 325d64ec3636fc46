import { varianceComponents } from "../stats/health.ts";
import { DEFAULT_FIELDS, type SampleFields } from "../stats/samples.ts";
import type { NoiseModel } from "./operating.ts";

export interface NoiseEstimate extends NoiseModel {
  /** Per arm: launches, runs per launch and its two CVs. */
  arms: { arm: string; launches: number; runsPerLaunch: number; cvBetween: number; cvPrompt: number }[];
}

export class NoiseError extends Error {}

/** Groups samples JSONL (the `compare` input: arm, launch, tps; several lines per launch) by arm and launch. */
export function groupSamples(
  text: string,
  fields: SampleFields = DEFAULT_FIELDS,
): Map<string, Map<string, number[]>> {
  const arms = new Map<string, Map<string, number[]>>();
  text.split("\n").forEach((line, i) => {
    if (!line.trim()) return;
    const o = JSON.parse(line) as Record<string, unknown>;
    const tps = o[fields.tps];
    if (
      typeof tps !== "number" ||
      !(tps > 0) ||
      o[fields.arm] === undefined ||
      o[fields.launch] === undefined
    )
      throw new NoiseError(
        `line ${i + 1}: need ${fields.arm}, ${fields.launch} and a positive ${fields.tps}`,
      );
    const arm = String(o[fields.arm]);
    const launches = arms.get(arm) ?? new Map<string, number[]>();
    const runs = launches.get(String(o[fields.launch])) ?? [];
    runs.push(tps);
    launches.set(String(o[fields.launch]), runs);
    arms.set(arm, launches);
  });
  return arms;
}

/**
 * Between-launch and per-prompt CV from samples: a one-way random-effects ANOVA per arm
 * (runner/core/stats/health.ts), pooled over arms as the root mean square weighted by launches,
 * since arms differ in speed but share the machine's noise.
 */
export function estimateNoise(text: string, fields?: SampleFields): NoiseEstimate {
  const arms = [...groupSamples(text, fields)].map(([arm, launches]) => {
    const vc = varianceComponents([...launches.values()]);
    return {
      arm,
      launches: vc.launches,
      runsPerLaunch: vc.runsPerLaunch,
      cvBetween: vc.cvBetween,
      cvPrompt: vc.cvWithin,
    };
  });
  const usable = arms.filter((a) => a.launches >= 2 && a.runsPerLaunch >= 2);
  if (!usable.length)
    throw new NoiseError("need at least one arm with 2 launches of 2 timed runs each to estimate noise");
  const weight = usable.reduce((s, a) => s + a.launches, 0);
  const pooled = (pick: (a: (typeof usable)[number]) => number) =>
    Math.sqrt(usable.reduce((s, a) => s + a.launches * pick(a) ** 2, 0) / weight);
  return { cvBetween: pooled((a) => a.cvBetween), cvPrompt: pooled((a) => a.cvPrompt), arms };
}
