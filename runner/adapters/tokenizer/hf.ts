import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { z } from "zod";
import { NotFound } from "../../core/errors.ts";
import type { Tokenizer } from "../../core/tokenize.ts";
import { VLLM_VENV_ENV } from "../runner-ports.ts";

/**
 * A model folder's own tokenizer (its `tokenizer.json`, and `tokenizer_config.json` for BOS and the
 * chat template), run by Python's `tokenizers` in the vLLM venv (`hf-tokenizer.py`).
 *
 * Why Python and not an npm package: `tokenizers` is the library that defines tokenizer.json and is
 * what vLLM itself tokenizes with, so the ids are the engine's by construction; it is already
 * installed wherever vLLM is (`npm run setup:vllm`). `@huggingface/transformers` would add a large
 * dependency (onnxruntime) for one function, and its JavaScript port of the tokenizers is a second
 * implementation that could disagree with the engine on edge cases.
 */
export function vllmPython(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const venv = env[VLLM_VENV_ENV] ?? join(env.HOME ?? homedir(), ".cache/velodrome/vllm-venv");
  const py = join(venv, "bin/python");
  return existsSync(py) ? py : undefined;
}

const Reply = z.strictObject({
  ids: z.array(z.array(z.number().int().nonnegative())),
  bos: z.boolean(),
  chat_template: z.string().nullable(),
});

export function hfTokenizer(dir: string, python = vllmPython()): Tokenizer {
  return {
    async encode(texts, chat) {
      if (!existsSync(join(dir, "tokenizer.json")))
        throw new NotFound(
          `${dir}/tokenizer.json does not exist: name the model folder that holds the tokenizer`,
        );
      if (!python)
        throw new NotFound(
          "a model folder's tokenizer runs in the vLLM venv's Python, which is not installed: run `npm run setup:vllm`",
        );
      const out = await runScript(python, JSON.stringify({ dir, texts, chat }));
      const r = Reply.parse(JSON.parse(out));
      return {
        ids: r.ids,
        rules: {
          tokenizer: `${dir}/tokenizer.json (Python tokenizers)`,
          chatTemplate: r.chat_template,
          bos: r.bos,
        },
      };
    },
  };
}

function runScript(python: string, input: string): Promise<string> {
  const script = join(import.meta.dirname, "hf-tokenizer.py");
  return new Promise((resolve, reject) => {
    const child = execFile(
      python,
      [script],
      { maxBuffer: 256 * 1024 * 1024, env: { PATH: "/usr/bin:/bin", HF_HUB_OFFLINE: "1" } },
      (err, stdout, stderr) => {
        if (err) reject(new Error(`tokenizer failed: ${stderr.trim().split("\n").at(-1) ?? err.message}`));
        else resolve(stdout);
      },
    );
    child.stdin?.end(input);
  });
}
