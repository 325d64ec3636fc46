import type { PromptSet } from "./reference.ts";
import { subset } from "./block-plan.ts";

/**
 * What an arm's launches showed of its quality, gathered over the run: with prompt groups a launch
 * decodes only its group, so an arm's verification covers the union of the groups it ran (every
 * prompt once the groups have rotated). Every timed output counts, not just the first launch's.
 */
export interface ArmEvidence {
  /** Per prompt the output that is verified: one that disagrees with the reference, if any did. */
  outputs: Map<string, number[]>;
  /** Perplexity terms of the scored launches (each group is scored once per arm). */
  scoring: { nll: number; n: number }[];
}

export const emptyEvidence = (): ArmEvidence => ({ outputs: new Map(), scoring: [] });

const same = (a: readonly number[] | undefined, b: readonly number[]) =>
  a !== undefined && a.length === b.length && a.every((t, i) => t === b[i]);

/**
 * Adds one launch's outputs and scoring. An output already on file that disagrees with the truth
 * is kept: a later exact launch of the same prompt must not hide an earlier wrong one. The truth
 * is the arm's own plain decode when the run has one (a quantized submission honestly differs
 * from the baseline, and its later launches must still be held to its own decode), else the
 * baseline's reference outputs.
 */
export function absorbEvidence(
  e: ArmEvidence,
  set: PromptSet,
  outputs: ReadonlyMap<string, number[]>,
  scoring: readonly { nll: number; n: number }[] | undefined,
  truth?: ReadonlyMap<string, readonly number[]>,
): void {
  for (const [id, tokens] of outputs) {
    const kept = e.outputs.get(id);
    const reference = truth ? truth.get(id) : set.reference.get(id)?.output;
    const keptIsWrong = kept !== undefined && reference !== undefined && !same(kept, reference);
    if (!keptIsWrong) e.outputs.set(id, tokens);
  }
  if (scoring) e.scoring.push(...scoring);
}

/** The part of the prompt set the arm has decoded so far: what its quality is judged on. */
export function coveredSet(set: PromptSet, e: ArmEvidence): PromptSet {
  return subset(set, new Set(e.outputs.keys()));
}
