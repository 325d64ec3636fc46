import { seededRng, seedFrom, shuffle } from "../stats/rng.ts";

/**
 * Prompt groups: a launch decodes one group of the public prompts instead of all of them, because
 * between-launch variance dominates a launch mean (issue 12) and a smaller group makes each launch,
 * and so each block, cheaper. Pure: the groups are a function of the prompt count, the group size
 * and the run's seed, so the publish job recomputes them from the record alone.
 *
 * - The prompts are permuted with a seed derived from the run's seed, then cut into groups of
 *   exactly `perGroup` prompts. When the count does not divide evenly, the last group wraps around
 *   and takes its missing prompts from the start of the permutation: every group has the same
 *   size, so launch means of different blocks stay comparable.
 * - Block b runs group b mod G, for both arms. Groups rotate across blocks, so after G blocks every
 *   prompt has been timed (and verified) for each arm.
 *
 * Why the analysis stays valid: a block's paired difference is candidate − incumbent on the same
 * group, so the group's own speed (longer prompts decode slower) is in both terms and cancels; a
 * prompt × arm interaction (speculative decoding helping some prompts more) stays in the block
 * differences as extra spread, which the paired CI measures. test/unit/prompt-groups.test.ts shows
 * both on simulated launches.
 */

/** How many groups `prompts` prompts form at `perGroup` a group (one group when perGroup ≥ prompts). */
export function groupCount(prompts: number, perGroup: number): number {
  if (prompts <= 0) return 0;
  return Math.ceil(prompts / Math.min(Math.max(1, perGroup), prompts));
}

/**
 * The groups, as indices into the prompt set. With one group (no grouping) the prompts keep their
 * file order, so a challenge without `prompts_per_group` runs exactly as before groups existed.
 */
export function promptGroups(prompts: number, perGroup: number, seed: number): number[][] {
  const all = Array.from({ length: prompts }, (_, i) => i);
  const g = groupCount(prompts, perGroup);
  if (g <= 1) return [all];
  const size = Math.min(perGroup, prompts);
  const order = shuffle(all, seededRng(seedFrom(`prompt-groups:${seed}`)));
  return Array.from({ length: g }, (_, k) =>
    Array.from({ length: size }, (_, j) => order[(k * size + j) % prompts]!),
  );
}

/** The group a block runs (both arms): groups rotate across blocks. */
export function groupOfBlock(block: number, groups: number): number {
  return groups > 0 ? block % groups : 0;
}

/** The prompt group size a challenge asks for, capped at the prompt set's size. */
export function groupSize(promptsPerGroup: number | undefined, prompts: number): number {
  return Math.min(prompts, promptsPerGroup ?? prompts);
}
