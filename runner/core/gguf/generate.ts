import { seededRng, seedFrom } from "../stats/rng.ts";
import { FILE_TYPE, writeGguf, type GgmlType, type KvValue, type Tensor } from "./gguf.ts";

/**
 * The embedded engine's models, generated from a seed: a byte-level llama with deterministic
 * weights. Weights are seeded per tensor name, so a model with fewer layers is an exact prefix of
 * a deeper one — a natural draft model. Deeper layers' residual outputs are damped (`deepScale`),
 * which keeps the target's predictions close to the draft's: speculative decoding then accepts
 * most drafts, as with a real distilled drafter.
 */
export interface ModelSpec {
  name: string;
  seed: number;
  layers: number;
  embd: number;
  ff: number;
  heads: number;
  headsKv: number;
  context: number;
  /** Layers beyond this index have their output projections multiplied by deepScale. */
  shallowLayers: number;
  deepScale: number;
  /** Sharpness of the output head: larger gives peaked distributions and stable greedy decoding. */
  headScale: number;
}

/** Bump when the generator's output changes for the same spec (model files are cached by recipe). */
export const GENERATOR_VERSION = 2;
export const VOCAB_SIZE = 260;
export const BOS = 1;
export const EOS = 2;
export const BYTE0 = 3; // token id of byte 0x00

/** The vocabulary: <unk>, <s>, </s>, 256 byte tokens, and "▁" (SentencePiece's space). */
export function vocabulary(): { tokens: string[]; types: number[]; scores: number[] } {
  const tokens = ["<unk>", "<s>", "</s>"];
  const types = [2, 3, 3];
  for (let b = 0; b < 256; b++) {
    tokens.push(`<0x${b.toString(16).toUpperCase().padStart(2, "0")}>`);
    types.push(6);
  }
  tokens.push("\u2581");
  types.push(1);
  return { tokens, types, scores: tokens.map(() => 0) };
}

/** Trusted-client tokenizer for the byte vocabulary: UTF-8 bytes, after a BOS. */
export function tokenizeBytes(text: string, bos = true): number[] {
  const ids = Array.from(new TextEncoder().encode(text), (b) => BYTE0 + b);
  return bos ? [BOS, ...ids] : ids;
}
export function detokenizeBytes(ids: readonly number[]): string {
  const bytes = ids.filter((t) => t >= BYTE0 && t < BYTE0 + 256).map((t) => t - BYTE0);
  return new TextDecoder("utf-8", { fatal: false }).decode(Uint8Array.from(bytes));
}

export function gaussian(name: string, seed: number, n: number, scale: number): Float32Array {
  const rng = seededRng(seedFrom(`${seed}:${name}`));
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = rng.normal() * scale;
  return out;
}
const ones = (n: number) => new Float32Array(n).fill(1);

export function generateModel(spec: ModelSpec, quant: GgmlType): Uint8Array {
  const { embd, ff, layers, heads, headsKv } = spec;
  const headDim = embd / heads;
  const kvDim = headDim * headsKv;
  // Like real quantization recipes, the sensitive first layers stay in f16 when the rest is quantized.
  const q = (name: string): GgmlType => {
    const layer = /^blk\.(\d+)\./.exec(name);
    return layer && Number(layer[1]) < spec.shallowLayers && (quant === "q8_0" || quant === "q4_0")
      ? "f16"
      : quant;
  };
  const tensors: Tensor[] = [];
  const mat = (name: string, ne0: number, ne1: number, scale: number, type: GgmlType = q(name)) =>
    tensors.push({ name, dims: [ne0, ne1], type, data: gaussian(name, spec.seed, ne0 * ne1, scale) });
  mat("token_embd.weight", embd, VOCAB_SIZE, 1, "f32");
  for (let l = 0; l < layers; l++) {
    const damp = l >= spec.shallowLayers ? spec.deepScale : 1;
    tensors.push({ name: `blk.${l}.attn_norm.weight`, dims: [embd], type: "f32", data: ones(embd) });
    mat(`blk.${l}.attn_q.weight`, embd, embd, 1 / Math.sqrt(embd));
    mat(`blk.${l}.attn_k.weight`, embd, kvDim, 1 / Math.sqrt(embd));
    mat(`blk.${l}.attn_v.weight`, embd, kvDim, 1 / Math.sqrt(embd));
    const o = gaussian(`blk.${l}.attn_output.weight`, spec.seed, embd * embd, (0.5 * damp) / Math.sqrt(embd));
    tensors.push({ name: `blk.${l}.attn_output.weight`, dims: [embd, embd], type: q(`blk.${l}.`), data: o });
    tensors.push({ name: `blk.${l}.ffn_norm.weight`, dims: [embd], type: "f32", data: ones(embd) });
    mat(`blk.${l}.ffn_gate.weight`, embd, ff, 1 / Math.sqrt(embd));
    mat(`blk.${l}.ffn_up.weight`, embd, ff, 1 / Math.sqrt(embd));
    const d = gaussian(`blk.${l}.ffn_down.weight`, spec.seed, ff * embd, (0.5 * damp) / Math.sqrt(ff));
    tensors.push({ name: `blk.${l}.ffn_down.weight`, dims: [ff, embd], type: q(`blk.${l}.`), data: d });
  }
  tensors.push({ name: "output_norm.weight", dims: [embd], type: "f32", data: ones(embd) });
  mat(
    "output.weight",
    embd,
    VOCAB_SIZE,
    spec.headScale / Math.sqrt(embd),
    quant === "q4_0" || quant === "q8_0" ? "q8_0" : quant,
  );
  const v = vocabulary();
  const kv: [string, KvValue][] = [
    ["general.architecture", { t: "str", v: "llama" }],
    ["general.name", { t: "str", v: spec.name }],
    ["general.file_type", { t: "u32", v: FILE_TYPE[quant] }],
    ["general.alignment", { t: "u32", v: 32 }],
    ["llama.context_length", { t: "u32", v: spec.context }],
    ["llama.embedding_length", { t: "u32", v: embd }],
    ["llama.block_count", { t: "u32", v: layers }],
    ["llama.feed_forward_length", { t: "u32", v: ff }],
    ["llama.attention.head_count", { t: "u32", v: heads }],
    ["llama.attention.head_count_kv", { t: "u32", v: headsKv }],
    ["llama.rope.dimension_count", { t: "u32", v: headDim }],
    ["llama.rope.freq_base", { t: "f32", v: 10000 }],
    ["llama.attention.layer_norm_rms_epsilon", { t: "f32", v: 1e-5 }],
    ["llama.vocab_size", { t: "u32", v: VOCAB_SIZE }],
    ["tokenizer.ggml.model", { t: "str", v: "llama" }],
    ["tokenizer.ggml.tokens", { t: "arr_str", v: v.tokens }],
    ["tokenizer.ggml.scores", { t: "arr_f32", v: v.scores }],
    ["tokenizer.ggml.token_type", { t: "arr_i32", v: v.types }],
    ["tokenizer.ggml.unknown_token_id", { t: "u32", v: 0 }],
    ["tokenizer.ggml.bos_token_id", { t: "u32", v: BOS }],
    ["tokenizer.ggml.eos_token_id", { t: "u32", v: EOS }],
    ["tokenizer.ggml.add_bos_token", { t: "bool", v: false }],
    ["tokenizer.ggml.add_eos_token", { t: "bool", v: false }],
  ];
  return writeGguf(kv, tensors);
}

/**
 * The models the embedded challenge ships as recipes (never as files): the target, and a draft
 * that is the target's first layers. Sizes are chosen so a 2-core CI machine decodes hundreds of
 * tokens per second with one thread.
 */
const TARGET: ModelSpec = {
  name: "velodrome-target",
  seed: 1234,
  layers: 8,
  embd: 512,
  ff: 1536,
  heads: 4,
  headsKv: 4,
  context: 2048,
  shallowLayers: 1,
  deepScale: 0.08,
  headScale: 6,
};

export const MODELS: Record<string, ModelSpec> = {
  target: TARGET,
  // The draft is the target's first layer: same seed and shapes, so its weights are a prefix.
  draft: { ...TARGET, name: "velodrome-draft", layers: 1 },
};
