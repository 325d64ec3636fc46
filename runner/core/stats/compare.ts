import tQuantile from "@stdlib/stats-base-dists-t-quantile";
import { formatMinEffect, type MinEffect, type Verdict } from "../schema/common.ts";
import { mean, sd } from "./basic.ts";
import type { Arm } from "./design.ts";
import { perLookAlpha, tCrit } from "./sequential.ts";
import {
  bootstrapTInterval,
  hodgesLehmann1,
  hodgesLehmann2,
  mannWhitney,
  pairedT,
  welchT,
  wilcoxon,
  type TResult,
} from "./tests.ts";

/** One engine launch: its timed runs (tokens/s), averaged into one observation. */
export interface Launch {
  arm: Arm;
  launch: string;
  block?: number;
  runs: number[];
}

export interface CompareConfig {
  alpha: number;
  minEffect: MinEffect;
  looks: readonly number[];
  /** Seed for the bootstrap; the result is a pure function of data and config. */
  seed?: number;
  /** Treat this as the last look whatever the block count (e.g. the job ran out of time). */
  final?: boolean;
  /** Bootstrap resamples (default 4000; 0 skips the bootstrap, e.g. inside simulations). */
  bootstrapReps?: number;
}

export type { Verdict } from "../schema/common.ts";

export interface ArmSummary {
  launches: number;
  runs: number;
  mean: number; // mean of launch means
  sd: number; // sd of launch means (between-launch spread)
  launchMeans: number[];
}

export interface Comparison {
  version: 1;
  verdict: Verdict;
  design: "paired" | "unpaired";
  estimate: number; // candidate − incumbent, tok/s
  ci: [number, number];
  confidence: number; // 1 − per-look alpha
  relative: { estimate: number; ci: [number, number] }; // as fractions of the incumbent mean
  delta: number; // δ in tok/s
  deltaSpec: string;
  alpha: number;
  alphaPerLook: number;
  look: LookPosition;
  blocks: number;
  arms: { candidate: ArmSummary; incumbent: ArmSummary };
  tests: {
    pairedT?: { t: number; df: number; p: number };
    wilcoxon?: { V: number; p: number; method: "exact" | "asymptotic" };
    welch: { t: number; df: number; p: number };
    mannWhitney: { U: number; p: number; method: "exact" | "asymptotic" };
    hodgesLehmann: number;
    /** Studentized bootstrap over blocks: a cross-check of the t interval's normality assumption. */
    bootstrap?: { ci: [number, number]; reps: number; method: "studentized" };
  };
  mde: number; // smallest true gain this design would call `faster` with 80% power at this look
  reasons: string[];
  warnings: string[];
}

export interface LookPosition {
  index: number;
  of: number;
  blocks: number;
  final: boolean;
  next?: number;
}

export class CompareError extends Error {}

/** The bootstrap's work (resamples × blocks) is capped so that compare stays linear in the data. */
const BOOTSTRAP_DRAWS = 4_000_000;
const MIN_BOOTSTRAP_REPS = 1000;

const fmt = (x: number, d = 2) => (Number.isFinite(x) ? x.toFixed(d) : String(x));
/** At most `k` items of a list, then "…", for warnings about many blocks. */
const some = (xs: readonly number[], k = 5) => xs.slice(0, k).join(", ") + (xs.length > k ? ", …" : "");

function launchMean(l: Launch): number {
  let s = 0;
  for (const r of l.runs) s += r;
  return s / l.runs.length;
}

function summarize(means: number[], runs: number): ArmSummary {
  return {
    launches: means.length,
    runs,
    mean: mean(means),
    sd: means.length > 1 ? sd(means) : 0,
    launchMeans: means,
  };
}

/** Every run must be a positive finite number; both arms present; blocks on all launches or none. */
function checkInput(launches: readonly Launch[]): void {
  let cand = 0;
  let withBlock = 0;
  for (const l of launches) {
    if (!l.runs.length) throw new CompareError(`launch ${l.launch} (${l.arm}) has no timed runs`);
    for (const r of l.runs)
      if (!Number.isFinite(r) || r <= 0)
        throw new CompareError(
          `launch ${l.launch} (${l.arm}) has a non-positive or non-finite tokens/s value: ${r}`,
        );
    if (l.arm === "candidate") cand++;
    if (l.block !== undefined) withBlock++;
  }
  const inc = launches.length - cand;
  if (!cand || !inc)
    throw new CompareError(`need launches of both arms, got ${cand} candidate and ${inc} incumbent`);
  if (withBlock && withBlock !== launches.length)
    throw new CompareError(
      "some launches have a block and some do not: give every line a block (paired) or none (unpaired)",
    );
}

/** The data the tests run on: launch means per arm and, when paired, one difference per block. */
interface Arranged {
  paired: boolean;
  arms: { candidate: ArmSummary; incumbent: ArmSummary };
  diffs: number[];
  warnings: string[];
}

/**
 * Each launch's position among the distinct block numbers (sorted), so that per-block sums live in
 * typed arrays: a native sort and binary searches instead of a map of a million entries.
 */
function blockIndex(launches: readonly Launch[]): { blocks: Float64Array; index: Uint32Array } {
  const all = new Float64Array(launches.length);
  launches.forEach((l, k) => (all[k] = l.block!));
  all.sort();
  let u = 0;
  for (let k = 0; k < all.length; k++) if (k === 0 || all[k] !== all[k - 1]) all[u++] = all[k]!;
  const blocks = all.slice(0, u);
  const index = new Uint32Array(launches.length);
  launches.forEach((l, k) => {
    let lo = 0;
    let hi = u - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (blocks[mid]! < l.block!) lo = mid + 1;
      else hi = mid;
    }
    index[k] = lo;
  });
  return { blocks, index };
}

/**
 * Pairs launches by block. A block without both arms is dropped together with its launches, so they
 * move neither the arm means, nor δ (relative to the incumbent mean), nor the unpaired tests.
 */
function arrangePaired(launches: readonly Launch[], means: Float64Array): Arranged {
  const { blocks, index } = blockIndex(launches);
  const sum = { candidate: new Float64Array(blocks.length), incumbent: new Float64Array(blocks.length) };
  const count = { candidate: new Uint32Array(blocks.length), incumbent: new Uint32Array(blocks.length) };
  launches.forEach((l, k) => {
    const b = index[k]!;
    sum[l.arm][b] = sum[l.arm][b]! + means[k]!;
    count[l.arm][b] = count[l.arm][b]! + 1;
  });
  const diffs: number[] = [];
  const dropped: number[] = [];
  const averaged: number[] = [];
  for (let b = 0; b < blocks.length; b++) {
    const cn = count.candidate[b]!;
    const inc = count.incumbent[b]!;
    if (!cn || !inc) dropped.push(blocks[b]!);
    else {
      if (cn > 1 || inc > 1) averaged.push(blocks[b]!);
      diffs.push(sum.candidate[b]! / cn - sum.incumbent[b]! / inc);
    }
  }
  const warnings: string[] = [];
  if (dropped.length)
    warnings.push(
      `${dropped.length} block(s) lack a launch of one arm and were left out with their launches ` +
        `(they count toward neither arm's mean nor δ): block ${some(dropped)}`,
    );
  if (averaged.length)
    warnings.push(
      `${averaged.length} block(s) have several launches of one arm; they were averaged: ` +
        `block ${some(averaged)}`,
    );
  if (diffs.length < 2)
    throw new CompareError(`need at least 2 complete blocks for a paired comparison, got ${diffs.length}`);
  const keep = (k: number) => count.candidate[index[k]!]! > 0 && count.incumbent[index[k]!]! > 0;
  return { paired: true, arms: armSummaries(launches, means, keep), diffs, warnings };
}

function armSummaries(
  launches: readonly Launch[],
  means: Float64Array,
  keep: (k: number) => boolean,
): Arranged["arms"] {
  const m = { candidate: [] as number[], incumbent: [] as number[] };
  const runs = { candidate: 0, incumbent: 0 };
  launches.forEach((l, k) => {
    if (!keep(k)) return;
    m[l.arm].push(means[k]!);
    runs[l.arm] += l.runs.length;
  });
  return {
    candidate: summarize(m.candidate, runs.candidate),
    incumbent: summarize(m.incumbent, runs.incumbent),
  };
}

function arrange(launches: readonly Launch[]): Arranged {
  const means = new Float64Array(launches.length);
  launches.forEach((l, k) => (means[k] = launchMean(l)));
  if (launches[0]!.block !== undefined) return arrangePaired(launches, means);
  const arms = armSummaries(launches, means, () => true);
  if (arms.candidate.launches < 2 || arms.incumbent.launches < 2)
    throw new CompareError(
      `an unpaired comparison needs at least 2 launches of each arm, got ${arms.candidate.launches} ` +
        `candidate and ${arms.incumbent.launches} incumbent`,
    );
  const warning =
    "unpaired design: launches were not run in blocks on one machine, so machine drift is not cancelled out";
  return { paired: false, arms, diffs: [], warnings: [warning] };
}

/**
 * Where this analysis sits in the planned looks. A look the design did not plan is refused: looking
 * at other block counts spends error rate that the per-look alpha did not budget for. `final` (the
 * job ran out of time) analyses whatever completed as the last look, only up to the last planned
 * look: beyond it, the extra look would spend α the design never had (5.4–6.9% overall measured
 * on real launches with 5% planned), so it is refused. Below the first planned look it never
 * decides (see compare: `unresolved`).
 */
export function lookPosition(n: number, looks: readonly number[], final: boolean): LookPosition {
  const planned = looks.filter((k) => k <= n).length;
  const lastPlanned = looks[looks.length - 1];
  if (final && lastPlanned !== undefined && n > lastPlanned)
    throw new CompareError(
      `--final at ${n} blocks is beyond the plan's last look (${lastPlanned} blocks): an extra look spends ` +
        `error rate the design did not budget, so the overall false-positive rate would pass α. ` +
        `Analyse the first ${lastPlanned} blocks, or plan the looks to include ${n} (--looks …,${n})`,
    );
  if (final) return { index: Math.max(planned, 1), of: looks.length, blocks: n, final: true };
  if (!looks.includes(n)) {
    const plan = looks.join(", ");
    const before = looks.filter((k) => k < n).pop();
    throw new CompareError(
      `${n} blocks is not a planned look (looks at ${plan} blocks): a verdict at an unplanned look ` +
        `would spend error rate the design did not budget. ` +
        (before !== undefined ? `Analyse the first ${before} blocks, ` : "") +
        `declare the look (--looks ${n} for a single analysis) or mark the run as cut short (--final)`,
    );
  }
  const last = n === looks[looks.length - 1];
  const next = looks.find((k) => k > n);
  return {
    index: planned,
    of: looks.length,
    blocks: n,
    final: last,
    ...(next !== undefined ? { next } : {}),
  };
}

interface Primary {
  result: TResult;
  se: number;
  df: number;
}

/** The primary interval (paired t or Welch) and every cross-check, all at the per-look alpha. */
function runTests(a: Arranged, alphaPerLook: number, cfg: CompareConfig) {
  const c = a.arms.candidate.launchMeans;
  const i = a.arms.incumbent.launchMeans;
  const welch = welchT(c, i, alphaPerLook);
  const tests: Comparison["tests"] = {
    welch: { t: welch.t, df: welch.df, p: welch.p },
    mannWhitney: mannWhitney(c, i),
    hodgesLehmann: a.paired ? hodgesLehmann1(a.diffs) : hodgesLehmann2(c, i),
  };
  const warnings: string[] = [];
  if (!a.paired) {
    const se = Math.sqrt(a.arms.candidate.sd ** 2 / c.length + a.arms.incumbent.sd ** 2 / i.length);
    return { tests, warnings, primary: { result: welch, se, df: welch.df } as Primary };
  }
  const paired = pairedT(a.diffs, alphaPerLook);
  tests.pairedT = { t: paired.t, df: paired.df, p: paired.p };
  tests.wilcoxon = wilcoxon(a.diffs);
  const boot = bootstrap(a.diffs, alphaPerLook, cfg);
  if (boot.ci) tests.bootstrap = boot.ci;
  if (boot.warning) warnings.push(boot.warning);
  const n = a.diffs.length;
  if (n < 6)
    warnings.push(
      `with ${n} blocks the Wilcoxon cross-check cannot reach p < 0.05 ` +
        `(its smallest two-sided p is ${fmt(2 / 2 ** n, 4)})`,
    );
  const primary: Primary = { result: paired, se: sd(a.diffs) / Math.sqrt(n), df: n - 1 };
  return { tests, warnings, primary };
}

/** The studentized bootstrap, with its work capped (it adds nothing over the t interval at many blocks). */
function bootstrap(diffs: number[], alpha: number, cfg: CompareConfig) {
  const wanted = cfg.bootstrapReps ?? 4000;
  if (wanted <= 0) return {};
  const reps = Math.min(wanted, Math.floor(BOOTSTRAP_DRAWS / diffs.length));
  if (reps < Math.min(wanted, MIN_BOOTSTRAP_REPS))
    return { warning: `bootstrap skipped: with ${diffs.length} blocks the t interval needs no cross-check` };
  const ci = bootstrapTInterval(diffs, alpha, cfg.seed ?? 1, reps);
  if (!Number.isFinite(ci[0]) || !Number.isFinite(ci[1]))
    return { warning: "the bootstrap could not bound the mean: too few distinct block differences" };
  return { ci: { ci, reps, method: "studentized" as const } };
}

interface Decision {
  verdict: Verdict;
  reason: string;
}

/**
 * Verdicts against ±δ. A tie needs the CI inside ±δ: an equivalence test (two one-sided tests, each
 * at half the per-look alpha). A zero-width CI never gives a verdict: real timings always vary.
 */
function decide(
  ci: [number, number],
  delta: number,
  look: LookPosition,
  ctx: { conf: string; d: string; mde: number },
): Decision {
  const [lo, hi] = ci;
  const where = `the ${ctx.conf} [${fmt(lo)}, ${fmt(hi)}]`;
  const undecided: Verdict = look.final ? "unresolved" : "inconclusive";
  const then = look.final
    ? `this was the last look, so the result is unresolved (the incumbent keeps the lead); ` +
      `the smallest gain this design could detect was ≈ ${fmt(ctx.mde)} tok/s`
    : `extend to ${look.next ?? "more"} blocks`;
  if (hi - lo === 0)
    return {
      verdict: undecided,
      reason:
        `${where} has zero width: every block gave the same difference, which real timings never do ` +
        `(check for duplicated or quantized samples); ${then}`,
    };
  if (lo > delta) return { verdict: "faster", reason: `${where} lies entirely above +${ctx.d}` };
  if (hi < -delta) return { verdict: "slower", reason: `${where} lies entirely below −${ctx.d}` };
  if (lo >= -delta && hi <= delta)
    return {
      verdict: "tie",
      reason: `${where} lies within ±${ctx.d}: equivalent, any difference is smaller than the minimum effect`,
    };
  return { verdict: undecided, reason: `${where} straddles ±${ctx.d}; ${then}` };
}

/** A cut run never decides with fewer blocks than the first planned look. */
function belowFirstLook(d: Decision, n: number, looks: readonly number[]): Decision {
  const first = looks[0];
  if (first === undefined || n >= first || d.verdict === "unresolved" || d.verdict === "inconclusive")
    return d;
  return {
    verdict: "unresolved",
    reason: `${n} blocks is fewer than the first planned look (${first}): no verdict is drawn from so few`,
  };
}

/** Smallest true gain this look would call `faster` with 80% power (normal-theory approximation). */
function minimumDetectable(delta: number, p: Primary, alphaPerLook: number): number {
  return Number.isFinite(p.se) && p.df > 0
    ? delta + (tCrit(alphaPerLook, p.df) + tQuantile(0.8, p.df)) * p.se
    : Infinity;
}

/** Below this a value's square underflows (√Number.MIN_VALUE ≈ 2.2e-162, with margin for sums). */
const UNDERFLOW = 1e-150;

/**
 * Values near the float limit overflow the sums and squares (1e308 tok/s); without this check they
 * would surface as null estimates in the JSON. Say what happened instead.
 */
function checkFinite(launches: readonly Launch[], values: number[]): void {
  let largest = 0;
  let smallest = Infinity;
  for (const l of launches)
    for (const r of l.runs) {
      largest = Math.max(largest, r);
      smallest = Math.min(smallest, r);
    }
  // Squares of values below ~1e-154 underflow to 0: the spread would read as zero (no variation).
  if (smallest < UNDERFLOW)
    throw new CompareError(
      `the values underflow double precision (smallest tokens/s value ${smallest.toExponential(3)}; ` +
        `their squares must stay above ${Number.MIN_VALUE.toExponential(3)}): check the tps field's units, ` +
        `or rescale every value by the same factor`,
    );
  if (values.every(Number.isFinite)) return;
  throw new CompareError(
    `the estimates overflow double precision (largest tokens/s value ${largest.toExponential(3)}; ` +
      `sums and squares must stay below ${Number.MAX_VALUE.toExponential(3)}): check the tps field's ` +
      `units, or rescale every value by the same factor`,
  );
}

/**
 * The significance engine: launch means are the unit of replication; blocks pair a candidate and an
 * incumbent launch. Primary: paired t CI at the per-look confidence; verdicts against ±δ.
 * O(n log n) time and linear memory in the number of launches and runs.
 */
export function compare(launches: readonly Launch[], cfg: CompareConfig): Comparison {
  checkInput(launches);
  const a = arrange(launches);
  const n = a.paired ? a.diffs.length : Math.min(a.arms.candidate.launches, a.arms.incumbent.launches);
  const looks = cfg.looks.length ? cfg.looks : [n];
  const look = lookPosition(n, looks, cfg.final === true);
  const alphaPerLook = perLookAlpha(cfg.alpha, looks);
  const incMean = a.arms.incumbent.mean;
  const delta = cfg.minEffect.kind === "absolute" ? cfg.minEffect.value : cfg.minEffect.value * incMean;
  const { tests, warnings, primary } = runTests(a, alphaPerLook, cfg);
  const { estimate, ci } = primary.result;
  checkFinite(launches, [incMean, a.arms.candidate.mean, delta, estimate, ...ci, primary.se]);
  const mde = minimumDetectable(delta, primary, alphaPerLook);
  const conf = `${fmt((1 - alphaPerLook) * 100, 1)}% CI`;
  const d = `δ = ${fmt(delta)} tok/s (${formatMinEffect(cfg.minEffect)})`;
  const decided = decide(ci, delta, look, { conf, d, mde });
  const { verdict, reason } = belowFirstLook(decided, n, looks);
  if (delta === 0)
    warnings.push(
      "δ = 0 is not robust to skewed launch noise: on real launches it gave 13.5% one-sided false " +
        "`faster` against 2.5% nominal; use a minimum effect above the noise (for example --delta 1%)",
    );
  const w = tests.wilcoxon;
  if (w && !(verdict === "faster" || verdict === "slower") && w.p < 0.05 && n >= 6)
    warnings.push(
      `the methods disagree: the Wilcoxon signed-rank test finds a difference (p = ${fmt(w.p, 4)}) that the ` +
        `t interval does not resolve; an outlier block may be widening the interval (check the per-block differences)`,
    );
  if (w && (verdict === "faster" || verdict === "slower") && w.p > 0.05 && n >= 6)
    warnings.push(
      `the Wilcoxon signed-rank cross-check disagrees (p = ${fmt(w.p, 4)}): ` +
        `the differences may be skewed by an outlier block`,
    );
  return {
    version: 1,
    verdict,
    design: a.paired ? "paired" : "unpaired",
    estimate,
    ci,
    confidence: 1 - alphaPerLook,
    relative: { estimate: estimate / incMean, ci: [ci[0] / incMean, ci[1] / incMean] },
    delta,
    deltaSpec: formatMinEffect(cfg.minEffect),
    alpha: cfg.alpha,
    alphaPerLook,
    look,
    blocks: a.paired ? n : 0,
    arms: a.arms,
    tests,
    mde,
    reasons: [reason],
    warnings: [...a.warnings, ...warnings],
  };
}
