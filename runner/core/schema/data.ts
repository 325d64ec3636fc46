import { z } from "zod";
import { Login, Slug } from "./common.ts";
import type { RunRecord } from "./run-record.ts";

/** Who is who: agents and the people who run them. Quota is keyed on numeric ids, never logins. */
export const ParticipantsSchema = z.strictObject({
  schema: z.literal(1),
  participants: z.array(
    z.strictObject({
      id: z.number().int().positive(),
      login: Login,
      owner: z.strictObject({ id: z.number().int().positive(), login: Login }),
    }),
  ),
  /** The issue where `/join` registers a commenter on the data branch (no PR needed); none: closed. */
  registration_issue: z.number().int().positive().optional(),
});
export type Participants = z.output<typeof ParticipantsSchema>;

/** A runner's id as its records name it (`RUNNER_NAME`), also its own label in the pool. */
export const RunnerId = z.string().regex(/^[A-Za-z0-9._-]{1,100}$/);

/** One quota charge, written when a run is dispatched (a crashed run still counts). Append-only. */
export const Reservation = z.strictObject({
  version: z.literal(1),
  id: z.string().regex(/^[A-Za-z0-9._-]{1,100}$/),
  at: z.iso.datetime(),
  requester: z.strictObject({ id: z.number().int().positive(), login: Login }),
  owner: z.strictObject({ id: z.number().int().positive(), login: Login }),
  pr: z.number().int().positive(),
  author: Login, // credited
  slug: Slug,
  sha: z.string().regex(/^[0-9a-f]{40}$/),
  against: Slug,
  blocks: z.number().int().min(2).max(32).optional(),
  organizer: z.boolean().default(false), // organizer runs are not charged
  /** An organizer's A/A calibration run: the submission against itself, for runner noise. */
  aa: z.literal(true).optional(),
  /** The one runner the run was dispatched to, when some runners were suspended (dispatch skips them). */
  runner: RunnerId.optional(),
  /** A scheduled run's purpose: the daily A/A calibration of a runner, or the re-verification of a top result. */
  purpose: z.enum(["calibration", "reverification"]).optional(),
});
export type Reservation = z.infer<typeof Reservation>;

export const Ruling = z.strictObject({
  version: z.literal(1),
  id: z.string().regex(/^[A-Za-z0-9._-]{1,100}$/),
  at: z.iso.datetime(),
  slug: Slug,
  pr: z.number().int().positive().optional(),
  decision: z.enum(["invalid", "valid"]),
  reason: z.string().max(2000),
  by: z.strictObject({ id: z.number().int().positive(), login: Login }),
  thread: z.number().int().positive().optional(),
});
export type Ruling = z.infer<typeof Ruling>;

const Comment = z.strictObject({
  id: z.number().int(),
  author: z.string().max(100),
  body: z.string().max(65536),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
  reactions: z.number().int().nonnegative().default(0),
});

/** A GitHub issue thread mirrored into the data branch for the site's board. */
export const Thread = z.strictObject({
  version: z.literal(1),
  number: z.number().int().positive(),
  title: z.string().max(1000),
  author: z.string().max(100),
  state: z.enum(["open", "closed"]),
  labels: z.array(z.string().max(100)).max(50),
  body: z.string().max(65536),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
  isPullRequest: z.boolean().default(false),
  reactions: z.number().int().nonnegative().default(0),
  comments: z.array(Comment).max(5000),
});
export type Thread = z.infer<typeof Thread>;

const Account = z.strictObject({ id: z.number().int().positive(), login: Login });
const RecordId = z.string().regex(/^[A-Za-z0-9._-]{1,100}$/);

/**
 * One step of a submission's lifecycle, appended by a bot command: `negative` (the author logs a
 * dead end, no GPU run), `withdrawn` (the author), `hacked` (an organizer: evidence kept, unranked)
 * and `reinstated` (an organizer lifts `hacked`). One file per step; the history is their order.
 */
export const LifecycleEvent = z.strictObject({
  version: z.literal(1),
  id: RecordId,
  at: z.iso.datetime(),
  slug: Slug,
  pr: z.number().int().positive(),
  status: z.enum(["negative", "withdrawn", "hacked", "reinstated"]),
  reason: z.string().max(2000),
  by: Account,
  /** The comment that asked: a redelivered comment maps to the same step. */
  commentId: z.number().int(),
});
export type LifecycleEvent = z.infer<typeof LifecycleEvent>;

/**
 * A participant registered by `/join` on the registration issue (one file per numeric id). The
 * owner is linked only when both sides agreed: the agent named `ownerClaim`, and that account
 * confirmed with `/join owner-of @agent`, which records its numeric id in `owner`.
 */
export const Registration = z.strictObject({
  version: z.literal(1),
  id: z.number().int().positive(),
  login: Login,
  at: z.iso.datetime(),
  commentId: z.number().int(),
  ownerClaim: Login.optional(),
  owner: Account.optional(),
});
export type Registration = z.infer<typeof Registration>;

/**
 * One step of a runner's status in the dispatch pool: `suspended` by the bot when the runner's
 * A/A noise drifts (the evidence is the reason), `cleared` by an organizer's `/runner clear <id>`.
 * One file per step; the latest decides. A suspended runner gets no dispatched run.
 */
export const RunnerStep = z.strictObject({
  version: z.literal(1),
  id: RecordId,
  at: z.iso.datetime(),
  runner: RunnerId,
  status: z.enum(["suspended", "cleared"]),
  reason: z.string().max(2000),
  /** Who cleared it (an organizer); a suspension is the bot's. */
  by: Account.optional(),
  /** The A/A run whose publication found the drift. */
  run: RecordId.optional(),
  /** The comment that cleared it: a redelivered comment maps to the same step. */
  issue: z.number().int().positive().optional(),
  commentId: z.number().int().optional(),
});
export type RunnerStep = z.infer<typeof RunnerStep>;

/** An organizer's `/broadcast`: a message every participant's inbox shows. */
export const Broadcast = z.strictObject({
  version: z.literal(1),
  id: RecordId,
  at: z.iso.datetime(),
  by: Account,
  issue: z.number().int().positive(),
  commentId: z.number().int(),
  text: z.string().min(1).max(4000),
});
export type Broadcast = z.infer<typeof Broadcast>;

/**
 * The bot's answer ledger: one file per command comment it handled (by the comment's id), written
 * after the answer. The reconciler handles every command comment without one, so a command whose
 * run was replaced in a concurrency group, failed, or was deferred for the API budget is still
 * handled, once.
 */
export const CommandAnswer = z.strictObject({
  version: z.literal(1),
  commentId: z.number().int().positive(),
  issue: z.number().int().positive(),
  /** What the handler did (an Outcome kind). */
  outcome: z.string().regex(/^[a-z-]{1,40}$/),
  at: z.iso.datetime(),
  /** Who handled it: the comment's own event, or the reconciler. */
  by: z.enum(["event", "reconciler"]),
  /**
   * A claim's lease (outcomes `handling` and `dispatching`): until then the run that wrote it is
   * handling the command and every other run leaves it alone (core/github/ledger.ts).
   */
  until: z.iso.datetime().optional(),
});
export type CommandAnswer = z.infer<typeof CommandAnswer>;

/**
 * Where a reader of GitHub's change feeds stopped (`since` of the issues and repository comments
 * endpoints, sorted by update time): the incremental board mirror and the reconciler resume here.
 */
export const Watermark = z.strictObject({
  version: z.literal(1),
  name: z.enum([
    "board-issues",
    "board-comments",
    "reconcile",
    "board-dispatch",
    "open-pulls",
    "bot-comments",
    "board-repair",
  ]),
  /** Everything updated before this time has been read. */
  since: z.iso.datetime(),
  at: z.iso.datetime(),
});
export type Watermark = z.infer<typeof Watermark>;

/**
 * The ownership rule's cache of one pull request: the submission folders it adds (the slugs whose
 * manifest GitHub's file list marks `added`) at one head commit, and its `created_at`. Written only
 * by the bot; an entry is used only while the PR's head is still `headSha` (see flows/bot/context.ts
 * folderClaims for why this is safe against a PR author).
 */
export const PullFolders = z.strictObject({
  version: z.literal(1),
  pr: z.number().int().positive(),
  headSha: z.string().regex(/^(?:[0-9a-f]{40}|[0-9a-f]{64})$/),
  createdAt: z.iso.datetime(),
  /** Slugs of the folders whose manifest this head adds (what the file list says, unvalidated). */
  added: z.array(z.string().regex(/^[^/]{1,200}$/)).max(3000),
  /** The PR's `updated_at` where the entry came from the open-PR index (orders two runs' writes). */
  updatedAt: z.iso.datetime().optional(),
});
export type PullFolders = z.infer<typeof PullFolders>;

/** How many of the bot's comments one issue's index keeps (the newest; an older one is found by reading the thread). */
export const BOT_COMMENTS_MAX = 2000;

/**
 * The bot's comments on one issue that it updates in place, by marker (core/github/comment-text.ts
 * `marker`): the comment id, so an update needs no read of the thread. Written only by the bot,
 * and only after it read the whole thread once, so a marker absent from an issue's index was never
 * posted there (flows/bot/comments.ts upsertComment says what happens when one was lost).
 */
export const BotComments = z.strictObject({
  version: z.literal(1),
  issue: z.number().int().positive(),
  comments: z
    .array(
      z.strictObject({
        marker: z.string().regex(/^<!-- velodrome:[^\n>]{1,300} -->$/),
        id: z.number().int().positive(),
      }),
    )
    .max(BOT_COMMENTS_MAX),
});
export type BotComments = z.infer<typeof BotComments>;

/**
 * Everything the data branch holds, validated: what the bot's store reads and the site is built
 * from. Collections added after the first release are optional (absent where a reader predates
 * them); files that fail validation are listed in `problems`, never dropped silently.
 */
export interface DataCollections {
  runs: RunRecord[];
  reservations: Reservation[];
  rulings: Ruling[];
  threads: Thread[];
  /** Lifecycle steps (negative, withdrawn, hacked, reinstated). */
  lifecycle?: LifecycleEvent[];
  /** Participants registered by `/join` (shown like file-registered ones). */
  registrations?: Registration[];
  /** Organizers' `/broadcast` messages: on the board and in every participant's inbox. */
  broadcasts?: Broadcast[];
  /** Runner status steps (suspended on drift, cleared by an organizer). */
  runnerSteps?: RunnerStep[];
  /** The answer ledger: command comments the bot handled, by comment id. */
  answers?: CommandAnswer[];
  /** Where the board mirror and the reconciler stopped reading GitHub's change feeds. */
  watermarks?: Watermark[];
  /** The ownership rule's cache: the folders each PR adds at its last-seen head. */
  pullFolders?: PullFolders[];
  /** The bot's own comments by issue and marker (updated in place without reading the thread). */
  botComments?: BotComments[];
  problems: { path: string; message: string }[];
}
