import type { RunRecord } from "./schema/run-record.ts";
import { mean } from "./stats/basic.ts";
import { launchMeans, relativeBlockDifferences } from "./stats/estimates.ts";
import { runnerHealth, type AAWindow, type RunnerHealth } from "./stats/health.ts";

/**
 * The runner pool as the data branch knows it: which runners have run, their noise from A/A runs
 * (a submission against itself) and the drift check on it. Pure; the site, the publish flow (which
 * suspends a drifting runner) and dispatch (which skips suspended ones) all read it from here.
 */

/** Whether a run is an A/A calibration run that measured something: the same slug on both arms. */
export const isAA = (r: RunRecord) => r.candidate.slug === r.incumbent.slug && r.status !== "error";

/** One day of A/A runs on a runner, with the mean speed they ran at (to show noise is relative). */
export interface RunnerWindow extends AAWindow {
  /** Mean launch speed of the window's A/A runs (tok/s). */
  tps: number;
}

/** A runner's A/A runs grouped by the day they finished, oldest first. */
export function aaWindows(runs: readonly RunRecord[]): RunnerWindow[] {
  const days = new Map<string, { diffs: number[]; speeds: number[] }>();
  for (const r of runs) {
    if (!isAA(r)) continue;
    const day = r.finishedAt.slice(0, 10);
    const w = days.get(day) ?? { diffs: [], speeds: [] };
    w.diffs.push(...relativeBlockDifferences(r));
    w.speeds.push(...launchMeans(r, "candidate"), ...launchMeans(r, "incumbent"));
    days.set(day, w);
  }
  return [...days]
    .sort((a, b) => a[0].localeCompare(b[0]))
    .map(([label, w]) => ({ label, diffs: w.diffs, tps: w.speeds.length ? mean(w.speeds) : NaN }));
}

/** Runs grouped by the runner that ran them, runner ids sorted. */
export function runsByRunner(runs: readonly RunRecord[]): Map<string, RunRecord[]> {
  const out = new Map<string, RunRecord[]>();
  for (const r of [...runs].sort(
    (a, b) => a.finishedAt.localeCompare(b.finishedAt) || a.id.localeCompare(b.id),
  )) {
    const list = out.get(r.runner.id);
    if (list) list.push(r);
    else out.set(r.runner.id, [r]);
  }
  return new Map([...out].sort((a, b) => a[0].localeCompare(b[0])));
}

/** One runner's A/A windows and drift check. */
export function healthOf(
  runs: readonly RunRecord[],
  runner: string,
): { windows: RunnerWindow[]; health: RunnerHealth } {
  const windows = aaWindows(runs.filter((r) => r.runner.id === runner));
  return { windows, health: runnerHealth(windows) };
}
