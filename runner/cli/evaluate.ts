import { join, resolve } from "node:path";
import { gitSubmissionFetcher } from "../adapters/git-fetch.ts";
import { gitDataStore } from "../adapters/git-store.ts";
import { describeHardware } from "../adapters/hardware.ts";
import { progressFor } from "../adapters/progress.ts";
import { nodeRepoFiles } from "../adapters/repo-fs.ts";
import { makeLauncher, nodeBenchPorts, SANDBOX_MODES, type SandboxMode } from "../adapters/runner-ports.ts";
import { evaluate, type EvaluatePorts } from "../flows/evaluate.ts";
import { loadChallenge } from "../flows/repo-load.ts";
import type { Io } from "./io.ts";
import { helpText, parseOptions, type CommandSpec } from "./options.ts";

const SLUG = /^[a-z0-9-]{1,64}$/;

const OPTIONS = {
  "run-id": {
    type: "string",
    required: true,
    pattern: /^[A-Za-z0-9._-]{1,100}$/,
    placeholder: "ID",
    description: "the run's id",
  },
  pr: { type: "integer", required: true, min: 1, max: 9_999_999, description: "the pull request" },
  sha: {
    type: "string",
    required: true,
    pattern: /^[0-9a-f]{40}$/,
    placeholder: "SHA",
    description: "the PR head the run was requested at",
  },
  slug: {
    type: "string",
    required: true,
    pattern: SLUG,
    placeholder: "SLUG",
    description: "the candidate submission",
  },
  against: {
    type: "string",
    required: true,
    pattern: SLUG,
    placeholder: "SLUG",
    description: "the incumbent",
  },
  blocks: {
    type: "integer",
    min: 0,
    max: 99,
    default: 0,
    description: "fixed block count; 0: the challenge's looks",
  },
  remote: {
    type: "string",
    default: "origin",
    placeholder: "URL",
    description: "where PR heads and the data branch are",
  },
  out: { type: "string", default: "result.json", placeholder: "FILE", description: "the result file" },
  private: { type: "string", placeholder: "FILE", description: "the runner's private prompt set" },
  repo: { type: "string", default: ".", placeholder: "DIR", description: "the main checkout" },
  "data-branch": {
    type: "string",
    placeholder: "BRANCH",
    description: "default: the challenge's data branch",
  },
  sandbox: { type: "string", choices: SANDBOX_MODES, default: "auto", description: "engine confinement" },
} as const;

export const EVALUATE: CommandSpec = {
  name: "evaluate",
  summary: "(self-hosted runner) Evaluate a dispatched run at its pinned SHA.",
  description:
    "What the self-hosted runner executes (workflow_dispatch only). Runs main's code from this checkout;\n" +
    "fetches the PR's pinned SHA and copies its submission folder as data; aborts if the SHA moved.\n" +
    "Writes one small JSON result for the publish job.",
  options: OPTIONS,
};

/** `velodrome evaluate`: parse options, build the runner's adapters, run the evaluate flow. */
export async function evaluateCommand(argv: string[], io: Io): Promise<number> {
  const { help, values: v } = parseOptions(OPTIONS, argv, false);
  if (help) return (io.out(helpText(EVALUATE)), 0);
  const root = resolve(io.cwd, v.repo);
  const main = nodeRepoFiles(root);
  const challenge = await loadChallenge(main);
  const programRoot = resolve(import.meta.dirname, "../..");
  const launcher = makeLauncher(challenge.engine.kind, programRoot, v.sandbox as SandboxMode);
  const ports: EvaluatePorts = {
    ...nodeBenchPorts(
      launcher,
      progressFor((s) => process.stderr.write(s), io.isTTY),
    ),
    main,
    repoAt: nodeRepoFiles,
    fetcher: gitSubmissionFetcher(root, v.remote),
    dataStore: () =>
      gitDataStore({
        remote: v.remote,
        branch: v["data-branch"] ?? challenge.data_branch,
        dir: join(root, ".velodrome/evaluate", v["run-id"], "data"),
      }),
  };
  const hardware = `${challenge.hardware.description} — ${await describeHardware()}`.slice(0, 300);
  const outcome = await evaluate(ports, challenge, {
    runId: v["run-id"],
    pr: v.pr,
    sha: v.sha,
    slug: v.slug,
    against: v.against,
    blocks: v.blocks,
    ...(v.private ? { privatePrompts: v.private } : {}),
    // A folder outside the checkout (actions/checkout cleans ignored files): plain references persist.
    ...(io.env.VELODROME_CACHE ? { cacheDir: resolve(io.cwd, io.env.VELODROME_CACHE) } : {}),
    out: resolve(io.cwd, v.out),
    runner: { id: io.env.RUNNER_NAME ?? "local", hardware },
  });
  if (outcome.kind === "not-fetched") return (io.err(outcome.reason), 1);
  const { record } = outcome;
  io.out(`${record.status}${record.comparison ? `: ${record.comparison.verdict}` : ""} → ${v.out}`);
  return record.status === "error" ? 1 : 0;
}
