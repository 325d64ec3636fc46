import type { Challenge } from "../../schema/challenge.ts";
import type { RunRecord } from "../../schema/run-record.ts";
import { rankWithUncertainty } from "../../stats/ranking.ts";
import type { LeaderboardRow, SubmissionView } from "../model.ts";

/** The smallest difference that counts, in tok/s, given the leader's speed. */
function minEffect(ch: Challenge, leaderEstimate: number): number {
  const e = ch.significance.min_effect;
  return e.kind === "absolute" ? e.value : e.value * leaderEstimate;
}

/** Submissions that can be ranked: a clean estimate, not invalid or failed (strict: not pending either). */
function rankable(submissions: Map<string, SubmissionView>, strict: boolean): SubmissionView[] {
  return [...submissions.values()].filter(
    (s) =>
      s.best && s.standing !== "invalid" && s.standing !== "failed" && (!strict || s.standing !== "pending"),
  );
}

/** One table row for a ranked submission. */
function row(
  r: { id: string; rank: number; label: string; estimate: number; ci: [number, number] },
  s: SubmissionView,
  own: readonly RunRecord[],
  leaderEstimate: number,
): LeaderboardRow {
  const last = own.at(-1);
  return {
    rank: r.rank,
    label: r.label,
    slug: r.id,
    title: s.title,
    estimate: r.estimate,
    ci: r.ci,
    relative: leaderEstimate ? r.estimate / leaderEstimate - 1 : 0,
    verification: last ? (last.quality.candidate?.ok ? "passed" : "failed") : "unknown",
    confirmation: last?.confirmation.status ?? "skipped",
    authors: s.authors,
    credits: s.credits.map((c) => c.who),
    runsUsed: own.length,
    ...(s.ruling ? { ruling: `${s.ruling.decision}: ${s.ruling.reason}` } : {}),
    pending: s.standing === "pending",
  };
}

/** Every submission with a clean speed estimate, ranked with uncertainty against the leader's speed. */
export function leaderboardRows(
  ch: Challenge,
  submissions: Map<string, SubmissionView>,
  runsByCandidate: Map<string, RunRecord[]>,
  o: { leader: string; strict: boolean },
): LeaderboardRow[] {
  const cands = rankable(submissions, o.strict);
  const leaderEstimate =
    submissions.get(o.leader)?.best?.estimate ?? Math.max(0, ...cands.map((c) => c.best!.estimate));
  const ranked = rankWithUncertainty(
    cands.map((c) => ({ id: c.slug, estimate: c.best!.estimate, ci: c.best!.ci })),
    minEffect(ch, leaderEstimate),
  );
  return ranked.map((r) => row(r, submissions.get(r.id)!, runsByCandidate.get(r.id) ?? [], leaderEstimate));
}
