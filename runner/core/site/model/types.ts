import type { VersusLeader } from "../../versus.ts";
import type { Challenge } from "../../schema/challenge.ts";
import type {
  Broadcast,
  DataCollections,
  Participants,
  Ruling,
  RunnerStep,
  Thread,
} from "../../schema/data.ts";
import type { RunRecord } from "../../schema/run-record.ts";
import type { Submission } from "../../schema/submission.ts";
import type { ConfirmationEvidence, LifecycleMark, Standing } from "../../standings.ts";
import type { RunnerHealth } from "../../stats/health.ts";
import type { QueueState } from "../../queue.ts";

/**
 * The site's view-model types: what the adapter gathers (SiteInput) and what buildModel (model.ts)
 * makes of it, in their own module so the model's steps (model/*.ts) import no module that imports them.
 */

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

export type { Standing, ConfirmationEvidence, LifecycleMark } from "../../standings.ts";

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
