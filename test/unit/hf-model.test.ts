/** The Hugging Face model writer (runner/core/hf/): the files vLLM reads, checked byte by byte. */
import { describe, expect, it } from "vitest";
import { tokenizeBytes, VOCAB_SIZE } from "../../runner/core/gguf/generate.ts";
import {
  CPU_HEAD_SIZES,
  HF_MODELS,
  hfModelFiles,
  llamaTensors,
  tokenizerJson,
  writeSafetensors,
} from "../../runner/core/hf/model.ts";

/** A safetensors file's header (parsed) and where its data starts. */
function header(bytes: Uint8Array) {
  const view = new DataView(bytes.buffer, bytes.byteOffset);
  const n = Number(view.getBigUint64(0, true));
  return { json: JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n))), start: 8 + n, view };
}

describe("safetensors", () => {
  it("writes an 8-aligned JSON header and little-endian float32 data at the offsets it names", () => {
    const bytes = writeSafetensors([
      { name: "a", shape: [2], data: Float32Array.from([1.5, -2]) },
      { name: "b", shape: [1, 1], data: Float32Array.from([3]) },
    ]);
    const { json, start, view } = header(bytes);
    expect(start % 8).toBe(0);
    expect(json.a).toEqual({ dtype: "F32", shape: [2], data_offsets: [0, 8] });
    expect(json.b).toEqual({ dtype: "F32", shape: [1, 1], data_offsets: [8, 12] });
    expect(view.getFloat32(start + 4, true)).toBe(-2);
    expect(view.getFloat32(start + 8, true)).toBe(3);
    expect(bytes.length).toBe(start + 12);
  });
});

describe("the generated Llama", () => {
  const spec = HF_MODELS.target!;
  it("has a head size vLLM's CPU attention accepts and every tensor LlamaForCausalLM loads", () => {
    expect(CPU_HEAD_SIZES).toContain(spec.hidden / spec.heads);
    const names = llamaTensors(spec).map((t) => t.name);
    expect(names).toContain("model.embed_tokens.weight");
    expect(names).toContain("lm_head.weight");
    expect(names.filter((n) => n.endsWith("self_attn.q_proj.weight"))).toHaveLength(spec.layers);
    const files = hfModelFiles(spec);
    const config = JSON.parse(new TextDecoder().decode(files["config.json"]));
    expect(config).toMatchObject({
      architectures: ["LlamaForCausalLM"],
      vocab_size: VOCAB_SIZE,
      head_dim: 64,
    });
    expect(header(files["model.safetensors"]!).json["lm_head.weight"].shape).toEqual([
      VOCAB_SIZE,
      spec.hidden,
    ]);
  });
  it("is deterministic, and the draft's weights are a prefix of the target's", () => {
    // Buffer comparisons: a deep equality over 14 MB of typed array takes minutes.
    const same = (a: ArrayBufferView, b: ArrayBufferView) =>
      Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(
        Buffer.from(b.buffer, b.byteOffset, b.byteLength),
      );
    expect(same(hfModelFiles(spec)["model.safetensors"]!, hfModelFiles(spec)["model.safetensors"]!)).toBe(
      true,
    );
    const target = llamaTensors(spec);
    const draft = llamaTensors(HF_MODELS.draft!);
    const layer0 = (ts: typeof target) =>
      ts.find((t) => t.name === "model.layers.0.mlp.up_proj.weight")!.data;
    expect(same(layer0(draft), layer0(target))).toBe(true);
  });
  it("refuses a head size vLLM's CPU backend cannot run", () => {
    expect(() => hfModelFiles({ ...spec, heads: 8, hidden: 200 })).toThrow(/head size 25/);
  });
  it("tokenizer.json: one token per byte (the client's own tokenizer), BOS first", () => {
    const t = tokenizerJson() as {
      model: { vocab: Record<string, number>; byte_fallback: boolean; merges: unknown[] };
      post_processor: { special_tokens: Record<string, { ids: number[] }> };
    };
    expect(t.model.byte_fallback).toBe(true);
    expect(t.model.merges).toEqual([]);
    const [bos, ...bytes] = tokenizeBytes("Aé");
    expect(t.post_processor.special_tokens["<s>"]!.ids).toEqual([bos]);
    expect(bytes).toEqual(
      [0x41, 0xc3, 0xa9].map((b) => t.model.vocab[`<0x${b.toString(16).toUpperCase()}>`]),
    );
  });
});
