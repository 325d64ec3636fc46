import type { RunnerStep } from "./schema/data.ts";
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

/** Where a runner stands in the dispatch pool: in service, suspended on drift, or cleared after one. */
export interface RunnerStatus {
  status: "ok" | "suspended" | "cleared";
  /** The step that set it (absent for a runner that was never suspended). */
  step?: RunnerStep;
}

/** A runner's status steps in the order they happened (time, then id). */
export function runnerHistory(steps: readonly RunnerStep[] = [], runner: string): RunnerStep[] {
  return steps
    .filter((s) => s.runner === runner)
    .sort((a, b) => a.at.localeCompare(b.at) || a.id.localeCompare(b.id));
}

/** The latest step decides; no step at all is `ok`. */
export function runnerStatus(steps: readonly RunnerStep[] = [], runner: string): RunnerStatus {
  const last = runnerHistory(steps, runner).at(-1);
  return last ? { status: last.status, step: last } : { status: "ok" };
}

/** Runners whose latest step is a suspension. */
export function suspendedRunners(steps: readonly RunnerStep[] = []): Set<string> {
  const ids = new Set(steps.map((s) => s.runner));
  return new Set([...ids].filter((id) => runnerStatus(steps, id).status === "suspended"));
}

/**
 * Whether publishing `run` suspends its runner: it is an A/A run, the runner's drift check (over
 * every recorded run plus this one) says drift, and the runner is in service. A clear covers the
 * window it was given for: drift in a window that began no later than the clear's day is the
 * evidence the organizer already saw, so only a later day's window suspends again. Pure.
 */
export function decideSuspension(
  runs: readonly RunRecord[],
  steps: readonly RunnerStep[] = [],
  run: RunRecord,
  now: Date,
): RunnerStep | undefined {
  if (!isAA(run)) return undefined;
  const runner = run.runner.id;
  const current = runnerStatus(steps, runner);
  if (current.status === "suspended") return undefined;
  const { windows, health } = healthOf([...runs.filter((r) => r.id !== run.id), run], runner);
  if (!health.drifting) return undefined;
  const recent = windows.at(-1)!.label;
  if (current.step && recent <= current.step.at.slice(0, 10)) return undefined;
  const at = now.toISOString();
  return {
    version: 1,
    id: `${at.replace(/[:.]/g, "-")}-${runner}-suspended`,
    at,
    runner,
    status: "suspended",
    reason: health.reason,
    run: run.id,
  };
}

/** Which runner a dispatched run may go to: any of the pool, one named runner, or none in service. */
export type RunnerChoice =
  { kind: "any" } | { kind: "pinned"; runner: string } | { kind: "none"; reason: string };

/**
 * Dispatch skips suspended runners. GitHub's `runs-on` cannot say "any runner but these", so while
 * every runner is in service a run goes to the whole pool, and while some are suspended it is pinned
 * to one runner in service (by its own label, which organizers give each runner): the one that has
 * waited longest since its last recorded run, so the load still spreads. Known runners are the ones
 * with recorded runs. Pure.
 */
export function chooseRunner(runs: readonly RunRecord[], steps: readonly RunnerStep[] = []): RunnerChoice {
  const suspended = suspendedRunners(steps);
  if (!suspended.size) return { kind: "any" };
  const lastRun = new Map<string, string>();
  for (const [id, rs] of runsByRunner(runs)) lastRun.set(id, rs.at(-1)!.finishedAt);
  const inService = [...lastRun].filter(([id]) => !suspended.has(id));
  if (!inService.length)
    return {
      kind: "none",
      reason:
        `every known runner is suspended for drifting noise (${[...suspended].sort().join(", ")}); ` +
        "an organizer clears one with `/runner clear <id>` after checking it",
    };
  inService.sort((a, b) => a[1].localeCompare(b[1]) || a[0].localeCompare(b[0]));
  return { kind: "pinned", runner: inService[0]![0] };
}
