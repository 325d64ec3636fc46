import type { RunRecord } from "../../schema/run-record.ts";
import { aaWindows, runsByRunner } from "../../runners.ts";
import { robustNoise, runnerHealth } from "../../stats/health.ts";
import type { SiteModel } from "../model.ts";

/** Per runner: how many runs, and its relative noise from A/A runs by day with a drift check. */
export function runnerViews(runs: readonly RunRecord[]): SiteModel["runners"] {
  return [...runsByRunner(runs)].map(([id, rs]) => {
    const windows = aaWindows(rs);
    return {
      id,
      runs: rs.length,
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
