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

const MACHINE_ID = /^[A-Za-z0-9._-]{1,100}$/;

/**
 * The physical machine of one launch, as health, suspension and dispatch key it: the launch's own
 * `machine` (the host's id, recorded by `evaluate`), else the record's runner id (old records, and
 * worker processes of one host such as `runner-1/worker-2`, which share that host). A matrix
 * record names the pool's label as its runner, so keying by the record would average every
 * machine's drift together and suspend the whole pool for one (finding F5).
 */
export function machineOf(launch: RunRecord["launches"][number], record: RunRecord): string {
  return launch.machine !== undefined && MACHINE_ID.test(launch.machine) ? launch.machine : record.runner.id;
}

/** The machines a record's launches ran on, sorted. */
export function machinesOf(record: RunRecord): string[] {
  return [...new Set(record.launches.map((l) => machineOf(l, record)))].sort();
}

/** The part of a record that ran on `machine`: its launches there (every block stays on one machine). */
function onMachine(record: RunRecord, machine: string): RunRecord {
  return { ...record, launches: record.launches.filter((l) => machineOf(l, record) === machine) };
}

/**
 * Runs grouped by the physical machine that ran them (machine ids sorted): a record whose launches
 * ran on several machines appears under each, with only that machine's launches. A record with no
 * launches (an early error) is listed under its runner id.
 */
export function runsByRunner(runs: readonly RunRecord[]): Map<string, RunRecord[]> {
  const out = new Map<string, RunRecord[]>();
  for (const r of [...runs].sort(
    (a, b) => a.finishedAt.localeCompare(b.finishedAt) || a.id.localeCompare(b.id),
  )) {
    const machines = r.launches.length ? machinesOf(r) : [r.runner.id];
    for (const m of machines) {
      const part = r.launches.length ? onMachine(r, m) : r;
      const list = out.get(m);
      if (list) list.push(part);
      else out.set(m, [part]);
    }
  }
  return new Map([...out].sort((a, b) => a[0].localeCompare(b[0])));
}

/** One machine's A/A windows and drift check (over the launches that ran on it). */
export function healthOf(
  runs: readonly RunRecord[],
  runner: string,
): { windows: RunnerWindow[]; health: RunnerHealth } {
  const windows = aaWindows(runsByRunner(runs).get(runner) ?? []);
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

/** The machines a run's publication suspends, and a note for organizers when one was kept. */
export interface SuspensionDecision {
  steps: RunnerStep[];
  /** Set when every known machine would be suspended: the least-drifted one stays in service. */
  flag?: string;
}

/** One machine's suspension step from `run`'s evidence, if it drifts and is in service. */
function machineSuspension(
  runs: readonly RunRecord[],
  steps: readonly RunnerStep[],
  run: RunRecord,
  machine: string,
  at: string,
): { step: RunnerStep; ratio: number } | undefined {
  const current = runnerStatus(steps, machine);
  if (current.status === "suspended") return undefined;
  const { windows, health } = healthOf(runs, machine);
  if (!health.drifting) return undefined;
  const recent = windows.at(-1)!.label;
  if (current.step && recent <= current.step.at.slice(0, 10)) return undefined;
  const id = `${at.replace(/[:.]/g, "-")}-${machine}-suspended`;
  const step: RunnerStep = {
    version: 1,
    ...{ id, at, runner: machine, status: "suspended", reason: health.reason, run: run.id },
  };
  return { step, ratio: health.ratio };
}

/**
 * Which machines publishing `run` suspends: it is an A/A run, and each machine its launches ran on
 * is judged alone (over every recorded run plus this one); a drifting machine in service is
 * suspended, the others stay. A clear covers the window it was given for: drift in a window that
 * began no later than the clear's day is the evidence the organizer already saw, so only a later
 * day's window suspends again. Never the whole pool: when every known machine would be suspended,
 * the least-drifted of those this run would suspend stays in service and `flag` asks an organizer
 * to look (a leader whose engine turns noisy must not stop every `/bench`). Pure.
 */
export function decideSuspension(
  runs: readonly RunRecord[],
  steps: readonly RunnerStep[] = [],
  run: RunRecord,
  now: Date,
): SuspensionDecision {
  if (!isAA(run)) return { steps: [] };
  const all = [...runs.filter((r) => r.id !== run.id), run];
  const at = now.toISOString();
  const found = machinesOf(run)
    .map((m) => machineSuspension(all, steps, run, m, at))
    .filter((x) => x !== undefined);
  if (!found.length) return { steps: [] };
  const suspended = suspendedRunners(steps);
  for (const f of found) suspended.add(f.step.runner);
  const known = [...runsByRunner(all).keys()];
  if (known.some((m) => !suspended.has(m))) return { steps: found.map((f) => f.step) };
  const keep = [...found].sort((a, b) => a.ratio - b.ratio || a.step.runner.localeCompare(b.step.runner))[0]!;
  return {
    steps: found.filter((f) => f !== keep).map((f) => f.step),
    flag:
      `every machine of the pool would be suspended for drifting noise; \`${keep.step.runner}\` ` +
      `(the least drifted: ${keep.step.reason}) stays in service so the pool keeps running: ` +
      "an organizer should check the machines and the calibration engine",
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

/**
 * Why this machine must not run a dispatched run's launches, or undefined: it is suspended on the
 * data branch. A pool addressed by its label alone can hand a share job to a suspended machine
 * (GitHub's `runs-on` cannot exclude one), so the job checks its own machine id and fails before
 * starting an engine; the run was charged once at dispatch, and nothing here charges again. An
 * A/A calibration run is exempt: it is how a suspended machine shows it recovered. Pure.
 */
export function suspendedHere(
  steps: readonly RunnerStep[] = [],
  machine: string,
  calibration: boolean,
): string | undefined {
  if (calibration) return undefined;
  const s = runnerStatus(steps, machine);
  if (s.status !== "suspended") return undefined;
  return (
    `this machine (${machine}) is suspended for drifting noise since ${s.step!.at}: it runs no ` +
    `launches until an organizer runs \`/runner clear ${machine}\`; re-run the failed job so ` +
    "another machine of the pool takes it"
  );
}
