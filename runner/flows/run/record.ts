import { toComparisonRecord, verifiedBy } from "../../core/github/record-check.ts";
import type { Challenge } from "../../core/schema/challenge.ts";
import { RunRecord } from "../../core/schema/run-record.ts";
import type { QualityResult } from "../../core/verify.ts";
import type { Judged } from "./judge.ts";
import type { Looks } from "./looks.ts";
import { isoTime, type RunPlan } from "./plan.ts";
import type { BenchPorts, BenchResult, BenchOptions } from "./types.ts";

/**
 * Phase 6 of a run: one validated run record from what the phases returned — the head planned
 * before any launch, the launches kept, the comparison (none on an error), both arms' quality as
 * aggregates and counts, and the confirmation.
 */
export function recordRun(
  ports: BenchPorts,
  o: BenchOptions,
  r: { plan: RunPlan; looks: Looks; judged: Judged; confirmation: RunRecord["confirmation"] },
): BenchResult {
  const { looks, judged } = r;
  const record = RunRecord.parse({
    ...r.plan.head,
    ...judged.outcome,
    launches: looks.launches,
    comparison:
      looks.comparison && judged.outcome.status !== "error" ? toComparisonRecord(looks.comparison) : null,
    quality: {
      candidate: qualityRecord(o.challenge, judged.quality.candidate),
      incumbent: qualityRecord(o.challenge, judged.quality.incumbent),
    },
    confirmation: r.confirmation,
    startedAt: r.plan.startedAt,
    finishedAt: isoTime(ports),
  });
  const comparison = looks.comparison ? { comparison: looks.comparison } : {};
  return { record, ...comparison, outputs: looks.candidateOutputs, nextLook: looks.nextLook };
}

/** A quality result as the record keeps it: aggregates and counts, thresholds beside them, no per-prompt detail. */
function qualityRecord(ch: Challenge, q: QualityResult | null): RunRecord["quality"]["candidate"] {
  if (!q) return null;
  const v = ch.verification;
  const { prompts, exact, exactFraction, meanPrefixFraction } = q.greedy;
  const identity = q.identity && {
    ok: q.identity.ok,
    prompts: q.identity.prompts,
    passed: q.identity.passed,
    exact: q.identity.exact,
    min: v.min_greedy_exact,
    tieMargin: v.tie_margin,
  };
  const nll = q.outputNll && {
    ok: q.outputNll.ok,
    prompts: q.outputNll.prompts,
    nll: q.outputNll.nll,
    nllPlain: q.outputNll.nllPlain,
    increase: q.outputNll.increase,
    worse: q.outputNll.worse,
    max: v.max_output_nll_increase,
    worst: q.outputNll.worst,
    maxPrompt: v.max_prompt_nll_increase,
  };
  return {
    ok: q.ok,
    ppl: q.ppl,
    pplReference: q.pplReference,
    pplIncrease: q.pplIncrease,
    maxPplIncrease: v.max_ppl_increase,
    greedy: { prompts, exact, exactFraction, meanPrefixFraction },
    ...(identity ? { identity } : {}),
    ...(nll ? { outputNll: nll } : {}),
    verifiedBy: verifiedBy(q),
    reasons: q.reasons,
  };
}
