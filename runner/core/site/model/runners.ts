import type { RunnerStep } from "../../schema/data.ts";
import type { RunRecord } from "../../schema/run-record.ts";
import { aaWindows, runnerHistory, runnerStatus, runsByRunner } from "../../runners.ts";
import { robustNoise, runnerHealth } from "../../stats/health.ts";
import type { SiteModel } from "./types.ts";

/**
 * Per runner: how many runs, its status in the dispatch pool with the steps that set it, and its
 * relative noise from A/A runs by day with a drift check. A runner with status steps but no runs
 * is listed too.
 */
export function runnerViews(
  runs: readonly RunRecord[],
  steps: readonly RunnerStep[] = [],
): SiteModel["runners"] {
  const byRunner = runsByRunner(runs);
  for (const s of steps) if (!byRunner.has(s.runner)) byRunner.set(s.runner, []);
  return [...byRunner]
    .sort((a, b) => a[0].localeCompare(b[0]))
    .map(([id, rs]) => {
      const windows = aaWindows(rs);
      return {
        id,
        runs: rs.length,
        status: runnerStatus(steps, id).status,
        history: runnerHistory(steps, id),
        health: runnerHealth(windows),
        windows: windows.map((w) => ({
          label: w.label,
          noise: robustNoise(w.diffs),
          n: w.diffs.length,
          tps: w.tps,
        })),
      };
    });
}
