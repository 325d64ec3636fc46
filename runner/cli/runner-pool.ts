import { resolve } from "node:path";
import { UsageError } from "../core/errors.ts";
import { nodeRepoFiles } from "../adapters/repo-fs.ts";
import { loadChallenge } from "../flows/repo-load.ts";
import type { Io } from "./io.ts";
import { helpText, parseOptions, type CommandSpec } from "./options.ts";

const OPTIONS = {
  pinned: {
    type: "string",
    placeholder: "LABEL",
    description: "one runner's own label, added to the pool's (a run pinned while others are suspended)",
  },
  repo: { type: "string", default: ".", placeholder: "DIR", description: "the main checkout" },
} as const;

export const RUNNER_POOL: CommandSpec = {
  name: "runner-pool",
  summary: "(internal) the GPU jobs' runs-on and matrix, from challenge.yaml, as GITHUB_OUTPUT lines.",
  description:
    "Run by a GitHub-hosted job of evaluate.yml and reference.yml before their GPU jobs: prints\n" +
    "`runs_on` (hardware.runner_labels, plus --pinned), `shares` and `count` (runners.count), one\n" +
    "`key=value` line each, for `>> $GITHUB_OUTPUT`. The one place the workflows read the labels.",
  options: OPTIONS,
};

/** A runner's own label as dispatch passes it (the bot's `runner` input: a machine id). */
const LABEL = /^[A-Za-z0-9._-]{1,100}$/;

/** `velodrome runner-pool [--pinned LABEL]`: the runner pool of main's challenge.yaml, for a workflow. */
export async function runnerPoolCommand(argv: string[], io: Io): Promise<number> {
  const { help, values } = parseOptions(OPTIONS, argv);
  if (help) return (io.out(helpText(RUNNER_POOL)), 0);
  const pinned = values.pinned ?? "";
  if (pinned && !LABEL.test(pinned))
    throw new UsageError(
      `--pinned ${JSON.stringify(pinned.slice(0, 40))} is not a runner label (A-Z a-z 0-9 . _ -)`,
    );
  const challenge = await loadChallenge(nodeRepoFiles(resolve(io.cwd, values.repo)));
  const count = challenge.runners?.count ?? 1;
  const labels = [...challenge.hardware.runner_labels, ...(pinned ? [pinned] : [])];
  io.out(`shares=${JSON.stringify([...Array(count).keys()])}`);
  io.out(`count=${count}`);
  io.out(`runs_on=${JSON.stringify(labels)}`);
  return 0;
}
