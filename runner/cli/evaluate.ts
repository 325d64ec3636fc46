import { UsageError } from "../core/errors.ts";
import { createHash } from "node:crypto";
import { access, readdir, readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { gitSubmissionFetcher } from "../adapters/git-fetch.ts";
import { gitDataStore } from "../adapters/git-store.ts";
import { gitPullValidator } from "../adapters/git-validate.ts";
import { fittingWorkFolder } from "../adapters/work-folder.ts";
import { describeHardware } from "../adapters/hardware.ts";
import { progressFor } from "../adapters/progress.ts";
import { nodeRepoFiles } from "../adapters/repo-fs.ts";
import {
  encodeError,
  encodeResults,
  gatheredShares,
  processPool,
  type WorkerLauncher,
} from "../adapters/block-workers.ts";
import type { Challenge } from "../core/schema/challenge.ts";
import type { EngineLauncher } from "../ports.ts";
import { makeLauncher, nodeBenchPorts, SANDBOX_MODES, type SandboxMode } from "../adapters/runner-ports.ts";
import {
  evaluate,
  evaluateShare,
  type EvaluatePorts,
  type EvaluateRequest,
  type ShareMode,
} from "../flows/evaluate.ts";
import { enginesHere, HERE, type RunMode } from "../flows/run/types.ts";
import { loadChallenge } from "../flows/repo-load.ts";
import { suspendedHere } from "../core/runners.ts";
import type { Io } from "./io.ts";
import { helpText, parseOptions, RUNNERS_OPTION, type CommandSpec } from "./options.ts";

const SLUG = /^[a-z0-9-]{1,64}$/;

const OPTIONS = {
  "run-id": {
    type: "string",
    required: true,
    pattern: /^[A-Za-z0-9._-]{1,100}$/,
    placeholder: "ID",
    description: "the run's id",
  },
  pr: {
    type: "integer",
    required: true,
    min: 0,
    max: 9_999_999,
    description: "the pull request (0: fetch the pinned commit itself, for scheduled re-runs)",
  },
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
  private: {
    type: "string",
    placeholder: "FILE",
    description: "the runner's private prompt set (default: verification.private_prompts, when present)",
  },
  repo: { type: "string", default: ".", placeholder: "DIR", description: "the main checkout" },
  "data-branch": {
    type: "string",
    placeholder: "BRANCH",
    description: "default: the challenge's data branch",
  },
  sandbox: { type: "string", choices: SANDBOX_MODES, default: "auto", description: "engine confinement" },
  look: {
    type: "integer",
    min: 1,
    max: 8,
    default: 1,
    description: "matrix: the look this dispatch runs (with --gather: every block up to its end must be in)",
  },
  share: {
    type: "integer",
    min: 0,
    max: 255,
    description: "matrix: this runner's share of the look (0-based)",
  },
  shares: { type: "integer", min: 1, max: 256, description: "matrix: runners the look is shared over" },
  gather: {
    type: "string",
    placeholder: "DIR",
    description: "publish job: analyse the matrix's share results in DIR (no engine runs)",
  },
  verify: {
    type: "boolean",
    description:
      "with --gather, on a runner of the pool: verify the gathered outputs here (plain-decode references, " +
      "trusted scorer, private confirmation); without it the gather starts no engine and the record is " +
      "checked by baseline agreement only (not ranked)",
  },
  runners: RUNNERS_OPTION,
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

/**
 * The verify job's own budget: its blocks are done, and what it runs is verification, one new
 * commit's plain decode of every prompt (51.6 GPU minutes at 44 tok/s, 10.8 at 247 in `plan`), the
 * trusted scorer and the confirmation. The workflow's `timeout-minutes` (90) leaves room to write and
 * upload the result.
 */
export const VERIFY_JOB_MINUTES = 80;

/** A launcher for the gather job: it analyses what the runners ran and never starts an engine. */
const noEngines = (kind: "embedded" | "vllm"): EngineLauncher => ({
  kind,
  version: async () => `${kind} (gathered from the runner matrix)`,
  launch: async () => {
    throw new Error("the gather job starts no engine: every block ran on a runner");
  },
});

/** The result files of a look's matrix (and earlier looks'), as downloaded into one folder. */
async function shareTexts(dir: string): Promise<string[]> {
  const names = (await readdir(dir, { recursive: true })).filter((n) => n.endsWith(".json")).sort();
  return Promise.all(names.map((n) => readFile(join(dir, n), "utf8")));
}

type Values = ReturnType<typeof parseOptions<typeof OPTIONS>>["values"];

/**
 * Where this invocation's blocks run (see RunMode), decided here once from the options and passed
 * down: the matrix's gather job (`--gather`, with `--verify` on a runner of the pool), one runner's
 * share of a look (`--shares`), a pool of worker processes on this host (`--runners N`), or here.
 */
async function runModeOf(v: Values, io: Io, launcher: WorkerLauncher): Promise<RunMode> {
  if (v.verify && !v.gather)
    throw new UsageError("--verify goes with --gather DIR (the matrix's verify job)");
  if (v.gather && v.shares !== undefined)
    throw new UsageError("--gather and --shares are two jobs of the matrix: pass one of them");
  if (v.gather) {
    const run = { id: v["run-id"], commit: v.sha }; // the gather refuses results of another run
    const shares = gatheredShares(await shareTexts(resolve(io.cwd, v.gather)), run);
    return { kind: "gather", shares, enginesHere: v.verify === true, look: v.look };
  }
  if (v.shares !== undefined) return { kind: "share", look: v.look, share: v.share ?? 0, shares: v.shares };
  if (v.runners > 1) return { kind: "pool", pool: processPool(v.runners, launcher) };
  return HERE;
}

/**
 * The physical machine this job runs on, as drift, suspension and calibration key it: never the
 * runner's label (a pool's label names every machine) nor RUNNER_NAME (an autoscaled runner's name
 * changes every job). VELODROME_MACHINE_ID when the runner host sets it (its `.env`), else a hash
 * of `/etc/machine-id` (the host's own id, not printed raw), else `local`.
 */
async function machineIdentity(io: Io): Promise<string> {
  const set = io.env.VELODROME_MACHINE_ID?.trim();
  if (set) return set.slice(0, 100);
  const id = (await readFile("/etc/machine-id", "utf8").catch(() => "")).trim();
  return id ? `machine-${createHash("sha256").update(id).digest("hex").slice(0, 12)}` : "local";
}

/**
 * The runner's private prompt set: `--private FILE`, else `verification.private_prompts` of
 * challenge.yaml when this machine has that file. A configured set the machine lacks is said once on
 * stderr (the confirmation then stays pending; the runbook's preflight checks every runner has it).
 */
async function privateSet(
  flag: string | undefined,
  challenge: Challenge,
  io: Io,
): Promise<string | undefined> {
  if (flag) return resolve(io.cwd, flag);
  const configured = challenge.verification.private_prompts;
  if (!configured) return undefined;
  const path = resolve(io.cwd, configured);
  const present = await access(path).then(
    () => true,
    () => false,
  );
  if (present) return path;
  io.err(
    `no private prompt set at ${configured} (verification.private_prompts) on this runner: confirmations stay pending`,
  );
  return undefined;
}

/** `velodrome evaluate`: parse options, decide the run mode, build the runner's adapters, run the flow. */
export async function evaluateCommand(argv: string[], io: Io): Promise<number> {
  const { help, values: v } = parseOptions(OPTIONS, argv, false);
  if (help) return (io.out(helpText(EVALUATE)), 0);
  const root = resolve(io.cwd, v.repo);
  const main = nodeRepoFiles(root);
  const challenge = await loadChallenge(main);
  const programRoot = resolve(import.meta.dirname, "../..");
  const kind = challenge.engine.kind;
  const sandbox = v.sandbox as SandboxMode;
  const mode = await runModeOf(v, io, { kind, programRoot, sandbox });
  const launcher = enginesHere(mode) ? makeLauncher(kind, programRoot, sandbox) : noEngines(kind);
  const ports: EvaluatePorts = {
    ...nodeBenchPorts(
      launcher,
      progressFor((s) => process.stderr.write(s), io.isTTY),
    ),
    main,
    // VELODROME_WORK: a short folder for the runs' work (evaluate.yml makes one per job under /tmp);
    // without it, the checkout's own when its engine socket paths fit, else a folder under /tmp.
    workRoot: io.env.VELODROME_WORK
      ? resolve(io.cwd, io.env.VELODROME_WORK)
      : await fittingWorkFolder(join(root, ".velodrome/evaluate"), 1 + String(v["run-id"] ?? "").length),
    repoAt: nodeRepoFiles,
    fetcher: gitSubmissionFetcher(root, v.remote),
    validator: gitPullValidator(main, v.remote, io.env.GITHUB_REF_NAME ?? "main"),
    dataStore: () =>
      gitDataStore({
        remote: v.remote,
        branch: v["data-branch"] ?? challenge.data_branch,
        dir: join(root, ".velodrome/evaluate", v["run-id"], "data"),
      }),
  };
  const request = await requestOf(v, io, challenge, mode);
  const refusal = enginesHere(mode) ? await suspendedRefusal(ports, request, v) : undefined;
  if (refusal) return (io.err(refusal), 1);
  if (mode.kind === "share") return runShareCommand(ports, challenge, request, mode, io);
  const outcome = await evaluate(ports, challenge, request, mode);
  // The job log is public: only fixed phrases here; the raw text stays in the local log file.
  if (outcome.kind === "not-fetched") return (io.err(`${outcome.reason} (details: ${outcome.log})`), 1);
  const { record, nextLook } = outcome;
  // Not a result to publish: the workflow reads `nextLook` from the JSON and dispatches that look.
  if (nextLook !== null) return (io.out(`look ${nextLook} has not run yet → ${v.out} (nextLook)`), 0);
  io.out(`${record.status}${record.comparison ? `: ${record.comparison.verdict}` : ""} → ${v.out}`);
  return record.status === "error" ? 1 : 0;
}

/**
 * Whether this machine is suspended on the data branch (see `suspendedHere`). A data branch that
 * cannot be read leaves the decision to dispatch, which already pins runs away from suspended
 * machines where organizers label each runner with its machine id.
 */
async function suspendedRefusal(
  ports: EvaluatePorts,
  r: EvaluateRequest,
  v: Values,
): Promise<string | undefined> {
  const state = await ports
    .dataStore()
    .read()
    .catch(() => undefined);
  return suspendedHere(state?.runnerSteps ?? [], r.runner.id, v.slug === v.against);
}

/** The dispatched run's request, with where it runs: a gather names the pool, not this machine. */
async function requestOf(v: Values, io: Io, challenge: Challenge, mode: RunMode): Promise<EvaluateRequest> {
  // Gathered, the launches ran on the pool's runners (each named per launch), not on this machine.
  const gathered = mode.kind === "gather";
  const hardware = gathered
    ? challenge.hardware.description.slice(0, 300)
    : `${challenge.hardware.description} — ${await describeHardware()}`.slice(0, 300);
  const runnerId = gathered ? (challenge.runners?.label ?? "runner-pool") : await machineIdentity(io);
  const privatePrompts = enginesHere(mode) ? await privateSet(v.private, challenge, io) : undefined;
  return {
    runId: v["run-id"],
    pr: v.pr,
    sha: v.sha,
    slug: v.slug,
    against: v.against,
    blocks: v.blocks,
    ...(privatePrompts ? { privatePrompts } : {}),
    // A folder outside the checkout (actions/checkout cleans ignored files): plain references persist.
    ...(io.env.VELODROME_CACHE ? { cacheDir: resolve(io.cwd, io.env.VELODROME_CACHE) } : {}),
    out: resolve(io.cwd, v.out),
    runner: { id: runnerId.slice(0, 100), hardware },
    ...(v.verify ? { deadlineMinutes: VERIFY_JOB_MINUTES } : {}),
  };
}

/** A runner's share of one look: its launch results (or the error that stopped it) as JSON. */
async function runShareCommand(
  ports: EvaluatePorts,
  challenge: Challenge,
  r: EvaluateRequest,
  mode: ShareMode,
  io: Io,
): Promise<number> {
  const run = { id: r.runId, commit: r.sha }; // the gather job refuses results of another run
  try {
    const outcome = await evaluateShare(ports, challenge, r, mode);
    if (outcome.kind === "not-fetched") {
      await ports.files.write(
        r.out,
        JSON.stringify({ run, error: { code: "sha-moved", message: outcome.reason } }),
      );
      return (io.err(outcome.reason), 1);
    }
    await ports.files.write(r.out, encodeResults(outcome.results, run) + "\n");
    io.out(
      `share ${mode.share + 1}/${mode.shares} of look ${mode.look}: ${outcome.results.length} launches → ${r.out}`,
    );
    return 0;
  } catch (e) {
    await ports.files.write(r.out, encodeError(e, run));
    return (io.err(`${(e as Error).message}`.slice(0, 2000)), 1);
  }
}
