import { describe, expect, it } from "vitest";
import { parseCommand } from "../../runner/core/github/commands.ts";
import { parseHiddenJson } from "../../runner/core/github/comment.ts";
import { submissionHistory } from "../../runner/core/github/lifecycle.ts";
import { dataPath } from "../../runner/core/layout.ts";
import { handleIssueComment, type FlowContext } from "../../runner/flows/bot/index.ts";
import {
  ALICE,
  challenge,
  commentEvent,
  MALLORY,
  NOW,
  ORGA,
  participants,
  SHA,
  submissionFiles,
} from "../fakes/bot-fixtures.ts";
import { memoryGitHub, type MemoryGitHub } from "../fakes/memory-github.ts";
import { memoryStore, type MemoryStore } from "../fakes/memory-store.ts";

const REGISTRATION_ISSUE = 2;
const NEWBIE = { id: 777, login: "newbie" };

/** In-memory ports with PR #7 (alice's q8) open and registration on issue #2. */
function setup(): { ctx: FlowContext; api: MemoryGitHub; store: MemoryStore } {
  const api = memoryGitHub();
  api.pulls.set(7, { number: 7, user: ALICE, headSha: SHA, state: "open", files: submissionFiles() });
  const store = memoryStore();
  const ctx: FlowContext = {
    api,
    store,
    challenge: challenge(),
    participants: { ...participants(), registration_issue: REGISTRATION_ISSUE },
    now: () => NOW,
    ref: "main",
    evaluateWorkflow: "evaluate.yml",
    knownSlugs: ["baseline"],
    validator: { validate: async () => ({ ok: true, problems: [] }) },
  };
  return { ctx, api, store };
}

const lastComment = (api: MemoryGitHub, n = 7) => api.comments.get(n)!.at(-1)!.body;

describe("parseCommand: lifecycle, /join and /broadcast", () => {
  it("parses each form and refuses malformed ones with usage", () => {
    expect(parseCommand("/negative tried int3\nmore detail")).toEqual({
      kind: "lifecycle",
      action: "negative",
      reason: "tried int3\nmore detail",
    });
    expect(parseCommand("/negative")).toMatchObject({ kind: "error", message: /needs a reason/ });
    expect(parseCommand("/withdraw")).toEqual({ kind: "lifecycle", action: "withdraw", reason: "" });
    expect(parseCommand("/rule hacked reads the references")).toMatchObject({
      kind: "lifecycle",
      action: "hacked",
    });
    expect(parseCommand("/rule hacked")).toMatchObject({ kind: "error", message: /needs a reason/ });
    expect(parseCommand("/rule reinstate")).toEqual({ kind: "lifecycle", action: "reinstate", reason: "" });
    expect(parseCommand("/join")).toEqual({ kind: "join", action: "self" });
    expect(parseCommand("/join owner-of @newbie")).toEqual({
      kind: "join",
      action: "owner-of",
      login: "newbie",
    });
    expect(parseCommand("/join owned-by <script>")).toMatchObject({ kind: "error" });
    expect(parseCommand("/broadcast  hello all ")).toEqual({ kind: "broadcast", text: "hello all" });
    expect(parseCommand("/broadcast")).toMatchObject({ kind: "error" });
    expect(parseCommand("/joined the fun")).toBeUndefined();
  });
});

describe("lifecycle through the flow", () => {
  it("/negative by the author: one file on the data branch, a comment with the history, a 👍", async () => {
    const { ctx, api, store } = setup();
    const out = await handleIssueComment(ctx, commentEvent({ body: "/negative int3 KV: greedy match 41%" }));
    expect(out).toMatchObject({ kind: "lifecycle", event: { status: "negative", slug: "q8", by: ALICE } });
    const state = await store.read();
    expect(state.problems).toEqual([]);
    expect(submissionHistory(state, "q8").map((e) => e.status)).toEqual(["negative"]);
    // One record; the other commit indexes the bot's comment id (the first index starts the era).
    expect(store.commits.map((c) => c.paths)).toEqual([
      [expect.stringMatching(/^lifecycle\//)],
      ["bot-comments/7.json", "watermarks/bot-comments.json"],
    ]);
    expect(lastComment(api)).toMatch(/`q8` 📉 logged as a \*\*negative result\*\*/);
    expect(parseHiddenJson(lastComment(api), "lifecycle")).toMatchObject({ latest: { status: "negative" } });
    expect(api.reactions).toEqual([{ commentId: 3001, content: "+1" }]);
  });

  it("a replayed comment: no second record, the one comment kept", async () => {
    const { ctx, api, store } = setup();
    const event = commentEvent({ body: "/negative dead end" });
    await handleIssueComment(ctx, event);
    await handleIssueComment(ctx, event);
    expect(store.commits.filter((c) => c.paths.some((p) => p.startsWith("lifecycle/")))).toHaveLength(1);
    expect(api.comments.get(7)).toHaveLength(1);
    // The second answer found its comment by the id on the data branch, not by reading the thread.
    expect(api.callsTo("listComments")).toHaveLength(1);
  });

  it("withdraw, hacked, reinstate: every step appended, one comment updated in place", async () => {
    const { ctx, api, store } = setup();
    await handleIssueComment(ctx, commentEvent({ body: "/withdraw" }));
    const orga = { user: ORGA, association: "OWNER" };
    await handleIssueComment(
      ctx,
      commentEvent({ body: "/rule hacked reads the reference file", commentId: 3002, ...orga }),
    );
    await handleIssueComment(
      ctx,
      commentEvent({ body: "/rule reinstate misread the logs", commentId: 3003, ...orga }),
    );
    const history = submissionHistory(await store.read(), "q8");
    expect(history.map((e) => e.status)).toEqual(["withdrawn", "hacked", "reinstated"]);
    expect(api.comments.get(7)).toHaveLength(1);
    expect(lastComment(api)).toMatch(/withdrawn by @alice[\s\S]*hacked by @orga[\s\S]*reinstated by @orga/);
  });

  it("a stranger's /withdraw and a participant's /rule hacked are refused and write nothing", async () => {
    const { ctx, api, store } = setup();
    const a = await handleIssueComment(ctx, commentEvent({ body: "/withdraw", user: MALLORY }));
    const b = await handleIssueComment(ctx, commentEvent({ body: "/rule hacked x", association: "OWNER" }));
    expect([a.kind, b.kind]).toEqual(["refused", "refused"]);
    expect(store.files.size).toBe(0);
    expect(lastComment(api)).toMatch(/only the challenge's organizers/);
  });

  it("F4: a stranger's second PR adding the same unmerged folder cannot /negative it or take it over", async () => {
    // Alice opened PR #7 adding q8. Mallory (registered via /join, so registration alone is not
    // the defence) opens PR #9 adding the same folder an hour later and comments /negative on it.
    const { ctx, api, store } = setup();
    api.pulls.get(7)!.createdAt = "2026-01-15T08:00:00Z";
    api.pulls.set(9, {
      number: 9,
      user: MALLORY,
      headSha: SHA,
      state: "open",
      createdAt: "2026-01-15T09:00:00Z",
      files: submissionFiles(),
    });
    await handleIssueComment(
      ctx,
      commentEvent({ body: "/join", user: MALLORY, issue: REGISTRATION_ISSUE, isPr: false }),
    );
    const squat = await handleIssueComment(
      ctx,
      commentEvent({ body: "/negative it is slow", user: MALLORY, issue: 9, commentId: 4001 }),
    );
    expect(squat).toMatchObject({
      kind: "refused",
      why: /`q8` belongs to PR #7, which added its folder first/,
    });
    // No lifecycle step was written (only the ownership cache's entries for #7 and #9).
    expect([...store.files.keys()].filter((p) => p.startsWith("lifecycle/"))).toEqual([]);
    // The real author is not locked out: her own step on PR #7 is recorded.
    const own = await handleIssueComment(ctx, commentEvent({ body: "/withdraw", commentId: 4002 }));
    expect(own.kind).toBe("lifecycle");
    expect(submissionHistory(await store.read(), "q8").map((e) => [e.pr, e.status])).toEqual([
      [7, "withdrawn"],
    ]);
  });

  it("F4: an unregistered account cannot take a lifecycle step, even on its own PR", async () => {
    const { ctx, api, store } = setup();
    api.pulls.set(11, {
      number: 11,
      user: NEWBIE,
      headSha: SHA,
      state: "open",
      files: submissionFiles("n1"),
    });
    const out = await handleIssueComment(ctx, commentEvent({ body: "/negative x", user: NEWBIE, issue: 11 }));
    expect(out).toMatchObject({ kind: "refused", why: /not a registered participant/ });
    expect(store.files.size).toBe(0);
  });

  it("/negative outside a pull request is refused", async () => {
    const { ctx, store } = setup();
    const out = await handleIssueComment(ctx, commentEvent({ body: "/negative x", isPr: false, issue: 3 }));
    expect(out).toEqual({ kind: "refused", why: "`/negative` works on pull requests only." });
    expect(store.files.size).toBe(0);
  });
});

describe("/join and /broadcast through the flow", () => {
  it("/join registers on the data branch, and the new participant may /bench once its owner confirms", async () => {
    const { ctx, api, store } = setup();
    const join = commentEvent({
      body: "/join",
      user: NEWBIE,
      isPr: false,
      issue: REGISTRATION_ISSUE,
      commentId: 4001,
    });
    expect(await handleIssueComment(ctx, join)).toMatchObject({ kind: "registered", change: "joined" });
    expect([...store.files.keys()]).toEqual([dataPath.registration(777)]);
    expect(lastComment(api, REGISTRATION_ISSUE)).toMatch(/@newbie \(id 777\) is registered/);
    await handleIssueComment(ctx, join);
    expect(api.comments.get(REGISTRATION_ISSUE)).toHaveLength(1);
    const unlinked = await handleIssueComment(
      ctx,
      commentEvent({ body: "/bench", user: NEWBIE, commentId: 4002 }),
    );
    expect(unlinked).toMatchObject({ kind: "refused", why: /has no confirmed owner/ });
    const boss = { id: 9001, login: "boss" };
    const on = { isPr: false, issue: REGISTRATION_ISSUE };
    await handleIssueComment(
      ctx,
      commentEvent({ body: "/join owned-by @boss", user: NEWBIE, commentId: 4005, ...on }),
    );
    await handleIssueComment(
      ctx,
      commentEvent({ body: "/join owner-of @newbie", user: boss, commentId: 4006, ...on }),
    );
    const bench = await handleIssueComment(
      ctx,
      commentEvent({ body: "/bench", user: NEWBIE, commentId: 4007 }),
    );
    expect(bench).toMatchObject({
      kind: "dispatched",
      reservation: { requester: NEWBIE, owner: { id: 9001 } },
    });
    const stranger = await handleIssueComment(
      ctx,
      commentEvent({ body: "/bench", user: MALLORY, commentId: 4003 }),
    );
    expect(stranger).toMatchObject({ kind: "refused", why: /Comment `\/join` on registration issue #2/ });
  });

  it("owner link: claim by the agent, confirmation by the owner, refused for anyone else", async () => {
    const { ctx, store } = setup();
    const on = { isPr: false, issue: REGISTRATION_ISSUE };
    await handleIssueComment(
      ctx,
      commentEvent({ body: "/join owned-by @boss", user: NEWBIE, commentId: 1, ...on }),
    );
    const hijack = commentEvent({ body: "/join owner-of @newbie", user: MALLORY, commentId: 2, ...on });
    expect(await handleIssueComment(ctx, hijack)).toMatchObject({ kind: "refused" });
    const boss = { id: 888, login: "boss" };
    await handleIssueComment(
      ctx,
      commentEvent({ body: "/join owner-of @newbie", user: boss, commentId: 3, ...on }),
    );
    expect((await store.read()).registrations).toEqual([expect.objectContaining({ id: 777, owner: boss })]);
  });

  it("/broadcast by an organizer on any issue is recorded once; by anyone else refused", async () => {
    const { ctx, api, store } = setup();
    const event = commentEvent({
      body: "/broadcast Runner 2 is back",
      user: ORGA,
      association: "MEMBER",
      isPr: false,
      issue: 3,
    });
    expect(await handleIssueComment(ctx, event)).toMatchObject({
      kind: "broadcast",
      broadcast: { text: "Runner 2 is back" },
    });
    await handleIssueComment(ctx, event);
    expect((await store.read()).broadcasts).toHaveLength(1);
    expect(api.comments.get(3)).toHaveLength(1);
    const fake = commentEvent({
      body: "/broadcast free runs!",
      user: { id: 9, login: "orga" },
      association: "OWNER",
      isPr: false,
      issue: 3,
    });
    expect(await handleIssueComment(ctx, fake)).toMatchObject({ kind: "refused" });
    expect((await store.read()).broadcasts).toHaveLength(1);
  });
});
