import { groupOfBlock, groupSize, promptGroups } from "../plan/groups.ts";
import type { Challenge } from "../schema/challenge.ts";
import type { LaunchRecord, RunRecord } from "../schema/run-record.ts";

/**
 * The publish job's checks of prompt groups and per-prompt timings (issue 12). The groups are a pure
 * function of the record's seed and prompt count (runner/core/plan/groups.ts), so the publisher
 * recomputes which group every block had to run; per-prompt timings must be the very requests the
 * launch's tok/s were computed from. The verdict is still recomputed from `runs` alone. Pure.
 */

/** Relative slack between a pass's tok/s and its per-prompt sums (both were rounded by the runner). */
const RELATIVE_SLACK = 1e-3;
/** The runner rounds per-prompt seconds to 5 decimals. */
const SECONDS_STEP = 1e-5;

/** A reason when a launch's per-prompt timings are not its group's timed requests, pass by pass. */
function perPromptProblem(l: LaunchRecord, group: readonly number[], r: RunRecord): string | undefined {
  if (!l.perPrompt) return undefined;
  const where = `block ${l.block}'s ${l.arm} launch`;
  const k = group.length;
  if (l.perPrompt.length !== r.design.repeats * k || l.runs.length !== r.design.repeats)
    return `${where} has ${l.perPrompt.length} per-prompt timings, not ${r.design.repeats} passes of ${k}`;
  const sorted = [...group].sort((a, b) => a - b).join(",");
  let tokens = 0;
  for (let pass = 0; pass < r.design.repeats; pass++) {
    const rows = l.perPrompt.slice(pass * k, (pass + 1) * k);
    if (rows.map((x) => x[0]).join(",") !== sorted) return `${where} timed prompts outside its group`;
    if (rows.some((x) => x[1] !== r.design.maxTokens)) return `${where} timed a request not of max_tokens`;
    const sumTokens = rows.reduce((a, x) => a + x[1], 0);
    const sumSeconds = rows.reduce((a, x) => a + x[2], 0);
    const tps = sumTokens / sumSeconds;
    const slack = RELATIVE_SLACK + (k * SECONDS_STEP) / sumSeconds;
    if (Math.abs(tps / l.runs[pass]! - 1) > slack)
      return `${where}'s pass ${pass + 1} speed does not follow from its per-prompt timings`;
    tokens += sumTokens;
  }
  if (tokens !== l.tokens) return `${where}'s token count does not match its per-prompt timings`;
  return undefined;
}

/** A reason when the run's prompt groups are not the challenge's, or its timings not its groups'. */
export function groupProblem(r: RunRecord, challenge: Challenge): string | undefined {
  const d = r.design;
  const wanted = challenge.significance.prompts_per_group;
  const size = groupSize(wanted, d.prompts);
  if (
    wanted === undefined &&
    (d.promptsPerGroup !== undefined || r.launches.some((l) => l.group !== undefined))
  )
    return "the run grouped its prompts; the challenge decodes all of them in every launch";
  if (wanted !== undefined && d.promptsPerGroup !== size)
    return `the run decoded ${d.promptsPerGroup ?? d.prompts} prompts per launch, not the challenge's ${size}`;
  const groups = promptGroups(d.prompts, size, d.seed);
  for (const l of r.launches) {
    const expected = groupOfBlock(l.block, groups.length);
    if (wanted !== undefined && l.group !== expected)
      return `block ${l.block} ran prompt group ${l.group ?? "none"}, not group ${expected} of the design`;
    const problem = perPromptProblem(l, groups[expected]!, r);
    if (problem) return problem;
  }
  return undefined;
}

/**
 * Which of the public prompts (indices) the run's blocks decoded, recomputed from its seed and
 * blocks (never read from the runner's quality counts): all of them without groups, else the union
 * of the groups its blocks ran (or, with `firstBlocks`, the groups of blocks 0 … firstBlocks − 1).
 */
export function coveredPrompts(r: RunRecord, challenge: Challenge, firstBlocks?: number): Set<number> {
  const d = r.design;
  const wanted = challenge.significance.prompts_per_group;
  if (wanted === undefined) return new Set(Array.from({ length: d.prompts }, (_, i) => i));
  const groups = promptGroups(d.prompts, groupSize(wanted, d.prompts), d.seed);
  const blocks =
    firstBlocks === undefined
      ? r.launches.map((l) => l.block)
      : Array.from({ length: firstBlocks }, (_, b) => b);
  const covered = new Set<number>();
  for (const b of blocks) for (const p of groups[groupOfBlock(b, groups.length)] ?? []) covered.add(p);
  return covered;
}

/** How many of the public prompts the run's blocks decoded (see coveredPrompts). */
export function promptsCovered(r: RunRecord, challenge: Challenge): number {
  return coveredPrompts(r, challenge).size;
}
