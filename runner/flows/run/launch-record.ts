import { createHash } from "node:crypto";
import type { LaunchRecord } from "../../core/schema/run-record.ts";
import type { RunningEngine } from "../../ports.ts";
import type { LaunchPlan } from "./block-plan.ts";

/** A launch's record from what it measured (launch.ts): per-pass speed, time to first token, output hash. */

/** Per-pass totals of the timed requests of one launch. */
export interface Passes {
  passes: { tokens: number; seconds: number; ttft: number[] }[];
  /** The first timed pass's output of each prompt. */
  outputs: Map<string, number[]>;
  /** Every other distinct output a later pass of the prompt decoded: verification sees them all. */
  variants: Map<string, number[][]>;
  scoring: { nll: number; n: number }[];
  /** The prompt id of each scoring term, in the same order. */
  scoringIds: string[];
  tokens: number;
  /** Gaps between token-carrying chunks of every timed stream (ms): the inter-token distribution. */
  gaps: number[];
  /** Every timed request's tokens and seconds, for the record's per-prompt timings. */
  timings: { pass: number; id: string; tokens: number; seconds: number }[];
}

const sha256 = (s: string) => createHash("sha256").update(s).digest("hex");
export const round = (x: number, d: number) => Math.round(x * 10 ** d) / 10 ** d;
const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

/** Median, 90th percentile and largest gap between chunks: a burst of held-back tokens shows here. */
function gapSummary(gaps: number[]): { p50: number; p90: number; max: number } {
  const s = [...gaps].sort((a, b) => a - b);
  const q = (f: number) => s[Math.min(s.length - 1, Math.floor(f * s.length))]!;
  return { p50: round(q(0.5), 3), p90: round(q(0.9), 3), max: round(s[s.length - 1]!, 3) };
}

/** The launch's record: per-pass decode speed, mean time to first token, a hash of its outputs. */
export function launchRecord(plan: LaunchPlan, engine: RunningEngine, acc: Passes): LaunchRecord {
  const runs = acc.passes.map((p) => p.tokens / p.seconds);
  const sorted = <T>(m: Map<string, T>) => [...m.entries()].sort((a, b) => a[0].localeCompare(b[0]));
  // The variants join the hash only when a pass differed, so an engine stable across passes hashes as before.
  const canonical = JSON.stringify(
    acc.variants.size ? [sorted(acc.outputs), sorted(acc.variants)] : sorted(acc.outputs),
  );
  return {
    arm: plan.arm,
    slug: plan.contender.slug,
    block: plan.block,
    position: plan.position,
    startMs: round(engine.startMs, 1),
    runs: runs.map((r) => round(r, 3)),
    ttftMs: round(mean(acc.passes.flatMap((p) => p.ttft)), 3),
    ...(acc.gaps.length ? { interTokenMs: gapSummary(acc.gaps) } : {}),
    tokens: acc.tokens,
    ...(plan.group !== undefined ? { group: plan.group } : {}),
    ...perPromptField(plan, acc),
    ...(plan.machine !== undefined ? { machine: plan.machine } : {}),
    outputsSha256: sha256(canonical),
  };
}

/** Per-prompt `[prompt, tokens, seconds]`, pass after pass, prompts in index order (public set only). */
function perPromptField(plan: LaunchPlan, acc: Passes): { perPrompt?: [number, number, number][] } {
  const indexOf = plan.indexOf;
  if (!indexOf || !acc.timings.length) return {};
  const rows = acc.timings.map((t) => ({ ...t, index: indexOf.get(t.id) }));
  if (rows.some((r) => r.index === undefined)) return {};
  rows.sort((a, b) => a.pass - b.pass || a.index! - b.index!);
  return { perPrompt: rows.map((r) => [r.index!, r.tokens, round(r.seconds, 5)]) };
}
