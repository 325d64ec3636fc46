import { randomBytes } from "node:crypto";
import { SERVED_NAME } from "../core/engine-args.ts";
import type { CompletionRequest, CompletionResponse } from "../core/protocol/openai.ts";
import type { Challenge } from "../core/schema/challenge.ts";
import { topTwoGap } from "../core/plain-decode.ts";

/**
 * The two request shapes the runner sends an engine, in one place: the timed greedy stream and the
 * scoring request (prompt logprobs of a reference continuation). The reference, the timed launches
 * and the confirmation all use these, so an engine cannot tell them apart by shape.
 */

/** A fresh cache salt per request: no engine-side prefix cache carries over between requests. */
const salt = () => randomBytes(8).toString("hex");

/** A greedy, streamed completion of exactly max_tokens (ignore_eos), returning token ids. */
export function timedRequest(ch: Challenge, ids: number[]): CompletionRequest {
  return {
    model: SERVED_NAME,
    prompt: ids,
    max_tokens: ch.metric.max_tokens,
    temperature: 0,
    seed: 0,
    ignore_eos: true,
    stream: true,
    stream_options: { include_usage: true },
    add_special_tokens: false,
    return_token_ids: true,
    cache_salt: salt(),
  };
}

/**
 * Scores `ids` (prompt + continuation): one generated token, with the logprob of every prompt token
 * and, with `top` > 0, the `top` most likely tokens at every position (the plain reference's gaps).
 */
export function scoringRequest(ids: number[], top = 0): CompletionRequest {
  return {
    model: SERVED_NAME,
    prompt: ids,
    max_tokens: 1,
    temperature: 0,
    seed: 0,
    prompt_logprobs: top,
    add_special_tokens: false,
    return_token_ids: true,
    cache_salt: salt(),
  };
}

/**
 * Negative log-likelihood of the continuation (positions from `promptLength` on) in a scoring
 * response. Throws when the engine left a position out: a silent gap would flatter perplexity.
 */
export function continuationNll(
  promptId: string,
  r: CompletionResponse,
  ids: number[],
  promptLength: number,
): number {
  const lps = r.choices[0]?.prompt_logprobs;
  if (!lps || lps.length !== ids.length)
    throw new Error(
      `prompt ${promptId}: prompt_logprobs has ${lps?.length ?? 0} entries, expected ${ids.length}`,
    );
  let nll = 0;
  for (let i = promptLength; i < ids.length; i++) {
    const e = lps[i]?.[String(ids[i])];
    if (!e || e.logprob <= -9999) throw new Error(`prompt ${promptId}: no usable logprob for position ${i}`);
    // A log-probability is at most 0: anything above (raw logits, a forged answer) would flatter
    // perplexity, so it is a protocol error, never a number to average.
    if (!(e.logprob <= 1e-6))
      throw new Error(`prompt ${promptId}: logprob ${e.logprob} at position ${i} is not a log-probability`);
    nll -= e.logprob;
  }
  return nll;
}

/**
 * The top-2 logprob gap at each continuation step (positions from `promptLength` on) of a scoring
 * response made with `top` ≥ 2. Throws when a position lacks two entries.
 */
export function continuationGaps(
  promptId: string,
  r: CompletionResponse,
  ids: number[],
  promptLength: number,
): number[] {
  const lps = r.choices[0]?.prompt_logprobs;
  if (!lps || lps.length !== ids.length)
    throw new Error(
      `prompt ${promptId}: prompt_logprobs has ${lps?.length ?? 0} entries, expected ${ids.length}`,
    );
  const gaps: number[] = [];
  for (let i = promptLength; i < ids.length; i++) {
    const gap = topTwoGap(Object.values(lps[i] ?? {}));
    if (gap === null) throw new Error(`prompt ${promptId}: no top-2 logprobs at position ${i}`);
    gaps.push(gap);
  }
  return gaps;
}
