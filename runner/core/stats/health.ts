import { mean, median, sum } from "./basic.ts";
import { mannWhitney } from "./rank-tests.ts";

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

/**
 * One day of A/A runs (a submission against itself) on one runner: the relative difference of each
 * block, log(candidate / incumbent). Relative, so a leader that moves from 300 to 500 tok/s keeps
 * the same noise; and centred on zero by design, since both arms are the same submission in a
 * random order.
 */
export interface AAWindow {
  label: string; // e.g. an ISO date
  diffs: number[];
}

/** The false-alarm rate the drift check states: a steady runner is flagged in at most 1% of checks. */
export const DRIFT_ALPHA = 0.01;
/** A practical floor on top of the test: the noise must also have grown by half. */
export const DRIFT_MIN_RATIO = 1.5;

export interface RunnerHealth {
  /** Relative noise of the earlier windows: 1.4826 × median |difference| (0.01 = 1%; an sd under normality). */
  noise: number;
  recentNoise: number;
  ratio: number;
  /** One-sided rank-test p that the latest window's |differences| are larger than the earlier ones'. */
  p: number;
  alpha: number;
  drifting: boolean;
  reason: string;
}

/**
 * Robust scale of differences centred on zero: the median absolute difference, scaled to estimate
 * the standard deviation under normality. One wild block moves it little.
 */
export function robustNoise(diffs: readonly number[]): number {
  return diffs.length ? 1.4826 * median(diffs.map(Math.abs)) : NaN;
}

/**
 * One-sided Mann–Whitney p that the values of `x` tend to be larger than those of `y`, from the
 * two-sided test (its null is symmetric, so the one-sided tail is half the two-sided p).
 */
function upperRankP(x: readonly number[], y: readonly number[]): number {
  const { U, p } = mannWhitney(x, y);
  if (!Number.isFinite(p)) return 1;
  return U > (x.length * y.length) / 2 ? p / 2 : 1 - p / 2;
}

/** The words of a drift check, kept apart so the check itself stays short. */
function healthReason(label: string, ratio: number, p: number, drifting: boolean): string {
  const head = `relative A/A noise in ${label} is ${ratio.toFixed(2)}× its earlier level`;
  if (drifting)
    return (
      `${head} (rank test p = ${p.toExponential(2)}): check clocks, thermals and neighbours ` +
      `before trusting verdicts from this runner`
    );
  return `${head} (p = ${p.toFixed(3)}): within normal variation`;
}

/**
 * Flags a runner whose noise drifts: the latest window against the pooled earlier ones. The test
 * is rank-based on |relative difference| (A/A differences are centred on zero, so their sizes are
 * the noise), which keeps its stated false-alarm rate under heavy-tailed noise where an F-test of
 * variances does not (test/unit/runner-health.test.ts simulates Student-t noise with 3 df). A
 * runner drifts when p < DRIFT_ALPHA and the robust noise grew by more than DRIFT_MIN_RATIO.
 */
export function runnerHealth(windows: readonly AAWindow[]): RunnerHealth {
  if (windows.length < 2) {
    const noise = windows[0] ? robustNoise(windows[0].diffs) : NaN;
    return {
      noise,
      recentNoise: noise,
      ratio: 1,
      p: 1,
      alpha: DRIFT_ALPHA,
      drifting: false,
      reason: "not enough history to judge drift (need at least two windows of A/A runs)",
    };
  }
  const recent = windows[windows.length - 1]!;
  const earlier = windows.slice(0, -1).flatMap((w) => w.diffs);
  const noise = robustNoise(earlier);
  const recentNoise = robustNoise(recent.diffs);
  const ratio = noise > 0 ? recentNoise / noise : recentNoise > 0 ? Infinity : 1;
  const p = upperRankP(recent.diffs.map(Math.abs), earlier.map(Math.abs));
  const drifting = p < DRIFT_ALPHA && ratio > DRIFT_MIN_RATIO;
  return {
    noise,
    recentNoise,
    ratio,
    p,
    alpha: DRIFT_ALPHA,
    drifting,
    reason: healthReason(recent.label, ratio, p, drifting),
  };
}
