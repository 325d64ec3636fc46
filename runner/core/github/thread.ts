import type { Thread } from "../schema/data.ts";

/** An issue as the GitHub port returns it (the fields a mirrored thread keeps). */
export interface IssueFacts {
  number: number;
  title: string;
  body: string;
  user: { login: string } | null;
  state: "open" | "closed";
  labels: string[];
  created_at: string;
  updated_at: string;
  isPullRequest: boolean;
  reactions: number;
}

/** A comment as the GitHub port returns it. */
export interface CommentFacts {
  id: number;
  body: string;
  user: { login: string } | null;
  created_at: string;
  updated_at: string;
  reactions: number;
}

/** Deleted accounts show as GitHub's "ghost". */
const loginOf = (u: { login: string } | null) => u?.login ?? "ghost";

/** The data-branch record of one issue thread, for the site's board. Pure. */
export function threadOf(issue: IssueFacts, comments: readonly CommentFacts[]): Thread {
  return {
    version: 1,
    number: issue.number,
    title: issue.title,
    author: loginOf(issue.user),
    state: issue.state,
    labels: issue.labels,
    body: issue.body,
    createdAt: issue.created_at,
    updatedAt: issue.updated_at,
    isPullRequest: issue.isPullRequest,
    reactions: issue.reactions,
    comments: comments.map((c) => ({
      id: c.id,
      author: loginOf(c.user),
      body: c.body,
      createdAt: c.created_at,
      updatedAt: c.updated_at,
      reactions: c.reactions,
    })),
  };
}
