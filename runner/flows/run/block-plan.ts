import { groupOfBlock, groupSize, promptGroups } from "../../core/plan/groups.ts";
import type { Challenge } from "../../core/schema/challenge.ts";
import { blockOrder, type Arm } from "../../core/stats/design.ts";
import { corpusPerplexity, type PromptItem } from "../../core/verify.ts";
import type { Contender, PromptSet } from "../reference.ts";

/**
 * What each block runs: the seeded arm order and the prompt group both its launches decode. A pure
 * function of the options, so a worker process given a share of the blocks plans them exactly as
 * the single process would (runner/core/plan/groups.ts says why groups keep the analysis valid).
 */

/** One launch to make: which arm, where in the design, on which prompts, scored or not. */
export interface LaunchPlan {
  arm: Arm;
  contender: Contender;
  block: number;
  position: number;
  set: PromptSet;
  score: boolean;
  /** The block's prompt group: absent when the challenge does not group prompts, and off the design. */
  group?: number;
  /** Index of each public prompt, for the record's per-prompt timings. */
  indexOf?: ReadonlyMap<string, number>;
  /** The worker (or runner) that runs the block, when blocks are shared out. */
  machine?: string;
  /** Prompts whose reversal warms the engine up (default: the set's); the confirmation uses its group's. */
  warmup?: PromptItem[];
}

export interface BlockDesign {
  order: Arm[][];
  /** Prompt groups as public prompt sets (one group of every prompt when the challenge has none). */
  groups: PromptSet[];
  /** `promptsPerGroup` for the record's design; absent when the challenge does not group prompts. */
  promptsPerGroup?: number;
  indexOf: ReadonlyMap<string, number>;
}

/** A subset of a prompt set with the reference lines of its prompts and their own perplexity. */
export function subset(set: PromptSet, ids: ReadonlySet<string>): PromptSet {
  if (ids.size === set.prompts.length && set.prompts.every((p) => ids.has(p.id))) return set;
  const prompts = set.prompts.filter((p) => ids.has(p.id));
  const lines = [...set.reference.values()].filter((l) => ids.has(l.id));
  return {
    prompts,
    reference: new Map(lines.map((l) => [l.id, l])),
    referencePpl: lines.length ? corpusPerplexity(lines) : set.referencePpl,
  };
}

/** The block order and prompt groups of a run of up to `maxBlocks` blocks. */
export function designBlocks(ch: Challenge, pub: PromptSet, seed: number, maxBlocks: number): BlockDesign {
  const n = pub.prompts.length;
  const perGroup = ch.significance.prompts_per_group;
  const groups = promptGroups(n, groupSize(perGroup, n), seed).map((idx) =>
    subset(pub, new Set(idx.map((i) => pub.prompts[i]!.id))),
  );
  return {
    order: blockOrder(maxBlocks, seed),
    groups,
    ...(perGroup !== undefined ? { promptsPerGroup: groupSize(perGroup, n) } : {}),
    indexOf: new Map(pub.prompts.map((p, i) => [p.id, i])),
  };
}

/**
 * The two launches of one block, in its order, on its group. A launch is scored (perplexity of the
 * reference continuation) when it is its arm's first run of that group, i.e. in the first round of
 * groups: over a run every prompt gets scored once per arm, whichever process runs the block.
 */
export function blockPlans(
  d: BlockDesign,
  arms: { candidate: Contender; incumbent: Contender },
  block: number,
  machine?: string,
): LaunchPlan[] {
  const group = groupOfBlock(block, d.groups.length);
  return d.order[block]!.map((arm, position) => ({
    arm,
    contender: arms[arm],
    block,
    position,
    set: d.groups[group]!,
    score: block < d.groups.length,
    ...(d.promptsPerGroup !== undefined ? { group } : {}),
    indexOf: d.indexOf,
    ...(machine !== undefined ? { machine } : {}),
  }));
}
