import { readFile, writeFile } from "node:fs/promises";
import { resolve } from "node:path";
import { hfTokenizer } from "../adapters/tokenizer/hf.ts";
import { UsageError, ValidationFailed } from "../core/errors.ts";
import { DEFAULT_PUBLIC_PROMPTS } from "../core/layout.ts";
import { byteTokenizer, readPromptTexts, tokenizedJsonl, type Tokenizer } from "../core/tokenize.ts";
import type { Io } from "./io.ts";
import { REFERENCE, referenceCommand } from "./prompts-reference.ts";
import { helpText, parseOptions, type CommandSpec } from "./options.ts";

const TOKENIZE_OPTIONS = {
  in: { type: "string", placeholder: "FILE", default: DEFAULT_PUBLIC_PROMPTS, description: "the prompt set" },
  out: {
    type: "string",
    placeholder: "FILE",
    description: "where the tokenized set goes (default: --in, rewritten)",
  },
  tokenizer: {
    type: "string",
    placeholder: "byte|DIR",
    required: true,
    description:
      "`byte` (the embedded engine's and the project's tiny HF model's byte vocabulary) or a model folder with tokenizer.json",
  },
  chat: { type: "boolean", description: "wrap each prompt in the model's chat template (one user turn)" },
  json: { type: "boolean", description: "print the rules applied as JSON" },
} as const;

export const PROMPTS: CommandSpec = {
  name: "prompts",
  summary: "Prepare prompt sets: tokenize them, then make their reference outputs on a runner.",
  options: {},
  subcommands: {
    tokenize: {
      name: "prompts tokenize",
      summary:
        "add token_ids to every prompt with the model's own tokenizer, stating the BOS and chat rules applied",
      description:
        "vLLM prompts are sent as token ids made by the trusted runner, never tokenized by the engine.\n" +
        "A model folder's tokenizer.json runs in the vLLM venv's Python `tokenizers` (npm run setup:vllm).",
      options: TOKENIZE_OPTIONS,
    },
    reference: REFERENCE,
  },
};

/** The tokenizer `--tokenizer` names: the byte vocabulary in TypeScript, or a folder's own. */
export function tokenizerFor(name: string, cwd: string): Tokenizer {
  return name === "byte" ? byteTokenizer : hfTokenizer(resolve(cwd, name));
}

/** `velodrome prompts tokenize`: reads the set, tokenizes every text, writes `{id, text, token_ids}` lines. */
export async function promptsCommand(argv: string[], io: Io): Promise<number> {
  const [sub, ...rest] = argv;
  if (!sub || sub === "--help" || sub === "-h") return (io.out(helpText(PROMPTS)), sub ? 0 : 2);
  if (sub === "reference") return referenceCommand(rest, io);
  if (sub !== "tokenize") throw new UsageError(`unknown subcommand \`${sub}\`\n\n${helpText(PROMPTS)}`);
  const spec = PROMPTS.subcommands!.tokenize!;
  const { help, values } = parseOptions(TOKENIZE_OPTIONS, rest, false);
  if (help) return (io.out(helpText(spec)), 0);
  const input = resolve(io.cwd, values.in);
  const { lines, problems } = readPromptTexts(values.in, await readFile(input, "utf8"));
  if (problems.length)
    throw new ValidationFailed(problems.map((p) => `${p.file}:${p.line}: ${p.message}`).join("\n"));
  if (!lines.length) throw new ValidationFailed(`${values.in} holds no prompts`);
  const tokenizer = tokenizerFor(values.tokenizer, io.cwd);
  const { ids, rules } = await tokenizer.encode(
    lines.map((l) => l.text),
    values.chat === true,
  );
  const out = values.out ?? values.in;
  await writeFile(resolve(io.cwd, out), tokenizedJsonl(lines, ids));
  const tokens = ids.reduce((n, x) => n + x.length, 0);
  if (values.json) io.out(JSON.stringify({ out, prompts: lines.length, tokens, ...rules }, null, 2));
  else
    io.out(
      `wrote ${out}: ${lines.length} prompts, ${tokens} tokens; tokenizer ${rules.tokenizer}; ` +
        `chat template: ${rules.chatTemplate === null ? "none (raw text)" : "the model's own"}; ` +
        `BOS first: ${rules.bos ? "yes" : "no"}`,
    );
  return 0;
}
