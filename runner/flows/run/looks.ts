import { DeadlinePassed } from "../../core/errors.ts";
import type { LaunchRecord } from "../../core/schema/run-record.ts";
import { compare, type Comparison, type Launch } from "../../core/stats/compare.ts";
import type { QualityResult } from "../../core/verify.ts";
import { absorbEvidence, coveredSet, emptyEvidence, type ArmEvidence } from "./arm-evidence.ts";
import { firstNotRun, launches, type Launched } from "./blocks.ts";
import { failed } from "./outcome.ts";
import type { RunPlan } from "./plan.ts";
import type { References } from "./references.ts";
import type { BenchOptions, BenchPorts, Outcome, RunMode } from "./types.ts";
import { judgeLaunch, severityFor, type PlainRefs } from "./verify-arms.ts";

/**
 * Phase 3 of a run: blocks of fresh launches up to each planned look, the comparison looked at after
 * each, until it resolves or the last look is reached. Every launch's outputs join its arm's
 * evidence as they come (the one furthest from the truth of each prompt is kept), in block order
 * whichever process ran them. A gathered run whose next look no share holds stops there and names
 * that look (`nextLook`): data, for the workflow to dispatch it.
 */
export interface Looks {
  launches: LaunchRecord[];
  evidence: { candidate: ArmEvidence; incumbent: ArmEvidence };
  /** Each arm's quality on the prompts it decoded, judged launch by launch (no trusted scorer yet). */
  quality: { candidate: QualityResult | null; incumbent: QualityResult | null };
  candidateOutputs: Map<string, number[]>;
  comparison?: Comparison;
  /** The job cap cut the run: its completed looks were analysed as final. */
  cut?: boolean;
  /** The look (1-based) whose blocks no gathered share holds yet; null: every look needed ran. */
  nextLook: number | null;
  outcome: Outcome;
}

const empty = (outcome: Outcome): Looks => ({
  launches: [],
  evidence: { candidate: emptyEvidence(), incumbent: emptyEvidence() },
  quality: { candidate: null, incumbent: null },
  candidateOutputs: new Map(),
  nextLook: null,
  outcome,
});

export async function runLooks(
  ports: BenchPorts,
  o: BenchOptions,
  mode: RunMode,
  plan: RunPlan,
  refs: References,
): Promise<Looks> {
  if ("failed" in refs) return empty(refs.failed);
  const s = empty({ status: "ok" });
  const { looks } = plan;
  const label = `bench ${o.candidate.slug} vs ${o.incumbent.slug}`;
  const maxBlocks = looks[looks.length - 1]!;
  ports.progress.start(maxBlocks * 2, label);
  let done = 0;
  try {
    for (const [index, look] of looks.entries()) {
      const missing = mode.kind === "gather" ? firstNotRun(mode.shares, done, look) : undefined;
      if (missing !== undefined && mode.kind === "gather") {
        // The look bound: a look at or below the dispatched one is never named again (it would run
        // for free, as often as a share fails to leave a result); the run ends in error, charged.
        if (index + 1 <= (mode.look ?? 0)) return { ...s, outcome: incomplete(index, missing) };
        return {
          ...s,
          nextLook: index + 1,
          outcome: { status: "ok", reason: notRunYet(index, looks, done) },
        };
      }
      for await (const launched of launches(ports, o, mode, plan, done, look))
        absorbLaunch(ports, o, refs, s, launched);
      done = look;
      s.comparison = lookAt(o, looks, s.launches);
      ports.progress.line(lookLine(s.comparison, looks, done));
      if (s.comparison.verdict !== "inconclusive") break;
      if (look !== maxBlocks) ports.progress.start(maxBlocks * 2, `${label} (extended)`);
    }
    return s;
  } catch (e) {
    if (e instanceof DeadlinePassed && s.comparison) return cutAtCap(o, looks, s, e);
    return { ...s, outcome: failed(e) };
  }
}

/** The error of a dispatched look whose shares left a block without a result. */
const incomplete = (index: number, block: number): Outcome => ({
  status: "error",
  reason:
    `look ${index + 1} is incomplete: no share left a result for block ${block + 1} (its job died, ` +
    "or its engine stopped the trusted client); the look is not run again",
});

const notRunYet = (index: number, looks: number[], done: number) =>
  `look ${index + 1} of ${looks.length} (blocks ${done + 1}–${looks[index]}) has not run yet`;

/**
 * Takes one finished launch into the run: its record, and its outputs into its arm's quality
 * evidence, judged on the prompts the arm has decoded so far.
 */
function absorbLaunch(
  ports: BenchPorts,
  o: BenchOptions,
  refs: { plain?: PlainRefs },
  s: Looks,
  { plan, result: r }: Launched,
) {
  const arm = plan.arm;
  s.launches.push(r.record);
  const evidence = s.evidence[arm];
  const plain = refs.plain?.[arm];
  absorbEvidence(evidence, r.outputs, plan.score ? r.scoring : undefined, severityFor(o, plain), r.variants);
  const merged = { ...r, outputs: evidence.outputs, scoring: evidence.scoring };
  s.quality[arm] = judgeLaunch(o, coveredSet(o.public, evidence), merged, plain);
  if (arm === "candidate") s.candidateOutputs = evidence.outputs;
  const speeds = r.record.runs.map((x) => x.toFixed(1)).join("/");
  ports.progress.tick(`block ${plan.block + 1}: ${arm} ${plan.contender.slug} ${speeds} tok/s`);
}

/** The comparison after the launches so far, at one of the planned looks. */
function lookAt(
  o: BenchOptions,
  looks: number[],
  launches: readonly LaunchRecord[],
  final = false,
): Comparison {
  const ch = o.challenge;
  const obs: Launch[] = launches.map((l) => ({
    arm: l.arm,
    launch: `${l.block}-${l.arm}`,
    block: l.block,
    runs: l.runs,
  }));
  return compare(obs, {
    alpha: ch.significance.alpha,
    minEffect: ch.significance.min_effect,
    looks,
    seed: o.seed,
    ...(final ? { final: true } : {}),
  });
}

const lookLine = (c: Comparison, looks: number[], blocks: number) =>
  `look ${c.look.index}/${looks.length} after ${blocks} blocks: ${c.verdict} ` +
  `(Δ ${c.estimate.toFixed(2)} tok/s, CI [${c.ci[0].toFixed(2)}, ${c.ci[1].toFixed(2)}])`;

/**
 * The job cap came during a look: the looks completed before it are what the run has. Only their
 * blocks stay (a part-run look would be an unplanned look), and the last completed look is analysed
 * again as final, so an undecided result reads `unresolved` and the run is published, not discarded.
 */
function cutAtCap(o: BenchOptions, looks: number[], s: Looks, e: DeadlinePassed): Looks {
  const done = s.comparison!.look.blocks;
  const kept = s.launches.filter((l) => l.block < done);
  const comparison = lookAt(o, looks, kept, true);
  const look = `look ${comparison.look.index} of ${looks.length} (${done} blocks)`;
  const reason = `${e.message} during the next look; ${look} is final`;
  return { ...s, launches: kept, comparison, cut: true, outcome: { status: "ok", reason } };
}
