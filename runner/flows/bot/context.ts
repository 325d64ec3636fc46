import type { CommentOrigin } from "../../core/github/event.ts";
import { submissionSlugOfPr, type PullFile } from "../../core/github/pull.ts";
import { dataPath } from "../../core/layout.ts";
import { addedFolders, recordedClaimants, type FolderClaim } from "../../core/ownership.ts";
import type { PublishPins } from "../../core/github/publish.ts";
import type { Challenge } from "../../core/schema/challenge.ts";
import type {
  Broadcast,
  LifecycleEvent,
  Participants,
  PullFolders,
  Watermark,
  Registration,
  Reservation,
  Ruling,
  RunnerStep,
} from "../../core/schema/data.ts";
import type { RunRecord } from "../../core/schema/run-record.ts";
import type { DataState, DataStore, GitHubApi, PullValidator, Write } from "../../ports.ts";
import { findWatermark, isoSeconds } from "./feed.ts";

/** What every bot flow runs against: the ports, the challenge, and the clock. */
export interface FlowContext {
  api: GitHubApi;
  store: DataStore;
  challenge: Challenge;
  /** challenge/participants.yaml; the /join registry is read from the data branch. */
  participants: Participants;
  now(): Date;
  /** Branch whose workflow and runner code evaluate runs: always the default branch. */
  ref: string;
  evaluateWorkflow: string;
  /** Slugs that exist on the default branch (possible incumbents besides PR submissions with runs). */
  knownSlugs: string[];
  /** Who may change each submission on the default branch through a PR: its authors as first added (git history). */
  manifestAuthors?: Record<string, string[]>;
  /** Validates a PR at its head (fail-closed: without one, /bench refuses every PR). */
  validator?: PullValidator;
  /** What main's checkout pins a published run to (reference perplexity, prompt count). */
  publishPins?: PublishPins;
  log?(line: string): void;
}

/** What a bot flow did, printed as JSON by `velodrome gh` and shown in the job summary. */
export type Outcome =
  | { kind: "ignored"; why: string }
  | { kind: "refused"; why: string }
  /** `resumed`: a run dispatched earlier, acknowledged now (no second dispatch). */
  | { kind: "dispatched"; reservation: Reservation; resumed?: true }
  | { kind: "ruled"; ruling: Ruling }
  | { kind: "lifecycle"; event: LifecycleEvent }
  | { kind: "registered"; registration: Registration; change: string }
  | { kind: "broadcast"; broadcast: Broadcast }
  | { kind: "published"; record: RunRecord; suspended?: RunnerStep[]; flag?: string }
  | { kind: "runner"; step: RunnerStep }
  | { kind: "scheduled"; dispatched: string[]; already: string[]; skipped: { what: string; why: string }[] }
  /** `repair`: this run was the weekly repair resync (both feeds from the beginning). */
  | { kind: "mirrored"; threads: number[]; deferred: boolean; repair?: true }
  | { kind: "deferred"; why: string }
  | {
      kind: "reconciled";
      handled: { commentId: number; outcome: string; resumed?: true }[];
      deferred: boolean;
    };

/** A data-branch file holding one record: pretty JSON with a final newline. */
export function recordWrite(path: string, value: unknown): Write {
  return { path, content: JSON.stringify(value, null, 2) + "\n" };
}

/**
 * What a decision about a command on a PR reads besides the data branch: the PR and its files as
 * GitHub has them now, the challenge, the participants, the known slugs and the time.
 */
export async function pullCommandInput(ctx: FlowContext, origin: CommentOrigin) {
  const state = await ctx.store.read();
  const updates = await openPullUpdates(ctx, state);
  const pull = pullFromUpdates(updates, origin.issue) ?? (await ctx.api.getPull(origin.issue));
  const files = await ctx.api.listPullFiles(origin.issue);
  return {
    origin,
    pull,
    files,
    claims: await folderClaims(ctx, pull, files, { state, updates }),
    ...(ctx.manifestAuthors ? { manifestAuthors: ctx.manifestAuthors } : {}),
    challenge: ctx.challenge,
    participants: ctx.participants,
    knownSlugs: ctx.knownSlugs,
    now: ctx.now(),
  };
}

/**
 * The PRs that add this PR's submission folder and were created no later than it, with the API's
 * `created_at` (this PR included): the open ones, and every PR (closed too) the data branch has a
 * record under the slug for. What the ownership rule (core/ownership.ts) reads. Only earlier PRs can
 * own the folder before this one, so later ones are not listed.
 *
 * The folders each PR adds are cached on the data branch (`pulls/<n>.json`) under the head commit
 * they were read at; the open-PR list (one request per hundred open PRs) gives every head, and
 * only PRs whose head moved since are listed again. A command costs a few requests, where listing
 * every open PR's files cost one or more per open PR (1,615 of a replayed busiest hour's 1,840).
 * Why this and not `git fetch refs/pull/*` with a diff per PR, and why it is safe:
 * - It reads the very list the rule was written against (GitHub's file list: `added`, not
 *   `renamed`; its merge base; its 3,000-file cap). A git diff reproduces that only approximately,
 *   and fetching every open PR's objects on every command is a cost a hostile PR can inflate
 *   (huge trees), with its own credentials to manage for private repositories.
 * - An entry decides one PR's claim and is keyed by that PR's head, which only that PR's side can
 *   move: a force-push (adding a folder, removing it again) moves the head and the entry is read
 *   again; a later PR cannot make an earlier PR's entry stale. The narrow race (the head moves
 *   between the list and the file read, then moves back to the listed commit) can only be played
 *   by a PR's own author on its own entry, and a stale entry only gains or loses that PR's own
 *   claim, which its author could change anyway by pushing.
 * - Only the bot writes the data branch (as for the quota ledger); `created_at` never changes.
 */
export async function folderClaims(
  ctx: Pick<FlowContext, "api" | "store" | "now" | "log">,
  pull: { number: number; createdAt?: string; headSha?: string },
  files: readonly PullFile[],
  read?: CommandRead,
): Promise<FolderClaim[]> {
  const found = submissionSlugOfPr(files);
  if ("kind" in found || !pull.createdAt) return [];
  const mine = Date.parse(pull.createdAt);
  const state = read?.state ?? (await ctx.store.read());
  const cache = new Map((state.pullFolders ?? []).map((e) => [e.pr, e]));
  const fresh: Fresh[] = [];
  const seen = (pr: number, headSha: string, createdAt: string, added: string[], updatedAt?: string) => {
    const entry: PullFolders = {
      version: 1,
      pr,
      headSha,
      createdAt,
      added,
      ...(updatedAt ? { updatedAt } : {}),
    };
    if (cache.get(pr)?.headSha !== headSha) fresh.push({ entry, expected: cache.get(pr)?.headSha });
    cache.set(pr, entry);
    return entry;
  };
  // This PR's own files were just read: its entry costs nothing.
  if (pull.headSha) seen(pull.number, pull.headSha, pull.createdAt, addedFolders(files));
  // PRs with a record under the slug (this one included) outrank the rest (core/ownership.ts).
  const recorded = new Set(recordedClaimants(state, found.slug, -1));
  const claim = (pr: number, createdAt: string): FolderClaim => ({
    pr,
    createdAt,
    recorded: recorded.has(pr),
  });
  const claims: FolderClaim[] = [claim(pull.number, pull.createdAt)];
  let mark: string | undefined;
  try {
    const open = await openPulls(ctx, state, cache, pull.createdAt, read);
    for (const p of open.pulls) {
      const known = cache.get(p.number);
      if (known?.headSha === p.headSha) continue;
      // Indexed: every PR whose head moved is read (the watermark passes it); else only earlier ones.
      if (open.mark === undefined && Date.parse(p.createdAt!) > mine) continue;
      const added = addedFolders(await ctx.api.listPullFiles(p.number));
      seen(p.number, p.headSha, p.createdAt!, added, p.updatedAt);
    }
    // Only once every moved head was read (a rate limit midway leaves the watermark where it was).
    mark = open.mark;
    for (const p of open.pulls) {
      const entry = cache.get(p.number);
      if (p.number === pull.number || !entry || Date.parse(p.createdAt!) > mine) continue;
      if (!entry.added.includes(found.slug)) continue;
      // An indexed PR not among the updates may have closed since: a contender is checked.
      if (!open.listed.has(p.number) && (await ctx.api.getPull(p.number)).state !== "open") continue;
      claims.push(claim(p.number, p.createdAt!));
    }
    // Every recorded PR, however late it was opened: it outranks this one unless this one is recorded too.
    for (const n of recordedClaimants(state, found.slug, pull.number)) {
      if (claims.some((c) => c.pr === n)) continue;
      const createdAt = cache.get(n)?.createdAt ?? (await ctx.api.getPull(n)).createdAt;
      if (createdAt !== undefined && (!recorded.has(pull.number) || Date.parse(createdAt) <= mine))
        claims.push(claim(n, createdAt));
    }
  } finally {
    await rememberFolders(ctx, fresh, mark);
  }
  return claims;
}

/** A cache entry read anew, and the head the cache had for it when read (compare-and-swap). */
interface Fresh {
  entry: PullFolders;
  expected: string | undefined;
}
type OpenPull = { number: number; headSha: string; createdAt?: string; updatedAt?: string };
type UpdatesPage = Awaited<ReturnType<NonNullable<GitHubApi["openPullsUpdatedSince"]>>>;

/** The open-PR index's page of updates, read once per command, and the watermark it was read from. */
export interface OpenPullUpdates {
  mark: string;
  page: UpdatesPage;
}

/** What a command read once and the ownership rule reuses: the data branch, and its page of updates from that state. */
export interface CommandRead {
  state: DataState;
  updates: OpenPullUpdates | undefined;
}

/**
 * One page of the open PRs updated since the index's watermark less the overlap (undefined without
 * an index). A command reads it first: its own PR is on it (the command's comment updated it), so
 * the PR needs no request of its own, and the ownership rule reads the same page.
 */
async function openPullUpdates(
  ctx: Pick<FlowContext, "api">,
  state: DataState,
): Promise<OpenPullUpdates | undefined> {
  const mark = findWatermark(state, "open-pulls")?.since;
  if (!ctx.api.openPullsUpdatedSince || mark === undefined) return undefined;
  const since = isoSeconds(Date.parse(mark) - OPEN_PULLS_OVERLAP_MS);
  return { mark, page: await ctx.api.openPullsUpdatedSince(since) };
}

/**
 * The PR as the page of updates lists it (open, with its head, author and creation time: what
 * `pulls.get` would say), or undefined where it is not on it and must be asked for.
 */
function pullFromUpdates(updates: OpenPullUpdates | undefined, n: number) {
  const p = updates?.page.pulls.find((x) => x.number === n);
  if (!p?.user) return undefined;
  return { number: p.number, user: p.user, headSha: p.headSha, state: "open", createdAt: p.createdAt };
}

/** How far before its watermark the open-PR index reads again (GitHub's lists may lag its writes). */
export const OPEN_PULLS_OVERLAP_MS = 5 * 60_000;

/**
 * The open PRs, with their heads. With an index (`openPullsUpdatedSince` and the `open-pulls`
 * watermark): the cached PRs, each at its listed head where it was updated since the watermark
 * less the overlap (one request; a push, an opening or a reopening updates a PR); `listed` are
 * the ones known open now, the rest may have closed. Without one page covering the updates: the
 * whole open list (every page, and a new watermark), or, without the index, the list up to
 * `createdUpTo` (no watermark).
 */
async function openPulls(
  ctx: Pick<FlowContext, "api" | "now">,
  state: DataState,
  cache: Map<number, PullFolders>,
  createdUpTo: string,
  read?: CommandRead,
): Promise<{ pulls: OpenPull[]; listed: Set<number>; mark?: string }> {
  const api = ctx.api;
  const mark = findWatermark(state, "open-pulls")?.since;
  // The command's page, read from this very state; else a page of its own.
  const updates = read ? read.updates : await openPullUpdates(ctx, state);
  if (updates && mark !== undefined) {
    const { page } = updates;
    if (!page.more) {
      const updated = new Map<number, OpenPull>(page.pulls.map((p) => [p.number, p]));
      const cached = [...cache.values()].filter((e) => !updated.has(e.pr));
      const pulls = [
        ...updated.values(),
        ...cached.map((e) => ({ number: e.pr, headSha: e.headSha, createdAt: e.createdAt })),
      ];
      const newest = Math.max(Date.parse(mark), ...page.pulls.map((p) => Date.parse(p.updatedAt)));
      return {
        pulls,
        listed: new Set(updated.keys()),
        mark: isoSeconds(newest),
      };
    }
  }
  const start = ctx.now();
  const all = (await api.listOpenPulls(api.openPullsUpdatedSince ? {} : { createdUpTo })).filter(
    (p) => p.createdAt !== undefined,
  );
  const started = isoSeconds(start.getTime());
  return {
    pulls: all,
    listed: new Set(all.map((p) => p.number)),
    ...(api.openPullsUpdatedSince ? { mark: started } : {}),
  };
}

/**
 * Writes the cache entries read anew (what was read before a rate limit, too) and the index's
 * watermark, in one commit; never fails a command. An entry is written only over the head this
 * run read (or one listed earlier than its own): a slower run never puts back an older head.
 * The watermark only moves forward.
 */
async function rememberFolders(
  ctx: Pick<FlowContext, "store" | "log">,
  fresh: readonly Fresh[],
  mark: string | undefined,
) {
  if (!fresh.length && mark === undefined) return;
  const prs = fresh.map((e) => `#${e.entry.pr}`).join(", ") || "none";
  await ctx.store
    .transact(`ownership cache: the folders of ${prs} at their heads`, (s) => {
      const now = new Map((s.pullFolders ?? []).map((e) => [e.pr, e]));
      const newer = (f: Fresh) => {
        const stored = now.get(f.entry.pr);
        if (!stored) return true;
        if (f.entry.updatedAt && stored.updatedAt) return f.entry.updatedAt >= stored.updatedAt;
        return stored.headSha === f.expected;
      };
      const writes = fresh.filter(newer).map((f) => recordWrite(dataPath.pullFolders(f.entry.pr), f.entry));
      const stored = findWatermark(s, "open-pulls")?.since;
      if (mark !== undefined && (stored === undefined || Date.parse(stored) < Date.parse(mark))) {
        const w: Watermark = { version: 1, name: "open-pulls", since: mark, at: mark };
        writes.push(recordWrite(dataPath.watermark("open-pulls"), w));
      }
      return { writes, result: null };
    })
    .catch((e: unknown) => ctx.log?.(`the ownership cache was not written: ${(e as Error).message}`));
}
