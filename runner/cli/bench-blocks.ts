import { readFile, writeFile } from "node:fs/promises";
import { resolve } from "node:path";
import { decodeJob, encodeError, encodeResults } from "../adapters/block-workers.ts";
import { progressFor } from "../adapters/progress.ts";
import { makeLauncher, nodeBenchPorts, type SandboxMode } from "../adapters/runner-ports.ts";
import { runShare } from "../flows/run/index.ts";
import type { Io } from "./io.ts";
import { helpText, parseOptions, type CommandSpec } from "./options.ts";

const OPTIONS = {
  job: { type: "string", required: true, placeholder: "FILE", description: "the share's job (JSON)" },
  out: { type: "string", required: true, placeholder: "FILE", description: "where its launch results go" },
} as const;

export const BENCH_BLOCKS: CommandSpec = {
  name: "bench-blocks",
  summary: "(internal) run one worker's share of a look's blocks for `bench --runners N`.",
  description:
    "Started by `bench`/`evaluate --runners N`, never by hand: reads a job written by the parent,\n" +
    "runs its blocks with the same benchmark flow, and writes their launch results (or its error).",
  options: OPTIONS,
};

/** `velodrome bench-blocks --job FILE --out FILE`: one worker of a `--runners N` pool. */
export async function benchBlocksCommand(argv: string[], io: Io): Promise<number> {
  const { help, values } = parseOptions(OPTIONS, argv);
  if (help) return (io.out(helpText(BENCH_BLOCKS)), 0);
  const out = resolve(io.cwd, values.out);
  try {
    const { launcher: l, options, share } = decodeJob(await readFile(resolve(io.cwd, values.job), "utf8"));
    const launcher = makeLauncher(l.kind, l.programRoot, l.sandbox as SandboxMode, l.repoRoot);
    const ports = nodeBenchPorts(
      launcher,
      progressFor((s) => process.stderr.write(s), false),
    );
    const results = await runShare(ports, options, share);
    await writeFile(out, encodeResults(results) + "\n");
    return 0;
  } catch (e) {
    await writeFile(out, encodeError(e));
    return 1;
  }
}
