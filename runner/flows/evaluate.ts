import { join } from "node:path";
import { ShaMoved } from "../core/errors.ts";
import { errorPhrase, releasableRecord } from "../core/github/record-check.ts";
import {
  DEFAULT_PUBLIC_REFERENCE,
  manifestPath,
  PLAIN_REFERENCE_CACHE,
  submissionDir,
} from "../core/layout.ts";
import type { Challenge } from "../core/schema/challenge.ts";
import { EvaluateResult, type RunRecord } from "../core/schema/run-record.ts";
import { standingRun } from "../core/standings.ts";
import { seedFrom } from "../core/stats/rng.ts";
import { formatProblem } from "../core/validate/problem.ts";
import type { DataStore, PullValidator, RepoFiles, SubmissionFetcher } from "../ports.ts";
import {
  HERE,
  runBenchmark,
  runShare,
  type BenchOptions,
  type BenchPorts,
  type PromptSet,
  type RunMode,
} from "./run/index.ts";
import { loadPromptSet } from "./reference.ts";
import { loadManifest } from "./repo-load.ts";

/**
 * The evaluate use case (what the self-hosted runner executes for a dispatched run): copy the PR's
 * submission at its pinned SHA as data, bench it against the incumbent, and write one small JSON
 * result for the publish job. The runner's own code and challenge come from main, never the PR.
 */

export interface EvaluatePorts extends BenchPorts {
  /** The main checkout the runner runs from. */
  main: RepoFiles;
  /** Opens a repository folder (the bench repository assembled for this run). */
  repoAt(root: string): RepoFiles;
  fetcher: SubmissionFetcher;
  /** The data branch, read when the incumbent lives only in a PR's recorded run. */
  dataStore(): DataStore;
  /** Full validation of the PR at the pinned SHA, re-run here before anything is launched. */
  validator: PullValidator;
  /**
   * Where runs keep their work folders (engine scratch folders and sockets, the raw log); default
   * `.velodrome/evaluate` in the main checkout. A runner's checkout path is long
   * (`<runner>/_work/<repo>/<repo>`) and an engine's Unix socket path may hold 107 bytes at most.
   */
  workRoot?: string;
}

export interface EvaluateRequest {
  runId: string;
  /** The PR whose head must still be `sha`; 0 for scheduled re-runs, which fetch the pinned commit itself. */
  pr: number;
  sha: string;
  slug: string;
  against: string;
  /** 0: the challenge's planned looks. */
  blocks: number;
  /** A private prompt set on this runner (relative paths: to the main checkout), to confirm a claimed lead. */
  privatePrompts?: string;
  /** Where the result JSON goes. */
  out: string;
  /**
   * The runner's lasting cache folder (absolute): plain-decode references live there across runs.
   * Default: PLAIN_REFERENCE_CACHE in the main checkout (which a cleaning checkout step wipes).
   */
  cacheDir?: string;
  runner: { id: string; hardware: string };
  /** The job's own time budget in minutes (default: the challenge's `job_timeout_minutes`). */
  deadlineMinutes?: number;
}

/**
 * What evaluate wrote: the releasable record when the bench ran, or why it stopped before. Reasons
 * here are fixed phrases (they reach the public job log); the raw text is in `log` on this runner.
 */
export type EvaluateOutcome =
  | { kind: "benched"; record: RunRecord; nextLook: number | null; log: string }
  | { kind: "not-fetched"; reason: string; shaMoved: boolean; log: string };

/** The run's working folder under the main checkout, and the bench repository inside it. */
const workOf = (ports: EvaluatePorts, runId: string) =>
  join(ports.workRoot ?? join(ports.main.root, ".velodrome/evaluate"), runId);

/**
 * The incumbent: from main when it is merged, else at the commit of the run that established its
 * standing (the lead, for the leader), as the standings core decides it. Never simply the last
 * recorded run of that slug: a later failed or forged run must not swap in other code.
 */
async function fetchIncumbent(
  ports: EvaluatePorts,
  challenge: Challenge,
  r: EvaluateRequest,
  benchRoot: string,
) {
  const { root } = ports.main;
  if (await ports.main.read(manifestPath(r.against))) {
    const dir = submissionDir(r.against);
    await ports.files.copyDir(join(root, dir), join(benchRoot, dir));
    return;
  }
  const state = await ports.dataStore().read();
  const lifecycle = state.lifecycle ?? [];
  const run = standingRun({ challenge, runs: state.runs, rulings: state.rulings, lifecycle }, r.against);
  if (!run)
    throw new Error(`incumbent \`${r.against}\` is neither on the default branch nor has a standing run`);
  await ports.fetcher.fetch({ sha: run.candidate.commit!, slug: r.against, into: benchRoot });
}

/**
 * A bench repository: main's challenge definition plus the two submission folders as data.
 * Returns why it could not be assembled (a moved SHA, a fetch failure) instead of throwing.
 */
async function assembleBenchRepo(
  ports: EvaluatePorts,
  challenge: Challenge,
  r: EvaluateRequest,
  benchRoot: string,
) {
  await ports.files.mkdir(benchRoot);
  await ports.files.copyDir(join(ports.main.root, "challenge"), join(benchRoot, "challenge"));
  try {
    await ports.fetcher.fetch({ ...(r.pr ? { pr: r.pr } : {}), sha: r.sha, slug: r.slug, into: benchRoot });
    await fetchIncumbent(ports, challenge, r, benchRoot);
    return undefined;
  } catch (e) {
    if (e instanceof ShaMoved) return { reason: e.message, shaMoved: true };
    return { reason: `could not fetch the submission: ${(e as Error).message}`, shaMoved: false };
  }
}

/**
 * The PR author a dispatched run is for, from its reservation on the data branch (the bot wrote it
 * at /bench; the dispatch's inputs are only checked against it), so evaluate can check folder
 * ownership again. Undefined for a scheduled re-run of a pinned commit (pr 0); a string says why
 * the run has no matching reservation.
 */
async function reservedAuthor(ports: EvaluatePorts, r: EvaluateRequest) {
  if (!r.pr) return undefined;
  const reservation = (await ports.dataStore().read()).reservations.find((x) => x.id === r.runId);
  if (!reservation) return `run ${r.runId} has no reservation on the data branch`;
  const same = reservation.pr === r.pr && reservation.sha === r.sha && reservation.slug === r.slug;
  if (!same || reservation.against !== r.against)
    return `run ${r.runId}'s inputs differ from its reservation`;
  return { login: reservation.author };
}

/** The public prompt set (and the private one when this runner has it), with their references. */
async function promptSets(ports: EvaluatePorts, challenge: Challenge, r: EvaluateRequest, workDir: string) {
  const source = { repo: ports.main, challenge, workDir };
  const referencePath = challenge.verification.reference.outputs ?? DEFAULT_PUBLIC_REFERENCE;
  const pub = await loadPromptSet(ports, { ...source, promptsPath: challenge.metric.prompts, referencePath });
  let priv: PromptSet | undefined;
  if (r.privatePrompts) {
    const privateSource = {
      promptsPath: r.privatePrompts,
      referencePath: `${r.privatePrompts}.reference.jsonl`,
    };
    priv = await loadPromptSet(ports, { ...source, ...privateSource });
  }
  return { pub, priv };
}

/** Where the raw (unreleased) record and error text of a run stay: the runner's local log folder. */
const rawLogOf = (work: string) => join(work, "result.raw.json");

/** The bench options of a dispatched run, or why its submissions could not be assembled. */
export async function prepareRun(
  ports: EvaluatePorts,
  challenge: Challenge,
  r: EvaluateRequest,
): Promise<{ options: BenchOptions } | { reason: string; shaMoved: boolean }> {
  const work = workOf(ports, r.runId);
  const benchRoot = join(work, "repo");
  const failed = await assembleBenchRepo(ports, challenge, r, benchRoot);
  if (failed) return failed;
  // /bench validated the PR, but the runner trusts no earlier step: no launch (not even the
  // reference's) happens for a commit that fails validation (env deny-list, owned flags, file policy,
  // and folder ownership: the base may have changed since /bench, e.g. merged someone's folder).
  const author = await reservedAuthor(ports, r);
  if (typeof author === "string")
    return { reason: `validation failed at ${r.sha}: ${author}`, shaMoved: false };
  const validation = await ports.validator.validate({ pr: r.pr, sha: r.sha, ...(author ? { author } : {}) });
  if (!validation.ok) {
    const problems = validation.problems.map(formatProblem).join("\n");
    return { reason: `validation failed at ${r.sha}:\n${problems}`, shaMoved: false };
  }
  const repo = ports.repoAt(benchRoot);
  const { pub, priv } = await promptSets(ports, challenge, r, work);
  const options: BenchOptions = {
    id: r.runId,
    challenge,
    candidate: { slug: r.slug, manifest: await loadManifest(repo, r.slug), commit: r.sha },
    incumbent: { slug: r.against, manifest: await loadManifest(repo, r.against) },
    public: pub,
    ...(priv ? { private: priv } : {}),
    workDir: work,
    // Kept on the runner across runs, so a second run of the same commit reuses its plain decode.
    plainCacheDir: r.cacheDir
      ? join(r.cacheDir, "plain-reference")
      : join(ports.main.root, PLAIN_REFERENCE_CACHE),
    // The trusted scorer is the baseline from main's checkout, never from the pull request.
    scorer: { slug: challenge.baseline, manifest: await loadManifest(ports.main, challenge.baseline) },
    seed: seedFrom(r.runId),
    ...(r.blocks ? { blocks: r.blocks } : {}),
    ...(r.deadlineMinutes ? { deadlineMs: r.deadlineMinutes * 60_000 } : {}),
    runner: r.runner,
  };
  return { options };
}

/**
 * Evaluates one dispatched run and writes its result file; the outcome says what happened. The
 * result file is a public artifact, so it holds only the releasable record (fixed phrases, coarse
 * private figures); the raw record, engine error text included, stays in the run's local folder.
 */
export async function evaluate(
  ports: EvaluatePorts,
  challenge: Challenge,
  r: EvaluateRequest,
  mode: RunMode = HERE,
): Promise<EvaluateOutcome> {
  const work = workOf(ports, r.runId);
  const log = rawLogOf(work);
  let stopped: { reason: string; shaMoved: boolean };
  try {
    const prepared = await prepareRun(ports, challenge, r);
    if ("options" in prepared) {
      const { record, nextLook } = await runBenchmark(ports, prepared.options, mode);
      await ports.files.write(log, JSON.stringify(record, null, 2) + "\n");
      const released = releasableRecord(record, challenge);
      const result = EvaluateResult.parse({ ...released, nextLook });
      await ports.files.write(r.out, JSON.stringify(result) + "\n");
      return { kind: "benched", record: released, nextLook, log };
    }
    stopped = prepared;
  } catch (e) {
    stopped = { reason: `${(e as Error).message}`, shaMoved: false };
  }
  await ports.files.mkdir(work);
  await ports.files.write(log, JSON.stringify({ status: "error", reason: stopped.reason }, null, 2) + "\n");
  const reason = errorPhrase(stopped.reason);
  const result = EvaluateResult.parse({ version: 1, id: r.runId, status: "error", reason, nextLook: null });
  await ports.files.write(r.out, JSON.stringify(result) + "\n");
  return { kind: "not-fetched", reason, shaMoved: stopped.shaMoved, log };
}

/**
 * One runner's share of one look (evaluate.yml's matrix): the look's new blocks, dealt round-robin
 * over `of` runners; this runner takes those at `index`. Every block stays on one machine.
 */
export function lookShare(looks: readonly number[], look: number, index: number, of: number): number[] {
  const from = look > 1 ? looks[look - 2]! : 0;
  const to = looks[look - 1];
  if (to === undefined) return [];
  const blocks: number[] = [];
  for (let b = from + index; b < to; b += of) blocks.push(b);
  return blocks;
}

/** A runner's share of one look of the matrix (evaluate.yml). */
export type ShareMode = Extract<RunMode, { kind: "share" }>;

/** Runs one runner's share of a look; the launch results go to the publish job as an artifact. */
export async function evaluateShare(
  ports: EvaluatePorts,
  challenge: Challenge,
  r: EvaluateRequest,
  mode: ShareMode,
) {
  const prepared = await prepareRun(ports, challenge, r);
  if (!("options" in prepared)) return { kind: "not-fetched" as const, ...prepared };
  const looks = r.blocks ? [r.blocks] : challenge.significance.looks;
  const deadline = ports.clock() + challenge.job_timeout_minutes * 60_000;
  const share = {
    machine: r.runner.id,
    blocks: lookShare(looks, mode.look, mode.share, mode.shares),
    maxBlocks: looks[looks.length - 1]!,
    deadline,
  };
  return { kind: "ran" as const, results: await runShare(ports, prepared.options, share) };
}
