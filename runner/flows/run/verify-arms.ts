import type { Arm } from "../../core/stats/design.ts";
import {
  corpusPerplexity,
  greedyAgreement,
  greedyIdentity,
  judgeQuality,
  outputNll,
  type PlainLine,
  type QualityResult,
  type Scored,
} from "../../core/verify.ts";
import type { BenchOptions, BenchPorts, PromptSet } from "./types.ts";
import { trustedScores, type PlainReference, type ToScore } from "../plain-reference.ts";
import { exactSeverity, type Severity } from "./arm-evidence.ts";

/**
 * Verification of a bench's arms (see RULES.md): checkpoint perplexity on the reference
 * continuations, greedy identity with the arm's own plain decode, and the trusted scorer's NLL of
 * the timed outputs against that of the plain-decode outputs.
 */

/** The timed outputs and scoring of an arm's scored launch. */
export interface ScoredLaunch {
  outputs: Map<string, number[]>;
  scoring?: { nll: number; n: number }[];
}

export type PlainRefs = Record<Arm, PlainReference>;

/** Prefix of the private prompts' ids in a plain reference. */
export const PRIVATE_PREFIX = "private:";

/** The plain lines of a prompt set's prompts (under `prefix` in the reference), by prompt id. */
function linesOf(set: PromptSet, plain: PlainReference, prefix: string) {
  const lines = new Map<string, PlainLine>();
  for (const p of set.prompts) {
    const line = plain.lines.get(prefix + p.id);
    if (line) lines.set(p.id, line);
  }
  return lines;
}

/**
 * How far an output is from the arm's plain decode of the same prompt (under `prefix` there):
 * 0 identical, 1 a first divergence at a near-tie, 2 a divergence at a clear decision or a short
 * output. A prompt the reference lacks has nothing to hold it to (0).
 */
export function plainSeverity(plain: PlainReference, tieMargin: number, prefix = ""): Severity {
  return (id, tokens) => {
    const line = plain.lines.get(prefix + id);
    if (!line) return 0;
    const one = greedyIdentity(new Map([[id, line]]), new Map([[id, tokens]]), tieMargin);
    return one.exact ? 0 : one.passed ? 1 : 2;
  };
}

/** Quality of a scored launch: perplexity, identity with its plain decode, and (when scored) output NLL. */
export function judgeArm(
  o: Pick<BenchOptions, "challenge">,
  set: PromptSet,
  r: ScoredLaunch,
  plain: PlainReference,
  scores?: Map<string, Scored>,
  prefix = "",
): QualityResult {
  const ch = o.challenge;
  const expected = new Map([...set.reference].map(([k, v]) => [k, v.output]));
  const identity = greedyIdentity(linesOf(set, plain, prefix), r.outputs, ch.verification.tie_margin);
  const pick = (kind: string) =>
    new Map(set.prompts.flatMap((p) => (scores?.has(kind + p.id) ? [[p.id, scores.get(kind + p.id)!]] : [])));
  return judgeQuality(ch, {
    ppl: corpusPerplexity(r.scoring ?? []),
    pplReference: set.referencePpl,
    greedy: greedyAgreement(expected, r.outputs),
    identity,
    ...(scores
      ? { outputNll: outputNll(pick("timed:"), pick("plain:"), ch.verification.max_output_nll_increase) }
      : {}),
  });
}

/**
 * One launch of the trusted scorer over both arms' timed and plain-decode outputs on the public set.
 * Keys are `<arm>/timed:<id>` and `<arm>/plain:<id>`. Without a scorer (a local run that named none)
 * the decode-path check is not made.
 */
export async function scoreArms(
  ports: BenchPorts,
  o: BenchOptions,
  scored: Partial<Record<Arm, ScoredLaunch>>,
  plain: PlainRefs,
): Promise<Partial<Record<Arm, Map<string, Scored>>>> {
  if (!o.scorer) return {};
  const items: ToScore[] = [];
  for (const arm of ["candidate", "incumbent"] as const) {
    const r = scored[arm];
    if (!r) continue;
    for (const p of o.public.prompts) {
      const timed = r.outputs.get(p.id);
      const plainOut = plain[arm].lines.get(p.id)?.output;
      if (timed) items.push({ key: `${arm}/timed:${p.id}`, prompt: p, output: timed });
      if (plainOut) items.push({ key: `${arm}/plain:${p.id}`, prompt: p, output: plainOut });
    }
  }
  const all = await trustedScores(ports, scorerOptions(o, o.scorer), items);
  const byArm = (arm: Arm) =>
    new Map([...all].flatMap(([k, v]) => (k.startsWith(`${arm}/`) ? [[k.slice(arm.length + 1), v]] : [])));
  return { candidate: byArm("candidate"), incumbent: byArm("incumbent") };
}

/** Where and how the trusted scorer is launched: the run's work folder and timeouts. */
function scorerOptions(o: BenchOptions, scorer: NonNullable<BenchOptions["scorer"]>) {
  return {
    challenge: o.challenge,
    scorer,
    workDir: o.workDir,
    ...(o.startTimeoutMs ? { startTimeoutMs: o.startTimeoutMs } : {}),
    ...(o.requestTimeoutMs ? { requestTimeoutMs: o.requestTimeoutMs } : {}),
  };
}

/**
 * What the trusted scorer reads of the candidate's private re-run: its timed outputs and its
 * plain-decode outputs of the private prompts (kept under PRIVATE_PREFIX in its reference). Keys are
 * `timed:<id>` and `plain:<id>` as judgeArm reads them.
 */
export function privateScoreItems(
  priv: PromptSet,
  outputs: ReadonlyMap<string, number[]>,
  plain: PlainReference,
): ToScore[] {
  const items: ToScore[] = [];
  for (const p of priv.prompts) {
    const timed = outputs.get(p.id);
    const plainOut = plain.lines.get(PRIVATE_PREFIX + p.id)?.output;
    if (timed) items.push({ key: `timed:${p.id}`, prompt: p, output: timed });
    if (plainOut) items.push({ key: `plain:${p.id}`, prompt: p, output: plainOut });
  }
  return items;
}

/**
 * Quality of an arm's evidence: against its own plain decode when the run has one (identity with
 * near-tie tolerance, checkpoint perplexity), else the legacy check against the baseline's outputs.
 */
export function judgeLaunch(
  o: BenchOptions,
  set: PromptSet,
  r: ScoredLaunch,
  plain: PlainReference | undefined,
  prefix = "",
): QualityResult {
  if (plain) return judgeArm(o, set, r, plain, undefined, prefix);
  const expected = new Map([...set.reference].map(([k, v]) => [k, v.output]));
  return judgeQuality(o.challenge, {
    ppl: corpusPerplexity(r.scoring ?? []),
    pplReference: set.referencePpl,
    greedy: greedyAgreement(expected, r.outputs),
  });
}

/**
 * What an arm's outputs are held to when choosing which to verify: its own plain decode (near-ties
 * excused) when the run has one, else the baseline's reference outputs of the set.
 */
export function severityFor(
  o: BenchOptions,
  plain: PlainReference | undefined,
  prefix = "",
  set = o.public,
): Severity {
  if (plain) return plainSeverity(plain, o.challenge.verification.tie_margin, prefix);
  return exactSeverity(new Map([...set.reference].map(([id, line]) => [id, line.output])));
}
