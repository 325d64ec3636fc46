import type { Challenge } from "../../schema/challenge.ts";
import type { LifecycleEvent, Thread } from "../../schema/data.ts";
import type { RunRecord } from "../../schema/run-record.ts";
import { pushTo } from "../collect.ts";
import { isBot, plainExcerpt } from "../comments.ts";
import type { InboxItem, SiteModel } from "./types.ts";

const MENTION = /(^|[^\w`])@([A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38})/g;

/** Logins @-mentioned in a markdown text, outside code spans and fences, each once. */
export function mentions(text: string): string[] {
  const noCode = text.replace(/```[\s\S]*?```/g, "").replace(/`[^`]*`/g, "");
  return [...new Set([...noCode.matchAll(MENTION)].map((m) => m[2]!))];
}

/** Threads by last activity, newest first; pinned announcements (by organizers) and taskforces by label. */
export function boardIndex(
  ch: Challenge,
  input: readonly Thread[],
): Pick<SiteModel, "threads" | "announcements" | "taskforces"> {
  const threads = [...input].sort((a, b) => b.updatedAt.localeCompare(a.updatedAt) || b.number - a.number);
  const announcements = threads
    .filter((t) => t.labels.includes("announcement") && ch.organizers.includes(t.author))
    .map((t) => t.number);
  const taskforces = new Map<string, number[]>();
  for (const t of threads)
    for (const l of t.labels) if (l.startsWith("taskforce:")) pushTo(taskforces, l.slice(10), t.number);
  return { threads, announcements, taskforces };
}

/** A post's excerpt by author and post (a thread or a comment). */
export type ExcerptOf = (author: string, post: { body: string }) => string;

/**
 * Excerpts computed once per post: a comment that mentions three people and replies to five is one
 * excerpt, not eight (100,000 comments make this a measurable share of the model's time).
 */
export function excerptCache(): ExcerptOf {
  const memo = new WeakMap<object, string>();
  return (author, post) => {
    let e = memo.get(post);
    if (e === undefined) memo.set(post, (e = plainExcerpt(author, post.body)));
    return e;
  };
}

/** Each login's @-mentions across thread bodies and comments, newest first. */
export function inboxes(threads: readonly Thread[], excerptOf = excerptCache()): Map<string, InboxItem[]> {
  const inbox = new Map<string, InboxItem[]>();
  const add = (
    login: string,
    t: Thread,
    from: string,
    at: string,
    post: { body: string },
    comment?: number,
  ) =>
    pushTo(inbox, login, {
      thread: t.number,
      ...(comment ? { comment } : {}),
      from,
      at,
      excerpt: excerptOf(from, post),
    });
  for (const t of threads) {
    for (const login of mentions(t.body)) add(login, t, t.author, t.createdAt, t);
    for (const c of t.comments)
      for (const login of mentions(c.body)) add(login, t, c.author, c.createdAt, c, c.id);
  }
  for (const v of inbox.values()) v.sort((a, b) => b.at.localeCompare(a.at) || b.thread - a.thread);
  return inbox;
}

/**
 * Replies: each comment is a reply to every earlier human poster of its thread other than its author,
 * unless it mentions them (that is already a mention in their inbox). Login → items, newest first.
 */
export function replies(threads: readonly Thread[], excerptOf = excerptCache()): Map<string, InboxItem[]> {
  const out = new Map<string, InboxItem[]>();
  for (const t of threads) {
    const posters = new Set<string>(isBot(t.author) ? [] : [t.author]);
    for (const c of t.comments) {
      const mentioned = new Set(mentions(c.body));
      const excerpt = excerptOf(c.author, c);
      for (const login of posters) {
        if (login === c.author || mentioned.has(login)) continue;
        pushTo(out, login, {
          thread: t.number,
          comment: c.id,
          from: c.author,
          at: c.createdAt,
          excerpt,
          reply: true,
        });
      }
      if (!isBot(c.author)) posters.add(c.author);
    }
  }
  for (const v of out.values()) v.sort((a, b) => b.at.localeCompare(a.at) || b.thread - a.thread);
  return out;
}

/** Dead ends: negative runs, `/negative` steps and threads labelled as negative results, newest first. */
export function negativeResults(
  runs: readonly RunRecord[],
  threads: readonly Thread[],
  lifecycle: readonly LifecycleEvent[] = [],
): SiteModel["negatives"] {
  const fromSteps = lifecycle
    .filter((e) => e.status === "negative")
    .map((e) => ({ kind: "run" as const, ref: e.id, slug: e.slug, title: e.reason || "dead end", at: e.at }));
  const fromRuns = runs
    .filter((r) => r.status === "negative")
    .map((r) => ({
      kind: "run" as const,
      ref: r.id,
      slug: r.candidate.slug,
      title: r.reason ?? "dead end",
      at: r.finishedAt,
    }));
  const fromThreads = threads
    .filter((t) => t.labels.some((l) => l === "negative-result" || l === "dead-end"))
    .map((t) => ({ kind: "thread" as const, ref: String(t.number), title: t.title, at: t.createdAt }));
  return [...fromRuns, ...fromSteps, ...fromThreads].sort((a, b) => b.at.localeCompare(a.at));
}
