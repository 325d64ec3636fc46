import { renderRefusalComment } from "../../core/github/comment.ts";
import type { CommentOrigin } from "../../core/github/event.ts";
import type { DataState, GitHubApi } from "../../ports.ts";
import { dataPath } from "../../core/layout.ts";
import { BOT_COMMENTS_MAX, type BotComments, type Watermark } from "../../core/schema/data.ts";
import { recordWrite, type FlowContext, type Outcome } from "./context.ts";
import { findWatermark, isoSeconds } from "./feed.ts";

/** The account GITHUB_TOKEN comments as in GitHub Actions. */
export const ACTIONS_BOT_LOGIN = "github-actions[bot]";

/** The GitHub and data-branch ports upsertComment needs (every FlowContext has them). */
export type CommentPorts = Pick<FlowContext, "api" | "store" | "log" | "now">;

/**
 * Every marker in a bot comment's body (the bot's own text: user text in it is made inert), less
 * the machine-readable twins (`hiddenJson`), which are never upserted and would fill the index.
 */
const MARKERS = /<!-- velodrome:(?!json:)[^\n>]{1,300} -->/g;

const notFound = (e: unknown) => (e as { status?: unknown } | null)?.status === 404;

/**
 * Finds the bot's own comment by its marker and updates it, or creates one. Only comments the bot
 * authored count: a participant who pastes the marker into an editable comment of theirs does not
 * get their comment turned into "the verdict".
 *
 * The comment ids are kept on the data branch (`bot-comments/<issue>.json`), so that only the first
 * comment on an issue reads its thread (a page per hundred comments; the validation and verdict
 * comments were 174 of a replayed busiest hour's 1,134 requests). An issue's index is written only
 * after its thread was read whole, and every later comment is added to it, so a marker it lacks was
 * never posted there and is created without a read (unless the index is full: it keeps the newest
 * BOT_COMMENTS_MAX, and a marker it lacks then is looked for on the thread). What can go wrong, and
 * what it costs:
 * - the comment was deleted (an organizer): the update is refused (404), the thread is read, and
 *   the comment is posted again;
 * - two runs post the same marker at once (two validations of one PR a moment apart): the first
 *   to index its comment keeps it; the other writes its body there and deletes its own;
 * - the index write after a create is lost (a job killed between the two): a later upsert of the
 *   same marker posts a second comment, never loses one.
 * Only the bot writes the data branch, so the index cannot point the bot at someone else's comment.
 */
export async function upsertComment(
  ctx: CommentPorts,
  issue: number,
  marker: string,
  body: string,
  o: { openedAt?: string; botLogin?: string } = {},
): Promise<number> {
  const botLogin = o.botLogin ?? ACTIONS_BOT_LOGIN;
  const state = await ctx.store.read();
  const index = state.botComments?.find((e) => e.issue === issue) ?? emptyIfNewer(state, issue, o.openedAt);
  const known = index?.comments.find((c) => c.marker === marker);
  if (known) {
    try {
      await ctx.api.updateComment(known.id, body);
      return known.id;
    } catch (e) {
      if (!notFound(e)) throw e;
      ctx.log?.(`comment ${known.id} on #${issue} is gone: reading the thread`);
    }
  } else if (index && index.comments.length < BOT_COMMENTS_MAX) {
    // Never posted here (a full index dropped its oldest markers: one it lacks may be on the thread).
    const id = await ctx.api.createComment(issue, body);
    return settle(ctx, issue, body, { marker, id }, []);
  }
  const mine = (await ctx.api.listComments(issue)).filter((c) => c.user?.login === botLogin);
  const existing = mine.find((c) => c.body.includes(marker));
  // The whole thread was read: every marker on it is indexed, and the issue's index starts here.
  const seen = mine
    .flatMap((c) => [...c.body.matchAll(MARKERS)].map((m) => ({ marker: m[0], id: c.id })))
    .filter((c) => c.marker !== marker);
  if (existing) {
    await ctx.api.updateComment(existing.id, body);
    await rememberComments(ctx, issue, [...seen, { marker, id: existing.id }]);
    return existing.id;
  }
  const id = await ctx.api.createComment(issue, body);
  return settle(ctx, issue, body, { marker, id, ...(known ? { gone: known.id } : {}) }, seen);
}

/** A comment this run created: its marker, its id, and the id the index had for it (deleted since). */
interface Created {
  marker: string;
  id: number;
  gone?: number;
}

/**
 * Indexes a comment this run created. Where another run created the same marker's comment at the
 * same time and indexed it first, that one is kept: it gets this body (as if this run had come
 * second) and this run's comment is deleted, so a thread never shows two reports, one stale.
 */
async function settle(
  ctx: CommentPorts,
  issue: number,
  body: string,
  created: Created,
  seen: { marker: string; id: number }[],
): Promise<number> {
  const kept = await rememberComments(ctx, issue, seen, created);
  if (kept === undefined || kept === created.id) return created.id;
  ctx.log?.(`#${issue}: comment ${kept} carries the same marker as ${created.id}; keeping ${kept}`);
  try {
    await ctx.api.updateComment(kept, body);
  } catch (e) {
    if (!notFound(e)) throw e;
    return created.id; // deleted as well: the next update's 404 reads the thread and finds this one
  }
  await ctx.api.deleteComment?.(created.id).catch((e: unknown) => {
    ctx.log?.(`comment ${created.id} on #${issue} was not deleted: ${(e as Error).message}`);
  });
  return kept;
}

/**
 * The index of an issue opened after the bot began indexing (the `bot-comments` watermark, written
 * with the first index): empty, since every comment the bot posted there since was indexed. Saves
 * the first comment's read of the thread (a new PR's validation comment).
 */
function emptyIfNewer(
  state: DataState,
  issue: number,
  openedAt: string | undefined,
): BotComments | undefined {
  const since = findWatermark(state, "bot-comments")?.since;
  if (openedAt === undefined || since === undefined || !(Date.parse(openedAt) > Date.parse(since)))
    return undefined;
  return { version: 1, issue, comments: [] };
}

/**
 * Adds comment ids to an issue's index (a later entry for a marker replaces an earlier one, except
 * where `created` finds another comment indexed for its marker since this run read the index: that
 * one stays), and returns the id indexed for `created`'s marker; never fails the flow (undefined):
 * a lost entry costs a read of the thread or, at worst, a second comment.
 */
async function rememberComments(
  ctx: CommentPorts,
  issue: number,
  entries: { marker: string; id: number }[],
  created?: Created,
): Promise<number | undefined> {
  return ctx.store
    .transact(`bot comments: #${issue}`, (s) => {
      const stored = s.botComments?.find((e) => e.issue === issue)?.comments ?? [];
      const byMarker = new Map(stored.map((c) => [c.marker, c.id]));
      const other = created && byMarker.get(created.marker);
      const kept =
        other !== undefined && other !== created?.id && other !== created?.gone ? other : undefined;
      for (const e of kept === undefined && created ? [...entries, created] : entries) {
        byMarker.delete(e.marker); // re-inserted last: the newest stay when the index is full
        byMarker.set(e.marker, e.id);
      }
      const result = kept ?? created?.id;
      const comments = [...byMarker].map(([marker, id]) => ({ marker, id })).slice(-BOT_COMMENTS_MAX);
      const same = comments.length === stored.length && comments.every((c, i) => c.id === stored[i]?.id);
      if (same && comments.every((c, i) => c.marker === stored[i]?.marker)) return { writes: [], result };
      const value: BotComments = { version: 1, issue, comments };
      const writes = [recordWrite(dataPath.botComments(issue), value)];
      // The first index starts the era: an issue opened later has every bot comment indexed.
      if (!findWatermark(s, "bot-comments")) {
        const at = isoSeconds(ctx.now().getTime());
        const w: Watermark = { version: 1, name: "bot-comments", since: at, at };
        writes.push(recordWrite(dataPath.watermark("bot-comments"), w));
      }
      return { writes, result };
    })
    .catch((e: unknown) => {
      ctx.log?.(`the comment ids of #${issue} were not written: ${(e as Error).message}`);
      return undefined;
    });
}

/** Whether the issue already has a comment carrying this marker. */
export async function hasComment(
  api: GitHubApi,
  issue: number,
  marker: string,
  botLogin = ACTIONS_BOT_LOGIN,
): Promise<boolean> {
  return (await api.listComments(issue)).some((c) => c.user?.login === botLogin && c.body.includes(marker));
}

/** Answers a command with a refusal comment and a 😕 reaction (the reaction is best effort). */
export async function refuseCommand(api: GitHubApi, origin: CommentOrigin, reason: string): Promise<Outcome> {
  await api.createComment(origin.issue, renderRefusalComment(origin.requester.login, reason));
  await api.react(origin.commentId, "confused").catch(() => undefined);
  return { kind: "refused", why: reason };
}
