import tQuantile from "@stdlib/stats-base-dists-t-quantile";
import { formatMinEffect, type MinEffect } from "../schema/common.ts";
import { mean, sd } from "./basic.ts";
import type { Arm } from "./design.ts";
import { perLookAlpha, tCrit } from "./sequential.ts";
import {
  bootstrapMeanCI,
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

export type Verdict = "faster" | "slower" | "tie" | "inconclusive";

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
  look: { index: number; of: number; blocks: number; final: boolean; next?: number };
  blocks: number;
  arms: { candidate: ArmSummary; incumbent: ArmSummary };
  tests: {
    pairedT?: { t: number; df: number; p: number };
    wilcoxon?: { V: number; p: number };
    welch: { t: number; df: number; p: number };
    mannWhitney: { U: number; p: number; method: "exact" | "asymptotic" };
    hodgesLehmann: number;
    bootstrap?: { ci: [number, number]; reps: number };
  };
  mde: number; // smallest true gain this design would call `faster` with 80% power at this look
  reasons: string[];
  warnings: string[];
}

export class CompareError extends Error {}

function summarize(ls: Launch[]): ArmSummary {
  const launchMeans = ls.map((l) => mean(l.runs));
  return {
    launches: ls.length,
    runs: ls.reduce((a, l) => a + l.runs.length, 0),
    mean: mean(launchMeans),
    sd: launchMeans.length > 1 ? sd(launchMeans) : 0,
    launchMeans,
  };
}

const fmt = (x: number, d = 2) => (Number.isFinite(x) ? x.toFixed(d) : String(x));

/**
 * The significance engine: launch means are the unit of replication; blocks pair a candidate and an
 * incumbent launch. Primary: paired t CI at the per-look confidence; verdicts against ±δ.
 */
export function compare(launches: readonly Launch[], cfg: CompareConfig): Comparison {
  const warnings: string[] = [];
  for (const l of launches) {
    if (!l.runs.length) throw new CompareError(`launch ${l.launch} (${l.arm}) has no timed runs`);
    for (const r of l.runs)
      if (!Number.isFinite(r) || r <= 0)
        throw new CompareError(
          `launch ${l.launch} (${l.arm}) has a non-positive or non-finite tokens/s value: ${r}`,
        );
  }
  const cand = launches.filter((l) => l.arm === "candidate");
  const inc = launches.filter((l) => l.arm === "incumbent");
  if (!cand.length || !inc.length)
    throw new CompareError(
      `need launches of both arms, got ${cand.length} candidate and ${inc.length} incumbent`,
    );
  const withBlock = launches.filter((l) => l.block !== undefined).length;
  if (withBlock && withBlock !== launches.length)
    throw new CompareError(
      "some launches have a block and some do not: give every line a block (paired) or none (unpaired)",
    );
  const paired = withBlock > 0;

  const arms = { candidate: summarize(cand), incumbent: summarize(inc) };
  const incMean = arms.incumbent.mean;
  const delta = cfg.minEffect.kind === "absolute" ? cfg.minEffect.value : cfg.minEffect.value * incMean;

  const diffs: number[] = [];
  if (paired) {
    const byBlock = new Map<number, { c: number[]; i: number[] }>();
    for (const l of launches) {
      const b = byBlock.get(l.block!) ?? { c: [], i: [] };
      (l.arm === "candidate" ? b.c : b.i).push(mean(l.runs));
      byBlock.set(l.block!, b);
    }
    for (const [b, v] of [...byBlock].sort((a, z) => a[0] - z[0])) {
      if (!v.c.length || !v.i.length) {
        warnings.push(`block ${b} has no ${v.c.length ? "incumbent" : "candidate"} launch and was left out`);
        continue;
      }
      if (v.c.length > 1 || v.i.length > 1)
        warnings.push(`block ${b} has several launches of one arm; they were averaged`);
      diffs.push(mean(v.c) - mean(v.i));
    }
    if (diffs.length < 2)
      throw new CompareError(`need at least 2 complete blocks for a paired comparison, got ${diffs.length}`);
  }
  const n = paired ? diffs.length : Math.min(cand.length, inc.length);
  const looks = cfg.looks.length ? cfg.looks : [n];
  const alphaPerLook = perLookAlpha(cfg.alpha, looks);
  const lastLook = looks[looks.length - 1]!;
  const final = cfg.final === true || n >= lastLook;
  let lookIndex = looks.filter((k) => k <= n).length;
  if (final) lookIndex = Math.max(lookIndex, 1);
  const next = final ? undefined : looks.find((k) => k > n);

  const welch = welchT(arms.candidate.launchMeans, arms.incumbent.launchMeans, alphaPerLook);
  const mw = mannWhitney(arms.candidate.launchMeans, arms.incumbent.launchMeans);
  let primary: TResult;
  const tests: Comparison["tests"] = {
    welch: { t: welch.t, df: welch.df, p: welch.p },
    mannWhitney: mw,
    hodgesLehmann: hodgesLehmann2(arms.candidate.launchMeans, arms.incumbent.launchMeans),
  };
  let se: number;
  let df: number;
  if (paired) {
    primary = pairedT(diffs, alphaPerLook);
    const w = wilcoxon(diffs);
    tests.pairedT = { t: primary.t, df: primary.df, p: primary.p };
    tests.wilcoxon = w;
    tests.hodgesLehmann = hodgesLehmann1(diffs);
    const reps = cfg.bootstrapReps ?? 4000;
    if (reps > 0) tests.bootstrap = { ci: bootstrapMeanCI(diffs, alphaPerLook, cfg.seed ?? 1, reps), reps };
    se = sd(diffs) / Math.sqrt(diffs.length);
    df = diffs.length - 1;
    if (diffs.length < 6)
      warnings.push(
        `with ${diffs.length} blocks the Wilcoxon cross-check cannot reach p < 0.05 (its smallest two-sided p is ${fmt(2 / 2 ** diffs.length, 4)})`,
      );
  } else {
    primary = welch;
    const v1 = arms.candidate.sd ** 2 / cand.length;
    const v2 = arms.incumbent.sd ** 2 / inc.length;
    se = Math.sqrt(v1 + v2);
    df = welch.df;
    warnings.push(
      "unpaired design: launches were not run in blocks on one machine, so machine drift is not cancelled out",
    );
  }
  const [lo, hi] = primary.ci;
  const reasons: string[] = [];
  let verdict: Verdict;
  const conf = `${fmt((1 - alphaPerLook) * 100, 1)}% CI`;
  const dstr = `δ = ${fmt(delta)} tok/s (${formatMinEffect(cfg.minEffect)})`;
  if (lo > delta) {
    verdict = "faster";
    reasons.push(`the ${conf} [${fmt(lo)}, ${fmt(hi)}] lies entirely above +${dstr}`);
  } else if (hi < -delta) {
    verdict = "slower";
    reasons.push(`the ${conf} [${fmt(lo)}, ${fmt(hi)}] lies entirely below −${dstr}`);
  } else if (lo >= -delta && hi <= delta) {
    verdict = "tie";
    reasons.push(
      `the ${conf} [${fmt(lo)}, ${fmt(hi)}] lies within ±${dstr}: any difference is smaller than the minimum effect`,
    );
  } else if (final) {
    verdict = "tie";
    reasons.push(
      `the ${conf} [${fmt(lo)}, ${fmt(hi)}] straddles ±${dstr} at the last look, so the result is reported as a tie; the incumbent keeps the lead`,
    );
  } else {
    verdict = "inconclusive";
    reasons.push(
      `the ${conf} [${fmt(lo)}, ${fmt(hi)}] straddles ±${dstr}; ${next !== undefined ? `extend to ${next} blocks` : "run more blocks"}`,
    );
  }
  if (
    paired &&
    tests.wilcoxon &&
    verdict !== "tie" &&
    verdict !== "inconclusive" &&
    tests.wilcoxon.p > 0.05 &&
    diffs.length >= 6
  ) {
    warnings.push(
      `the Wilcoxon signed-rank cross-check disagrees (p = ${fmt(tests.wilcoxon.p, 4)}): the differences may be skewed by an outlier block`,
    );
  }
  const mde =
    Number.isFinite(se) && df > 0 ? delta + (tCrit(alphaPerLook, df) + tQuantile(0.8, df)) * se : Infinity;
  return {
    version: 1,
    verdict,
    design: paired ? "paired" : "unpaired",
    estimate: primary.estimate,
    ci: [lo, hi],
    confidence: 1 - alphaPerLook,
    relative: { estimate: primary.estimate / incMean, ci: [lo / incMean, hi / incMean] },
    delta,
    deltaSpec: formatMinEffect(cfg.minEffect),
    alpha: cfg.alpha,
    alphaPerLook,
    look: { index: lookIndex, of: looks.length, blocks: n, final, ...(next !== undefined ? { next } : {}) },
    blocks: paired ? diffs.length : 0,
    arms,
    tests,
    mde,
    reasons,
    warnings,
  };
}
