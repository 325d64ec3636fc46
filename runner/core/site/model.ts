import { decideStandings } from "../standings.ts";
import { queueState } from "../queue.ts";
import { boardIndex, excerptCache, inboxes, negativeResults, replies } from "./model/board.ts";
import { leaderboardRows } from "./model/leaderboard.ts";
import { frontierSteps, lineageEdges, lineageNodes, subsByAuthor } from "./model/lineage.ts";
import { participantViews } from "./model/participants.ts";
import { runnerViews } from "./model/runners.ts";
import { indexRuns, sortSources, submissionViews } from "./model/submissions.ts";
import type { SiteInput, SiteModel, SubmissionSource } from "./model/types.ts";

export { armEstimate } from "../stats/estimates.ts";
export { mentions } from "./model/board.ts";
export type * from "./model/types.ts";

/**
 * The data's last change: the newest run, submission, thread activity, ruling, lifecycle step,
 * registration, broadcast or queued request. It is the site's "as of" and its "now" (the queue's
 * ETAs), so a build depends on the data alone, never on the wall clock.
 */
function lastUpdate(input: SiteInput): string {
  const times = [
    ...input.runs.map((r) => r.finishedAt),
    ...input.submissions.map((s) => s.firstAt),
    ...input.threads.map((t) => t.updatedAt),
    ...input.rulings.map((r) => r.at),
    ...(input.lifecycle ?? []).map((e) => e.at),
    ...(input.registrations ?? []).map((r) => r.at),
    ...(input.broadcasts ?? []).map((b) => b.at),
    ...(input.runnerSteps ?? []).map((s) => s.at),
    ...input.reservations.map((r) => r.at),
  ];
  // The greatest ISO time, in one pass (sorting 300,000 times only to take the last is wasted work).
  let last: string | undefined;
  for (const t of times) if (last === undefined || t > last) last = t;
  return last ?? "1970-01-01T00:00:00.000Z";
}

/** Knowledge-base notes with URL slugs derived from their paths under challenge/kb/, sorted by slug. */
function kbNotes(kb: SiteInput["kb"]): SiteModel["kb"] {
  const slugOf = (path: string) =>
    path
      .replace(/^challenge\/kb\//, "")
      .replace(/\.md$/, "")
      .replace(/[^a-z0-9-/]/gi, "-")
      .toLowerCase();
  return kb.map((k) => ({ ...k, slug: slugOf(k.path) })).sort((a, b) => a.slug.localeCompare(b.slug));
}

/** Standings, all from decideStandings: views, both boards, the leaders and tie groups, the frontier. */
function standings(input: SiteInput, subs: SubmissionSource[], runs: ReturnType<typeof indexRuns>) {
  const ch = input.challenge;
  const decide = {
    challenge: ch,
    runs: runs.runs,
    rulings: input.rulings,
    slugs: subs.map((s) => s.slug),
    lifecycle: input.lifecycle ?? [],
  };
  const main = decideStandings(decide);
  const strict = decideStandings(decide, { strict: true });
  const submissions = submissionViews(subs, {
    runs,
    entries: main.entries,
    rulings: input.rulings,
    threads: input.threads,
    lifecycle: input.lifecycle ?? [],
    reverifications: new Set(
      input.reservations.filter((r) => r.purpose === "reverification").map((r) => r.id),
    ),
  });
  const leaderOf = (s: typeof main) => ({ slug: s.leader.slug, tieGroup: s.leader.tieGroup });
  return {
    submissions,
    leader: leaderOf(main),
    strictLeader: leaderOf(strict),
    leaderboard: leaderboardRows(main.ranking, submissions, runs.byCandidate),
    strictLeaderboard: leaderboardRows(strict.ranking, submissions, runs.byCandidate),
    unconfirmed: main.unconfirmed,
    retired: main.retired,
    frontier: frontierSteps(ch, submissions, { all: runs.runs, byId: runs.byId }, main.leader.history),
  };
}

/** The site's view model, built in named steps from what the adapter gathered. Pure and deterministic. */
export function buildModel(input: SiteInput): SiteModel {
  const ch = input.challenge;
  const runs = indexRuns(input.runs);
  const subs = sortSources(input.submissions);
  const byAuthor = subsByAuthor(subs);
  const ranked = standings(input, subs, runs);
  const board = boardIndex(ch, input.threads);
  const excerptOf = excerptCache();
  const inbox = inboxes(board.threads, excerptOf);
  const updatedAt = lastUpdate(input);
  const participants = participantViews(ch, {
    ...input,
    subs,
    subsByAuthor: byAuthor,
    runs: runs.runs,
    inbox,
    replies: replies(board.threads, excerptOf),
    updatedAt,
  });
  return {
    challenge: ch,
    updatedAt,
    ...ranked,
    lineage: {
      nodes: lineageNodes(subs, ranked.submissions, ranked.frontier),
      edges: lineageEdges(subs, input, runs.runs, byAuthor),
    },
    runs: runs.runs,
    recentVerdicts: runs.runs
      .filter((r) => r.comparison)
      .slice(-20)
      .reverse(),
    ...board,
    negatives: negativeResults(runs.runs, board.threads, input.lifecycle ?? []),
    participants,
    runners: runnerViews(runs.runs, input.runnerSteps ?? []),
    rulings: [...input.rulings].sort((a, b) => b.at.localeCompare(a.at)),
    queue: queueState(input, new Date(updatedAt), ch.runners?.count ?? 1),
    broadcasts: [...(input.broadcasts ?? [])].sort(
      (a, b) => b.at.localeCompare(a.at) || a.id.localeCompare(b.id),
    ),
    problems: input.problems,
    rules: input.rules,
    agents: input.agents ?? null,
    kb: kbNotes(input.kb),
  };
}
