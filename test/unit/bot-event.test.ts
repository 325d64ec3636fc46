import { describe, expect, it } from "vitest";
import { parseCommand } from "../../runner/core/github/commands.ts";
import { triageComment } from "../../runner/core/github/event.ts";
import { ALICE, commentEvent } from "../fakes/bot-fixtures.ts";

describe("parseCommand", () => {
  it("reads /bench with its options and rejects anything else with usage", () => {
    expect(parseCommand("/bench")).toEqual({ kind: "bench" });
    expect(parseCommand("/bench --against base-1 --blocks 8\nthanks")).toEqual({
      kind: "bench",
      against: "base-1",
      blocks: 8,
    });
    expect(parseCommand("/bench --blocks 1")).toMatchObject({ kind: "error", message: /Usage/ });
    expect(parseCommand("/bench --turbo")).toMatchObject({ kind: "error", message: /`--turbo`/ });
    expect(parseCommand("/benchmark")).toBeUndefined();
    expect(parseCommand("please /bench")).toBeUndefined();
  });

  it("reads /rule: invalid needs a reason, valid may carry a note", () => {
    expect(parseCommand("/rule invalid pruned vocabulary")).toEqual({
      kind: "rule",
      decision: "invalid",
      reason: "pruned vocabulary",
    });
    expect(parseCommand("/rule valid")).toEqual({ kind: "rule", decision: "valid", reason: "" });
    expect(parseCommand("/rule invalid")).toMatchObject({ kind: "error", message: /needs a reason/ });
    expect(parseCommand("/rule maybe")).toMatchObject({ kind: "error", message: /Usage/ });
  });
});

describe("triageComment", () => {
  it("ignores what is not for the bot, silently", () => {
    expect(triageComment({ hello: 1 })).toMatchObject({ kind: "ignore", why: /not an issue_comment/ });
    expect(triageComment(commentEvent({ body: "/bench", action: "edited" }))).toEqual({
      kind: "ignore",
      why: "action edited",
    });
    expect(triageComment(commentEvent({ body: "/bench", type: "Bot" }))).toMatchObject({ kind: "ignore" });
    expect(triageComment(commentEvent({ body: "nice work" }))).toEqual({
      kind: "ignore",
      why: "not a command",
    });
  });

  it("refuses malformed commands and commands outside pull requests", () => {
    const bad = triageComment(commentEvent({ body: "/bench --x" }));
    expect(bad).toMatchObject({ kind: "refuse", reason: /Usage/ });
    const issue = triageComment(commentEvent({ body: "/bench", isPr: false }));
    expect(issue).toMatchObject({ kind: "refuse", reason: "`/bench` works on pull requests only." });
  });

  it("routes commands with their origin: issue, comment id, requester by id, association", () => {
    const t = triageComment(commentEvent({ body: "/bench --blocks 4", commentId: 77, association: "OWNER" }));
    expect(t).toEqual({
      kind: "bench",
      origin: { issue: 7, commentId: 77, requester: ALICE, association: "OWNER" },
      command: { kind: "bench", blocks: 4 },
    });
    expect(triageComment(commentEvent({ body: "/rule valid ok" }))).toMatchObject({ kind: "rule" });
  });
});
