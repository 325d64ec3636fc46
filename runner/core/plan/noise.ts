import { varianceComponents } from "../stats/health.ts";
import { DEFAULT_FIELDS, type SampleFields } from "../stats/samples.ts";
import type { NoiseModel } from "./operating.ts";

export interface NoiseEstimate extends NoiseModel {
  /** Per arm: launches, runs per launch and its two CVs. */
  arms: { arm: string; launches: number; runsPerLaunch: number; cvBetween: number; cvPrompt: number }[];
  /** Where cvBetween comes from: paired block differences when the input has blocks, else the ANOVA. */
  source: "blocks" | "launches";
  /** The one-way ANOVA's launch CV (what cvBetween was before blocks were used). */
  cvBetweenAnova: number;
  /** When blocks were used: per pair of arms, the SD of the relative block differences, and the pooled SD. */
  blocks?: {
    pairs: { arms: [string, string]; blocks: number; sd: number }[];
    sd: number;
    runsPerLaunch: number;
  };
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
export function estimateNoise(text: string, fields: SampleFields = DEFAULT_FIELDS): NoiseEstimate {
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
  const cvPrompt = pooled((a) => a.cvPrompt);
  const anova = pooled((a) => a.cvBetween);
  const blocks = blockDifferences(text, fields);
  if (!blocks) return { cvBetween: anova, cvPrompt, arms, source: "launches", cvBetweenAnova: anova };
  // The simulation's block difference has variance 2·cvBetween² + 2·cvPrompt²/runs; solve for
  // cvBetween so that it reproduces the block differences the test will actually see.
  const cvBetween = Math.sqrt(Math.max(0, blocks.sd ** 2 / 2 - cvPrompt ** 2 / blocks.runsPerLaunch));
  return { cvBetween, cvPrompt, arms, source: "blocks", cvBetweenAnova: anova, blocks };
}

/** Mean speed of each arm's launch in each block: arm → block → runs (lines without a block are skipped). */
function byBlock(text: string, fields: SampleFields): Map<string, Map<string, number[]>> {
  const out = new Map<string, Map<string, number[]>>();
  for (const line of text.split("\n")) {
    if (!line.trim()) continue;
    const o = JSON.parse(line) as Record<string, unknown>;
    const block = o[fields.block];
    if (block === undefined || block === null) continue;
    const arm = String(o[fields.arm]);
    const blocks = out.get(arm) ?? new Map<string, number[]>();
    blocks.set(String(block), [...(blocks.get(String(block)) ?? []), o[fields.tps] as number]);
    out.set(arm, blocks);
  }
  return out;
}

const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

/**
 * The paired-block noise: for every pair of arms, the relative difference of their launches' means in
 * each block they share, its SD across blocks (so a real, constant effect between arms does not
 * count), pooled over pairs by degrees of freedom. Undefined when no pair shares 3 blocks.
 */
export function blockDifferences(
  text: string,
  fields: SampleFields = DEFAULT_FIELDS,
): NoiseEstimate["blocks"] {
  const arms = [...byBlock(text, fields)].sort(([a], [z]) => (a < z ? -1 : a > z ? 1 : 0));
  const pairs: { arms: [string, string]; blocks: number; sd: number }[] = [];
  let ss = 0;
  let df = 0;
  let runs = 0;
  let launches = 0;
  for (const [, blocksA] of arms)
    for (const [, runsA] of blocksA) {
      runs += runsA.length;
      launches++;
    }
  arms.forEach(([a, blocksA], i) => {
    for (const [b, blocksB] of arms.slice(i + 1)) {
      const d: number[] = [];
      for (const [k, runsA] of blocksA) {
        const runsB = blocksB.get(k);
        if (runsB) d.push(mean(runsA) / mean(runsB) - 1);
      }
      if (d.length < 3) continue;
      const m = mean(d);
      const s2 = d.reduce((s, x) => s + (x - m) ** 2, 0) / (d.length - 1);
      pairs.push({ arms: [a, b], blocks: d.length, sd: Math.sqrt(s2) });
      ss += s2 * (d.length - 1);
      df += d.length - 1;
    }
  });
  if (!pairs.length) return undefined;
  return { pairs, sd: Math.sqrt(ss / df), runsPerLaunch: runs / launches };
}
