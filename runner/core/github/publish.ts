import type { Challenge } from "../schema/challenge.ts";
import type { Reservation } from "../schema/data.ts";
import { parseRunRecord, type RunRecord } from "../schema/run-record.ts";
import { compare, CompareError, type Comparison } from "../stats/compare.ts";
import {
  countProblem,
  cutByCap,
  designProblem,
  errorPhrase,
  pinProblem,
  provenanceProblem,
  rebuildRecord,
  type PublishPins,
} from "./record-check.ts";

export type { PublishPins };

/** Everything a publish decision depends on: the runner's text and the ledger entry it claims. */
export interface PublishInput {
  runId: string;
  resultText: string;
  /** The reservation with id `runId`, when the ledger has one. */
  reservation: Reservation | undefined;
  challenge: Challenge;
  /** The publishing job's clock (ISO): the record's finish time, whatever the runner says. */
  now: string;
  /** What main's checkout says the run must have used (reference perplexity, prompt count). */
  pins?: PublishPins;
  /**
   * A matrix run: the gather job's own analysis of the shares (GitHub-hosted, no engine). The
   * verify job's result must carry exactly these launches; only its checks come from that runner.
   */
  gatheredText?: string;
}

export type PublishDecision =
  /** No reservation: nothing was dispatched under this id, so nothing is said on any PR. */
  | { kind: "unknown-run"; reason: string }
  /** The result is refused; the run's verdict comment says why. */
  | { kind: "reject"; reservation: Reservation; reason: string }
  /** The record to write, with identity fields from the reservation and statistics recomputed. */
  | { kind: "record"; reservation: Reservation; record: RunRecord };

/** A runner that failed before benchmarking (SHA moved, fetch failed) writes only {status, reason}. */
function earlyErrorReason(text: string): string | undefined {
  let early: { status?: unknown; reason?: unknown } | undefined;
  try {
    early = JSON.parse(text) as { status?: unknown; reason?: unknown };
  } catch {
    return undefined;
  }
  if (early?.status === "error" && typeof early.reason === "string")
    return `the runner reported an error before benchmarking: ${errorPhrase(early.reason)}`;
  return undefined;
}

/** Whether a record claims to be the reserved run (id, slugs, commit, challenge). */
function belongsTo(rec: RunRecord, reservation: Reservation, challenge: Challenge): boolean {
  return (
    rec.id === reservation.id &&
    rec.candidate.slug === reservation.slug &&
    (rec.candidate.commit === undefined || rec.candidate.commit === reservation.sha) &&
    rec.incumbent.slug === reservation.against &&
    rec.challenge === challenge.id
  );
}

/** Recomputes the comparison from the record's own samples; a verdict that does not follow is refused. */
function recheckVerdict(
  record: RunRecord,
  challenge: Challenge,
): { comparison: Comparison | undefined } | { reason: string } {
  if (record.status === "error" || !record.comparison) return { comparison: undefined };
  const launches = record.launches.map((l) => ({
    arm: l.arm,
    launch: `${l.block}-${l.arm}`,
    block: l.block,
    runs: l.runs,
  }));
  let c: Comparison;
  try {
    c = compare(launches, {
      alpha: challenge.significance.alpha,
      minEffect: challenge.significance.min_effect,
      looks: record.design.looks,
      seed: record.design.seed,
      bootstrapReps: 0,
      // A run the job cap cut is analysed as final at its last completed (planned) look.
      ...(cutByCap(record) ? { final: true } : {}),
    });
  } catch (e) {
    if (!(e instanceof CompareError)) throw e;
    return { reason: `the reported samples cannot be compared: ${e.message}` };
  }
  if (record.comparison.verdict !== c.verdict)
    return {
      reason:
        `the reported verdict (${record.comparison.verdict}) ` +
        `does not follow from the reported samples (${c.verdict})`,
    };
  return { comparison: c };
}

/**
 * The privileged half of evaluation, decided: accept the runner's small JSON only if it validates
 * strictly, belongs to the reservation it claims, and its verdict follows from its own samples
 * (recomputed with the statistics core). Who is credited and charged comes from the reservation,
 * never from the runner. Pure.
 */
/**
 * A matrix run's blocks ran on many runners; the verify job, on one of them, only checks outputs.
 * Its result must hold the very launches the gather job read from the shares, so one runner cannot
 * rewrite the others' timings (the verdict is recomputed from these launches below).
 */
function gatheredProblem(record: RunRecord, gatheredText: string | undefined): string | undefined {
  if (gatheredText === undefined) return undefined;
  const gathered = parseRunRecord(gatheredText).record;
  if (!gathered) return "the gather job's analysis of the shares is missing or unreadable";
  if (JSON.stringify(gathered.launches) !== JSON.stringify(record.launches))
    return "the verify job's launches differ from the shares the gather job read";
  return undefined;
}

export function decidePublish(input: PublishInput): PublishDecision {
  const { reservation, challenge } = input;
  if (!reservation)
    return {
      kind: "unknown-run",
      reason: `no reservation ${input.runId}: results are accepted only for dispatched runs`,
    };
  const reject = (reason: string): PublishDecision => ({ kind: "reject", reservation, reason });
  const parsed = parseRunRecord(input.resultText);
  if (!parsed.record) return reject(earlyErrorReason(input.resultText) ?? parsed.error!);
  if (!belongsTo(parsed.record, reservation, challenge))
    return reject(
      "the result does not belong to this run (id, slugs, commit or challenge differ from the reservation)",
    );
  const credited: RunRecord = {
    ...parsed.record,
    pr: reservation.pr,
    credited: reservation.author,
    requester: reservation.requester,
    candidate: { slug: reservation.slug, commit: reservation.sha },
  };
  const problem =
    gatheredProblem(credited, input.gatheredText) ??
    designProblem(credited, challenge, reservation) ??
    provenanceProblem(credited, challenge, reservation) ??
    countProblem(credited, challenge) ??
    pinProblem(credited, challenge, input.pins ?? {});
  if (problem) return reject(problem);
  const checked = recheckVerdict(credited, challenge);
  if ("reason" in checked) return reject(checked.reason);
  const record = rebuildRecord(credited, challenge, {
    comparison: checked.comparison,
    startedAt: reservation.at,
    finishedAt: input.now,
  });
  return { kind: "record", reservation, record };
}
