import type { RunRecord } from "../../schema/run-record.ts";
import { blockDifferences, spread } from "../../stats/estimates.ts";
import { runnerHealth } from "../../stats/health.ts";
import { pushTo } from "../collect.ts";
import type { SiteModel } from "../model.ts";

/** A/A runs (a submission against itself) on one runner: per-block differences grouped by day. */
function aaWindows(runs: readonly RunRecord[]): { label: string; diffs: number[] }[] {
  const days = new Map<string, number[]>();
  for (const r of runs) {
    if (r.candidate.slug !== r.incumbent.slug || r.status === "error") continue;
    pushTo(days, r.finishedAt.slice(0, 10), ...blockDifferences(r));
  }
  return [...days].sort((a, b) => a[0].localeCompare(b[0])).map(([label, diffs]) => ({ label, diffs }));
}

/** Per runner: how many runs, and its noise floor from A/A runs by day with a drift check. */
export function runnerViews(runs: readonly RunRecord[]): SiteModel["runners"] {
  const byRunner = new Map<string, RunRecord[]>();
  for (const r of runs) pushTo(byRunner, r.runner.id, r);
  return [...byRunner]
    .sort((a, b) => a[0].localeCompare(b[0]))
    .map(([id, rs]) => {
      const windows = aaWindows(rs);
      return {
        id,
        runs: rs.length,
        health: runnerHealth(windows),
        windows: windows.map((w) => ({ label: w.label, sd: spread(w.diffs), n: w.diffs.length })),
      };
    });
}
