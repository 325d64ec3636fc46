import { describe, expect, it } from "vitest";
import { decideRule, type RuleInput } from "../../runner/core/github/rule.ts";
import { BOB, challenge, NOW, ORGA, origin, participants, submissionFiles } from "../fakes/bot-fixtures.ts";

function input(o: Partial<RuleInput> = {}): RuleInput {
  return {
    origin: origin(ORGA, { association: "OWNER" }),
    command: { kind: "rule", decision: "invalid", reason: "pruned vocabulary" },
    files: submissionFiles(),
    challenge: challenge(),
    participants: participants(),
    now: NOW,
    ...o,
  };
}

describe("decideRule", () => {
  it("an organizer with write access records a ruling on the PR's submission", () => {
    expect(decideRule(input())).toEqual({
      kind: "record",
      ruling: {
        version: 1,
        id: "2026-01-15T12-00-00-000Z-q8-3001",
        at: NOW.toISOString(),
        slug: "q8",
        pr: 7,
        decision: "invalid",
        reason: "pruned vocabulary",
        by: ORGA,
      },
    });
  });

  it("refuses participants, organizers without write access, and impostors of a pinned login", () => {
    const refused = { kind: "refuse", reason: "only the challenge's organizers can rule on submissions." };
    expect(decideRule(input({ origin: origin(BOB, { association: "OWNER" }) }))).toEqual(refused);
    expect(decideRule(input({ origin: origin(ORGA, { association: "CONTRIBUTOR" }) }))).toEqual(refused);
    const impostor = origin({ id: 555, login: "orga" }, { association: "MEMBER" });
    expect(decideRule(input({ origin: impostor }))).toEqual(refused);
  });

  it("refuses a PR that does not add exactly one submission", () => {
    const files = [{ filename: "README.md", status: "modified" }];
    expect(decideRule(input({ files }))).toMatchObject({ kind: "refuse", reason: /outside submissions/ });
  });

  it("a ruling on a PR that edits someone else's submission is refused: the victim is never ruled on", () => {
    const attackerPr = { number: 66, user: { id: 666, login: "mallory" } };
    const merged = input({
      ownership: {
        knownSlugs: ["baseline", "q8"],
        pull: attackerPr,
        manifestAuthors: { q8: ["alice"] },
      },
    });
    expect(decideRule(merged)).toMatchObject({
      kind: "refuse",
      reason: /merged submission.*Rule on the PR that owns it/,
    });
    const elsewhere = input({
      ownership: {
        claims: [
          { pr: 7, createdAt: "2026-01-15T09:00:00Z" },
          { pr: attackerPr.number, createdAt: "2026-01-16T09:00:00Z" },
        ],
        knownSlugs: ["baseline"],
        pull: attackerPr,
      },
    });
    expect(decideRule(elsewhere)).toMatchObject({ kind: "refuse", reason: /belongs to PR #7/ });
    const own = input({
      ownership: {
        knownSlugs: ["baseline", "q8"],
        pull: { number: 7, user: { id: 101, login: "alice" } },
        manifestAuthors: { q8: ["alice"] },
      },
    });
    expect(decideRule(own).kind).toBe("record");
  });
});
