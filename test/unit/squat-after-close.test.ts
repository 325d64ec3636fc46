// Regression (red team A6): a closed PR that has a record under its slug (a reservation, a run, a
// lifecycle step) keeps owning the slug; a stranger's later PR adding the same folder can neither
// retire it (/negative) nor file /bench runs under it. A closed PR with no record frees the slug.
import { describe, expect, it } from "vitest";
import { dataPath } from "../../runner/core/layout.ts";
import { lifecycleMarks } from "../../runner/core/standings.ts";
import { handleIssueComment } from "../../runner/flows/bot/index.ts";
import {
  ALICE,
  botContext,
  commentEvent,
  MALLORY,
  reservation,
  SHA,
  submissionFiles,
} from "../fakes/bot-fixtures.ts";
import { memoryGitHub } from "../fakes/memory-github.ts";
import { memoryStore } from "../fakes/memory-store.ts";

function setup(recorded: boolean) {
  const api = memoryGitHub();
  api.pulls.set(7, {
    number: 7,
    user: ALICE,
    headSha: SHA,
    state: "closed",
    files: submissionFiles("q8"),
    createdAt: "2026-01-10T00:00:00Z",
  });
  api.pulls.set(8, {
    number: 8,
    user: MALLORY,
    headSha: SHA,
    state: "open",
    files: submissionFiles("q8"),
    createdAt: "2026-01-11T00:00:00Z",
  });
  const r = reservation("r-alice", ALICE, 30);
  const store = memoryStore(recorded ? { [dataPath.reservation(r.id)]: JSON.stringify(r) } : {});
  const ctx = botContext({ api, store, mallory: true });
  return { ctx, store };
}

describe("a closed PR with records keeps its slug (A6)", () => {
  it("a stranger's later PR cannot /negative the slug", async () => {
    const { ctx, store } = setup(true);
    const out = await handleIssueComment(
      ctx,
      commentEvent({ body: "/negative tried it, dead end", user: MALLORY, issue: 8, commentId: 5002 }),
    );
    expect(out.kind).toBe("refused");
    expect(JSON.stringify(out)).toContain("PR #7");
    expect(lifecycleMarks((await store.read()).lifecycle).get("q8")).toBeUndefined();
  });

  it("a stranger's later PR cannot /bench under the slug", async () => {
    const { ctx } = setup(true);
    const out = await handleIssueComment(
      ctx,
      commentEvent({ body: "/bench", user: MALLORY, issue: 8, commentId: 5004 }),
    );
    expect(out.kind).toBe("refused");
  });

  it("a closed PR with no record frees the slug for the next PR", async () => {
    const { ctx } = setup(false);
    const out = await handleIssueComment(
      ctx,
      commentEvent({ body: "/negative tried it, dead end", user: MALLORY, issue: 8, commentId: 5002 }),
    );
    expect(out).toMatchObject({ kind: "lifecycle", event: { status: "negative", slug: "q8", pr: 8 } });
  });
});
