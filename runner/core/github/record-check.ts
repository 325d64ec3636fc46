import type { Challenge } from "../schema/challenge.ts";
import type { Reservation } from "../schema/data.ts";
import { claimsLead, type ComparisonRecord, type RunRecord, type VerifiedBy } from "../schema/run-record.ts";
import type { Comparison } from "../stats/compare.ts";
import { blockOrder } from "../stats/design.ts";
import { seedFrom } from "../stats/rng.ts";
import { corpusPerplexity, judgeQuality } from "../verify.ts";
import { coveredPrompts, groupProblem } from "./group-check.ts";

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
  if (!looks.includes(blocks)) return `the run has ${blocks} blocks, not a planned look [${looks}]`;
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
  return groupProblem(r, challenge);
}

/**
 * What the publisher knows of the challenge from main's checkout, to pin a record to: the public
 * reference's pooled perplexity and the public prompt count. `reference.ppl_public` wins when set.
 */
export interface PublishPins {
  referencePpl?: number;
  prompts?: number;
  /**
   * Each public prompt's reference continuation score (total NLL over n tokens), in prompt order;
   * null where the committed file has no line. Pins a grouped run that covered only some prompts.
   */
  referenceTerms?: ({ nll: number; n: number } | null)[];
}

/**
 * The run's randomness must be the dispatched run's: the seed derives from the reservation id and
 * the block order from the seed, so a runner cannot re-roll the order (or pick its luckiest one).
 */
export function provenanceProblem(r: RunRecord, challenge: Challenge, reservation: Reservation) {
  const seed = seedFrom(reservation.id);
  if (r.design.seed !== seed)
    return `the run's seed ${r.design.seed} is not the one its run id gives (${seed})`;
  const looks = expectedLooks(challenge, reservation);
  const order = blockOrder(looks[looks.length - 1]!, seed).map((b) => (b[0] === "candidate" ? "CI" : "IC"));
  if (JSON.stringify(r.design.order) !== JSON.stringify(order))
    return "the run's block order is not the one its seed gives";
  return undefined;
}

/** Prompt counts a launch may have decoded: the whole set, or one group of `prompts_per_group`. */
function launchPromptCounts(r: RunRecord, challenge: Challenge, l: RunRecord["launches"][number]) {
  const counts = new Set([r.design.prompts]);
  const group = challenge.significance.prompts_per_group;
  if (group !== undefined) counts.add(Math.min(group, r.design.prompts));
  // A launch may name its own prompt count (prompt groups); it can only be a subset of the set.
  const own = (l as { prompts?: unknown }).prompts;
  if (typeof own === "number" && Number.isInteger(own) && own >= 1 && own <= r.design.prompts)
    counts.add(own);
  return counts;
}

/** Every launch ran `repeats` timed passes of max_tokens on each of its prompts. */
export function countProblem(r: RunRecord, challenge: Challenge): string | undefined {
  const m = challenge.metric;
  for (const l of r.launches) {
    const where = `the ${l.arm} launch of block ${l.block}`;
    if (l.runs.length !== m.repeats) return `${where} has ${l.runs.length} timed passes, not ${m.repeats}`;
    const perPrompt = m.max_tokens * m.repeats;
    const counts = [...launchPromptCounts(r, challenge, l)];
    if (!counts.some((n) => l.tokens === n * perPrompt))
      return `${where} decoded ${l.tokens} tokens, not ${counts.map((n) => n * perPrompt).join(" or ")}`;
  }
  return undefined;
}

/**
 * The reference perplexity of the prompts a grouped run covered, from the committed file's terms
 * (the runner judges such a run on those prompts only). Unknown when the file is not committed (an
 * embedded challenge may make it on the runner) or lacks a covered prompt: then nothing pins it.
 */
function subsetReferencePpl(covered: ReadonlySet<number>, pins: PublishPins): number | undefined {
  const terms = pins.referenceTerms;
  if (!terms) return undefined;
  const used = [...covered].sort((a, b) => a - b).map((i) => terms[i]);
  if (used.some((t) => !t)) return undefined;
  return corpusPerplexity(used as { nll: number; n: number }[]);
}

/**
 * The reference the run was judged against must be the challenge's, on the challenge's prompt set:
 * the whole set's pinned figure, or for a grouped run not yet over every prompt, the committed
 * reference of the prompts its blocks covered.
 */
export function pinProblem(r: RunRecord, challenge: Challenge, pins: PublishPins): string | undefined {
  if (pins.prompts !== undefined && r.design.prompts !== pins.prompts)
    return `the run used ${r.design.prompts} prompts, not the challenge's ${pins.prompts}`;
  const allowed = allowedReferences(r, challenge, pins);
  if (allowed.some((x) => x === undefined)) return unpinnable(r, challenge, pins);
  const close = (a: number, b: number) => Math.abs(a / b - 1) <= 1e-9;
  for (const q of [r.quality.candidate, r.quality.incumbent])
    if (q && !allowed.some((p) => close(q.pplReference, p!)))
      return `the run was judged against a reference perplexity of ${q.pplReference}, not the challenge's ${allowed[0]}`;
  return undefined;
}

/**
 * A run with no figure to pin to. Where main pins runs at all (the bot passes pins), a run that
 * covered only some prompts cannot be left to its runner's own reference perplexity: main must
 * commit the per-prompt reference file. Without pins (a local check) nothing is pinned.
 */
function unpinnable(r: RunRecord, challenge: Challenge, pins: PublishPins): string | undefined {
  if (!Object.keys(pins).length) return undefined;
  const blocks = new Set(r.launches.map((l) => l.block)).size;
  const covered = coveredPrompts(r, challenge, blocks).size;
  if (covered >= r.design.prompts) return undefined;
  return (
    `the run covered ${covered} of ${r.design.prompts} prompts and main has no committed per-prompt ` +
    `reference to pin them to: commit ${challenge.verification.reference.outputs ?? "the reference outputs"} ` +
    "(`velodrome bench baseline` on a runner writes it) and name it in verification.reference.outputs"
  );
}

/**
 * The reference perplexities a run may have been judged against (undefined: not pinned). One: that
 * of the prompts its blocks covered. A run the job cap cut keeps only its completed looks' blocks,
 * but its arms' evidence also holds the part-run look's finished blocks (their outputs still count
 * against it), so the coverage of every block prefix up to that look is allowed.
 */
function allowedReferences(r: RunRecord, challenge: Challenge, pins: PublishPins): (number | undefined)[] {
  const kept = new Set(r.launches.map((l) => l.block)).size;
  const last = cutByCap(r) ? (r.design.looks.find((k) => k > kept) ?? kept) : kept;
  const out: (number | undefined)[] = [];
  for (let blocks = kept; blocks <= last; blocks++) {
    const covered = coveredPrompts(r, challenge, blocks);
    out.push(
      covered.size < r.design.prompts
        ? subsetReferencePpl(covered, pins)
        : (challenge.verification.reference.ppl_public ??
            pins.referencePpl ??
            subsetReferencePpl(covered, pins)),
    );
  }
  return out;
}

/**
 * Whether the job cap cut the run: its comparison is final before the design's last look. Only
 * the completed looks' blocks are in such a record, and their verdict is recomputed as final.
 */
export const cutByCap = (r: RunRecord) =>
  r.comparison !== null && r.comparison.look.final && r.comparison.blocks < r.design.looks.at(-1)!;

type Quality = NonNullable<RunRecord["quality"]["candidate"]>;

/** Which verification a quality record's figures show: never the runner's word, only what it carries. */
export function verifiedBy(q: { identity?: unknown; outputNll?: unknown }): VerifiedBy {
  if (q.identity && q.outputNll) return "plain-decode+scorer";
  return q.identity ? "plain-decode" : "baseline-agreement";
}

/**
 * A candidate is ranked only on the rule's checks: identity with its own plain decode and the trusted
 * scorer. A record without them (a look gathered from other runners, where no engine may start, or a
 * run without a scorer) is marked unverified: its quality fails, so it cannot take or hold the lead.
 */
const UNVERIFIED =
  "not verified against its own plain decode and the trusted scorer (the record carries only " +
  "agreement with the baseline's outputs), so it is not ranked";

/** The recorded output-NLL figures with their difference recomputed and counts clamped. */
function outputNllInputs(o: NonNullable<Quality["outputNll"]>) {
  return {
    prompts: o.prompts,
    nll: o.nll,
    nllPlain: o.nllPlain,
    increase: o.nll - o.nllPlain,
    worse: Math.min(o.worse, o.prompts),
    // A record without the per-prompt figure cannot show its worst prompt: judged as failing.
    worst: o.worst ?? Number.NaN,
  };
}

/** The output-NLL check as a record keeps it; a missing per-prompt figure stays missing (JSON has no NaN). */
function nllRecord(
  o: NonNullable<ReturnType<typeof judgeQuality>["outputNll"]>,
  v: Challenge["verification"],
) {
  const { worst, ...rest } = o;
  return {
    ...rest,
    max: v.max_output_nll_increase,
    maxPrompt: v.max_prompt_nll_increase,
    ...(Number.isFinite(worst) ? { worst } : {}),
  };
}

/**
 * Re-judges one arm's quality from its recorded aggregates (perplexities, identity counts, output
 * NLLs) against the challenge's thresholds, never the record's own: counts are clamped, every
 * `ok`, difference and reason is recomputed. `rank`: the candidate arm, which must carry the rule's
 * checks to pass (see UNVERIFIED).
 */
function rejudge(q: Quality | null, challenge: Challenge, rank = false): Quality | null {
  if (!q) return null;
  const g = q.greedy;
  const exact = Math.min(g.exact, g.prompts);
  const greedy = { ...g, exact, exactFraction: g.prompts ? exact / g.prompts : 0 };
  const identity = q.identity && {
    prompts: q.identity.prompts,
    passed: Math.min(q.identity.passed, q.identity.prompts),
    exact: Math.min(q.identity.exact, q.identity.passed, q.identity.prompts),
  };
  const outputNll = q.outputNll && outputNllInputs(q.outputNll);
  const j = judgeQuality(challenge, {
    ppl: q.ppl,
    pplReference: q.pplReference,
    greedy: { ...greedy, firstDivergence: [] },
    ...(identity ? { identity } : {}),
    ...(outputNll ? { outputNll } : {}),
  });
  const method = verifiedBy(q);
  const reasons = rank && method !== "plain-decode+scorer" ? [...j.reasons, UNVERIFIED] : j.reasons;
  const v = challenge.verification;
  const nll = j.outputNll && nllRecord(j.outputNll, v);
  return {
    ok: reasons.length === 0,
    ppl: j.ppl,
    pplReference: j.pplReference,
    pplIncrease: j.pplIncrease,
    maxPplIncrease: v.max_ppl_increase,
    greedy,
    ...(j.identity ? { identity: { ...j.identity, min: v.min_greedy_exact, tieMargin: v.tie_margin } } : {}),
    ...(nll ? { outputNll: nll } : {}),
    verifiedBy: method,
    reasons: reasons.slice(0, 10),
  };
}

/** Private ratios leave in 5% steps (rounded down; the epsilon keeps an exact step on its step). */
const RATIO_STEP = 20;

/**
 * The private speed ratio as it may leave the runner: rounded down to a 5% step, but never below the
 * tolerance when the raw ratio met it, so rounding twice (runner, then publish) never flips a verdict.
 */
function coarseRatio(ratio: number, threshold: number): number {
  const step = Math.floor(ratio * RATIO_STEP + 1e-9) / RATIO_STEP;
  return ratio >= threshold ? Math.max(step, threshold) : step;
}

/** Private-set figures leave only as pass/fail and a coarse ratio with a fixed reason. Idempotent. */
function coarseConfirmation(r: RunRecord, challenge: Challenge): RunRecord["confirmation"] {
  const c = r.confirmation;
  if (!claimsLead(r.status, r.comparison?.verdict))
    return { status: "skipped", reason: "not a claim to the lead" };
  if (c.status !== "confirmed" && c.status !== "failed")
    return { status: "pending", reason: "no private re-run yet: the lead is provisional until confirmed" };
  const threshold = 1 - challenge.verification.confirm_tolerance;
  const ratio = c.ratio === undefined ? undefined : coarseRatio(c.ratio, threshold);
  const qualityOk = c.quality?.ok ?? c.status === "confirmed";
  const fast = ratio !== undefined && ratio >= threshold;
  const ok = fast && qualityOk;
  const reason = confirmationReason(ratio, fast, ok);
  return { status: ok ? "confirmed" : "failed", ...(ratio !== undefined ? { ratio } : {}), reason };
}

/** The fixed reason of a private re-run's outcome, from its coarse ratio and quality. */
function confirmationReason(ratio: number | undefined, fast: boolean, ok: boolean): string {
  if (ok) return "the private re-run held the claimed speed and quality";
  if (ratio === undefined) return "the private re-run did not complete (details stay in the runner's log)";
  if (!fast) return `the private re-run reached under ${Math.round(ratio * 100 + 5)}% of the claimed speed`;
  return "the private re-run failed verification";
}
/** Fixed phrases for runner errors: a runner's own words never reach a page. */
const EARLY_STOP = (arm: string) =>
  `the ${arm}'s engine ended a turn before max_tokens where the reference decode did not ` +
  `(an early stop is not counted)`;
const ERROR_KINDS: [RegExp, string][] = [
  // First: the slug in an early stop's text is the submission's own and could match a later kind.
  [/^candidate \S+ ended a turn early/, EARLY_STOP("candidate")],
  // Also first: these texts carry the engine's own served model ids or its error (launch.ts), which
  // must not pick a later kind (an engine serving a model named "sha-moved" read "the PR moved").
  [/^engine serves |^engine is healthy but/, "the engine did not serve the model the harness asked for"],
  [/^incumbent \S+ ended a turn early/, EARLY_STOP("incumbent")],
  // The gather's own words (flows/run/looks.ts): a share of the dispatched look left no result.
  [
    /^look \d+ is incomplete: /,
    "a share of the look left no result (its job died, or its engine stopped the client)",
  ],
  [/^could not fetch/i, "the runner could not fetch the submission at its pinned commit"],
  [/^validation failed/i, "the submission failed validation at its pinned commit"],
  [/did not become healthy|never became healthy/i, "the engine did not become healthy in time"],
  [/exited with code|crash/i, "the engine exited before or during the run"],
  [/passed its size cap/i, "the engine's response passed its size cap (it flooded the client)"],
  [/stream|cut|protocol|mid-response/i, "the engine broke the streaming protocol"],
  [/deadline|job cap|timed? ?out/i, "the run reached its time limit"],
  [/moved|sha/i, "the pull request moved after the run was requested"],
];
const FALLBACK_ERROR = "the runner reported an error (details stay in the runner's log)";
const PHRASES = new Set([...ERROR_KINDS.map(([, phrase]) => phrase), FALLBACK_ERROR]);

/** The fixed phrase for a runner's error text (a phrase maps to itself, so runner and publish agree). */
export function errorPhrase(runnerReason: string | undefined): string {
  if (runnerReason && PHRASES.has(runnerReason)) return runnerReason;
  for (const [re, phrase] of ERROR_KINDS) if (runnerReason && re.test(runnerReason)) return phrase;
  return FALLBACK_ERROR;
}

/** The status reason as harness words only: a fixed error phrase, or the re-judged quality reasons. */
function statusReason(
  status: RunRecord["status"],
  runnerReason: string | undefined,
  quality: Quality | null,
  cutAt: ComparisonRecord | null,
) {
  if (status === "error") return errorPhrase(runnerReason);
  if (status === "invalid" && quality) return `verification failed: ${quality.reasons.join("; ")}`;
  if (cutAt) return `the job cap cut the run; look ${cutAt.look.index} (${cutAt.blocks} blocks) is final`;
  return undefined;
}

/**
 * What a runner lets out of its machine (its result file is a public artifact): the record with every
 * text the engine could have shaped replaced by harness words, and private figures made coarse. The
 * raw record stays in the runner's local log folder. Pure; publish applies the same rules again.
 */
export function releasableRecord(r: RunRecord, challenge: Challenge): RunRecord {
  const quality = {
    candidate: rejudge(r.quality.candidate, challenge, true),
    incumbent: rejudge(r.quality.incumbent, challenge),
  };
  const cut = r.comparison && cutByCap(r) ? r.comparison : null;
  const reason = statusReason(r.status, r.reason, quality.candidate, cut);
  const released: RunRecord = { ...r, quality };
  delete released.reason;
  return { ...released, ...(reason ? { reason } : {}), confirmation: coarseConfirmation(r, challenge) };
}

/** The record as published: recomputed outcomes, coarse private figures, trusted times, fixed words. */
export function rebuildRecord(
  r: RunRecord,
  challenge: Challenge,
  o: { comparison: Comparison | undefined; startedAt: string; finishedAt: string },
): RunRecord {
  const quality = {
    candidate: rejudge(r.quality.candidate, challenge, true),
    incumbent: rejudge(r.quality.incumbent, challenge),
  };
  const invalid = r.status !== "error" && quality.candidate !== null && !quality.candidate.ok;
  const status: RunRecord["status"] = r.status === "error" ? "error" : invalid ? "invalid" : "ok";
  const comparison = status === "error" || !o.comparison ? null : toComparisonRecord(o.comparison);
  const reason = statusReason(
    status,
    r.reason,
    quality.candidate,
    comparison && cutByCap({ ...r, comparison }) ? comparison : null,
  );
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
