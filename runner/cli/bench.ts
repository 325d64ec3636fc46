import { mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname, isAbsolute, join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { makeReference, runBench, type PromptSet } from "../adapters/bench.ts";
import { describeHardware } from "../adapters/hardware.ts";
import { embeddedLauncher, vllmLauncher, type EngineLauncher } from "../adapters/engines/launch.ts";
import { progressFor } from "../adapters/progress.ts";
import { nodeRepoFiles, type RepoFiles } from "../adapters/repo-fs.ts";
import { bubblewrap, bubblewrapAvailable, noSandbox } from "../adapters/sandbox/sandbox.ts";
import { parsePrompts, ReferenceLine } from "../core/prompts.ts";
import type { Challenge } from "../core/schema/challenge.ts";
import { seedFrom } from "../core/stats/rng.ts";
import { parseSubmission } from "../core/validate/manifest.ts";
import { formatProblem } from "../core/validate/problem.ts";
import type { Io } from "./io.ts";
import { UsageError } from "./io.ts";
import { loadChallenge } from "./repo-load.ts";
import { DEFAULT_PUBLIC_REFERENCE, manifestPath } from "../core/layout.ts";

const HELP = `usage: velodrome bench <slug> [--against <slug>] [--engine embedded|vllm] [--blocks N] [--out FILE] [--repo DIR]
                       [--seed N] [--private FILE] [--sandbox auto|bwrap|none] [--prompts N]

Benchmarks a submission against another (default: the challenge's baseline) in blocks of fresh
engine launches, verifies quality on the timed outputs, and writes a run record (JSON).`;

export async function loadManifest(repo: RepoFiles, slug: string) {
  const file = manifestPath(slug);
  const text = await repo.read(file);
  if (text === undefined) throw new UsageError(`no submission \`${slug}\` (${file} not found)`);
  const p = parseSubmission(file, text);
  if (!p.value)
    throw new UsageError(
      `${file} is invalid:\n${p.problems.map(formatProblem).join("\n")}\nFix it first: npx velodrome validate submissions/${slug}`,
    );
  return p.value;
}

/** Reads a prompt set and its reference; makes the reference from the baseline when the file is missing (embedded only). */
export async function loadPromptSet(o: {
  repo: RepoFiles;
  challenge: Challenge;
  promptsPath: string;
  referencePath: string;
  launcher: EngineLauncher;
  workDir: string;
  limit?: number;
}): Promise<PromptSet> {
  const abs = (p: string) => (isAbsolute(p) ? p : join(o.repo.root, p));
  const text = await readFile(abs(o.promptsPath), "utf8").catch(() => {
    throw new UsageError(`prompt set ${o.promptsPath} not found`);
  });
  const { prompts, problems } = parsePrompts(o.promptsPath, text, o.challenge.engine.kind, o.limit);
  if (problems.length) throw new UsageError(problems.map(formatProblem).join("\n"));
  let refText = await readFile(abs(o.referencePath), "utf8").catch(() => undefined);
  if (refText === undefined) {
    if (o.challenge.engine.kind !== "embedded")
      throw new UsageError(
        `reference outputs ${o.referencePath} are missing: make them once on a runner from the baseline (velodrome reference)`,
      );
    const base = await loadManifest(o.repo, o.challenge.baseline);
    const ref = await makeReference(
      o.launcher,
      o.challenge,
      { slug: o.challenge.baseline, manifest: base },
      prompts,
      o.workDir,
    );
    refText = ref.lines.map((l) => JSON.stringify(l)).join("\n") + "\n";
    await mkdir(dirname(abs(o.referencePath)), { recursive: true });
    await writeFile(abs(o.referencePath), refText);
  }
  const reference = new Map<string, ReferenceLine>();
  refText.split("\n").forEach((line, i) => {
    if (!line.trim()) return;
    const r = ReferenceLine.safeParse(JSON.parse(line));
    if (!r.success)
      throw new UsageError(
        `${o.referencePath}:${i + 1}: not a reference line: ${r.error.issues[0]?.message}`,
      );
    reference.set(r.data.id, r.data);
  });
  const used = [...reference.values()].filter((r) => prompts.some((p) => p.id === r.id));
  if (!used.length)
    throw new UsageError(`${o.referencePath} has no reference for any prompt in ${o.promptsPath}`);
  const nll = used.reduce((a, b) => a + b.nll, 0);
  const n = used.reduce((a, b) => a + b.n, 0);
  return { prompts, reference: new Map(used.map((r) => [r.id, r])), referencePpl: Math.exp(nll / n) };
}

export function makeLauncher(
  kind: "embedded" | "vllm",
  repoRoot: string,
  sandboxMode: string,
): EngineLauncher {
  const sandbox =
    sandboxMode === "none"
      ? noSandbox
      : sandboxMode === "bwrap" || bubblewrapAvailable()
        ? bubblewrap()
        : noSandbox;
  if (kind === "vllm") return vllmLauncher({ port: 8000 + (process.pid % 1000), sandbox: noSandbox });
  return embeddedLauncher({ repoRoot, modelsDir: join(repoRoot, ".velodrome/models"), sandbox });
}

export async function benchCommand(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      against: { type: "string" },
      engine: { type: "string" },
      blocks: { type: "string" },
      out: { type: "string" },
      repo: { type: "string" },
      seed: { type: "string" },
      private: { type: "string" },
      sandbox: { type: "string", default: "auto" },
      prompts: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) return (io.out(HELP), 0);
  const slug = positionals[0];
  if (!slug) throw new UsageError(`name the submission to benchmark\n\n${HELP}`);
  const root = resolve(io.cwd, values.repo ?? ".");
  const repo = nodeRepoFiles(root);
  const challenge = await loadChallenge(repo);
  const kind = (values.engine ?? challenge.engine.kind) as "embedded" | "vllm";
  if (kind !== "embedded" && kind !== "vllm")
    throw new UsageError(`--engine must be embedded or vllm, got ${values.engine}`);
  if (kind !== challenge.engine.kind)
    throw new UsageError(
      `this challenge runs on ${challenge.engine.kind}; its submissions cannot run on ${kind}`,
    );
  const against = values.against ?? challenge.baseline;
  const blocks = values.blocks ? Number(values.blocks) : undefined;
  if (blocks !== undefined && !(Number.isInteger(blocks) && blocks >= 2 && blocks <= 32))
    throw new UsageError(`--blocks must be an integer from 2 to 32, got ${values.blocks}`);
  const candidate = { slug, manifest: await loadManifest(repo, slug) };
  const incumbent = { slug: against, manifest: await loadManifest(repo, against) };
  // The engine's code and models come from the repository that runs the bench: this program's own checkout.
  const programRoot = resolve(import.meta.dirname, "../..");
  const launcher = makeLauncher(kind, programRoot, values.sandbox!);
  const id = `run-${new Date().toISOString().replace(/[:.]/g, "-")}-${slug}`.slice(0, 80);
  const workDir = join(root, ".velodrome/runs", id);
  const limit = values.prompts ? Number(values.prompts) : undefined;
  const pub = await loadPromptSet({
    repo,
    challenge,
    promptsPath: challenge.metric.prompts,
    referencePath: challenge.verification.reference.outputs ?? DEFAULT_PUBLIC_REFERENCE,
    launcher,
    workDir,
    limit,
  });
  const priv = values.private
    ? await loadPromptSet({
        repo,
        challenge,
        promptsPath: values.private,
        referencePath: `${values.private}.reference.jsonl`,
        launcher,
        workDir,
        limit,
      })
    : undefined;
  const progress = progressFor((s) => process.stderr.write(s), io.isTTY);
  const result = await runBench({
    id,
    challenge,
    candidate,
    incumbent,
    launcher,
    public: pub,
    ...(priv ? { private: priv } : {}),
    workDir,
    seed: values.seed ? Number(values.seed) : seedFrom(id),
    ...(blocks ? { blocks } : {}),
    runner: { id: io.env.RUNNER_NAME ?? "local", hardware: await describeHardware() },
    progress,
  });
  const json = JSON.stringify(result.record, null, 2);
  if (values.out) {
    await mkdir(dirname(resolve(io.cwd, values.out)), { recursive: true });
    await writeFile(resolve(io.cwd, values.out), json + "\n");
    io.out(
      `wrote ${values.out}: ${result.record.status}${result.record.comparison ? `, ${result.record.comparison.verdict}` : ""}${result.record.reason ? ` — ${result.record.reason}` : ""}`,
    );
  } else io.out(json);
  return result.record.status === "error" ? 1 : 0;
}
