import type { Watermark } from "../../core/schema/data.ts";
import type { DataState, GitHubApi } from "../../ports.ts";

/** Requests kept for commands: incremental readers stop (and resume later) below this many left. */
export const COMMAND_RESERVE = 200;

/**
 * Whether a deferrable reader may spend another request: true until GitHub's rate-limit headers
 * say fewer than `reserve` are left in the window (unknown before the first answer: true).
 */
export function canSpend(api: GitHubApi, reserve = COMMAND_RESERVE): boolean {
  const remaining = api.budget?.().remaining;
  return remaining === undefined || remaining > reserve;
}

/** Whether an error is GitHub refusing for a rate limit (primary or secondary): work to defer, not a failure. */
export function isRateLimited(e: unknown): boolean {
  const err = e as { status?: number; response?: { headers?: Record<string, string | undefined> } };
  if (err.status !== 403 && err.status !== 429) return false;
  const h = err.response?.headers ?? {};
  return h["x-ratelimit-remaining"] === "0" || h["retry-after"] !== undefined;
}

/** What a feed reader read: the items, where to resume, and whether it reached the end. */
export interface FeedRead<T> {
  items: T[];
  /** The `since` to resume from (a watermark); undefined when nothing was ever read. */
  since: string | undefined;
  done: boolean;
  requests: number;
}

const PAGE = 100;
/** A watermark on the data branch, by name (the feeds' readers, the dispatch and comment-id records). */
export const findWatermark = (state: Pick<DataState, "watermarks">, name: Watermark["name"]) =>
  state.watermarks?.find((w) => w.name === name);

/** A time as the watermarks and GitHub's `since` write it: ISO 8601 to the second, rounded down. */
export const isoSeconds = (ms: number) => new Date(ms).toISOString().replace(/\.\d+Z$/, "Z");

/** One second before a time: the next read starts there, so `since` strict or inclusive loses nothing. */
const back1s = (iso: string) => isoSeconds(Date.parse(iso) - 1000);

/**
 * Reads a change feed (oldest update first, 100 a page) from `since` to its end, or until the budget
 * runs low. Pages are keyed by time, not by number: each next read starts at the last update seen
 * (less a second), so an item updated while the feed is read moves to the end and is read again
 * rather than shifting an unread one onto a page already read. Only when a whole page shares one
 * second does it page by number.
 */
export async function readFeed<T extends { updated_at: string }>(
  fetch: (since: string | undefined, page: number) => Promise<T[]>,
  since: string | undefined,
  spend: () => boolean,
): Promise<FeedRead<T>> {
  const items: T[] = [];
  let cursor = since;
  let page = 1;
  let requests = 0;
  for (;;) {
    if (!spend()) return { items, since: cursor, done: false, requests };
    const got = await fetch(cursor, page);
    requests++;
    items.push(...got);
    const last = got.at(-1)?.updated_at;
    if (got.length < PAGE) return { items, since: last ? back1s(last) : cursor, done: true, requests };
    const next = back1s(last!);
    if (cursor !== undefined && Date.parse(next) <= Date.parse(cursor)) page++;
    else [cursor, page] = [next, 1];
  }
}
