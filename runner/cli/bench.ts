import { existsSync } from "node:fs";
import { cp, mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describeHardware } from "../adapters/hardware.ts";
import { fittingWorkFolder } from "../adapters/work-folder.ts";
import { progressFor } from "../adapters/progress.ts";
import { nodeRepoFiles } from "../adapters/repo-fs.ts";
import { processPool } from "../adapters/block-workers.ts";
import {
  makeLauncher,
  nodeBenchPorts,
  requireVllm,
  SANDBOX_MODES,
  type SandboxMode,
} from "../adapters/runner-ports.ts";
import { NotFound, UsageError } from "../core/errors.ts";
import { parsePrompts } from "../core/prompts.ts";
import type { Challenge } from "../core/schema/challenge.ts";
import type { RepoFiles } from "../ports.ts";
import { DEFAULT_PUBLIC_REFERENCE, PLAIN_REFERENCE_CACHE } from "../core/layout.ts";
import { seedFrom } from "../core/stats/rng.ts";
import { HERE, runBenchmark, type BenchOptions, type RunMode } from "../flows/run/index.ts";
import { loadPromptSet } from "../flows/reference.ts";
import { loadChallenge, loadManifest } from "../flows/repo-load.ts";
import { DEFAULT_LIMITS } from "../adapters/sandbox/sandbox.ts";
import { challengeLimits } from "../core/sandbox-limits.ts";
import type { Io } from "./io.ts";
import { helpText, parseOptions, RUNNERS_OPTION, type CommandSpec, type OptionValues } from "./options.ts";

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
  runners: RUNNERS_OPTION,
  prompts: { type: "integer", min: 1, description: "use only the first N prompts" },
  demo: {
    type: "boolean",
    description:
      "bench in the shipped embedded demo challenge instead of --repo (CPU only, models made on first use)",
  },
} as const;

/** This program's checkout: the engine's code, its generated models and the shipped demo challenge. */
const PROGRAM_ROOT = resolve(import.meta.dirname, "../..");
/** The tiny embedded challenge the demo plays: the local loop without a GPU, vLLM or a tokenizer. */
const DEMO_CHALLENGE = join(PROGRAM_ROOT, "runner/demo/template");

/**
 * `--demo`: a fresh copy of the demo challenge in a short temp folder, because a bench writes the
 * reference outputs it makes from the baseline into the challenge it runs in (the checkout stays
 * untouched), and the engines' Unix sockets live in the work folder (paths must stay under 108 bytes).
 */
async function demoChallengeCopy(): Promise<{ root: string; workDir: string }> {
  const root = await mkdtemp(join(tmpdir(), "vd-"));
  await cp(DEMO_CHALLENGE, root, { recursive: true });
  return { root, workDir: join(root, "run") };
}

/**
 * `--demo` with a participant's own submission: the demo challenge ships only `baseline`, so the
 * folder `submissions/<slug>/` of --repo (the participant's checkout) is copied into the demo's copy,
 * where the bench validates it like any other (an embedded manifest runs; a vLLM one is refused there
 * with the reason). Neither place has it: say what the demo holds and where it looked.
 */
async function bringOwnSubmission(demoRoot: string, repo: string, slug: string): Promise<void> {
  const shipped = await readdir(join(demoRoot, "submissions"));
  if (shipped.includes(slug)) return;
  const own = join(repo, "submissions", slug);
  if (!existsSync(join(own, "submission.yaml")))
    throw new NotFound(
      `the demo challenge holds only ${shipped.map((s) => `\`${s}\``).join(", ")}, and ${own}/submission.yaml ` +
        "does not exist: scaffold yours with `npx velodrome new <slug> --parent baseline` (embedded engine) " +
        "or name one of those",
    );
  await cp(own, join(demoRoot, "submissions", slug), { recursive: true });
}

/**
 * A vLLM challenge whose public prompts have no token_ids yet (the organizer's step) cannot run
 * anywhere: say so in one line, before any engine starts, with the command that does work here.
 */
async function checkPromptsReady(repo: RepoFiles, challenge: Challenge): Promise<void> {
  if (challenge.engine.kind !== "vllm") return;
  const text = await repo.read(challenge.metric.prompts);
  if (text === undefined) return; // loadPromptSet names the missing file
  const { problems } = parsePrompts(challenge.metric.prompts, text, "vllm");
  const missing = problems.filter((p) => p.code === "missing-token-ids").length;
  if (!missing) return;
  throw new NotFound(
    `${challenge.metric.prompts}: ${missing} prompt(s) have no token_ids yet (the organizer tokenizes them once; ` +
      "`npx velodrome prompts tokenize --tokenizer <model folder>`; it then runs on vLLM). To try the local loop on this CPU instead: " +
      "npx velodrome bench baseline --demo",
  );
}

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

/** `velodrome bench <slug>`: parse options, then bench in the challenge (or a copy of the demo's). */
export async function benchCommand(argv: string[], io: Io): Promise<number> {
  const { help, values, positionals } = parseOptions(OPTIONS, argv);
  if (help) return (io.out(helpText(BENCH)), 0);
  const slug = positionals[0];
  if (!slug) throw new UsageError(`name the submission to benchmark\n\n${helpText(BENCH)}`);
  if (!values.demo) return bench(values, slug, { root: resolve(io.cwd, values.repo) }, io);
  const demo = await demoChallengeCopy();
  try {
    await bringOwnSubmission(demo.root, resolve(io.cwd, values.repo), slug);
    return await bench(values, slug, demo, io);
  } finally {
    await rm(demo.root, { recursive: true, force: true });
  }
}

/** Builds the adapters, runs the benchmark flow and prints (or writes) the run record. */
async function bench(values: Values, slug: string, place: { root: string; workDir?: string }, io: Io) {
  const root = place.root;
  const repo = nodeRepoFiles(root);
  const challenge = await loadChallenge(repo);
  const kind = engineKind(values, challenge.engine.kind);
  await checkPromptsReady(repo, challenge);
  if (kind === "vllm") requireVllm(values.sandbox as SandboxMode, io.env);
  const against = values.against ?? challenge.baseline;
  const candidate = { slug, manifest: await loadManifest(repo, slug) };
  const incumbent = { slug: against, manifest: await loadManifest(repo, against) };
  // The engine's code and models come from the repository that runs the bench: this program's own checkout.
  const programRoot = PROGRAM_ROOT;
  const progress = progressFor((s) => process.stderr.write(s), io.isTTY);
  const sandbox = values.sandbox as SandboxMode;
  const ports = nodeBenchPorts(
    makeLauncher(kind, programRoot, sandbox, root, challengeLimits(DEFAULT_LIMITS, challenge)),
    progress,
  );
  const mode: RunMode =
    values.runners > 1
      ? { kind: "pool", pool: processPool(values.runners, { kind, programRoot, sandbox, repoRoot: root }) }
      : HERE;
  const id = `run-${new Date(ports.clock()).toISOString().replace(/[:.]/g, "-")}-${slug}`.slice(0, 80);
  const workDir = place.workDir ?? (await fittingWorkFolder(join(root, ".velodrome/runs", id)));
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
  const options: BenchOptions = {
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
  };
  const { record } = await runBenchmark(ports, options, mode);
  const json = JSON.stringify(record, null, 2);
  if (!values.out) io.out(json);
  else {
    await ports.files.write(resolve(io.cwd, values.out), json + "\n");
    const verdict = record.comparison ? `, ${record.comparison.verdict}` : "";
    io.out(`wrote ${values.out}: ${record.status}${verdict}${record.reason ? ` — ${record.reason}` : ""}`);
  }
  return record.status === "error" ? 1 : 0;
}
