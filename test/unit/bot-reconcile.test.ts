import { describe, expect, it } from "vitest";
import { claimEntry } from "../../runner/core/github/ledger.ts";
import { dataPath } from "../../runner/core/layout.ts";
import type { FlowContext } from "../../runner/flows/bot/index.ts";
import { handleCommand, mirrorChanges, reconcile } from "../../runner/flows/bot/index.ts";
import { requestWouldRun } from "../../runner/flows/bot/reconcile.ts";
import type { GhIssue } from "../../runner/ports.ts";
import {
  ALICE,
  BOB,
  botContext,
  commentEvent,
  NOW,
  ORGA,
  SHA,
  submissionFiles,
} from "../fakes/bot-fixtures.ts";
import { BOT_USER, memoryGitHub, type MemoryGitHub } from "../fakes/memory-github.ts";
import { memoryStore, type MemoryStore } from "../fakes/memory-store.ts";

const HOUR = 3600_000;
const issue = (number: number, o: Partial<GhIssue> = {}): GhIssue => ({
  number,
  title: `thread ${number}`,
  body: "",
  user: ALICE,
  state: "open",
  labels: [],
  created_at: "2026-01-15T10:00:00Z",
  updated_at: "2026-01-15T10:00:00Z",
  comments: 0,
  isPullRequest: false,
  reactions: 0,
  ...o,
});

/** PR #7 (alice's q8) open, issue #2 a plain thread; the clock an hour after the comments. */
function setup(): { ctx: FlowContext; api: MemoryGitHub; store: MemoryStore; at: { now: number } } {
  const api = memoryGitHub();
  api.pulls.set(7, { number: 7, user: ALICE, headSha: SHA, state: "open", files: submissionFiles() });
  api.issues.set(7, issue(7, { isPullRequest: true }));
  api.issues.set(2, issue(2));
  const store = memoryStore();
  const at = { now: NOW.getTime() + HOUR };
  const ctx = botContext({ api, store, now: () => new Date(at.now) });
  return { ctx, api, store, at };
}

describe("the reconciler", () => {
  it("answers a /bench whose run a later comment replaced in the commenter's group, exactly once", async () => {
    const { ctx, api, store } = setup();
    // Under the old `request-<commenter id>` group: /bench on #7, then a chat comment by the same
    // person while another run of theirs was running: the chat run replaced the pending /bench.
    const bench = api.addComment(7, ALICE, "/bench --blocks 4");
    api.addComment(7, ALICE, "thanks!");
    const first = await reconcile(ctx);
    expect(first).toEqual({
      kind: "reconciled",
      handled: [{ commentId: bench, outcome: "dispatched" }],
      deferred: false,
    });
    expect(api.dispatches).toHaveLength(1);
    expect(api.dispatches[0]!.inputs.run_id).toBe(`2026-01-15-pr7-c${bench}`);
    expect(JSON.parse(store.files.get(dataPath.answer(bench))!)).toMatchObject({
      commentId: bench,
      outcome: "dispatched",
      by: "reconciler",
    });
    // A second pass, and the event itself delivered late, answer nothing more.
    expect(await reconcile(ctx)).toMatchObject({ handled: [] });
    const late = await handleCommand(ctx, commentEvent({ body: "/bench --blocks 4", commentId: bench }));
    expect(late).toEqual({ kind: "ignored", why: `comment ${bench} was already answered` });
    expect(api.dispatches).toHaveLength(1);
    expect(api.comments.get(7)!.filter((c) => c.user?.login === BOT_USER.login)).toHaveLength(1);
  });

  it("leaves a command to its own run during the grace period, then answers it", async () => {
    const { ctx, api, at } = setup();
    at.now = NOW.getTime() + 5 * 60_000; // the comments' stamp is NOW
    const c = api.addComment(7, ALICE, "/bench");
    expect(await reconcile(ctx)).toMatchObject({ handled: [] });
    at.now = NOW.getTime() + 20 * 60_000;
    expect(await reconcile(ctx)).toMatchObject({ handled: [{ commentId: c, outcome: "dispatched" }] });
  });

  it("answers only what request.yml's job would: no chat, no bot, no /bench outside a PR", async () => {
    const { ctx, api } = setup();
    api.addComment(7, ALICE, "I will /bench later");
    api.addComment(7, BOT_USER, "/bench from the bot itself");
    api.addComment(2, BOB, "/bench on a plain issue");
    const broadcast = api.addComment(2, ORGA, "/broadcast hello");
    const out = await reconcile(ctx);
    expect(out).toMatchObject({ handled: [{ commentId: broadcast }] });
    expect(api.dispatches).toEqual([]);
    expect(requestWouldRun("/BENCH", true)).toBe(true); // startsWith ignores case, as GitHub's does
    expect(requestWouldRun("/bench", false)).toBe(false);
    expect(requestWouldRun("/join", false)).toBe(true);
  });

  it("an event's own run records its answer, so the reconciler never answers it again", async () => {
    const { ctx, api } = setup();
    const c = api.addComment(7, ALICE, "/withdraw giving up");
    const out = await handleCommand(ctx, commentEvent({ body: "/withdraw giving up", commentId: c }));
    expect(out.kind).not.toBe("ignored");
    const before = api.comments.get(7)!.length;
    expect(await reconcile(ctx)).toMatchObject({ handled: [] });
    expect(api.comments.get(7)!.length).toBe(before);
  });

  it("defers (not fails) when the rate-limit headers say the budget is low, and resumes", async () => {
    const { ctx, api } = setup();
    const c = api.addComment(7, ALICE, "/bench");
    const low = { ...ctx, api: { ...api, budget: () => ({ requests: 0, byRoute: {}, remaining: 10 }) } };
    expect(await reconcile(low)).toEqual({ kind: "reconciled", handled: [], deferred: true });
    expect(await reconcile(ctx)).toMatchObject({ handled: [{ commentId: c }], deferred: false });
  });

  it("a lifecycle command handled by its own run, a redelivery and two reconcilers at once is answered once", async () => {
    // request.yml's inline reconcile runs in no common group with the command's own run or the
    // scheduled reconciler: all of them may find the same /withdraw unanswered at the same time.
    const { ctx, api, store } = setup();
    const c = api.addComment(7, ALICE, "/withdraw giving up");
    const event = commentEvent({ body: "/withdraw giving up", commentId: c });
    const outs = await Promise.all([
      handleCommand(ctx, event),
      reconcile(ctx),
      handleCommand(ctx, event),
      reconcile(ctx),
    ]);
    const bot = api.comments.get(7)!.filter((x) => x.user?.login === BOT_USER.login);
    expect(bot).toHaveLength(1);
    expect(bot[0]!.body).toMatch(/withdrawn by @alice/);
    expect((await store.read()).lifecycle).toHaveLength(1);
    expect(JSON.parse(store.files.get(dataPath.answer(c))!)).toMatchObject({ outcome: "lifecycle" });
    expect(outs.map((o) => o.kind)).toEqual(["lifecycle", "reconciled", "ignored", "reconciled"]);
    // A claim another run holds keeps the reconcilers' mark before the command; afterwards it moves on.
    expect(await reconcile(ctx)).toMatchObject({ handled: [] });
    expect(api.comments.get(7)!.filter((x) => x.user?.login === BOT_USER.login)).toHaveLength(1);
  });

  it("a claim whose run died is taken over after its lease; a live one is left alone", async () => {
    const { ctx, api, store, at } = setup();
    const c = api.addComment(7, ALICE, "/withdraw giving up");
    const claim = claimEntry({ commentId: c, issue: 7, by: "event", now: new Date(at.now) });
    store.files.set(dataPath.answer(c), JSON.stringify(claim));
    expect(await reconcile(ctx)).toMatchObject({ handled: [] });
    expect(api.comments.get(7) ?? []).toHaveLength(1); // the command alone
    at.now += 16 * 60_000; // past the lease (the job's timeout is 10 minutes)
    expect(await reconcile(ctx)).toMatchObject({ handled: [{ commentId: c, outcome: "lifecycle" }] });
    expect(api.comments.get(7)!.filter((x) => x.user?.login === BOT_USER.login)).toHaveLength(1);
  });

  it("a /bench whose comment a rate limit refused after its dispatch is acknowledged later, never dispatched twice", async () => {
    const { ctx, api, store } = setup();
    const c = api.addComment(7, ALICE, "/bench --blocks 4");
    // GitHub takes the dispatch, then refuses the queued comment (the secondary content limit).
    const limited = Object.assign(new Error("You have exceeded a secondary rate limit"), {
      status: 403,
      response: { headers: { "retry-after": "60" } },
    });
    const refusing = {
      ...ctx,
      api: { ...api, createComment: () => Promise.reject(limited) } as unknown as typeof api,
    };
    const first = await handleCommand(refusing, commentEvent({ body: "/bench --blocks 4", commentId: c }));
    expect(first.kind).toBe("deferred");
    expect(api.dispatches).toHaveLength(1);
    expect(JSON.parse(store.files.get(dataPath.answer(c))!)).toMatchObject({ outcome: "dispatching" });
    // The reconciler finds it unanswered and acknowledges it: the queued comment, no second run.
    const out = await reconcile(ctx);
    expect(out).toEqual({
      kind: "reconciled",
      handled: [{ commentId: c, outcome: "dispatched", resumed: true }],
      deferred: false,
    });
    expect(api.dispatches).toHaveLength(1);
    const bot = api.comments.get(7)!.filter((x) => x.user?.login === BOT_USER.login);
    expect(bot).toHaveLength(1);
    expect(bot[0]!.body).toContain(`2026-01-15-pr7-c${c}`);
    expect(JSON.parse(store.files.get(dataPath.answer(c))!)).toMatchObject({
      outcome: "dispatched",
      by: "reconciler",
    });
    expect(await reconcile(ctx)).toMatchObject({ handled: [] });
    expect(api.dispatches).toHaveLength(1);
  });
});

describe("the incremental board mirror", () => {
  it("reads only the change feeds after its first run, and lays changes over the stored threads", async () => {
    const { ctx, api, store } = setup();
    api.issues.set(2, issue(2, { comments: 1 }));
    api.addComment(2, BOB, "first");
    // The first run ever is the repair too (there is none before it): both feeds from the start.
    expect(await mirrorChanges(ctx)).toEqual({
      kind: "mirrored",
      threads: [2, 7],
      deferred: false,
      repair: true,
    });
    const marks = (await store.read()).watermarks!.map((w) => w.name).sort();
    expect(marks).toEqual(["board-comments", "board-issues", "board-repair"]);
    // A new comment on #2 (GitHub bumps the issue's updated_at); the stamps move forward.
    const later = "2026-01-15T13:00:00Z";
    api.issues.set(2, issue(2, { comments: 2, updated_at: later }));
    const id = api.addComment(2, ORGA, "second");
    Object.assign(
      api.comments.get(2)!.find((c) => c.id === id)!,
      { created_at: later, updated_at: later },
    );
    api.calls.length = 0;
    expect(await mirrorChanges(ctx)).toMatchObject({ threads: [2], deferred: false });
    expect(api.calls.map((c) => c.method)).toEqual(["issuesSince", "commentsSince"]);
    const thread = (await store.read()).threads.find((t) => t.number === 2)!;
    expect(thread.comments.map((c) => c.body)).toEqual(["first", "second"]);
  });

  it("reads a thread whole when its count shows a deleted comment", async () => {
    const { ctx, api, store } = setup();
    api.issues.set(2, issue(2, { comments: 2 }));
    api.addComment(2, BOB, "keep");
    const gone = api.addComment(2, MALLORY_LIKE, "spam");
    await mirrorChanges(ctx);
    api.comments.set(
      2,
      api.comments.get(2)!.filter((c) => c.id !== gone),
    );
    api.issues.set(2, issue(2, { comments: 1, updated_at: "2026-01-15T13:00:00Z" }));
    await mirrorChanges(ctx);
    const thread = (await store.read()).threads.find((t) => t.number === 2)!;
    expect(thread.comments.map((c) => c.body)).toEqual(["keep"]);
  });

  it("the weekly repair is whichever run comes first after Sunday's slot: it catches a deletion no feed shows", async () => {
    const { ctx, api, store, at } = setup();
    api.issues.set(2, issue(2, { comments: 2 }));
    api.addComment(2, BOB, "keep");
    const gone = api.addComment(2, MALLORY_LIKE, "spam");
    expect(await mirrorChanges(ctx)).toMatchObject({ repair: true }); // Thursday: the first run
    const bodies = async () =>
      (await store.read()).threads.find((t) => t.number === 2)!.comments.map((c) => c.body);
    // Later updates move the watermarks past #2; then the comment is deleted, and nothing in
    // either feed says so (the thread's updated_at did not move).
    api.issues.set(7, issue(7, { isPullRequest: true, updated_at: "2026-01-16T00:00:00Z" }));
    expect(await mirrorChanges(ctx)).not.toHaveProperty("repair");
    api.comments.set(
      2,
      api.comments.get(2)!.filter((c) => c.id !== gone),
    );
    api.issues.set(2, issue(2, { comments: 1 }));
    at.now = Date.parse("2026-01-18T04:04:00Z"); // Sunday, a minute before the slot
    expect(await mirrorChanges(ctx)).not.toHaveProperty("repair");
    expect(await bodies()).toEqual(["keep", "spam"]);
    // The scheduled run was replaced in the group: a comment's run, the first after the slot, repairs.
    at.now = Date.parse("2026-01-18T04:09:00Z");
    api.calls.length = 0;
    expect(await mirrorChanges(ctx)).toMatchObject({ repair: true, deferred: false });
    expect(api.callsTo("issuesSince")[0]!.args).toEqual([undefined, 1]); // from the beginning
    expect(await bodies()).toEqual(["keep"]);
    const repaired = (await store.read()).watermarks!.find((w) => w.name === "board-repair")!;
    expect(repaired.since).toBe("2026-01-18T04:09:00Z");
    // Once a week: the next runs are incremental again.
    at.now = Date.parse("2026-01-18T05:00:00Z");
    expect(await mirrorChanges(ctx)).not.toHaveProperty("repair");
    expect(api.callsTo("issuesSince").at(-1)!.args[0]).toMatch(/^2026-01-1\dT/);
  });

  it("a weekly repair the budget stops midway still catches the deletion in a later run", async () => {
    // The repair stopped after `pages` requests: before the first (0), within the issues feed (1),
    // or past it, before the comments feed (3). Before, the next runs went on from the incremental watermarks
    // and never checked #2's count again: the spam stayed on the board.
    const results: string[] = [];
    for (const pages of [0, 1, 3]) {
      const { ctx, api, store, at } = setup();
      api.issues.set(2, issue(2, { comments: 2, updated_at: "2026-01-15T06:00:00Z" }));
      api.addComment(2, BOB, "keep");
      const gone = api.addComment(2, MALLORY_LIKE, "spam");
      for (let n = 10; n < 260; n++) {
        const t = new Date(NOW.getTime() - (300 - n) * 60_000).toISOString().replace(/\.\d+Z$/, "Z");
        api.issues.set(n, issue(n, { created_at: t, updated_at: t }));
      }
      expect(await mirrorChanges(ctx)).toMatchObject({ repair: true, deferred: false });
      api.issues.set(7, issue(7, { isPullRequest: true, updated_at: "2026-01-16T00:00:00Z" }));
      at.now = Date.parse("2026-01-16T01:00:00Z");
      expect(await mirrorChanges(ctx)).toMatchObject({ deferred: false });
      // Deleted silently: #2's updated_at does not move.
      api.comments.set(
        2,
        api.comments.get(2)!.filter((c) => c.id !== gone),
      );
      api.issues.set(2, issue(2, { comments: 1, updated_at: "2026-01-15T06:00:00Z" }));
      let remaining = 200 + pages;
      const spent =
        <A extends unknown[], R>(f: (...a: A) => Promise<R>) =>
        (...a: A) => ((remaining -= 1), f(...a));
      const low = {
        ...api,
        issuesSince: spent(api.issuesSince),
        commentsSince: spent(api.commentsSince),
        getIssue: spent(api.getIssue),
        listComments: spent(api.listComments),
        budget: () => ({ requests: 0, byRoute: {}, remaining }),
      };
      at.now = Date.parse("2026-01-18T04:09:00Z");
      expect(await mirrorChanges({ ...ctx, api: low })).toMatchObject({ repair: true, deferred: true });
      // The later runs have 2 requests each (the feeds need 4 and the whole read 1): the repair
      // goes on from where it stopped and ends.
      let runs = 0;
      for (let deferred = true; deferred && runs < 8; runs++) {
        at.now += 30 * 60_000;
        remaining = 202;
        deferred = ((await mirrorChanges({ ...ctx, api: low })) as { deferred: boolean }).deferred;
      }
      expect(runs, `stopped after ${pages}`).toBeLessThan(8);
      const thread = (await store.read()).threads.find((t) => t.number === 2)!;
      results.push(`${pages}: ${thread.comments.map((c) => c.body).join(",")}`);
    }
    expect(results).toEqual(["0: keep", "1: keep", "3: keep"]);
  });

  it("stops between pages when the budget runs low and resumes without losing an update", async () => {
    const { ctx, api, store } = setup();
    for (let n = 10; n < 260; n++) {
      const t = new Date(NOW.getTime() - (300 - n) * 60_000).toISOString().replace(/\.\d+Z$/, "Z");
      api.issues.set(n, issue(n, { created_at: t, updated_at: t }));
    }
    let remaining = 1000;
    const counted = {
      ...api,
      issuesSince: async (s: string | undefined, p?: number) => ((remaining -= 400), api.issuesSince(s, p)),
      budget: () => ({ requests: 0, byRoute: {}, remaining }),
    };
    const first = await mirrorChanges({ ...ctx, api: counted });
    expect(first).toMatchObject({ deferred: true });
    const partial = (await store.read()).threads.length;
    expect(partial).toBeGreaterThan(0);
    expect(partial).toBeLessThan(252);
    remaining = 1000;
    await mirrorChanges({ ...ctx, api: { ...counted, issuesSince: api.issuesSince } });
    expect((await store.read()).threads.map((t) => t.number).sort((a, b) => a - b)).toEqual(
      [2, 7, ...Array.from({ length: 250 }, (_, k) => k + 10)].sort((a, b) => a - b),
    );
  });
});

const MALLORY_LIKE = { id: 667, login: "spammer" };
