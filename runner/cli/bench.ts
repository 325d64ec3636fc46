import { join, resolve } from "node:path";
import { describeHardware } from "../adapters/hardware.ts";
import { progressFor } from "../adapters/progress.ts";
import { nodeRepoFiles } from "../adapters/repo-fs.ts";
import { makeLauncher, nodeBenchPorts, SANDBOX_MODES, type SandboxMode } from "../adapters/runner-ports.ts";
import { UsageError } from "../core/errors.ts";
import { DEFAULT_PUBLIC_REFERENCE, PLAIN_REFERENCE_CACHE } from "../core/layout.ts";
import { seedFrom } from "../core/stats/rng.ts";
import { runBenchmark } from "../flows/benchmark.ts";
import { loadPromptSet } from "../flows/reference.ts";
import { loadChallenge, loadManifest } from "../flows/repo-load.ts";
import type { Io } from "./io.ts";
import { helpText, parseOptions, type CommandSpec, type OptionValues } from "./options.ts";

const OPTIONS = {
  against: {
    type: "string",
    placeholder: "SLUG",
    description: "the incumbent (default: the challenge's baseline)",
  },
  engine: {
    type: "string",
    choices: ["embedded", "vllm"],
    description: "engine kind (default: the challenge's)",
  },
  blocks: {
    type: "integer",
    min: 2,
    max: 32,
    description: "fixed block count (default: the challenge's looks)",
  },
  out: { type: "string", placeholder: "FILE", description: "write the run record here instead of stdout" },
  repo: { type: "string", placeholder: "DIR", default: ".", description: "the challenge repository" },
  seed: { type: "integer", min: 0, description: "design seed (default: derived from the run id)" },
  private: {
    type: "string",
    placeholder: "FILE",
    description: "a private prompt set to confirm a claimed lead",
  },
  sandbox: { type: "string", choices: SANDBOX_MODES, default: "auto", description: "engine confinement" },
  prompts: { type: "integer", min: 1, description: "use only the first N prompts" },
} as const;

export const BENCH: CommandSpec = {
  name: "bench",
  args: "<slug>",
  summary: "Benchmark a submission against another in blocks of fresh engine launches.",
  description:
    "Verifies quality on the timed outputs and writes a run record (JSON). A local run shows\n" +
    "relative speed on this machine; only the challenge's runner decides the standings.",
  options: OPTIONS,
};

type Values = OptionValues<typeof OPTIONS>;

/** Checks that need the challenge: the engine kind must be the challenge's own. */
function engineKind(values: Values, challengeKind: "embedded" | "vllm"): "embedded" | "vllm" {
  const kind = (values.engine ?? challengeKind) as "embedded" | "vllm";
  if (kind !== challengeKind)
    throw new UsageError(`this challenge runs on ${challengeKind}; its submissions cannot run on ${kind}`);
  return kind;
}

/** `velodrome bench <slug>`: parse options, build adapters, run the benchmark flow, print the record. */
export async function benchCommand(argv: string[], io: Io): Promise<number> {
  const { help, values, positionals } = parseOptions(OPTIONS, argv);
  if (help) return (io.out(helpText(BENCH)), 0);
  const slug = positionals[0];
  if (!slug) throw new UsageError(`name the submission to benchmark\n\n${helpText(BENCH)}`);
  const root = resolve(io.cwd, values.repo);
  const repo = nodeRepoFiles(root);
  const challenge = await loadChallenge(repo);
  const kind = engineKind(values, challenge.engine.kind);
  const against = values.against ?? challenge.baseline;
  const candidate = { slug, manifest: await loadManifest(repo, slug) };
  const incumbent = { slug: against, manifest: await loadManifest(repo, against) };
  // The engine's code and models come from the repository that runs the bench: this program's own checkout.
  const programRoot = resolve(import.meta.dirname, "../..");
  const progress = progressFor((s) => process.stderr.write(s), io.isTTY);
  const ports = nodeBenchPorts(
    makeLauncher(kind, programRoot, values.sandbox as SandboxMode, root),
    progress,
  );
  const id = `run-${new Date(ports.clock()).toISOString().replace(/[:.]/g, "-")}-${slug}`.slice(0, 80);
  const workDir = join(root, ".velodrome/runs", id);
  const source = { repo, challenge, workDir, ...(values.prompts ? { limit: values.prompts } : {}) };
  const referencePath = challenge.verification.reference.outputs ?? DEFAULT_PUBLIC_REFERENCE;
  const pub = await loadPromptSet(ports, { ...source, promptsPath: challenge.metric.prompts, referencePath });
  const priv = values.private
    ? await loadPromptSet(ports, {
        ...source,
        promptsPath: values.private,
        referencePath: `${values.private}.reference.jsonl`,
      })
    : undefined;
  const { record } = await runBenchmark(ports, {
    id,
    challenge,
    candidate,
    incumbent,
    public: pub,
    ...(priv ? { private: priv } : {}),
    workDir,
    plainCacheDir: join(root, PLAIN_REFERENCE_CACHE),
    scorer: { slug: challenge.baseline, manifest: await loadManifest(repo, challenge.baseline) },
    seed: values.seed ?? seedFrom(id),
    ...(values.blocks ? { blocks: values.blocks } : {}),
    runner: { id: io.env.RUNNER_NAME ?? "local", hardware: await describeHardware() },
  });
  const json = JSON.stringify(record, null, 2);
  if (!values.out) io.out(json);
  else {
    await ports.files.write(resolve(io.cwd, values.out), json + "\n");
    const verdict = record.comparison ? `, ${record.comparison.verdict}` : "";
    io.out(`wrote ${values.out}: ${record.status}${verdict}${record.reason ? ` — ${record.reason}` : ""}`);
  }
  return record.status === "error" ? 1 : 0;
}
