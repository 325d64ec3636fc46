import type { Challenge } from "../schema/challenge.ts";
import type { Reservation } from "../schema/data.ts";
import type { ComparisonRecord, RunRecord } from "../schema/run-record.ts";
import type { Comparison } from "../stats/compare.ts";
import { judgeQuality } from "../verify.ts";

/**
 * What the publish job keeps of a runner's record. The runner machine ran untrusted engine code,
 * so its JSON is evidence, not truth: only the samples and the recorded aggregates are taken, and
 * everything that follows from them (verdict, statistics, quality and confirmation outcomes, every
 * sentence) is recomputed here. Times come from the reservation and the publisher's clock. No text
 * the runner wrote (where an engine's error body or log could hide) is published. Pure.
 */

/** The record form of a comparison (the one mapping: runner and publisher both use it). */
export function toComparisonRecord(c: Comparison): ComparisonRecord {
  const p = c.tests.pairedT?.p ?? c.tests.welch.p;
  return {
    verdict: c.verdict,
    design: c.design,
    estimate: c.estimate,
    ci: c.ci,
    confidence: c.confidence,
    relative: c.relative,
    delta: c.delta,
    deltaSpec: c.deltaSpec,
    alpha: c.alpha,
    alphaPerLook: c.alphaPerLook,
    blocks: c.blocks,
    look: c.look,
    mde: Number.isFinite(c.mde) ? c.mde : -1,
    pValue: Number.isFinite(p) ? p : null,
    wilcoxonP: c.tests.wilcoxon && Number.isFinite(c.tests.wilcoxon.p) ? c.tests.wilcoxon.p : null,
    candidateMean: c.arms.candidate.mean,
    incumbentMean: c.arms.incumbent.mean,
    reasons: c.reasons,
    warnings: c.warnings.slice(0, 10),
  };
}

/** The design a run must have used: the reservation's fixed block count, else the challenge's looks. */
function expectedLooks(challenge: Challenge, reservation: Reservation): number[] {
  return reservation.blocks ? [reservation.blocks] : challenge.significance.looks;
}

/** Structural checks a real run always passes; a reason when the record could not have been run. */
export function designProblem(
  r: RunRecord,
  challenge: Challenge,
  reservation: Reservation,
): string | undefined {
  const looks = expectedLooks(challenge, reservation);
  if (JSON.stringify(r.design.looks) !== JSON.stringify(looks))
    return `the run used looks [${r.design.looks}], not the challenge's design [${looks}]`;
  const m = challenge.metric;
  if (r.design.maxTokens !== m.max_tokens || r.design.repeats !== m.repeats || r.design.warmup !== m.warmup)
    return "the run's warm-up, repeats or max_tokens differ from the challenge's metric";
  if (r.status === "negative") return "a runner cannot report a negative result (only the bot logs those)";
  if (r.status === "error") return r.comparison ? "an error record carries no verdict" : undefined;
  if (r.launches.length < 4 || !r.comparison) return "a finished run must carry its launches and comparison";
  // The order is planned for the last look; a run that stopped early ran only its first blocks.
  const blocks = new Set(r.launches.map((l) => l.block)).size;
  if (blocks < looks[0]!) return `the run has ${blocks} blocks, fewer than the first look (${looks[0]})`;
  if (blocks > r.design.order.length) return `the run has ${blocks} blocks, more than its design planned`;
  for (const l of r.launches) {
    const slug = l.arm === "candidate" ? r.candidate.slug : r.incumbent.slug;
    if (l.slug !== slug) return `a ${l.arm} launch names ${l.slug}, not ${slug}`;
    if (l.block >= blocks) return `a launch is in block ${l.block}, beyond the ${blocks} blocks run`;
    const first = r.design.order[l.block] === "CI" ? "candidate" : "incumbent";
    if ((l.position === 0) !== (l.arm === first)) return `block ${l.block}'s launches are not in its order`;
  }
  const seen = new Set(r.launches.map((l) => `${l.block}/${l.arm}`));
  if (seen.size !== r.launches.length || seen.size !== 2 * blocks)
    return "every block must hold exactly one launch of each arm";
  return undefined;
}

type Quality = NonNullable<RunRecord["quality"]["candidate"]>;

/**
 * Re-judges one arm's quality from its recorded aggregates (perplexities, identity counts, output
 * NLLs) against the challenge's thresholds, never the record's own: counts are clamped, every
 * `ok`, difference and reason is recomputed.
 */
function rejudge(q: Quality | null, challenge: Challenge): Quality | null {
  if (!q) return null;
  const g = q.greedy;
  const exact = Math.min(g.exact, g.prompts);
  const greedy = { ...g, exact, exactFraction: g.prompts ? exact / g.prompts : 0 };
  const identity = q.identity && {
    prompts: q.identity.prompts,
    passed: Math.min(q.identity.passed, q.identity.prompts),
    exact: Math.min(q.identity.exact, q.identity.passed, q.identity.prompts),
  };
  const outputNll = q.outputNll && {
    prompts: q.outputNll.prompts,
    nll: q.outputNll.nll,
    nllPlain: q.outputNll.nllPlain,
    increase: q.outputNll.nll - q.outputNll.nllPlain,
    worse: Math.min(q.outputNll.worse, q.outputNll.prompts),
  };
  const j = judgeQuality(challenge, {
    ppl: q.ppl,
    pplReference: q.pplReference,
    greedy: { ...greedy, firstDivergence: [] },
    ...(identity ? { identity } : {}),
    ...(outputNll ? { outputNll } : {}),
  });
  const v = challenge.verification;
  return {
    ok: j.ok,
    ppl: j.ppl,
    pplReference: j.pplReference,
    pplIncrease: j.pplIncrease,
    maxPplIncrease: v.max_ppl_increase,
    greedy,
    ...(j.identity ? { identity: { ...j.identity, min: v.min_greedy_exact, tieMargin: v.tie_margin } } : {}),
    ...(j.outputNll ? { outputNll: { ...j.outputNll, max: v.max_output_nll_increase } } : {}),
    reasons: j.reasons,
  };
}

/** Private-set figures leave only as pass/fail and a ratio rounded down to 5% steps. */
function coarseConfirmation(r: RunRecord, challenge: Challenge): RunRecord["confirmation"] {
  const c = r.confirmation;
  const claimsLead = r.status === "ok" && r.comparison?.verdict === "faster";
  if (!claimsLead) return { status: "skipped", reason: "not a claim to the lead" };
  if (c.status !== "confirmed" && c.status !== "failed")
    return { status: "pending", reason: "no private re-run yet: the lead is provisional until confirmed" };
  const ratio = c.ratio === undefined ? undefined : Math.floor(c.ratio * 20) / 20;
  const qualityOk = c.quality?.ok ?? c.status === "confirmed";
  const fast = ratio !== undefined && c.ratio! >= 1 - challenge.verification.confirm_tolerance;
  const ok = fast && qualityOk;
  const reason = ok
    ? "the private re-run held the claimed speed and quality"
    : !fast
      ? `the private re-run reached under ${Math.round((ratio ?? 0) * 100 + 5)}% of the claimed speed`
      : "the private re-run failed verification";
  return { status: ok ? "confirmed" : "failed", ...(ratio !== undefined ? { ratio } : {}), reason };
}

/** Fixed phrases for runner errors: a runner's own words never reach a page. */
const ERROR_KINDS: [RegExp, string][] = [
  [/did not become healthy|never became healthy/i, "the engine did not become healthy in time"],
  [/exited with code|crash/i, "the engine exited before or during the run"],
  [/stream|cut|protocol/i, "the engine broke the streaming protocol"],
  [/deadline|job cap|timed? ?out/i, "the run reached its time limit"],
  [/moved|sha/i, "the pull request moved after the run was requested"],
];

export function errorPhrase(runnerReason: string | undefined): string {
  for (const [re, phrase] of ERROR_KINDS) if (runnerReason && re.test(runnerReason)) return phrase;
  return "the runner reported an error (details stay in the runner's log)";
}

/** The record as published: recomputed outcomes, coarse private figures, trusted times, fixed words. */
export function rebuildRecord(
  r: RunRecord,
  challenge: Challenge,
  o: { comparison: Comparison | undefined; startedAt: string; finishedAt: string },
): RunRecord {
  const quality = {
    candidate: rejudge(r.quality.candidate, challenge),
    incumbent: rejudge(r.quality.incumbent, challenge),
  };
  const invalid = r.status !== "error" && quality.candidate !== null && !quality.candidate.ok;
  const status: RunRecord["status"] = r.status === "error" ? "error" : invalid ? "invalid" : "ok";
  const comparison = status === "error" || !o.comparison ? null : toComparisonRecord(o.comparison);
  const reason =
    status === "error"
      ? errorPhrase(r.reason)
      : invalid
        ? `verification failed: ${quality.candidate!.reasons.join("; ")}`
        : undefined;
  const rebuilt: RunRecord = {
    ...r,
    status,
    comparison,
    quality,
    startedAt: o.startedAt,
    finishedAt: o.finishedAt,
  };
  delete rebuilt.reason;
  return { ...rebuilt, ...(reason ? { reason } : {}), confirmation: coarseConfirmation(rebuilt, challenge) };
}
