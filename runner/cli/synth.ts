import { resolve } from "node:path";
import { synthesize } from "../synth/synth.ts";
import type { Io } from "./io.ts";
import { helpText, parseOptions, type CommandSpec } from "./options.ts";

const count = (description: string, def: number) =>
  ({ type: "integer", min: 0, default: def, description }) as const;

const OPTIONS = {
  out: {
    type: "string",
    required: true,
    placeholder: "DIR",
    description: "where the repository goes (recreated)",
  },
  submissions: count("submissions on the default branch (at least 1)", 200),
  runs: count("run records on the data branch", 1000),
  threads: count("board threads (at least 1)", 100),
  comments: count("thread comments", 1000),
  seed: count("random seed", 1),
} as const;

export const SYNTH: CommandSpec = {
  name: "synth",
  summary: "Create a synthetic challenge repository for scale tests.",
  description:
    "Git history over six weeks, lineage depth, copied kernels, run records, rulings, board threads\n" +
    "with markdown.",
  options: OPTIONS,
};

export async function synthCommand(argv: string[], io: Io): Promise<number> {
  const { help, values } = parseOptions(OPTIONS, argv, false);
  if (help) return (io.out(helpText(SYNTH)), 0);
  await synthesize({
    out: resolve(io.cwd, values.out),
    submissions: Math.max(1, values.submissions),
    runs: values.runs,
    threads: Math.max(1, values.threads),
    comments: values.comments,
    seed: values.seed,
    log: (s) => io.err(s),
  });
  io.out(resolve(io.cwd, values.out));
  return 0;
}
