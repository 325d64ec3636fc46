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

/**
 * One prompt of a submission's plain-decode reference: its own greedy output with the decode-time
 * options off, and at each step the gap (nats) between the two most likely tokens there.
 */
export interface PlainLine {
  id: string;
  output: number[];
  gaps: number[];
}

/** Greedy identity of timed outputs with the submission's own plain decode, per prompt. */
export interface GreedyIdentity {
  prompts: number;
  /** Prompts that pass: identical, or diverging first where the plain decode was nearly tied. */
  passed: number;
  exact: number;
  /** Prompts that diverged at a clear decision (or came back short), with where. */
  violations: { id: string; at: number; gap: number | null }[];
  passFraction: number;
  meanPrefixFraction: number;
}

/**
 * Compares each timed output with the plain decode of the same prompt. A divergence is explained by
 * engine non-determinism only at a near-tie: the plain decode's top-2 gap at that step is below
 * `tieMargin`. Anywhere else (or a missing gap, or a short output) it is a violation.
 */
export function greedyIdentity(
  plain: ReadonlyMap<string, PlainLine>,
  outputs: ReadonlyMap<string, readonly number[]>,
  tieMargin: number,
): GreedyIdentity {
  let passed = 0;
  let exact = 0;
  let prefixSum = 0;
  const violations: GreedyIdentity["violations"] = [];
  for (const [id, ref] of plain) {
    const out = outputs.get(id) ?? [];
    const at = firstDivergence(ref.output, out);
    prefixSum += ref.output.length ? at / ref.output.length : 1;
    if (at === ref.output.length && out.length === ref.output.length) {
      exact++;
      passed++;
      continue;
    }
    const gap = at < ref.output.length && at < out.length ? (ref.gaps[at] ?? null) : null;
    if (gap !== null && gap < tieMargin) passed++;
    else violations.push({ id, at, gap });
  }
  const n = plain.size;
  return {
    prompts: n,
    passed,
    exact,
    violations,
    passFraction: n ? passed / n : 0,
    meanPrefixFraction: n ? prefixSum / n : 0,
  };
}

/** Index of the first token where two outputs differ (the shorter length if one is a prefix). */
function firstDivergence(a: readonly number[], b: readonly number[]): number {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return i;
}

/** The trusted reference's score of one prompt's output: total NLL over its n tokens. */
export interface Scored {
  nll: number;
  n: number;
}

/** Decode-path quality: the trusted reference's mean NLL of the timed outputs vs the plain-decode outputs. */
export interface OutputNll {
  prompts: number;
  /** Mean NLL per token of the timed outputs, and of the plain-decode outputs (nats). */
  nll: number;
  nllPlain: number;
  increase: number;
  /** Prompts whose own per-token increase is over the pooled bound (information). */
  worse: number;
  /**
   * The largest per-token increase of any one prompt (0 when none is worse than its plain decode).
   * Gated on its own: a divergence at a near-tie passes identity, and the pooled figure alone would
   * let a careless decode after it hide among the exact prompts.
   */
  worst: number;
}

/** Token-weighted mean NLL of the timed outputs minus that of the plain-decode outputs, per prompt too. */
export function outputNll(
  timed: ReadonlyMap<string, Scored>,
  plain: ReadonlyMap<string, Scored>,
  bound: number,
): OutputNll {
  const ids = [...timed.keys()].filter((id) => plain.has(id));
  const perToken = (xs: Scored[]) => xs.reduce((a, b) => a + b.nll, 0) / Math.max(1, sum(xs.map((x) => x.n)));
  const t = ids.map((id) => timed.get(id)!);
  const p = ids.map((id) => plain.get(id)!);
  const perPrompt = ids.map((_, i) => t[i]!.nll / Math.max(1, t[i]!.n) - p[i]!.nll / Math.max(1, p[i]!.n));
  const worse = perPrompt.filter((x) => x > bound).length;
  const worst = Math.max(0, ...perPrompt);
  const nll = perToken(t);
  const nllPlain = perToken(p);
  return { prompts: ids.length, nll, nllPlain, increase: nll - nllPlain, worse, worst };
}

const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);

/** What quality is judged from: aggregates only, so the publisher can re-judge a record from them. */
export interface QualityInputs {
  ppl: number;
  pplReference: number;
  /** Agreement with the baseline's outputs: information, a gate only when no identity check ran. */
  greedy: GreedyAgreement;
  identity?: Pick<GreedyIdentity, "prompts" | "passed" | "exact">;
  outputNll?: OutputNll;
}

export interface QualityResult {
  ok: boolean;
  ppl: number;
  pplReference: number;
  pplIncrease: number;
  greedy: GreedyAgreement;
  identity?: QualityInputs["identity"] & { ok: boolean };
  outputNll?: OutputNll & { ok: boolean };
  reasons: string[];
}

const pct = (x: number, d = 1) => `${(x * 100).toFixed(d)}%`;

/** The three checks (perplexity, identity, decode-path NLL) against the challenge's thresholds. */
export function judgeQuality(challenge: Pick<Challenge, "verification">, q: QualityInputs): QualityResult {
  const v = challenge.verification;
  const pplIncrease = q.ppl / q.pplReference - 1;
  const reasons: string[] = [];
  if (!(pplIncrease <= v.max_ppl_increase))
    reasons.push(
      `perplexity ${q.ppl.toFixed(4)} is ${pct(pplIncrease, 2)} above the reference ` +
        `${q.pplReference.toFixed(4)} (limit ${pct(v.max_ppl_increase)})`,
    );
  const identity = q.identity ? judgeIdentity(v, q.identity, reasons) : undefined;
  if (!identity) legacyGreedyGate(v, q.greedy, reasons);
  const nll = q.outputNll ? judgeOutputNll(v, q.outputNll, reasons) : undefined;
  return {
    ok: reasons.length === 0,
    ppl: q.ppl,
    pplReference: q.pplReference,
    pplIncrease,
    greedy: q.greedy,
    ...(identity ? { identity } : {}),
    ...(nll ? { outputNll: nll } : {}),
    reasons,
  };
}

type Verification = Challenge["verification"];

function judgeIdentity(v: Verification, id: NonNullable<QualityInputs["identity"]>, reasons: string[]) {
  const fraction = id.prompts ? id.passed / id.prompts : 0;
  const ok = fraction >= v.min_greedy_exact;
  if (!ok)
    reasons.push(
      `timed outputs are identical to the submission's own plain decode on ${id.passed} of ${id.prompts} ` +
        `prompts (${id.prompts - id.passed} diverged at a clear decision; need ${pct(v.min_greedy_exact)})`,
    );
  return { ...id, ok };
}

/** Records made before the plain-decode reference existed: agreement with the baseline was the gate. */
function legacyGreedyGate(v: Verification, greedy: GreedyAgreement, reasons: string[]) {
  if (greedy.exactFraction < v.min_greedy_exact)
    reasons.push(
      `greedy outputs match the reference exactly on ${greedy.exact} of ${greedy.prompts} prompts ` +
        `(${pct(greedy.exactFraction)}, need ${pct(v.min_greedy_exact)})`,
    );
  if (v.min_greedy_prefix !== undefined && greedy.meanPrefixFraction < v.min_greedy_prefix)
    reasons.push(
      `on average outputs diverge from the reference after ${pct(greedy.meanPrefixFraction)} of their ` +
        `tokens (need ${pct(v.min_greedy_prefix)})`,
    );
}

/**
 * Two gates on the trusted scorer's figures: the pooled increase over all prompts, and the worst
 * single prompt (what a careless decode after a near-tie divergence shows). A figure that is not a
 * finite number (a record that lacks it) fails.
 */
function judgeOutputNll(v: Verification, o: OutputNll, reasons: string[]) {
  const pooledOk = o.increase <= v.max_output_nll_increase;
  if (!pooledOk)
    reasons.push(
      `the reference scores the timed outputs ${o.increase.toFixed(3)} nats/token worse than the ` +
        `submission's own plain-decode outputs (limit ${v.max_output_nll_increase}; ` +
        `${o.worse} of ${o.prompts} prompts over it)`,
    );
  const promptOk = Number.isFinite(o.worst) && o.worst <= v.max_prompt_nll_increase;
  if (!promptOk)
    reasons.push(
      Number.isFinite(o.worst)
        ? `on one prompt the reference scores the timed output ${o.worst.toFixed(3)} nats/token worse ` +
            `than its plain-decode output (per-prompt limit ${v.max_prompt_nll_increase})`
        : "the record lacks the per-prompt output NLL figure, so the decode path is not verified",
    );
  return { ...o, ok: pooledOk && promptOk };
}
