import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { suggestValues } from "../../runner/core/validate/suggest.ts";
import { MANIFEST, only, validate } from "./validate-fixtures.ts";

/** The one problem of `code` for a manifest with one line patched. */
function problemFor(from: string, to: string, code: string) {
  const text = MANIFEST.replace(from, to);
  expect(text, `fixture has no "${from}"`).not.toBe(MANIFEST);
  const ps = validate(text).filter((p) => p.code === code);
  expect(ps, JSON.stringify(validate(text), null, 1)).toHaveLength(1);
  return ps[0]!;
}

describe("fix hints are derived from the bad value", () => {
  it("`enforce-eager: yes` suggests true, never false (which would reverse the intent)", () => {
    const p = problemFor("max-num-seqs: 1", "max-num-seqs: 1\n    enforce-eager: yes", "wrong-type");
    expect(p.fix).toContain("`enforce-eager: true`");
    expect(p.fix).not.toContain("enforce-eager: false");
    expect(p.line).toBe(11);
  });

  it("`enforce-eager: off` suggests false; an unreadable intent gets both spellings", () => {
    const off = problemFor("max-num-seqs: 1", "max-num-seqs: 1\n    enforce-eager: off", "wrong-type");
    expect(off.fix).toContain("`enforce-eager: false`");
    const maybe = problemFor("max-num-seqs: 1", "max-num-seqs: 1\n    enforce-eager: maybe", "wrong-type");
    expect(maybe.fix).toContain("`enforce-eager: true` or `enforce-eager: false`");
  });

  it("`dtype: bf16` suggests bfloat16, not the first option (auto)", () => {
    const p = problemFor("max-num-seqs: 1", "max-num-seqs: 1\n    dtype: bf16", "bad-value");
    expect(p.fix).toBe("`dtype: bfloat16`");
  });

  it("`quantization: fp4` suggests the real FP4 schemes, never an unrelated sample like awq or fp8", () => {
    const p = problemFor("max-num-seqs: 1", "max-num-seqs: 1\n    quantization: fp4", "bad-value");
    expect(p.fix).toContain("`modelopt_fp4`");
    expect(p.fix).toContain("`mxfp4`");
    expect(p.fix).not.toMatch(/awq|`fp8`/);
  });

  it("a typo in an enum value gets the nearest spelling; nonsense gets no guess", () => {
    const typo = problemFor("kv-cache-dtype: fp8", "kv-cache-dtype: fp8_e4m4", "bad-value");
    expect(typo.fix).toBe("`kv-cache-dtype: fp8_e4m3`");
    const nonsense = problemFor("kv-cache-dtype: fp8", "kv-cache-dtype: banana", "bad-value");
    expect(nonsense.fix).not.toMatch(/`kv-cache-dtype: /);
    expect(nonsense.expected).toContain("fp8_e5m2");
  });
});

describe("fix hints for values of the wrong type", () => {
  it("speculative-config written as vLLM's JSON string is shown back as the YAML mapping it means", () => {
    const json = `'{"method": "eagle3", "model": "org/draft", "num_speculative_tokens": 3}'`;
    const text = MANIFEST.replace(
      "    speculative-config:\n      method: mtp\n      num_speculative_tokens: 4\n",
      `    speculative-config: ${json}\n`,
    );
    const p = only(validate(text), "wrong-type")[0]!;
    expect(p.line).toBe(11);
    const yamlPart = p.fix!.slice(p.fix!.indexOf("\n") + 1);
    expect(parse(yamlPart)).toEqual({
      "speculative-config": { method: "eagle3", model: "org/draft", num_speculative_tokens: 3 },
    });
  });

  it("an unquoted number in env is shown quoted, as written", () => {
    const p = problemFor('VLLM_USE_V1: "1"', "VLLM_USE_V1: 1", "wrong-type");
    expect(p.fix).toContain('`VLLM_USE_V1: "1"`');
    expect(p.path).toEqual(["engine", "env", "VLLM_USE_V1"]);
    const float = problemFor('VLLM_USE_V1: "1"', "VLLM_USE_V1: 0.50", "wrong-type");
    expect(float.fix).toContain('`VLLM_USE_V1: "0.50"`');
  });

  it("a quoted number becomes a number, and a single author a list", () => {
    const n = problemFor("max-num-seqs: 1", 'max-num-seqs: "4"', "wrong-type");
    expect(n.fix).toContain("`max-num-seqs: 4`");
    const a = problemFor("authors: [alice]", "authors: alice", "wrong-type");
    expect(a.fix).toContain("`authors: [alice]`");
  });

  it("hf-overrides as a JSON string, a fractional count and a wrong schema version get exact fixes", () => {
    const hf = problemFor("max-num-seqs: 1", `max-num-seqs: 1\n    hf-overrides: '{"a": [1]}'`, "wrong-type");
    expect(parse(hf.fix!.slice(hf.fix!.indexOf("\n") + 1))).toEqual({ "hf-overrides": { a: [1] } });
    const frac = problemFor("max-num-seqs: 1", "max-num-seqs: 1.5", "wrong-type");
    expect(frac.fix).toContain("`max-num-seqs: 1` or `max-num-seqs: 2`");
    expect(problemFor("schema: 1", "schema: 2", "bad-value").fix).toBe("`schema: 1`");
  });

  it("a near miss of a typed key is a typo; an abbreviation of an owned flag is refused", () => {
    const typo = problemFor("max-num-seqs: 1", "max-num-seq: 1", "unknown-key");
    expect(typo.fix).toContain("did you mean `max-num-seqs`?");
    const owned = problemFor(
      "max-num-seqs: 1",
      "max-num-seqs: 1\n    trust-remote: true",
      "harness-owned-flag",
    );
    expect(owned.message).toContain("--trust-remote-code");
  });

  it("a misspelled engine kind is corrected; an unknown one lists both engines", () => {
    const typo = problemFor("kind: vllm", "kind: vlm", "bad-value");
    expect(typo.fix).toBe("`kind: vllm`");
    const other = problemFor("kind: vllm", "kind: tensorrt", "bad-value");
    expect(other.fix).toContain("`kind: vllm`");
    expect(other.fix).toContain("`kind: embedded`");
  });
});

describe("suggestValues", () => {
  const dtypes = ["auto", "half", "float16", "bfloat16", "float", "float32"];
  it("prefers a same-name spelling, then aliases, then containment, then typos", () => {
    expect(suggestValues("BFloat16", dtypes)).toEqual(["bfloat16"]);
    expect(suggestValues("fp32", dtypes)).toEqual(["float32"]);
    expect(suggestValues("tensors", ["awq", "compressed-tensors"])).toEqual(["compressed-tensors"]);
    expect(suggestValues("flaot32", dtypes)).toEqual(["float32"]);
    expect(suggestValues("zzzzzz", dtypes)).toEqual([]);
  });
  it("never offers an alias target the options do not contain", () => {
    expect(suggestValues("fp4", ["awq", "fp8"])).toEqual([]);
  });
});

describe("typo corrections keep the bit width", () => {
  it("q4 is never corrected to q8, nor fp4 to fp8", () => {
    expect(suggestValues("q4_1", ["f32", "f16", "q8_0", "q4_0"])).toEqual(["q4_0"]);
    expect(suggestValues("q5_0", ["f32", "f16", "q8_0", "q4_0"])).toEqual([]);
    expect(suggestValues("fp4", ["fp8", "awq"])).toEqual([]);
  });
});
