import { DeadlinePassed } from "../../core/errors.ts";
import { NO_PRIVATE_SET } from "../../core/standings.ts";
import type { Challenge } from "../../core/schema/challenge.ts";
import { claimsLead, type RunRecord } from "../../core/schema/run-record.ts";
import type { Comparison } from "../../core/stats/compare.ts";
import type { QualityResult, Scored } from "../../core/verify.ts";
import type { RunningEngine } from "../../ports.ts";
import { scoreOn, type PlainReference } from "../plain-reference.ts";
import { absorbEvidence, emptyEvidence, type ArmEvidence } from "./arm-evidence.ts";
import type { BlockDesign } from "./block-plan.ts";
import { confirmationSet, privateShare } from "./confirm-set.ts";
import type { Judged } from "./judge.ts";
import { measuredLaunch } from "./launch.ts";
import { round, type Passes } from "./launch-record.ts";
import type { Looks } from "./looks.ts";
import type { RunPlan } from "./plan.ts";
import type { References } from "./references.ts";
import type { BenchOptions, BenchPorts, Contender, PromptSet } from "./types.ts";
import {
  judgeArm,
  judgeLaunch,
  PRIVATE_PREFIX,
  privateScoreItems,
  severityFor,
  type ScoredLaunch,
} from "./verify-arms.ts";

/**
 * Phase 5 of a run: a run that claims the lead (ok and faster) is re-run on the private prompt set,
 * and the lead stands only within tolerance (confirmLead says how). Any other run skips it; a run
 * the job cap cut has no time left for it and stays pending.
 */

type Confirmation = RunRecord["confirmation"];

/** What the private re-run needs of the run so far. */
interface Claim {
  design: BlockDesign;
  deadline: number;
  comparison: Comparison;
  /** The candidate's plain-decode reference (covers the private prompts); absent off the pool. */
  plain: PlainReference | undefined;
}

export async function confirm(
  ports: BenchPorts,
  o: BenchOptions,
  plan: RunPlan,
  refs: References,
  looks: Looks,
  judged: Judged,
): Promise<Confirmation> {
  if (!claimsLead(judged.outcome.status, looks.comparison?.verdict))
    return { status: "skipped", reason: "not a claim to the lead" };
  if (looks.cut) return { status: "pending", reason: "the job cap left no time for the private re-run" };
  const plain = "plain" in refs ? refs.plain?.candidate : undefined;
  return confirmLead(ports, o, {
    design: plan.design,
    deadline: plan.deadline,
    comparison: looks.comparison!,
    plain,
  });
}

/**
 * The candidate's private re-run as verification reads it: per private prompt the output furthest
 * from its plain decode (of all its passes), and the perplexity terms of its private prompts.
 */
function privateVerified(
  o: BenchOptions & { private: PromptSet },
  acc: Passes,
  plain: PlainReference | undefined,
) {
  const { outputs, variants, scoring } = privateEvidence(acc);
  const evidence = emptyEvidence();
  absorbEvidence(evidence, outputs, scoring, severityFor(o, plain, PRIVATE_PREFIX, o.private), variants);
  return evidence;
}

/**
 * Quality of the candidate's private re-run, held to the same three checks as the public blocks:
 * perplexity, identity with its plain decode, and the trusted scorer's reading of the private outputs
 * against the plain-decode ones (`scores`), so a decode path lossy only on prompts it has never seen
 * is caught too.
 */
function judgePrivate(
  o: BenchOptions & { private: PromptSet },
  evidence: ArmEvidence,
  plain: PlainReference | undefined,
  scores: Map<string, Scored> | undefined,
): QualityResult {
  if (!plain) return judgeLaunch(o, o.private, evidence, undefined, PRIVATE_PREFIX);
  return judgeArm(o, o.private, evidence, plain, scores, PRIVATE_PREFIX);
}

/**
 * The trusted scorer's reading of the private re-run, made on the confirmation's gauge launch when
 * the gauge is the scorer (the harness's baseline): after the gauge's timed requests, it scores the
 * candidate's private outputs and their plain decodes, so the check costs no launch of its own.
 * Without a scorer (a local run, the incumbent as gauge) or a plain reference, nothing is scored.
 */
function gaugeScoring(
  ports: BenchPorts,
  o: BenchOptions & { private: PromptSet },
  gauge: Contender,
  evidence: ArmEvidence,
  plain: PlainReference | undefined,
) {
  const out: { scores?: Map<string, Scored>; after?: (engine: RunningEngine) => Promise<void> } = {};
  if (gauge !== o.scorer || !plain) return out;
  out.after = async (engine) => {
    const items = privateScoreItems(o.private, evidence.outputs, plain);
    out.scores = await scoreOn(ports.client, engine, items, o.requestTimeoutMs);
  };
  return out;
}

/**
 * The confirmation entry of a private re-run that completed. Two speed checks: the private speed
 * (gauge-corrected) within `confirm_tolerance` of the claim, and the claimed gain itself kept
 * beyond the margin: the corrected private speed must beat the incumbent's public mean by more
 * than δ (the comparison's own, in tok/s). A gain made on the public prompts only (a draft model
 * over-fitted to their outputs) is within the tolerance but not beyond the margin, and fails.
 */
function confirmationOf(
  ch: Challenge,
  tps: number,
  c: Pick<Comparison, "arms" | "delta">,
  q: QualityResult,
): Confirmation {
  const claim = c.arms.candidate.mean;
  const ratio = tps / claim;
  const fastEnough = ratio >= 1 - ch.verification.confirm_tolerance;
  const keptGain = tps - c.arms.incumbent.mean > c.delta;
  const ok = fastEnough && keptGain && q.ok;
  const quality = {
    ok: q.ok,
    pplIncrease: round(q.pplIncrease, 3),
    exactFraction: round(q.greedy.exactFraction, 2),
  };
  const base = {
    status: ok ? ("confirmed" as const) : ("failed" as const),
    tps: round(tps, 1),
    claim: round(claim, 1),
  };
  if (ok) return { ...base, ratio: round(ratio, 3), quality };
  const reason = !fastEnough
    ? `private re-run reached ${round(ratio * 100, 1)}% of the claimed speed ` +
      `(tolerance ${ch.verification.confirm_tolerance * 100}%)`
    : !keptGain
      ? `private re-run kept ${round(tps - c.arms.incumbent.mean, 1)} tok/s over the incumbent, not more ` +
        `than the margin of ${round(c.delta, 1)} tok/s the public blocks claimed`
      : "quality failed on the private set";
  return { ...base, ratio: round(ratio, 3), quality, reason };
}

/** Tokens over seconds of a launch's timed requests on its private prompts only, every pass together. */
function privateTps(acc: Passes): number {
  const rows = acc.timings.filter((t) => t.id.startsWith(PRIVATE_PREFIX));
  const tokens = rows.reduce((a, t) => a + t.tokens, 0);
  const seconds = rows.reduce((a, t) => a + t.seconds, 0);
  return tokens / seconds;
}

/** The candidate's confirmation evidence: its private prompts' outputs and scoring, under their own ids. */
function privateEvidence(acc: Passes): ScoredLaunch & { variants: Map<string, number[][]> } {
  const scoring = acc.scoring.filter((_, i) => acc.scoringIds[i]!.startsWith(PRIVATE_PREFIX));
  return { outputs: privateShare(acc.outputs), variants: privateShare(acc.variants), scoring };
}

/**
 * A claimed lead is re-run on the private set; it stands only within tolerance. What must hold is
 * the claim itself, the candidate's public speed, carried over to prompts it could not prepare
 * for. Private prompts differ in length from public ones, so a raw tok/s comparison would fail
 * honest engines: a second arm measures how the private prompts' lengths change the speed, and the
 * candidate's claim is scaled by it. That arm is the trusted scorer (the harness's own baseline)
 * where the run has one: an incumbent is another submission, which could run slow on the private
 * prompts to flatter a candidate it colludes with. Without a scorer (a local run) the incumbent does.
 * Both launches look like timed blocks (see confirm-set.ts); only their private prompts are measured.
 * The candidate's private outputs then get the three checks of the public blocks (judgePrivate), the
 * trusted scorer included: the gauge launch scores them after its timed requests.
 */
async function confirmLead(ports: BenchPorts, o: BenchOptions, s: Claim): Promise<Confirmation> {
  if (!o.private?.prompts.length) return { status: "pending", reason: NO_PRIVATE_SET };
  try {
    const next = s.comparison.look.blocks;
    const { set, warmup } = confirmationSet(o.id, s.design, next, o.private);
    const plan = {
      arm: "candidate" as const,
      contender: o.candidate,
      block: s.design.order.length,
      position: 0,
    };
    const budgeted = { ...o, requestTimeoutMs: privateRequestBudgetMs(o, s.comparison) };
    const r = await measuredLaunch(ports, budgeted, { ...plan, set, warmup, score: true }, s.deadline);
    const priv = { ...o, private: o.private };
    const evidence = privateVerified(priv, r.acc, s.plain);
    const gauge = o.scorer ?? o.incumbent;
    const other = { ...plan, arm: "incumbent" as const, contender: gauge, position: 1 };
    const scoring = gaugeScoring(ports, priv, gauge, evidence, s.plain);
    const base = await measuredLaunch(
      ports,
      o,
      { ...other, set, warmup, score: false },
      s.deadline,
      scoring.after,
    );
    // How much faster (or slower) the gauge decodes the private prompts than the public ones.
    const lengthEffect = privateTps(base.acc) / gaugePublicTps(o, s, base.acc, gauge);
    const quality = judgePrivate(priv, evidence, s.plain, scoring.scores);
    return confirmationOf(o.challenge, privateTps(r.acc) / lengthEffect, s.comparison, quality);
  } catch (e) {
    // Out of time is not evidence against the lead: it stays provisional (and a provisional lead
    // never leads where a private set exists: core/standings.ts), and the daily re-verification
    // (reverify.yml) confirms it or not. A stall on the private prompts is not out of time: each
    // request has its own budget (privateRequestBudgetMs) and fails below.
    if (e instanceof DeadlinePassed)
      return {
        status: "pending",
        reason: "the private re-run did not fit the job's time; the lead is provisional",
      };
    return { status: "failed", reason: `private re-run failed: ${(e as Error).message}`.slice(0, 500) };
  }
}

/** How many times slower than its claim a private request may run before it fails. */
export const PRIVATE_SLACK = 4;
/** What any request may take before its first token on top (engine scheduling, a cold cache). */
const PRIVATE_FIRST_TOKEN_MS = 5_000;

/**
 * The candidate's own time budget for each private request, from its claim: max_tokens at a
 * quarter of the claimed speed, plus a first-token allowance, never more than the run's request
 * timeout. An engine that crawls on prompts it has not seen fails its confirmation here (an engine
 * failure) instead of running the job into its cap, which would leave the lead provisional.
 */
export function privateRequestBudgetMs(
  o: { challenge: Pick<Challenge, "metric">; requestTimeoutMs?: number },
  c: { arms: { candidate: { mean: number } } },
): number {
  const claim = c.arms.candidate.mean;
  const own = PRIVATE_FIRST_TOKEN_MS + (o.challenge.metric.max_tokens / claim) * 1000 * PRIVATE_SLACK;
  return Math.min(o.requestTimeoutMs ?? 120_000, Math.ceil(own));
}

/**
 * The gauge's public speed: the incumbent's over the run's blocks (as measured against the claim);
 * the scorer, which ran no block, on the public prompts of its own confirmation launch.
 */
function gaugePublicTps(o: BenchOptions, s: Claim, acc: Passes, gauge: Contender): number {
  if (gauge === o.incumbent) return s.comparison.arms.incumbent.mean;
  const rows = acc.timings.filter((t) => !t.id.startsWith(PRIVATE_PREFIX));
  return rows.reduce((a, t) => a + t.tokens, 0) / rows.reduce((a, t) => a + t.seconds, 0);
}
