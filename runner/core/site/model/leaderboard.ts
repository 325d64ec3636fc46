import type { RunRecord } from "../../schema/run-record.ts";
import type { RankedEntry } from "../../standings.ts";
import type { LeaderboardRow, SubmissionView } from "./types.ts";

/** Whom the run its speed comes from was against, when it ran there as the candidate. */
function estimateAgainst(s: SubmissionView, own: readonly RunRecord[]): { estimateAgainst?: string } {
  const run = s.best ? own.find((x) => x.id === s.best!.run) : undefined;
  if (!run) return {};
  return { estimateAgainst: run.candidate.slug === s.slug ? run.incumbent.slug : run.candidate.slug };
}

/** One table row for a ranked submission. */
function row(r: RankedEntry, s: SubmissionView, own: readonly RunRecord[]): LeaderboardRow {
  const last = own.at(-1);
  return {
    rank: r.rank,
    label: r.label,
    slug: r.slug,
    title: s.title,
    estimate: r.estimate,
    ci: r.ci,
    relative: r.relative,
    versusLeader: r.versusLeader,
    ...estimateAgainst(s, own),
    verification: last ? (last.quality.candidate?.ok ? "passed" : "failed") : "unknown",
    confirmation: last?.confirmation.status ?? "skipped",
    authors: s.authors,
    credits: s.credits.map((c) => c.who),
    runsUsed: own.length,
    ...(s.ruling ? { ruling: `${s.ruling.decision}: ${s.ruling.reason}` } : {}),
    pending: s.standing === "pending",
  };
}

/** The board's rows, in the order and with the ranks decideStandings gave them. */
export function leaderboardRows(
  ranking: readonly RankedEntry[],
  submissions: Map<string, SubmissionView>,
  runsByCandidate: Map<string, RunRecord[]>,
): LeaderboardRow[] {
  return ranking
    .filter((r) => submissions.has(r.slug))
    .map((r) => row(r, submissions.get(r.slug)!, runsByCandidate.get(r.slug) ?? []));
}
