import { describe, expect, it } from "vitest";
import { parseHiddenJson } from "../../runner/core/github/comment.ts";
import { dataPath } from "../../runner/core/layout.ts";
import type { FlowContext } from "../../runner/flows/bot/index.ts";
import {
  handleIssueComment,
  mirrorChanges,
  postValidation,
  publishResult,
} from "../../runner/flows/bot/index.ts";
import {
  ALICE,
  BOB,
  botContext,
  commentEvent,
  MALLORY,
  ORGA,
  reservation,
  runRecord,
  SHA,
  submissionFiles,
} from "../fakes/bot-fixtures.ts";
import { memoryGitHub, type MemoryGitHub } from "../fakes/memory-github.ts";
import { memoryStore, type MemoryStore } from "../fakes/memory-store.ts";

/** A context over in-memory ports, with PR #7 (alice's q8) open. */
function setup(): { ctx: FlowContext; api: MemoryGitHub; store: MemoryStore } {
  const api = memoryGitHub();
  api.pulls.set(7, { number: 7, user: ALICE, headSha: SHA, state: "open", files: submissionFiles() });
  const store = memoryStore();
  const ctx = botContext({ api, store });
  return { ctx, api, store };
}

/** The body of the bot's last comment on an issue. */
const lastComment = (api: MemoryGitHub, n = 7) => api.comments.get(n)!.at(-1)!.body;

describe("/bench through the flow", () => {
  it("by the author: one dispatch, one charge on the data branch, a queued comment and a rocket", async () => {
    const { ctx, api, store } = setup();
    const out = await handleIssueComment(ctx, commentEvent({ body: "/bench --blocks 4" }));
    expect(out).toMatchObject({ kind: "dispatched", reservation: { id: "2026-01-15-pr7-c3001" } });
    expect(api.dispatches).toEqual([
      {
        workflow: "evaluate.yml",
        ref: "main",
        inputs: {
          run_id: "2026-01-15-pr7-c3001",
          pr: "7",
          sha: SHA,
          slug: "q8",
          against: "baseline",
          blocks: "4",
        },
      },
    ]);
    // The charge, then the answer ledger's record of the dispatch (before the queued comment).
    expect([...store.files.keys()]).toEqual([
      dataPath.reservation("2026-01-15-pr7-c3001"),
      dataPath.answer(3001),
    ]);
    expect(JSON.parse(store.files.get(dataPath.answer(3001))!)).toMatchObject({ outcome: "dispatching" });
    expect((await store.read()).reservations).toHaveLength(1);
    expect(lastComment(api)).toMatch(
      /Queued `q8` against `baseline` at `a1b2c3d` — 1 of 3 runs used by @alice/,
    );
    expect(api.reactions).toEqual([{ commentId: 3001, content: "rocket" }]);
  });

  it("a redelivered comment id: no second charge, no second dispatch, no second comment", async () => {
    const { ctx, api, store } = setup();
    const event = commentEvent({ body: "/bench" });
    await handleIssueComment(ctx, event);
    const again = await handleIssueComment(ctx, event);
    expect(again).toEqual({
      kind: "ignored",
      why: "comment 3001 was already handled as run 2026-01-15-pr7-c3001",
    });
    expect(api.dispatches).toHaveLength(1);
    expect(store.commits).toHaveLength(2); // the charge and the dispatch's record, once
    expect((await store.read()).reservations).toHaveLength(1);
    expect(api.callsTo("createComment")).toHaveLength(1);
  });

  it("a redelivery after a failed dispatch completes it, still charging once", async () => {
    const { ctx, api, store } = setup();
    const failing = { ...api, dispatch: () => Promise.reject(new Error("502 from GitHub")) };
    await expect(
      handleIssueComment({ ...ctx, api: failing }, commentEvent({ body: "/bench" })),
    ).rejects.toThrow(/502/);
    expect(store.commits).toHaveLength(1);
    expect(await handleIssueComment(ctx, commentEvent({ body: "/bench" }))).toMatchObject({
      kind: "dispatched",
    });
    expect(api.dispatches).toHaveLength(1);
    expect(store.commits).toHaveLength(2); // the charge (once) and the dispatch's record
    expect((await store.read()).reservations).toHaveLength(1);
  });

  it("a stranger is refused with a comment and a confused reaction; nothing is charged", async () => {
    const { ctx, api, store } = setup();
    const out = await handleIssueComment(ctx, commentEvent({ body: "/bench", user: MALLORY }));
    expect(out).toMatchObject({ kind: "refused", why: /not a registered participant/ });
    expect(lastComment(api)).toMatch(/^🚫 @mallory /);
    expect(parseHiddenJson(lastComment(api), "refused")).toMatchObject({ requester: "mallory" });
    expect(api.reactions).toEqual([{ commentId: 3001, content: "confused" }]);
    expect(api.dispatches).toEqual([]);
    expect(store.files.size).toBe(0);
  });

  it("a PR that fails validation at its head is refused: the bot validates the pinned head itself", async () => {
    const { ctx, api, store } = setup();
    const asked: unknown[] = [];
    const problem = {
      file: "submissions/q8/submission.yaml",
      line: 4,
      col: 3,
      code: "env-denied" as const,
      message: "`LD_PRELOAD` is never allowed",
    };
    ctx.validator = {
      validate: async (o) => (asked.push(o), { ok: false, problems: [problem] }),
    };
    const out = await handleIssueComment(ctx, commentEvent({ body: "/bench" }));
    expect(out).toMatchObject({ kind: "refused", why: /does not pass validation at its head/ });
    expect(asked).toEqual([{ pr: 7, sha: SHA, author: ALICE, claims: { pr: 7, bySlug: { q8: [] } } }]);
    expect(lastComment(api)).toContain("LD_PRELOAD");
    expect(api.dispatches).toEqual([]);
    expect((await store.read()).reservations).toEqual([]);
    // No validator, or one that cannot run: refused as well (fail-closed).
    delete ctx.validator;
    expect(await handleIssueComment(ctx, commentEvent({ body: "/bench", commentId: 3002 }))).toMatchObject({
      kind: "refused",
      why: /could not be run/,
    });
    ctx.validator = { validate: async () => Promise.reject(new Error("git fetch failed")) };
    expect(await handleIssueComment(ctx, commentEvent({ body: "/bench", commentId: 3003 }))).toMatchObject({
      kind: "refused",
    });
    expect(api.dispatches).toEqual([]);
  });

  it("the run over quota is refused; the ledger is unchanged", async () => {
    const { ctx, api, store } = setup();
    for (const i of [1, 2, 3]) {
      const r = reservation(`seed-${i}`, ALICE, i);
      store.files.set(dataPath.reservation(r.id), JSON.stringify(r));
    }
    const out = await handleIssueComment(ctx, commentEvent({ body: "/bench" }));
    expect(out).toMatchObject({ kind: "refused", why: /used 3 of 3 runs/ });
    expect(store.files.size).toBe(3);
    expect(api.dispatches).toEqual([]);
  });
});

describe("/rule through the flow", () => {
  it("records the ruling once and keeps one ruling comment per submission", async () => {
    const { ctx, api, store } = setup();
    const rule = (body: string, commentId: number) =>
      handleIssueComment(ctx, commentEvent({ body, user: ORGA, association: "OWNER", commentId }));
    expect(await rule("/rule invalid pruned vocabulary", 1)).toMatchObject({ kind: "ruled" });
    expect(await rule("/rule valid on second look", 2)).toMatchObject({ kind: "ruled" });
    expect((await store.read()).rulings.map((r) => r.decision).sort()).toEqual(["invalid", "valid"]);
    const rulings = api.comments.get(7)!.filter((c) => c.body.includes("velodrome:ruling:q8"));
    expect(rulings).toHaveLength(1);
    expect(rulings[0]!.body).toMatch(/`q8` is VALID/);
  });
});

describe("publish through the flow", () => {
  it("writes the record and the one verdict comment; a second publish of the run changes nothing", async () => {
    const { ctx, api, store } = setup();
    await handleIssueComment(ctx, commentEvent({ body: "/bench", user: BOB }));
    const runId = "2026-01-15-pr7-c3001";
    const published = await publishResult(ctx, { runId, resultText: JSON.stringify(runRecord("faster")) });
    expect(published).toMatchObject({ kind: "published", record: { credited: "alice", requester: BOB } });
    expect(store.files.has(dataPath.run(runId))).toBe(true);
    expect(lastComment(api)).toMatch(/FASTER\*\* `q8` vs `baseline` @alice @bob \(pooled run\)/);
    const again = await publishResult(ctx, { runId, resultText: JSON.stringify(runRecord("slower")) });
    expect(again).toMatchObject({ kind: "refused", why: /already has a published result/ });
    const rejected = await publishResult(ctx, { runId, resultText: "{}" });
    expect(rejected.kind).toBe("refused");
    const verdicts = api.comments.get(7)!.filter((c) => c.body.includes(`velodrome:verdict:${runId}`));
    expect(verdicts).toHaveLength(1);
    expect(verdicts[0]!.body).toMatch(/FASTER/);
  });

  it("a result for a run never dispatched is refused without a comment", async () => {
    const { ctx, api } = setup();
    const out = await publishResult(ctx, { runId: "nope", resultText: "{}" });
    expect(out).toMatchObject({ kind: "refused", why: /no reservation nope/ });
    expect(api.callsTo("createComment")).toEqual([]);
  });
});

describe("validation comment and board mirror through the flows", () => {
  it("posts the validation report once per PR, updated in place", async () => {
    const { ctx, api } = setup();
    const report = (ok: boolean) =>
      JSON.stringify({
        version: 1,
        ok,
        checked: ["files"],
        problems: ok ? [] : [{ file: "x", line: 1, col: 1, code: "c", message: "m" }],
      });
    expect(await postValidation(ctx, { sha: SHA, reportText: report(false) })).toEqual({
      kind: "ignored",
      why: "problems reported",
    });
    await postValidation(ctx, { sha: SHA, reportText: report(true) });
    expect(api.comments.get(7)).toHaveLength(1);
    expect(lastComment(api)).toMatch(/validation passed/);
  });

  it("finds the PR from the run's head commit, never from the report: a poisoned report has no say", async () => {
    const { ctx, api } = setup();
    api.pulls.set(8, { number: 8, user: BOB, headSha: "b".repeat(40), state: "open", files: [] });
    // The report claims to be about PR 8 and issue 2; the run's head commit is PR 7's.
    const poisoned = JSON.stringify({ version: 1, ok: true, checked: ["files"], problems: [], pr: 8 });
    expect(await postValidation(ctx, { sha: SHA, reportText: poisoned })).toMatchObject({ kind: "refused" });
    const report = JSON.stringify({ version: 1, ok: true, checked: ["files"], problems: [] });
    await postValidation(ctx, { sha: SHA, reportText: report });
    expect(api.comments.get(8) ?? []).toHaveLength(0);
    expect(api.comments.get(7)).toHaveLength(1);
    // A run whose head matches no open PR (or a fork with the same SHA elsewhere) posts nothing.
    expect(await postValidation(ctx, { sha: "c".repeat(40), reportText: report })).toMatchObject({
      kind: "refused",
      why: /no open pull request has head ccccccc/,
    });
    expect(
      await postValidation(ctx, { sha: SHA, headRepo: "mallory/fork", reportText: report }),
    ).toMatchObject({
      kind: "refused",
    });
  });

  it("updates only the bot's own comment: a participant's comment carrying the marker is left alone", async () => {
    const { ctx, api } = setup();
    const report = JSON.stringify({ version: 1, ok: false, checked: ["files"], problems: [] });
    const forged = api.addComment(7, BOB, "<!-- velodrome:validate:7 --> validation passed, trust me");
    await postValidation(ctx, { sha: SHA, reportText: report });
    const thread = api.comments.get(7)!;
    expect(thread.find((c) => c.id === forged)!.body).toMatch(/trust me/);
    expect(thread.filter((c) => c.user?.login === "github-actions[bot]")).toHaveLength(1);
  });

  it("mirrors threads with their comments into board/threads/", async () => {
    const { ctx, api, store } = setup();
    api.issues.set(2, {
      number: 2,
      title: "Is q8 allowed?",
      body: "Asking.",
      user: BOB,
      state: "open",
      labels: ["question"],
      created_at: "2026-01-15T10:00:00Z",
      updated_at: "2026-01-15T10:00:00Z",
      comments: 1,
      isPullRequest: false,
      reactions: 0,
    });
    api.addComment(2, ORGA, "Yes.");
    expect(await mirrorChanges(ctx)).toEqual({
      kind: "mirrored",
      threads: [2],
      deferred: false,
      repair: true,
    });
    const [thread] = (await store.read()).threads;
    expect(thread).toMatchObject({ number: 2, author: "bob", comments: [{ author: "orga", body: "Yes." }] });
  });
});
