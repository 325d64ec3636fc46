import { describe, expect, it } from "vitest";
import { ownershipProblems, ownsFolder, prOfSubject } from "../../runner/core/validate/ownership.ts";

const origin = { slug: "x", sha: "a".repeat(40), pr: 3, authors: ["Alice"] };

describe("ownership of a submission folder on the base branch", () => {
  it("reads the PR of GitHub's merge and squash subjects, and nothing else", () => {
    expect(prOfSubject("Merge pull request #12 from alice/x")).toBe(12);
    expect(prOfSubject("Faster decode (#40)")).toBe(40);
    expect(prOfSubject("mention #40 in passing")).toBeUndefined();
  });

  it("the original authors own it (case-insensitively); a pinned id must match", () => {
    expect(ownsFolder(origin, { login: "alice" })).toBe(true);
    expect(ownsFolder(origin, { login: "mallory" })).toBe(false);
    const pinned = new Map([["alice", 101]]);
    expect(ownsFolder(origin, { login: "alice", id: 101 }, pinned)).toBe(true);
    // A renamed account that took the login "alice" is not alice.
    expect(ownsFolder(origin, { login: "alice", id: 666 }, pinned)).toBe(false);
  });

  it("a touched folder it does not own is one problem at the manifest's authors line; new folders are free", () => {
    const text = "schema: 1\ntitle: t\nauthors: [alice, mallory]\n";
    const problems = ownershipProblems({
      touched: ["x", "brand-new"],
      origins: [origin],
      author: { login: "mallory" },
      manifestText: () => text,
    });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({
      file: "submissions/x/submission.yaml",
      line: 3,
      col: 1,
      code: "not-owner",
    });
    expect(problems[0]!.message).toMatch(/added to the base branch by PR #3 \(authors: Alice\); @mallory/);
  });
});
