import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { synthesize } from "../synth/synth.ts";
import type { Io } from "./io.ts";
import { UsageError } from "./io.ts";

const HELP = `usage: velodrome synth --out DIR [--submissions N] [--runs M] [--threads T] [--comments C] [--seed S]

Creates a realistic synthetic challenge repository (git history over six weeks, lineage depth,
copied kernels, run records, rulings, board threads with markdown) for scale tests.`;

export async function synthCommand(argv: string[], io: Io): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      out: { type: "string" },
      submissions: { type: "string", default: "200" },
      runs: { type: "string", default: "1000" },
      threads: { type: "string", default: "100" },
      comments: { type: "string", default: "1000" },
      seed: { type: "string", default: "1" },
      help: { type: "boolean" },
    },
  });
  if (values.help) return (io.out(HELP), 0);
  if (!values.out) throw new UsageError(HELP);
  const n = (k: string, v: string) => {
    const x = Number(v);
    if (!Number.isInteger(x) || x < 0)
      throw new UsageError(`--${k} must be a non-negative integer, got ${v}`);
    return x;
  };
  await synthesize({
    out: resolve(io.cwd, values.out),
    submissions: Math.max(1, n("submissions", values.submissions!)),
    runs: n("runs", values.runs!),
    threads: Math.max(1, n("threads", values.threads!)),
    comments: n("comments", values.comments!),
    seed: n("seed", values.seed!),
    log: (s) => io.err(s),
  });
  io.out(resolve(io.cwd, values.out));
  return 0;
}
