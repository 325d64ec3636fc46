import type { Challenge } from "../../core/schema/challenge.ts";
import type { LaunchRecord, RunRecord } from "../../core/schema/run-record.ts";
import type { Comparison } from "../../core/stats/compare.ts";
import type { Clock, EngineClient, EngineLauncher, Progress, WorkFiles } from "../../ports.ts";
import type { Contender, PromptSet } from "../reference.ts";

export type { Contender, PromptSet } from "../reference.ts";

/**
 * The ports, options and results of a benchmark run (runner/flows/run/): the types every phase and
 * every caller share, in a module that imports no phase, so no import cycle can form through them.
 */

/** The world a benchmark touches, passed in (adapters in production, fakes in tests). */
export interface BenchPorts {
  launcher: EngineLauncher;
  client: EngineClient;
  files: WorkFiles;
  clock: Clock;
  progress: Progress;
}

/** One worker's share of a look: whole blocks, each run entirely by that worker. */
export interface BlockShare {
  machine: string;
  blocks: number[];
  /** The design's last look (the block order is planned for it). */
  maxBlocks: number;
  /** Absolute time (the clock's ms) past which the share stops with DeadlinePassed. */
  deadline: number;
}

/** Runs shares of blocks in other processes; resolves to each share's launch results, in its block order. */
export interface BlockPool {
  workers: number;
  run(o: BenchOptions, shares: BlockShare[]): Promise<LaunchResult[][]>;
}

/** The launch results other runners ran (evaluate.yml's matrix shares), read as data. */
export interface GatheredShares {
  /**
   * The launches of `block` the shares hold; undefined when no share ran it (its look has not run
   * yet). Throws the error of a refused share (another run's, a launch twice), or, for a block no
   * share holds, the error of a share that failed (a passed cap stays DeadlinePassed).
   */
  launchesOf(block: number): LaunchResult[] | undefined;
}

/**
 * Where a run's blocks run, decided once by the entry point (cli/evaluate.ts, cli/bench.ts) and
 * passed down: `here` in this process; `pool` over worker processes of this host; `share` one
 * runner's share of one look (the matrix job); `gather` the matrix's shares analysed as data, with
 * `enginesHere` when this machine is a runner of the pool (the verify job: plain-decode references,
 * trusted scorer and private confirmation run here) and without it on the GitHub-hosted gather job,
 * where no engine may start.
 */
export type RunMode =
  | { kind: "here" }
  | { kind: "pool"; pool: BlockPool }
  | { kind: "share"; look: number; share: number; shares: number }
  | {
      kind: "gather";
      shares: GatheredShares;
      enginesHere: boolean;
      /**
       * The look this dispatch ran (evaluate.yml's `look` input): every block up to its end must be
       * in the shares. One missing means a share left no result (its job died, or its engine stopped
       * the trusted client), and the run ends in error rather than naming a look it already ran.
       */
      look?: number;
    };

export const HERE: RunMode = { kind: "here" };

/** Whether engines may start on this machine in this mode (every mode but a gather off the pool). */
export const enginesHere = (mode: RunMode) => mode.kind !== "gather" || mode.enginesHere;

export interface BenchOptions {
  id: string;
  challenge: Challenge;
  candidate: Contender;
  incumbent: Contender;
  public: PromptSet;
  /** Read by this trusted process only; only rounded aggregates reach the record. */
  private?: PromptSet;
  workDir: string;
  seed: number;
  /** Fixed block count (final at that count); default: the challenge's looks. */
  blocks?: number;
  runner: { id: string; hardware: string };
  requester?: { login: string; id: number };
  credited?: string;
  pr?: number;
  /** Whole-run time cap; past it the run ends as `error` (it still counts against quota). */
  deadlineMs?: number;
  startTimeoutMs?: number;
  requestTimeoutMs?: number;
  harness?: string;
  /** Where plain-decode references are cached (absolute); default: inside workDir (no reuse). */
  plainCacheDir?: string;
  /** The trusted scorer: the challenge's baseline from the harness's checkout. None: no decode-path check. */
  scorer?: Contender;
}

export interface BenchResult {
  record: RunRecord;
  comparison?: Comparison;
  /** Per-prompt outputs of the candidate's first launch on the public set (for the audit file). */
  outputs: Map<string, number[]>;
  /** A gathered run whose next look's blocks no share holds: that look (1-based). Otherwise null. */
  nextLook: number | null;
}

export interface LaunchResult {
  record: LaunchRecord;
  /** Per prompt the output of its first timed pass. */
  outputs: Map<string, number[]>;
  /** Per prompt the outputs of later passes that differed from the first (absent: none did). */
  variants?: Map<string, number[][]>;
  scoring?: { nll: number; n: number }[];
}

/** How a run ends so far: measured (with a note), refused by verification, or stopped by an error. */
export type Outcome =
  | { status: "ok"; reason?: string }
  | { status: "invalid"; reason: string }
  | { status: "error"; reason: string; failedArm?: "incumbent" };
