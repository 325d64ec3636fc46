import { BOS, tokenizeBytes } from "./gguf/generate.ts";
import { PromptLine } from "./prompts.ts";
import type { Problem } from "./validate/problem.ts";

/** What a tokenizer did to every prompt: stated in the command's output, so an organizer can check it. */
export interface TokenizerRules {
  /** Which tokenizer made the ids (the byte vocabulary in TypeScript, or a model folder's tokenizer.json). */
  tokenizer: string;
  /** The chat template applied around each prompt, or null for the raw text. */
  chatTemplate: string | null;
  /** Whether every prompt starts with the BOS token (added by the tokenizer's template or the chat template). */
  bos: boolean;
}

/** Turns texts into token ids; async because a model folder's tokenizer runs outside this process. */
export interface Tokenizer {
  encode(texts: readonly string[], chat: boolean): Promise<{ ids: number[][]; rules: TokenizerRules }>;
}

/** The embedded engine's and the project's tiny HF model's tokenizer: UTF-8 bytes after a BOS, no chat template. */
export const byteTokenizer: Tokenizer = {
  encode(texts, chat) {
    if (chat)
      return Promise.reject(
        new Error("the byte tokenizer has no chat template: drop --chat (prompts are tokenized as raw text)"),
      );
    const ids = texts.map((t) => tokenizeBytes(t));
    return Promise.resolve({
      ids,
      rules: {
        tokenizer: "byte (UTF-8 bytes, ids 3–258)",
        chatTemplate: null,
        bos: ids.every((x) => x[0] === BOS),
      },
    });
  },
};

/**
 * Reads a prompt set (JSONL of `{id, text}`, token_ids optional) strictly: every problem is named
 * with its line. Existing token_ids are replaced, so re-tokenizing with another tokenizer is one command.
 */
export function readPromptTexts(
  file: string,
  text: string,
): { lines: { id: string; text: string }[]; problems: Problem[] } {
  const lines: { id: string; text: string }[] = [];
  const problems: Problem[] = [];
  const seen = new Set<string>();
  text.split("\n").forEach((raw, i) => {
    if (!raw.trim()) return;
    const at = { file, line: i + 1, col: 1 };
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch (e) {
      problems.push({ ...at, code: "bad-json", message: `not valid JSON: ${(e as Error).message}` });
      return;
    }
    const r = PromptLine.safeParse(json);
    if (!r.success) {
      const message = r.error.issues.map((x) => `${x.path.join(".")}: ${x.message}`).join("; ");
      problems.push({ ...at, code: "bad-prompt", message, expected: '{"id": "p1", "text": "…"}' });
      return;
    }
    if (seen.has(r.data.id))
      problems.push({ ...at, code: "duplicate-id", message: `prompt id \`${r.data.id}\` appears twice` });
    seen.add(r.data.id);
    lines.push({ id: r.data.id, text: r.data.text });
  });
  return { lines, problems };
}

/** The tokenized JSONL the runner reads (`parsePrompts`): one `{id, text, token_ids}` a line. */
export function tokenizedJsonl(
  lines: readonly { id: string; text: string }[],
  ids: readonly number[][],
): string {
  if (lines.length !== ids.length)
    throw new Error(`tokenizer returned ${ids.length} encodings for ${lines.length} prompts`);
  return lines.map((l, i) => JSON.stringify({ id: l.id, text: l.text, token_ids: ids[i] }) + "\n").join("");
}
