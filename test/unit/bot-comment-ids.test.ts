/**
 * The bot's comment ids on the data branch (`bot-comments/<issue>.json`, flows/bot/comments.ts):
 * an issue's thread is read once, later updates and new comments go by id, and nothing a
 * participant or a lost write does makes the bot edit someone else's comment or lose its own.
 */
import { describe, expect, it } from "vitest";
import { marker, renderRefusalComment } from "../../runner/core/github/comment.ts";
import { dataPath } from "../../runner/core/layout.ts";
import { BOT_COMMENTS_MAX } from "../../runner/core/schema/data.ts";
import { upsertComment } from "../../runner/flows/bot/comments.ts";
import { BOT_USER, memoryGitHub } from "../fakes/memory-github.ts";
import { memoryStore } from "../fakes/memory-store.ts";
import type { DataStore } from "../../runner/ports.ts";

const MALLORY = { id: 666, login: "mallory" };
const VALIDATE = marker("validate", 7);
const VERDICT = (run: string) => marker("verdict", run);

function setup() {
  const api = memoryGitHub();
  const store = memoryStore();
  const lines: string[] = [];
  let clock = Date.parse("2026-01-15T12:00:00Z");
  const now = () => new Date((clock += 1000));
  return { api, store, lines, ctx: { api, store, now, log: (l: string) => void lines.push(l) } };
}

describe("the bot's comment ids", () => {
  it("reads a thread once: it indexes the bot's own markers (never a participant's copy), then goes by id", async () => {
    const { api, store, ctx } = setup();
    // Before the index: the bot's validation comment, and a participant's comment carrying a verdict marker.
    const validation = api.addComment(7, BOT_USER, `${VALIDATE}\nold report`);
    const forged = api.addComment(7, MALLORY, `${VERDICT("r1")}\n✅ faster by 90%`);

    const r1 = await upsertComment(ctx, 7, VERDICT("r1"), `${VERDICT("r1")}\nslower`);
    expect(r1).not.toBe(forged);
    expect(api.comments.get(7)!.find((c) => c.id === forged)!.body).toMatch(/faster by 90%/);
    expect((await store.read()).botComments).toEqual([
      {
        version: 1,
        issue: 7,
        comments: [
          { marker: VALIDATE, id: validation },
          { marker: VERDICT("r1"), id: r1 },
        ],
      },
    ]);
    expect(api.callsTo("listComments")).toHaveLength(1);

    // Later: an update and a new comment, neither reads the thread.
    expect(await upsertComment(ctx, 7, VALIDATE, `${VALIDATE}\nnew report`)).toBe(validation);
    const r2 = await upsertComment(ctx, 7, VERDICT("r2"), `${VERDICT("r2")}\ntie`);
    expect(api.callsTo("listComments")).toHaveLength(1);
    expect(api.comments.get(7)!.map((c) => [c.id, c.body.split("\n")[1]])).toEqual([
      [validation, "new report"],
      [forged, "✅ faster by 90%"],
      [r1, "slower"],
      [r2, "tie"],
    ]);
    // Another issue has no index yet: its thread is read.
    await upsertComment(ctx, 8, marker("validate", 8), "x");
    expect(api.callsTo("listComments").map((c) => c.args[0])).toEqual([7, 8]);
  });

  it("a deleted comment is posted again (the thread read on the 404); other failures are not swallowed", async () => {
    const { api, store, ctx, lines } = setup();
    const first = await upsertComment(ctx, 7, VALIDATE, `${VALIDATE}\none`);
    api.comments.set(7, []); // an organizer deleted it
    const again = await upsertComment(ctx, 7, VALIDATE, `${VALIDATE}\ntwo`);
    expect(again).not.toBe(first);
    expect(api.comments.get(7)!.map((c) => c.body)).toEqual([`${VALIDATE}\ntwo`]);
    expect((await store.read()).botComments![0]!.comments).toEqual([{ marker: VALIDATE, id: again }]);
    expect(lines.join("\n")).toMatch(`comment ${first} on #7 is gone`);

    api.updateComment = () => Promise.reject(Object.assign(new Error("Server Error"), { status: 502 }));
    await expect(upsertComment(ctx, 7, VALIDATE, "three")).rejects.toThrow("Server Error");
    expect(api.comments.get(7)).toHaveLength(1);
  });

  it("a lost index write costs a thread read, never the comment or the flow", async () => {
    const { api, ctx, lines } = setup();
    const broken: DataStore = {
      read: ctx.store.read,
      transact: () => Promise.reject(new Error("the data branch moved 5 times")),
    };
    const id = await upsertComment({ ...ctx, store: broken }, 7, VALIDATE, `${VALIDATE}\none`);
    expect(await upsertComment({ ...ctx, store: broken }, 7, VALIDATE, `${VALIDATE}\ntwo`)).toBe(id);
    expect(api.comments.get(7)!.map((c) => c.body)).toEqual([`${VALIDATE}\ntwo`]);
    expect(api.callsTo("listComments")).toHaveLength(2);
    expect(lines.join("\n")).toMatch("the comment ids of #7 were not written: the data branch moved");
  });

  it("two flows on one issue at once keep both ids; a full index keeps the newest", async () => {
    const { store, ctx } = setup();
    await upsertComment(ctx, 7, VALIDATE, "v");
    await Promise.all([upsertComment(ctx, 7, VERDICT("a"), "a"), upsertComment(ctx, 7, VERDICT("b"), "b")]);
    expect((await store.read()).botComments![0]!.comments.map((c) => c.marker)).toEqual([
      VALIDATE,
      VERDICT("a"),
      VERDICT("b"),
    ]);

    const full = memoryStore({
      [dataPath.botComments(9)]: JSON.stringify({
        version: 1,
        issue: 9,
        comments: Array.from({ length: BOT_COMMENTS_MAX }, (_, i) => ({
          marker: VERDICT(`r${i}`),
          id: i + 1,
        })),
      }),
    });
    await upsertComment({ ...ctx, store: full }, 9, VERDICT("newest"), "n");
    const kept = (await full.read()).botComments![0]!.comments;
    expect(kept).toHaveLength(BOT_COMMENTS_MAX);
    expect(kept[0]!.marker).toBe(VERDICT("r1"));
    expect(kept.at(-1)!.marker).toBe(VERDICT("newest"));
  });

  it("a PR opened after the first index needs no thread read; one opened before it does (its old comment is updated)", async () => {
    const { api, store, ctx } = setup();
    // Before Velodrome kept ids: PR #5's validation comment.
    const old = api.addComment(5, BOT_USER, `${marker("validate", 5)}\nold`);
    await upsertComment(ctx, 3, marker("validate", 3), `${marker("validate", 3)}\nfirst`);
    const era = (await store.read()).watermarks!.find((w) => w.name === "bot-comments")!.since;
    expect(era).toBe("2026-01-15T12:00:01Z");
    const reads = () => api.callsTo("listComments").map((c) => c.args[0]);
    expect(reads()).toEqual([3]);

    await upsertComment(ctx, 8, marker("validate", 8), `${marker("validate", 8)}\nnew`, {
      openedAt: "2026-01-15T12:30:00Z",
    });
    expect(reads()).toEqual([3]);
    // #5 was opened before the era: its thread is read, and its old comment updated, not doubled.
    expect(
      await upsertComment(ctx, 5, marker("validate", 5), `${marker("validate", 5)}\nupdated`, {
        openedAt: "2026-01-15T11:00:00Z",
      }),
    ).toBe(old);
    expect(reads()).toEqual([3, 5]);
    expect(api.comments.get(5)!.map((c) => c.body)).toEqual([`${marker("validate", 5)}\nupdated`]);
    // Later writes keep the era where it began.
    expect((await store.read()).watermarks!.find((w) => w.name === "bot-comments")!.since).toBe(era);
  });

  it("a hand-edited index that is not the bot's shape is refused as a problem, not used", async () => {
    const store = memoryStore({
      [dataPath.botComments(7)]: JSON.stringify({
        version: 1,
        issue: 7,
        comments: [{ marker: "anything at all", id: 1 }],
      }),
    });
    const state = await store.read();
    expect(state.botComments).toEqual([]);
    expect(state.problems.map((p) => p.path)).toEqual([dataPath.botComments(7)]);
  });
});

describe("the bot's comment ids (attacker)", () => {
  const fullIndex = (issue: number, first: number) =>
    JSON.stringify({
      version: 1,
      issue,
      comments: Array.from({ length: BOT_COMMENTS_MAX }, (_, i) => ({
        marker: VERDICT(`r${i + first}`),
        id: 100_000 + i,
      })),
    });

  it("a full index is not proof a marker was never posted: the evicted one is found on the thread, not doubled", async () => {
    const { api, ctx } = setup();
    // The verdict of run r0 was posted, then pushed out of the index by 2,000 newer markers.
    const r0 = api.addComment(9, BOT_USER, `${VERDICT("r0")}\nfirst look`);
    const store = memoryStore({ [dataPath.botComments(9)]: fullIndex(9, 1) });
    const id = await upsertComment({ ...ctx, store }, 9, VERDICT("r0"), `${VERDICT("r0")}\nsecond look`);
    expect(id).toBe(r0);
    expect(api.comments.get(9)!.map((c) => c.body)).toEqual([`${VERDICT("r0")}\nsecond look`]);
  });

  it("the JSON twins in the bot's comments are not indexed as markers (they would fill the index)", async () => {
    const { api, store, ctx } = setup();
    api.addComment(7, BOT_USER, renderRefusalComment("mallory", "no quota left"));
    const id = await upsertComment(ctx, 7, VALIDATE, `${VALIDATE}\nreport`);
    expect((await store.read()).botComments![0]!.comments).toEqual([{ marker: VALIDATE, id }]);
  });
});

describe("the bot's comment ids under concurrent writers", () => {
  it("two validations of a new PR at once leave one comment, with the later report (not a stale twin)", async () => {
    const { api, store, ctx } = setup();
    await upsertComment(ctx, 3, marker("validate", 3), "first index: the era starts");
    const opened = { openedAt: "2026-01-15T12:30:00Z" };
    // Two pushes a moment apart: two validate-comment jobs, each sees no index for #8 yet.
    const V8 = marker("validate", 8);
    const [a, b] = await Promise.all([
      upsertComment(ctx, 8, V8, `${V8}\nhead 1`, opened),
      upsertComment(ctx, 8, V8, `${V8}\nhead 2`, opened),
    ]);
    expect(a).toBe(b);
    expect(api.comments.get(8)!.map((c) => c.body)).toEqual([`${V8}\nhead 2`]);
    const index = (await store.read()).botComments!.find((e) => e.issue === 8)!;
    expect(index.comments).toEqual([{ marker: V8, id: a }]);
  });

  it("two flows that both find the comment deleted post it again once", async () => {
    const { api, store, ctx } = setup();
    await upsertComment(ctx, 7, VALIDATE, `${VALIDATE}\none`);
    api.comments.set(7, []); // an organizer deleted it
    const [a, b] = await Promise.all([
      upsertComment(ctx, 7, VALIDATE, `${VALIDATE}\ntwo`),
      upsertComment(ctx, 7, VALIDATE, `${VALIDATE}\nthree`),
    ]);
    expect(a).toBe(b);
    expect(api.comments.get(7)!.map((c) => c.body)).toEqual([`${VALIDATE}\nthree`]);
    expect((await store.read()).botComments![0]!.comments).toEqual([{ marker: VALIDATE, id: a }]);
  });
});
