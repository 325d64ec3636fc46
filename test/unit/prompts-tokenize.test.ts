import { describe, expect, it } from "vitest";
import { BOS, detokenizeBytes } from "../../runner/core/gguf/generate.ts";
import { parsePrompts } from "../../runner/core/prompts.ts";
import { byteTokenizer, readPromptTexts, tokenizedJsonl } from "../../runner/core/tokenize.ts";

const SET = [
  '{"id": "a", "text": "héllo, wörld"}',
  '{"id": "b", "text": "2 + 2 = 4\\n", "token_ids": [9, 9]}',
  "",
].join("\n");

describe("prompts tokenize (pure parts)", () => {
  it("writes the JSONL the runner reads for vLLM, with BOS first and ids that decode back to the text", async () => {
    const { lines, problems } = readPromptTexts("p.jsonl", SET);
    expect(problems).toEqual([]);
    const { ids, rules } = await byteTokenizer.encode(
      lines.map((l) => l.text),
      false,
    );
    expect(rules).toMatchObject({ chatTemplate: null, bos: true });
    const out = tokenizedJsonl(lines, ids);
    const parsed = parsePrompts("p.jsonl", out, "vllm");
    expect(parsed.problems).toEqual([]);
    // Stale token_ids in the input are replaced, not kept.
    expect(parsed.prompts[1]!.ids).not.toEqual([9, 9]);
    for (const [i, p] of parsed.prompts.entries()) {
      expect(p.ids[0]).toBe(BOS);
      expect(detokenizeBytes(p.ids)).toBe(lines[i]!.text);
    }
  });

  it("names every bad line (bad JSON, extra keys, duplicate ids) with its line number", () => {
    const bad = [
      '{"id": "a", "text": "x"}',
      "{nope",
      '{"id": "a", "text": "y"}',
      '{"id": "c", "text": "z", "x": 1}',
    ];
    const { problems } = readPromptTexts("p.jsonl", bad.join("\n"));
    expect(problems.map((p) => [p.line, p.code])).toEqual([
      [2, "bad-json"],
      [3, "duplicate-id"],
      [4, "bad-prompt"],
    ]);
  });

  it("refuses a chat template the byte tokenizer does not have, and mismatched encodings", async () => {
    await expect(byteTokenizer.encode(["x"], true)).rejects.toThrow(/no chat template/);
    expect(() => tokenizedJsonl([{ id: "a", text: "x" }], [])).toThrow(/0 encodings for 1 prompts/);
  });
});
