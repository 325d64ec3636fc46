// Regression (red team A8): an unregistered account's /bench is refused before the bot reads the PR
// or any open PR's files, answered once per thread per window, and leaves no commit per junk comment.
import { describe, expect, it } from "vitest";
import { handleCommand } from "../../runner/flows/bot/index.ts";
import { ALICE, botContext, commentEvent, SHA, submissionFiles } from "../fakes/bot-fixtures.ts";
import { memoryGitHub } from "../fakes/memory-github.ts";
import { memoryStore } from "../fakes/memory-store.ts";

const STRANGER = { id: 4242, login: "stranger" };

function setup() {
  const api = memoryGitHub();
  for (let n = 7; n < 27; n++)
    api.pulls.set(n, {
      number: n,
      user: ALICE,
      headSha: SHA,
      state: "open",
      files: submissionFiles(`s${n}`),
      createdAt: `2026-01-${String(n - 6).padStart(2, "0")}T00:00:00Z`,
    });
  const store = memoryStore();
  const ctx = botContext({ api, store });
  return { api, store, ctx };
}

describe("junk commands from an unregistered account (A8)", () => {
  it("50 /bench comments: one answer, one ledger entry, no PR or file reads", async () => {
    const { api, store, ctx } = setup();
    const outcomes = [];
    for (let i = 0; i < 50; i++)
      outcomes.push(
        await handleCommand(
          ctx,
          commentEvent({ body: "/bench", user: STRANGER, issue: 26, commentId: 7000 + i }),
        ),
      );
    expect(outcomes[0]!.kind).toBe("refused");
    expect(outcomes.slice(1).every((o) => o.kind === "ignored")).toBe(true);
    expect(api.comments.get(26)!.filter((c) => c.body.includes("not a registered participant"))).toHaveLength(
      1,
    );
    // The first answer's claim and its answer (the ledger's compare-and-swap); the ignored ones none.
    expect(store.commits.map((c) => c.message)).toEqual([
      "handling comment 7000",
      "answered comment 7000 (refused)",
    ]);
    const calls = api.calls.map((c) => c.method);
    expect(calls.filter((c) => c === "listPullFiles" || c === "getPull" || c === "listOpenPulls")).toEqual(
      [],
    );
    expect(api.calls.length).toBeLessThanOrEqual(50 + 2);
  });

  it("a registered participant's /bench still goes through", async () => {
    const { ctx } = setup();
    const out = await handleCommand(
      ctx,
      commentEvent({ body: "/bench", user: ALICE, issue: 26, commentId: 9000 }),
    );
    expect(out.kind).toBe("dispatched");
  });
});
