import fCdf from "@stdlib/stats-base-dists-f-cdf";
import { mean, sum, variance } from "./basic.ts";

export interface VarianceComponents {
  launches: number;
  runsPerLaunch: number; // n0, the effective runs per launch for unbalanced data
  grandMean: number;
  sigmaWithin: number; // run-to-run sd inside a launch
  sigmaBetween: number; // launch-to-launch sd of the true launch level
  cvWithin: number;
  cvBetween: number;
  launchMeanSd: number; // sd of one launch's mean: sqrt(σb² + σw²/n0)
  /** Best timed runs per launch for a cost ratio c_launch/c_run: r* = √(ratio · σw²/σb²). */
  optimalRuns(costRatio: number): number;
}

/**
 * One-way random-effects ANOVA over launches: σw² = MS_within, σb² = (MS_between − MS_within)/n0
 * (truncated at 0). Input: the timed runs of each launch.
 */
export function varianceComponents(launches: readonly (readonly number[])[]): VarianceComponents {
  const ls = launches.filter((l) => l.length > 0);
  const k = ls.length;
  const N = sum(ls.map((l) => l.length));
  const grand = sum(ls.map((l) => sum(l))) / N;
  const ssWithin = sum(
    ls.map((l) => {
      const m = mean(l);
      return sum(l.map((x) => (x - m) ** 2));
    }),
  );
  const ssBetween = sum(ls.map((l) => l.length * (mean(l) - grand) ** 2));
  const msWithin = N > k ? ssWithin / (N - k) : 0;
  const msBetween = k > 1 ? ssBetween / (k - 1) : 0;
  const n0 = k > 1 ? (N - sum(ls.map((l) => l.length ** 2)) / N) / (k - 1) : N;
  const sb2 = Math.max(0, (msBetween - msWithin) / n0);
  const sw = Math.sqrt(msWithin);
  const sb = Math.sqrt(sb2);
  return {
    launches: k,
    runsPerLaunch: n0,
    grandMean: grand,
    sigmaWithin: sw,
    sigmaBetween: sb,
    cvWithin: sw / grand,
    cvBetween: sb / grand,
    launchMeanSd: Math.sqrt(sb2 + msWithin / n0),
    optimalRuns: (ratio) => (sb2 === 0 ? Infinity : Math.sqrt((ratio * msWithin) / sb2)),
  };
}

export interface AAWindow {
  label: string; // e.g. an ISO date
  /** Per-block differences of A/A runs (leader against itself), tok/s. */
  diffs: number[];
}

export interface RunnerHealth {
  noiseSd: number; // sd of A/A block differences over the reference windows
  recentSd: number;
  ratio: number;
  p: number; // one-sided F-test p that the recent noise is larger
  drifting: boolean;
  reason: string;
}

/**
 * Flags a runner whose noise drifts: the latest window's A/A difference variance against the
 * pooled earlier windows, by a one-sided F-test (p < 0.01) and a practical floor (sd ratio > 1.5).
 */
export function runnerHealth(windows: readonly AAWindow[]): RunnerHealth {
  if (windows.length < 2) {
    const v = windows[0] ? variance(windows[0].diffs) : NaN;
    return {
      noiseSd: Math.sqrt(v),
      recentSd: Math.sqrt(v),
      ratio: 1,
      p: 1,
      drifting: false,
      reason: "not enough history to judge drift (need at least two windows of A/A runs)",
    };
  }
  const recent = windows[windows.length - 1]!;
  const ref = windows.slice(0, -1).flatMap((w) => w.diffs);
  const vRef = variance(ref);
  const vRecent = variance(recent.diffs);
  const F = vRecent / vRef;
  const p = 1 - fCdf(F, recent.diffs.length - 1, ref.length - 1);
  const ratio = Math.sqrt(F);
  const drifting = p < 0.01 && ratio > 1.5;
  return {
    noiseSd: Math.sqrt(vRef),
    recentSd: Math.sqrt(vRecent),
    ratio,
    p,
    drifting,
    reason: drifting
      ? `A/A noise in ${recent.label} is ${ratio.toFixed(2)}× its earlier level ` +
        `(F-test p = ${p.toExponential(2)}): check clocks, thermals and neighbours ` +
        `before trusting verdicts from this runner`
      : `A/A noise in ${recent.label} is ${ratio.toFixed(2)}× its earlier level (p = ${p.toFixed(3)}): within normal variation`,
  };
}
