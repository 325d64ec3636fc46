import { BOS, EOS, gaussian, VOCAB_SIZE, vocabulary } from "../gguf/generate.ts";

/**
 * A seeded Llama in Hugging Face format for vLLM: `config.json` (LlamaForCausalLM),
 * `model.safetensors` (float32), a byte-level `tokenizer.json` with its `tokenizer_config.json`,
 * and `generation_config.json`. The vocabulary and token ids are the embedded engine's
 * (`<unk> <s> </s>`, then one token per byte), so `tokenizeBytes` is this model's tokenizer too.
 *
 * Both formats are written here by hand: safetensors is an 8-byte length, a JSON header and raw
 * little-endian tensors, and tokenizer.json is JSON; no JavaScript library writes either (the
 * reference writers are Python's `safetensors` and `tokenizers`), and writing them here keeps the
 * tests free of any Python besides vLLM itself.
 */
export interface HfModelSpec {
  name: string;
  seed: number;
  layers: number;
  hidden: number;
  intermediate: number;
  heads: number;
  kvHeads: number;
  context: number;
  /** Sharpness of the output head: larger gives peaked distributions and stable greedy decoding. */
  headScale: number;
  /** Layers from this index on have their residual outputs multiplied by deepScale (a draft is a prefix). */
  shallowLayers: number;
  deepScale: number;
}

/** Bump when the writer's output changes for the same spec (folders are cached by recipe). */
export const HF_WRITER_VERSION = 1;

/** Head sizes vLLM's CPU attention accepts. */
export const CPU_HEAD_SIZES = [32, 64, 80, 96, 112, 128, 160, 192, 224, 256];

/** Small enough that a 2-core machine starts and decodes it in seconds; head size 64. */
export const VLLM_TARGET: HfModelSpec = {
  name: "velodrome-vllm-target",
  seed: 4321,
  layers: 4,
  hidden: 256,
  intermediate: 768,
  heads: 4,
  kvHeads: 4,
  context: 2048,
  headScale: 6,
  shallowLayers: 1,
  deepScale: 0.08,
};

export const HF_MODELS: Record<string, HfModelSpec> = {
  target: VLLM_TARGET,
  // The target's first layer, same seed and shapes: a draft whose weights are a prefix.
  draft: { ...VLLM_TARGET, name: "velodrome-vllm-draft", layers: 1 },
};

export interface NamedTensor {
  name: string;
  shape: number[];
  data: Float32Array;
}

/** safetensors: u64 LE header length, the JSON header (padded with spaces to 8 bytes), the data. */
export function writeSafetensors(tensors: NamedTensor[], metadata: Record<string, string> = {}): Uint8Array {
  const header: Record<string, unknown> = { __metadata__: metadata };
  let offset = 0;
  for (const t of tensors) {
    const bytes = t.data.length * 4;
    header[t.name] = { dtype: "F32", shape: t.shape, data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  const raw = new TextEncoder().encode(JSON.stringify(header));
  const head = new TextEncoder().encode(
    JSON.stringify(header) + " ".repeat((8 - ((8 + raw.length) % 8)) % 8),
  );
  const out = new Uint8Array(8 + head.length + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(head.length), true);
  out.set(head, 8);
  let at = 8 + head.length;
  for (const t of tensors) {
    for (let i = 0; i < t.data.length; i++, at += 4) view.setFloat32(at, t.data[i]!, true);
  }
  return out;
}

/** The weights, under the names transformers' and vLLM's LlamaForCausalLM load ([out, in] matrices). */
export function llamaTensors(s: HfModelSpec): NamedTensor[] {
  const headDim = s.hidden / s.heads;
  const kv = headDim * s.kvHeads;
  const out: NamedTensor[] = [];
  const mat = (name: string, rows: number, cols: number, scale: number) =>
    out.push({ name, shape: [rows, cols], data: gaussian(name, s.seed, rows * cols, scale) });
  const ones = (name: string, n: number) => out.push({ name, shape: [n], data: new Float32Array(n).fill(1) });
  const r = 1 / Math.sqrt(s.hidden);
  mat("model.embed_tokens.weight", VOCAB_SIZE, s.hidden, 1);
  for (let l = 0; l < s.layers; l++) {
    const p = `model.layers.${l}.`;
    const damp = l >= s.shallowLayers ? s.deepScale : 1;
    ones(`${p}input_layernorm.weight`, s.hidden);
    mat(`${p}self_attn.q_proj.weight`, s.hidden, s.hidden, r);
    mat(`${p}self_attn.k_proj.weight`, kv, s.hidden, r);
    mat(`${p}self_attn.v_proj.weight`, kv, s.hidden, r);
    mat(`${p}self_attn.o_proj.weight`, s.hidden, s.hidden, 0.5 * damp * r);
    ones(`${p}post_attention_layernorm.weight`, s.hidden);
    mat(`${p}mlp.gate_proj.weight`, s.intermediate, s.hidden, r);
    mat(`${p}mlp.up_proj.weight`, s.intermediate, s.hidden, r);
    mat(`${p}mlp.down_proj.weight`, s.hidden, s.intermediate, (0.5 * damp) / Math.sqrt(s.intermediate));
  }
  ones("model.norm.weight", s.hidden);
  mat("lm_head.weight", VOCAB_SIZE, s.hidden, s.headScale * r);
  return out;
}

export function llamaConfig(s: HfModelSpec): Record<string, unknown> {
  return {
    architectures: ["LlamaForCausalLM"],
    model_type: "llama",
    hidden_size: s.hidden,
    intermediate_size: s.intermediate,
    num_hidden_layers: s.layers,
    num_attention_heads: s.heads,
    num_key_value_heads: s.kvHeads,
    head_dim: s.hidden / s.heads,
    vocab_size: VOCAB_SIZE,
    max_position_embeddings: s.context,
    rms_norm_eps: 1e-5,
    rope_theta: 10000,
    rope_parameters: { rope_type: "default", rope_theta: 10000 },
    hidden_act: "silu",
    attention_bias: false,
    mlp_bias: false,
    tie_word_embeddings: false,
    bos_token_id: BOS,
    eos_token_id: EOS,
    pad_token_id: 0,
    torch_dtype: "float32",
    dtype: "float32",
  };
}

/**
 * A byte-level tokenizer in the `tokenizers` JSON format: a BPE model with no merges and only
 * byte tokens, so every character falls back to its UTF-8 bytes (`byte_fallback`), and a
 * template that puts BOS first. Decoding turns byte tokens back into text.
 */
export function tokenizerJson(): Record<string, unknown> {
  const { tokens } = vocabulary();
  const vocab = Object.fromEntries(tokens.map((t, i) => [t, i]));
  const special = (id: number) => ({
    id,
    content: tokens[id],
    single_word: false,
    lstrip: false,
    rstrip: false,
    normalized: false,
    special: true,
  });
  return {
    version: "1.0",
    truncation: null,
    padding: null,
    added_tokens: [special(0), special(BOS), special(EOS)],
    normalizer: null,
    pre_tokenizer: null,
    post_processor: {
      type: "TemplateProcessing",
      single: [{ SpecialToken: { id: "<s>", type_id: 0 } }, { Sequence: { id: "A", type_id: 0 } }],
      pair: [
        { SpecialToken: { id: "<s>", type_id: 0 } },
        { Sequence: { id: "A", type_id: 0 } },
        { Sequence: { id: "B", type_id: 1 } },
      ],
      special_tokens: { "<s>": { id: "<s>", ids: [BOS], tokens: ["<s>"] } },
    },
    decoder: { type: "Sequence", decoders: [{ type: "ByteFallback" }, { type: "Fuse" }] },
    model: {
      type: "BPE",
      dropout: null,
      unk_token: "<unk>",
      continuing_subword_prefix: null,
      end_of_word_suffix: null,
      fuse_unk: true,
      byte_fallback: true,
      ignore_merges: false,
      vocab,
      merges: [],
    },
  };
}

/** Every file of the model folder, by name. */
export function hfModelFiles(s: HfModelSpec): Record<string, Uint8Array> {
  const json = (v: unknown) => new TextEncoder().encode(JSON.stringify(v, null, 2) + "\n");
  if (!CPU_HEAD_SIZES.includes(s.hidden / s.heads))
    throw new Error(`head size ${s.hidden / s.heads} is not one vLLM's CPU attention accepts`);
  return {
    "config.json": json(llamaConfig(s)),
    "generation_config.json": json({ bos_token_id: BOS, eos_token_id: EOS, do_sample: false }),
    "tokenizer.json": json(tokenizerJson()),
    "tokenizer_config.json": json({
      tokenizer_class: "PreTrainedTokenizerFast",
      bos_token: "<s>",
      eos_token: "</s>",
      unk_token: "<unk>",
      add_bos_token: true,
      add_eos_token: false,
      clean_up_tokenization_spaces: false,
      model_max_length: s.context,
    }),
    "model.safetensors": writeSafetensors(llamaTensors(s), { format: "pt" }),
  };
}
