/**
 * The cost model of a sequential benchmark design: how many GPU minutes and wall minutes each look
 * costs, and whether one matrix job of a look fits the per-job cap. Pure arithmetic, no I/O.
 *
 * A launch = engine start-up + (warm-up requests + repeats × prompts in its group) × max_tokens decoded
 * at the engine's speed. A block = one launch per arm on one runner (launches_per_block = 2). A look
 * fans its new blocks out over R runners; each runner runs its share of blocks one after another in
 * one matrix job, so a look's wall time is ⌈new blocks / R⌉ blocks. Not modelled: queueing for
 * runners, job set-up (checkout, image pull) and the GitHub-hosted publish job; the quality check
 * (perplexity, greedy agreement) rides on the timed requests, so it adds no launches.
 */

export interface PlanDesign {
  /** Public prompts in the challenge. */
  prompts: number;
  /** Prompts each launch decodes (a seeded group; both arms of a block run the same group). */
  promptsPerGroup: number;
  maxTokens: number;
  warmup: number;
  repeats: number;
  /** Cumulative block counts at which the sequential test looks. */
  looks: readonly number[];
  launchesPerBlock: number;
  alpha: number;
  /** δ as a fraction of the incumbent's speed (1% → 0.01). */
  minEffect: number;
}

export interface Fleet {
  /** Engine decode speed, tokens per second. */
  tps: number;
  /** Seconds from process start to ready, per launch. */
  startupSeconds: number;
  runners: number;
  /** Per-job cap in minutes (job_timeout_minutes). */
  jobCapMinutes: number;
}

export interface LookCost {
  /** Cumulative blocks when this look is analysed. */
  blocks: number;
  /** Blocks added by this look, spread over the runners. */
  newBlocks: number;
  /** Cumulative GPU minutes if the verdict comes at this look. */
  gpuMinutes: number;
  /** Cumulative wall minutes if the verdict comes at this look. */
  wallMinutes: number;
  /** Minutes of the longest matrix job of this look (its runner's share of blocks). */
  jobMinutes: number;
  fitsCap: boolean;
}

/** Seconds one launch holds a GPU: start-up plus every decoded token of its warm-ups and timed group. */
export function launchSeconds(d: PlanDesign, f: Fleet): number {
  const requests = d.warmup + d.repeats * d.promptsPerGroup;
  return f.startupSeconds + (requests * d.maxTokens) / f.tps;
}

/** Minutes one block holds its runner (its launches run one after another on the same machine). */
export function blockMinutes(d: PlanDesign, f: Fleet): number {
  return (d.launchesPerBlock * launchSeconds(d, f)) / 60;
}

/** Cost of every look, cumulative up to that look. */
export function lookCosts(d: PlanDesign, f: Fleet): LookCost[] {
  const perBlock = blockMinutes(d, f);
  const out: LookCost[] = [];
  let previous = 0;
  let wall = 0;
  for (const blocks of d.looks) {
    const newBlocks = blocks - previous;
    const jobMinutes = Math.ceil(newBlocks / f.runners) * perBlock;
    wall += jobMinutes;
    out.push({
      blocks,
      newBlocks,
      gpuMinutes: blocks * perBlock,
      wallMinutes: wall,
      jobMinutes,
      fitsCap: jobMinutes <= f.jobCapMinutes,
    });
    previous = blocks;
  }
  return out;
}

/**
 * Expected cost per verdict given the probability that the run stops at each look (they sum to 1;
 * the last look always stops).
 */
export function expectedCost(
  looks: readonly LookCost[],
  stopAt: readonly number[],
): { gpuMinutes: number; wallMinutes: number } {
  let gpu = 0;
  let wall = 0;
  looks.forEach((l, i) => {
    gpu += (stopAt[i] ?? 0) * l.gpuMinutes;
    wall += (stopAt[i] ?? 0) * l.wallMinutes;
  });
  return { gpuMinutes: gpu, wallMinutes: wall };
}

/** Prompts timed for each arm by the last look (groups rotate; capped at the public set). */
export function promptsCovered(d: PlanDesign): number {
  const last = d.looks[d.looks.length - 1] ?? 0;
  return Math.min(d.prompts, last * d.promptsPerGroup);
}

/**
 * What verification adds to a verdict beyond its blocks (issue 11), on one runner:
 * - the candidate's plain-decode reference: one launch decoding every public prompt (and as many
 *   private ones, assumed as many) without the decode-time options — once per new commit, since it
 *   is cached by commit and configuration (the incumbent's is usually cached already);
 * - the trusted scorer: one launch of the baseline that scores both arms' timed and plain outputs,
 *   prompt processing only, taken at 10× the decode speed (prefill of a batch-1 engine).
 */
export function verificationMinutes(
  d: PlanDesign,
  f: Fleet,
): { plainPerCommit: number; scorerPerRun: number } {
  const plain = f.startupSeconds + (2 * d.prompts * d.maxTokens) / f.tps;
  const scored = 2 * 2 * Math.min(d.prompts, promptsCovered(d)) * d.maxTokens;
  const scorer = f.startupSeconds + scored / (10 * f.tps);
  return { plainPerCommit: plain / 60, scorerPerRun: scorer / 60 };
}
