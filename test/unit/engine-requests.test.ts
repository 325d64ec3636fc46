import { describe, expect, it } from "vitest";
import type { CompletionResponse } from "../../runner/core/protocol/openai.ts";
import { continuationNll } from "../../runner/flows/engine-requests.ts";

/** A scoring answer whose prompt logprobs give `lp` to each token of `ids` (the first has none). */
function answer(ids: number[], lp: (i: number) => number): CompletionResponse {
  const prompt_logprobs = ids.map((t, i) => (i === 0 ? null : { [String(t)]: { logprob: lp(i) } }));
  return {
    id: "c",
    object: "text_completion",
    created: 0,
    model: "velodrome",
    choices: [{ index: 0, text: "", finish_reason: "length", prompt_logprobs }],
    usage: { prompt_tokens: ids.length, total_tokens: ids.length + 1, completion_tokens: 1 },
  };
}

describe("continuation NLL from a scoring answer", () => {
  const ids = [1, 2, 3, 4];

  it("sums the negative logprobs of the continuation", () => {
    expect(
      continuationNll(
        "p",
        answer(ids, () => -0.5),
        ids,
        2,
      ),
    ).toBeCloseTo(1, 12);
  });

  it("refuses a positive 'logprob' (raw logits or a forged answer would flatter perplexity)", () => {
    expect(() =>
      continuationNll(
        "p",
        answer(ids, (i) => (i === 3 ? 2.5 : -0.5)),
        ids,
        2,
      ),
    ).toThrow(/logprob 2.5 at position 3 is not a log-probability/);
  });
});
