import { describe, expect, it } from "vitest";
import { threadOf } from "../../runner/core/github/thread.ts";
import { decideValidationComment } from "../../runner/core/github/validation-report.ts";

const problem = { file: "runner/x.ts", line: 0, col: 0, code: "outside-submission", message: "outside" };

describe("decideValidationComment", () => {
  it("posts a report that matches the schema", () => {
    const report = { version: 1, ok: false, checked: ["files"], problems: [problem] };
    expect(decideValidationComment(JSON.stringify(report))).toEqual({
      kind: "post",
      ok: false,
      problems: [problem],
    });
  });

  it("refuses oversized, non-JSON and off-schema reports", () => {
    expect(decideValidationComment("x".repeat(600 * 1024))).toEqual({
      kind: "refuse",
      reason: "validation report too large",
    });
    expect(decideValidationComment("{")).toMatchObject({ kind: "refuse", reason: /not JSON/ });
    const extra = { version: 1, ok: true, checked: [], problems: [], pr: 12 };
    expect(decideValidationComment(JSON.stringify(extra))).toMatchObject({
      kind: "refuse",
      reason: /does not match its schema/,
    });
  });
});

describe("threadOf", () => {
  it("keeps the board's fields and shows deleted accounts as ghost", () => {
    const issue = {
      number: 2,
      title: "Is q8 allowed?",
      body: "Asking.",
      user: null,
      state: "open" as const,
      labels: ["question"],
      created_at: "2026-01-15T10:00:00Z",
      updated_at: "2026-01-15T11:00:00Z",
      isPullRequest: false,
      reactions: 3,
      comments: 1,
    };
    const comment = {
      id: 9,
      body: "Yes.",
      user: { id: 1, login: "orga" },
      created_at: "2026-01-15T11:00:00Z",
      updated_at: "2026-01-15T11:00:00Z",
      reactions: 0,
    };
    expect(threadOf(issue, [comment])).toEqual({
      version: 1,
      number: 2,
      title: "Is q8 allowed?",
      author: "ghost",
      state: "open",
      labels: ["question"],
      body: "Asking.",
      createdAt: "2026-01-15T10:00:00Z",
      updatedAt: "2026-01-15T11:00:00Z",
      isPullRequest: false,
      reactions: 3,
      comments: [
        {
          id: 9,
          author: "orga",
          body: "Yes.",
          createdAt: comment.created_at,
          updatedAt: comment.updated_at,
          reactions: 0,
        },
      ],
    });
  });
});
