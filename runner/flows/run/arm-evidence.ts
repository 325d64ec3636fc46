import type { PromptSet } from "../reference.ts";
import { subset } from "./block-plan.ts";

/**
 * What an arm's launches showed of its quality, gathered over the run: with prompt groups a launch
 * decodes only its group, so an arm's verification covers the union of the groups it ran (every
 * prompt once the groups have rotated). Every timed output counts, not just the first launch's.
 */
export interface ArmEvidence {
  /** Per prompt the output that is verified: the one furthest from the truth of all it decoded. */
  outputs: Map<string, number[]>;
  /** Perplexity terms of the scored launches (each group is scored once per arm). */
  scoring: { nll: number; n: number }[];
}

export const emptyEvidence = (): ArmEvidence => ({ outputs: new Map(), scoring: [] });

export const sameTokens = (a: readonly number[] | undefined, b: readonly number[]) =>
  a !== undefined && a.length === b.length && a.every((t, i) => t === b[i]);

/**
 * How far one output is from the truth for its prompt: 0 identical (or no truth to hold it to),
 * 1 a divergence verification may excuse (a near-tie), 2 a divergence it cannot.
 */
export type Severity = (id: string, tokens: readonly number[]) => number;

/** The severity against plain outputs with no near-tie information: any difference counts fully. */
export function exactSeverity(truth: ReadonlyMap<string, readonly number[]>): Severity {
  return (id, tokens) => {
    const reference = truth.get(id);
    return reference === undefined || sameTokens(reference, tokens) ? 0 : 2;
  };
}

/**
 * Adds one launch's outputs and scoring. Per prompt, every output the launch decoded (its first
 * timed pass, and `variants`: the other passes that differed from it) competes with the one on
 * file, and the one furthest from the truth is kept (the earlier on a tie): a later exact pass or
 * launch of the same prompt must never hide an earlier wrong one, whichever came first. The truth
 * is the arm's own plain decode when the run has one (a quantized submission honestly differs from
 * the baseline, and its later launches must still be held to its own decode), else the baseline's
 * reference outputs.
 */
export function absorbEvidence(
  e: ArmEvidence,
  outputs: ReadonlyMap<string, number[]>,
  scoring: readonly { nll: number; n: number }[] | undefined,
  severity: Severity,
  variants?: ReadonlyMap<string, readonly number[][]>,
): void {
  for (const [id, first] of outputs) {
    const kept = e.outputs.get(id);
    let best = kept;
    let worst = kept === undefined ? -1 : severity(id, kept);
    for (const tokens of [first, ...(variants?.get(id) ?? [])]) {
      const s = severity(id, tokens);
      if (s > worst) [best, worst] = [tokens, s];
    }
    e.outputs.set(id, best!);
  }
  if (scoring) e.scoring.push(...scoring);
}

/** The part of the prompt set the arm has decoded so far: what its quality is judged on. */
export function coveredSet(set: PromptSet, e: ArmEvidence): PromptSet {
  return subset(set, new Set(e.outputs.keys()));
}
