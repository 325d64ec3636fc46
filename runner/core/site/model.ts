import type { VersusLeader } from "../versus.ts";
import type { Challenge } from "../schema/challenge.ts";
import type { Broadcast, DataCollections, Participants, Ruling, RunnerStep, Thread } from "../schema/data.ts";
import type { RunRecord } from "../schema/run-record.ts";
import type { Submission } from "../schema/submission.ts";
import {
  decideStandings,
  type ConfirmationEvidence,
  type LifecycleMark,
  type Standing,
} from "../standings.ts";
import type { RunnerHealth } from "../stats/health.ts";
import { queueState, type QueueState } from "../queue.ts";
import { boardIndex, excerptCache, inboxes, negativeResults, replies } from "./model/board.ts";
import { leaderboardRows } from "./model/leaderboard.ts";
import { frontierSteps, lineageEdges, lineageNodes, subsByAuthor } from "./model/lineage.ts";
import { participantViews } from "./model/participants.ts";
import { runnerViews } from "./model/runners.ts";
import { indexRuns, sortSources, submissionViews } from "./model/submissions.ts";

export { armEstimate } from "../stats/estimates.ts";
export { mentions } from "./model/board.ts";

/** Everything the site is built from, gathered from git history and the data branch by an adapter. */
export interface SiteInput extends DataCollections {
  challenge: Challenge;
  rules: string;
  /** AGENTS.md, the onboarding for agents (served rendered and raw); absent = no agents page. */
  agents?: string;
  kb: { path: string; title: string; text: string }[];
  participants: Participants;
  submissions: SubmissionSource[];
  /** Submissions whose commits descend from another submission's commits (a PR built on another's branch). */
  ancestry: { child: string; parent: string }[];
  repoUrl?: string;
}

export interface SubmissionSource {
  slug: string;
  manifest: Submission;
  firstCommit: string;
  firstAt: string; // ISO time the folder first appeared in history
  files: { path: string; blob: string }[]; // for shared-code detection
}

export type EdgeKind = "parent" | "ancestry" | "shared-code" | "pooled";
export interface LineageEdge {
  source: string;
  target: string;
  kind: EdgeKind;
  label: string;
}

export type { Standing, ConfirmationEvidence, LifecycleMark } from "../standings.ts";

/** One step of a submission's history: a run, an organizer's ruling or a lifecycle step. */
export interface HistoryItem {
  kind: "run" | "ruling" | "lifecycle";
  at: string;
  /** The run, ruling or lifecycle record's id. */
  ref: string;
  /** Run status, ruling decision or lifecycle status. */
  status: string;
  by: string | null;
  text: string;
  pr?: number;
}

export interface SubmissionView {
  slug: string;
  title: string;
  description: string;
  authors: string[];
  credits: { who: string; for: string }[];
  parents: string[];
  children: string[];
  firstAt: string;
  firstCommit: string;
  pr?: number;
  standing: Standing;
  /** Present when the private-set confirmation failed: the result is shown but never ranked. */
  unconfirmed?: ConfirmationEvidence;
  /** Present when the lifecycle took it out of the standings (hacked, withdrawn, negative). */
  lifecycle?: LifecycleMark;
  /** Every run, ruling and lifecycle step, oldest first. */
  history: HistoryItem[];
  ruling?: { decision: string; reason: string; by: string; at: string };
  best?: { run: string; estimate: number; ci: [number, number]; launches: number[] };
  runs: string[]; // run ids, oldest first
  manifest: Submission;
  mentionedIn: number[]; // thread numbers
}

export interface LeaderboardRow {
  rank: number;
  label: string;
  slug: string;
  title: string;
  estimate: number;
  ci: [number, number];
  relative: number; // vs the leader's estimate
  /** Its latest head-to-head run with the leader, from its side (core/versus.ts). */
  versusLeader: VersusLeader;
  /** The opponent of the run its speed comes from (speeds from different runs are not a verdict). */
  estimateAgainst?: string;
  verification: "passed" | "failed" | "unknown";
  confirmation: string;
  authors: string[];
  credits: string[];
  runsUsed: number;
  ruling?: string;
  pending: boolean;
}

export interface SiteModel {
  challenge: Challenge;
  updatedAt: string;
  /** The leader and its tie group (entries statistically tied with it, the leader included). */
  leader: { slug: string; tieGroup: string[] };
  strictLeader: { slug: string; tieGroup: string[] };
  leaderboard: LeaderboardRow[];
  strictLeaderboard: LeaderboardRow[];
  /** Results whose private-set confirmation failed, newest first: listed apart, never ranked. */
  unconfirmed: ConfirmationEvidence[];
  /** Results the lifecycle took out (hacked with evidence, withdrawn, negative), newest first. */
  retired: LifecycleMark[];
  frontier: { at: string; slug: string; tps: number; run: string; pr?: number }[];
  submissions: Map<string, SubmissionView>;
  lineage: { nodes: LineageNode[]; edges: LineageEdge[] };
  runs: RunRecord[];
  recentVerdicts: RunRecord[];
  threads: Thread[];
  announcements: number[];
  taskforces: Map<string, number[]>;
  negatives: { kind: "run" | "thread"; ref: string; slug?: string; title: string; at: string }[];
  participants: Map<string, ParticipantView>;
  runners: {
    id: string;
    runs: number;
    health: RunnerHealth;
    /** In the dispatch pool (ok), suspended on drift since the step's time, or cleared by an organizer. */
    status: "ok" | "suspended" | "cleared";
    /** The runner's status steps, oldest first. */
    history: RunnerStep[];
    /** Per day: A/A blocks, relative noise (robust, 0.01 = 1%) and the mean speed they ran at. */
    windows: { label: string; noise: number; n: number; tps: number }[];
  }[];
  rulings: Ruling[];
  /** Pending evaluations with position and ETA, as of `updatedAt` (the build's "now"). */
  queue: QueueState;
  /** Organizers' broadcasts, newest first. */
  broadcasts: Broadcast[];
  problems: { path: string; message: string }[];
  rules: string;
  agents: string | null;
  kb: { path: string; slug: string; title: string; text: string }[];
}

export interface LineageNode {
  id: string;
  title: string;
  author: string;
  at: string;
  tps: number | null;
  standing: Standing;
  frontier: boolean;
}

export interface ParticipantView {
  login: string;
  submissions: string[];
  runsRequested: string[];
  runsCredited: string[];
  quotaUsed24h: number;
  quotaLimit: number;
  /** How it registered: the participants file or `/join` on the data branch; null if it never did. */
  registered: { via: "file" | "join"; owner: string | null } | null;
  /** The newest items of the inbox (at most INBOX_MAX_ITEMS), newest first. */
  inbox: InboxItem[];
  /** How many items the whole inbox holds (more than `inbox.length` when it was cut). */
  inboxTotal: number;
}

/**
 * An @-mention of a participant in a thread body (no comment id) or a comment, a reply in a thread it
 * wrote in, or a broadcast.
 */
export interface InboxItem {
  thread: number;
  comment?: number;
  from: string;
  at: string;
  excerpt: string;
  /** Set on an organizer's broadcast (its record id): shown to everyone, anchored on the board. */
  broadcast?: string;
  /** Set on a comment in a thread the participant wrote in that does not mention it. */
  reply?: true;
}

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
