import type { Challenge } from "./schema/challenge.ts";

export interface PromptItem {
  id: string;
  ids: number[]; // token ids, made by the trusted client
}

export interface GreedyAgreement {
  prompts: number;
  exact: number;
  exactFraction: number;
  meanPrefixFraction: number; // mean over prompts of (tokens before first divergence) / reference length
  firstDivergence: { id: string; at: number }[]; // prompts that diverged, with where (kept only for the public set)
}

/** Compares the timed requests' own outputs with reference greedy outputs, token by token. */
export function greedyAgreement(
  reference: ReadonlyMap<string, readonly number[]>,
  outputs: ReadonlyMap<string, readonly number[]>,
): GreedyAgreement {
  let exact = 0;
  let prefixSum = 0;
  const firstDivergence: { id: string; at: number }[] = [];
  for (const [id, ref] of reference) {
    const out = outputs.get(id) ?? [];
    let i = 0;
    while (i < ref.length && i < out.length && ref[i] === out[i]) i++;
    if (i === ref.length && out.length === ref.length) exact++;
    else firstDivergence.push({ id, at: i });
    prefixSum += ref.length ? i / ref.length : 1;
  }
  const n = reference.size;
  return {
    prompts: n,
    exact,
    exactFraction: n ? exact / n : 0,
    meanPrefixFraction: n ? prefixSum / n : 0,
    firstDivergence,
  };
}

/** Token-weighted corpus perplexity: exp(Σ NLL / Σ N). */
export function corpusPerplexity(items: readonly { nll: number; n: number }[]): number {
  const nll = items.reduce((a, b) => a + b.nll, 0);
  const n = items.reduce((a, b) => a + b.n, 0);
  return Math.exp(nll / n);
}

export interface QualityResult {
  ok: boolean;
  ppl: number;
  pplReference: number;
  pplIncrease: number;
  greedy: GreedyAgreement;
  reasons: string[];
}

export function judgeQuality(
  challenge: Pick<Challenge, "verification">,
  ppl: number,
  pplReference: number,
  greedy: GreedyAgreement,
): QualityResult {
  const v = challenge.verification;
  const pplIncrease = ppl / pplReference - 1;
  const reasons: string[] = [];
  if (!(pplIncrease <= v.max_ppl_increase))
    reasons.push(
      `perplexity ${ppl.toFixed(4)} is ${(pplIncrease * 100).toFixed(2)}% above the reference ` +
        `${pplReference.toFixed(4)} (limit ${(v.max_ppl_increase * 100).toFixed(1)}%)`,
    );
  if (greedy.exactFraction < v.min_greedy_exact)
    reasons.push(
      `greedy outputs match the reference exactly on ${greedy.exact} of ${greedy.prompts} prompts ` +
        `(${(greedy.exactFraction * 100).toFixed(1)}%, need ${(v.min_greedy_exact * 100).toFixed(1)}%)`,
    );
  if (v.min_greedy_prefix !== undefined && greedy.meanPrefixFraction < v.min_greedy_prefix)
    reasons.push(
      `on average outputs diverge from the reference after ` +
        `${(greedy.meanPrefixFraction * 100).toFixed(1)}% of their tokens ` +
        `(need ${(v.min_greedy_prefix * 100).toFixed(1)}%)`,
    );
  return { ok: reasons.length === 0, ppl, pplReference, pplIncrease, greedy, reasons };
}
