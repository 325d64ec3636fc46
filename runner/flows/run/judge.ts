import type { QualityResult } from "../../core/verify.ts";
import { coveredSet } from "./arm-evidence.ts";
import type { Looks } from "./looks.ts";
import { failed } from "./outcome.ts";
import type { References } from "./references.ts";
import type { BenchOptions, BenchPorts, Outcome } from "./types.ts";
import { judgeArm, scoreArms, type PlainRefs } from "./verify-arms.ts";

/**
 * Phase 4 of a run: the arms' evidence judged once more with the trusted scorer's reading of their
 * timed and plain-decode outputs (one scorer launch over both), and the run's outcome: `invalid`
 * when the candidate's verification failed. Without plain-decode references (a gather off the
 * pool) the launch-by-launch judgement of the looks stands. The scorer reads the outputs of the
 * blocks kept, also when the cap cut the run.
 */
export interface Judged {
  quality: { candidate: QualityResult | null; incumbent: QualityResult | null };
  outcome: Outcome;
}

export async function judge(
  ports: BenchPorts,
  o: BenchOptions,
  refs: References,
  looks: Looks,
): Promise<Judged> {
  if (looks.outcome.status !== "ok" || !("plain" in refs) || !refs.plain)
    return { quality: looks.quality, outcome: verified(looks.quality, looks.outcome) };
  try {
    const quality = await judgeArms(ports, o, refs.plain, looks);
    return { quality, outcome: verified(quality, looks.outcome) };
  } catch (e) {
    return { quality: looks.quality, outcome: failed(e) };
  }
}

/** A measured run's outcome, unless the candidate's verification failed. */
function verified(quality: Judged["quality"], outcome: Outcome): Outcome {
  const q = quality.candidate;
  if (outcome.status === "ok" && q && !q.ok)
    return { status: "invalid", reason: `verification failed: ${q.reasons.join("; ")}` };
  return outcome;
}

/** The scored evidence of both arms, judged again once the trusted scorer has read their outputs. */
async function judgeArms(ports: BenchPorts, o: BenchOptions, plain: PlainRefs, looks: Looks) {
  const { evidence } = looks;
  const scored = {
    candidate: { outputs: evidence.candidate.outputs, scoring: evidence.candidate.scoring },
    incumbent: { outputs: evidence.incumbent.outputs, scoring: evidence.incumbent.scoring },
  };
  const scores = await scoreArms(ports, o, scored, plain);
  const quality = { ...looks.quality };
  for (const arm of ["candidate", "incumbent"] as const)
    if (evidence[arm].outputs.size)
      quality[arm] = judgeArm(o, coveredSet(o.public, evidence[arm]), scored[arm], plain[arm], scores[arm]);
  return quality;
}
