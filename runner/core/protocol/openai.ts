import { z } from "zod";

/**
 * The subset of vLLM's OpenAI-compatible `/v1/completions` contract the runner speaks, from
 * `CompletionRequest` in vllm/entrypoints/openai/completion/protocol.py and the streaming shapes
 * in completion/serving.py (see shared/reference/vllm-contract.md). Requests are strict: the
 * client may send nothing else, and the embedded engine rejects anything else, so both sides stay
 * inside what vLLM accepts. Field names and meanings are vLLM's.
 */
export const CompletionRequest = z
  .strictObject({
    model: z.string().min(1),
    prompt: z.array(z.number().int().nonnegative()).min(1), // token ids: the runner never sends text
    max_tokens: z.number().int().min(1),
    temperature: z.literal(0),
    seed: z.number().int().optional(),
    ignore_eos: z.boolean().optional(),
    stream: z.boolean().optional(),
    stream_options: z.strictObject({ include_usage: z.boolean() }).optional(),
    logprobs: z.number().int().min(0).max(20).optional(),
    prompt_logprobs: z.number().int().min(0).max(20).optional(),
    add_special_tokens: z.literal(false),
    return_token_ids: z.literal(true),
    cache_salt: z.string().min(1).optional(),
  })
  .superRefine((r, ctx) => {
    if (r.stream_options && !r.stream)
      ctx.addIssue({
        code: "custom",
        message: "stream_options requires stream: true",
        path: ["stream_options"],
      });
    if (r.prompt_logprobs !== undefined && r.stream)
      ctx.addIssue({
        code: "custom",
        message: "prompt_logprobs is rejected with stream: true",
        path: ["prompt_logprobs"],
      });
  });
export type CompletionRequest = z.infer<typeof CompletionRequest>;

const LogprobEntry = z.object({
  logprob: z.number(),
  rank: z.number().int().nullable().optional(),
  decoded_token: z.string().nullable().optional(),
});

/** Completion logprobs in the OpenAI completions shape vLLM returns. */
const ChoiceLogprobs = z
  .object({
    tokens: z.array(z.string()),
    token_logprobs: z.array(z.number().nullable()),
    top_logprobs: z.array(z.record(z.string(), z.number()).nullable()).nullable().optional(),
    text_offset: z.array(z.number()).optional(),
  })
  .nullable();

export const StreamChoice = z.object({
  index: z.number().int(),
  text: z.string(),
  logprobs: ChoiceLogprobs.optional(),
  finish_reason: z.string().nullable(),
  stop_reason: z.union([z.string(), z.number()]).nullable().optional(),
  prompt_token_ids: z.array(z.number().int()).nullable().optional(),
  token_ids: z.array(z.number().int()).nullable().optional(),
});

export const Usage = z.object({
  prompt_tokens: z.number().int(),
  total_tokens: z.number().int(),
  completion_tokens: z.number().int(),
});

export const StreamChunk = z.object({
  id: z.string(),
  object: z.literal("text_completion"),
  created: z.number().int(),
  model: z.string(),
  choices: z.array(StreamChoice),
  usage: Usage.nullable().optional(),
});
export type StreamChunk = z.infer<typeof StreamChunk>;

export const CompletionResponse = z.object({
  id: z.string(),
  object: z.literal("text_completion"),
  created: z.number().int(),
  model: z.string(),
  choices: z
    .array(
      StreamChoice.extend({
        prompt_logprobs: z.array(z.record(z.string(), LogprobEntry).nullable()).nullable().optional(),
      }),
    )
    .min(1),
  usage: Usage,
});
export type CompletionResponse = z.infer<typeof CompletionResponse>;

export const ModelsResponse = z.object({
  object: z.literal("list"),
  data: z.array(z.object({ id: z.string(), object: z.literal("model") }).passthrough()).min(1),
});

/** vLLM's error body (ErrorResponse). */
export const ErrorResponse = z
  .object({
    object: z.literal("error").optional(),
    message: z.string(),
    type: z.string(),
    code: z.number().int().optional(),
  })
  .passthrough();

/** What the trusted client measured for one streamed request. Times are ms from performance.now(). */
export interface StreamMeasurement {
  tokens: number[];
  promptTokenIds: number[] | undefined;
  start: number;
  firstTokenAt: number;
  lastTokenAt: number;
  end: number;
  /** Time between consecutive token-carrying chunks (one chunk may carry several tokens). */
  interChunkMs: number[];
  chunks: number;
  serverReportedTokens?: number;
  /** Client CPU time between the first and last byte: the harness's own footprint on the timed decode. */
  clientCpuDuringStreamUs: number;
}

/**
 * The challenge's speed for one stream: output tokens over the wall-clock time from the moment the
 * request was sent to the arrival of the last token (the inspiring contest's definition). Counting
 * from the send, not from the first token, means an engine gains nothing by holding tokens back
 * and releasing them in a burst: the time it held them is still on the clock. Time to first token
 * and the gaps between chunks are recorded beside it, never instead of it.
 */
export function generationTps(m: StreamMeasurement): number {
  const dt = (m.lastTokenAt - m.start) / 1000;
  return m.tokens.length > 0 && dt > 0 ? m.tokens.length / dt : NaN;
}

/** The old first-to-last-token rate, kept for diagnostics only: a buffering engine can inflate it. */
export function decodeTps(m: StreamMeasurement): number {
  const dt = (m.lastTokenAt - m.firstTokenAt) / 1000;
  return m.tokens.length > 1 && dt > 0 ? (m.tokens.length - 1) / dt : NaN;
}

/** Bytes every response may use whatever it carries: headers of events, ids, the model's name. */
const RESPONSE_BASE_BYTES = 64 * 1024;
/** Bytes one token may use in a response (a vLLM stream event is about 300), and per logprob asked. */
const BYTES_PER_TOKEN = 2048;
const BYTES_PER_LOGPROB = 1024;

/**
 * The most bytes an honest engine's answer to `body` can take: a fixed allowance plus, for every
 * token it may mention (the prompt it may echo or score, and up to max_tokens generated), a
 * generous per-token size that grows with the logprobs asked for. The trusted client stops reading
 * past it, so no engine can make the harness buffer or parse more than this.
 */
export function responseByteCap(body: CompletionRequest): number {
  const k = Math.max(body.logprobs ?? 0, body.prompt_logprobs ?? 0);
  const tokens = body.prompt.length + body.max_tokens;
  return RESPONSE_BASE_BYTES + tokens * (BYTES_PER_TOKEN + k * BYTES_PER_LOGPROB);
}
