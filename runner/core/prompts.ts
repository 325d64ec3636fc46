import { z } from "zod";
import { tokenizeBytes } from "./gguf/generate.ts";
import type { PromptItem } from "./verify.ts";
import type { Problem } from "./validate/problem.ts";

export const PromptLine = z.strictObject({
  id: z.string().min(1).max(100),
  text: z.string().min(1),
  token_ids: z.array(z.number().int().nonnegative()).min(1).optional(),
});

/**
 * Reads a JSONL prompt set. The embedded engine's byte vocabulary is tokenized here by the trusted
 * client; for vLLM each line must carry `token_ids` made with the reference tokenizer, because the
 * runner never asks the (untrusted) server to tokenize.
 */
export function parsePrompts(
  file: string,
  text: string,
  engine: "vllm" | "embedded",
  limit?: number,
): { prompts: PromptItem[]; problems: Problem[] } {
  const prompts: PromptItem[] = [];
  const problems: Problem[] = [];
  const seen = new Set<string>();
  text.split("\n").forEach((line, i) => {
    if (!line.trim()) return;
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch (e) {
      problems.push({
        file,
        line: i + 1,
        col: 1,
        code: "bad-json",
        message: `not valid JSON: ${(e as Error).message}`,
      });
      return;
    }
    const r = PromptLine.safeParse(json);
    if (!r.success) {
      problems.push({
        file,
        line: i + 1,
        col: 1,
        code: "bad-prompt",
        message: r.error.issues.map((x) => `${x.path.join(".")}: ${x.message}`).join("; "),
        expected: '{"id": "p1", "text": "…", "token_ids": [2, 818, …]}',
      });
      return;
    }
    if (seen.has(r.data.id))
      problems.push({
        file,
        line: i + 1,
        col: 1,
        code: "duplicate-id",
        message: `prompt id \`${r.data.id}\` appears twice`,
      });
    seen.add(r.data.id);
    const ids = r.data.token_ids ?? (engine === "embedded" ? tokenizeBytes(r.data.text) : undefined);
    if (!ids) {
      problems.push({
        file,
        line: i + 1,
        col: 1,
        code: "missing-token-ids",
        message: `prompt \`${r.data.id}\` has no token_ids; vLLM prompts are sent as token ids made with the reference tokenizer`,
        fix: "add token_ids to every line (tokenize once with the checkpoint's tokenizer, add_special_tokens as the model expects)",
      });
      return;
    }
    prompts.push({ id: r.data.id, ids });
  });
  return { prompts: limit ? prompts.slice(0, limit) : prompts, problems };
}

export const ReferenceLine = z.strictObject({
  id: z.string(),
  output: z.array(z.number().int().nonnegative()),
  nll: z.number().finite(),
  n: z.number().int().positive(),
});
export type ReferenceLine = z.infer<typeof ReferenceLine>;
