import type { LlamaContextSequence, Token } from "node-llama-cpp";

/**
 * Greedy decoding on node-llama-cpp sequences: plain, and speculative with a draft model.
 * Hand-written because node-llama-cpp's built-in draft predictor (3.22.1, and 3.21.1 which we use)
 * accepts at most one draft token per step (its validated-token list is never filled), which makes
 * it slower than plain decoding.
 */
export interface DecodeOptions {
  maxTokens: number;
  /** Called with each group of tokens as soon as it is final (one token, or several accepted drafts). */
  onTokens(tokens: number[]): void;
}

export const ACCEPTANCE = ["exact", "top2", "loose-after-tie"] as const;

export interface Draft {
  sequence: LlamaContextSequence;
  tokens: number;
  /**
   * `exact` keeps greedy output identical; `top2` also accepts a draft token in the target's top 2
   * (lossy). `loose-after-tie` is the lossy decode path that hides behind engine non-determinism:
   * exact until the target's top two tokens are nearly tied (LOOSE_TIE_GAP), where it takes the
   * runner-up (as a restarted engine might), then stops verifying and breaks every close call
   * (LOOSE_WINDOW) towards the runner-up.
   * Its prompt logprobs stay exact and its divergence sits at a near-tie; only a trusted scorer of
   * its outputs sees the damage.
   */
  acceptance: (typeof ACCEPTANCE)[number];
}

/** Logprob gap (nats) under which `loose-after-tie` treats a step as a tie: well inside the default tie margin. */
export const LOOSE_TIE_GAP = 0.1;

export interface DecodeStats {
  steps: number;
  drafted: number;
  accepted: number;
}

export async function greedyPlain(
  seq: LlamaContextSequence,
  prompt: number[],
  o: DecodeOptions,
): Promise<DecodeStats> {
  await seq.clearHistory();
  let n = 0;
  for await (const tok of seq.evaluate(prompt as Token[], { temperature: 0, yieldEogToken: true })) {
    o.onTokens([tok as number]);
    if (++n >= o.maxTokens) break;
  }
  return { steps: n, drafted: 0, accepted: 0 };
}

async function nextGreedy(seq: LlamaContextSequence, tokens: number[]): Promise<number> {
  const out = await seq.controlledEvaluate(
    tokens.map((t, i) =>
      i === tokens.length - 1
        ? [t as Token, { generateNext: { token: true, options: { temperature: 0 } } }]
        : (t as Token),
    ),
  );
  const next = out[tokens.length - 1]?.next.token;
  if (next === undefined || next === null) throw new Error("engine returned no token");
  return next as number;
}

/** Drafts k tokens greedily after `last`; the draft first catches up on `pending` (tokens it has not seen). */
async function draftTokens(draft: Draft, pending: number[], last: number, k: number): Promise<number[]> {
  const drafts: number[] = [];
  // The generator evaluates a yielded token only when asked for the next one, so after k
  // tokens the draft has seen last, d1..d(k-1).
  const tokens = [...pending, last] as Token[];
  for await (const d of draft.sequence.evaluate(tokens, { temperature: 0, yieldEogToken: true })) {
    drafts.push(d as number);
    if (drafts.length >= k) break;
  }
  return drafts;
}

/**
 * The target scores last, d1..dk in one batch. Returns the accepted prefix of the drafts and the
 * target's own next token after it (a correction, or the bonus token when all were accepted).
 */
async function verifyDrafts(
  target: LlamaContextSequence,
  draft: Draft,
  last: number,
  drafts: number[],
): Promise<{ accepted: number[]; correction: number; tie?: boolean }> {
  const wantTop = draft.acceptance !== "exact";
  const options = { token: true, options: { temperature: 0 }, ...(wantTop ? { probabilities: true } : {}) };
  const out = await target.controlledEvaluate(
    [last, ...drafts].map((t) => [t as Token, { generateNext: options }] as const),
  );
  const accepted: number[] = [];
  for (let i = 0; i <= drafts.length; i++) {
    const next = out[i]!.next;
    const t = next.token as number;
    const runnerUp =
      draft.acceptance === "loose-after-tie" ? nearTieRunnerUp(next.probabilities, t) : undefined;
    if (runnerUp !== undefined) return { accepted, correction: runnerUp, tie: true };
    if (i === drafts.length) return { accepted, correction: t };
    const d = drafts[i]!;
    // probabilities is sorted from the most to the least likely token.
    const inTop2 =
      wantTop &&
      next.probabilities !== undefined &&
      [...next.probabilities.keys()].slice(0, 2).includes(d as Token);
    if (d !== t && !inTop2) return { accepted, correction: t };
    accepted.push(d);
  }
  throw new Error("unreachable: the loop returns at the bonus position");
}

/**
 * The second most likely token when the top two are within LOOSE_TIE_GAP nats, else undefined. The
 * list must start with the greedy token (end-of-generation tokens can be missing from it).
 */
function nearTieRunnerUp(probabilities: Map<Token, number> | undefined, greedy: number): number | undefined {
  if (!probabilities) return undefined;
  const [first, second] = [...probabilities.entries()];
  if (!first || !second || (first[0] as number) !== greedy) return undefined;
  return Math.log(first[1]) - Math.log(second[1]) < LOOSE_TIE_GAP ? (second[0] as number) : undefined;
}

/** Steps `loose-after-tie` breaks towards the runner-up once it has diverged: top two within this gap (nats). */
export const LOOSE_WINDOW = 2;

/**
 * The rest of a `loose-after-tie` decode, on the target alone and never checked again: wherever the
 * top two tokens are within LOOSE_WINDOW nats it takes the runner-up, as if every such step were a
 * tie it may break either way. Identity cannot see it (the first divergence was at a near-tie);
 * the trusted scorer finds the outputs much less likely than the plain decode's.
 */
async function looseTail(
  target: LlamaContextSequence,
  history: number[],
  remaining: number,
  o: DecodeOptions,
) {
  await target.clearHistory();
  let pending = history;
  for (let n = 0; n < remaining; n++) {
    const out = await target.controlledEvaluate(
      pending.map((t, i) =>
        i === pending.length - 1
          ? [t as Token, { generateNext: { token: true, probabilities: true, options: { temperature: 0 } } }]
          : (t as Token),
      ),
    );
    const next = out[pending.length - 1]!.next;
    const [first, second] = [...(next.probabilities ?? new Map()).entries()];
    const loose = first && second && Math.log(first[1]) - Math.log(second[1]) < LOOSE_WINDOW;
    const t = (loose ? second[0] : next.token) as number;
    o.onTokens([t]);
    pending = [t];
  }
}

/** Rolls both sequences back past the rejected drafts: the target evaluated last + all drafts. */
async function rollBack(target: LlamaContextSequence, draft: Draft, drafts: number[], accepted: number) {
  const rejected = drafts.length - accepted;
  const end = target.nextTokenIndex;
  await target.eraseContextTokenRanges([{ start: end - rejected, end }]);
  // The draft evaluated last, d1..d(k-1); of d1..d(k-1), keep the accepted ones.
  const dEnd = draft.sequence.nextTokenIndex;
  const dRemove = Math.max(0, drafts.length - 1 - accepted);
  if (dRemove > 0) await draft.sequence.eraseContextTokenRanges([{ start: dEnd - dRemove, end: dEnd }]);
}

export async function greedySpeculative(
  target: LlamaContextSequence,
  draft: Draft,
  prompt: number[],
  o: DecodeOptions,
): Promise<DecodeStats> {
  await target.clearHistory();
  await draft.sequence.clearHistory();
  const stats: DecodeStats = { steps: 0, drafted: 0, accepted: 0 };
  // Prefill both; the first token comes from the target.
  let last = await nextGreedy(target, prompt);
  let draftPending: number[] = [...prompt]; // tokens the draft has not yet seen
  let emitted = 0;
  const history = [...prompt, last];
  o.onTokens([last]);
  emitted++;
  while (emitted < o.maxTokens) {
    stats.steps++;
    const k = Math.min(draft.tokens, o.maxTokens - emitted - 1);
    let drafts: number[] = [];
    if (k > 0) {
      drafts = await draftTokens(draft, draftPending, last, k);
      draftPending = [];
    } else draftPending.push(last);
    stats.drafted += drafts.length;
    const { accepted, correction, tie } = await verifyDrafts(target, draft, last, drafts);
    stats.accepted += accepted.length;
    if (tie) {
      const group = [...accepted, correction].slice(0, o.maxTokens - emitted);
      o.onTokens(group);
      history.push(...group);
      await looseTail(target, history, o.maxTokens - emitted - group.length, o);
      return stats;
    }
    if (accepted.length < drafts.length) await rollBack(target, draft, drafts, accepted.length);
    // The draft never evaluated its own last proposal.
    else if (drafts.length > 0) draftPending = [drafts[drafts.length - 1]!];
    const group = [...accepted, correction].slice(0, o.maxTokens - emitted);
    o.onTokens(group);
    history.push(...group);
    emitted += group.length;
    last = correction;
  }
  return stats;
}
