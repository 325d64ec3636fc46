import { spawn } from "node:child_process";
import { createWriteStream } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { z } from "zod";
import { DeadlinePassed, EngineFailure, errorCode } from "../core/errors.ts";
import { ReferenceLine } from "../core/prompts.ts";
import { LaunchRecord } from "../core/schema/run-record.ts";
import type {
  BenchOptions,
  BlockPool,
  BlockShare,
  GatheredShares,
  LaunchResult,
} from "../flows/run/types.ts";
import { armOf, tagArm } from "../flows/run/outcome.ts";
import type { SandboxMode } from "./sandbox/select.ts";

const ARMS = ["candidate", "incumbent"] as const;

/**
 * `--runners N` on one host: a look's blocks shared out over N worker processes, each running the
 * same benchmark flow on its share (the hidden `velodrome bench-blocks` command) and writing its
 * launch results as JSON. The parent absorbs them in block order, exactly as it would have run
 * them itself. Job and result files live in the run's work folder; a worker's progress goes to
 * its log there.
 */

/** How a worker builds its engine launcher (the same as the parent's). */
export interface WorkerLauncher {
  kind: "embedded" | "vllm";
  programRoot: string;
  sandbox: SandboxMode;
  repoRoot?: string;
}

// The challenge and manifests were parsed (and transformed) by the parent: checked for shape only.
const Parsed = z.looseObject({});
const Contender = z.object({ slug: z.string(), manifest: Parsed, commit: z.string().optional() });
const PromptItem = z.looseObject({ id: z.string(), ids: z.array(z.number()) });

/** What a worker reads: the launcher, the bench options (public set only) and its share. */
export const ShareJob = z.object({
  launcher: z.object({
    kind: z.enum(["embedded", "vllm"]),
    programRoot: z.string(),
    sandbox: z.string(),
    repoRoot: z.string().optional(),
  }),
  options: z.looseObject({
    challenge: Parsed,
    candidate: Contender,
    incumbent: Contender,
    public: z.object({
      prompts: z.array(PromptItem),
      reference: z.array(z.tuple([z.string(), ReferenceLine])),
      referencePpl: z.number(),
    }),
  }),
  share: z.object({
    machine: z.string(),
    blocks: z.array(z.number().int()),
    maxBlocks: z.number().int(),
    deadline: z.number(),
  }),
});

/** Which run a share result is from: the gather refuses another run's (or another commit's) results. */
const ShareRun = z.strictObject({ id: z.string(), commit: z.string() });
export type ShareRun = z.infer<typeof ShareRun>;

/** What a worker writes: its launches' results, or the error that stopped it. */
export type ShareResult = z.infer<typeof ShareResult>;
export const ShareResult = z.union([
  z.object({
    run: ShareRun.optional(),
    results: z.array(
      z.object({
        record: LaunchRecord,
        outputs: z.array(z.tuple([z.string(), z.array(z.number())])),
        variants: z.array(z.tuple([z.string(), z.array(z.array(z.number()))])).optional(),
        scoring: z.array(z.object({ nll: z.number(), n: z.number() })).optional(),
      }),
    ),
  }),
  z.object({
    run: ShareRun.optional(),
    // `arm`: whose engine failed, so the gathered run charges the right side (failedArm).
    error: z.object({ code: z.string(), message: z.string(), arm: z.enum(ARMS).optional() }),
  }),
]);

/**
 * A share's or worker's error as its result file says it: the error's code, its message (capped)
 * and, for a launch failure, the arm whose engine caused it.
 */
export function encodeError(e: unknown, run?: ShareRun): string {
  const arm = armOf(e);
  const error = {
    code: errorCode(e),
    message: `${(e as Error).message}`.slice(0, 2000),
    ...(arm === "candidate" || arm === "incumbent" ? { arm } : {}),
  };
  return JSON.stringify({ ...(run ? { run } : {}), error }) + "\n";
}

/** The job file's JSON: maps become entry lists; the private set never leaves the parent. */
export function encodeJob(launcher: WorkerLauncher, o: BenchOptions, share: BlockShare): string {
  const { private: _private, ...rest } = o;
  const pub = { ...o.public, reference: [...o.public.reference] };
  return JSON.stringify({ launcher, options: { ...rest, public: pub }, share });
}

/** The bench options a worker runs with, rebuilt from its job. */
export function decodeJob(text: string) {
  const job = ShareJob.parse(JSON.parse(text));
  const p = job.options.public;
  const options = {
    ...job.options,
    public: { ...p, reference: new Map(p.reference) },
  } as unknown as BenchOptions;
  return { launcher: job.launcher as WorkerLauncher, options, share: job.share as BlockShare };
}

/** Launch results as JSON: maps become entry lists (a pass's differing outputs travel with the first). */
export function encodeResults(results: LaunchResult[], run?: ShareRun): string {
  const encode = ({ variants, ...r }: LaunchResult) => ({
    ...r,
    outputs: [...r.outputs],
    ...(variants ? { variants: [...variants] } : {}),
  });
  return JSON.stringify({ ...(run ? { run } : {}), results: results.map(encode) });
}

/**
 * A matrix share's result must name the run and commit being gathered (a result file of another
 * run, or of an earlier commit of the same PR, is refused), and no launch may come twice.
 */
function checkShare(text: string, run: ShareRun | undefined, seen: Set<string>): ShareResult {
  const parsed = ShareResult.parse(JSON.parse(text));
  if (run && (parsed.run?.id !== run.id || parsed.run.commit !== run.commit))
    throw new Error(`a share result is not from run ${run.id} at ${run.commit.slice(0, 12)}`);
  for (const r of "results" in parsed ? parsed.results : []) {
    const key = `${r.record.block}/${r.record.arm}`;
    if (seen.has(key)) throw new Error(`block ${r.record.block}'s ${r.record.arm} launch came in two shares`);
    seen.add(key);
  }
  return parsed;
}

/** A worker's results, or its error rethrown as the same kind (a passed cap stays a DeadlinePassed). */
export function decodeResults(text: string): LaunchResult[] {
  return launchResults(ShareResult.parse(JSON.parse(text)));
}

/** A parsed share's launch results, or its error rethrown as the same kind. */
function launchResults(r: ShareResult): LaunchResult[] {
  if ("error" in r) {
    if (r.error.code === "deadline") throw new DeadlinePassed(r.error.message);
    const e = r.error.code === "engine" ? new EngineFailure(r.error.message) : new Error(r.error.message);
    throw r.error.arm ? tagArm(e, r.error.arm) : e;
  }
  return r.results.map(({ variants, ...x }) => ({
    ...x,
    outputs: new Map(x.outputs),
    ...(variants ? { variants: new Map(variants) } : {}),
  }));
}

/** Runs one worker process to its end; its result file says what happened. */
async function runWorker(launcher: WorkerLauncher, o: BenchOptions, share: BlockShare, k: number) {
  const dir = join(o.workDir, "workers");
  await mkdir(dir, { recursive: true });
  const job = join(dir, `share-${k + 1}.job.json`);
  const out = join(dir, `share-${k + 1}.result.json`);
  await writeFile(job, encodeJob(launcher, o, share));
  const log = createWriteStream(join(dir, `share-${k + 1}.log`));
  await new Promise((r) => log.once("open", r));
  const bin = join(launcher.programRoot, "runner/bin/velodrome.mjs");
  const child = spawn(process.execPath, [bin, "bench-blocks", "--job", job, "--out", out], {
    stdio: ["ignore", log, log],
  });
  const code = await new Promise<number | null>((resolve) => {
    child.once("exit", (c) => resolve(c));
    child.once("error", () => resolve(-1));
  });
  log.end();
  const text = await readFile(out, "utf8").catch(() => undefined);
  if (text === undefined) throw new Error(`block worker ${k + 1} exited with code ${code} and no result`);
  return decodeResults(text);
}

/**
 * A pool of `workers` processes on this host. Every share runs to its end before the first
 * failure is rethrown, so no worker (nor its engine) outlives the look.
 */
export function processPool(workers: number, launcher: WorkerLauncher): BlockPool {
  return {
    workers,
    async run(o, shares) {
      const settled = await Promise.allSettled(shares.map((s, k) => runWorker(launcher, o, s, k)));
      const failed = settled.find((s) => s.status === "rejected");
      if (failed) throw (failed as PromiseRejectedResult).reason;
      return settled.map((s) => (s as PromiseFulfilledResult<LaunchResult[]>).value);
    },
  };
}

/**
 * The result files of a look's matrix (evaluate.yml, one per runner share), read as data: each
 * block's launches, for the benchmark flow to absorb and analyse exactly as if it had run them. A
 * foreign or repeated share fails the whole gather; a share that failed rethrows its error for the
 * blocks no share holds (a passed cap stays DeadlinePassed). A block no share ran is simply absent:
 * the looks phase reads that as "this look has not run yet" and names it as the run's next look.
 */
export function gatheredShares(resultTexts: readonly string[], run?: ShareRun): GatheredShares {
  const byBlock = new Map<number, LaunchResult[]>();
  const errors: unknown[] = [];
  const seen = new Set<string>();
  let refused: Error | undefined;
  for (const text of resultTexts) {
    let parsed: ShareResult;
    try {
      parsed = checkShare(text, run, seen);
    } catch (e) {
      refused ??= e as Error;
      continue;
    }
    try {
      for (const r of launchResults(parsed))
        byBlock.set(r.record.block, [...(byBlock.get(r.record.block) ?? []), r]);
    } catch (e) {
      errors.push(e);
    }
  }
  return {
    launchesOf(block) {
      if (refused) throw refused;
      const results = byBlock.get(block);
      // The incumbent's failure only when no share failed otherwise: the first file's error would
      // let a candidate that broke one share pass as the incumbent's fault another share met.
      if (!results && errors.length) throw errors.find((e) => armOf(e) !== "incumbent") ?? errors[0];
      return results;
    },
  };
}
