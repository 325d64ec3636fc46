import { join, resolve } from "node:path";
import { progressFor } from "../adapters/progress.ts";
import { nodeRepoFiles } from "../adapters/repo-fs.ts";
import {
  makeLauncher,
  nodeBenchPorts,
  requireVllm,
  SANDBOX_MODES,
  type SandboxMode,
} from "../adapters/runner-ports.ts";
import { NotFound, ValidationFailed } from "../core/errors.ts";
import { DEFAULT_PUBLIC_REFERENCE } from "../core/layout.ts";
import { parsePrompts } from "../core/prompts.ts";
import { formatProblem } from "../core/validate/problem.ts";
import { makeReference, referenceJsonl } from "../flows/reference.ts";
import { loadChallenge, loadManifest } from "../flows/repo-load.ts";
import { DEFAULT_LIMITS } from "../adapters/sandbox/sandbox.ts";
import { challengeLimits } from "../core/sandbox-limits.ts";
import type { Io } from "./io.ts";
import { helpText, parseOptions, type CommandSpec } from "./options.ts";

export const REFERENCE_OPTIONS = {
  repo: { type: "string", placeholder: "DIR", default: ".", description: "the challenge repository" },
  prompts: {
    type: "string",
    placeholder: "FILE",
    description: "a tokenized prompt set (default: the challenge's public set)",
  },
  out: {
    type: "string",
    placeholder: "FILE",
    description: "where the reference goes (default: the challenge's reference, or FILE.reference.jsonl)",
  },
  sandbox: { type: "string", choices: SANDBOX_MODES, default: "auto", description: "engine confinement" },
} as const;

export const REFERENCE: CommandSpec = {
  name: "prompts reference",
  summary:
    "make the reference outputs: the baseline's plain greedy decode of every prompt, and its perplexity",
  description:
    "Run once per prompt set on a runner of the challenge (the reference workflow does), then commit the file.",
  options: REFERENCE_OPTIONS,
};

/** `velodrome prompts reference`: launches the baseline on this runner and writes the reference JSONL. */
export async function referenceCommand(argv: string[], io: Io): Promise<number> {
  const { help, values } = parseOptions(REFERENCE_OPTIONS, argv, false);
  if (help) return (io.out(helpText(REFERENCE)), 0);
  const root = resolve(io.cwd, values.repo);
  const repo = nodeRepoFiles(root);
  const challenge = await loadChallenge(repo);
  const promptsPath = values.prompts ?? challenge.metric.prompts;
  const text = await repo.read(promptsPath);
  if (text === undefined) throw new NotFound(`prompt set ${promptsPath} not found`);
  const { prompts, problems } = parsePrompts(promptsPath, text, challenge.engine.kind);
  if (problems.length) throw new ValidationFailed(problems.map(formatProblem).join("\n"));
  const sandbox = values.sandbox as SandboxMode;
  if (challenge.engine.kind === "vllm") requireVllm(sandbox, io.env);
  const out =
    values.out ??
    (values.prompts
      ? `${values.prompts}.reference.jsonl`
      : (challenge.verification.reference.outputs ?? DEFAULT_PUBLIC_REFERENCE));
  const progress = progressFor((s) => process.stderr.write(s), io.isTTY);
  const ports = nodeBenchPorts(
    makeLauncher(
      challenge.engine.kind,
      resolve(import.meta.dirname, "../.."),
      sandbox,
      root,
      challengeLimits(DEFAULT_LIMITS, challenge),
    ),
    progress,
  );
  const baseline = { slug: challenge.baseline, manifest: await loadManifest(repo, challenge.baseline) };
  const workDir = join(
    root,
    ".velodrome/runs",
    `reference-${new Date(ports.clock()).toISOString().replace(/[:.]/g, "-")}`,
  );
  const ref = await makeReference(ports, challenge, baseline, prompts, workDir);
  await ports.files.write(resolve(root, out), referenceJsonl(ref.lines));
  io.out(
    `wrote ${out}: ${ref.lines.length} reference outputs from ${challenge.baseline}, perplexity ${ref.ppl.toFixed(4)}`,
  );
  return 0;
}
