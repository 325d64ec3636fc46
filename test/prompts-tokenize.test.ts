/**
 * `velodrome prompts tokenize` end to end: the CLI on the byte vocabulary, and a model folder's own
 * tokenizer.json (the project's tiny HF model) through the vLLM venv's Python `tokenizers`.
 */
import { cp, mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hfTokenizer, vllmPython } from "../runner/adapters/tokenizer/hf.ts";
import { tokenizeBytes } from "../runner/core/gguf/generate.ts";
import { hfModelFiles, VLLM_TARGET } from "../runner/core/hf/model.ts";
import { parsePrompts } from "../runner/core/prompts.ts";
import { REPO_ROOT, removeDir, runCli, tempDir } from "./helpers.ts";

const TEXTS = ["Explain why the derivative of sin(x) is cos(x).", "héllo — 世界 🚲", "  two  spaces\n"];
const PYTHON = vllmPython();
const missing = PYTHON ? undefined : "the vLLM venv's Python is not installed (run `npm run setup:vllm`)";
if (missing) console.log(`test/prompts-tokenize.test.ts (model folder part) skipped: ${missing}`);

let dir: string;
beforeAll(async () => {
  dir = await tempDir("vd-tok-");
  const set = TEXTS.map((text, i) => JSON.stringify({ id: `p${i}`, text })).join("\n");
  await writeFile(join(dir, "public.jsonl"), set + "\n");
  const model = join(dir, "model");
  await mkdir(model);
  const files = hfModelFiles({ ...VLLM_TARGET, layers: 1 });
  for (const name of ["tokenizer.json", "tokenizer_config.json"])
    await writeFile(join(model, name), files[name]!);
});
afterAll(() => removeDir(dir));

describe("velodrome prompts tokenize", () => {
  it("--tokenizer byte writes token_ids the runner reads, and states the rules", async () => {
    const r = await runCli(
      ["prompts", "tokenize", "--in", "public.jsonl", "--tokenizer", "byte", "--json"],
      dir,
    );
    expect(r.code, r.err).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({ prompts: 3, chatTemplate: null, bos: true });
    const { prompts, problems } = parsePrompts(
      "public.jsonl",
      await readFile(join(dir, "public.jsonl"), "utf8"),
      "vllm",
    );
    expect(problems).toEqual([]);
    expect(prompts.map((p) => p.ids)).toEqual(TEXTS.map((t) => tokenizeBytes(t)));
  });

  it("a missing --tokenizer is a usage error naming the option", async () => {
    const r = await runCli(["prompts", "tokenize"], dir);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--tokenizer/);
  });
});

describe("bench --engine vllm on the shipped challenge, once tokenized", () => {
  it("bench and prompts reference stop in one line naming `npm run setup:vllm` where vLLM is missing", async () => {
    const repo = join(dir, "repo");
    for (const d of ["challenge", "submissions"])
      await cp(join(REPO_ROOT, d), join(repo, d), { recursive: true });
    expect((await runCli(["prompts", "tokenize", "--tokenizer", "byte"], repo)).code).toBe(0);
    const env = { HOME: "/nonexistent", VELODROME_VLLM_VENV: "/nonexistent", PATH: "/nonexistent" };
    const r = await runCli(["bench", "baseline", "--engine", "vllm", "--sandbox", "bwrap"], repo, env);
    expect(r.code).toBe(1);
    expect(r.err.trim().split("\n")).toHaveLength(1);
    expect(r.err).toMatch(/vLLM is not installed .*npm run setup:vllm/);
    const ref = await runCli(["prompts", "reference", "--sandbox", "bwrap"], repo, env);
    expect(ref.code).toBe(1);
    expect(ref.err).toMatch(/vLLM is not installed .*npm run setup:vllm/);
  });
});

describe.skipIf(missing !== undefined)("a model folder's own tokenizer.json (the tiny HF model)", () => {
  it("gives the same ids as the byte tokenizer, BOS first, and they decode back to the text", async () => {
    const { ids, rules } = await hfTokenizer(join(dir, "model")).encode(TEXTS, false);
    expect(rules).toMatchObject({ chatTemplate: null, bos: true });
    expect(ids).toEqual(TEXTS.map((t) => tokenizeBytes(t)));
  });

  it("refuses --chat where the folder has no chat template, saying so", async () => {
    await expect(hfTokenizer(join(dir, "model")).encode(["x"], true)).rejects.toThrow(/no chat_template/);
  });
});
