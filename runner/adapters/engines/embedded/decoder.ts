import type { LlamaContextSequence, Token } from "node-llama-cpp";

/**
 * Greedy decoding on node-llama-cpp sequences: plain, and speculative with a draft model.
 * Hand-written because node-llama-cpp's built-in draft predictor (3.22.1, and 3.21.1 which we use) accepts at most one draft
 * token per step (its validated-token list is never filled), which makes it slower than plain decoding.
 */
export interface DecodeOptions {
  maxTokens: number;
  /** Called with each group of tokens as soon as it is final (one token, or several accepted drafts). */
  onTokens(tokens: number[]): void;
}

export interface Draft {
  sequence: LlamaContextSequence;
  tokens: number;
  /** `exact` keeps greedy output identical; `top2` also accepts a draft token in the target's top 2 (lossy). */
  acceptance: "exact" | "top2";
}

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
  o.onTokens([last]);
  emitted++;
  while (emitted < o.maxTokens) {
    stats.steps++;
    const k = Math.min(draft.tokens, o.maxTokens - emitted - 1);
    // Draft k tokens greedily.
    const drafts: number[] = [];
    if (k > 0) {
      // The generator evaluates a yielded token only when asked for the next one, so after k
      // tokens the draft has seen last, d1..d(k-1).
      for await (const d of draft.sequence.evaluate([...draftPending, last] as Token[], {
        temperature: 0,
        yieldEogToken: true,
      })) {
        drafts.push(d as number);
        if (drafts.length >= k) break;
      }
      draftPending = [];
    } else {
      draftPending.push(last);
    }
    stats.drafted += drafts.length;
    // Verify: the target scores last, d1..dk in one batch.
    const input = [last, ...drafts];
    const wantTop = draft.acceptance === "top2";
    const out = await target.controlledEvaluate(
      input.map((t) => [
        t as Token,
        {
          generateNext: {
            token: true,
            options: { temperature: 0 },
            ...(wantTop ? { probabilities: true } : {}),
          },
        },
      ]),
    );
    const accepted: number[] = [];
    let correction: number | undefined;
    for (let i = 0; i <= drafts.length; i++) {
      const next = out[i]!.next;
      const t = next.token as number;
      if (i === drafts.length) {
        correction = t; // bonus token after all drafts were accepted
        break;
      }
      const d = drafts[i]!;
      // probabilities is sorted from the most to the least likely token.
      const ok =
        d === t ||
        (wantTop &&
          next.probabilities !== undefined &&
          [...next.probabilities.keys()].slice(0, 2).includes(d as Token));
      if (ok) accepted.push(d);
      else {
        correction = t;
        break;
      }
    }
    stats.accepted += accepted.length;
    // Roll back what was rejected: the target evaluated last + all drafts.
    const rejected = drafts.length - accepted.length;
    if (rejected > 0) {
      const end = target.nextTokenIndex;
      await target.eraseContextTokenRanges([{ start: end - rejected, end }]);
      // The draft evaluated last, d1..d(k-1); keep last, d1..d(accepted).
      const dEnd = draft.sequence.nextTokenIndex;
      const dKeep = accepted.length; // of d1..d(k-1), keep the accepted ones
      const dRemove = Math.max(0, drafts.length - 1 - dKeep);
      if (dRemove > 0) await draft.sequence.eraseContextTokenRanges([{ start: dEnd - dRemove, end: dEnd }]);
    } else if (drafts.length > 0) {
      draftPending = [drafts[drafts.length - 1]!]; // the draft never evaluated its own last proposal
    }
    const group = [...accepted, correction!].slice(0, o.maxTokens - emitted);
    o.onTokens(group);
    emitted += group.length;
    last = correction!;
  }
  return stats;
}
