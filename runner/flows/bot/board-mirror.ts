import { threadOf, type CommentFacts } from "../../core/github/thread.ts";
import { repairDue } from "../../core/github/board-repair.ts";
import { dataPath } from "../../core/layout.ts";
import type { Thread, Watermark } from "../../core/schema/data.ts";
import type { GhComment, GhIssue, GhRepoComment, Write } from "../../ports.ts";
import { recordWrite, type FlowContext, type Outcome } from "./context.ts";
import { canSpend, COMMAND_RESERVE, findWatermark, isoSeconds, readFeed } from "./feed.ts";

/** Mirrors the given issue threads (each read whole) into the data branch for the site. */
export async function mirrorThreads(ctx: FlowContext, numbers: number[]): Promise<Outcome> {
  const threads: Thread[] = [];
  for (const n of numbers) {
    const issue = await ctx.api.getIssue(n);
    // Issues without comments skip the extra request.
    threads.push(threadOf(issue, issue.comments ? await ctx.api.listComments(n) : []));
  }
  await ctx.store.transact(`board: mirror ${threads.length} thread(s)`, () => ({
    writes: threads.map((t) => recordWrite(dataPath.thread(t.number), t)),
    result: null,
  }));
  return { kind: "mirrored", threads: threads.map((t) => t.number), deferred: false };
}

/** A mirrored thread's comments back in the port's shape, to merge changes into. */
const factsOf = (t: Thread | undefined): CommentFacts[] =>
  (t?.comments ?? []).map((c) => ({
    id: c.id,
    body: c.body,
    user: { login: c.author },
    created_at: c.createdAt,
    updated_at: c.updatedAt,
    reactions: c.reactions,
  }));

/** A mirrored thread's issue fields back in the port's shape (for a thread only its comments changed). */
const issueFactsOf = (t: Thread) => ({
  number: t.number,
  title: t.title,
  body: t.body,
  user: { login: t.author },
  state: t.state,
  labels: t.labels,
  created_at: t.createdAt,
  updated_at: t.updatedAt,
  isPullRequest: t.isPullRequest,
  reactions: t.reactions,
});

/** Stored comments with the changed ones laid over them (by id), in id order. */
function merge(stored: CommentFacts[], changed: readonly CommentFacts[]): CommentFacts[] {
  const byId = new Map(stored.map((c) => [c.id, c]));
  for (const c of changed) byId.set(c.id, c);
  return [...byId.values()].sort((a, b) => a.id - b.id);
}

/** What the feeds brought: changed issues, changed comments by thread, and threads read whole. */
interface Changes {
  issues: Map<number, GhIssue>;
  comments: Map<number, GhRepoComment[]>;
  whole: Map<number, GhComment[]>;
}

/** The thread records the changes make, laid over the threads the data branch holds. Pure. */
export function changedThreads(stored: readonly Thread[], ch: Changes): Thread[] {
  const byNumber = new Map(stored.map((t) => [t.number, t]));
  const numbers = new Set([...ch.issues.keys(), ...ch.comments.keys(), ...ch.whole.keys()]);
  const out: Thread[] = [];
  for (const n of [...numbers].sort((a, b) => a - b)) {
    const old = byNumber.get(n);
    const issue = ch.issues.get(n) ?? (old ? issueFactsOf(old) : undefined);
    if (!issue) continue; // a comment on a thread neither read nor stored: read whole (see below)
    const comments = ch.whole.get(n) ?? merge(factsOf(old), ch.comments.get(n) ?? []);
    out.push(threadOf(issue, comments));
  }
  return out;
}

const watermarkOf = (name: Watermark["name"], since: string, at: Date): Watermark => ({
  version: 1,
  name,
  since,
  at: at.toISOString(),
});

/**
 * Threads to read whole: a changed issue whose comment count differs from what the mirror would
 * hold (a deleted comment, which no feed reports), and a commented thread the data branch lacks
 * that the issues feed did not bring. Only once the comments feed reached its end.
 */
function toReadWhole(stored: readonly Thread[], ch: Changes): number[] {
  const byNumber = new Map(stored.map((t) => [t.number, t]));
  const out = new Set<number>();
  for (const [n, issue] of ch.issues) {
    const have = merge(factsOf(byNumber.get(n)), ch.comments.get(n) ?? []).length;
    if (have !== issue.comments) out.add(n);
  }
  for (const n of ch.comments.keys()) if (!ch.issues.has(n) && !byNumber.has(n)) out.add(n);
  return [...out].sort((a, b) => a - b);
}

/**
 * A run that stops before the end of the comments feed still checks by their count the mirrored
 * threads it read that have had no update since the comments watermark `settled` (every comment
 * they have is mirrored, so a count that differs is a deletion: `whole`). The others (`later`) keep
 * the issues watermark back, for a run that reads both feeds to their end: a repair stopped midway
 * by the budget would otherwise never check the threads it read before it stopped.
 */
function checkEarly(stored: readonly Thread[], ch: Changes, settled: string | undefined) {
  const byNumber = new Map(stored.map((t) => [t.number, t]));
  const whole: number[] = [];
  const later: number[] = [];
  for (const [n, issue] of ch.issues) {
    const old = byNumber.get(n);
    if (!old) continue; // not mirrored yet: the comments feed brings its comments
    if (settled === undefined || Date.parse(issue.updated_at) >= Date.parse(settled)) later.push(n);
    else if (merge(factsOf(old), ch.comments.get(n) ?? []).length !== issue.comments) whole.push(n);
  }
  return { whole: whole.sort((a, b) => a - b), later };
}

/** Where the issues feed resumes: not past an issue read whose check is still owed. */
function issuesMark(read: Map<number, GhIssue>, owedNow: readonly number[], reached: string | undefined) {
  const times = owedNow.flatMap((n) => (read.has(n) ? [Date.parse(read.get(n)!.updated_at) - 1000] : []));
  if (!times.length) return reached;
  const back = isoSeconds(Math.min(...times));
  return reached === undefined || Date.parse(back) < Date.parse(reached) ? back : reached;
}

/** A repair's issues mark when it stopped before its first page: the next run reads from the beginning. */
const FROM_START = "1970-01-01T00:00:00Z";

/**
 * The incremental board mirror: reads only what changed since its watermarks (the repository's
 * issues feed, then its comments feed, both with `since`, oldest update first), lays the changes
 * over the threads the data branch holds, and writes the changed threads and the new watermarks
 * in one commit. Any number of events collapse into one run that misses nothing, so a replaced
 * pending run in the `board` concurrency group loses no update. When the API budget runs low it
 * stops between pages and saves where it got to (`deferred`); the next run resumes there. A
 * watermark moves only past what was applied: the comments feed is read only once the issues feed
 * is, and its mark stays put while a thread it names is still owed a whole read; the issues mark stays
 * before any issue whose count check is still owed (`checkEarly`, `issuesMark`). `full` (or the
 * weekly slot) starts both feeds from the beginning: the repair resync, paged the same way; a repair
 * the budget stops goes on in the next runs from the issues mark, every thread's count still checked.
 */
export async function mirrorChanges(ctx: FlowContext, o: { full?: boolean } = {}): Promise<Outcome> {
  const state = await ctx.store.read();
  const mark = (name: Watermark["name"]) => findWatermark(state, name)?.since;
  // The weekly repair is whichever run comes first after its slot (core/github/board-repair.ts).
  const repair = o.full === true || repairDue(mark("board-repair"), ctx.now());
  const since = (name: Watermark["name"]) => (repair ? undefined : mark(name));
  const spend = () => canSpend(ctx.api);
  // The feeds leave in the budget one request per whole read the issues read so far owe, so a run
  // the budget stops still makes them (else the issues mark, kept before them, would never move).
  let owing = 0;
  const feedSpend = () => canSpend(ctx.api, COMMAND_RESERVE + owing);
  const issuesPage = async (s: string | undefined, p: number) => {
    const page = await ctx.api.issuesSince(s, p);
    const got = { issues: new Map(page.map((i) => [i.number, i])), comments: new Map(), whole: new Map() };
    owing += checkEarly(state.threads, got, mark("board-comments")).whole.length;
    return page;
  };
  const is = await readFeed(issuesPage, since("board-issues"), feedSpend);
  const cs = is.done
    ? await readFeed((s, p) => ctx.api.commentsSince(s, p), since("board-comments"), feedSpend)
    : { items: [], since: since("board-comments"), done: false, requests: 0 };
  const ch: Changes = { issues: new Map(), comments: new Map(), whole: new Map() };
  for (const i of is.items) ch.issues.set(i.number, i);
  for (const c of cs.items) ch.comments.set(c.issue, [...(ch.comments.get(c.issue) ?? []), c]);
  const read = new Map(ch.issues);
  const early = cs.done ? { whole: [], later: [] } : checkEarly(state.threads, ch, mark("board-comments"));
  const owed = cs.done ? toReadWhole(state.threads, ch) : early.whole;
  for (const n of owed) {
    if (!spend()) break;
    if (!ch.issues.has(n)) ch.issues.set(n, await ctx.api.getIssue(n));
    ch.whole.set(n, await ctx.api.listComments(n));
  }
  const stored = new Set(state.threads.map((t) => t.number));
  const unread = [...ch.comments.keys()].some((n) => !ch.issues.has(n) && !stored.has(n) && !ch.whole.has(n));
  const undone = [...owed.filter((n) => !ch.whole.has(n)), ...early.later];
  const deferred = !is.done || !cs.done || undone.length > 0;
  // The comments mark says up to when the mirror's comments are in sync (`checkEarly` trusts it):
  // it stays put while a thread the feed named is owed a whole read, and a repair's re-read from the
  // start that the budget stops is dropped (the count checks still catch deletions, its purpose).
  const keep = unread || owed.some((n) => !ch.whole.has(n)) || (repair && !cs.done);
  const marks: [Watermark["name"], string | undefined][] = [
    ["board-issues", issuesMark(read, undone, is.since) ?? (repair ? FROM_START : undefined)],
    ["board-comments", keep ? mark("board-comments") : cs.since],
  ];
  const now = ctx.now();
  // Stamped when it begins: a repair the budget stops midway goes on from the issues mark.
  if (repair) marks.push(["board-repair", isoSeconds(now.getTime())]);
  const threads = await ctx.store.transact(
    repair ? "board: repair resync" : "board: mirror changes",
    (fresh) => {
      const before = new Map(fresh.threads.map((t) => [t.number, recordWrite(dataPath.thread(t.number), t)]));
      const writes: Write[] = changedThreads(fresh.threads, ch)
        .map((t) => recordWrite(dataPath.thread(t.number), t))
        .filter((w) => before.get(Number(/(\d+)\.json$/.exec(w.path)![1]))?.content !== w.content);
      const ts = writes.map((w) => Number(/(\d+)\.json$/.exec(w.path)![1]));
      for (const [name, s] of marks)
        if (s) writes.push(recordWrite(dataPath.watermark(name), watermarkOf(name, s, now)));
      return { writes, result: ts };
    },
  );
  return { kind: "mirrored", threads, deferred, ...(repair ? { repair: true as const } : {}) };
}
